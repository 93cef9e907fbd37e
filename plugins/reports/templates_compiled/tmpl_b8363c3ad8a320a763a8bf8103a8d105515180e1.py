from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'cover.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0__ = resolve('_')
    l_0_brand = resolve('brand')
    l_0_report_name = resolve('report_name')
    l_0_meta = resolve('meta')
    pass
    yield '<header class="cover"><div class="page cover-inner">\n<div class="cover-text">\n<p class="eyebrow">'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Marketing KPI report')))
    if environment.getattr((undefined(name='brand') if l_0_brand is missing else l_0_brand), 'agency'):
        pass
        yield ' · '
        yield escape(environment.finalize(environment.getattr((undefined(name='brand') if l_0_brand is missing else l_0_brand), 'agency')))
    yield '</p>\n<h1>'
    yield escape(environment.finalize((undefined(name='report_name') if l_0_report_name is missing else l_0_report_name)))
    yield '</h1>\n<p class="meta">'
    for l_1_item in (undefined(name='meta') if l_0_meta is missing else l_0_meta):
        _loop_vars = {}
        pass
        yield '<span>'
        yield escape(environment.finalize(l_1_item))
        yield '</span>'
    l_1_item = missing
    yield '</p>\n</div>\n'
    if environment.getattr((undefined(name='brand') if l_0_brand is missing else l_0_brand), 'logo'):
        pass
        yield '<img class="logo" src="'
        yield escape(environment.finalize(environment.getattr((undefined(name='brand') if l_0_brand is missing else l_0_brand), 'logo')))
        yield '" alt="'
        yield escape(environment.finalize((environment.getattr((undefined(name='brand') if l_0_brand is missing else l_0_brand), 'agency') or '')))
        yield '">'
    yield '</div></header>'

blocks = {}
debug_info = '3=16&4=22&5=24&7=32'
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'footer.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_brand = resolve('brand')
    l_0_footer = resolve('footer')
    pass
    yield '<footer>\n'
    if environment.getattr((undefined(name='brand') if l_0_brand is missing else l_0_brand), 'footer'):
        pass
        yield '<p class="brand-footer">'
        yield escape(environment.finalize(environment.getattr((undefined(name='brand') if l_0_brand is missing else l_0_brand), 'footer')))
        yield '</p>'
    yield '<p>'
    if environment.getattr((undefined(name='brand') if l_0_brand is missing else l_0_brand), 'agency'):
        pass
        yield escape(environment.finalize(environment.getattr((undefined(name='brand') if l_0_brand is missing else l_0_brand), 'agency')))
        yield ' · '
    yield escape(environment.finalize((undefined(name='footer') if l_0_footer is missing else l_0_footer)))
    yield '</p>\n</footer>'

blocks = {}
debug_info = '2=14&3=20'
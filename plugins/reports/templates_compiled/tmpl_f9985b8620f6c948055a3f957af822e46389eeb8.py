from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'peers.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_peers = resolve('peers')
    l_0__ = resolve('_')
    pass
    yield '<section id="peers">\n<h2>'
    yield escape(environment.finalize(environment.getattr((undefined(name='peers') if l_0_peers is missing else l_0_peers), 'title')))
    yield '</h2>\n<p class="lead">'
    yield escape(environment.finalize(environment.getattr((undefined(name='peers') if l_0_peers is missing else l_0_peers), 'lead')))
    yield '</p>\n'
    if environment.getattr((undefined(name='peers') if l_0_peers is missing else l_0_peers), 'rows'):
        pass
        yield '<div class="card table-card"><div class="scroll"><table class="peers">\n<thead><tr><th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Scope')))
        yield '</th><th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Figure')))
        yield '</th><th class="num">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'You')))
        yield '</th><th class="num">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Median')))
        yield '</th><th class="num">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Middle half')))
        yield '</th><th class="num">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Clients')))
        yield '</th><th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Verdict')))
        yield '</th></tr></thead>\n<tbody>\n'
        for l_1_row in environment.getattr((undefined(name='peers') if l_0_peers is missing else l_0_peers), 'rows'):
            _loop_vars = {}
            pass
            yield '<tr><td>'
            yield escape(environment.finalize(environment.getattr(l_1_row, 'scope')))
            yield '</td><td>'
            yield escape(environment.finalize(environment.getattr(l_1_row, 'metric')))
            yield '</td><td class="num"><strong>'
            yield escape(environment.finalize(environment.getattr(l_1_row, 'value')))
            yield '</strong></td><td class="num">'
            yield escape(environment.finalize(environment.getattr(l_1_row, 'median')))
            yield '</td><td class="num">'
            yield escape(environment.finalize(environment.getattr(l_1_row, 'range')))
            yield '</td><td class="num">'
            yield escape(environment.finalize(environment.getattr(l_1_row, 'n')))
            yield '</td><td><span class="chip verdict '
            yield escape(environment.finalize(environment.getattr(l_1_row, 'verdict')))
            yield '">'
            yield escape(environment.finalize(environment.getattr(l_1_row, 'verdict_label')))
            yield '</span></td></tr>\n'
        l_1_row = missing
        yield '</tbody></table></div></div>\n'
    else:
        pass
        yield '<p class="empty">'
        yield escape(environment.finalize(environment.getattr((undefined(name='peers') if l_0_peers is missing else l_0_peers), 'empty')))
        yield '</p>\n'
    yield '</section>'

blocks = {}
debug_info = '4=14&5=16&6=18&8=21&10=35&14=60'
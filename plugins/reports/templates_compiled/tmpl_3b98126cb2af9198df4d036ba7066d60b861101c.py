from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'funnel.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_funnel = resolve('funnel')
    pass
    yield '<div class="card funnel">\n<h3><span>'
    yield escape(environment.finalize(environment.getattr((undefined(name='funnel') if l_0_funnel is missing else l_0_funnel), 'name')))
    yield '</span><span class="chip tag">'
    yield escape(environment.finalize(environment.getattr((undefined(name='funnel') if l_0_funnel is missing else l_0_funnel), 'count')))
    yield '</span></h3>\n<ol class="steps" aria-label="'
    yield escape(environment.finalize(environment.getattr((undefined(name='funnel') if l_0_funnel is missing else l_0_funnel), 'label')))
    yield '">\n'
    for l_1_row in environment.getattr((undefined(name='funnel') if l_0_funnel is missing else l_0_funnel), 'rows'):
        l_1_step = resolve('step')
        l_1__ = resolve('_')
        _loop_vars = {}
        pass
        if environment.getattr(l_1_row, 'branches'):
            pass
            yield '<li class="row branches'
            if environment.getattr(l_1_row, 'leaking'):
                pass
                yield ' leaking'
            yield '">\n'
            for l_2_step in environment.getattr(l_1_row, 'steps'):
                _loop_vars = {}
                pass
                yield '<div class="step'
                if environment.getattr(l_2_step, 'leaking'):
                    pass
                    yield ' leak'
                yield '">\n<div class="step-head"><span class="name">'
                yield escape(environment.finalize(environment.getattr(l_2_step, 'name')))
                yield '</span><span class="value">'
                yield escape(environment.finalize(environment.getattr(l_2_step, 'value')))
                yield '</span></div>\n<div class="track"><div class="bar" style="width:'
                yield escape(environment.finalize(environment.getattr(l_2_step, 'width')))
                yield '%;background:'
                yield escape(environment.finalize(environment.getattr(l_2_step, 'colour')))
                yield '" title="'
                yield escape(environment.finalize(environment.getattr(l_2_step, 'name')))
                yield ': '
                yield escape(environment.finalize(environment.getattr(l_2_step, 'value')))
                yield '"></div></div>\n'
                if environment.getattr(l_2_step, 'share'):
                    pass
                    yield '<div class="share'
                    if environment.getattr(l_2_step, 'leaking'):
                        pass
                        yield ' leak'
                    yield '">'
                    yield escape(environment.finalize(environment.getattr(l_2_step, 'share')))
                    if environment.getattr(l_2_step, 'leaking'):
                        pass
                        yield ' ◀ '
                        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_1__ is missing else l_1__), 'leak', _loop_vars=_loop_vars)))
                    yield '</div>'
                yield '</div>\n'
            l_2_step = missing
            yield '</li>\n'
        else:
            pass
            l_1_step = environment.getitem(environment.getattr(l_1_row, 'steps'), 0)
            _loop_vars['step'] = l_1_step
            if environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'share'):
                pass
                yield '<li class="pass'
                if environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'leaking'):
                    pass
                    yield ' leak'
                yield '"><span class="pill">'
                yield escape(environment.finalize(environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'share')))
                if environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'from'):
                    pass
                    yield ' <span class="from">'
                    yield escape(environment.finalize(environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'from')))
                    yield '</span>'
                yield '</span>'
                if environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'leaking'):
                    pass
                    yield '<span class="flag">◀ '
                    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_1__ is missing else l_1__), 'leak', _loop_vars=_loop_vars)))
                    yield '</span>'
                yield '</li>'
            yield '<li class="row'
            if environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'leaking'):
                pass
                yield ' leaking'
            yield '"><div class="step'
            if environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'leaking'):
                pass
                yield ' leak'
            yield '">\n<div class="step-head"><span class="name">'
            yield escape(environment.finalize(environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'name')))
            yield '</span><span class="value">'
            yield escape(environment.finalize(environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'value')))
            yield '</span></div>\n<div class="track"><div class="bar" style="width:'
            yield escape(environment.finalize(environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'width')))
            yield '%;background:'
            yield escape(environment.finalize(environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'colour')))
            yield '" title="'
            yield escape(environment.finalize(environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'name')))
            yield ': '
            yield escape(environment.finalize(environment.getattr((undefined(name='step') if l_1_step is missing else l_1_step), 'value')))
            yield '"></div></div>\n</div></li>\n'
    l_1_row = l_1_step = l_1__ = missing
    yield '</ol>\n'
    for l_1_callout in environment.getattr((undefined(name='funnel') if l_0_funnel is missing else l_0_funnel), 'callouts'):
        _loop_vars = {}
        pass
        yield '<p class="callout '
        yield escape(environment.finalize(environment.getattr(l_1_callout, 'kind')))
        yield '">'
        if environment.getattr(l_1_callout, 'head'):
            pass
            yield '<strong>'
            yield escape(environment.finalize(environment.getattr(l_1_callout, 'head')))
            yield ':</strong> '
        yield escape(environment.finalize(environment.getattr(l_1_callout, 'text')))
        yield '</p>'
    l_1_callout = missing
    yield '</div>'

blocks = {}
debug_info = '2=13&3=17&4=19&5=24&6=27&7=31&8=35&9=39&10=43&11=51&16=69&17=71&18=92&19=100&20=104&25=114'
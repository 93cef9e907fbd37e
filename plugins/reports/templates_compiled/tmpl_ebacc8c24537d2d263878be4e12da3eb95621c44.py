from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'finding.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_finding = resolve('finding')
    l_0_client = resolve('client')
    l_0__ = resolve('_')
    pass
    yield '<article class="card finding '
    yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'severity')))
    yield '">\n<header><span class="chip sev '
    yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'severity')))
    yield '">'
    yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'severity_label')))
    yield '</span>\n<h3>'
    yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'title')))
    yield '</h3>\n<span class="chip scope">'
    yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'scope')))
    yield '</span>\n<span class="chip tag">'
    yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'stage')))
    yield '</span>\n'
    if environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'status'):
        pass
        yield '<span class="chip since '
        yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'status')))
        yield '">'
        yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'status_label')))
        yield '</span>'
    if (not (undefined(name='client') if l_0_client is missing else l_0_client)):
        pass
        yield '<span class="rule-id">'
        yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'rule')))
        yield '</span>'
    yield '</header>\n<p class="message">'
    yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'message')))
    yield '</p>\n<div class="body'
    if (not environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'evidence')):
        pass
        yield ' single'
    yield '">\n'
    if environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'evidence'):
        pass
        yield '<div><table class="evidence"><thead><tr><th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Evidence')))
        yield '</th><th class="num">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'value')))
        yield '</th><th class="num">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'threshold')))
        yield '</th></tr></thead><tbody>\n'
        for l_1_row in environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'evidence'):
            _loop_vars = {}
            pass
            yield '<tr><td>'
            yield escape(environment.finalize(environment.getattr(l_1_row, 'name')))
            yield '</td><td class="num">'
            if environment.getattr(l_1_row, 'over'):
                pass
                yield '<span class="over">'
                yield escape(environment.finalize(environment.getattr(l_1_row, 'value')))
                yield '</span>'
            else:
                pass
                yield escape(environment.finalize(environment.getattr(l_1_row, 'value')))
            yield '</td><td class="num">'
            yield escape(environment.finalize(environment.getattr(l_1_row, 'limit')))
            yield '</td></tr>\n'
        l_1_row = missing
        yield '</tbody></table></div>'
    yield '<div><div class="box recommendation"><h4>'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Recommendation')))
    yield '</h4><p>'
    yield escape(environment.finalize(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'recommendation')))
    yield '</p></div>\n'
    if environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'impact'):
        pass
        yield '<div class="box impact"><h4>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'At stake per period')))
        yield '</h4><div class="amount">'
        yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'impact'), 'amount')))
        yield '</div><div class="basis">'
        yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='finding') if l_0_finding is missing else l_0_finding), 'impact'), 'basis')))
        yield '</div></div>'
    yield '</div>\n</div></article>'

blocks = {}
debug_info = '1=15&2=17&3=21&4=23&5=25&6=27&7=34&8=40&9=42&10=46&11=55&14=75&15=79'
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'overview.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_lang = resolve('lang')
    l_0_version = resolve('version')
    l_0_title = resolve('title')
    l_0_css = resolve('css')
    l_0__ = resolve('_')
    l_0_headline = resolve('headline')
    l_0_lead = resolve('lead')
    l_0_stats = resolve('stats')
    l_0_trend = resolve('trend')
    l_0_peers = resolve('peers')
    l_0_clients = resolve('clients')
    l_0_failed = resolve('failed')
    try:
        t_1 = environment.filters['safe']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'safe' found.")
    pass
    yield '<!DOCTYPE html>\n<html lang="'
    yield escape(environment.finalize((undefined(name='lang') if l_0_lang is missing else l_0_lang)))
    yield '">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">\n<meta name="generator" content="kpi-advisor '
    yield escape(environment.finalize((undefined(name='version') if l_0_version is missing else l_0_version)))
    yield '">\n<title>'
    yield escape(environment.finalize((undefined(name='title') if l_0_title is missing else l_0_title)))
    yield '</title>\n<style>\n'
    yield escape(environment.finalize(t_1((undefined(name='css') if l_0_css is missing else l_0_css))))
    yield '\n</style>\n</head>\n<body class="overview">\n<header class="cover"><div class="page cover-inner">\n<div class="cover-text">\n<p class="eyebrow">'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Portfolio overview')))
    yield '</p>\n<h1>'
    yield escape(environment.finalize((undefined(name='headline') if l_0_headline is missing else l_0_headline)))
    yield '</h1>\n<p class="meta"><span>'
    yield escape(environment.finalize((undefined(name='lead') if l_0_lead is missing else l_0_lead)))
    yield '</span></p>\n</div>\n</div></header>\n<main class="page">\n<div class="cards three">\n'
    for l_1_stat in (undefined(name='stats') if l_0_stats is missing else l_0_stats):
        _loop_vars = {}
        pass
        yield '<div class="stat"><div class="label">'
        yield escape(environment.finalize(environment.getattr(l_1_stat, 'label')))
        yield '</div><div class="big">'
        yield escape(environment.finalize(environment.getattr(l_1_stat, 'big')))
        yield '</div><div class="small">'
        yield escape(environment.finalize(environment.getattr(l_1_stat, 'small')))
        yield '</div></div>\n'
    l_1_stat = missing
    yield '</div>\n<section id="clients">\n<h2>'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Clients, the one that needs attention first on top')))
    yield '</h2>\n<div class="card table-card"><div class="scroll"><table class="clients">\n<thead><tr><th class="num">#</th><th>'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Client')))
    yield '</th><th class="num">'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Money at stake')))
    yield '</th><th>'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Findings')))
    yield '</th><th>'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Goals')))
    yield '</th>'
    if (undefined(name='trend') if l_0_trend is missing else l_0_trend):
        pass
        yield '<th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Since the last run')))
        yield '</th>'
    if (undefined(name='peers') if l_0_peers is missing else l_0_peers):
        pass
        yield '<th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Peers')))
        yield '</th>'
    yield '</tr></thead>\n'
    l_1_loop = missing
    for l_1_c, l_1_loop in LoopContext((undefined(name='clients') if l_0_clients is missing else l_0_clients), undefined):
        _loop_vars = {}
        pass
        yield '<tbody class="client-block'
        if environment.getattr(l_1_loop, 'first'):
            pass
            yield ' first'
        yield '">\n<tr class="client-row"><td class="num rank">'
        yield escape(environment.finalize(environment.getattr(l_1_c, 'rank')))
        yield '</td>\n<td class="client"><strong><a href="'
        yield escape(environment.finalize(environment.getattr(l_1_c, 'report')))
        yield '">'
        yield escape(environment.finalize(environment.getattr(l_1_c, 'client')))
        yield '</a></strong><br><span class="why">'
        yield escape(environment.finalize(environment.getattr(l_1_c, 'model')))
        yield ' · '
        yield escape(environment.finalize(environment.getattr(l_1_c, 'name')))
        yield '</span></td>\n<td class="num money" data-label="'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Money at stake', _loop_vars=_loop_vars)))
        yield '"><strong>'
        yield escape(environment.finalize(environment.getattr(l_1_c, 'money')))
        yield '</strong></td>\n<td data-label="'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Findings', _loop_vars=_loop_vars)))
        yield '"><span class="chip sev '
        yield escape(environment.finalize(environment.getattr(l_1_c, 'severity')))
        yield '">'
        yield escape(environment.finalize(environment.getattr(l_1_c, 'severity_label')))
        yield '</span> '
        yield escape(environment.finalize(environment.getattr(l_1_c, 'findings')))
        yield '</td>\n<td data-label="'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Goals', _loop_vars=_loop_vars)))
        yield '">'
        if environment.getattr(l_1_c, 'behind'):
            pass
            yield '<span class="chip status off_track">'
            yield escape(environment.finalize(environment.getattr(l_1_c, 'goals')))
            yield '</span>'
        else:
            pass
            yield escape(environment.finalize(environment.getattr(l_1_c, 'goals')))
        yield '</td>'
        if (undefined(name='trend') if l_0_trend is missing else l_0_trend):
            pass
            yield '<td data-label="'
            yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Since the last run', _loop_vars=_loop_vars)))
            yield '">'
            if environment.getattr(l_1_c, 'new'):
                pass
                yield '<span class="chip new">'
                yield escape(environment.finalize(environment.getattr(l_1_c, 'trend')))
                yield '</span>'
            else:
                pass
                yield escape(environment.finalize(environment.getattr(l_1_c, 'trend')))
            yield '</td>'
        if (undefined(name='peers') if l_0_peers is missing else l_0_peers):
            pass
            yield '<td data-label="'
            yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Peers', _loop_vars=_loop_vars)))
            yield '">'
            yield escape(environment.finalize(environment.getattr(l_1_c, 'peers')))
            yield '</td>'
        yield '</tr>\n'
        if environment.getattr(l_1_c, 'top'):
            pass
            yield '<tr class="top-row"><td></td><td colspan="'
            yield escape(environment.finalize(environment.call_binop(context, '+', environment.call_binop(context, '+', 4, (1 if (undefined(name='trend') if l_0_trend is missing else l_0_trend) else 0)), (1 if (undefined(name='peers') if l_0_peers is missing else l_0_peers) else 0))))
            yield '"><ul class="top">\n'
            for l_2_f in environment.getattr(l_1_c, 'top'):
                _loop_vars = {}
                pass
                yield '<li><span class="chip sev '
                yield escape(environment.finalize(environment.getattr(l_2_f, 'severity')))
                yield '">'
                yield escape(environment.finalize(environment.getattr(l_2_f, 'label')))
                yield '</span>'
                if environment.getattr(l_2_f, 'new'):
                    pass
                    yield ' <span class="chip new">'
                    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'new', _loop_vars=_loop_vars)))
                    yield '</span>'
                yield ' <span class="scope">'
                yield escape(environment.finalize(environment.getattr(l_2_f, 'title')))
                yield ' · '
                yield escape(environment.finalize(environment.getattr(l_2_f, 'scope')))
                yield '</span>: '
                yield escape(environment.finalize(environment.getattr(l_2_f, 'message')))
                yield '</li>\n'
            l_2_f = missing
            yield '</ul></td></tr>'
        yield '</tbody>\n'
    l_1_loop = l_1_c = missing
    yield '</table></div></div>\n</section>\n'
    if (undefined(name='failed') if l_0_failed is missing else l_0_failed):
        pass
        yield '<section id="failed">\n<h2>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Configs that could not be run')))
        yield '</h2>\n<div class="card"><ul class="notes">'
        for l_1_line in (undefined(name='failed') if l_0_failed is missing else l_0_failed):
            _loop_vars = {}
            pass
            yield '<li><code>'
            yield escape(environment.finalize(l_1_line))
            yield '</code></li>'
        l_1_line = missing
        yield '</ul></div>\n</section>\n'
    yield '<footer><p>'
    yield escape(environment.finalize(environment.call(context, environment.getattr(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Made with kpi-advisor {version}.'), 'format'), version=(undefined(name='version') if l_0_version is missing else l_0_version))))
    yield ' '
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), "For the agency only: it names every client. Each client's own report shows no other client.")))
    yield '</p></footer>\n</main>\n</body>\n</html>'

blocks = {}
debug_info = '4=30&9=32&10=34&12=36&18=38&19=40&20=42&25=44&26=48&30=56&32=58&33=66&34=78&35=82&36=86&37=88&38=96&39=100&40=108&41=119&42=133&43=141&44=146&50=171&52=174&53=176&56=185'
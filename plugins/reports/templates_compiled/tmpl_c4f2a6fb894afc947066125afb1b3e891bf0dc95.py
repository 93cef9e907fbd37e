from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report.html'

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
    l_0_brand_css = resolve('brand_css')
    l_0_audience = resolve('audience')
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
    yield '\n'
    if (undefined(name='brand_css') if l_0_brand_css is missing else l_0_brand_css):
        pass
        yield escape(environment.finalize(t_1((undefined(name='brand_css') if l_0_brand_css is missing else l_0_brand_css))))
        yield '\n'
    yield '</style>\n</head>\n<body class="audience-'
    yield escape(environment.finalize((undefined(name='audience') if l_0_audience is missing else l_0_audience)))
    yield '">\n'
    yield from context.blocks['cover'][0](context)
    yield '<main class="page">\n'
    yield from context.blocks['stats'][0](context)
    yield from context.blocks['funnels'][0](context)
    yield from context.blocks['findings'][0](context)
    yield from context.blocks['peers'][0](context)
    yield from context.blocks['kpis'][0](context)
    yield from context.blocks['goals'][0](context)
    yield from context.blocks['values'][0](context)
    yield from context.blocks['notes'][0](context)
    yield from context.blocks['footer'][0](context)
    yield '</main>\n</body>\n</html>'

def block_cover(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    template = environment.get_template('cover.html', 'report.html')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()

def block_stats(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_stats = resolve('stats')
    try:
        t_2 = environment.filters['default']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'default' found.")
    pass
    yield '<div class="cards">\n'
    for l_1_stat in (undefined(name='stats') if l_0_stats is missing else l_0_stats):
        _loop_vars = {}
        pass
        yield '<div class="stat"><div class="label">'
        yield escape(environment.finalize(environment.getattr(l_1_stat, 'label')))
        yield '</div><div class="big">'
        yield escape(environment.finalize(environment.getattr(l_1_stat, 'big')))
        yield '</div><div class="small">'
        for l_2_chip in t_2(environment.getattr(l_1_stat, 'chips'), []):
            _loop_vars = {}
            pass
            yield '<span class="chip sev '
            yield escape(environment.finalize(environment.getattr(l_2_chip, 'severity')))
            yield '">'
            yield escape(environment.finalize(environment.getattr(l_2_chip, 'text')))
            yield '</span> '
        l_2_chip = missing
        yield escape(environment.finalize(environment.getattr(l_1_stat, 'small')))
        yield '</div></div>\n'
    l_1_stat = missing
    yield '</div>\n'

def block_funnels(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_funnels = resolve('funnels')
    l_0_funnels_more = resolve('funnels_more')
    l_0__ = resolve('_')
    l_0_legend = resolve('legend')
    l_0_funnels_wider = resolve('funnels_wider')
    pass
    if ((undefined(name='funnels') if l_0_funnels is missing else l_0_funnels) or (undefined(name='funnels_more') if l_0_funnels_more is missing else l_0_funnels_more)):
        pass
        yield '<section id="funnels">\n<h2>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Where the funnel leaks', _block_vars=_block_vars)))
        yield '</h2>\n<div class="section-intro">\n<p class="lead">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Each step shows its count for the period and, between steps, the share that went on to the next one. Steps side by side are alternatives people take, each measured against the step before them. Bars are on a log scale, so every step stays visible.', _block_vars=_block_vars)))
        yield '</p>\n<div class="legend">'
        for (l_1_name, l_1_colour) in (undefined(name='legend') if l_0_legend is missing else l_0_legend):
            _loop_vars = {}
            pass
            yield '<span><i style="background:'
            yield escape(environment.finalize(l_1_colour))
            yield '"></i>'
            yield escape(environment.finalize(l_1_name))
            yield '</span>'
        l_1_name = l_1_colour = missing
        yield '</div>\n</div>\n'
        if (undefined(name='funnels_wider') if l_0_funnels_wider is missing else l_0_funnels_wider):
            pass
            yield '<p class="more">'
            yield escape(environment.finalize((undefined(name='funnels_wider') if l_0_funnels_wider is missing else l_0_funnels_wider)))
            yield '</p>'
        yield '<div class="grid">\n'
        for l_1_funnel in (undefined(name='funnels') if l_0_funnels is missing else l_0_funnels):
            _loop_vars = {}
            pass
            template = environment.get_template('funnel.html', 'report.html')
            gen = template.root_render_func(template.new_context(context.get_all(), True, {'funnel': l_1_funnel}))
            try:
                for event in gen:
                    yield event
            finally: gen.close()
        l_1_funnel = missing
        yield '</div>\n'
        if (undefined(name='funnels_more') if l_0_funnels_more is missing else l_0_funnels_more):
            pass
            yield '<p class="more">'
            yield escape(environment.finalize((undefined(name='funnels_more') if l_0_funnels_more is missing else l_0_funnels_more)))
            yield '</p>'
        yield '</section>\n'

def block_findings(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0__ = resolve('_')
    l_0_findings_lead = resolve('findings_lead')
    l_0_findings = resolve('findings')
    l_0_findings_more = resolve('findings_more')
    l_0_since = resolve('since')
    pass
    yield '<section id="findings">\n<h2>'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Findings', _block_vars=_block_vars)))
    yield '</h2>\n<p class="lead">'
    yield escape(environment.finalize((undefined(name='findings_lead') if l_0_findings_lead is missing else l_0_findings_lead)))
    yield '</p>\n'
    t_3 = 1
    for l_1_finding in (undefined(name='findings') if l_0_findings is missing else l_0_findings):
        _loop_vars = {}
        pass
        template = environment.get_template('finding.html', 'report.html')
        gen = template.root_render_func(template.new_context(context.get_all(), True, {'finding': l_1_finding}))
        try:
            for event in gen:
                yield event
        finally: gen.close()
        t_3 = 0
    l_1_finding = missing
    if t_3:
        pass
        if (not (undefined(name='findings_more') if l_0_findings_more is missing else l_0_findings_more)):
            pass
            yield '<p class="empty">'
            yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'No rule fired on this data.')))
            yield '</p>'
    if (undefined(name='findings_more') if l_0_findings_more is missing else l_0_findings_more):
        pass
        yield '<p class="more">'
        yield escape(environment.finalize((undefined(name='findings_more') if l_0_findings_more is missing else l_0_findings_more)))
        yield '</p>'
    if (undefined(name='since') if l_0_since is missing else l_0_since):
        pass
        yield '<h3 id="since">'
        yield escape(environment.finalize(environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'heading')))
        yield '</h3>\n<ul class="resolved">'
        for l_1_line in environment.getattr((undefined(name='since') if l_0_since is missing else l_0_since), 'resolved'):
            _loop_vars = {}
            pass
            yield '<li>'
            yield escape(environment.finalize(l_1_line))
            yield '</li>'
        l_1_line = missing
        yield '</ul>'
    yield '</section>\n'

def block_peers(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_peers = resolve('peers')
    pass
    if (undefined(name='peers') if l_0_peers is missing else l_0_peers):
        pass
        template = environment.get_template('peers.html', 'report.html')
        gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
        try:
            for event in gen:
                yield event
        finally: gen.close()

def block_kpis(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_kpis = resolve('kpis')
    l_0__ = resolve('_')
    try:
        t_4 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_4(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    pass
    if (undefined(name='kpis') if l_0_kpis is missing else l_0_kpis):
        pass
        yield '<section id="kpis">\n<h2>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'KPIs that matter', _block_vars=_block_vars)))
        yield '</h2>\n<p class="lead">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Ranked for this business model and its goals; values are totals for the period.', _block_vars=_block_vars)))
        yield '</p>\n<div class="card table-card"><div class="scroll"><table class="kpis">\n<thead><tr><th class="num">#</th><th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'KPI', _block_vars=_block_vars)))
        yield '</th><th class="stage-col">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Stage', _block_vars=_block_vars)))
        yield '</th><th class="num">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'All data', _block_vars=_block_vars)))
        yield '</th>'
        for l_1_channel in environment.getattr((undefined(name='kpis') if l_0_kpis is missing else l_0_kpis), 'channels'):
            _loop_vars = {}
            pass
            yield '<th class="num">'
            yield escape(environment.finalize(l_1_channel))
            yield '</th>'
        l_1_channel = missing
        yield '</tr></thead>\n'
        l_1_loop = missing
        for l_1_kpi, l_1_loop in LoopContext(environment.getattr((undefined(name='kpis') if l_0_kpis is missing else l_0_kpis), 'rows'), undefined):
            l_1_client = resolve('client')
            _loop_vars = {}
            pass
            yield '<tbody class="kpi-block'
            if environment.getattr(l_1_kpi, 'vanity'):
                pass
                yield ' vanity'
            yield '">\n<tr class="kpi-row"><td class="num">'
            yield escape(environment.finalize(environment.getattr(l_1_kpi, 'rank')))
            yield '</td><td class="kpi"><strong>'
            yield escape(environment.finalize(environment.getattr(l_1_kpi, 'name')))
            yield '</strong>'
            for l_2_tag in environment.getattr(l_1_kpi, 'tags'):
                _loop_vars = {}
                pass
                yield ' <span class="chip tag">'
                yield escape(environment.finalize(l_2_tag))
                yield '</span>'
            l_2_tag = missing
            yield '<br><span class="kpi-stage">'
            yield escape(environment.finalize(environment.getattr(l_1_kpi, 'stage')))
            yield ' </span>'
            if (not (undefined(name='client') if l_1_client is missing else l_1_client)):
                pass
                yield '<code>'
                yield escape(environment.finalize(environment.getattr(l_1_kpi, 'id')))
                yield '</code>'
            yield '</td><td class="stage-col">'
            yield escape(environment.finalize(environment.getattr(l_1_kpi, 'stage')))
            yield '</td><td class="num" data-label="'
            yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'All data', _loop_vars=_loop_vars)))
            yield '">'
            yield escape(environment.finalize(environment.getattr(l_1_kpi, 'total')))
            yield '</td>'
            l_2_loop = missing
            for l_2_value, l_2_loop in LoopContext(environment.getattr(l_1_kpi, 'channels'), undefined):
                _loop_vars = {}
                pass
                yield '<td class="num" data-label="'
                yield escape(environment.finalize(environment.getitem(environment.getattr((undefined(name='kpis') if l_0_kpis is missing else l_0_kpis), 'channels'), environment.getattr(l_2_loop, 'index0'))))
                yield '">'
                yield escape(environment.finalize(l_2_value))
                yield '</td>'
            l_2_loop = l_2_value = missing
            yield '</tr>\n<tr class="why-row"><td></td><td class="why" colspan="'
            yield escape(environment.finalize(environment.call_binop(context, '+', 3, t_4(environment.getattr((undefined(name='kpis') if l_0_kpis is missing else l_0_kpis), 'channels')))))
            yield '">'
            yield escape(environment.finalize(environment.getattr(l_1_kpi, 'why')))
            if environment.getattr(l_1_kpi, 'hint'):
                pass
                yield '<br><em>'
                yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'To track it', _loop_vars=_loop_vars)))
                yield ': '
                yield escape(environment.finalize(environment.getattr(l_1_kpi, 'hint')))
                yield '</em>'
            yield '</td></tr>\n</tbody>\n'
        l_1_loop = l_1_kpi = l_1_client = missing
        yield '</table></div></div>\n</section>\n'

def block_goals(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_goals = resolve('goals')
    l_0__ = resolve('_')
    pass
    if (undefined(name='goals') if l_0_goals is missing else l_0_goals):
        pass
        yield '<section id="goals">\n<h2>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Goals', _block_vars=_block_vars)))
        yield '</h2>\n<p class="lead">'
        yield escape(environment.finalize(environment.getattr((undefined(name='goals') if l_0_goals is missing else l_0_goals), 'lead')))
        yield '</p>\n<div class="card table-card"><div class="scroll"><table class="goals">\n<thead><tr><th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Goal', _block_vars=_block_vars)))
        yield '</th><th>SMART</th><th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Status', _block_vars=_block_vars)))
        yield '</th><th class="num">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Now / target', _block_vars=_block_vars)))
        yield '</th></tr></thead>\n'
        for l_1_goal in environment.getattr((undefined(name='goals') if l_0_goals is missing else l_0_goals), 'rows'):
            _loop_vars = {}
            pass
            yield '<tbody class="goal-block">\n<tr class="goal-row"><td class="goal"><strong>'
            yield escape(environment.finalize(environment.getattr(l_1_goal, 'name')))
            yield '</strong><br><span class="why">'
            yield escape(environment.finalize(environment.getattr(l_1_goal, 'metric')))
            yield '</span></td>\n<td><span class="smart">'
            for l_2_check in environment.getattr(l_1_goal, 'smart'):
                _loop_vars = {}
                pass
                yield '<span class="'
                yield escape(environment.finalize(environment.getattr(l_2_check, 'kind')))
                yield '" title="'
                yield escape(environment.finalize(environment.getattr(l_2_check, 'title')))
                yield '">'
                yield escape(environment.finalize(environment.getattr(l_2_check, 'letter')))
                yield '</span>'
            l_2_check = missing
            yield '</span></td>\n<td><span class="chip status '
            yield escape(environment.finalize(environment.getattr(l_1_goal, 'status')))
            yield '">'
            yield escape(environment.finalize(environment.getattr(l_1_goal, 'status_label')))
            yield '</span></td><td class="num" data-label="'
            yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Now / target', _loop_vars=_loop_vars)))
            yield '">'
            yield escape(environment.finalize(environment.getattr(l_1_goal, 'progress')))
            yield '</td></tr>\n'
            if environment.getattr(l_1_goal, 'notes'):
                pass
                yield '<tr class="goal-notes"><td colspan="4"><ul class="notes">'
                for l_2_note in environment.getattr(l_1_goal, 'notes'):
                    _loop_vars = {}
                    pass
                    yield '<li>'
                    yield escape(environment.finalize(l_2_note))
                    yield '</li>'
                l_2_note = missing
                yield '</ul></td></tr>'
            yield '</tbody>\n'
        l_1_goal = missing
        yield '</table></div></div>\n</section>\n'

def block_values(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_values = resolve('values')
    l_0__ = resolve('_')
    pass
    if (undefined(name='values') if l_0_values is missing else l_0_values):
        pass
        yield '<section id="values">\n<h2>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'What a micro action is worth', _block_vars=_block_vars)))
        yield '</h2>\n<p class="lead">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'The share of people taking the action who become customers, times what a customer is worth.', _block_vars=_block_vars)))
        yield '</p>\n<div class="card table-card"><div class="scroll"><table>\n<thead><tr><th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Action', _block_vars=_block_vars)))
        yield '</th><th class="num">'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Value of one', _block_vars=_block_vars)))
        yield '</th><th>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Basis', _block_vars=_block_vars)))
        yield '</th></tr></thead>\n<tbody>\n'
        for l_1_value in (undefined(name='values') if l_0_values is missing else l_0_values):
            _loop_vars = {}
            pass
            yield '<tr><td>'
            yield escape(environment.finalize(environment.getattr(l_1_value, 'action')))
            yield '</td><td class="num"><strong>'
            yield escape(environment.finalize(environment.getattr(l_1_value, 'value')))
            yield '</strong></td><td class="why">'
            yield escape(environment.finalize(environment.getattr(l_1_value, 'basis')))
            yield '</td></tr>\n'
        l_1_value = missing
        yield '</tbody></table></div></div>\n</section>\n'

def block_notes(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0__ = resolve('_')
    l_0_notes = resolve('notes')
    pass
    yield '<section id="notes">\n<h2>'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Notes', _block_vars=_block_vars)))
    yield '</h2>\n<div class="card">\n<h3>'
    yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'How to read this report', _block_vars=_block_vars)))
    yield '</h3>\n<ul class="notes">'
    for l_1_item in environment.getattr((undefined(name='notes') if l_0_notes is missing else l_0_notes), 'method'):
        _loop_vars = {}
        pass
        yield '<li>'
        yield escape(environment.finalize(l_1_item))
        yield '</li>'
    l_1_item = missing
    yield '</ul>\n'
    if (environment.getattr((undefined(name='notes') if l_0_notes is missing else l_0_notes), 'warnings') or environment.getattr((undefined(name='notes') if l_0_notes is missing else l_0_notes), 'skipped')):
        pass
        yield '<details class="diagnostics">\n<summary>'
        yield escape(environment.finalize(environment.call(context, (undefined(name='_') if l_0__ is missing else l_0__), 'Warnings and rules that could not run', _block_vars=_block_vars)))
        yield ': '
        yield escape(environment.finalize(environment.getattr((undefined(name='notes') if l_0_notes is missing else l_0_notes), 'summary')))
        yield '</summary>\n<ul class="notes">\n'
        for l_1_warning in environment.getattr((undefined(name='notes') if l_0_notes is missing else l_0_notes), 'warnings'):
            _loop_vars = {}
            pass
            yield '<li>'
            yield escape(environment.finalize(l_1_warning))
            yield '</li>\n'
        l_1_warning = missing
        for (l_1_rule, l_1_why) in environment.getattr((undefined(name='notes') if l_0_notes is missing else l_0_notes), 'skipped'):
            _loop_vars = {}
            pass
            yield '<li><code>'
            yield escape(environment.finalize(l_1_rule))
            yield '</code>: '
            yield escape(environment.finalize(l_1_why))
            yield '</li>\n'
        l_1_rule = l_1_why = missing
        yield '</ul>\n</details>\n'
    yield '</div>\n</section>\n'

def block_footer(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    template = environment.get_template('footer.html', 'report.html')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()

blocks = {'cover': block_cover, 'stats': block_stats, 'funnels': block_funnels, 'findings': block_findings, 'peers': block_peers, 'kpis': block_kpis, 'goals': block_goals, 'values': block_values, 'notes': block_notes, 'footer': block_footer}
debug_info = '5=24&11=26&12=28&14=30&15=32&19=37&20=39&22=41&31=42&47=43&57=44&58=45&79=46&98=47&112=48&132=49&20=52&22=67&24=83&25=87&26=91&27=100&31=105&32=118&34=121&36=123&37=125&39=135&41=141&43=152&47=159&49=173&50=175&51=178&52=196&53=201&54=206&57=216&58=234&59=250&61=253&62=255&64=257&65=263&66=272&67=277&68=281&69=285&70=293&71=308&72=318&79=332&80=342&82=345&83=347&85=349&86=355&88=359&89=363&90=375&91=383&98=398&99=408&101=411&102=413&104=415&106=421&112=434&114=445&116=447&117=449&118=457&120=460&122=464&124=471&132=483'
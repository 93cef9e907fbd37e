"""The Markdown report: for pasting into a client document, a wiki page or a pull request.

Plain CommonMark plus GitHub tables; no HTML, so it survives any editor that
takes Markdown.
"""

from __future__ import annotations

import re

from .funnel import Funnel
from .view import ReportView
from .peers import markdown_lines as peer_lines


# Each escaped with a backslash, in one pass where a text has any (a full report has ~1M cells and
# sentences, few with one).
_CELL_SPECIAL = re.compile(r"([\\|<>\[\]])")
_INLINE_SPECIAL = re.compile(r"([\\*_`\[\]<>#])")


def cell(text: object) -> str:
    """Text that stays inside one table cell, as text: no raw HTML (``<img onerror=...>``),
    no link; the report's own emphasis (``**``) and code spans still work."""
    out = " ".join(str(text).split())
    return _CELL_SPECIAL.sub(r"\\\1", out) if _CELL_SPECIAL.search(out) else out


def inline(text: object) -> str:
    """Text for running prose: Markdown's own characters lose their meaning."""
    out = " ".join(str(text).split())
    return _INLINE_SPECIAL.sub(r"\\\1", out) if _INLINE_SPECIAL.search(out) else out


def table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    align = ["---:" if index in right else "---" for index in range(len(header))]
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def render_markdown(report, options=None) -> str:
    view = ReportView(report, options)
    _ = view._
    out: list[str] = [f"# {inline(_('Marketing KPI report: {client}').format(client=report.client))}", ""]
    meta = [view.model_name()]
    if view.period():
        meta.append(view.period() or "")
    meta.append(_("figures in {currency}").format(currency=report.currency))
    out += [inline(" · ".join(meta)), ""]
    out += _summary(view)
    out += _funnels(view)
    out += _findings(view)
    out += _resolved(view)
    out += peer_lines(view)
    out += _kpis(view)
    out += _goals(view)
    out += _values(view)
    out += _notes(view)
    return "\n".join(out).rstrip() + "\n"


def _summary(view: ReportView) -> list[str]:
    _ = view._
    summary = view.report.summary
    lines = [f"- **{inline(_('Findings'))}:** {inline(view.findings_count())}"]
    if view.money_at_stake is not None:
        lines.append(f"- **{inline(_('Money at stake'))}:** {inline(view.money(view.money_at_stake))} {inline(_('per period (estimate)'))}")
    if view.report.goals:
        lines.append(f"- **{inline(_('Goals'))}:** {inline(view.goals_on_track())}")
    if view.for_client:
        channels = ", ".join(view.channel(c) for c in view.channels)
        if channels:
            lines.append(f"- **{inline(_('Channels'))}:** {inline(channels)}")
        return lines + [""]
    rules = view.rules_checked()
    lines.append(f"- **{inline(_('Data'))}:** {inline(_('{rows} rows').format(rows=view.count(summary.rows)))}; {inline(rules)}")
    return lines + [""]


def _funnel_rows(view: ReportView, funnel: Funnel) -> list[list[str]]:
    _ = view._
    rows = []
    for index, step in enumerate(funnel.steps):
        conversion = view.step_share(step)
        flag = ""
        if step.leaking:
            conversion = f"**{conversion}**"
            flag = "⚠ " + _("leak") + ("" if view.for_client else ": " + ", ".join(f"`{rule}`" for rule in dict.fromkeys(f.rule for f in step.leaks)))  # a rule once, on however many campaigns
        rows.append([view.step_name(step, funnel), view.count(step.value), conversion, flag])
    return rows


def _funnels(view: ReportView) -> list[str]:
    _ = view._
    if not view.funnels and not view.funnels_not_drawn():
        return []
    out = [f"## {inline(_('Where the funnel leaks'))}", ""]
    if line := view.wider_everywhere_line():
        out += [inline(line), ""]
    for funnel in view.funnels:
        out += [f"### {inline(view.scope(funnel.scope))}", ""]
        out += table([_("Step"), _("Count"), _("Share of the step before"), ""], _funnel_rows(view, funnel), right={1, 2})
        out.append("")
        for note in (view.branch_note(funnel), view.pairing_note(funnel)):
            if note:
                out += [inline(note), ""]
        for index in funnel.leak_steps:
            rules = view.findings_label(funnel.steps[index].leaks, funnel)
            out += [f"**{inline(_('Leak'))}:** {inline(view.conversion_note(index, funnel))}. {inline(rules)}", ""]
        for finding in view.unplaced(funnel):
            rule = "" if view.for_client else f" (`{finding.rule}`)"
            out += [f"**{inline(_('Also flagged'))} ({inline(view.severity(finding.severity))}):** {inline(view.finding_label(finding, funnel))}{rule}", ""]
        if line := view.no_finding_line(funnel):
            out += [inline(line), ""]
        if line := view.wider_line(funnel):
            out += [inline(line), ""]
    if view.funnels_not_drawn():
        out += [f"_{inline(view.funnels_not_drawn())}_", ""]
    return out


def _findings(view: ReportView) -> list[str]:
    _ = view._
    report = view.report
    out = [f"## {inline(_('Findings'))}", ""]
    if not report.summary.findings_total:
        return out + [inline(_("No rule fired on this data.")), ""]
    for number, finding in enumerate(report.findings, 1):
        title = f"{number}. {view.rule_title(finding.rule)}"
        out += [f"### {inline(title)}", ""]
        out += [
            f"**{inline(view.severity(finding.severity).upper())}** · {inline(view.scope(finding.scope))} · "
            f"{inline(view.stage(finding.stage))}" + ("" if view.for_client else f" · `{finding.rule}`")
            + (f" · **{inline(view.finding_status(finding))}**" if finding.status is not None else ""),
            "",
            inline(view.finding_message(finding)),
            "",
        ]
        rows = [
            [view.evidence_title(finding.rule, m), view.evidence_value(finding.rule, m, v),
             view.evidence_value(finding.rule, m, finding.thresholds[m]) if m in finding.thresholds else ""]
            for m, v in view.evidence_shown(finding)
        ]
        if rows:  # a client's roll-up whose figures are its member counts alone, said in its message
            out += table([_("Evidence"), _("value"), _("threshold")], rows, right={1, 2}) + [""]
        out += [f"> **{inline(_('Recommendation'))}:** {inline(view.client_text(finding.recommendation))}", ""]
        if finding.impact is not None:
            amount = view.impact_amount(finding.impact)
            basis = view.impact_basis(finding.impact)
            out += [f"**{inline(_('At stake per period'))}:** {inline(amount)}  ", f"_{inline(_('Basis'))}:_ {inline(basis)}", ""]
    if view.findings_not_shown():
        out += [f"_{inline(view.findings_not_shown())}_", ""]
    return out


def _resolved(view: ReportView) -> list[str]:
    """With run --since: what is new and what was resolved since the earlier report."""
    heading = view.since_heading()
    if heading is None:
        return []
    return [f"## {inline(heading)}", ""] + [f"- {inline(line)}" for line in view.resolved_lines()] + [""]


def _kpis(view: ReportView) -> list[str]:
    _ = view._
    report = view.report
    if not report.kpis:
        return []
    rows = []
    for kpi in report.kpis:
        if view.for_client and kpi.vanity:
            continue
        name = view.metric_title(kpi.metric)
        tags = ([_("vanity")] if kpi.vanity else []) + ([_("no data")] if kpi.has_data is False else [])
        if tags:
            name += f" ({', '.join(tags)})"
        why = view.tr.sentence(kpi.why) + (f" {_('To track it')}: {view.tr.sentence(kpi.tracking_hint)}" if kpi.tracking_hint else "")
        rows.append([str(len(rows) + 1) if view.for_client else str(kpi.rank), name, view.stage(kpi.stage), view.kpi_value(kpi.metric, view.totals), why])
    out = [f"## {inline(_('KPIs that matter'))}", "", inline(_("Ranked for this business model and its goals; values are totals for the period.")), ""]
    return out + table(["#", _("KPI"), _("Stage"), _("All data"), _("Why it matters")], rows, right={0, 3}) + [""]


def _goals(view: ReportView) -> list[str]:
    _ = view._
    report = view.report
    if not report.goals:
        return []
    header = [_("Goal")] + [label for _key, _letter, label in view.smart()] + [_("Status"), _("Now / target")]
    rows = []
    for goal in report.goals:
        checks = goal.smart.model_dump()
        marks = ["✓" if checks[key] else "?" if checks[key] is None else "✗" for key, _letter, _label in view.smart()]
        metric = goal.metric or ""
        progress = f"{view.value(metric, goal.current)} / {view.value(metric, goal.target)}" if goal.target is not None else ""
        name = view.goal_name(goal.id) if view.for_client else goal.id
        rows.append([f"{name} ({view.metric_title(metric)})" if metric else name, *marks, view.status(goal.status), progress])
    out = [f"## {inline(_('Goals'))}", ""] + table(header, rows, right={len(header) - 1}) + [""]
    for goal in report.goals:
        if goal.notes:
            out += [f"**{inline(view.goal_name(goal.id) if view.for_client else goal.id)}**", ""] + [f"- {inline(view.tr.sentence(note))}" for note in goal.notes] + [""]
    return out


def _values(view: ReportView) -> list[str]:
    _ = view._
    report = view.report
    if not report.values:
        return []
    rows = [[view.action_title(v.action), view.tr.number(v.value, "currency", v.currency), view.tr.sentence(v.basis)] for v in report.values]
    return [f"## {inline(_('What a micro action is worth'))}", ""] + table([_("Action"), _("Value of one"), _("Basis")], rows, right={1}) + [""]


def _notes(view: ReportView) -> list[str]:
    _ = view._
    report = view.report
    if view.for_client:
        return []  # diagnostics are for the consultant
    items = [inline(view.tr.sentence(w)) for w in report.warnings]
    items += [f"`{rule}`: {inline(view.tr.sentence(why))}" for rule, why in report.summary.rules_skipped.items()]
    if not items:
        return []
    return [f"## {inline(_('Notes'))}", ""] + [f"- {item}" for item in items] + [""]

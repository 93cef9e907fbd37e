"""The HTML report: one self-contained file a consultant can send to a client.

Inline CSS and SVG only: no scripts, no fonts or styles from the network, so it
opens the same offline, in a mail client's preview and on paper (print CSS).
"""

from __future__ import annotations

import math
from html import escape
from importlib import resources
from typing import Iterable

from kpi_advisor import ReportFormat, __version__, hookimpl

from .funnel import Funnel, wrong_side
from .view import ReportView

STAGE_COLOURS = {
    "awareness": "#7f97c9",
    "interest": "#3b8fae",
    "evaluation": "#7a68b3",
    "purchase": "#2e7d5b",
    "loyalty": "#b0689a",
}
LEAK_COLOUR = "#c0392b"
MAX_CHANNEL_COLUMNS = 6


def _css() -> str:
    return resources.files("kpi_advisor.plugins.reports").joinpath("style.css").read_text(encoding="utf-8")


# Explicit bidi controls: embeddings and overrides (closed by PDF) and isolates (closed by PDI).
_BIDI_OPEN_PDF = frozenset("\u202a\u202b\u202d\u202e")
_BIDI_OPEN_PDI = frozenset("\u2066\u2067\u2068")
_BIDI = _BIDI_OPEN_PDF | _BIDI_OPEN_PDI | frozenset("\u202c\u2069\u200e\u200f\u061c")


def e(value: object) -> str:
    """Escaped text; text with bidi controls (a campaign name with U+202E) is isolated, as
    <bdi> would, with every embedding it opens closed, so it cannot reorder what follows."""
    text = str(value)
    if not _BIDI.intersection(text):
        return escape(text, quote=True)
    closers = "\u202c" * sum(text.count(c) for c in _BIDI_OPEN_PDF) + "\u2069" * sum(text.count(c) for c in _BIDI_OPEN_PDI)
    return "\u2068" + escape(text, quote=True) + closers + "\u2069"


def render_html(report, options=None) -> str:
    view = ReportView(report, options)
    _ = view._
    title = _("Marketing KPI report: {client}").format(client=report.client)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(view.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may load from anywhere: the report must look the same offline.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f'<meta name="generator" content="kpi-advisor {e(__version__)}">',
        f"<title>{e(title)}</title>",
        f"<style>\n{_css()}</style>",
        "</head>",
        "<body>",
        _cover(view),
        '<main class="page">',
        _stats(view),
        _funnels(view),
        _findings(view),
        _kpis(view),
        _goals(view),
        _values(view),
        _notes(view),
        _footer(view),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _cover(view: ReportView) -> str:
    _ = view._
    report = view.report
    meta = [view.model_name()]
    period = view.period()
    if period:
        meta.append(period)
    meta.append(_("figures in {currency}").format(currency=report.currency))
    spans = "".join(f"<span>{e(item)}</span>" for item in meta)
    return (
        '<header class="cover"><div class="page">'
        f'<p class="eyebrow">{e(_("Marketing KPI report"))}</p>'
        f"<h1>{e(report.client)}</h1>"
        f'<p class="meta">{spans}</p>'
        "</div></header>"
    )


def _stat(label: str, big: str, small: str = "") -> str:
    return f'<div class="stat"><div class="label">{e(label)}</div><div class="big">{e(big)}</div><div class="small">{small}</div></div>'


def _stats(view: ReportView) -> str:
    _ = view._
    report, summary = view.report, view.report.summary
    chips = " ".join(f'<span class="chip sev {e(sev)}">{e(view.count(n))} {e(view.severity(sev))}</span>' for sev, n in summary.by_severity.items())
    if summary.findings_shown is not None and summary.findings_shown < summary.findings_total:
        chips += " " + e(_("{shown} shown below").format(shown=view.count(summary.findings_shown)))
    at_stake = view.money_at_stake
    leaks = sum(1 for f in report.findings if f.impact is not None)
    rules = view.rules_checked()
    return '<div class="cards">' + "".join(
        [
            _stat(_("Findings"), view.count(summary.findings_total), chips or e(_("nothing fired"))),
            _stat(
                _("Money at stake"),
                view.money(at_stake) if at_stake is not None else "–",
                e(view.ngettext("per period, estimated from {n} finding", "per period, estimated from {n} findings", leaks).format(n=view.count(leaks))) if at_stake is not None else e(_("no economics given")),
            ),
            _stat(_("Goals"), view.goals_on_track() if report.goals else "–", e(_("status against a straight line to the target"))),
            _stat(_("Data"), _("{rows} rows").format(rows=view.count(summary.rows)), e(rules)),
        ]
    ) + "</div>"


# --- funnels --------------------------------------------------------------------

BAR_ZONE = (180.0, 420.0)  # x range the bars are centred in
ROW, GAP, TOP = 30.0, 30.0, 6.0
WIDTH = 560.0


def _bar_width(value: float, largest: float, decades: float) -> float:
    """Bar length on a log scale: each factor of ten down the funnel takes the same share off."""
    zone = BAR_ZONE[1] - BAR_ZONE[0]
    if value <= 0:
        return 3.0
    share = 1 - math.log10(largest / value) / (decades + 1)
    return max(zone * share, 6.0)


def funnel_svg(view: ReportView, funnel: Funnel) -> str:
    _ = view._
    steps = funnel.steps
    largest = max(step.value for step in steps)
    smallest = min((step.value for step in steps if step.value > 0), default=largest)
    decades = math.log10(largest / smallest) if smallest > 0 else 0.0
    centre = sum(BAR_ZONE) / 2
    height = TOP + len(steps) * ROW + (len(steps) - 1) * GAP + 6
    label = _("Funnel of {scope}").format(scope=view.scope(funnel.scope))
    out = [f'<svg viewBox="0 0 {WIDTH:.0f} {height:.0f}" role="img" aria-label="{e(label)}" xmlns="http://www.w3.org/2000/svg">']
    geometry = []
    for index, step in enumerate(steps):
        y = TOP + index * (ROW + GAP)
        width = _bar_width(step.value, largest, decades)
        geometry.append((y, width))
    for index in range(1, len(steps)):
        (y0, w0), (y1, w1) = geometry[index - 1], geometry[index]
        colour = "#f6d5d1" if steps[index].leaking else "#e9edf3"
        points = f"{centre - w0 / 2:.1f},{y0 + ROW:.1f} {centre + w0 / 2:.1f},{y0 + ROW:.1f} {centre + w1 / 2:.1f},{y1:.1f} {centre - w1 / 2:.1f},{y1:.1f}"
        out.append(f'<polygon points="{points}" fill="{colour}"/>')
    for index, step in enumerate(steps):
        y, width = geometry[index]
        metric = view.catalog.metrics.get(step.metric)
        colour = LEAK_COLOUR if step.leaking else STAGE_COLOURS.get(metric.stage if metric else "interest", "#3b8fae")
        name = view.metric_title(step.metric)
        out.append(f'<text x="{BAR_ZONE[0] - 10:.0f}" y="{y + ROW / 2 + 4.5:.1f}" text-anchor="end" font-size="13" fill="#1c2430">{e(name)}</text>')
        out.append(
            f'<rect x="{centre - width / 2:.1f}" y="{y:.1f}" width="{width:.1f}" height="{ROW:.0f}" rx="4" fill="{colour}">'
            f"<title>{e(name)}: {e(view.count(step.value))}</title></rect>"
        )
        weight = "700" if step.leaking else "600"
        out.append(
            f'<text x="{BAR_ZONE[1] + 10:.0f}" y="{y + ROW / 2 + 4.5:.1f}" font-size="13" font-weight="{weight}" '
            f'fill="{LEAK_COLOUR if step.leaking else "#1c2430"}">{e(view.count(step.value))}</text>'
        )
        if index == 0 or step.conversion is None:
            continue
        mid = y - GAP / 2
        text = "↓ " + view.percent(step.conversion)
        pill = max(58.0, 7.2 * len(text) + 14)
        fill, ink = (LEAK_COLOUR, "#ffffff") if step.leaking else ("#ffffff", "#33404f")
        out.append(f'<rect x="{centre - pill / 2:.1f}" y="{mid - 10:.1f}" width="{pill:.1f}" height="20" rx="10" fill="{fill}" stroke="{LEAK_COLOUR if step.leaking else "#cfd6df"}"/>')
        out.append(f'<text x="{centre:.1f}" y="{mid + 4.2:.1f}" text-anchor="middle" font-size="12" font-weight="600" fill="{ink}">{e(text)}</text>')
        if step.leaking:
            out.append(
                f'<text x="{BAR_ZONE[1] + 10:.0f}" y="{mid + 4.2:.1f}" font-size="11.5" font-weight="700" fill="{LEAK_COLOUR}">'
                f"◀ {e(_('leak'))}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _callout(view: ReportView, funnel: Funnel) -> str:
    _ = view._
    lines = []
    for index in funnel.leak_steps:
        step = funnel.steps[index]
        rules = "; ".join(dict.fromkeys(view.finding_label(f, funnel) for f in step.leaks))
        lines.append(
            f'<p class="callout leak"><strong>{e(_("Leak"))}:</strong> {e(view.conversion_note(index, funnel))}. {e(rules)}</p>'
        )
    for finding in funnel.unplaced:
        lines.append(
            f'<p class="callout other"><strong>{e(_("Also flagged"))} ({e(view.severity(finding.severity))}):</strong> '
            f"{e(view.finding_label(finding, funnel))}</p>"
        )
    if not lines:
        lines.append(f'<p class="callout fine">{e(_("No leak flagged on this channel."))}</p>')
    return "".join(lines)


def _funnels(view: ReportView) -> str:
    _ = view._
    if not view.funnels:
        return ""
    cards = []
    for funnel in view.funnels:
        counts = view.ngettext("{n} finding", "{n} findings", len(funnel.findings)).format(n=view.count(len(funnel.findings)))
        cards.append(
            '<div class="card funnel">'
            f'<h3><span>{e(view.scope(funnel.scope))}</span><span class="chip tag">{e(counts)}</span></h3>'
            f"{funnel_svg(view, funnel)}{_callout(view, funnel)}</div>"
        )
    legend = "".join(f'<span><i style="background:{colour}"></i>{e(view.stage(stage))}</span>' for stage, colour in STAGE_COLOURS.items())
    legend += f'<span><i style="background:{LEAK_COLOUR}"></i>{e(_("leaking step"))}</span>'
    return (
        '<section id="funnels">'
        f'<h2>{e(_("Where the funnel leaks"))}</h2>'
        f'<p class="lead">{e(_("Each step shows its count for the period and, between steps, the share that went on to the next one. Bars are on a log scale, so every step stays visible."))}</p>'
        f'<div class="legend">{legend}</div>'
        f'<div class="grid">{"".join(cards)}</div>'
        "</section>"
    )


# --- findings -------------------------------------------------------------------


def _evidence_table(view: ReportView, finding) -> str:
    _ = view._
    rows = []
    for metric_id, value in finding.evidence.items():
        limit = finding.thresholds.get(metric_id)
        cell = e(view.value(metric_id, value))
        if wrong_side(finding, metric_id, view.catalog):
            cell = f'<span class="over">{cell}</span>'
        rows.append(
            f"<tr><td>{e(view.metric_title(metric_id))}</td><td class=\"num\">{cell}</td>"
            f'<td class="num">{e(view.value(metric_id, limit)) if limit is not None else ""}</td></tr>'
        )
    return (
        f'<table class="evidence"><thead><tr><th>{e(_("Evidence"))}</th><th class="num">{e(_("value"))}</th>'
        f'<th class="num">{e(_("threshold"))}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _finding(view: ReportView, finding) -> str:
    _ = view._
    impact = ""
    if finding.impact is not None:
        amount = view.impact_amount(finding.impact)
        impact = (
            f'<div class="box impact"><h4>{e(_("At stake per period"))}</h4>'
            f'<div class="amount">{e(amount)}</div><div class="basis">{e(finding.impact.basis)}</div></div>'
        )
    return (
        f'<article class="card finding {e(finding.severity)}">'
        f'<header><span class="chip sev {e(finding.severity)}">{e(view.severity(finding.severity))}</span>'
        f"<h3>{e(view.rule_title(finding.rule))}</h3>"
        f'<span class="chip scope">{e(view.scope(finding.scope))}</span>'
        f'<span class="chip tag">{e(view.stage(finding.stage))}</span>'
        f'<span class="rule-id">{e(finding.rule)}</span></header>'
        f'<p class="message">{e(finding.message)}</p>'
        '<div class="body">'
        f"<div>{_evidence_table(view, finding)}</div>"
        f'<div><div class="box recommendation"><h4>{e(_("Recommendation"))}</h4><p>{e(finding.recommendation)}</p></div>{impact}</div>'
        "</div></article>"
    )


def _findings(view: ReportView) -> str:
    _ = view._
    report = view.report
    body = "".join(_finding(view, f) for f in report.findings)
    if not report.findings:
        body = f'<p class="empty">{e(_("No rule fired on this data."))}</p>'
    return (
        '<section id="findings">'
        f'<h2>{e(_("Findings"))}</h2>'
        f'<p class="lead">{e(view.findings_count())}. {e(_("Ordered by severity, then by what is at stake."))}</p>'
        f"{body}</section>"
    )


# --- KPIs, goals, values, notes -------------------------------------------------------


def _kpis(view: ReportView) -> str:
    _ = view._
    report = view.report
    if not report.kpis:
        return ""
    channels = list(view.channels)[:MAX_CHANNEL_COLUMNS]
    head = [f'<th class="num">#</th><th>{e(_("KPI"))}</th><th>{e(_("Stage"))}</th><th class="num">{e(_("All data"))}</th>']
    head += [f'<th class="num">{e(channel)}</th>' for channel in channels]
    head.append(f"<th>{e(_('Why it matters'))}</th>")
    rows = []
    for kpi in report.kpis:
        tags = []
        if kpi.vanity:
            tags.append(_("vanity"))
        if kpi.has_data is False:
            tags.append(_("no data"))
        tag_html = "".join(f' <span class="chip tag">{e(tag)}</span>' for tag in tags)
        why = e(kpi.why) + (f"<br><em>{e(_('To track it'))}: {e(kpi.tracking_hint)}</em>" if kpi.tracking_hint else "")
        cells = [
            f'<td class="num">{kpi.rank}</td>',
            f"<td><strong>{e(view.metric_title(kpi.metric))}</strong>{tag_html}<br><code>{e(kpi.metric)}</code></td>",
            f"<td>{e(view.stage(kpi.stage))}</td>",
            f'<td class="num">{e(view.kpi_value(kpi.metric, view.totals))}</td>',
        ]
        cells += [f'<td class="num">{e(view.kpi_value(kpi.metric, view.channels[channel]))}</td>' for channel in channels]
        cells.append(f'<td class="why">{why}</td>')
        rows.append(f'<tr class="{"vanity" if kpi.vanity else ""}">{"".join(cells)}</tr>')
    return (
        '<section id="kpis">'
        f'<h2>{e(_("KPIs that matter"))}</h2>'
        f'<p class="lead">{e(_("Ranked for this business model and its goals; values are totals for the period."))}</p>'
        f'<div class="card"><table><thead><tr>{"".join(head)}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
        "</section>"
    )


def _smart(view: ReportView, goal) -> str:
    checks = goal.smart.model_dump()
    cells = []
    for key, letter, label in view.smart():
        ok = checks[key]
        kind, mark = ("yes", "✓") if ok else ("maybe", "?") if ok is None else ("no", "✗")
        cells.append(f'<span class="{kind}" title="{e(label)}: {mark}">{letter}</span>')
    return f'<span class="smart">{"".join(cells)}</span>'


def _goals(view: ReportView) -> str:
    _ = view._
    report = view.report
    if not report.goals:
        return ""
    rows = []
    for goal in report.goals:
        metric = goal.metric or ""
        progress = ""
        if goal.current is not None or goal.target is not None:
            progress = f"{view.value(metric, goal.current)} / {view.value(metric, goal.target)}"
        notes = "".join(f"<li>{e(note)}</li>" for note in goal.notes)
        rows.append(
            "<tr>"
            f"<td class=\"goal\"><strong>{e(goal.id)}</strong><br><span class=\"why\">{e(view.metric_title(metric)) if metric else ''}</span></td>"
            f"<td>{_smart(view, goal)}</td>"
            f'<td><span class="chip status {e(goal.status)}">{e(view.status(goal.status))}</span></td>'
            f'<td class="num">{e(progress)}</td>'
            f'<td><ul class="notes">{notes}</ul></td>'
            "</tr>"
        )
    smart_key = ", ".join(f"{letter} = {label}" for _key, letter, label in view.smart())
    return (
        '<section id="goals">'
        f'<h2>{e(_("Goals"))}</h2>'
        f'<p class="lead">{e(_("Each goal checked against SMART"))} ({e(smart_key)}).</p>'
        f'<div class="card"><table><thead><tr><th>{e(_("Goal"))}</th><th>SMART</th><th>{e(_("Status"))}</th>'
        f'<th class="num">{e(_("Now / target"))}</th><th>{e(_("Notes"))}</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
        "</section>"
    )


def _values(view: ReportView) -> str:
    _ = view._
    report = view.report
    if not report.values:
        return ""
    rows = "".join(
        f"<tr><td>{e(view.action_title(value.action))}</td><td class=\"num\"><strong>{e(view.tr.number(value.value, 'currency', value.currency))}</strong></td>"
        f'<td class="why">{e(value.basis)}</td></tr>'
        for value in report.values
    )
    return (
        '<section id="values">'
        f'<h2>{e(_("What a micro action is worth"))}</h2>'
        f'<p class="lead">{e(_("The share of people taking the action who become customers, times what a customer is worth."))}</p>'
        f'<div class="card"><table><thead><tr><th>{e(_("Action"))}</th><th class="num">{e(_("Value of one"))}</th>'
        f"<th>{e(_('Basis'))}</th></tr></thead><tbody>{rows}</tbody></table></div>"
        "</section>"
    )


def _list(items: Iterable[str]) -> str:
    return '<ul class="notes">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _notes(view: ReportView) -> str:
    _ = view._
    report = view.report
    items = [e(w) for w in report.warnings]
    items += [f"<code>{e(rule)}</code>: {e(why)}" for rule, why in report.summary.rules_skipped.items()]
    method = [
        e(_("Money at stake is an estimate: each finding gives its basis, and findings may overlap.")),
        e(_("Ratios are computed from the summed counts of the period, never averaged.")),
    ]
    body = ""
    if items:
        body += f"<h3>{e(_('Warnings and rules that could not run'))}</h3>{_list(items)}"
    body += f"<h3>{e(_('How to read this report'))}</h3>{_list(method)}"
    return f'<section id="notes"><h2>{e(_("Notes"))}</h2><div class="card">{body}</div></section>'


def _footer(view: ReportView) -> str:
    _ = view._
    text = _("Made with kpi-advisor {version} from the data of {rows} rows.").format(version=__version__, rows=view.count(view.report.summary.rows))
    return f"<footer>{e(text)}</footer>"


@hookimpl
def kpi_advisor_report_formats():
    return [
        ReportFormat(
            name="html",
            render=render_html,
            description="A self-contained HTML page with a funnel chart per channel; prints well.",
            extension=".html",
        )
    ]

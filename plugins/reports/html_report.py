"""The HTML report: one self-contained file a consultant can send to a client.

Inline CSS only: no scripts, no fonts or styles from the network, so it opens
the same offline, in a mail client's preview and on paper (print CSS). The page
is built from Jinja2 templates (``templates/`` next to this module) with
autoescaping on; the funnels are drawn in HTML and CSS, so labels wrap in any
language and the page fits a phone.

A consultant changes the look without Python:

- ``branding: {agency, logo, colours, footer}`` in the config: the agency's name
  on the cover and in the footer, its logo (embedded), its colours;
- ``branding: {templates: ./my_templates}``: a folder whose files replace the
  built-in templates by name (``report.html``, ``cover.html``, ``funnel.html``,
  ``finding.html``, ``footer.html``, ``style.css``); a replacement may extend the
  built-in one as ``builtin/report.html`` and override only its blocks.

The audience (``--audience`` or ``report: {audience: ...}``) is ``client`` by
default here: display names, no rule or goal ids, no consultant notes, no
diagnostics. ``consultant`` shows everything, the diagnostics folded.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from types import MethodType
from typing import Any

from kpi_advisor import __version__
from kpi_advisor.i18n.messages import Translator

from .branding import Brand, resolve_branding
from .funnel import Funnel, Step, wrong_side
from .view import MAX_FUNNELS, ReportView
from .peers import html_context as peer_context
from .precompiled import builtin_loader

STAGE_COLOURS = {
    "awareness": "#7f97c9",
    "interest": "#3b8fae",
    "evaluation": "#7a68b3",
    "purchase": "#2e7d5b",
    "loyalty": "#b0689a",
}
LEAK_COLOUR = "#c0392b"
MAX_CHANNEL_COLUMNS = 6


class HtmlView(ReportView):
    default_audience = "client"


# Explicit bidi controls: embeddings and overrides (closed by PDF) and isolates (closed by PDI).
_BIDI_OPEN_PDF = frozenset("\u202a\u202b\u202d\u202e")
_BIDI_OPEN_PDI = frozenset("\u2066\u2067\u2068")
_BIDI = _BIDI_OPEN_PDF | _BIDI_OPEN_PDI | frozenset("\u202c\u2069\u200e\u200f\u061c")
_BIDI_ANY = re.compile("[" + "".join(sorted(_BIDI)) + "]")


def isolate(value: object) -> object:
    """Text with bidi controls (a campaign name with U+202E) isolated, as <bdi> would, with every
    embedding it opens closed, so it cannot reorder what follows; other values as they are."""
    # Asked of every value a report prints (1.3M in a full agency report): ASCII, which holds no
    # bidi control and which Python knows a text to be without reading it, then the search.
    if not isinstance(value, str) or value.isascii() or not _BIDI_ANY.search(value):
        return value
    from markupsafe import Markup

    if isinstance(value, Markup):
        return value
    closers = "\u202c" * sum(value.count(c) for c in _BIDI_OPEN_PDF) + "\u2069" * sum(value.count(c) for c in _BIDI_OPEN_PDI)
    return "\u2068" + value + closers + "\u2069"



# What a template may build: the sandbox keeps it from Python's internals, not from filling memory
# (`{{ "a" * 10**9 }}`, `{{ "a".ljust(10**9) }}`, `{{ 9 ** 999999 }}`) or from looping for hours
# over nested range() calls.
TEMPLATE_MAX_ITEMS = 10_000_000  # characters or items of a text or list an operator, method or filter makes (a whole agency report joined fits)
TEMPLATE_MAX_BITS = 4096  # of a number made by ** in a template
TEMPLATE_MAX_RANGE = 1_000_000  # range() steps, all calls of one render together
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
_WIDTH_FILTERS = frozenset({"center", "indent"})
_DICT_ATTRIBUTES = frozenset(dir(dict))
# The reports' own ``_``: a lookup in a catalogue of translations, which gives back that text or the
# one asked for, so none of the sandbox's checks has anything to hold back (~5 calls a finding).
_WORDS = frozenset({ReportView._, Translator.gettext})


def environment(templates: Path | None = None):
    """The Jinja2 environment: the consultant's folder first, then the built-in templates
    (also reachable as ``builtin/NAME`` so a replacement can extend the original)."""
    import functools

    import jinja2
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    def too_long() -> SecurityError:
        return SecurityError(f"a template may not make a text or list of more than {TEMPLATE_MAX_ITEMS:,} items")

    def small(made: Any) -> Any:
        if isinstance(made, (str, list, tuple)) and len(made) > TEMPLATE_MAX_ITEMS:
            raise too_long()
        return made

    def narrow(values: Any) -> None:  # a width asked of ljust() or |center is made before small() could see it
        if any(isinstance(v, int) and v > TEMPLATE_MAX_ITEMS for v in values):
            raise SecurityError(f"a template may not ask for a width over {TEMPLATE_MAX_ITEMS:,}")

    class BoundedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%"})

        def getattr(self, obj: Any, attribute: str) -> Any:
            # ``finding.rule`` of the report's dicts, as jinja finds it (a dict's own attributes
            # first, then its keys) without the AttributeError it raises on the way: a full
            # report reads ~1.7M of them.
            if type(obj) is dict and attribute in obj and attribute not in _DICT_ATTRIBUTES:
                return obj[attribute]
            return super().getattr(obj, attribute)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "*":
                for items, times in ((left, right), (right, left)):
                    if isinstance(items, (str, list, tuple)) and isinstance(times, int) and len(items) * times > TEMPLATE_MAX_ITEMS:
                        raise too_long()  # before the text is made, not after
            elif (operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0
                  and max(abs(left).bit_length(), 1) * right > TEMPLATE_MAX_BITS):
                raise SecurityError(f"a template may not make a number of more than {TEMPLATE_MAX_BITS:,} bits")
            return small(super().call_binop(context, operator, left, right))

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - jinja's own signature
            if type(__obj) is MethodType and __obj.__func__ in _WORDS:
                kwargs.pop("_block_vars", None)  # what jinja adds for a callable that takes its context
                kwargs.pop("_loop_vars", None)
                return __obj(*args, **kwargs)
            if getattr(__obj, "__name__", "") in _WIDTH_METHODS and isinstance(getattr(__obj, "__self__", None), str):
                narrow((*args, *kwargs.values()))
            return small(super().call(__context, __obj, *args, **kwargs))

    def bounded_filter(name: str, run: Any) -> Any:
        @functools.wraps(run)  # keeps jinja's pass_context / pass_eval_context marks
        def bounded(*args: Any, **kwargs: Any) -> Any:
            if name in _WIDTH_FILTERS:
                narrow((*args[1:], *kwargs.values()))
            return small(run(*args, **kwargs))

        return bounded

    steps = [TEMPLATE_MAX_RANGE]

    def bounded_range(*args: int) -> range:
        numbers = range(*args)
        steps[0] -= len(numbers)
        if steps[0] < 0:
            raise SecurityError(f"a template may take at most {TEMPLATE_MAX_RANGE:,} steps of range() in one report")
        return numbers

    env = BoundedSandbox(
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined if templates is None else jinja2.Undefined,
        # Every value a template prints is isolated before it is escaped: names from the data may carry bidi controls.
        finalize=isolate,
        # One render: a template included once a finding is not looked for on disk again each time.
        auto_reload=False,
    )
    env.globals["range"] = bounded_range
    env.filters = {name: bounded_filter(name, run) for name, run in env.filters.items()}
    builtin = builtin_loader(env)
    loaders: list[Any] = [jinja2.FileSystemLoader(str(templates))] if templates is not None else []
    env.loader = jinja2.ChoiceLoader([*loaders, builtin, jinja2.PrefixLoader({"builtin": builtin})])
    return env


def render_html(report, options=None) -> str:
    options = dict(options or {})
    view = HtmlView(report, options)
    brand = resolve_branding(options.get("branding"), options.get("base_dir"))
    env = environment(brand.templates)
    context = build_context(view, brand, env)
    return env.get_template("report.html").render(**context).rstrip() + "\n"


# --- the context the templates see: plain text, numbers already formatted -----------------------


def build_context(view: HtmlView, brand: Brand, env) -> dict[str, Any]:
    _ = view._
    report = view.report
    client = view.for_client
    meta = [view.model_name()]
    if view.period():
        meta.append(view.period())
    meta.append(_("figures in {currency}").format(currency=report.currency))
    return {
        "_": _,
        "lang": view.lang,
        "version": __version__,
        "client": client,
        "audience": view.audience,
        "title": _("Marketing KPI report: {client}").format(client=report.client),
        "report_name": report.client,
        "meta": meta,
        "css": env.loader.get_source(env, "style.css")[0],
        "brand": brand,
        "brand_css": brand.css(),
        "stats": _stats(view),
        "funnels": _funnels(view),
        "funnels_more": view.funnels_not_drawn(),
        "funnels_wider": view.wider_everywhere_line(),
        "legend": [(view.stage(stage), colour) for stage, colour in STAGE_COLOURS.items()] + [(_("leaking step"), LEAK_COLOUR)],
        "findings": [_finding(view, finding) for finding in report.findings],
        "since": {"heading": view.since_heading(), "resolved": view.resolved_lines()} if view.since_heading() else None,
        "findings_lead": f"{view.findings_count()}. {_('Ordered by severity, then by what is at stake.')}",
        "findings_more": view.findings_not_shown(),
        "kpis": _kpis(view),
        "goals": _goals(view),
        "values": _values(view),
        "notes": _notes(view),
        "peers": peer_context(view),
        "footer": _("Made with kpi-advisor {version} from the data of {rows} rows.").format(
            version=__version__, rows=view.count(report.summary.rows)
        ),
    }


def _stats(view: HtmlView) -> list[dict[str, Any]]:
    _ = view._
    report, summary = view.report, view.report.summary
    chips = [{"severity": sev, "text": f"{view.count(n)} {view.severity(sev)}"} for sev, n in summary.by_severity.items()]
    shown = ""
    if summary.findings_shown is not None and summary.findings_shown < summary.findings_total:
        shown = _("{shown} shown below").format(shown=view.count(summary.findings_shown))
    at_stake = view.money_at_stake
    leaks = view.valued_findings()
    stats = [
        {"label": _("Findings"), "big": view.count(summary.findings_total), "chips": chips, "small": shown or ("" if chips else _("nothing fired"))},
        {
            "label": _("Money at stake"),
            "big": view.money(at_stake) if at_stake is not None else "–",
            "small": view.ngettext("per period, estimated from {n} finding", "per period, estimated from {n} findings", leaks).format(n=view.count(leaks))
            if at_stake is not None else _("no economics given"),
        },
        {"label": _("Goals"), "big": view.goals_on_track() if report.goals else "–", "small": _("status against a straight line to the target")},
    ]
    if view.for_client:
        channels = [view.channel(c) for c in view.channels]
        named = ", ".join(channels[:MAX_FUNNELS])  # an agency's 5,000 channels named in a card would fill pages
        if len(channels) > MAX_FUNNELS:
            rest = len(channels) - MAX_FUNNELS
            named += " " + view.ngettext("and {n} more", "and {n} more", rest).format(n=view.count(rest))
        stats.append({"label": _("Channels"), "big": view.count(len(channels)) if channels else "–", "small": named})
    else:
        stats.append({"label": _("Data"), "big": _("{rows} rows").format(rows=view.count(summary.rows)), "small": view.rules_checked()})
    return stats


# --- funnels ----------------------------------------------------------------------


def _bar_share(value: float, largest: float, decades: float) -> float:
    """Bar length in % of the row on a log scale: each factor of ten down the funnel takes the same share off."""
    if value <= 0 or largest <= 0:
        return 1.0
    share = 1 - math.log10(largest / value) / (decades + 1)
    return round(max(100 * share, 4.0), 1)


def _step(view: HtmlView, step: Step, largest: float, decades: float, previous: str | None = None) -> dict[str, Any]:
    metric = view.catalog.metrics.get(step.metric)
    colour = LEAK_COLOUR if step.leaking else STAGE_COLOURS.get(metric.stage if metric else "interest", "#3b8fae")
    return {
        "name": view.metric_title(step.metric),
        "value": view.count(step.value),
        "width": _bar_share(step.value, largest, decades),
        "colour": colour,
        "leaking": step.leaking,
        "share": view.went_on(step) if step.share is not None else "",
        # Said only where the share is not of the row just above (after a row of branches).
        "from": view._("(of {metric})").format(metric=view.metric_title(step.source)) if step.source and previous and step.source != previous else "",
    }


def funnel_rows(view: HtmlView, funnel: Funnel) -> list[dict[str, Any]]:
    """Rows of the chart: one step, or branches side by side, each with the share that went on into it."""
    steps = funnel.steps
    largest = max(step.value for step in steps)
    smallest = min((step.value for step in steps if step.value > 0), default=largest)
    decades = math.log10(largest / smallest) if smallest > 0 and largest > 0 else 0.0
    rows = []
    previous: str | None = None
    for indices in funnel.rows:
        row_steps = [_step(view, steps[i], largest, decades, previous) for i in indices]
        rows.append({"branches": len(indices) > 1, "steps": row_steps, "leaking": any(s["leaking"] for s in row_steps)})
        previous = steps[indices[0]].metric if len(indices) == 1 else "|branches|"
    return rows


def _funnels(view: HtmlView) -> list[dict[str, Any]]:
    _ = view._
    out = []
    for funnel in view.funnels:
        callouts = []
        for index in funnel.leak_steps:
            step = funnel.steps[index]
            rules = view.findings_label(step.leaks, funnel)
            callouts.append({"kind": "leak", "head": _("Leak"), "text": f"{view.conversion_note(index, funnel)}. {rules}"})
        for finding in view.unplaced(funnel):
            callouts.append({"kind": "other", "head": f"{_('Also flagged')} ({view.severity(finding.severity)})", "text": view.finding_label(finding, funnel)})
        if not callouts and (line := view.no_finding_line(funnel)):
            callouts.append({"kind": "other" if funnel.flagged_elsewhere else "fine", "head": "", "text": line})
        if line := view.wider_line(funnel):
            callouts.append({"kind": "other", "head": "", "text": line})
        if line := view.pairing_note(funnel):
            callouts.append({"kind": "other", "head": "", "text": line})
        out.append(
            {
                "name": view.scope(funnel.scope),
                "label": _("Funnel of {scope}").format(scope=view.scope(funnel.scope)),
                "count": view.funnel_count(funnel),
                "rows": funnel_rows(view, funnel),
                "callouts": callouts,
            }
        )
    return out


# --- findings -----------------------------------------------------------------------


def _finding(view: HtmlView, finding) -> dict[str, Any]:
    evidence = []
    for metric_id, value in view.evidence_shown(finding):
        limit = finding.thresholds.get(metric_id)
        evidence.append(
            {
                "name": view.evidence_title(finding.rule, metric_id),
                "value": view.evidence_value(finding.rule, metric_id, value),
                "over": bool(wrong_side(finding, metric_id, view.catalog)),
                "limit": view.evidence_value(finding.rule, metric_id, limit) if limit is not None else "",
            }
        )
    impact = None
    if finding.impact is not None:
        impact = {"amount": view.impact_amount(finding.impact), "basis": view.impact_basis(finding.impact)}
    return {
        "severity": finding.severity,
        "severity_label": view.severity(finding.severity),
        "title": view.rule_title(finding.rule),
        "scope": view.scope(finding.scope),
        "stage": view.stage(finding.stage),
        "rule": finding.rule,
        "message": view.client_text(view.without_scope(finding.message, finding.scope)),
        "recommendation": view.client_text(finding.recommendation),
        "evidence": evidence,
        "impact": impact,
        "status": finding.status,
        "status_label": view.finding_status(finding),
    }


# --- KPIs, goals, values, notes -------------------------------------------------------------


def _kpis(view: HtmlView) -> dict[str, Any] | None:
    _ = view._
    report = view.report
    kpis = [kpi for kpi in report.kpis if not (view.for_client and kpi.vanity)]
    if not kpis:
        return None
    channels = list(view.channels)[:MAX_CHANNEL_COLUMNS]
    rows = []
    for number, kpi in enumerate(kpis, start=1):
        tags = []
        if kpi.vanity:
            tags.append(_("vanity"))
        if kpi.has_data is False:
            tags.append(_("no data"))
        rows.append(
            {
                "rank": number if view.for_client else kpi.rank,
                "name": view.metric_title(kpi.metric),
                "id": kpi.metric,
                "tags": tags,
                "stage": view.stage(kpi.stage),
                "total": view.kpi_value(kpi.metric, view.totals),
                "channels": [view.kpi_value(kpi.metric, view.channels[channel]) for channel in channels],
                "why": view.tr.sentence(kpi.why),
                "hint": view.tr.sentence(kpi.tracking_hint) if kpi.tracking_hint else "",
                "vanity": kpi.vanity,
            }
        )
    return {"channels": [view.channel(c) if view.for_client else c for c in channels], "rows": rows}


def _goals(view: HtmlView) -> dict[str, Any] | None:
    _ = view._
    report = view.report
    if not report.goals:
        return None
    rows = []
    for goal in report.goals:
        metric = goal.metric or ""
        checks = goal.smart.model_dump()
        smart = []
        for key, letter, label in view.smart():
            ok = checks[key]
            kind, mark = ("yes", "✓") if ok else ("maybe", "?") if ok is None else ("no", "✗")
            smart.append({"kind": kind, "letter": letter, "title": f"{label}: {mark}"})
        progress = ""
        if goal.current is not None or goal.target is not None:
            progress = f"{view.value(metric, goal.current)} / {view.value(metric, goal.target)}"
        rows.append(
            {
                "name": view.goal_name(goal.id) if view.for_client else goal.id,
                "metric": view.metric_title(metric) if metric else "",
                "smart": smart,
                "status": goal.status,
                "status_label": view.status(goal.status),
                "progress": progress,
                "notes": [view.tr.sentence(note) for note in goal.notes],
            }
        )
    key = ", ".join(f"{letter} = {label}" for _key, letter, label in view.smart())
    return {"rows": rows, "lead": f"{_('Each goal checked against SMART')} ({key})."}


def _values(view: HtmlView) -> list[dict[str, str]]:
    return [
        {
            "action": view.action_title(value.action),
            "value": view.tr.number(value.value, "currency", value.currency),
            "basis": view.tr.sentence(value.basis),
        }
        for value in view.report.values
    ]


def _notes(view: HtmlView) -> dict[str, Any]:
    _ = view._
    report = view.report
    method = [
        _("Money at stake is an estimate: each finding gives its basis, and findings may overlap."),
        _("Ratios are computed from the summed counts of the period, never averaged."),
    ]
    diagnostics: dict[str, Any] = {"warnings": [], "skipped": [], "summary": ""}
    if not view.for_client:
        diagnostics["warnings"] = [view.tr.sentence(w) for w in report.warnings]
        diagnostics["skipped"] = [(rule, view.tr.sentence(why)) for rule, why in report.summary.rules_skipped.items()]
        parts = []
        if report.warnings:
            parts.append(view.ngettext("{n} data warning", "{n} data warnings", len(report.warnings)).format(n=view.count(len(report.warnings))))
        if report.summary.rules_skipped:
            skipped = len(report.summary.rules_skipped)
            parts.append(view.ngettext("{n} rule could not run", "{n} rules could not run", skipped).format(n=view.count(skipped)))
        diagnostics["summary"] = ", ".join(parts)
    return {"method": method, **diagnostics}

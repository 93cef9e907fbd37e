"""The terminal report, through rich: colour only when the output is a terminal
(the command line passes ``color``), plain text when piped, 80 columns wide."""

from __future__ import annotations

import io
import re

from kpi_advisor import ReportFormat, hookimpl

from .funnel import Funnel
from .view import ReportView
from .peers import print_text as print_peers

SEVERITY_STYLES = {"critical": "bold white on red", "high": "bold red", "medium": "bold yellow", "low": "cyan", "info": "blue"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TRAILING = re.compile(r"(?:\s|\x1b\[[0-9;]*m)+$")
STATUS_STYLES = {"on_track": "green", "at_risk": "yellow", "off_track": "red", "unknown": "dim"}


def render_text(report, options=None) -> str:
    from rich.console import Console

    view = ReportView(report, options)
    color = bool(view.options.get("color"))
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=int(view.options.get("width") or 80),
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    _header(console, view)
    _funnels(console, view)
    _findings(console, view)
    _resolved(console, view)
    print_peers(console, view, _heading, _indent)
    _kpis(console, view)
    _goals(console, view)
    _values(console, view)
    _notes(console, view)
    # Trailing spaces are rich padding lines to the width (before any closing colour code); nobody wants them.
    def strip(line: str) -> str:
        return TRAILING.sub(lambda tail: "".join(ANSI.findall(tail.group(0))), line)

    return "\n".join(strip(line) for line in buffer.getvalue().splitlines()) + "\n"


def _indent(text, left: int = 2):
    from rich.padding import Padding

    return Padding(text, (0, 0, 0, left))


def _heading(console, text: str) -> None:
    from rich.text import Text

    console.print()
    console.print(Text(text, style="bold underline"))


def _header(console, view: ReportView) -> None:
    from rich.text import Text

    _ = view._
    report = view.report
    title = Text(report.client, style="bold")
    meta = [view.model_name()] + ([view.period()] if view.period() else []) + [report.currency]
    title.append(" · " + " · ".join(m for m in meta if m))
    console.print(title)
    line = [view.findings_count()]
    if view.money_at_stake is not None:
        line.append(_("{amount} at stake per period").format(amount=view.money(view.money_at_stake)))
    if report.goals:
        line.append(_("goals: {on_track}").format(on_track=view.goals_on_track()))
    console.print(" · ".join(line))


def _funnel_table(view: ReportView, funnel: Funnel):
    from rich.table import Table
    from rich.text import Text

    _ = view._
    grid = Table.grid(padding=(0, 2))
    grid.add_column(min_width=24, max_width=30, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right")
    grid.add_column(justify="right")
    grid.add_column(overflow="fold")
    for step in funnel.steps:
        share = view.step_share(step)
        flag = Text("")
        style = ""
        if step.leaking:
            style = "bold red"
            flag = Text("◀ " + _("leak") + ": " + ", ".join(sorted({f.rule for f in step.leaks})), style="bold red")
        grid.add_row(Text(view.step_name(step, funnel)), Text(view.count(step.value), style=style), Text(share, style=style), flag)
    return grid


def _funnels(console, view: ReportView) -> None:
    from rich.console import Group
    from rich.text import Text

    _ = view._
    if not view.funnels and not view.funnels_not_drawn():
        return
    _heading(console, _("Where the funnel leaks") + " " + _("(share of the step before)"))
    lines = []
    for funnel in view.funnels:
        lines += [Text(view.scope(funnel.scope), style="bold"), _indent(_funnel_table(view, funnel))]
        for note in (view.branch_note(funnel), view.pairing_note(funnel)):
            if note:
                lines.append(_indent(Text(note, style="dim")))
        for finding in funnel.unplaced:
            # Where it fired, as the Markdown and HTML reports say: eight bare "roas-below-break-even" lines named no account.
            also = Text(_("also flagged") + f" ({view.severity(finding.severity)}): {view.finding_label(finding, funnel)}",
                        style=SEVERITY_STYLES.get(finding.severity, ""))
            lines.append(_indent(also))
        if line := view.no_finding_line(funnel):
            lines.append(_indent(Text(line, style="dim" if funnel.flagged_elsewhere else "green")))
        if line := view.wider_line(funnel):
            lines.append(_indent(Text(line, style="dim")))
    if view.funnels_not_drawn():
        lines.append(Text(view.funnels_not_drawn(), style="dim"))
    if lines:
        console.print(Group(*lines))


def _findings(console, view: ReportView) -> None:
    from rich.console import Group
    from rich.text import Text

    _ = view._
    report = view.report
    _heading(console, _("Findings") + f": {view.findings_count()}")
    if not report.summary.findings_total:
        console.print(_("No rule fired on this data."))
    lines = []
    for finding in report.findings:
        head = Text(view.severity(finding.severity).upper(), style=SEVERITY_STYLES.get(finding.severity, ""))
        head.append(f" {finding.rule} [{view.scope(finding.scope)}]", style="bold")
        if finding.status is not None:
            head.append(" (" + (_("new") if finding.status == "new" else _("still open")) + ")")
        lines += [head, _indent(Text(view.rule_title(finding.rule), style="italic")), _indent(Text(finding.message)),
                  _indent(Text("-> " + finding.recommendation, style="cyan"))]
        if finding.impact is not None:
            amount = view.impact_amount(finding.impact)
            lines.append(_indent(Text(_("at stake: {amount} per period").format(amount=amount), style="yellow")))
            lines.append(_indent(Text(_("Basis") + ": " + view.impact_basis(finding.impact), style="dim")))
    if lines:  # one print for the list: each print measures the console again (a tenth of a long report's time)
        console.print(Group(*lines))
    if view.findings_not_shown():
        console.print(Text(view.findings_not_shown(), style="dim"))


def _resolved(console, view: ReportView) -> None:
    from rich.text import Text

    _ = view._
    summary = view.report.summary
    if summary.resolved is None:
        return
    _heading(console, _("Since {report}: {new} new, {resolved} resolved").format(
        report=summary.since or "", new=summary.new_findings or 0, resolved=len(summary.resolved)))
    for old in summary.resolved:
        line = Text(_("resolved") + f": {old.rule} [{view.scope(old.scope)}]", style="green")
        console.print(_indent(line))


def _kpis(console, view: ReportView) -> None:
    from rich import box
    from rich.table import Table

    _ = view._
    report = view.report
    if not report.kpis:
        return
    _heading(console, _("KPIs that matter"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("#", justify="right")
    table.add_column(_("KPI"), overflow="fold")
    table.add_column(_("Stage"))
    table.add_column(_("All data"), justify="right")
    compared = report.comparison is not None
    if compared:
        # run --compare-previous: the latest period beside the one before.
        table.add_column(_("Change"), justify="right")
    table.add_column("", style="dim")
    for kpi in report.kpis:
        tags = ([_("vanity")] if kpi.vanity else []) + ([_("no data")] if kpi.has_data is False else [])
        row = [str(kpi.rank), view.metric_title(kpi.metric), view.stage(kpi.stage), view.kpi_value(kpi.metric, view.totals)]
        if compared:
            row.append(f"{kpi.change:+.1%}" if kpi.change is not None else "–")
        table.add_row(*row, ", ".join(tags))
    console.print(table)
    if compared:
        comparison = report.comparison
        def dates(span: dict) -> str:
            return span["from"] if span["from"] == span["to"] else f"{span['from']} – {span['to']}"

        console.print(_("Change: the latest {period} of data ({latest}) against the one before ({before})").format(
            period=comparison.period, latest=dates(comparison.current), before=dates(comparison.previous)), style="dim")
    console.print(_("Why each KPI matters: kpi-advisor kpis --model {model}, or --format html").format(model=report.business_model), style="dim")


def _goals(console, view: ReportView) -> None:
    from rich.text import Text

    _ = view._
    report = view.report
    if not report.goals:
        return
    _heading(console, _("Goals"))
    for goal in report.goals:
        checks = goal.smart.model_dump()
        line = Text(goal.id, style="bold")
        line.append(" [")
        for key, letter, _label in view.smart():
            ok = checks[key]
            line.append(letter if ok else "?" if ok is None else "-", style="green" if ok else "red" if ok is False else "dim")
        line.append("] ")
        line.append(view.status(goal.status), style=STATUS_STYLES.get(goal.status, ""))
        if goal.target is not None:
            metric = goal.metric or ""
            line.append(f"  {view.value(metric, goal.current)} / {view.value(metric, goal.target)}")
        console.print(line)
        for note in goal.notes:
            console.print(_indent(Text("- " + view.tr.sentence(note), style="dim")))


def _values(console, view: ReportView) -> None:
    _ = view._
    report = view.report
    if not report.values:
        return
    _heading(console, _("What a micro action is worth"))
    for value in report.values:
        amount = view.tr.number(value.value, "currency", value.currency)
        console.print(_indent(f"{view.action_title(value.action)}: {amount} ({view.tr.sentence(value.basis).removesuffix('.')})"))


def _notes(console, view: ReportView) -> None:
    from rich.text import Text

    _ = view._
    report = view.report
    skipped = report.summary.rules_skipped
    if not report.warnings and not skipped:
        return
    _heading(console, _("Notes"))
    for warning in report.warnings:
        console.print(_indent(Text(_("warning") + ": " + view.tr.sentence(warning), style="yellow")))
    if skipped:
        console.print(_indent(_("Rules not evaluated: {n}").format(n=view.count(len(skipped)))))
        for rule_id, why in skipped.items():
            console.print(_indent(f"{rule_id}: {view.tr.sentence(why)}", 4))


@hookimpl
def kpi_advisor_report_formats():
    return [ReportFormat(name="text", render=render_text, description="A readable summary for a terminal.", extension=".txt")]

"""The terminal report: colour only when the output is a terminal (the command line passes
``color``), plain text when piped, 80 columns wide (``width``)."""

from __future__ import annotations

from .funnel import Funnel
from .peers import print_text as print_peers
from .terminal import Page, Table, Text
from .view import ReportView

SEVERITY_STYLES = {"critical": "bold white on red", "high": "bold red", "medium": "bold yellow", "low": "cyan", "info": "blue"}
STATUS_STYLES = {"on_track": "green", "at_risk": "yellow", "off_track": "red", "unknown": "dim"}


def render_text(report, options=None) -> str:
    view = ReportView(report, options)
    page = Page(width=int(view.options.get("width") or 80), color=bool(view.options.get("color")))
    _header(page, view)
    _funnels(page, view)
    _findings(page, view)
    _resolved(page, view)
    print_peers(page, view, _heading)
    _kpis(page, view)
    _goals(page, view)
    _values(page, view)
    _notes(page, view)
    return page.render()


def _heading(page: Page, text: str) -> None:
    page.blank()
    page.print(text, style="bold underline")


def _header(page: Page, view: ReportView) -> None:
    _ = view._
    report = view.report
    title = Text.of(report.client, "bold")
    meta = [view.model_name()] + ([view.period()] if view.period() else []) + [report.currency]
    title.append(" · " + " · ".join(m for m in meta if m))
    page.print(title)
    line = [view.findings_count()]
    if view.money_at_stake is not None:
        line.append(_("{amount} at stake per period").format(amount=view.money(view.money_at_stake)))
    if report.goals:
        line.append(_("goals: {on_track}").format(on_track=view.goals_on_track()))
    page.print(" · ".join(line))


def _funnel_table(view: ReportView, funnel: Funnel) -> Table:
    _ = view._
    grid = Table(grid=True)
    grid.add_column(min_width=24, max_width=30, no_wrap=True, overflow="ellipsis")
    grid.add_column(justify="right")
    grid.add_column(justify="right")
    grid.add_column(overflow="fold")
    for step in funnel.steps:
        share = view.step_share(step)
        flag = Text()
        style = ""
        if step.leaking:
            style = "bold red"
            # A client reads the rule's title with the findings below, not its id.
            flag = Text.of("◀ " + _("leak") + ("" if view.for_client else ": " + ", ".join(sorted({f.rule for f in step.leaks}))), style)
        grid.add_row(view.step_name(step, funnel), Text.of(view.count(step.value), style), Text.of(share, style), flag)
    return grid


def _funnels(page: Page, view: ReportView) -> None:
    _ = view._
    if not view.funnels and not view.funnels_not_drawn():
        return
    _heading(page, _("Where the funnel leaks") + " " + _("(share of the step before)"))
    if line := view.wider_everywhere_line():
        page.print(line, style="dim")
    for funnel in view.funnels:
        page.print(Text.of(view.scope(funnel.scope), "bold"))
        page.print(_funnel_table(view, funnel), indent=2)
        for note in (view.branch_note(funnel), view.pairing_note(funnel)):
            if note:
                page.print(note, style="dim", indent=2)
        for finding in view.unplaced(funnel):
            # Where it fired, as the Markdown and HTML reports say: eight bare "roas-below-break-even" lines named no account.
            also = _("also flagged") + f" ({view.severity(finding.severity)}): {view.finding_label(finding, funnel)}"
            page.print(also, style=SEVERITY_STYLES.get(finding.severity, ""), indent=2)
        if line := view.no_finding_line(funnel):
            page.print(line, style="dim" if funnel.flagged_elsewhere else "green", indent=2)
        if line := view.wider_line(funnel):
            page.print(line, style="dim", indent=2)
    if view.funnels_not_drawn():
        page.print(view.funnels_not_drawn(), style="dim")


def _findings(page: Page, view: ReportView) -> None:
    _ = view._
    report = view.report
    _heading(page, _("Findings") + f": {view.findings_count()}")
    if not report.summary.findings_total:
        page.print(_("No rule fired on this data."))
    for finding in report.findings:
        head = Text.of(view.severity(finding.severity).upper(), SEVERITY_STYLES.get(finding.severity, ""))
        head.append(f" [{view.scope(finding.scope)}]" if view.for_client else f" {finding.rule} [{view.scope(finding.scope)}]", "bold")
        if finding.status is not None:
            head.append(" (" + (_("new") if finding.status == "new" else _("still open")) + ")")
        page.print(head)
        page.print(view.rule_title(finding.rule), style="italic", indent=2)
        page.print(view.finding_message(finding), indent=2)
        page.print("-> " + view.client_text(finding.recommendation), style="cyan", indent=2)
        if finding.impact is not None:
            amount = view.impact_amount(finding.impact)
            page.print(_("at stake: {amount} per period").format(amount=amount), style="yellow", indent=2)
            page.print(_("Basis") + ": " + view.impact_basis(finding.impact), style="dim", indent=2)
    if view.findings_not_shown():
        page.print(view.findings_not_shown(), style="dim")


def _resolved(page: Page, view: ReportView) -> None:
    _ = view._
    summary = view.report.summary
    if summary.resolved is None:
        return
    _heading(page, _("Since {report}: {new} new, {resolved} resolved").format(
        report=summary.since or "", new=summary.new_findings or 0, resolved=len(summary.resolved)))
    for line in view.resolved_lines():
        page.print(line, style="green", indent=2)


def _kpis(page: Page, view: ReportView) -> None:
    _ = view._
    report = view.report
    if not report.kpis:
        return
    _heading(page, _("KPIs that matter"))
    table = Table()
    table.add_column("#", justify="right")
    table.add_column(_("KPI"), overflow="fold")
    table.add_column(_("Stage"))
    table.add_column(_("All data"), justify="right")
    compared = report.comparison is not None
    if compared:
        # run --compare-previous: the latest period beside the one before.
        table.add_column(_("Change"), justify="right")
    table.add_column("", style="dim")
    shown = [kpi for kpi in report.kpis if not (view.for_client and kpi.vanity)]  # "never report it as a result" is the consultant's
    for number, kpi in enumerate(shown, 1):
        tags = ([_("vanity")] if kpi.vanity else []) + ([_("no data")] if kpi.has_data is False else [])
        row = [str(number) if view.for_client else str(kpi.rank), view.metric_title(kpi.metric), view.stage(kpi.stage), view.kpi_value(kpi.metric, view.totals)]
        if compared:
            row.append(f"{kpi.change:+.1%}" if kpi.change is not None else "–")
        table.add_row(*row, ", ".join(tags))
    page.print(table)
    if compared:
        comparison = report.comparison
        def dates(span: dict) -> str:
            return span["from"] if span["from"] == span["to"] else f"{span['from']} – {span['to']}"

        page.print(_("Change: the latest {period} of data ({latest}) against the one before ({before})").format(
            period=comparison.period, latest=dates(comparison.current), before=dates(comparison.previous)), style="dim")
    if not view.for_client:  # a command to run is for whoever runs it
        page.print(_("Why each KPI matters: kpi-advisor kpis --model {model}, or --format html").format(model=report.business_model), style="dim")


def _goals(page: Page, view: ReportView) -> None:
    _ = view._
    report = view.report
    if not report.goals:
        return
    _heading(page, _("Goals"))
    for goal in report.goals:
        checks = goal.smart.model_dump()
        line = Text.of(view.goal_name(goal.id) if view.for_client else goal.id, "bold")
        line.append(" [")
        for key, letter, _label in view.smart():
            ok = checks[key]
            line.append(letter if ok else "?" if ok is None else "-", "green" if ok else "red" if ok is False else "dim")
        line.append("] ")
        line.append(view.status(goal.status), STATUS_STYLES.get(goal.status, ""))
        if goal.target is not None:
            metric = goal.metric or ""
            line.append(f"  {view.value(metric, goal.current)} / {view.value(metric, goal.target)}")
        page.print(line)
        for note in goal.notes:
            page.print("- " + view.tr.sentence(note), style="dim", indent=2)


def _values(page: Page, view: ReportView) -> None:
    _ = view._
    report = view.report
    if not report.values:
        return
    _heading(page, _("What a micro action is worth"))
    for value in report.values:
        amount = view.tr.number(value.value, "currency", value.currency)
        page.print(f"{view.action_title(value.action)}: {amount} ({view.tr.sentence(value.basis).removesuffix('.')})", indent=2)


def _notes(page: Page, view: ReportView) -> None:
    _ = view._
    report = view.report
    skipped = report.summary.rules_skipped
    if view.for_client or (not report.warnings and not skipped):
        return  # diagnostics are for the consultant
    _heading(page, _("Notes"))
    for warning in report.warnings:
        page.print(_("warning") + ": " + view.tr.sentence(warning), style="yellow", indent=2)
    if skipped:
        page.print(_("Rules not evaluated: {n}").format(n=view.count(len(skipped))), indent=2)
        for rule_id, why in skipped.items():
            page.print(f"{rule_id}: {view.tr.sentence(why)}", indent=4)

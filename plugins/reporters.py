"""Built-in report formats: json and text."""

from __future__ import annotations

import io
import json

from kpi_advisor import ReportFormat, hookimpl


def render_json(report, options=None) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _scope(scope: dict) -> str:
    return " / ".join(scope.values()) or "all data"


def render_text(report, options=None) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    options = options or {}
    buffer = io.StringIO()
    console = Console(file=buffer, width=int(options.get("width", 80)), force_terminal=bool(options.get("color")),
                      color_system="standard" if options.get("color") else None, highlight=False)
    console.print(f"[bold]{report.client}[/bold] - {report.business_model} ({report.currency})")
    if report.period:
        console.print(f"Period {report.period['start']} to {report.period['end']}")
    console.print()
    if report.kpis:
        table = Table(title="KPIs that matter", title_justify="left", expand=False)
        table.add_column("#", justify="right")
        table.add_column("metric")
        table.add_column("stage")
        table.add_column("why", overflow="fold")
        for kpi in report.kpis:
            name = kpi.metric + (" (vanity)" if kpi.vanity else "") + (" (no data)" if kpi.has_data is False else "")
            table.add_row(str(kpi.rank), name, kpi.stage, kpi.why)
        console.print(table)
    console.print(f"[bold]Findings[/bold]: {report.summary.findings_total}")
    for finding in report.findings:
        colour = {"critical": "red", "high": "red", "medium": "yellow", "low": "cyan", "info": "blue"}[finding.severity]
        console.print(f"[{colour}]{finding.severity.upper()}[/{colour}] {finding.rule} " + escape(f"[{_scope(finding.scope)}]"))
        console.print(f"  {escape(finding.message)}")
        console.print(f"  -> {escape(finding.recommendation)}")
        if finding.impact is not None:
            money = f" ({report.currency} {finding.impact.money:,.0f})" if finding.impact.money is not None else ""
            console.print(f"  at stake: {finding.impact.value:,.1f} {finding.impact.metric}{money} per period")
    for goal in report.goals:
        checks = "".join(letter if ok else "-" for letter, ok in zip("SMART", goal.smart.model_dump().values()))
        console.print(f"Goal {goal.id}: {goal.status} [{checks}]")
        for note in goal.notes:
            console.print(f"  {note}")
    for value in report.values:
        console.print(f"Value of one {value.action}: {value.currency} {value.value:,.2f} ({value.basis})")
    if report.summary.rules_skipped:
        console.print(f"Rules not evaluated: {len(report.summary.rules_skipped)}")
        for rule_id, why in report.summary.rules_skipped.items():
            console.print(f"  {rule_id}: {why}")
    for warning in report.warnings:
        console.print(f"[yellow]warning[/yellow]: {warning}")
    return buffer.getvalue()


@hookimpl
def kpi_advisor_report_formats():
    return [
        ReportFormat(name="json", render=render_json, description="The report as JSON (schemas/report.schema.json).", extension=".json"),
        ReportFormat(name="text", render=render_text, description="A readable summary for a terminal.", extension=".txt"),
    ]

"""The JSON report: the shape CONTRACT.md fixes and schemas/report.schema.json describes."""

from __future__ import annotations

from kpi_advisor import ReportFormat, hookimpl
from kpi_advisor.models.report import to_json


def render_json(report, options=None) -> str:
    return to_json(report) + "\n"


@hookimpl
def kpi_advisor_report_formats():
    return [ReportFormat(name="json", render=render_json, description="The report as JSON (schemas/report.schema.json).", extension=".json")]

"""The JSON report: the shape CONTRACT.md fixes and schemas/report.schema.json describes."""

from __future__ import annotations

import json

from kpi_advisor import ReportFormat, hookimpl


def render_json(report, options=None) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


@hookimpl
def kpi_advisor_report_formats():
    return [ReportFormat(name="json", render=render_json, description="The report as JSON (schemas/report.schema.json).", extension=".json")]

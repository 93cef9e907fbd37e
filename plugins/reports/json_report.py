"""The JSON report: the shape CONTRACT.md fixes and schemas/report.schema.json describes."""

from __future__ import annotations

from kpi_advisor import ReportFormat, hookimpl
from kpi_advisor.models.report import json_pieces, to_json


def render_json(report, options=None) -> str:
    return to_json(report) + "\n"


def json_report_pieces(report, options=None):
    """:func:`render_json`'s text in pieces (``ReportFormat.pieces``): a large report is written as it is made."""
    yield from json_pieces(report)
    yield "\n"


@hookimpl
def kpi_advisor_report_formats():
    return [ReportFormat(name="json", render=render_json, description="The report as JSON (schemas/report.schema.json).", extension=".json",
                         pieces=json_report_pieces)]

"""The text report format as a plugin (entry point ``report_text``). A text report's layout,
text_report.py, is imported when one is rendered, not by every run that registers the formats."""

from kpi_advisor import ReportFormat, hookimpl

from . import laid_out


@hookimpl
def kpi_advisor_report_formats():
    return [ReportFormat(name="text", render=laid_out(".text_report", "render_text"), extension=".txt",
                         description="A readable summary for a terminal.")]

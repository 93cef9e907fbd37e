"""The Markdown report format as a plugin (entry point ``report_markdown``). A Markdown report's layout,
markdown_report.py, is imported when one is rendered, not by every run that registers the formats."""

from kpi_advisor import ReportFormat, hookimpl

from . import laid_out


@hookimpl
def kpi_advisor_report_formats():
    return [ReportFormat(name="markdown", render=laid_out(".markdown_report", "render_markdown"), extension=".md",
                         description="Markdown with tables, for client documents and pull requests.")]

"""The HTML report format as a plugin (entry point ``report_html``). An HTML report's layout,
html_report.py, is imported when one is rendered, not by every run that registers the formats."""

from kpi_advisor import ReportFormat, hookimpl

from . import laid_out


@hookimpl
def kpi_advisor_report_formats():
    return [ReportFormat(name="html", render=laid_out(".html_report", "render_html"), extension=".html",
                         description="A self-contained HTML page with a funnel chart per channel; prints well. Jinja2 templates, brandable.")]

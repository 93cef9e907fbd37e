"""Report formats come through the kpi_advisor_report_formats hook: the built-in
ones as entry points, a consultant's own from an installed plugin or from a file
a config names."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from kpi_advisor import ReportFormat, hookimpl
from kpi_advisor.cli import cli
from kpi_advisor.host import get_plugin_manager
from kpi_advisor.loading.catalog import get_catalog
from reporting import ACME, acme


class FindingsCsv:
    @staticmethod
    def render(report, options=None):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["rule", "scope", "lang"])
        for finding in report.findings:
            writer.writerow([finding.rule, "/".join(finding.scope.values()), (options or {}).get("lang")])
        return out.getvalue()

    @hookimpl
    def kpi_advisor_report_formats(self):
        return [ReportFormat(name="csv", render=self.render, description="Findings as CSV.", extension=".csv")]


@pytest.fixture
def csv_plugin(fresh_plugins):
    pm = get_plugin_manager()
    pm.register(FindingsCsv(), name="findings-csv")
    yield
    pm.unregister(name="findings-csv")


def test_builtin_formats_are_plugins_of_their_own():
    catalog = get_catalog()
    assert {name: catalog.origins[f"report format:{name}"] for name in ("json", "text", "markdown", "html")} == {
        "json": "report_json", "text": "report_text", "markdown": "report_markdown", "html": "report_html"}
    assert {catalog.reporters[n].extension for n in catalog.reporters} >= {".json", ".txt", ".md", ".html"}


def test_an_installed_plugin_adds_a_format(csv_plugin, tmp_path):
    runner = CliRunner()
    listed = runner.invoke(cli, ["list", "formats"]).output
    assert "csv" in listed and "report: Findings as CSV." in listed
    result = runner.invoke(cli, ["run", str(ACME), "--format", "csv", "--lang", "de"])
    assert result.output == "rule,scope,lang\nlanding-page-leak,facebook,de\nroas-below-break-even,facebook,de\n"
    target = tmp_path / "findings.csv"
    assert runner.invoke(cli, ["run", str(ACME), "-o", str(target), "-q"]).exit_code == 0
    assert target.read_text().startswith("rule,scope,lang\n")


def test_a_format_from_a_config_plugin_file(write):
    write("fmt.py", (
        "from kpi_advisor import ReportFormat, hookimpl\n\n"
        "@hookimpl\n"
        "def kpi_advisor_report_formats():\n"
        "    return [ReportFormat(name='count', render=lambda report, options=None: f\"{report.summary.findings_total}\\n\")]\n"
    ))
    config = write("client.yaml", ACME.read_text(encoding="utf-8") + "plugins: [./fmt.py]\n")
    result = CliRunner().invoke(cli, ["run", str(config), "--format", "count"])
    assert result.exit_code == 0 and result.output == f"{len(acme().findings)}\n"
    other = CliRunner().invoke(cli, ["run", str(ACME), "--format", "count"])
    assert other.exit_code == 2 and "unknown format 'count'" in other.output

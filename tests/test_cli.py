"""The command line as a user meets it: exit codes, one line per problem, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

ACME = str(EXAMPLES / "acme_outdoor.yaml")


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_run_text_flags_the_leaking_channel_only():
    result = invoke("run", ACME)
    assert result.exit_code == 0, result.output
    assert "landing-page-leak [facebook]" in result.output
    assert "[instagram]" not in result.output
    assert "81.6%" in result.output and "2.9% CTR" in result.output


def test_run_json_has_the_contract_shape():
    result = invoke("run", ACME, "--format", "json")
    report = json.loads(result.output)
    assert report["schema_version"] == "1"
    assert set(report) >= {"client", "business_model", "currency", "kpis", "findings", "goals", "values", "metrics", "summary", "warnings"}
    leaks = [f for f in report["findings"] if f["rule"] == "landing-page-leak"]
    assert [f["scope"] for f in leaks] == [{"channel": "facebook"}]
    assert leaks[0]["evidence"]["bounce_rate"] == pytest.approx(9720 / 11910, rel=1e-6)
    assert leaks[0]["thresholds"]["bounce_rate"] == 0.6
    assert report["metrics"][0]["scope"] == {}
    assert {tuple(m["scope"].items()) for m in report["metrics"][1:]} == {(("channel", "facebook"),), (("channel", "instagram"),)}


@pytest.mark.parametrize(("fail_on", "status"), [("high", 1), ("critical", 0), ("info", 1)])
def test_fail_on(fail_on, status):
    assert invoke("run", ACME, "--fail-on", fail_on, "--format", "json").exit_code == status


def test_max_findings_keeps_the_totals():
    report = json.loads(invoke("run", ACME, "--format", "json", "--max-findings", "0").output)
    assert report["findings"] == []
    assert report["summary"]["findings_total"] >= 1
    assert report["summary"]["findings_shown"] == 0


def test_output_file_is_written_and_format_follows_the_extension(tmp_path):
    target = tmp_path / "report.json"
    result = invoke("run", ACME, "-o", str(target))
    assert result.exit_code == 0
    assert json.loads(target.read_text())["client"] == "Acme Outdoor"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_output_over_an_input_is_refused(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text((EXAMPLES / "acme_outdoor.yaml").read_text())
    before = config.read_text()
    result = CliRunner().invoke(cli, ["run", str(config), "-o", str(config)])
    assert result.exit_code == 2
    assert "is an input of this run" in result.output
    assert config.read_text() == before


def test_failed_run_writes_no_output(tmp_path, write):
    bad = write("bad.yaml", "client: x\nbusiness_model: dtc_ecommerce\ndata: [{records: [{clicks: -1}]}]\n")
    target = tmp_path / "out.json"
    result = CliRunner().invoke(cli, ["run", str(bad), "-o", str(target)])
    assert result.exit_code == 2
    assert not target.exists()


def test_stdin_config():
    text = (EXAMPLES / "acme_outdoor.yaml").read_text()
    result = invoke("run", "-", "--format", "json", input=text)
    assert json.loads(result.output)["client"] == "Acme Outdoor"


def test_validate_ok_and_errors(write):
    good = invoke("validate", ACME)
    assert good.exit_code == 0 and good.output.strip().endswith("ok")
    bad = write("bad.yaml", "client: x\nbusiness_model: dtc_ecomerce\n")
    result = CliRunner().invoke(cli, ["validate", ACME, str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml:2: business_model: unknown business model 'dtc_ecomerce' (did you mean 'dtc_ecommerce'?)" in result.output


def test_validate_rule_pack_and_profile():
    from kpi_advisor.commands.schemas import SCHEMA_FILES  # noqa: F401 - package data is importable

    root = EXAMPLES.parent
    result = invoke("validate", str(root / "rules" / "funnel.yaml"), str(root / "rules" / "profiles" / "b2b.yaml"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind", ["models", "goals", "metrics", "rules", "plugins", "benchmarks", "formats"])
def test_list(kind):
    text = invoke("list", kind)
    assert text.exit_code == 0 and text.output.strip()
    rows = json.loads(invoke("list", kind, "--format", "json").output)
    assert rows and all("id" in row for row in rows)


def test_list_plugins_shows_the_builtins_as_entry_points():
    rows = {row["id"]: row for row in json.loads(invoke("list", "plugins", "--format", "json").output)}
    assert {"metrics", "rules", "profiles", "goals", "benchmarks", "formats", "report_json", "report_text", "report_markdown", "report_html"} <= set(rows)
    assert rows["metrics"]["origin"].startswith("kpi-advisor")


@pytest.mark.parametrize("item", ["ctr", "landing-page-leak", "b2b", "leads"])
def test_explain(item):
    result = invoke("explain", item)
    assert result.exit_code == 0 and item in result.output


def test_explain_unknown_suggests():
    result = CliRunner().invoke(cli, ["explain", "landing-page-leek"])
    assert result.exit_code == 2
    assert "did you mean 'landing-page-leak'" in result.output


@pytest.mark.parametrize("name", ["config", "report", "rules", "profile"])
def test_schema(name):
    schema = json.loads(invoke("schema", name).output)
    assert schema["$schema"].startswith("https://json-schema.org/")


def test_kpis_command():
    rows = json.loads(invoke("kpis", "--model", "b2b", "--goal", "leads", "--format", "json").output)
    assert rows[0]["rank"] == 1 and all(row["why"] for row in rows)


def test_test_rules_runs_the_shipped_examples():
    result = invoke("test-rules")
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_init_writes_a_config_that_runs(tmp_path):
    target = tmp_path / "client.yaml"
    assert invoke("init", "--model", "b2b", str(target)).exit_code == 0
    assert invoke("validate", str(target)).exit_code == 0
    assert invoke("run", str(target), "--format", "json").exit_code == 0
    again = CliRunner().invoke(cli, ["init", str(target)])
    assert again.exit_code == 2


def test_python_dash_m_and_help_are_fast_enough_to_use():
    out = subprocess.run([sys.executable, "-m", "kpi_advisor", "--help"], capture_output=True, text=True, check=True)
    assert "run" in out.stdout and "validate" in out.stdout
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, kpi_advisor.cli; print('polars' in sys.modules, 'pydantic' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    assert imported.stdout.split() == ["False", "False"], "the CLI must not import heavy modules at start-up"


def test_an_empty_output_name_is_refused_not_read_as_stdout():
    result = CliRunner().invoke(cli, ["run", str(ACME), "-o", ""])
    assert result.exit_code == 2 and "-o: expected a file name (or - for stdout), got an empty one" in result.output


def test_a_validators_own_words_come_without_pydantics_prefix(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("client: X\nbusiness_model: dtc_ecommerce\ngoals:\n  - {id: a, objective: leads, metric: leads, baseline: 10, "
                      "target: 20, change: '+20%', by: 2027-01-01}\ndata:\n  - records: [{channel: facebook, impressions: 100, clicks: 3}]\n")
    result = CliRunner().invoke(cli, ["validate", str(config)])
    assert result.exit_code == 2
    assert "goals[0]: give either target or change, not both" in result.output and "Value error" not in result.output


def test_two_goals_with_one_id_are_refused_naming_both(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("client: X\nbusiness_model: dtc_ecommerce\ngoals:\n"
                      "  - {id: a, objective: leads, metric: leads, baseline: 10, target: 20, by: 2027-01-01}\n"
                      "  - {id: a, objective: traffic, metric: sessions, baseline: 10, target: 20, by: 2027-01-01}\n"
                      "data:\n  - records: [{channel: facebook, impressions: 100, clicks: 3}]\n")
    result = CliRunner().invoke(cli, ["validate", str(config)])
    assert result.exit_code == 2
    assert "goals: goal id 'a' is given twice (goals[0] and goals[1]); give each goal its own id" in result.output

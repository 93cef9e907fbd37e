"""The JSON report keeps the contract's shape in every language and validates
against schemas/report.schema.json."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli
from kpi_advisor.commands.schemas import schema_dict
from reporting import ACME, LANGS, acme, bare, hostile, render


def shape(value):
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


@pytest.mark.parametrize("lang", LANGS)
def test_json_validates_and_keeps_its_shape_in_every_language(lang):
    report = json.loads(render("json", acme(lang), lang=lang))
    jsonschema.validate(report, schema_dict("report"))
    assert shape(report) == shape(json.loads(render("json", acme())))


def test_only_rule_texts_change_with_the_language():
    en, de = json.loads(render("json", acme())), json.loads(render("json", acme("de")))
    assert de["findings"][0]["message"].startswith("facebook: Die Anzeigen bringen Besucher (12.850 Klicks bei 2,9\u00a0% CTR")
    assert de["findings"][0]["recommendation"].startswith("Die Landingpage muss halten")
    assert de["findings"][0]["impact"]["basis"].startswith("Besuche, die blieben")
    for key in ("kpis", "goals", "values", "metrics", "summary", "warnings"):
        assert de[key] == en[key]
    assert {k: v for k, v in de["findings"][0].items() if k not in ("message", "recommendation", "impact")} == {
        k: v for k, v in en["findings"][0].items() if k not in ("message", "recommendation", "impact")}


@pytest.mark.parametrize("report", [hostile(), bare()], ids=["hostile", "bare"])
def test_other_reports_validate(report):
    jsonschema.validate(json.loads(render("json", report)), schema_dict("report"))


def test_cli_lang_flag_and_environment():
    runner = CliRunner()
    flag = json.loads(runner.invoke(cli, ["run", str(ACME), "--format", "json", "--lang", "da"]).output)
    env = json.loads(runner.invoke(cli, ["run", str(ACME), "--format", "json"], env={"KPI_ADVISOR_LANG": "da"}).output)
    assert flag == env
    assert "klik ved" in flag["findings"][0]["message"]
    bad = runner.invoke(cli, ["run", str(ACME), "--lang", "fr"])
    assert bad.exit_code == 2 and "'fr' is not one of" in bad.output


def test_json_is_pydantics_serializer_with_one_float_spelling():
    from kpi_advisor.models.report import Finding, Report, Summary, to_json
    from kpi_advisor.plugins.reports.json_report import render_json

    finding = Finding(rule="r", severity="low", stage="interest", scope={"campaign": "ünïcode"}, evidence={"ctr": 9.4e-05, "tiny": 1e-07, "n": 3.0},
                      thresholds={}, message="m\x1b", recommendation="x")
    report = Report(client="c", business_model="b", currency="EUR", summary=Summary(findings_total=1, by_rule={"r": 1}), findings=[finding])
    text = render_json(report)
    assert text == report.model_dump_json(indent=2) + "\n" == to_json(report) + "\n"
    assert '"ctr": 0.000094' in text and '"tiny": 1e-7' in text and '"n": 3.0' in text
    assert "ünïcode" in text and "\\u001b" in text  # UTF-8 as it is; control characters escaped
    assert '"status"' not in text  # asked-for fields only when set
    assert json.loads(text)["findings"][0]["evidence"]["ctr"] == 9.4e-05

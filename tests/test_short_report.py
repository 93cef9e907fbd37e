"""The short report: text, markdown and html show the findings with the most money at stake,
then the most severe (10 unless --max-findings says otherwise) and count the rest with a line
saying how to show them; JSON stays complete unless --max-findings is given."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli
from kpi_advisor.commands.output import DEFAULT_MAX_FINDINGS


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """30 campaigns of one channel; 12 of them (under half, so no roll-up) have landing pages
    that do not keep visitors, each with a different amount at stake."""
    records = []
    for n in range(30):
        leaky = n < 12
        clicks = 2000 + 100 * n
        sessions = clicks * 9 // 10
        records.append({"channel": "facebook", "campaign": f"c{n:02d}", "impressions": clicks * 50, "clicks": clicks,
                        "sessions": sessions, "bounces": sessions * (85 if leaky else 30) // 100, "spend": 500 + 40 * n,
                        "purchases": sessions // 40})
    path = tmp_path_factory.mktemp("short") / "many.json"
    path.write_text(json.dumps({"client": "Many", "business_model": "dtc_ecommerce", "currency": "USD",
                                "economics": {"customer_value": 100}, "data": [{"records": records}]}), encoding="utf-8")
    return path


def run(config, *args):
    result = CliRunner().invoke(cli, ["run", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_is_complete_and_text_is_short(config):
    report = json.loads(run(config, "--format", "json"))
    total = report["summary"]["findings_total"]
    assert total > DEFAULT_MAX_FINDINGS and len(report["findings"]) == total
    text = run(config)
    shown = text.count("\nHIGH ") + text.count("\nMEDIUM ") + text.count("\nLOW ") + text.count("\nCRITICAL ") + text.count("\nINFO ")
    assert shown == DEFAULT_MAX_FINDINGS
    assert f"Not shown: {total - DEFAULT_MAX_FINDINGS} more findings. Run with --max-findings all" in " ".join(text.split())


def test_the_short_list_keeps_the_most_money_at_stake(config):
    report = json.loads(run(config, "--format", "json"))
    money = sorted((f["impact"]["money"] or 0 for f in report["findings"] if f["impact"]), reverse=True)
    short = json.loads(run(config, "--format", "json", "--max-findings", "3"))
    assert sorted((f["impact"]["money"] for f in short["findings"]), reverse=True) == money[:3]
    assert short["summary"]["findings_total"] == report["summary"]["findings_total"] and short["summary"]["findings_shown"] == 3


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_all_shows_every_finding_and_zero_none(config, fmt):
    total = json.loads(run(config, "--format", "json"))["summary"]["findings_total"]
    assert "Not shown" not in run(config, "--format", fmt, "--max-findings", "all")
    none = run(config, "--format", fmt, "--max-findings", "0")
    assert f"{total} more findings" in " ".join(none.split()) and "No rule fired" not in none


def test_max_findings_must_be_a_count_or_all(config):
    result = CliRunner().invoke(cli, ["run", str(config), "--max-findings", "some"])
    assert result.exit_code == 2 and "is not a count (0, 1, 2, ...) or 'all'" in result.output

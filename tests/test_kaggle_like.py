"""Done-when of issue 14, on an account of our own in the Kaggle layout (tests/kaggle_like.py):
618 ads across age, gender and interest, an account-wide CTR far under any benchmark, and the
45-49 group paying three times the cost per purchase of 30-34 while taking the most spend.
The report a consultant reads leads with that segment, its numbers and a budget move, asks
about the implausible figures once, and does not flood."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli

import kaggle_like

CONFIG = """client: Kaggle-layout shop
business_model: dtc_ecommerce
currency: USD
economics: {customer_value: 120}
%s
data:
  - csv: kag.csv
    format: kaggle_fb_ads
"""


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kaggle_like")
    kaggle_like.write(folder / "kag.csv")
    return folder


def run(account, *args, segments=""):
    path = account / f"kag{abs(hash(segments))}.yaml"
    path.write_text(CONFIG % segments, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_report_leads_with_the_dear_age_group_and_a_budget_move(account):
    spend = kaggle_like.by_age(kaggle_like.rows())
    total = sum(s for s, _ in spend.values())
    dear, cheap = spend["45-49"], spend["30-34"]
    assert dear[0] == max(s for s, _ in spend.values()) and dear[0] / dear[1] > 2.5 * cheap[0] / cheap[1]

    report = json.loads(run(account, "--format", "json"))
    first = report["findings"][0]
    assert first["rule"] == "segment-cost-gap" and first["scope"] == {"channel": "facebook", "age": "45-49"}
    # Every number recomputes from the rows it names.
    assert first["evidence"]["spend"] == pytest.approx(dear[0], abs=0.01)
    assert first["evidence"]["purchases"] == dear[1]
    assert first["evidence"]["cost_per_acquisition"] == pytest.approx(dear[0] / dear[1], rel=1e-6)
    assert first["evidence"]["spend_share"] == pytest.approx(dear[0] / total, rel=1e-6)
    assert first["significance"]["interval"][1] < 1 / first["thresholds"]["cost_per_acquisition"]
    assert 0 < first["impact"]["money"] and "0.6" in first["impact"]["basis"]

    text = run(account)
    findings = text.split("\nFindings:", 1)[1]
    lead = findings.split("\n", 2)[1]
    assert lead.startswith("HIGH segment-cost-gap [facebook / 45-49]")
    assert "USD 108 per order" in findings and "33.1% of the" in findings
    assert re.search(r"Move 30\.0% of this segment's budget \(USD 1,199\)", findings)


def test_the_data_question_is_asked_once_and_nothing_floods(account):
    report = json.loads(run(account, "--format", "json"))
    rules = [f["rule"] for f in report["findings"]]
    assert rules.count("implausible-platform-figures") == 1
    question = next(f for f in report["findings"] if f["rule"] == "implausible-platform-figures")
    assert question["scope"] == {"channel": "facebook"} and "0.02% CTR" in question["message"]
    # The findings it holds are named by their rules' titles (a client reads this), not their ids.
    assert "judged on these figures (Many impressions, but the CTR is far under the platform's benchmark) wait" in question["message"]
    assert "creative-not-resonating" not in question["message"]
    # The 600 ads' CTR findings are not shown one by one: they wait inside the question or a roll-up.
    assert report["summary"]["findings_total"] <= 5
    assert not any(f["scope"].get("ad") for f in report["findings"])


def test_age_and_gender_together_name_women_45_49(account):
    report = json.loads(run(account, "--format", "json", segments="segments: [age, gender]"))
    gaps = [f for f in report["findings"] if f["rule"] == "segment-cost-gap"]
    assert gaps and gaps[0]["scope"] == {"channel": "facebook", "age": "45-49", "gender": "F"}
    rows = [r for r in kaggle_like.rows() if r["age"] == "45-49" and r["gender"] == "F"]
    assert gaps[0]["evidence"]["spend"] == pytest.approx(sum(r["Spent"] for r in rows), abs=0.01)


def test_the_short_report_in_german(account):
    text = run(account, "--lang", "de")
    assert "45-49" in text and "1 Befund, der auf diesen Zahlen beruht" in text

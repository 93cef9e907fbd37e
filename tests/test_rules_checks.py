"""A rule is checked when it is loaded: every mistake named, with the rule and the field."""

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli
from kpi_advisor.language.rulespec import check_rule
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.models.definitions import RuleDef

BASE = {
    "id": "test-rule",
    "title": "A test rule",
    "stage": "interest",
    "severity": "low",
    "when": "ctr < max_ctr",
    "params": {"max_ctr": 0.01},
    "message": "{scope}: {ctr}",
    "recommendation": "Do something.",
    "rationale": "Because.",
    "source": "Tests.",
}


def problems(**changes):
    return check_rule(RuleDef.model_validate({**BASE, **changes}), get_catalog().metrics)


def test_a_good_rule_has_no_problems():
    assert problems() == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"when": "ctr < max_ctrr"}, "unknown name 'max_ctrr' (did you mean 'max_ctr'?)"),
        ({"let": {"a": "b * 2", "b": "ctr"}, "when": "a > 1"}, "let.a 'b * 2': unknown name 'b'"),
        ({"let": {"ctr": "clicks"}}, "let value 'ctr' has the name of a metric"),
        ({"let": {"max_ctr": "clicks"}}, "let value 'max_ctr' has the name of a param"),
        ({"params": {"ctr": 0.01}, "when": "ctr < 1"}, "param 'ctr' has the name of a metric; rename it (e.g. min_ctr)"),
        ({"when": "change(peer_median(ctr)) > 0"}, "when: change() cannot contain peer_median()"),
        ({"let": {"m": "peer_median(ctr)"}, "when": "rise(m) > 0"}, "rise() cannot contain 'm', which uses peer functions"),
        ({"when": "peer_quantile(ctr) > 0"}, "peer_quantile() takes exactly 2 arguments, got 1"),
        ({"when": "ctr + 1"}, "when: must be a true/false condition"),
        # What a name holds is known here, where the parser saw only a name: refused before the data.
        ({"when": "clicks"}, "when: must be a true/false condition, got a number"),
        ({"when": 'clicks > "aaaa"'}, "'>' cannot compare a number with a string"),
        ({"when": "channel > 1"}, "'>' cannot compare a string with a number"),
        ({"let": {"a": "campaign * 2"}, "when": "a > 1"}, "let.a 'campaign * 2': '*' needs numbers, got a string"),
        ({"let": {"name": "campaign"}, "when": "name > 1"}, "'>' cannot compare a string with a number"),
        ({"thresholds": {"ctr": "nothing"}}, "thresholds.ctr: 'nothing' is not a param, benchmark or let value"),
        ({"thresholds": {"nothing": "max_ctr"}}, "thresholds: 'nothing' is not a metric or let value"),
        ({"evidence": ["nothing"]}, "evidence: 'nothing' is not a metric or let value"),
        ({"requires": ["nothing"]}, "requires: unknown metric 'nothing'"),
        ({"units": {"nothing": "ratio"}}, "units: 'nothing' is not a param or let value"),
        ({"message": "{scope} in {period}"}, "unknown placeholder '{period}' (trend placeholders need a trend function in the rule)"),
        ({"message": "{ctr_benchmark_source}"}, "unknown placeholder '{ctr_benchmark_source}'"),
        ({"message": "{clicks} {clicks|click}"}, "placeholder '{clicks|click}': a word that follows a count is written {count|singular|plural}"),
        ({"message": "{clicks} {clicks|click||}"}, "placeholder '{clicks|click||}': a word that follows a count is written"),
        ({"message": "{clickz|click|clicks}"}, "unknown placeholder '{clickz}'"),
        # str.format would read "e.g." as a lookup and fail every finding the rule writes.
        ({"message": "{clicks} {clicks|click|e.g. clicks}"}, "each word without '.' or '['"),
        ({"message": "{scope} {scope|one|many}"}, "'scope' is not a metric, param, let value or benchmark, the counts a word can follow"),
        ({"benchmarks": {"b": {"metric": "nothing"}}}, "benchmarks.b.metric: unknown metric 'nothing'"),
        ({"benchmarks": {"b": {"metric": "ctr", "fallback": "nothing"}}}, "benchmarks.b.fallback: unknown param 'nothing'"),
        ({"impact": {"metric": "clicks", "formula": "impressions * gap", "basis": "x"}}, "impact.formula 'impressions * gap': unknown name 'gap'"),
        ({"impact": {"metric": "sessions", "formula": "sessions", "per": "sessions - bounced", "basis": "x"}},
         "impact.per 'sessions - bounced': unknown name 'bounced'"),
        ({"impact": {"metric": "sessions", "formula": "sessions", "per": "sessions > bounces", "basis": "x"}},
         "impact.per: must be a number (a count such as sessions - bounces), got a true/false condition"),
        ({"examples": {"fire": [{"name": "x", "records": [{"ctr": 1}], "skipped": True}]}}, "a must-fire example cannot be skipped"),
        ({"examples": {"quiet": [{"name": "x", "records": [{"clicks": 1}], "params": {"nothing": 1}}]}}, "examples.quiet[0].params: unknown param 'nothing'"),
    ],
)
def test_mistakes_are_named(changes, expected):
    found = problems(**changes)
    assert any(expected in p for p in found), found
    assert all(p.startswith("rule 'test-rule': ") for p in found)


@pytest.mark.parametrize("changes", [
    {"when": "spend and ctr < max_ctr"},  # a number as a condition: cast, as the compiled formula does
    {"let": {"a": "clicks > 100", "b": "sessions > 100"}, "when": "a + b >= 1"},
    {"let": {"a": "clicks > 100"}, "impact": {"metric": "clicks", "formula": "clicks * a", "basis": "x"}},
    {"let": {"x": "if_else(spend, 1, 2)"}, "when": "x > 1"},
])
def test_numbers_and_conditions_still_stand_for_each_other_where_the_formula_casts(changes):
    assert problems(**changes) == []


def test_benchmark_and_let_names_are_usable_everywhere():
    assert problems(
        benchmarks={"ctr_benchmark": {"metric": "ctr"}},
        let={"floor": "ctr_benchmark * max_ctr"},
        when="ctr < floor",
        thresholds={"ctr": "floor"},
        evidence=["ctr", "floor"],
        message="{scope}: {ctr} under {floor} ({ctr_benchmark} from {ctr_benchmark_source})",
    ) == []


def test_trend_placeholders_need_a_trend():
    assert problems(let={"first": "first_period(ctr)"}, message="{period_from} to {period_to}, by {period}: {first}") == []


def test_validate_names_the_pack_file(tmp_path):
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "pack: mine\nrules:\n  - id: r\n    title: t\n    stage: interest\n    severity: low\n"
        "    when: rise(peer_median(ctr)) > 0\n    message: m\n    recommendation: r\n    rationale: r\n    source: s\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["validate", str(pack)])
    assert result.exit_code == 2
    assert f"{pack}: rule 'r': when: rise() cannot contain peer_median()" in result.output


def test_test_rules_runs_a_consultants_pack(tmp_path):
    pack = tmp_path / "agency.yaml"
    pack.write_text(
        """
pack: agency
rules:
  - id: few-saves
    title: Few saves
    stage: interest
    severity: low
    when: reach >= 1000 and saves / reach < max_save_rate
    params: {max_save_rate: 0.001}
    message: "{scope}: {saves} saves"
    recommendation: Make content worth keeping.
    rationale: Saves show lasting value.
    source: agency practice
    examples:
      fire:
        - name: no saves
          records: [{channel: instagram, reach: 5000, saves: 0}]
      quiet:
        - name: many saves
          records: [{channel: instagram, reach: 5000, saves: 50}]
        - name: wrongly expected quiet
          records: [{channel: instagram, reach: 5000, saves: 1}]
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["test-rules", str(pack)])
    assert result.exit_code == 1
    assert "ok   few-saves: fire: no saves" in result.output
    assert "FAIL few-saves: quiet: wrongly expected quiet (fired)" in result.output
    assert "2 passed, 1 failed" in result.output


def test_test_rules_runs_the_shipped_packs():
    result = CliRunner().invoke(cli, ["test-rules"])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


@pytest.mark.parametrize("field", ["formula", "per"])
def test_an_impact_on_a_scope_name_is_refused(field):
    impact = {"metric": "sessions", "formula": "sessions", "basis": "x", field: "channel"}
    assert any(f"impact.{field}: 'channel' names a scope (a dimension), not a number" in p for p in problems(impact=impact))


def test_a_per_on_money_is_refused():
    impact = {"metric": "spend", "formula": "spend", "basis": "x", "per": "sessions"}
    assert any("impact.per: spend is money already, so nothing is carried down" in p for p in problems(impact=impact))


def test_a_confidence_a_hair_under_one_is_evaluated_not_an_internal_error():
    # 0.9999999999999999 passes the params' check (under 1), and 1 - (1 - c) / 2 is then 1.0 in floats.
    import math

    from kpi_advisor import evaluate
    from kpi_advisor.evaluation.rules import _z

    assert math.isfinite(_z(0.9999999999999999)) and _z(0.9999999999999999) > _z(0.999999)
    records = [{"channel": "facebook", "impressions": 100000, "clicks": 3000, "sessions": 2900, "bounces": 2500}]
    for rule in ("landing-page-leak", "sudden-drop"):
        report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": records}],
                           "rules": {"params": {rule: {"confidence": 0.9999999999999999}}}})
        assert report.summary.rules_evaluated


def test_a_placeholder_with_spaces_is_no_name():
    """"{ clicks }" reads no value (str.format keeps the spaces); only a plural's parts are trimmed."""
    assert any("unknown placeholder '{ clicks }'" in p for p in problems(message="{ clicks }"))
    assert not problems(message="{clicks} { clicks | click | clicks }")

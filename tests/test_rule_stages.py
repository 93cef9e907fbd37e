"""How a level's rule columns are ordered into queries (engine/evaluation/rules.py, ``_Columns``).

Polars plans an expression in time that grows with its size times its depth, so the engine keeps
the parts a formula reads more than once (let values, Wilson ends, attainable-target steps) as
columns and runs them in as few queries as the formulas are deep."""

import datetime

import polars as pl
import pytest
from kpi_advisor import evaluate
from kpi_advisor.evaluation.rules import _Columns


def _names(stage):
    return sorted(e.meta.output_name() for e in stage)


def test_each_column_runs_in_the_first_query_after_what_it_reads():
    columns = _Columns()
    twice = columns.keep("__k0_twice", pl.col("a") * 2)
    columns.add((twice + 1).alias("plus"), pl.col("b").alias("copy"), (pl.col("plus") * twice).alias("last"))
    stages, barrier, drops = columns.stages(frozenset(), frozenset())
    assert [_names(s) for s in stages] == [["__k0_twice", "copy"], ["plus"], ["last"]]
    assert barrier is None
    assert drops == ([], [], ["__k0_twice"])  # dropped after its last reader ran
    frame = pl.DataFrame({"a": [1.0, 2.0], "b": [5.0, 6.0]})
    for stage, dropped in zip(stages, drops):
        frame = frame.with_columns(stage).drop(dropped)
    assert frame.columns == ["a", "b", "copy", "plus", "last"]
    assert frame["last"].to_list() == [6.0, 20.0]


def test_the_family_step_runs_once_its_inputs_exist_and_before_its_readers():
    columns = _Columns()
    columns.add(pl.col("a").alias("n"), (pl.col("n") + 1).alias("e1"), (pl.col("z") * pl.col("e1")).alias("low"),
                pl.col("a").alias("unrelated"))
    stages, barrier, _ = columns.stages(frozenset({"e1", "n"}), frozenset({"z"}))
    assert barrier == 2  # after e1 (query 1), before low
    assert [_names(s) for s in stages] == [["n", "unrelated"], ["e1"], ["low"]]


def test_a_long_chain_of_columns_is_ordered_without_recursion():
    columns = _Columns()
    columns.add(*((pl.col(f"c{i - 1}") + 1).alias(f"c{i}") for i in range(3000, 0, -1)))  # last first
    stages, _, _ = columns.stages(frozenset(), frozenset())
    assert len(stages) == 3000 and _names(stages[0]) == ["c1"] and _names(stages[-1]) == ["c3000"]


def test_columns_that_read_each_other_in_a_cycle_are_refused():
    columns = _Columns()
    columns.add((pl.col("y") + 1).alias("x"), (pl.col("x") + 1).alias("y"))
    with pytest.raises(ValueError, match="cycle"):
        columns.stages(frozenset(), frozenset())


@pytest.mark.parametrize("name", ["lost", "impact", "fire", "condition", "ci_low", "target_ctr_floor"])
def test_a_let_value_named_like_an_engine_column_keeps_its_own_value(tmp_path, name):
    """Let values are columns that the condition reads; one called `impact` or `fire` is not
    mistaken for the engine's own column of that name."""
    pack = tmp_path / "pack.yaml"
    pack.write_text(f"""
pack: agency
rules:
  - id: cheap-clicks-wasted
    title: Clicks that cost little and bring nobody
    stage: interest
    severity: low
    let: {{{name}: clicks - sessions}}
    when: {name} > 100
    impact: {{metric: spend, formula: "{name} / 2", basis: "half a dollar per lost click"}}
    message: "{{scope}}: {{{name}}} clicks lost"
    recommendation: Check the landing page.
    rationale: Clicks that never arrive are paid for nothing.
    source: agency practice
""", encoding="utf-8")
    records = [{"channel": "facebook", "clicks": 1000, "sessions": 300, "spend": 900},
               {"channel": "google_search", "clicks": 1000, "sessions": 950, "spend": 900}]
    base = {"client": "T", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": records}],
            "rules": {"packs": [str(pack)]}}
    found = [f for f in evaluate(base).findings if f.rule == "cheap-clicks-wasted"]
    assert [f.scope for f in found] == [{"channel": "facebook"}]
    assert found[0].message == "facebook: 700 clicks lost"
    assert (found[0].impact.value, found[0].impact.money) == (350.0, 350.0)


def test_a_trend_of_a_let_value_reads_the_periods_not_the_scope(tmp_path):
    """A let value is a column of the level, but a trend function works it out per period row:
    `fall(cvr)` with `cvr: purchases / clicks` reads each month's conversion rate."""
    pack = tmp_path / "pack.yaml"
    pack.write_text("""
pack: agency
rules:
  - id: conversion-rate-falling
    title: Conversion rate falling
    stage: purchase
    severity: medium
    let: {cvr: purchases / clicks, drop: fall(cvr)}
    when: drop >= 0.3 and clicks >= 1000
    message: "{scope}: the conversion rate fell by {drop}, to {cvr} over the whole time"
    recommendation: Check the checkout.
    rationale: A falling conversion rate on steady clicks is a leak downstream.
    source: agency practice
""", encoding="utf-8")
    days = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n) for n in range(31 + 28 + 31 + 30 + 31)]  # January to May
    records = [{"date": day.isoformat(), "channel": channel, "clicks": 100, "spend": 50,
                "purchases": 5 if day.month < 4 or channel == "google_search" else 1}
               for day in days for channel in ("facebook", "google_search")]
    base = {"client": "T", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": records}],
            "rules": {"packs": [str(pack)]}}
    found = [f for f in evaluate(base).findings if f.rule == "conversion-rate-falling"]
    assert [f.scope for f in found] == [{"channel": "facebook"}]
    # 5% in January, 1% in April and May; 511 orders of 15,100 clicks in all. The let a trend reads
    # is still the level's value in the message.
    assert found[0].message == "facebook: the conversion rate fell by 80.0%, to 3.4% over the whole time"


def _run_pack(tmp_path, rules: str, records: list[dict], **config):
    pack = tmp_path / "pack.yaml"
    pack.write_text("pack: agency\nrules:\n" + rules, encoding="utf-8")
    base = {"client": "T", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": records}],
            "rules": {"packs": [str(pack)]}, **config}
    return evaluate(base).findings


def test_a_constant_let_stays_a_single_number_where_a_function_needs_one(tmp_path):
    """`peer_quantile(cpa, q)` needs its quantile as one number: a let made of params stays one."""
    rules = """
  - id: cpa-above-peers
    title: CPA above the channel's peers
    stage: purchase
    severity: medium
    params: {share: 0.25}
    let: {cpa: spend / purchases, q: 1 - share, typical: "peer_quantile(cpa, q)"}
    when: cpa > typical
    message: "{scope}: {cpa} against {typical}"
    recommendation: Check the bids.
    rationale: r
    source: s
"""
    records = [{"channel": c, "spend": 100.0, "purchases": p} for c, p in (("a", 10), ("b", 8), ("c", 5), ("d", 2))]
    found = [f for f in _run_pack(tmp_path, rules, records) if f.rule == "cpa-above-peers"]
    # CPAs 10, 12.5, 20 and 50: the upper quartile is 27.5 (linear), which only d's 50 is above.
    assert [f.scope for f in found] == [{"channel": "d"}]


def test_two_values_against_one_threshold_value_the_first(tmp_path):
    """The impact formula names the threshold once: its attainable target is the first value's."""
    rules = """
  - id: arrivals-short
    title: Clicks that do not arrive
    stage: interest
    severity: low
    params: {floor: 0.8}
    let: {ratio: sessions / clicks, other: purchases / sessions * 10}
    when: ratio < floor or other < floor
    thresholds: {ratio: floor, other: floor}
    message: "{scope}: {ratio} {other} against {floor}"
    recommendation: Check the landing page.
    rationale: r
    source: s
    impact: {metric: sessions, formula: "clicks * (floor - ratio)", basis: visits short}
"""
    records = [{"channel": "facebook", "clicks": 1000, "sessions": 700, "purchases": 20, "spend": 500, "revenue": 900}]
    found = [f for f in _run_pack(tmp_path, rules, records, economics={"customer_value": 50}) if f.rule == "arrivals-short"]
    assert len(found) == 1
    assert found[0].impact.value == 100.0  # 1,000 clicks x (0.8 - 0.7), against ratio's own threshold
    assert "valued against the threshold ratio 80.0%" in found[0].impact.basis


def test_the_compiled_rule_cache_drops_the_least_recently_used_entry(monkeypatch):
    """A server evaluating one busy client among many keeps that client's compiled rules."""
    from kpi_advisor.evaluation import rules

    compiled = []
    original = rules._LevelRun._compile

    def counting(self, periods):
        compiled.append((self.table.level, self.params.get("spend-without-conversions", {}).get("min_spend")))
        return original(self, periods)

    monkeypatch.setattr(rules, "_COMPILED", {})
    monkeypatch.setattr(rules, "_COMPILED_MAX", 3)  # the total level's entry (its rules take no param here) and two of the channel's
    monkeypatch.setattr(rules._LevelRun, "_compile", counting)
    rows = [{"channel": "search", "impressions": 1000, "clicks": 50, "spend": 400.0}]

    def run(min_spend):
        config = {"client": "c", "business_model": "dtc_ecommerce", "rules": {"params": {"spend-without-conversions": {"min_spend": min_spend}}}}
        evaluate(config, data=rows)

    run(1.0)
    run(2.0)
    run(1.0)  # used again: now the most recent
    run(3.0)  # full: drops the channel level's 2.0, the least recently used
    del compiled[:]
    run(1.0)
    assert compiled == []  # still cached
    run(2.0)
    assert compiled == [("channel", 2.0)]  # dropped, compiled again


def _split_of(columns: _Columns, plans: int):
    """A ``_Split`` of synthetic columns for rules 0..plans-1, with what it needs of their plans."""
    from types import SimpleNamespace

    from kpi_advisor.evaluation.rules import _Split

    fake = [SimpleNamespace(index=i, column=lambda name, i=i: f"__r{i}_{name}") for i in range(plans)]
    return _Split(columns.staging(frozenset(), frozenset()), fake)


def _run_queries(frame, queries):
    stages, _, drops = queries
    for stage, dropped in zip(stages, drops):
        frame = frame.with_columns(stage).drop(dropped)
    return frame


def test_a_level_runs_conditions_first_then_the_tests_and_the_rest_of_only_the_rules_that_fired():
    """Rule 0 has a chance test and money; rule 1 only a condition and money. Its condition holds
    nowhere, so none of rule 1's other columns is ever planned; rule 0's test runs after its
    condition held, its money after it fired, and the part both steps read is kept until the end."""
    columns = _Columns()
    shared = columns.keep("__k0_half", pl.col("a") / 2)
    columns.add((shared > 1).alias("__r0_condition"), (shared + pl.col("b")).alias("__r0_ci_low"),
                (pl.col("__r0_condition") & (pl.col("__r0_ci_low") > 3)).alias("__r0_fire"),
                (shared * pl.col("__r0_ci_low")).alias("__r0_impact"))
    columns.add((pl.col("a") > 100).alias("__r1_fire"), (pl.col("a") * 10).alias("__r1_impact"))
    split = _split_of(columns, 2)
    assert split.conditions == ["__r0_condition", "__r1_fire"]
    assert sorted(n for s in split.first[0] for n in _names(s)) == ["__k0_half", "__r0_condition", "__r1_fire"]
    frame = _run_queries(pl.DataFrame({"a": [1.0, 4.0, 8.0], "b": [0.0, 0.5, 3.0]}), split.first)
    assert "__k0_half" in frame.columns  # held: the test and the money read it later
    fire, after = split.fire(frozenset({0}))
    assert sorted(n for s in fire[0] for n in _names(s)) == ["__r0_ci_low", "__r0_fire"]
    frame = _run_queries(frame, fire)
    assert frame["__r0_fire"].to_list() == [False, False, True]  # 2 + 0.5 is within chance, 4 + 3 is not
    rest = split.rest(after, frozenset({0}))
    assert sorted(n for s in rest[0] for n in _names(s)) == ["__r0_impact"]
    frame = _run_queries(frame, rest)
    assert "__k0_half" not in frame.columns and "__r1_impact" not in frame.columns
    assert frame["__r0_impact"].to_list() == [0.5 * 0.5, 2 * 2.5, 4 * 7.0]
    assert split.rest(after, frozenset({0})) is rest  # a warm run plans nothing anew


def test_every_example_reports_the_same_as_when_every_rule_column_runs_at_once(monkeypatch):
    """The three steps (``_Split``) change what is planned, never a finding: each bundled example,
    with trends, sibling tests and the family step among them, gives the same report as one pass
    over every column of every rule."""
    import pathlib

    from kpi_advisor.evaluation import rules

    examples = sorted((pathlib.Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))
    split = {path.name: evaluate(str(path)).model_dump_json() for path in examples}

    class AllAtOnce(rules._Split):
        def __init__(self, staging, plans):
            super().__init__(staging, plans)
            self.first = staging.queries(list(staging.defined))
            self._after_first = (frozenset(staging.defined), ())

    monkeypatch.setattr(rules, "_Split", AllAtOnce)
    monkeypatch.setattr(rules, "_COMPILED", {})
    for path in examples:
        assert evaluate(str(path)).model_dump_json() == split[path.name], path.name
    assert len(examples) >= 10

"""The rule-only functions (trends, peers, one_of) and benchmark matching, on small frames."""

import polars as pl
import pytest
from kpi_advisor.evaluation.benchmarks import normalise_platform, platform_expr, resolve
from kpi_advisor.language import expr
from kpi_advisor.language.functions import RULE_FUNCTIONS, PeerContext, TrendCollector, rule_functions, trend_aggregation
from kpi_advisor.models.definitions import Benchmark, BenchmarkRef


@pytest.mark.parametrize(
    "kind, values, expected",
    [
        ("periods", [1.0, None, 3.0], 2),
        ("first_period", [None, 2.0, 3.0], 2.0),
        ("last_period", [1.0, 4.0, None], 4.0),
        ("change", [20.0, 22.0, 30.0], 0.5),
        ("change", [0.0, 1.0, 2.0], None),  # no base to compare with
        ("rise", [20.0, 25.0, 30.0], 0.25),  # the lower of the last two against the first
        ("rise", [20.0, 20.0, 20.0, 40.0], 0.0),  # one noisy period at the end moves nothing
        ("rise", [20.0, 30.0], None),  # needs three periods
        ("fall", [40.0, 30.0, 28.0], 0.25),
        ("fall", [40.0, 41.0, 20.0], pytest.approx(-0.025)),
        ("rising_share", [1.0, 2.0, 1.0, 3.0], pytest.approx(2 / 3)),
        ("falling_share", [3.0, 2.0, 1.0], 1.0),
        ("rising_share", [1.0], None),
        ("slope", [1.0, 2.0, 4.0], pytest.approx(1.5 / (7 / 3))),
        ("slope", [5.0, 5.0, 5.0], 0.0),
    ],
)
def test_trend_aggregations(kind, values, expected):
    frame = pl.DataFrame({"x": values}, schema={"x": pl.Float64})
    assert frame.select(trend_aggregation(kind, pl.col("x"))).item() == expected


def test_trend_calls_become_columns_shared_between_rules():
    collector = TrendCollector("month")
    functions = rule_functions(trends=collector)
    names = {"cpl": pl.col("cpl"), "min_rise": 0.2}
    first = expr.compile_expr(expr.parse("rise(cpl) >= min_rise", functions=functions), names, functions=functions)
    second = expr.compile_expr(expr.parse("rise(cpl) > 0.5", functions=functions), names, functions=functions)
    assert len(collector.aggregations) == 1
    # (a comparison with a number reads its sides more than once: see test_expr's twelve digits)
    assert set(first.meta.root_names()) == set(second.meta.root_names()) == {"__trend_month_0"}


def peers(source, frame, context):
    functions = rule_functions(peers=context)
    compiled = expr.compile_expr(expr.parse(source, functions=functions), {c: pl.col(c) for c in frame.columns}, functions=functions)
    return frame.select(compiled.alias("out"))["out"].to_list()


CAMPAIGNS = pl.DataFrame(
    {
        "channel": ["fb", "fb", "fb", "fb", "fb", "g", "g"],
        "campaign": ["a", "b", "c", "d", None, "x", "y"],
        "cpc": [1.0, 2.0, 3.0, 4.0, 100.0, 10.0, 20.0],
    }
)
BY_CHANNEL = PeerContext(group=("channel",), member="campaign")


def test_peer_statistics_are_over_siblings_only():
    # The untagged row (campaign None) is not a sibling and gets no statistic.
    assert peers("peer_count(cpc)", CAMPAIGNS, BY_CHANNEL) == [4, 4, 4, 4, None, 2, 2]
    assert peers("peer_median(cpc)", CAMPAIGNS, BY_CHANNEL) == [2.5, 2.5, 2.5, 2.5, None, 15.0, 15.0]
    assert peers("peer_quantile(cpc, 0.75)", CAMPAIGNS, BY_CHANNEL)[:2] == [3.25, 3.25]


def test_peer_share_counts_the_untagged_rest_in_the_whole():
    shares = peers("peer_share(cpc)", CAMPAIGNS, BY_CHANNEL)
    assert shares[4] == pytest.approx(100 / 110)
    assert shares[5] == pytest.approx(10 / 30)


def test_total_level_has_no_siblings():
    frame = pl.DataFrame({"cpc": [3.0]})
    context = PeerContext(group=(), member=None)
    assert peers("peer_share(cpc)", frame, context) == [1.0]
    assert peers("peer_count(cpc)", frame, context) == [1.0]
    assert peers("peer_median(cpc)", frame, context) == [None]


def test_one_of_ignores_case_and_spaces():
    frame = pl.DataFrame({"channel": [" Unassigned", "facebook", None]})
    assert peers("one_of(channel, 'unassigned', '(not set)')", frame, BY_CHANNEL) == [True, False, None]


def test_rule_functions_are_not_formula_functions():
    with pytest.raises(expr.ExprError, match="unknown function 'peer_median'"):
        expr.parse("peer_median(cpc)")
    assert "peer_median" in RULE_FUNCTIONS


def test_rule_functions_without_context_refuse_to_compile():
    parsed = expr.parse("rise(cpl) > 0", functions=RULE_FUNCTIONS)
    with pytest.raises(expr.ExprError, match="needs dated data"):
        expr.compile_expr(parsed, {"cpl": pl.col("cpl")}, functions=RULE_FUNCTIONS)


# --- benchmarks ---------------------------------------------------------------------------------

SHIPPED = [
    Benchmark(metric="cpc", value=1.72, platform="facebook", source="A", year=2017, currency="USD"),
    Benchmark(metric="cpc", value=1.50, platform="facebook", source="B", year=2024, currency="USD"),
    Benchmark(metric="cpc", value=0.70, platform="facebook", source="C", year=2025, objective="traffic", currency="USD"),
    Benchmark(metric="ctr", value=0.5, platform="any", source="D", year=2020, low=0.4, high=0.6, industry="shops"),
]


def test_the_newest_figure_for_the_same_objective_wins():
    resolved = resolve(BenchmarkRef(metric="cpc"), SHIPPED, {}, "USD")
    figure = resolved.figure("Facebook")
    assert (figure.value, figure.label) == (1.50, "B 2024")
    assert resolve(BenchmarkRef(metric="cpc", objective="traffic"), SHIPPED, {}, "USD").figure("fb").value == 0.70


def test_money_figures_in_another_currency_are_not_used():
    assert resolve(BenchmarkRef(metric="cpc"), SHIPPED, {}, "EUR").figure("facebook") is None
    assert resolve(BenchmarkRef(metric="cpc"), SHIPPED, {"cpc": {"meta": 1.1}}, "EUR").figure("facebook").value == 1.1


def test_industry_and_range_end():
    ref = BenchmarkRef(metric="ctr", industry="shops", pick="high")
    assert resolve(ref, SHIPPED, {}, "USD").figure("anything").value == 0.6
    assert resolve(BenchmarkRef(metric="ctr"), SHIPPED, {}, "USD").figure("anything") is None


def test_vectorized_lookup_matches_the_python_one():
    channels = ["Facebook Ads", "meta", "google", "Google-Ads", "LinkedIn", "twitter", "newsletter", None]
    frame = pl.DataFrame({"channel": channels})
    assert frame.select(platform_expr(pl.col("channel")))["channel"].to_list() == [normalise_platform(c) for c in channels]
    resolved = resolve(BenchmarkRef(metric="cpc"), SHIPPED, {"cpc": {"google_search": 4.0}}, "USD")
    values = frame.select(resolved.expr(pl.col("channel"), fallback=9.0).alias("v"))["v"].to_list()
    assert values == [1.5, 1.5, 4.0, 4.0, 9.0, 9.0, 9.0, 9.0]


@pytest.mark.parametrize(("count", "label", "written"), [
    ("1", "customers", "1 customer"), ("3", "customers", "3 customers"), ("0.50", "customers", "0.50 customers"),
    ("1", "content downloads", "1 content download"), ("1", "sales", "1 sale"), ("1", "glass", "1 glass"),
])
def test_a_counted_metric_reads_as_its_count(count, label, written):
    from kpi_advisor.evaluation.rules import _one_of

    assert f"{count} {_one_of(count, label)}" == written

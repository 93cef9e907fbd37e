"""Property tests: random valid configs and data never crash the engine (a
ConfigError is the only failure allowed), and the report keeps its invariants:

* per-channel totals of every additive count sum to the overall total;
* every derived metric scales as its formula says when all counts are
  multiplied by one factor (ratios do not move at all);
* disabling a rule removes exactly that rule's findings;
* the order of the rows does not change the report, byte for byte.

Counts are whole numbers, so that sums are exact in any order (float addition
is not associative; the engine makes no promise about the last bit of a sum of
fractions). Examples are few and there is no deadline, to keep the suite fast;
KPI_ADVISOR_PROPERTY_EXAMPLES asks for more.
"""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache

import kpi_advisor
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from kpi_advisor.language import expr
from kpi_advisor.loading.catalog import get_catalog

# A longer hunt: KPI_ADVISOR_PROPERTY_EXAMPLES=1000 pytest tests/test_properties.py
EXAMPLES = int(os.environ.get("KPI_ADVISOR_PROPERTY_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CHANNELS = ["facebook", "instagram", "google", "linkedin", "tiktok"]
CAMPAIGNS = ["spring", "summer", "brand"]
DATES = ["2026-07-01", "2026-07-15", "2026-08-01", "2026-08-20", "2026-09-05"]


@lru_cache(maxsize=1)
def catalog():
    return get_catalog()


def whole(high: int = 10**7):
    return st.integers(min_value=0, max_value=high)


@st.composite
def funnel_row(draw, columns: frozenset[str]):
    """One row whose parts never exceed their wholes, so that the data is valid."""
    row: dict[str, int] = {}
    impressions = draw(whole())
    row["impressions"] = impressions
    row["reach"] = draw(st.integers(0, impressions))
    row["clicks"] = draw(st.integers(0, impressions))
    row["landing_page_views"] = draw(st.integers(0, row["clicks"]))
    row["likes"] = draw(whole(10**5))
    row["shares"] = draw(whole(10**4))
    row["comments"] = draw(whole(10**4))
    row["engagements"] = row["likes"] + row["shares"] + row["comments"]
    row["followers"] = draw(whole(10**6))
    row["new_followers"] = draw(st.integers(0, row["followers"]))
    sessions = draw(whole(10**6))
    row["sessions"] = sessions
    row["bounces"] = draw(st.integers(0, sessions))
    row["engaged_sessions"] = draw(st.integers(0, sessions - row["bounces"]))
    row["pageviews"] = sessions + draw(whole(10**6))
    row["add_to_cart"] = draw(whole(10**5))
    row["checkouts"] = draw(st.integers(0, row["add_to_cart"]))
    row["purchases"] = draw(st.integers(0, row["checkouts"]))
    row["revenue"] = row["purchases"] * draw(st.integers(1, 300))
    row["spend"] = draw(whole(10**6))
    row["leads"] = draw(whole(10**4))
    row["qualified_leads"] = draw(st.integers(0, row["leads"]))
    row["customers"] = draw(st.integers(0, row["leads"]))
    row["support_requests"] = draw(whole(10**3))
    row["support_replied_within_1h"] = draw(st.integers(0, row["support_requests"]))
    row["mentions"] = draw(whole(10**4))
    row["competitor_mentions"] = draw(whole(10**4))
    return {k: v for k, v in row.items() if k in columns}


# Every count funnel_row() can give.
ALL_COUNTS = [
    "impressions", "reach", "clicks", "landing_page_views", "likes", "shares", "comments", "engagements", "followers",
    "new_followers", "sessions", "bounces", "engaged_sessions", "pageviews", "add_to_cart", "checkouts", "purchases",
    "revenue", "spend", "leads", "qualified_leads", "customers", "support_requests", "support_replied_within_1h",
    "mentions", "competitor_mentions",
]


@st.composite
def records(draw, min_rows: int = 1, max_rows: int = 8):
    """Rows for distinct scopes (a scope repeated would be summed, which is fine but not what we test)."""
    columns = frozenset(draw(st.sets(st.sampled_from(ALL_COUNTS), min_size=1, max_size=12)))
    dims = draw(st.sampled_from([("channel",), ("channel", "campaign"), ("channel", "date"), ()]))
    values = {"channel": CHANNELS, "campaign": CAMPAIGNS, "date": DATES}
    keys = st.tuples(*[st.sampled_from(values[d]) for d in dims])
    scopes = draw(st.lists(keys, min_size=min_rows, max_size=max_rows if dims else 1, unique=True))
    rows = []
    for scope in scopes:
        row = dict(zip(dims, scope))
        row.update(draw(funnel_row(columns)))
        rows.append(row)
    return rows


@st.composite
def configs(draw):
    cat = catalog()
    rules = sorted(cat.rules)
    config: dict = {
        "client": draw(st.text(min_size=1, max_size=20).filter(str.strip)),
        "business_model": draw(st.sampled_from(sorted(cat.profiles))),
        "currency": draw(st.sampled_from(["EUR", "USD"])),
        "data": [{"records": draw(records())}],
        "rules": {"disable": draw(st.lists(st.sampled_from(rules), max_size=4, unique=True))},
    }
    params = {}
    for rule_id in draw(st.lists(st.sampled_from(rules), max_size=3, unique=True)):
        rule = cat.rules[rule_id]
        if rule.params:
            name = draw(st.sampled_from(sorted(rule.params)))
            params[rule_id] = {name: draw(st.floats(min_value=0, max_value=1e6, allow_nan=False))}
    config["rules"]["params"] = params
    if draw(st.booleans()):
        goal_metric = draw(st.sampled_from(sorted(cat.metrics)))
        config["goals"] = [{
            "id": "g1",
            "objective": draw(st.sampled_from(sorted(cat.goals))),
            "metric": goal_metric,
            "channel": draw(st.sampled_from(CHANNELS + ["all"])),
            "baseline": draw(st.floats(min_value=0, max_value=1e6, allow_nan=False)),
            "change": draw(st.sampled_from(["+10%", "+50%", "-5%", "+200"])),
            "by": "2026-12-31",
        }]
    if draw(st.booleans()):
        config["economics"] = {
            "customer_value": draw(st.floats(min_value=0, max_value=1e5, allow_nan=False)),
            "micro_conversions": [{"action": "content_downloads", "to_customer_rate": draw(st.floats(0, 1))}],
        }
    if draw(st.booleans()):
        config["period"] = {"start": "2026-07-01", "end": "2026-09-30"}
    return config


def report_json(config) -> str:
    return kpi_advisor.evaluate(config).model_dump_json()


def by_scope(report) -> dict[tuple, dict]:
    return {tuple(sorted(m.scope.items())): m.values for m in report.metrics}


# ------------------------------------------------------------------------------ never crashes


@SETTINGS
@given(configs())
def test_random_valid_configs_never_crash(config):
    try:
        report = kpi_advisor.evaluate(config)
    except kpi_advisor.ConfigError as error:
        assert str(error).strip()
        return
    text = report.model_dump_json()

    def no_constant(name: str):  # NaN, Infinity as numbers; a client may well be called "Infinity"
        raise AssertionError(f"{name} in the report")

    json.loads(text, parse_constant=no_constant)
    assert report.summary.findings_total == len(report.findings) == sum(report.summary.by_rule.values())


_ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(), st.text(max_size=12),
    st.sampled_from(["1,234", "5%", "--", "1e400", "nan", "-0", "12,5", "2026-07-01", "€3"]),
)


@SETTINGS
@given(st.lists(st.dictionaries(st.sampled_from(["channel", "date", "campaign"] + ALL_COUNTS[:10] + ["junk", "ctr"]), _ANY_VALUE, max_size=6), min_size=1, max_size=6))
def test_random_records_only_ever_raise_config_error(rows):
    config = {"client": "fuzz", "business_model": "dtc_ecommerce", "data": [{"records": rows}]}
    try:
        report = kpi_advisor.evaluate(config)
    except kpi_advisor.ConfigError as error:
        assert str(error).strip() and "Traceback" not in str(error)
        return
    assert "NaN" not in report.model_dump_json()


# ------------------------------------------------------------------------------ invariants


@SETTINGS
@given(records(min_rows=1))
def test_channel_totals_sum_to_the_total(rows):
    report = kpi_advisor.evaluate({"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": rows}]})
    table = by_scope(report)
    total = table[()]
    channels = [values for scope, values in table.items() if [k for k, _ in scope] == ["channel"]]
    cat = catalog()
    for metric_id, value in total.items():
        metric = cat.metrics[metric_id]
        if metric.derived or metric.aggregate != "sum":
            continue
        if not channels:
            continue
        parts = [c.get(metric_id) for c in channels if c.get(metric_id) is not None]
        assert sum(parts) == value, metric_id


def degree(metric_id: str) -> int | None:
    """How a metric scales when every count is multiplied by k: value * k**degree (None: not homogeneous)."""
    metric = catalog().metrics[metric_id]
    if not metric.derived:
        return 1
    if metric.formula is None:
        return None

    def walk(node) -> int | None:
        if isinstance(node, expr.Number):
            return 0
        if isinstance(node, expr.Name):
            return degree(node.name) if node.name in catalog().metrics else None
        if isinstance(node, expr.Unary):
            return walk(node.operand)
        if isinstance(node, expr.Binary):
            left, right = walk(node.left), walk(node.right)
            if left is None or right is None:
                return None
            if node.op == "*":
                return left + right
            if node.op == "/":
                return left - right
            # a + b: homogeneous only if both sides are, with the same degree (a constant 1 is degree 0)
            if isinstance(node.left, expr.Number) and right == 0 or isinstance(node.right, expr.Number) and left == 0:
                return 0
            return left if left == right else None
        if isinstance(node, expr.Call) and node.name == "coalesce":
            degrees = {walk(a) for a in node.args}
            return degrees.pop() if len(degrees) == 1 else None
        return None

    return walk(expr.parse(metric.formula).root)


@SETTINGS
@given(records(min_rows=1), st.sampled_from([2, 3, 10, 1000]))
def test_derived_metrics_scale_as_their_formula_says(rows, factor):
    def run(data):
        return by_scope(kpi_advisor.evaluate({"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": data}]}))

    scaled_rows = [{k: (v * factor if isinstance(v, int) else v) for k, v in row.items()} for row in rows]
    base, scaled = run(rows), run(scaled_rows)
    assert base.keys() == scaled.keys()
    checked = 0
    for scope, values in base.items():
        for metric_id, value in values.items():
            d = degree(metric_id)
            if d is None:
                continue
            other = scaled[scope][metric_id]
            if value is None:
                assert other is None, (scope, metric_id)
                continue
            checked += 1
            # values are rounded to 6 decimals in the report
            assert math.isclose(other, value * factor**d, rel_tol=1e-6, abs_tol=2e-6 * max(1, factor**d)), (scope, metric_id, value, other)
    assert checked


@SETTINGS
@given(configs(), st.data())
def test_disabling_a_rule_removes_exactly_its_findings(config, data):
    try:
        report = kpi_advisor.evaluate(config)
    except kpi_advisor.ConfigError:
        assume(False)
    fired = sorted({f.rule for f in report.findings})
    assume(fired)
    rule = data.draw(st.sampled_from(fired))
    config["rules"]["disable"] = config["rules"]["disable"] + [rule]
    without = kpi_advisor.evaluate(config)
    # A data question (implausible platform figures) holds the findings judged on the figure it
    # doubts; without it they are performance findings again, rolled up like any other.
    held = {m["rule"] for f in report.findings if f.rule == rule for m in f.members or [] if m.get("rule", rule) != rule}
    if held:
        assert held <= set(without.summary.by_rule)
        return

    holders = {(f.rule, tuple(sorted(f.scope.items()))) for f in report.findings if any(m.get("rule") == rule for m in f.members or [])}

    def alone(finding):  # a finding's list of overlapping findings names the others, so it may lose the disabled one
        dumped = finding.model_dump()
        if dumped["impact"]:
            dumped["impact"]["overlaps"] = [o for o in dumped["impact"]["overlaps"] if o.split(" ")[0] != rule]
        if (finding.rule, tuple(sorted(finding.scope.items()))) in holders:
            # A data question that held the disabled rule's findings holds the others; its words
            # count what it holds.
            dumped.update(members=[m for m in dumped["members"] or [] if m.get("rule") != rule] or None, message=None, recommendation=None)
        return dumped

    expected = [alone(f) for f in report.findings if f.rule != rule]
    assert [alone(f) for f in without.findings] == expected
    assert rule not in without.summary.by_rule
    assert without.summary.findings_total == report.summary.findings_total - report.summary.by_rule[rule]
    assert without.metrics == report.metrics and without.kpis == report.kpis and without.goals == report.goals


@SETTINGS
@given(configs(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_report(config, random):
    shuffled = json.loads(json.dumps(config))
    random.shuffle(shuffled["data"][0]["records"])
    for row in shuffled["data"][0]["records"]:  # and the order of the columns in each row
        items = list(row.items())
        random.shuffle(items)
        row.clear()
        row.update(items)
    try:
        before = report_json(config)
    except kpi_advisor.ConfigError:
        with pytest.raises(kpi_advisor.ConfigError):  # refused either way
            kpi_advisor.evaluate(shuffled)
        return
    assert report_json(shuffled) == before


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab.!? \t\n\xa0\u2009\x1c")), max_size=30))
def test_a_client_text_tidies_its_sentence_breaks_only_where_the_substitution_would_change_them(text):
    """client_text looks for an untidy break before it substitutes (the search is a third of the
    cost): the text it gives is the substitution's, whatever the whitespace."""
    from kpi_advisor.plugins.reports import view

    text = text.strip()
    tidied = view._SENTENCE_BREAK.sub(" ", text)
    assert (tidied != text) <= bool(view._UNTIDY_BREAK.search(text))

"""Time rules tested for chance: two-sample rate ratios, part periods, weekday-aware sudden
changes, and the false-positive rate on accounts with no trend (bench/trend_chance.py, small)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from kpi_advisor import Advisor, evaluate
from kpi_advisor.evaluation.rules import _ratio_interval, _z

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import trend_chance  # noqa: E402

CONFIG = {"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "economics": {"customer_value": 60}}


def _interval(k1, e1, k2, e2, confidence=0.95):
    frame = pl.DataFrame({"k1": [float(k1)], "e1": [float(e1)], "k2": [float(k2)], "e2": [float(e2)]})
    low, high = _ratio_interval(pl.col("k1"), pl.col("e1"), pl.col("k2"), pl.col("e2"), _z(confidence))
    return frame.select(low.alias("low"), high.alias("high")).row(0)


def test_rate_ratio_interval_counts_both_sides():
    # 60 leads on 3000, then 88 on 6000: the ratio is 0.73, but 60 leads are no exact baseline.
    low, high = _interval(60, 3000, 88, 6000)
    assert low < 0.733 < high and high > 1
    # Ten times the counts: the same ratio is surely under 1.
    low, high = _interval(600, 3000, 880, 6000)
    assert high < 1
    # No early event: no upper end.
    assert _interval(0, 100, 5, 100)[1] is None


def _daily(days: int, start: dt.date, purchases, sessions=200.0, spend=100.0) -> list[dict]:
    return [{"date": start + dt.timedelta(days=i), "channel": "facebook", "sessions": sessions,
             "spend": spend, "purchases": purchases(i, start + dt.timedelta(days=i))} for i in range(days)]


def test_part_periods_at_either_end_are_left_out():
    # Months of daily rows from the 29th of one month to the 2nd of the last: the three-day
    # months at the ends (one with a very dear cost per order) are no periods to compare.
    start = dt.date(2026, 5, 29)
    rows = _daily(127, start, lambda i, d: 0.0 if i < 3 else 10.0)
    report = evaluate(CONFIG, data=rows)
    assert "rising-cost-per-acquisition" not in {f.rule for f in report.findings}
    rows = _daily(127, start, lambda i, d: 10.0 if d.month in (6, 7) else 4.0 if i >= 3 else 10.0)
    found = [f for f in evaluate(CONFIG, data=rows).findings if f.rule == "rising-cost-per-acquisition"]
    assert found and found[0].significance.test == "rate-ratio"
    assert found[0].significance.early == {"successes": 300.0, "trials": 3000.0}  # June alone, whole
    assert found[0].significance.late["successes"] == 4.0 * 61  # August and September, whole


def test_sudden_drop_is_weekday_aware_on_daily_data():
    # Weekends sell five times weekdays; the data ends on a Wednesday. Calendar weeks would cut
    # the last part-week (or compare three weekdays with whole weeks); seven-day blocks counted
    # back from the last date hold every weekday once, so a steady pattern is quiet ...
    start = dt.date(2026, 6, 4)
    weekly = lambda i, d: 25.0 if d.weekday() >= 5 else 5.0  # noqa: E731
    rows = _daily(70, start, weekly)
    assert rows[-1]["date"].weekday() == 2
    assert "sudden-drop" not in {f.rule for f in evaluate(CONFIG, data=rows).findings}
    # ... and a drop in the latest seven days (the weekend's orders gone) is seen, with its counts.
    rows = _daily(70, start, lambda i, d: 2.0 if i >= 63 else weekly(i, d))
    found = [f for f in evaluate(CONFIG, data=rows).findings if f.rule == "sudden-drop"]
    assert found, "the latest seven days' drop is missed"
    significance = found[0].significance
    assert significance.late["successes"] == 14.0 and significance.early["successes"] == 9 * 75.0
    assert "the 7 days from" in found[0].message


def test_sibling_test_names_the_best_and_stays_quiet_within_chance():
    rows = [{"channel": "facebook", "campaign": c, "spend": s, "purchases": p}
            for c, s, p in [("a", 3000, 100), ("b", 2000, 80), ("c", 3000, 30)]]
    found = [f for f in evaluate(CONFIG, data=rows).findings if f.rule == "budget-move"]
    assert [f.scope for f in found] == [{"channel": "facebook", "campaign": "c"}]
    assert "to b " in found[0].recommendation and found[0].significance.early == {"successes": 180.0, "trials": 5000.0}
    assert found[0].impact.money <= 3000  # never more than the scope spends
    rows[2] = {"channel": "facebook", "campaign": "c", "spend": 600, "purchases": 7}
    assert "budget-move" not in {f.rule for f in evaluate(CONFIG, data=rows).findings}


def test_no_trend_accounts_rarely_fire_and_real_changes_are_seen():
    # A small, fixed-seed run of bench/trend_chance.py: at 95% confidence each tested rule fires
    # on under 5% of the scopes of accounts with no trend; planted changes are found.
    accounts = 8
    by_account, by_scope = trend_chance.measure(accounts, seed=3, scenario="none")
    for rule in trend_chance.TIME_RULES:
        assert by_scope[rule] <= 0.05 * accounts * trend_chance.ELIGIBLE[rule] + 1, (rule, by_scope[rule])
    by_account, _ = trend_chance.measure(4, seed=4, scenario="cpa_doubles")
    assert by_account["rising-cost-per-acquisition"] >= 3
    by_account, _ = trend_chance.measure(4, seed=5, scenario="sudden_drop")
    assert by_account["sudden-drop"] >= 3


def test_falling_roas_sees_a_halving_order_value_and_not_noise():
    """falling-roas has no count test (revenue per order is no count: docs/rules.md); its guard
    is 100 orders in the first period. On 200 days (monthly periods), with revenue per order
    halving while orders and spend hold, it fires on most paid campaigns that clear the guard,
    and the cost rules stay quiet; on the same accounts with no change it fires on none."""
    accounts = 6
    by_account, by_scope = trend_chance.measure(accounts, seed=3, scenario="order_value_halves", days=200)
    assert by_account["falling-roas"] == accounts
    assert by_scope["falling-roas"] >= accounts * trend_chance.PAID_CAMPAIGNS // 2
    assert by_scope["rising-cost-per-acquisition"] == 0  # each order costs the same: it is the value that fell
    _, by_scope = trend_chance.measure(accounts, seed=3, scenario="none", days=200)
    assert by_scope["falling-roas"] == 0


def test_trend_tests_hold_their_confidence_for_the_account_as_a_whole():
    # One campaign whose orders fall from 2 to 1.4 a day on the same spend (60 orders in June, 85
    # in August and September where 122 were expected): at 95% alone it is a trend. Tested with 29 steady campaigns of the same account, each test runs
    # at 1 - 5% / 30, and the same rise is within what 30 campaigns show by chance; in an account
    # of its own it is a trend again. Months of daily rows, June to September.
    start = dt.date(2026, 6, 1)

    def campaign(name, account, rising):
        rows = _daily(122, start, lambda i, d: (1.4 if d.month >= 8 else 2.0) if rising else 2.0)
        return [{**row, "campaign": name, "account": account} for row in rows]

    alone = campaign("c00", "shop-a", True)
    found = [f for f in evaluate(CONFIG, data=alone).findings if f.rule == "rising-cost-per-acquisition"]
    assert found and found[0].significance.tested == 1 and found[0].significance.confidence == 0.95

    crowded = alone + [row for i in range(1, 30) for row in campaign(f"c{i:02}", "shop-a", False)]
    report = evaluate(CONFIG, data=crowded)
    assert "rising-cost-per-acquisition" not in {f.rule for f in report.findings}

    apart = alone + [row for i in range(1, 30) for row in campaign(f"c{i:02}", "shop-b", False)]
    found = [f for f in evaluate(CONFIG, data=apart).findings if f.rule == "rising-cost-per-acquisition"]
    assert [f.scope["account"] for f in found] == ["shop-a"] and found[0].significance.tested == 1

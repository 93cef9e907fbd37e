"""Numbers a consultant can sign: paired totals, accounts never merged, one missing cell said out
loud, and money at stake bounded and counted once (docs/rules.md, "Money at stake")."""

from __future__ import annotations

import kpi_advisor
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import SETTINGS, configs


def run(records, **extra):
    config = {"client": "X", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": records}], **extra}
    return kpi_advisor.evaluate(config)


def values(report) -> dict[str, dict]:
    return {", ".join(f"{k}={v}" for k, v in m.scope.items()) or "all": m.values for m in report.metrics}


SHOP = [
    {"channel": "facebook", "impressions": 100000, "clicks": 1000, "spend": 1000, "sessions": 900, "purchases": 20, "revenue": 1500},
    {"channel": "email", "clicks": 2000, "sessions": 1800, "purchases": 30, "revenue": 3000},
    {"channel": "instagram", "impressions": 50000, "engagements": 1500, "reach": 20000},
]


def test_ratios_take_their_numerator_only_from_rows_that_carry_the_denominator():
    total = values(run(SHOP))["all"]
    assert total["roas"] == 1.5  # paid only: email's revenue has no spend behind it
    assert total["cost_per_acquisition"] == 50  # 1,000 spent on facebook's 20 orders
    assert total["ctr"] == pytest.approx(0.01)  # email clicks have no impressions
    assert total["mer"] == 4.5  # the blended figure, under its own name: all revenue / ad spend


def test_rows_with_zero_spend_are_not_paid():
    rows = SHOP + [{"channel": "organic", "spend": 0, "revenue": 5000, "purchases": 40}]
    assert values(run(rows))["all"]["roas"] == 1.5


def test_one_empty_cell_keeps_the_verdict_and_says_so():
    rows = [{"date": f"2026-07-0{day}", "channel": "facebook", "impressions": 20000, "clicks": 600, "sessions": 550, "bounces": 450}
            for day in range(1, 6)]
    rows.append({"date": "2026-07-06", "channel": "facebook", "impressions": 20000, "clicks": 600, "sessions": 1600})
    report = run(rows)
    facebook = values(report)["channel=facebook"]
    assert facebook["bounce_rate"] == pytest.approx(450 / 550)  # not 2250 / 4350
    assert [f.rule for f in report.findings if f.rule == "landing-page-leak"]
    assert any("channel=facebook: bounce_rate uses the 5 of 6 rows" in w and "bounces empty in 1" in w for w in report.warnings)


def test_sources_at_different_grains_still_pair_on_the_cells_they_share():
    """Ad clicks per ad and analytics sessions per campaign meet on the campaign and day."""
    rows = [
        {"date": "2026-07-01", "channel": "facebook", "campaign": "c1", "ad": "a", "clicks": 300},
        {"date": "2026-07-01", "channel": "facebook", "campaign": "c1", "ad": "b", "clicks": 100},
        {"date": "2026-07-01", "channel": "facebook", "campaign": "c1", "sessions": 380},
    ]
    assert values(run(rows))["channel=facebook"]["click_to_session_rate"] == pytest.approx(0.95)


def test_accounts_are_never_merged():
    rows = [
        {"account": "shop-a", "channel": "facebook", "campaign": "c01", "impressions": 100000, "clicks": 3000, "sessions": 2800, "bounces": 2492},
        {"account": "shop-b", "channel": "facebook", "campaign": "c01", "impressions": 100000, "clicks": 3000, "sessions": 2800, "bounces": 504},
    ]
    report = run(rows)
    table = values(report)
    assert table["account=shop-a, channel=facebook"]["bounce_rate"] == pytest.approx(0.89)
    assert table["account=shop-b, channel=facebook"]["bounce_rate"] == pytest.approx(0.18)
    leaks = [f.scope for f in report.findings if f.rule == "landing-page-leak"]
    assert leaks == [{"account": "shop-a", "channel": "facebook", "campaign": "c01"}]


def test_overlapping_findings_count_their_money_once():
    rows = [{"channel": "facebook", "impressions": 441000, "clicks": 12850, "sessions": 11910, "bounces": 9720, "add_to_cart": 497,
             "purchases": 119, "spend": 9000, "revenue": 11370}]
    report = run(rows, economics={"customer_value": 100})
    valued = [f for f in report.findings if f.impact and f.impact.money]
    assert len(valued) >= 2
    assert report.summary.money_at_stake == max(f.impact.money for f in valued)
    assert all(f.impact.overlaps for f in valued)


def test_json_keeps_small_rates_to_nine_significant_digits():
    report = run([{"channel": "facebook", "impressions": 56789012, "clicks": 10000}])
    assert values(report)["channel=facebook"]["ctr"] == pytest.approx(10000 / 56789012, rel=1e-9)


# --- properties --------------------------------------------------------------------------


counts = st.integers(min_value=1, max_value=10**6)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(counts, counts, counts, counts), min_size=1, max_size=6),
       st.lists(st.tuples(st.sampled_from(["email", "organic", "referral"]), counts, counts), min_size=1, max_size=6))
def test_rows_without_a_denominator_never_change_a_ratio(paid, unpaid):
    paid_rows = [{"channel": "facebook", "campaign": f"c{i}", "impressions": i_ + k, "clicks": k, "spend": s, "revenue": r}
                 for i, (i_, k, s, r) in enumerate(paid)]
    other_rows = [{"channel": channel, "campaign": f"o{i}", "clicks": k, "revenue": r} for i, (channel, k, r) in enumerate(unpaid)]
    alone = values(run(paid_rows))["all"]
    mixed = values(run(paid_rows + other_rows))["all"]
    for metric in ("ctr", "roas", "cpc", "cpm"):
        assert mixed[metric] == alone[metric], metric


@SETTINGS
@given(configs())
def test_money_at_stake_never_exceeds_what_the_account_spends_and_earns(config):
    try:
        report = kpi_advisor.evaluate(config)
    except kpi_advisor.ConfigError:
        return
    money = report.summary.money_at_stake
    if money is None:
        return
    total = values(report)["all"]
    spend, revenue = total.get("spend") or 0, total.get("revenue") or 0
    economics = config.get("economics") or {}
    customer_value = economics.get("customer_value") or 0
    outcomes = max(total.get("purchases") or 0, total.get("customers") or 0) * customer_value
    micro = sum((total.get("content_downloads") or 0) * m["to_customer_rate"] * customer_value
                for m in economics.get("micro_conversions", []))
    assert money <= spend + max(revenue, outcomes, micro) + 0.01
    per_finding = [f.impact.money for f in report.findings if f.impact and f.impact.money is not None]
    assert money <= sum(per_finding) + 0.01

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


ADS = [{"date": "2026-07-01", "channel": "linkedin", "campaign": c, "clicks": n, "spend": 400} for c, n in (("c1", 300), ("c2", 200))]
VISITS = [{"date": "2026-07-01", "channel": "linkedin", "campaign": "c1", "sessions": 270},
          {"date": "2026-07-01", "channel": "linkedin", "campaign": "c2", "sessions": 180},
          {"date": "2026-07-01", "channel": "linkedin", "sessions": 120}]  # linkedin.com referrals: no campaign, no ad click


def run_sources(*sources):
    return kpi_advisor.evaluate({"client": "X", "business_model": "b2b", "currency": "USD",
                                 "data": [{"records": rows, "name": name} for name, rows in sources]})


def test_visits_without_a_campaign_do_not_pair_with_the_campaigns_clicks():
    """Analytics that name campaigns leave a visit without one (an organic referral) out of the
    visits per ad click: nobody clicked an ad for it. The channel still counts all its visits."""
    linkedin = values(run_sources(("ads", ADS), ("analytics", VISITS)))["channel=linkedin"]
    assert linkedin["sessions"] == 570
    assert linkedin["click_to_session_rate"] == pytest.approx((270 + 180) / 500)  # not 570 / 500 = 114%


def test_visits_from_analytics_without_campaigns_meet_the_clicks_on_the_channel():
    """The must-not twin: analytics that name no campaign at all meet the ads on the channel and day."""
    visits = [{key: value for key, value in row.items() if key != "campaign"} for row in VISITS]
    linkedin = values(run_sources(("ads", ADS), ("analytics", visits)))["channel=linkedin"]
    assert linkedin["click_to_session_rate"] == pytest.approx(570 / 500)


def test_clicks_that_name_no_campaign_meet_the_visits_on_the_channel():
    """An ads export without campaigns (an account-level export) beside analytics that name them:
    the clicks have no campaign to meet in, so both meet on the channel and day."""
    clicks = [{"date": "2026-07-01", "channel": "linkedin", "clicks": 500, "spend": 800}]
    linkedin = values(run_sources(("ads", clicks), ("analytics", VISITS)))["channel=linkedin"]
    assert linkedin["click_to_session_rate"] == pytest.approx(570 / 500)


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


# --- counts that do not add up over time ---------------------------------------------------------

MAPLE = "examples/maple_and_co.yaml"


def test_a_reach_goal_is_judged_by_the_latest_month_not_a_sum_of_months():
    """maple_and_co: monthly reach falls (the weekend offer wears out), so the goal is off track; summing
    four months of people reported 1,145,804, 174% of the goal."""
    from pathlib import Path

    report = kpi_advisor.evaluate(Path(__file__).parent.parent / MAPLE)
    goal = next(g for g in report.goals if g.metric == "reach")
    september = 24960 + 50000 + 52000 + 48000 + 22029 + 83921  # each series' reach in the latest month
    assert goal.current == september and goal.status == "off_track"
    assert any("does not add up over time" in note for note in goal.notes)
    total = values(report)["all"]
    # Over the period each series counts its best month once: weekend-offer's June, the others' peak.
    assert total["reach"] == 48000 + 50000 + 52000 + 48000 + 22029 + 83921
    assert total["frequency"] == pytest.approx(total["impressions"] / total["reach"])


def test_followers_count_each_series_latest_value_and_none_has_no_total_over_dates():
    rows = [
        {"date": "2026-07-01", "channel": "instagram", "followers": 1000, "reach": 500, "impressions": 900},
        {"date": "2026-08-01", "channel": "instagram", "followers": 1100, "reach": 400, "impressions": 800},
        {"date": "2026-07-01", "channel": "facebook", "followers": 300, "reach": 700, "impressions": 1000},
    ]
    total = values(run(rows))["all"]
    assert total["followers"] == 1100 + 300  # instagram's latest, plus facebook's (its latest is July)
    assert total["reach"] == 500 + 700  # each channel's best month
    assert total["impressions"] == 2700  # a flow adds up
    snapshot = {"id": "open_tickets", "stage": "loyalty", "combine": "none"}
    per_date = [{"date": "2026-07-01", "channel": "a", "open_tickets": 5}, {"date": "2026-07-02", "channel": "a", "open_tickets": 7},
                {"date": "2026-07-01", "channel": "b", "open_tickets": 3}]
    tables = values(run(per_date, metrics=[snapshot]))
    assert tables["channel=b"]["open_tickets"] == 3  # one date: its value
    assert tables["channel=a"].get("open_tickets") is None and tables.get("all", {}).get("open_tickets") is None


periods = st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=4)


@settings(max_examples=25, deadline=None)
@given(periods, st.lists(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=5), min_size=4, max_size=4),
       st.sampled_from(["max", "latest"]))
def test_splitting_a_period_into_more_dates_never_overstates_people(whole, shares, how):
    """A series' count over one period, split into several dates, each at most the period's value (people
    seen on a day are among those seen that month): the combined total never rises above the unsplit one,
    and equals it where a date keeps the whole value (for latest: the last date; for max: any)."""
    metric = {"id": "audience", "stage": "awareness", "combine": how}
    one = [{"date": "2026-07-31", "channel": f"c{i}", "audience": value} for i, value in enumerate(whole)]
    split, kept = [], []
    for i, value in enumerate(whole):
        parts = [int(value * share) for share in shares[i]]
        keep = i % 2 == 0  # every other series keeps its whole value on its last date
        if keep:
            parts[-1] = value
        kept.append(keep)
        split += [{"date": f"2026-07-{day + 1:02d}", "channel": f"c{i}", "audience": part} for day, part in enumerate(parts)]
    before = values(run(one, metrics=[metric]))["all"]["audience"]
    after = values(run(split, metrics=[metric]))["all"]["audience"]
    assert after <= before
    if all(kept):
        assert after == before
    added = values(run(split, metrics=[{**metric, "combine": "sum"}]))["all"]["audience"]
    assert after <= added  # a sum over dates is the overstatement the catalogue prevents


def test_validate_reports_the_run_s_pairing_warnings_without_failing(tmp_path):
    import json

    import yaml
    from click.testing import CliRunner
    from kpi_advisor.cli import cli

    rows = [{"date": f"2026-07-0{day}", "channel": "facebook", "impressions": 20000, "clicks": 600, "sessions": 550,
             **({"bounces": 450} if day < 6 else {})} for day in range(1, 7)]
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump({"client": "X", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": rows}]}))
    ran = [w for w in run(rows).warnings if "bounce_rate uses" in w]
    text = CliRunner().invoke(cli, ["validate", str(path)])
    assert text.exit_code == 0 and f"{path}: ok" in text.output
    assert ran and f"warning: {path}: {ran[0]}" in text.output  # scope, metric and share of rows left out, as run says
    assert "channel=facebook" in ran[0] and "17% left out" in ran[0]
    out = CliRunner().invoke(cli, ["validate", "--format", "json", str(path)])
    assert out.exit_code == 0 and json.loads(out.stdout)[0]["warnings"] == ran


def test_pairing_warnings_name_the_first_scopes_in_order_and_count_the_rest():
    """Twelve channels with a count empty on some rows, three without: ten notes in channel order,
    then one line counting the other two; a channel whose rows all carry the counts gets none."""
    rows = []
    for index in range(15):
        partial = index % 5 != 4  # c04, c09, c14 carry bounces on every row
        rows += [{"date": f"2026-07-0{day}", "channel": f"c{index:02d}", "impressions": 20000, "clicks": 600, "sessions": 550,
                  **({"bounces": 450} if day < 6 or not partial else {})} for day in range(1, 7)]
    notes = [w for w in run(rows).warnings if "bounce_rate uses" in w or "more scopes where" in w]
    named = [w.split(":")[0] for w in notes[:-1]]
    assert named == [f"channel=c{i:02d}" for i in range(15) if i % 5 != 4][:10]
    assert notes[-1] == "... and 2 more scopes where a count is empty on some rows"


# --- the attainable target a gap is valued against ----------------------------------------------

def _leads(rates, leads=None):
    """Facebook campaigns with 100 leads each (or ``leads``) and the given qualified share; customers close
    a tenth of qualified leads, so a gap is carried down this scope's own funnel."""
    leads = leads or [100] * len(rates)
    return [{"channel": "facebook", "campaign": f"c{i}", "spend": 1000, "leads": n, "qualified_leads": round(rate * n),
             "customers": max(1, round(rate * n / 10))} for i, (rate, n) in enumerate(zip(rates, leads))]


def test_without_better_peers_the_threshold_is_capped_so_the_gain_is_never_a_many_fold_jump():
    report = run(_leads([0.02, 0.03]), economics={"customer_value": 100})
    finding = next(f for f in report.findings if f.rule == "unqualified-leads" and f.scope.get("campaign") == "c0")
    # today 2 of 100 qualify; the 20% limit is ten-fold: valued at twice today's rate (4%), so 2 more
    assert finding.impact.value == pytest.approx(2)
    assert "valued against qualified lead rate 4.0%: the threshold 20.0% capped at 2 × today's 2.0%" in finding.impact.basis


def test_better_peers_give_the_target_when_nearer_than_the_threshold():
    # c1-c4 are too small for the rule (under 50 leads) but are the campaign's peers all the same.
    rates = [0.1, 0.11, 0.125, 0.15, 0.175, 0.3]
    report = run(_leads(rates, [100, 40, 40, 40, 40, 100]), economics={"customer_value": 100})
    finding = next(f for f in report.findings if f.rule == "unqualified-leads" and f.scope.get("campaign") == "c0")
    import polars as pl

    upper = pl.Series(rates).quantile(0.75, interpolation="linear")  # the campaigns upper quartile: 16.9%
    assert upper < 0.2
    assert finding.impact.value == pytest.approx(100 * (upper - 0.1), abs=0.01)  # impact values keep 2 decimals
    assert (f"valued against qualified lead rate {upper:.1%}, the upper quartile of the 6 campaigns under the same parent"
            in finding.impact.basis)
    assert "nearer than the threshold 20.0%" in finding.impact.basis


def test_better_peers_far_above_today_are_held_to_one_step():
    # c0 qualifies 5%; the siblings' upper quartile (about 17%) is more than twice that: valued at 10%.
    rates = [0.05, 0.16, 0.165, 0.17, 0.175, 0.18]
    report = run(_leads(rates, [100, 40, 40, 40, 40, 40]), economics={"customer_value": 100})
    finding = next(f for f in report.findings if f.rule == "unqualified-leads" and f.scope.get("campaign") == "c0")
    assert finding.impact.value == pytest.approx(5)  # 100 leads x (10% - 5%)
    assert ("valued against qualified lead rate 10.0%: the nearer of the threshold 20.0% and the upper quartile 17.5% of the "
            "6 campaigns under the same parent (this one included), capped at 2 × today's 5.0%, one step from today") in finding.impact.basis
    from kpi_advisor.i18n.messages import Translator

    basis = Translator("de").basis(finding.impact.basis)  # the report formats translate the basis when they render
    assert "obere Quartil 17,5\xa0% der 6 Kampagnen" in basis and "one step from today" not in basis


def test_siblings_that_all_fail_alike_value_none_of_them_at_the_whole_gap():
    # Six campaigns qualify 9.6% to 10.4% of 1,000 leads, all far under the 20% limit. None of them
    # gets the whole gap while the others get the small one: whichever is at or beyond the siblings'
    # upper quartile has no better peer to show more is reachable, so no money is claimed for it.
    rates = [0.096, 0.098, 0.099, 0.101, 0.102, 0.104]
    report = run(_leads(rates, [1000] * 6), economics={"customer_value": 100})
    (rolled,) = [f for f in report.findings if f.rule == "unqualified-leads"]  # 6 of 6 campaigns: said once
    fired = {m["scope"]["campaign"]: m for m in rolled.members}
    assert set(fired) == {f"c{i}" for i in range(6)}  # the rule still fired on each
    import polars as pl

    upper = pl.Series([m["evidence"]["qualified_lead_rate"] for m in fired.values()]).quantile(0.75, interpolation="linear")
    valued = 0
    for name, member in fired.items():
        rate = member["evidence"]["qualified_lead_rate"]
        if rate >= upper:
            assert "impact" not in member, name
        else:
            assert member["impact"]["value"] == pytest.approx(1000 * (upper - rate), abs=0.01), name
            valued += 1
    assert valued >= 3 and "upper quartile" in rolled.impact.basis
    assert rolled.impact.value < 20  # the gaps to the quartile (13), not 6 x 100 to the limit


def test_economics_and_the_scope_s_own_history_keep_their_threshold():
    from kpi_advisor.evaluation.attainable import targets
    from kpi_advisor.loading.catalog import get_catalog

    specs = get_catalog().specs
    assert targets(specs["roas-below-break-even"]) == []  # break-even is the client's fact, not an aim
    assert targets(specs["ad-fatigue"]) == []  # its first period's CTR: reached once already
    assert targets(specs["unqualified-leads"]) == [("qualified_lead_rate", "min_qualified_lead_rate")]


def test_a_paired_ratio_s_evidence_shows_the_paired_counts_it_was_computed_from():
    rows = [{"date": f"2026-07-0{day}", "channel": "facebook", "impressions": 20000, "clicks": 600, "sessions": 550,
             **({"bounces": 450} if day < 6 else {})} for day in range(1, 7)]
    rows[-1]["sessions"] = 1600
    leak = next(f for f in run(rows).findings if f.rule == "landing-page-leak")
    # 5 rows carry bounces: 2,250 of 2,750 visits; the sixth's 1,600 visits are not beside the rate.
    assert leak.evidence["bounce_rate"] == pytest.approx(2250 / 2750)
    assert leak.evidence["sessions"] == 2750 and leak.evidence["bounces"] == 2250
    assert leak.evidence["bounce_rate"] == pytest.approx(leak.evidence["bounces"] / leak.evidence["sessions"])
    assert "of 2,750 visits bounce" in leak.message


def test_a_rolled_up_finding_shows_the_paired_counts_of_its_ratio_too():
    # Four campaigns leak; one day of c0 lacks bounces: the channel's roll-up shows the visits
    # that carry a bounce count beside its bounce rate, as a campaign's own finding does.
    rows = [{"date": f"2026-07-0{day}", "channel": "facebook", "campaign": f"c{c}", "impressions": 20000, "clicks": 600,
             "sessions": 550, "bounces": 470} for c in range(4) for day in range(1, 4)]
    del rows[0]["bounces"]
    leak = next(f for f in run(rows).findings if f.rule == "landing-page-leak")
    assert leak.members and "campaign" not in leak.scope  # rolled up onto the channel
    assert leak.evidence["sessions"] == 11 * 550 and leak.evidence["bounces"] == 11 * 470
    assert leak.evidence["bounce_rate"] == pytest.approx(leak.evidence["bounces"] / leak.evidence["sessions"])


# --- the config's period --------------------------------------------------------------------------

MONTHS = [
    {"date": day, "channel": "facebook", "impressions": 10000 * n, "clicks": 100 * n, "spend": 100.0 * n, "sessions": 90 * n,
     "purchases": n, "revenue": 80.0 * n}
    for n, day in enumerate(["2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30"], start=1)
]


def test_totals_are_over_the_config_period_only():
    # The report says which period it covers; its totals, findings and money are over that period.
    report = run(MONTHS, period={"start": "2026-07-01", "end": "2026-08-31"})
    assert values(report)["all"]["impressions"] == 20000 + 30000
    assert values(report)["all"]["purchases"] == 2 + 3
    warning = next(w for w in report.warnings if "outside the period" in w)
    assert "2 of 4 rows" in warning and "1 before 2026-07-01" in warning and "1 after 2026-08-31" in warning
    # Without a period every row counts, and nothing is said.
    plain = run(MONTHS)
    assert values(plain)["all"]["impressions"] == 100000
    assert not any("outside the period" in w for w in plain.warnings)


def test_a_period_inside_the_data_changes_nothing_and_says_nothing():
    report = run(MONTHS, period={"start": "2026-06-01", "end": "2026-09-30"})
    assert values(report)["all"]["impressions"] == 100000
    assert not any("outside the period" in w for w in report.warnings)


def test_undated_rows_stay_and_a_source_wholly_outside_is_left_out_with_its_dates():
    undated = [{"channel": "email", "clicks": 500, "sessions": 450, "purchases": 9, "revenue": 700.0}]
    config = {"client": "X", "business_model": "dtc_ecommerce", "currency": "USD", "period": {"start": "2026-07-01", "end": "2026-07-31"},
              "data": [{"records": MONTHS[2:]}, {"records": MONTHS[1:2]}, {"records": undated}]}
    report = kpi_advisor.evaluate(config)
    assert values(report)["all"]["purchases"] == 2 + 9
    assert any("data[0].records: all 2 rows are dated outside the period 2026-07-01 to 2026-07-31" in w
               and "2026-08-31 to 2026-09-30" in w for w in report.warnings)


def test_a_period_no_row_falls_in_is_an_error_naming_the_period():
    with pytest.raises(kpi_advisor.ConfigError, match=r"no data in the period 2027-01-01 to 2027-03-31"):
        run(MONTHS, period={"start": "2027-01-01", "end": "2027-03-31"})


def _daily(first: str, days: int) -> list[dict]:
    import datetime as dt

    start = dt.date.fromisoformat(first)
    return [{"date": (start + dt.timedelta(days=i)).isoformat(), "channel": "facebook", "impressions": 1000, "clicks": 20, "spend": 10.0}
            for i in range(days)]


def test_data_that_stops_short_of_the_period_says_which_dates_the_numbers_cover():
    report = run(_daily("2026-07-11", 14), period={"start": "2026-07-01", "end": "2026-09-30"})
    warning = next(w for w in report.warnings if w.startswith("period: the data's dates run from 2026-07-11 to 2026-07-24"))
    assert "starting 10 days after" in warning and "ending 68 days before" in warning
    assert "cover 2026-07-11 to 2026-07-24 only" in warning


@pytest.mark.parametrize("dates", [
    ["2026-07-31", "2026-08-31", "2026-09-30"],  # monthly, dated at the month's end
    ["2026-07-01", "2026-08-01", "2026-09-01"],  # monthly, dated at the month's start
    ["2026-07-06", "2026-07-13", "2026-07-20", "2026-07-27", "2026-08-03", "2026-08-10", "2026-08-17", "2026-08-24",
     "2026-08-31", "2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28"],  # weekly, Mondays
])
def test_data_that_covers_the_period_in_its_own_steps_says_nothing(dates):
    rows = [{"date": d, "channel": "facebook", "impressions": 1000, "clicks": 20, "spend": 10.0} for d in dates]
    report = run(rows, period={"start": "2026-07-01", "end": "2026-09-30"})
    assert not any(w.startswith("period:") for w in report.warnings)


def test_daily_data_over_the_whole_period_says_nothing():
    report = run(_daily("2026-07-01", 92), period={"start": "2026-07-01", "end": "2026-09-30"})
    assert not any(w.startswith("period:") for w in report.warnings)


def test_the_report_states_the_dates_it_covers():
    assert run(MONTHS, period={"start": "2026-07-01", "end": "2026-08-31"}).period == {"start": "2026-07-01", "end": "2026-08-31"}
    assert run(MONTHS).period == {"start": "2026-06-30", "end": "2026-09-30"}  # no period given: the data's dates
    assert run(SHOP).period is None  # no row is dated


def test_money_by_rule_counts_a_rule_s_nested_findings_once_and_leaves_overlaps_alone():
    from kpi_advisor.evaluation.money import money_by_rule
    from kpi_advisor.models.report import Finding

    def finding(rule, scope, money):
        impact = None if money is None else {"metric": "purchases", "value": 1.0, "money": money, "basis": "b", "overlaps": ["kept"]}
        return Finding(rule=rule, severity="high", stage="purchase", scope=scope, evidence={}, thresholds={}, message="",
                       recommendation="", impact=impact)

    findings = [
        finding("landing-page-leak", {"channel": "facebook"}, 500.0),
        finding("landing-page-leak", {"channel": "facebook", "campaign": "a"}, 300.0),  # inside the channel's
        finding("landing-page-leak", {"channel": "facebook", "campaign": "b"}, 400.0),  # 300 + 400 > 500
        finding("landing-page-leak", {"channel": "google_ads"}, 100.0),
        finding("budget-move", {"channel": "facebook"}, 50.0),  # another rule: not inside this one's
        finding("weak-call-to-action", {"channel": "facebook"}, None),
    ]
    assert money_by_rule(findings) == {"landing-page-leak": (4, 800.0), "budget-move": (1, 50.0), "weak-call-to-action": (1, None)}
    assert all(f.impact.overlaps == ["kept"] for f in findings if f.impact)


@pytest.mark.parametrize("period, dates", [
    ({"start": "2026-01-01", "end": "2026-03-31"}, ["2026-01-31", "2026-02-28", "2026-03-31"]),  # February's short month
    ({"start": "2026-01-01", "end": "2026-03-31"}, ["2026-01-01", "2026-02-01", "2026-03-01"]),
    ({"start": "2026-08-01", "end": "2026-08-31"},  # weekday rows; the period starts on a Saturday
     [f"2026-08-{d:02d}" for d in range(3, 32) if d % 7 not in (1, 2)]),
])
def test_months_of_any_length_and_weekday_rows_cover_their_period(period, dates):
    rows = [{"date": d, "channel": "facebook", "impressions": 1000, "clicks": 20, "spend": 10.0} for d in dates]
    assert not any(w.startswith("period:") for w in run(rows, period=period).warnings)


def test_a_monthly_source_beside_a_daily_one_covers_its_months():
    monthly = [{"date": d, "channel": "email", "sessions": 900, "purchases": 9} for d in ("2026-07-31", "2026-08-31", "2026-09-30")]
    config = {"client": "X", "business_model": "dtc_ecommerce", "currency": "USD", "period": {"start": "2026-07-01", "end": "2026-09-30"},
              "data": [{"records": monthly}, {"records": _daily("2026-09-01", 30)}]}
    assert not any(w.startswith("period:") for w in kpi_advisor.evaluate(config).warnings)


def test_reach_over_several_dates_is_said_to_be_a_lower_bound_and_frequency_an_upper_one():
    rows = [{"date": f"2026-07-0{day}", "channel": "facebook", "impressions": 5000, "reach": 2000 + day} for day in range(1, 4)]
    report = run(rows)
    assert values(report)["channel=facebook"]["frequency"] == pytest.approx(15000 / 2003)  # the best date's reach
    note = next(w for w in report.warnings if w.startswith("reach:"))
    assert note.startswith("reach: given on dates from 2026-07-01 to 2026-07-03; over several dates a scope's reach is each series' best date, at most the people reached")
    assert "ratios over it (frequency) are at most the figures shown" in note


@pytest.mark.parametrize("rows", [
    [{"date": "2026-07-01", "channel": "facebook", "impressions": 5000, "reach": 2000}],  # one date: the platform's own reach
    [{"channel": "facebook", "impressions": 5000, "reach": 2000}],  # an export of the period, without a day breakdown
], ids=["one date", "undated"])
def test_reach_of_one_date_or_of_the_period_is_not_said_to_be_a_bound(rows):
    assert not any(w.startswith("reach:") for w in run(rows).warnings)


@given(st.floats(min_value=0.01, max_value=1e9, allow_nan=False))
def test_a_money_basis_count_is_near_enough_to_recompute_its_money(value):
    # "167.5 leads at EUR 210 each" is EUR 35,175; "167" would say EUR 35,070.
    from kpi_advisor.evaluation.rules import _count

    shown = float(_count(value).replace(",", ""))
    assert abs(shown - value) <= (0.05 if value >= 100 else 0.005) + 1e-6  # the slack: a decimal read back as a float


def _rising_cost_per_lead(purchases: list[float]):
    records = [{"date": date, "channel": "linkedin", "spend": 6000, "leads": leads, "purchases": bought}
               for date, leads, bought in zip(("2026-07-31", "2026-08-31", "2026-09-30"), (120, 96, 80), purchases)]
    report = run(records, economics={"customer_value": 100})
    [finding] = [f for f in report.findings if f.rule == "rising-cost-per-lead"]
    return finding.impact


def test_a_gap_in_leads_is_carried_down_to_orders_at_the_rate_leads_become_orders():
    impact = _rising_cost_per_lead([12, 10, 8])  # 30 orders from 296 leads
    assert "x 10.1% of leads becoming purchases on this scope" in impact.basis


def test_more_orders_than_leads_carry_no_rate_above_100_percent():
    """Orders beside fewer leads do not come through them: the gap in leads is not valued as orders
    at a rate of 300%, nor at revenue per lead; what the scope spends is at risk, and says so."""
    impact = _rising_cost_per_lead([360, 290, 250])  # 900 orders, 296 leads
    assert "becoming" not in impact.basis and "revenue per" not in impact.basis
    assert ("not carried down: this scope has more purchases than leads (900 against 296), so its leads are not its way to "
            "them: its spend of USD 18,000 is what is at risk") in impact.basis
    assert impact.money == 18000


def test_a_finding_names_at_most_twenty_overlapping_findings_and_counts_the_rest():
    """A pack of 950 valued rules on one account with a 1,000-character name wrote every other
    finding into each finding's overlaps: 2 GB of JSON at 6,000 campaigns. Each names the first 20
    (those on its scope first, then the nearest scopes around it) and counts the rest; the money
    counted once is the same."""
    from kpi_advisor.evaluation.money import MAX_OVERLAPS, count_once
    from kpi_advisor.models.report import Finding

    def finding(rule, scope, money):
        return Finding(rule=rule, severity="high", stage="purchase", scope=scope, evidence={}, thresholds={}, message="",
                       recommendation="", impact={"metric": "purchases", "value": 1.0, "money": money, "basis": "b"})

    account = {"account": "A" * 1000}
    campaign = {**account, "channel": "facebook", "campaign": "c"}
    inner = [finding(f"r{n:02d}", campaign, 10.0) for n in range(30)]
    outer = [finding(f"r{n:02d}", account, 100.0) for n in range(25)]
    alone = finding("r00", {**account, "channel": "facebook", "campaign": "d"}, 5.0)
    assert count_once(inner + outer + [alone]) == 100.0  # the account's largest finding holds its campaigns' 10 + 5
    first = inner[0].impact
    assert first.overlaps == [f"r{n:02d}" for n in range(1, 21)] and first.overlaps_more == 29 - 20 + 25
    assert outer[3].impact.overlaps[:3] == ["r00", "r01", "r02"] and outer[3].impact.overlaps_more == 24 - 20
    assert alone.impact.overlaps[0] == "r00 (account=" + "A" * 1000 + ")" and len(alone.impact.overlaps) == MAX_OVERLAPS
    assert alone.impact.overlaps_more == 25 - MAX_OVERLAPS
    few = [finding("x", {"channel": "facebook"}, 1.0), finding("y", {"channel": "facebook"}, 2.0)]
    count_once(few)
    assert few[0].impact.overlaps == ["y"] and few[0].impact.overlaps_more is None
    assert "overlaps_more" not in few[0].model_dump_json() and '"overlaps_more":34' in first.model_dump_json().replace(" ", "")

"""SMART checks and progress: each letter passes and fails for the reason the
domain gives, and the status follows a linear pace toward the target."""

from __future__ import annotations

import re

import kpi_advisor
import pytest
from kpi_advisor.advice.goals import STOCK_GROWTH, typical_change
from kpi_advisor.loading.catalog import get_catalog

QUARTER = {"start": "2026-07-01", "end": "2026-09-30"}
INSTAGRAM = [{"channel": "instagram", "impressions": 90000, "followers": 5000}, {"channel": "facebook", "impressions": 80000, "followers": 9000}]


def check(goal: dict, records: list[dict], model: str = "dtc_ecommerce", period: dict | None = QUARTER):
    config = {"client": "Test", "business_model": model, "goals": [{"id": "g", **goal}], "data": [{"records": records}]}
    if period:
        config["period"] = period
    return kpi_advisor.evaluate(config).goals[0]


def note(status, letter: str) -> str:
    return " | ".join(n for n in status.notes if n.startswith(letter))


def monthly(channel: str, values: dict[str, list[float]], months=("2026-07-31", "2026-08-31", "2026-09-30")) -> list[dict]:
    return [{"date": d, "channel": channel, **{k: v[i] for k, v in values.items()}} for i, d in enumerate(months)]


FOLLOWERS = {"objective": "awareness", "metric": "followers", "channel": "instagram", "by": "2026-09-30"}


# --- S ---------------------------------------------------------------------------------------


def test_specific_needs_metric_and_channel():
    assert check({**FOLLOWERS, "baseline": 5000, "change": "+20%"}, INSTAGRAM).smart.specific
    no_channel = check({**FOLLOWERS, "channel": None, "baseline": 14000, "change": "+20%"}, INSTAGRAM)
    assert not no_channel.smart.specific and "name the channel" in note(no_channel, "specific")
    no_metric = check({"objective": "awareness", "channel": "instagram", "by": "2026-09-30"}, INSTAGRAM)
    assert not no_metric.smart.specific and "name the metric" in note(no_metric, "specific")
    everywhere = check({**FOLLOWERS, "channel": "all", "baseline": 14000, "change": "+20%"}, INSTAGRAM)
    assert everywhere.smart.specific and everywhere.smart.measurable


# --- M ---------------------------------------------------------------------------------------


def test_measurable_needs_the_metric_in_the_data_on_that_channel():
    assert check({**FOLLOWERS, "baseline": 5000, "change": "+20%"}, INSTAGRAM).smart.measurable
    missing = check({**FOLLOWERS, "baseline": 5000, "change": "+20%"}, [{"channel": "instagram", "impressions": 90000}])
    assert not missing.smart.measurable
    assert "the data has no followers for instagram yet; export the follower count" in note(missing, "measurable")
    elsewhere = check({**FOLLOWERS, "channel": "tiktok", "baseline": 5000, "change": "+20%"}, INSTAGRAM)
    assert not elsewhere.smart.measurable
    assert "no rows for channel 'tiktok' (channels: facebook, instagram)" in note(elsewhere, "measurable")
    ratio = check({"objective": "leads", "metric": "cost_per_lead", "channel": "facebook", "baseline": 40, "target": 30, "by": "2026-09-30"},
                  [{"channel": "facebook", "spend": 1200, "clicks": 300}], model="b2b")
    assert not ratio.smart.measurable and "the data has no leads for facebook yet; add a thank-you-page goal" in note(ratio, "measurable")


def test_an_unknown_metric_is_refused_before_any_check():
    with pytest.raises(kpi_advisor.ConfigError, match=r"goals\[0\]\.metric: unknown metric 'folowers' \(did you mean 'followers'\?\)"):
        check({**FOLLOWERS, "metric": "folowers"}, INSTAGRAM)


# --- A ---------------------------------------------------------------------------------------


def test_twenty_percent_more_followers_in_a_quarter_is_achievable():
    status = check({**FOLLOWERS, "baseline": 5000, "change": "+20%"}, INSTAGRAM)
    assert status.smart.achievable is True and status.target == pytest.approx(6000)
    assert "needs +6.3% a month for 3.0 months from 5,000" in note(status, "achievable")
    assert "within the typical range (typical for followers is up to +10% a month)" in note(status, "achievable")


def test_five_thousand_to_a_million_followers_in_a_quarter_is_not():
    status = check({**FOLLOWERS, "baseline": 5000, "target": 1_000_000}, INSTAGRAM)
    assert status.smart.achievable is False
    assert re.search(r"needs \+4\d\d\.\d% a month for 3\.0 months from 5,000", note(status, "achievable"))
    assert "beyond the typical range" in note(status, "achievable")


def test_the_accounts_own_history_can_make_a_steep_goal_achievable_or_not():
    fast = monthly("instagram", {"followers": [1000, 1300, 1690]})
    steep = {**FOLLOWERS, "baseline": 1000, "target": 2200}
    status = check(steep, fast)
    assert status.smart.achievable is True
    assert re.search(r"within the account's own record: the account's own followers changed \+(29\.9|30\.0)% a month from 2026-07-31 to 2026-09-30",
                     note(status, "achievable"))
    slow = monthly("instagram", {"followers": [1000, 1020, 1040]})
    status = check(steep, slow)
    assert status.smart.achievable is False
    assert "beyond the typical range" in note(status, "achievable") and "+2.0% a month" in note(status, "achievable")


def test_a_cost_goal_is_judged_by_the_fall_it_needs():
    goal = {"objective": "leads", "metric": "cost_per_lead", "channel": "facebook", "baseline": 40, "by": "2026-09-30"}
    data = [{"channel": "facebook", "spend": 4000, "leads": 100}]
    fine = check({**goal, "target": 30}, data, model="b2b")
    assert fine.smart.achievable is True and "needs a fall of 9.2% a month" in note(fine, "achievable")
    steep = check({**goal, "target": 10}, data, model="b2b")
    assert steep.smart.achievable is False and "typical for cost per lead is up to +10% a month" in note(steep, "achievable")


def test_a_flow_without_baseline_is_judged_against_the_pace_in_the_data():
    data = monthly("facebook", {"purchases": [38, 41, 40]})
    status = check({"objective": "sales", "metric": "purchases", "channel": "facebook", "baseline": 0, "target": 400, "by": "2026-09-30"}, data)
    assert status.smart.achievable is False and "the window's total at the current pace of" in note(status, "achievable")
    status = check({"objective": "sales", "metric": "purchases", "channel": "facebook", "baseline": 0, "target": 130, "by": "2026-09-30"}, data)
    assert status.smart.achievable is True


def test_achievable_cannot_be_judged_without_numbers_or_time():
    undated_zero = check({"objective": "sales", "metric": "purchases", "channel": "facebook", "baseline": 0, "target": 100, "by": "2026-09-30"},
                         [{"channel": "facebook", "purchases": 30}])
    assert undated_zero.smart.achievable is None and "a baseline of zero" in note(undated_zero, "achievable")
    past = check({**FOLLOWERS, "baseline": 5000, "change": "+20%", "by": "2026-06-30"}, INSTAGRAM)
    assert past.smart.achievable is False and "leaves no time after the start 2026-07-01" in note(past, "achievable")


def test_a_model_can_set_its_own_typical_growth():
    catalog = get_catalog()
    followers = catalog.metrics["followers"]
    shipped = catalog.profiles["mobile_app"]
    assert typical_change(followers, shipped) == STOCK_GROWTH
    adjusted = shipped.model_copy(update={"typical_growth": {"followers": 0.5, "purchase": 0.4}})
    assert typical_change(followers, adjusted) == 0.5
    assert typical_change(catalog.metrics["installs"], adjusted) == 0.4


# --- R ---------------------------------------------------------------------------------------


def test_relevant_needs_an_objective_that_matters_for_the_model_and_a_metric_that_measures_it():
    leads = check({"objective": "leads", "metric": "qualified_leads", "channel": "linkedin", "baseline": 20, "change": "+10%", "by": "2026-09-30"},
                  [{"channel": "linkedin", "qualified_leads": 20, "leads": 90}], model="b2b")
    assert leads.smart.relevant
    support = check({"objective": "support", "metric": "support_response_rate_1h", "channel": "x", "baseline": 0.5, "target": 0.6, "by": "2026-09-30"},
                    [{"channel": "x", "support_requests": 40, "support_replied_within_1h": 20}], model="consulting")
    assert not support.smart.relevant
    assert "the customer support goal matters little for a consulting firm (low): clients reach their consultants by mail and phone" in note(support, "relevant")
    likes = check({"objective": "sales", "metric": "likes", "channel": "instagram", "baseline": 100, "change": "+10%", "by": "2026-09-30"},
                  [{"channel": "instagram", "likes": 100}])
    assert not likes.smart.relevant
    assert "likes does not connect to the revenue and sales goal of a DTC e-commerce shop; measure it by revenue, purchases, ROAS" in note(likes, "relevant")


# --- T ---------------------------------------------------------------------------------------


def test_time_bound_needs_a_date():
    assert check({**FOLLOWERS, "baseline": 5000, "change": "+20%"}, INSTAGRAM).smart.time_bound
    status = check({**FOLLOWERS, "by": None, "baseline": 5000, "change": "+20%"}, INSTAGRAM)
    assert not status.smart.time_bound and status.smart.achievable is None
    assert "give the date" in note(status, "time-bound")


# --- status ---------------------------------------------------------------------------------------

HALF_YEAR = {**FOLLOWERS, "by": "2026-12-31", "baseline": 1000, "target": 2000}


@pytest.mark.parametrize(
    ("followers", "status"),
    [(1600, "on_track"), (1400, "at_risk"), (1100, "off_track"), (900, "off_track"), (2100, "on_track")],
)
def test_a_stock_is_on_pace_when_it_keeps_up_with_a_straight_line(followers, status):
    result = check(HALF_YEAR, [{"date": "2026-09-30", "channel": "instagram", "followers": followers}])
    assert result.status == status and result.current == followers
    # 2026-09-30 is half of the way from 2026-07-01 to 2026-12-31.
    assert "with 50% of the time gone" in note(result, "progress")


def test_a_flow_counts_its_total_since_the_start():
    goal = {"objective": "sales", "metric": "purchases", "channel": "facebook", "target": 300, "by": "2026-09-30"}
    full = check(goal, monthly("facebook", {"purchases": [100, 100, 100]}))
    assert full.status == "on_track" and full.current == 300
    two_months = check(goal, monthly("facebook", {"purchases": [100, 100]}, months=("2026-07-31", "2026-08-31")))
    assert two_months.status == "on_track" and two_months.current == 200
    behind = check(goal, monthly("facebook", {"purchases": [60, 60]}, months=("2026-07-31", "2026-08-31")))
    assert behind.status == "off_track"
    other = check(goal, monthly("facebook", {"purchases": [100, 100, 100]}) + monthly("instagram", {"purchases": [500, 500, 500]}))
    assert other.current == 300, "only the goal's channel counts"


def test_a_ratio_is_judged_by_its_latest_month():
    goal = {"objective": "leads", "metric": "cost_per_lead", "channel": "facebook", "baseline": 40, "target": 30, "by": "2026-09-30"}
    data = monthly("facebook", {"spend": [4000, 3600, 3100], "leads": [100, 100, 100]})
    status = check(goal, data, model="b2b")
    assert status.current == pytest.approx(31) and status.status == "at_risk"
    assert "90% of the way with 100% of the time gone" in note(status, "progress")


def test_a_target_met_exactly_is_met_whatever_the_float_noise():
    # 1 - 7/10 is 0.30000000000000004 in floats: at the 12 digits a report keeps it is 30%, the target.
    goal = {"objective": "sales", "metric": "cart_abandonment_rate", "channel": "facebook", "baseline": 0.5, "target": 0.3, "by": "2026-09-30"}
    data = monthly("facebook", {"add_to_cart": [10, 10, 10], "purchases": [5, 6, 7], "sessions": [100, 100, 100]})
    status = check(goal, data)
    assert status.current == 0.3 and status.target == 0.3 and status.status == "on_track"
    assert "reached: 30.0% on 2026-09-30 meets the target of 30.0% due 2026-09-30" in note(status, "reached")
    assert not note(status, "exceeded")
    # A flow that adds up to its target exactly has reached it too.
    flow = check({"objective": "sales", "metric": "purchases", "channel": "facebook", "target": 18, "by": "2026-09-30"}, data)
    assert flow.current == 18 and note(flow, "reached")
    # A target written with float noise reads the same where the baseline comes from the data.
    noisy = check({**goal, "baseline": None, "target": 0.1 + 0.2}, data)
    assert noisy.target == 0.3 and note(noisy, "baseline") and note(noisy, "reached")


def test_status_is_unknown_without_dated_data_in_the_window():
    undated = check({**FOLLOWERS, "baseline": 5000, "change": "+20%"}, INSTAGRAM)
    assert undated.status == "unknown" and "needs dated data for followers" in note(undated, "status")
    # Followers dated in the period, but none between the start and the goal's date.
    after = check({**FOLLOWERS, "baseline": 5000, "change": "+20%", "by": "2026-08-15"},
                  [{"date": "2026-09-30", "channel": "instagram", "followers": 5200}])
    assert after.status == "unknown" and "no dated data for followers between 2026-07-01 and 2026-08-15" in note(after, "status")
    # Followers counted only before the period: that row is left out, and the period has no followers.
    before = check({**FOLLOWERS, "baseline": 5000, "change": "+20%"}, [{"date": "2026-06-30", "channel": "instagram", "followers": 5200},
                                                                       {"date": "2026-07-31", "channel": "instagram", "impressions": 9000}])
    assert before.status == "unknown" and "needs dated data for followers between the start and the date" in note(before, "status")
    # No row at all in the period: the report would have nothing to say for it.
    with pytest.raises(kpi_advisor.ConfigError, match="no data in the period 2026-07-01 to 2026-09-30"):
        check({**FOLLOWERS, "baseline": 5000, "change": "+20%"}, [{"date": "2026-06-30", "channel": "instagram", "followers": 5200}])


def test_a_missing_baseline_is_read_from_the_data():
    status = check({**FOLLOWERS, "by": "2026-12-31", "change": "+40%"}, monthly("instagram", {"followers": [1000, 1100, 1200]}))
    assert status.target == pytest.approx(1400)
    assert "baseline: 1,000 taken from the data of 2026-07-31" in note(status, "baseline")
    assert status.status == "on_track"


def test_the_bundled_example_reads_as_expected():
    from pathlib import Path

    report = kpi_advisor.evaluate(Path(__file__).resolve().parent.parent / "examples" / "acme_outdoor.yaml")
    goals = {g.id: g for g in report.goals}
    assert goals["grow-instagram"].status == "on_track" and goals["grow-instagram"].smart.achievable is True
    assert goals["online-sales"].status == "off_track" and goals["online-sales"].smart.achievable is False


def test_a_series_needs_dates_to_count_months_by():
    """A date column of nothing but nulls (typed Null) or of text gives no series, not a polars error."""
    import polars as pl
    from kpi_advisor.advice.goals import goal_series

    catalog = get_catalog()
    for dates in (pl.Series("date", [None, None]), pl.Series("date", ["2026-07-01", "2026-08-01"])):
        frame = pl.DataFrame({"purchases": [3.0, 4.0]}).with_columns(dates)
        assert goal_series(frame, catalog.metrics["purchases"], catalog) is None
    import datetime as dt

    dated = pl.DataFrame({"date": [dt.date(2026, 7, 1), dt.date(2026, 8, 1)], "purchases": [3.0, 4.0]})
    assert goal_series(dated, catalog.metrics["purchases"], catalog).monthly.get_column("value").to_list() == [3.0, 4.0]


# --- the notes as a client reads them -----------------------------------------------------------

NOTE_CASES = [
    # vanity: likes lead nowhere for a shop; the better metrics by name
    ({"objective": "engagement", "metric": "likes", "channel": "instagram", "baseline": 100, "change": "+10%", "by": "2026-12-31"},
     monthly("instagram", {"likes": [100, 120, 150], "shares": [5, 6, 7], "impressions": [9000, 9000, 9000]}), "dtc_ecommerce"),
    # exceeded, a lower-is-better metric past its target (under it)
    ({"objective": "leads", "metric": "cost_per_lead", "channel": "facebook", "baseline": 40, "target": 35, "by": "2026-12-31"},
     monthly("facebook", {"spend": [4000, 3600, 3000], "leads": [100, 100, 100]}), "b2b"),
    # exceeded, a higher-is-better one; reached
    ({"objective": "sales", "metric": "purchases", "channel": "facebook", "target": 200, "by": "2026-12-31"},
     monthly("facebook", {"purchases": [100, 100, 100]}), "dtc_ecommerce"),
    ({"objective": "sales", "metric": "purchases", "channel": "facebook", "target": 300, "by": "2026-09-30"},
     monthly("facebook", {"purchases": [100, 100, 100]}), "dtc_ecommerce"),
    # not connected to the objective; no dated data; undefined (a zero denominator); the data lacks an input
    ({"objective": "sales", "metric": "cost_per_video_view", "channel": "instagram", "baseline": 0.05, "target": 0.04, "by": "2026-12-31"},
     [{"channel": "instagram", "spend": 100, "video_views": 2000}], "dtc_ecommerce"),
    ({"objective": "leads", "metric": "cost_per_lead", "channel": "facebook", "baseline": 40, "target": 30, "by": "2026-09-30"},
     monthly("facebook", {"spend": [4000, 3600, 3100], "leads": [0, 0, 0]}), "b2b"),
    ({**FOLLOWERS, "baseline": 5000, "change": "+20%", "by": "2026-08-15"}, [{"date": "2026-09-30", "channel": "instagram", "followers": 5200}],
     "dtc_ecommerce"),
    ({"objective": "sales", "metric": "cart_abandonment_rate", "channel": "facebook", "target": 0.3, "by": "2026-09-30"},
     [{"channel": "facebook", "sessions": 100}], "dtc_ecommerce"),
]


@pytest.mark.parametrize(("goal", "records", "model"), NOTE_CASES)
def test_smart_notes_name_metrics_as_a_client_knows_them_and_read_in_every_language(goal, records, model):
    from kpi_advisor.i18n.messages import Translator

    status = check(goal, records, model=model)
    ids = {m.id for m in get_catalog().metrics.values() if "_" in m.id}
    for text in status.notes:
        assert not ids & set(re.findall(r"[a-z0-9]+(?:_[a-z0-9]+)+", text)), f"a metric id in a SMART note: {text}"
        for lang in ("de", "da", "id"):
            assert Translator(lang).sentence(text) != text, f"no {lang} frame for: {text}"


def test_a_note_names_what_it_says_once_the_data_decides_it():
    # The cases above reach each note the frames were written for.
    seen = " | ".join(n for goal, records, model in NOTE_CASES for n in check(goal, records, model=model).notes)
    for start in ("is a vanity target", "% under)", "exceeded: 300", "reached: 300", "does not connect to", "no dated data for followers",
                  "cost per lead is undefined", "the data has no adds to cart"):
        assert start in seen, start

"""Issue 15: unit economics, dead channels, trends and sudden drops, fallback definitions,
goals judged against the model's path, and runs compared with runs (--since, --compare-previous)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor import evaluate
from kpi_advisor.cli import cli
from kpi_advisor.commands.ruletest import example_findings
from kpi_advisor.evaluation.economics import economic_values, with_economics
from kpi_advisor.evaluation.rules import Economy
from kpi_advisor.language.chance import poisson_above, poisson_cdf
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.models.config import Economics

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def findings(report, rule):
    return [f for f in report.findings if f.rule == rule]


# --- chance ---------------------------------------------------------------------------------


@pytest.mark.parametrize("k, mu", [(0, 3.0), (2, 10.0), (8, 72.0), (60, 72.0), (15, 10.0), (0, 0.5), (40, 40.0)])
def test_poisson_tail_matches_the_direct_sum(k, mu):
    direct = sum(math.exp(-mu) * mu**i / math.factorial(i) for i in range(k + 1))
    assert poisson_cdf(k, mu) == pytest.approx(direct, rel=1e-9, abs=1e-15)
    assert poisson_above(k + 1, mu) == pytest.approx(1 - direct, rel=1e-7, abs=1e-12)


def test_poisson_tail_edges():
    assert poisson_cdf(5, 0) == 1.0
    assert poisson_cdf(-1, 3) is None and poisson_cdf(3, -1) is None and poisson_cdf(float("nan"), 3) is None
    assert poisson_above(0, 7) == 1.0
    assert 0 < poisson_cdf(100000, 100500) < 0.1  # large counts stay exact and fast


# --- economics ------------------------------------------------------------------------------


def test_economics_bind_rule_params_and_the_config_wins():
    values = economic_values(Economics(customer_value=100, gross_margin=0.25,
                                       micro_conversions=[{"action": "install", "to_customer_rate": 0.05}]))
    assert values["break_even_roas"] == 4 and values["gross_margin"] == 0.25
    assert values["customer_worth"] == 25 and values["install_worth"] == pytest.approx(1.25)
    assert "customer_lifetime_value_given" not in values
    clv = economic_values(Economics(customer_value=100, customer_lifetime_value=300, gross_margin=0.5))
    assert clv["customer_worth"] == 150 and clv["customer_lifetime_value_given"] == 1
    assert economic_values(Economics()) == {}
    catalog = get_catalog()
    specs = [catalog.specs["roas-below-break-even"]]
    params, from_economics = with_economics(specs, Economics(gross_margin=0.25), {})
    assert params["roas-below-break-even"] == {"break_even_roas": 4}
    assert from_economics == {"roas-below-break-even": frozenset({"break_even_roas"})}
    own = {"roas-below-break-even": {"break_even_roas": 3.0}}
    params, from_economics = with_economics(specs, Economics(gross_margin=0.25), own)
    assert params["roas-below-break-even"] == {"break_even_roas": 3.0}
    assert from_economics == {}  # the client's own word wins, and is not the economics'


@pytest.mark.parametrize(("economics", "params", "said"), [
    ({}, {}, "Break-even ROAS here: 2, the rule's default, as the economics do not set it;"),
    ({"gross_margin": 0.4}, {}, "Break-even ROAS here: 2.50, from the client's economics;"),
    ({"gross_margin": 0.4}, {"break_even_roas": 3}, "Break-even ROAS here: 3, set for this client;"),
    # The client's word on another param of the rule leaves the economics' break-even theirs.
    ({"gross_margin": 0.4}, {"min_spend": 100}, "Break-even ROAS here: 2.50, from the client's economics;"),
])
def test_roas_advice_says_where_break_even_comes_from(economics, params, said):
    # Asking for economics.gross_margin where the config gives it was advice a consultant would strike.
    config = _shop({"customer_value": 50, **economics}, [{"channel": "facebook", "spend": 3000, "revenue": 3600}])
    config["rules"] = {"params": {"roas-below-break-even": params}} if params else {}
    report = evaluate(config)
    (finding,) = [f for f in report.findings if f.rule == "roas-below-break-even"]
    assert said in finding.recommendation, finding.recommendation


@pytest.mark.parametrize("fmt", ["markdown", "html"])
@pytest.mark.parametrize("lang", ["en", "de", "da", "id"])
def test_a_client_reads_the_roas_advice_without_the_sentence_on_the_config(lang, fmt):
    """The sentence naming economics.gross_margin is the consultant's: a client's report keeps the advice before it."""
    from reporting import render

    config = _shop({"customer_value": 50, "gross_margin": 0.4}, [{"channel": "facebook", "spend": 3000, "revenue": 3600}])
    report = evaluate(config, lang=lang)
    (finding,) = [f for f in report.findings if f.rule == "roas-below-break-even"]
    first = " ".join(finding.recommendation.split(". ")[0].split())
    page = " ".join(render(fmt, report, audience="client", lang=lang).split())
    assert "gross_margin" not in page and first in page


def _shop(economics, rows):
    return {"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "economics": economics, "data": [{"records": rows}]}


def test_break_even_roas_derives_from_gross_margin():
    rows = [{"channel": "facebook", "spend": 3000, "revenue": 9000, "purchases": 100}]  # ROAS 3
    assert not findings(evaluate(_shop({"customer_value": 90}, rows)), "roas-below-break-even")  # default 2
    fired = findings(evaluate(_shop({"customer_value": 90, "gross_margin": 0.25}, rows)), "roas-below-break-even")
    assert len(fired) == 1 and fired[0].thresholds["roas"] == 4
    assert "a ROAS of 3, under the 4 needed to break even" in fired[0].message


def test_gross_margin_is_a_share():
    with pytest.raises(ValueError, match="gross_margin"):
        evaluate(_shop({"gross_margin": 40}, [{"channel": "facebook", "spend": 1}]))


def test_pocket_sprout_leads_with_every_subscriber_losing_money():
    report = evaluate(EXAMPLES / "pocket_sprout.yaml")
    top = report.findings[0]
    assert top.rule == "customer-cost-above-value" and top.severity == "critical" and top.scope == {}
    assert top.evidence["cost_per_paying"] == pytest.approx(69529.2 / 795, rel=1e-3)
    assert top.thresholds["cost_per_paying"] == 36
    assert "is USD 87.46 each, and a customer is worth USD 36.00: every one loses USD 51.46" in top.message
    spend = next(m.values["spend"] for m in report.metrics if m.scope == {})
    assert top.impact.money == pytest.approx(spend - 795 * 36, rel=1e-6) and top.impact.money <= spend


def test_customer_cost_uses_the_scopes_own_close_rate_and_lifetime_value():
    rows = [{"channel": "linkedin", "spend": 60000, "leads": 400, "customers": 20}]  # 3,000 a customer
    b2b = {"client": "t", "business_model": "b2b", "currency": "USD", "data": [{"records": rows}]}
    assert findings(evaluate({**b2b, "economics": {"customer_value": 2000}}), "customer-cost-above-value")
    # Worth 2,000 on the first contract but 8,000 over the relationship at a 50% margin: it pays.
    assert not findings(evaluate({**b2b, "economics": {"customer_value": 2000, "customer_lifetime_value": 8000,
                                                      "gross_margin": 0.5}}), "customer-cost-above-value")


def test_one_channel_losing_while_another_earns_is_that_channels_finding():
    rows = [{"channel": "facebook", "spend": 14000, "purchases": 100}, {"channel": "google_search", "spend": 6000, "purchases": 100}]
    report = evaluate(_shop({"customer_value": 100}, rows))
    fired = findings(report, "channel-customer-cost-above-value")
    assert [f.scope for f in fired] == [{"channel": "facebook"}]
    assert fired[0].impact.money == 4000 and not findings(report, "customer-cost-above-value")


def test_brightwire_facebook_is_a_stop_or_fix_decision():
    report = evaluate(EXAMPLES / "brightwire_sensors.yaml")
    top = report.findings[0]
    assert top.rule == "channel-never-closes" and top.scope == {"channel": "facebook"}
    assert top.evidence["micro_results"] == 1559 and top.evidence["paying"] == 0
    assert top.evidence["spend"] == pytest.approx(25419.72, rel=1e-6) and top.impact.money == pytest.approx(25419.72, rel=1e-6)
    assert top.evidence["expected"] > 100 and "stop-or-fix" in top.message


def test_healthy_funnels_with_real_economics_stay_quiet():
    from test_rules_healthy import HEALTHY

    catalog = get_catalog()
    specs = [catalog.specs[r] for r in ("customer-cost-above-value", "channel-customer-cost-above-value", "install-cost-above-value",
                                        "lead-cost-above-value", "channel-never-closes", "spend-not-tracked")]
    worth = {"dtc_ecommerce": 90, "b2b": 15000, "saas": 3000, "car_dealership": 2000, "brick_and_mortar": 60,
             "local_business": 400, "publisher": 120, "mobile_app": 200, "consulting": 20000}
    for model, rows in HEALTHY.items():
        params, _ = with_economics(specs, Economics(customer_value=worth[model], gross_margin=0.6), {})
        found, skipped = example_findings(specs, rows, catalog, params, economy=Economy(currency="USD", customer_value=worth[model]))
        assert [f"{f.rule} {f.scope}" for f in found] == [], model


# --- time -------------------------------------------------------------------------------------


def test_planted_trend_fern_and_pine():
    report = evaluate(EXAMPLES / "fern_and_pine.yaml")
    rising = findings(report, "rising-cost-per-acquisition")
    assert {tuple(f.scope.values()) for f in rising} == {("facebook", "prospecting"), ("facebook", "retargeting")}
    prospecting = next(f for f in rising if f.scope["campaign"] == "prospecting")
    assert prospecting.evidence["cpa_first"] == 17 and prospecting.evidence["cpa_last"] == pytest.approx(42, rel=1e-2)
    assert not [f for f in report.findings if f.scope.get("channel") == "google_search"]
    # 40% margin: break-even ROAS 2.5, and Facebook's campaigns sell under it.
    assert {f.thresholds["roas"] for f in findings(report, "roas-below-break-even")} == {2.5}


def test_planted_drop_lumen_candles():
    report = evaluate(EXAMPLES / "lumen_candles.yaml")
    drops = findings(report, "sudden-drop")
    # Every channel dropped at once: one finding on all data, the channels as its members.
    assert len(drops) == 1 and drops[0].scope == {}
    members = {m["scope"]["channel"]: m for m in drops[0].members}
    assert set(members) == {"facebook", "google_search", "email"}
    assert members["facebook"]["evidence"]["outcome_last"] == 8 and members["facebook"]["evidence"]["outcome_baseline"] == 72
    assert members["facebook"]["evidence"]["drop"] > 0.85
    assert not findings(report, "rising-cost-per-acquisition")  # sudden, not a trend


def _dated(rows):
    months = ["2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30"]
    return [{"date": d, "channel": "facebook", **r} for d, r in zip(months, rows)]


def test_a_drop_within_chance_does_not_fire_and_one_beyond_does():
    catalog = get_catalog()
    spec = [catalog.specs["sudden-drop"]]
    within = _dated([{"sessions": 800, "purchases": 15}, {"sessions": 800, "purchases": 17}, {"sessions": 800, "purchases": 16},
                     {"sessions": 800, "purchases": 9}])
    beyond = _dated([{"sessions": 8000, "purchases": 150}, {"sessions": 8000, "purchases": 170}, {"sessions": 8000, "purchases": 160},
                     {"sessions": 8000, "purchases": 90}])  # the same 44% drop on ten times the counts
    assert example_findings(spec, within, catalog)[0] == []
    assert len(example_findings(spec, beyond, catalog)[0]) == 1


def test_a_part_week_at_the_end_is_no_sudden_drop():
    import datetime as dt

    monday = dt.date(2026, 8, 3)
    rows = [{"date": (monday + dt.timedelta(days=i)).isoformat(), "channel": "facebook", "purchases": 20} for i in range(37)]
    report = evaluate(_shop({}, rows))  # five whole weeks, then two days of a sixth: 40 orders, not a drop
    assert not findings(report, "sudden-drop")
    broken = [dict(row, purchases=2) if "2026-08-31" <= row["date"] < "2026-09-07" else row for row in rows[:35]]
    fired = findings(evaluate(_shop({}, broken)), "sudden-drop")
    assert len(fired) == 1 and fired[0].evidence["outcome_last"] == 14 and fired[0].evidence["outcome_baseline"] == 140


def _daily(days, drop_from=None):
    import datetime as dt

    monday = dt.date(2026, 6, 1)
    rows = []
    for i in range(days):
        day = monday + dt.timedelta(days=i)
        weekend = day.weekday() >= 5
        sessions = 700 if weekend else 1000  # weekends are quieter: a daily baseline must know the weekday
        orders = 14 if weekend else 30
        if drop_from is not None and i >= drop_from:
            orders = 2
        rows.append({"date": day.isoformat(), "channel": "facebook", "sessions": sessions, "purchases": orders})
    return rows


def test_daily_data_are_judged_by_whole_weeks():
    assert findings(evaluate(_shop({}, _daily(84))), "sudden-drop") == []
    # Orders fall to 2 a day in the last whole week while visits hold: a checkout or tracking break.
    fired = findings(evaluate(_shop({}, _daily(84, drop_from=77))), "sudden-drop")
    assert len(fired) == 1 and fired[0].evidence["outcome_last"] == 14 and fired[0].evidence["outcome_baseline"] == 178
    assert "in the 7 days from 2026-08-17" in fired[0].message
    # The same break two days before the export ends falls in a part-week, which is left out.
    assert findings(evaluate(_shop({}, _daily(79, drop_from=77))), "sudden-drop") == []


def test_trend_functions_previous_period_and_prior_mean():
    import polars as pl
    from kpi_advisor.language.functions import trend_aggregation

    frame = pl.DataFrame({"x": [10.0, 20.0, 30.0, 5.0]})
    got = frame.select(trend_aggregation("prior_mean", pl.col("x")).alias("m"),
                       trend_aggregation("previous_period", pl.col("x")).alias("p")).row(0)
    assert got == (20.0, 30.0)


# --- fallbacks ------------------------------------------------------------------------------------


def test_engagements_are_derived_from_their_parts_with_a_note():
    rows = [{"channel": "instagram", "impressions": 400000, "reach": 150000, "likes": 14000, "comments": 900, "shares": 120,
             "saves": 600, "clicks": 300, "sessions": 250}]
    report = evaluate(_shop({}, rows))
    cta = findings(report, "weak-call-to-action")
    assert len(cta) == 1 and cta[0].evidence["engagements"] == 15620
    assert any("engagements derived from likes + comments + shares + saves on 1 row" in w for w in report.warnings)
    assert "weak-call-to-action" not in report.summary.rules_skipped


def test_reported_engagements_are_kept():
    rows = [{"channel": "instagram", "impressions": 400000, "engagements": 20000, "likes": 14000, "clicks": 300}]
    report = evaluate(_shop({}, rows))
    total = next(m.values for m in report.metrics if m.scope == {})
    assert total["engagements"] == 20000 and not any("derived" in w for w in report.warnings)


def test_first_response_minutes_per_request_become_replies_within_the_hour():
    rows = [{"channel": "x", "date": "2026-09-01", "first_response_minutes": m} for m in [5, 10, 90, 120, 200, 300, 15, 70, 80, 100] * 3]
    report = evaluate(_shop({}, rows))
    slow = findings(report, "slow-support-response")
    assert len(slow) == 1 and slow[0].evidence["support_replied_within_1h"] == 9 and slow[0].evidence["support_requests"] == 30
    assert any("support_replied_within_1h derived from first_response_minutes on 30 requests" in w for w in report.warnings)
    assert not findings(report, "slow-average-first-response")


def test_average_first_response_minutes_are_weighted_by_requests():
    rows = [{"channel": "x", "support_requests": 40, "first_response_minutes": 150},
            {"channel": "x", "support_requests": 10, "first_response_minutes": 10}]
    report = evaluate(_shop({}, rows))
    slow = findings(report, "slow-average-first-response")
    assert len(slow) == 1 and slow[0].evidence["average_first_response_minutes"] == 122  # (40 x 150 + 10 x 10) / 50
    fast = evaluate(_shop({}, [{"channel": "x", "support_requests": 40, "first_response_minutes": 20}]))
    assert not findings(fast, "slow-average-first-response") and not findings(fast, "slow-support-response")


def test_spend_with_nothing_tracked_is_a_finding():
    report = evaluate(_shop({}, [{"channel": "facebook", "impressions": 400000, "reach": 150000, "spend": 3000}]))
    fired = findings(report, "spend-not-tracked")
    assert len(fired) == 1 and "USD 3,000 spent and not one click" in fired[0].message


# --- goals --------------------------------------------------------------------------------------


def test_likes_for_a_shop_is_a_vanity_target_and_exceeded_targets_are_said():
    report = evaluate(EXAMPLES / "fern_and_pine.yaml")
    likes = next(g for g in report.goals if g.id == "likes")
    assert likes.smart.relevant is False
    assert any("likes is a vanity target for a DTC e-commerce shop" in n for n in likes.notes)
    assert any(n.startswith("exceeded: ") for n in likes.notes)
    orders = next(g for g in report.goals if g.id == "orders")
    assert orders.smart.relevant is True and not any("vanity" in n for n in orders.notes)


def test_a_goal_the_model_has_no_use_for_is_said_plainly():
    config = _shop({}, [{"channel": "facebook", "clicks": 10, "purchases": 1}])
    config["goals"] = [{"id": "apps", "objective": "app_installs", "metric": "installs", "channel": "all", "target": 300, "by": "2026-12-31"}]
    report = evaluate(config)
    notes = report.goals[0].notes
    assert "relevant: a DTC e-commerce shop has no use for the app installs goal: a web shop without its own app has no installs to win" in notes
    assert report.kpis and all(k.metric != "installs" or k.vanity for k in report.kpis)


def test_kpis_command_ranks_nothing_for_a_goal_the_model_has_no_use_for():
    result = invoke("kpis", "--model", "b2b", "--goal", "app_installs")
    assert result.exit_code == 0
    assert "No KPIs for the app installs goal: a B2B company has no use for it" in result.output
    assert "Measures the app installs goal" not in result.output
    assert json.loads(invoke("kpis", "--model", "b2b", "--goal", "app_installs", "--format", "json").output) == []


# --- runs compared with runs ----------------------------------------------------------------------


def test_since_marks_new_and_open_and_lists_the_resolved(tmp_path):
    config = str(EXAMPLES / "brightwire_sensors.yaml")
    old = json.loads(invoke("run", config, "--format", "json").output)
    kept = [f for f in old["findings"] if f["rule"] != "channel-never-closes"]
    gone = {"rule": "landing-page-leak", "severity": "high", "scope": {"channel": "linkedin"}, "message": "old leak"}
    old["findings"] = kept + [gone]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")

    result = invoke("run", config, "--format", "json", "--since", str(path))
    assert result.exit_code == 0
    report = json.loads(result.output)
    status = {(f["rule"], tuple(f["scope"].items())): f["status"] for f in report["findings"]}
    assert status[("channel-never-closes", (("channel", "facebook"),))] == "new"
    assert sum(s == "new" for s in status.values()) == 1 and report["summary"]["new_findings"] == 1
    assert report["summary"]["resolved"] == [gone]
    # Exit 1 only for a new finding at or above --fail-on: the new one is high.
    assert invoke("run", config, "--since", str(path), "--fail-on", "high").exit_code == 1
    assert invoke("run", config, "--since", str(path), "--fail-on", "critical").exit_code == 0
    # Against itself nothing is new, so even --fail-on info passes, though findings fire.
    same = tmp_path / "same.json"
    same.write_text(invoke("run", config, "--format", "json").output, encoding="utf-8")
    assert invoke("run", config, "--since", str(same), "--fail-on", "info").exit_code == 0
    assert invoke("run", config, "--fail-on", "info").exit_code == 1
    text = invoke("run", config, "--since", str(path)).output
    assert "channel-never-closes [facebook] (new)" in text and "resolved: landing-page-leak [linkedin]" in text
    # Markdown and HTML say the same: each finding's status, and what was resolved.
    markdown = invoke("run", config, "--since", str(path), "--format", "markdown", "--audience", "consultant").output
    assert "`channel-never-closes` · **new**" in markdown and "· **still open**" in markdown
    assert "## Since old.json: 1 new, 1 resolved" in markdown and "- resolved: landing-page-leak " in markdown
    html = invoke("run", config, "--since", str(path), "--format", "html").output
    assert '<span class="chip since new">new</span>' in html and '<span class="chip since open">still open</span>' in html
    # HTML is the client's by default: the rule by its title, as everywhere else a client reads.
    assert "Since old.json: 1 new, 1 resolved" in html and "<li>resolved: Clicks arrive, but the landing page does not keep them [LinkedIn]</li>" in html
    assert "chip since" not in invoke("run", config, "--format", "html").output


@pytest.mark.parametrize("content, expected", [
    (None, "no such file"),
    ("not json", "line 1: not JSON"),
    ('{"findings": 3}', "findings: expected a report with a list of findings"),
    ('{"findings": [{"scope": {}}]}', "findings[0].rule: expected a rule id"),
    ('{"findings": [{"rule": "x", "scope": [1]}]}', "findings[0].scope: expected an object"),
])
def test_since_refuses_what_is_not_a_report(tmp_path, content, expected):
    path = tmp_path / "old.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(EXAMPLES / "acme_outdoor.yaml"), "--since", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.output


def test_since_never_writes_over_the_old_report(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(invoke("run", str(EXAMPLES / "acme_outdoor.yaml"), "--format", "json").output, encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(EXAMPLES / "acme_outdoor.yaml"), "--since", str(path), "-o", str(path)])
    assert result.exit_code == 2 and path.read_text(encoding="utf-8") == before


def test_compare_previous_puts_the_change_beside_each_kpi():
    config = str(EXAMPLES / "lumen_candles.yaml")
    plain = json.loads(invoke("run", config, "--format", "json").output)
    assert "comparison" not in plain and all("change" not in k for k in plain["kpis"])
    assert all("status" not in f for f in plain["findings"]) and "resolved" not in plain["summary"]
    report = json.loads(invoke("run", config, "--format", "json", "--compare-previous").output)
    assert report["comparison"] == {"period": "month", "current": {"from": "2026-09-30", "to": "2026-09-30"},
                                    "previous": {"from": "2026-08-31", "to": "2026-08-31"}}
    purchases = next(k for k in report["kpis"] if k["metric"] == "purchases")
    assert (purchases["current"], purchases["previous"]) == (17, 160)
    assert purchases["change"] == pytest.approx(17 / 160 - 1)
    text = invoke("run", config, "--compare-previous").output
    assert "-89.4%" in text and "Change: the latest month of data (2026-09-30) against the one before" in text


def test_compare_previous_without_dates_says_so():
    report = json.loads(invoke("run", str(EXAMPLES / "acme_outdoor.yaml"), "--format", "json", "--compare-previous").output)
    if "comparison" not in report:
        assert any("--compare-previous" in w for w in report["warnings"])


@pytest.mark.parametrize(("action", "words"), [
    ("ebook_download", "0.5% of content downloads lead to a customer worth USD 1,000"),  # the metric it counts
    ("test_drive_booking", "0.5% of test drive bookings lead to a customer worth USD 1,000"),
    ("podcast_listen", "0.5% of podcast listens lead to a customer worth USD 1,000"),  # no such metric: the config's word
])
def test_a_micro_actions_value_reads_as_a_share_of_them(action, words):
    import kpi_advisor

    report = kpi_advisor.evaluate({"client": "X", "business_model": "b2b", "currency": "USD", "data": [{"records": [{"clicks": 1}]}],
                                   "economics": {"customer_value": 1000, "micro_conversions": [{"action": action, "to_customer_rate": 0.005}]}})
    assert [value.basis for value in report.values] == [words]


@pytest.mark.parametrize(("purchases", "lang", "said"), [
    (1, "en", "but only 1 order:"), (48, "en", "but only 48 orders:"),
    (1, "de", "aber nur 1 Bestellung:"), (48, "de", "aber nur 48 Bestellungen:"),
    (1, "da", "men kun 1 ordre:"), (48, "da", "men kun 48 ordrer:"),
])
def test_a_count_s_word_is_singular_for_one(purchases, lang, said):
    """{purchases|order|orders}: "600 add-to-carts but only 1 orders" read as a typo in a report a client signs."""
    config = _shop({"customer_value": 50}, [{"channel": "facebook", "add_to_cart": 600, "purchases": purchases}])
    report = evaluate(config, lang=lang)
    (finding,) = [f for f in report.findings if f.rule == "checkout-abandonment"]
    assert said in finding.message, finding.message

"""Rule evaluation end to end: thresholds from benchmarks and the client's own
figures, params, peers, trends, money at stake and the order of findings."""

import polars as pl
import pytest
from kpi_advisor import evaluate
from kpi_advisor.commands.ruletest import example_findings
from kpi_advisor.evaluation.rules import Economy, evaluate_rules, rule_level
from kpi_advisor.evaluation.tables import LEVEL_DIMS, metric_table
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.models.config import ClientConfig
from kpi_advisor.models.definitions import RuleDef


def report(records, **config):
    base = {"client": "Test", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": records}]}
    return evaluate({**base, **config})


def by_rule(rep, rule_id):
    return [f for f in rep.findings if f.rule == rule_id]


FACEBOOK_LOW_CTR = [{"channel": "facebook", "impressions": 200000, "clicks": 1000, "spend": 1500}]  # 0.5% CTR


# --- benchmarks ----------------------------------------------------------------------


def test_benchmark_threshold_follows_the_scope_platform():
    records = [
        {"channel": "facebook", "impressions": 200000, "clicks": 600, "spend": 1500},  # 0.3% vs 0.9%
        {"channel": "google_search", "impressions": 50000, "clicks": 1000, "spend": 4000},  # 2% vs 6.42%
        {"channel": "linkedin", "impressions": 200000, "clicks": 1000, "spend": 5000},  # 0.5% vs 0.55%: fine
        {"channel": "pinterest", "impressions": 200000, "clicks": 100, "spend": 900},  # no figure: quiet
    ]
    found = {f.scope["channel"]: f for f in by_rule(report(records), "creative-not-resonating")}
    assert set(found) == {"facebook", "google_search"}
    assert found["facebook"].thresholds == {"ctr": pytest.approx(0.0045)}
    assert found["google_search"].thresholds == {"ctr": pytest.approx(0.0321)}
    assert "0.90% benchmark (WordStream Facebook ads benchmarks 2017)" in found["facebook"].message
    assert "LocaliQ search advertising benchmarks 2024" in found["google_search"].message


@pytest.mark.parametrize("channel", ["Facebook", "facebook ads", "Meta", "FB", " facebook "])
def test_channel_names_match_their_platform(channel):
    records = [{"channel": channel, "impressions": 200000, "clicks": 600, "spend": 1500}]
    assert len(by_rule(report(records), "creative-not-resonating")) == 1


def test_client_benchmark_for_a_platform_replaces_the_shipped_one():
    # 0.5% CTR is fine against half of 0.9%, but not against half of the client's own 2%.
    assert by_rule(report(FACEBOOK_LOW_CTR), "creative-not-resonating") == []
    found = by_rule(report(FACEBOOK_LOW_CTR, benchmarks={"ctr": {"facebook": 0.02}}), "creative-not-resonating")
    assert len(found) == 1
    assert found[0].thresholds == {"ctr": pytest.approx(0.01)}
    assert "(your benchmark)" in found[0].message


def test_client_benchmark_for_all_platforms_covers_platforms_without_a_figure():
    records = [{"channel": "pinterest", "impressions": 200000, "clicks": 100, "spend": 900}]
    assert by_rule(report(records), "creative-not-resonating") == []
    found = by_rule(report(records, benchmarks={"ctr": {"all": 0.004}}), "creative-not-resonating")
    assert [f.scope for f in found] == [{"channel": "pinterest"}]


def test_client_benchmark_for_all_replaces_every_shipped_figure():
    found = by_rule(report(FACEBOOK_LOW_CTR, benchmarks={"ctr": {"all": 0.02}}), "creative-not-resonating")
    assert found[0].thresholds == {"ctr": pytest.approx(0.01)}


def test_money_benchmarks_are_only_used_in_their_currency():
    records = [{"channel": "facebook", "clicks": 1000, "spend": 4100}]
    assert len(by_rule(report(records), "high-cost-per-click")) == 1
    eur = report(records, currency="EUR")
    assert by_rule(eur, "high-cost-per-click") == []
    reason = eur.summary.rules_skipped["high-cost-per-click"]
    assert "no cpc benchmark for facebook in EUR" in reason and "benchmarks:" in reason
    # The client's own figure, in the client's currency, makes the rule run.
    assert len(by_rule(report(records, currency="EUR", benchmarks={"cpc": {"facebook": 1.5}}), "high-cost-per-click")) == 1


def test_benchmarks_compare_like_with_like_objective():
    # A lead-objective figure ($21.98 per lead) is used for cost per lead; there is no
    # all-objective cost per lead, so nothing else is compared with it.
    records = [{"channel": "facebook", "spend": 4800, "leads": 100}]
    found = by_rule(report(records), "high-cost-per-lead")
    assert "leads objective" in found[0].message
    assert found[0].thresholds == {"cost_per_lead": pytest.approx(21.98 * 1.5)}


def test_fallback_param_is_used_where_no_figure_matches():
    records = [{"channel": "pinterest", "impressions": 100000, "clicks": 1500, "sessions": 1400, "bounces": 1100}]
    found = by_rule(report(records), "landing-page-leak")
    assert found[0].thresholds["ctr"] == pytest.approx(0.009)
    assert "the rule's default" in found[0].message


# --- params and disabling -------------------------------------------------------------------


def test_config_params_override_rule_defaults():
    records = [{"channel": "facebook", "spend": 3000, "revenue": 9000}]  # ROAS 3
    assert by_rule(report(records), "roas-below-break-even") == []
    found = by_rule(report(records, rules={"params": {"roas-below-break-even": {"break_even_roas": 4}}}), "roas-below-break-even")
    assert found[0].thresholds == {"roas": 4.0}
    assert "under the 4 needed to break even" in found[0].message


def test_disabled_rules_do_not_run():
    records = [{"channel": "facebook", "spend": 3000, "revenue": 3000}]
    rep = report(records, rules={"disable": ["roas-below-break-even"]})
    assert by_rule(rep, "roas-below-break-even") == []
    assert "roas-below-break-even" not in rep.summary.rules_skipped


# --- peers -----------------------------------------------------------------------------------


def test_peers_are_the_campaigns_of_the_same_channel():
    # Campaign e's CTR is the worst of facebook's five; google's far lower CTRs are not its siblings.
    records = [
        *({"channel": "facebook", "campaign": c, "impressions": 50000, "clicks": k} for c, k in zip("abcde", (600, 650, 580, 620, 150))),
        *({"channel": "google_search", "campaign": c, "impressions": 50000, "clicks": 3000} for c in "vwxyz"),
    ]
    found = by_rule(report(records), "ctr-lagging-peers")
    assert [f.scope for f in found] == [{"channel": "facebook", "campaign": "e"}]
    assert found[0].evidence["ctr_median"] == pytest.approx(0.012)


def test_channel_peers_are_all_channels():
    records = [
        {"channel": "facebook", "purchases": 450},
        {"channel": "google_search", "purchases": 30},
        {"channel": "email", "purchases": 20},
    ]
    found = by_rule(report(records), "concentration-risk")
    assert [f.scope for f in found] == [{"channel": "facebook"}]
    assert found[0].evidence["outcome_share"] == pytest.approx(0.9)


# --- trends ----------------------------------------------------------------------------------


def daily(channel, days, spend, leads_at, start="2026-07-01"):
    import datetime as dt

    start = dt.date.fromisoformat(start)
    return [
        {"date": (start + dt.timedelta(days=i)).isoformat(), "channel": channel, "spend": spend, "leads": leads_at(i)}
        for i in range(days)
    ]


def test_daily_data_is_judged_by_month_when_there_are_three_months():
    # Cost per lead climbs steadily over 92 days: 20 a lead in July, more each month.
    records = daily("linkedin", 92, 100.0, lambda i: 5 if i < 31 else 4 if i < 62 else 3)
    found = by_rule(report(records), "rising-cost-per-lead")
    assert len(found) == 1
    assert "from USD 20.00 in 2026-07 to USD 33.33 in 2026-09" in found[0].message


def test_daily_data_over_a_few_weeks_is_judged_by_week():
    records = daily("linkedin", 28, 100.0, lambda i: 5 if i < 7 else 4 if i < 14 else 3, start="2026-07-06")
    found = by_rule(report(records), "rising-cost-per-lead")
    assert len(found) == 1
    assert "week of" in found[0].message


def test_one_noisy_week_does_not_make_a_trend():
    # Four Monday-to-Sunday weeks; the last one is bad.
    records = daily("linkedin", 28, 100.0, lambda i: 2 if 21 <= i < 28 else 5, start="2026-07-06")
    assert by_rule(report(records), "rising-cost-per-lead") == []


def test_stocks_are_the_last_value_in_each_period():
    # Followers reported daily: growth is read from each month's last value, not their sum.
    import datetime as dt

    start = dt.date(2026, 6, 1)
    records = [
        {"date": (start + dt.timedelta(days=i)).isoformat(), "channel": "instagram", "followers": 10000 + i}
        for i in range(122)
    ]
    found = by_rule(report(records), "stalled-follower-growth")
    assert len(found) == 1
    assert found[0].evidence["followers_first"] == 10029  # June 30
    assert found[0].evidence["followers_last"] == 10121  # September 30


def test_trend_rules_are_skipped_without_dates():
    rep = report([{"channel": "linkedin", "spend": 3000, "leads": 40}])
    assert "dated data" in rep.summary.rules_skipped["rising-cost-per-lead"]


def test_trend_on_the_total_level():
    records = [
        {"date": "2026-07-31", "spend": 6000, "leads": 120},
        {"date": "2026-08-31", "spend": 6000, "leads": 96},
        {"date": "2026-09-30", "spend": 6000, "leads": 80},
    ]
    found = by_rule(report(records), "rising-cost-per-lead")
    assert [f.scope for f in found] == [{}]


# --- money at stake --------------------------------------------------------------------------

LEAK = [{"channel": "facebook", "impressions": 120000, "clicks": 3600, "sessions": 3300, "bounces": 2650, "purchases": 13}]


def test_impact_is_null_without_economics():
    found = by_rule(report(LEAK), "landing-page-leak")
    assert found[0].impact is None


def test_impact_in_customers_times_customer_value():
    found = by_rule(report(LEAK, economics={"customer_value": 80}), "landing-page-leak")
    impact = found[0].impact
    # 3,300 visits x (80.3% - 60%) kept, buying like the 650 visits that stay (13 orders): 13.4 more
    # orders. The 60% limit is within half today's 80.3% bounce rate (no many-fold jump), so it is the
    # target; the money stops at what the scope earns today (13 orders at 80).
    assert impact.metric == "sessions"
    assert impact.value == pytest.approx(3300 * (2650 / 3300 - 0.6), abs=0.01)  # visits kept
    assert impact.money == pytest.approx(13 * 80, abs=0.01)
    assert "670 sessions x 2.0% of (sessions - bounces) becoming purchases on this scope = 13.4 purchases" in impact.basis
    assert "valued against the threshold bounce rate 60.0%" in impact.basis
    assert "at USD 80.00 each" in impact.basis and "at most what this scope earns (USD 1,040)" in impact.basis


def test_a_gain_within_a_doubling_is_valued_as_computed():
    records = [{"channel": "facebook", "impressions": 120000, "clicks": 3600, "sessions": 3300, "bounces": 2100, "purchases": 40}]
    impact = by_rule(report(records, economics={"customer_value": 80}), "landing-page-leak")[0].impact
    # 3,300 visits x (63.6% - 60%) kept, buying like the 1,200 visits that stay (40 orders): 4 orders.
    assert impact.value == pytest.approx(3300 * (2100 / 3300 - 0.6), abs=0.01)
    assert impact.money == pytest.approx(3300 * (2100 / 3300 - 0.6) * 40 / 1200 * 80, abs=0.01)
    assert "at most" not in impact.basis


def test_kept_visits_convert_like_the_visits_that_stay_down_to_customers():
    """B2B: no orders, customers from the CRM. The visits a landing page keeps are carried down to
    customers at the rate of the visits that stay today (customers / (sessions - bounces)), not at the
    rate of all visits, bounces included, and not left unvalued for want of purchases."""
    records = [{"channel": "google_ads", "impressions": 190000, "clicks": 10700, "sessions": 9800, "bounces": 6400,
                "leads": 360, "customers": 5, "spend": 60000}]
    impact = by_rule(report(records, economics={"customer_value": 18000}), "landing-page-leak")[0].impact
    kept = 9800 * (6400 / 9800 - 0.6)
    assert impact.metric == "sessions" and impact.value == pytest.approx(kept, abs=0.01)
    assert impact.money == pytest.approx(kept * 5 / (9800 - 6400) * 18000, abs=0.01)
    assert "of (sessions - bounces) becoming customers on this scope" in impact.basis
    # Without customers either: nothing to carry down to, so the spend is what is at risk (bounded, stated).
    del records[0]["customers"]
    impact = by_rule(report(records, economics={"customer_value": 18000}), "landing-page-leak")[0].impact
    assert impact.money == pytest.approx(60000) and "its spend of USD 60,000 is what is at risk" in impact.basis


def test_kept_visits_at_the_revenue_of_the_visits_that_stay():
    """Revenue but no orders (a shop's till beside its ads): each kept visit brings in what a visit
    that stays brings in today, revenue / (sessions - bounces)."""
    records = [{"channel": "facebook", "impressions": 120000, "clicks": 3600, "sessions": 3300, "bounces": 2650,
                "spend": 2000, "revenue": 6500}]
    impact = by_rule(report(records, economics={"average_order_value": 55}), "landing-page-leak")[0].impact
    kept = 3300 * (2650 / 3300 - 0.6)
    assert impact.money == pytest.approx(min(kept * 6500 / 650, 6500), abs=0.01)
    assert "USD 10.00 of revenue per (sessions - bounces) on this scope" in impact.basis


def test_impact_is_carried_down_the_funnel_at_the_scope_rate():
    records = [{"channel": "facebook", "clicks": 4000, "sessions": 1900, "purchases": 38}]
    found = by_rule(report(records, economics={"customer_value": 50}), "click-to-visit-loss")
    impact = found[0].impact
    assert impact.metric == "sessions" and impact.value == pytest.approx(900)
    # 900 visits x 2% visit-to-order here = 18 orders x 50
    assert impact.money == pytest.approx(900 * 38 / 1900 * 50)
    assert "on this scope" in impact.basis and "18 purchases" in impact.basis


def test_impact_is_never_extrapolated_from_other_scopes():
    """A scope that converts nothing gets no revenue from another scope's rate: its spend is what is
    at risk, and without spend it is not valued."""
    records = [
        {"channel": "facebook", "clicks": 4000, "sessions": 1900},
        {"channel": "google_search", "clicks": 1000, "sessions": 950, "purchases": 19},
    ]
    found = by_rule(report(records, economics={"customer_value": 50}), "click-to-visit-loss")
    assert found[0].impact.money is None and "over all data" not in found[0].impact.basis
    records[0]["spend"] = 700
    found = by_rule(report(records, economics={"customer_value": 50}), "click-to-visit-loss")
    assert found[0].impact.money == pytest.approx(700)
    assert "its spend of USD 700 is what is at risk" in found[0].impact.basis


def test_impact_without_orders_is_valued_at_the_scopes_own_revenue_per_unit():
    """A shop's till revenue beside its ads, no orders counted: the visits lost bring in what this
    scope's visits bring in, not its whole spend; another scope's revenue never counts."""
    records = [
        {"channel": "facebook", "clicks": 4000, "sessions": 1900, "spend": 700, "revenue": 3800},
        {"channel": "google_search", "clicks": 4000, "sessions": 1900, "spend": 700},
    ]
    found = {f.scope["channel"]: f for f in by_rule(report(records, economics={"average_order_value": 55}), "click-to-visit-loss")}
    facebook = found["facebook"].impact
    assert facebook.money == pytest.approx(facebook.value * 3800 / 1900)  # the visits kept at USD 2.00 a visit here
    assert "USD 2.00 of revenue per session on this scope" in facebook.basis
    assert found["google_search"].impact.money == pytest.approx(700)  # no revenue of its own: its spend is at risk


def test_money_never_exceeds_what_the_scope_spends_or_earns():
    records = [{"channel": "facebook", "clicks": 40000, "sessions": 1900, "purchases": 38, "spend": 500, "revenue": 1200}]
    impact = by_rule(report(records, economics={"customer_value": 5000}), "click-to-visit-loss")[0].impact
    assert impact.money == pytest.approx(1200)
    assert "at most what this scope earns (USD 1,200)" in impact.basis


def test_micro_conversion_values_price_the_gap():
    records = [{"channel": "facebook", "configurator_uses": 1500, "test_drive_bookings": 15}]
    economics = {"customer_value": 4000, "micro_conversions": [{"action": "test_drive_booking", "to_customer_rate": 0.1}]}
    rep = report(records, economics=economics)
    impact = by_rule(rep, "configurator-not-booking")[0].impact
    # 30 more test drives, each worth 10% of 4,000, capped at a doubling of today's 15
    assert impact.value == pytest.approx(15) and impact.money == pytest.approx(15 * 400)
    assert [(v.action, v.value) for v in rep.values] == [("test_drive_booking", 400.0)]


def test_money_impacts_need_no_economics():
    found = by_rule(report([{"channel": "facebook", "spend": 3000, "revenue": 3900}]), "roas-below-break-even")
    assert found[0].impact.metric == "spend" and found[0].impact.money == pytest.approx(3000 - 3900 / 2)


def test_support_replies_are_not_carried_down_to_sales():
    records = [{"channel": "facebook", "support_requests": 120, "support_replied_within_1h": 40, "sessions": 1000, "purchases": 30}]
    impact = by_rule(report(records, economics={"customer_value": 100}), "slow-support-response")[0].impact
    assert impact.money is None and "not valued" in impact.basis


def test_findings_are_ordered_by_severity_then_money():
    records = [
        {"channel": "facebook", "spend": 3000, "revenue": 3900, "add_to_cart": 600, "purchases": 60},
        {"channel": "google_search", "spend": 9000, "revenue": 9000, "add_to_cart": 300, "purchases": 90},
        {"channel": "tiktok", "clicks": 4000, "sessions": 1900, "purchases": 10, "spend": 500, "revenue": 2000},
    ]
    rep = report(records, economics={"customer_value": 100})
    order = [(f.severity, f.impact.money if f.impact else None) for f in rep.findings]
    severities = ["critical", "high", "medium", "low", "info"]
    assert order == sorted(order, key=lambda p: (severities.index(p[0]), -(p[1] or 0)))
    # google_search loses 4,500 below break-even; facebook's checkout gap is capped at its 3,900 of revenue
    assert [f.rule for f in rep.findings][:2] == ["roas-below-break-even", "checkout-abandonment"]


# --- evaluation stays vectorized ---------------------------------------------------------------


def test_only_fired_rows_come_back_to_python(monkeypatch):
    catalog = get_catalog()
    rows = [{"channel": "facebook", "campaign": f"c{i}", "impressions": 60000, "clicks": 900, "sessions": 800,
             "bounces": 300, "spend": 900, "purchases": 25, "revenue": 2300} for i in range(2000)]
    rows[7]["bounces"] = 700  # one leaking campaign
    seen = []
    original = pl.DataFrame.iter_rows

    def spy(self, *args, **kwargs):
        seen.append(self.height)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "iter_rows", spy)
    findings, _ = example_findings(list(catalog.specs.values()), rows, catalog)
    assert [(f.rule, f.scope["campaign"]) for f in findings] == [("landing-page-leak", "c7")]
    assert max(seen) == 1


def test_a_levels_rules_take_as_many_queries_as_their_formulas_are_deep_however_many(monkeypatch):
    catalog = get_catalog()
    rows = [{"channel": "facebook", "clicks": 4000, "sessions": 1900, "spend": 3000, "revenue": 3900}]
    config = ClientConfig(client="t", business_model="dtc_ecommerce", data=[{"records": rows}])
    from pathlib import Path

    from kpi_advisor.data.sources import load_dataset

    dataset = load_dataset(config, catalog, Path.cwd())
    tables = {level: metric_table(dataset, catalog, level) for level in LEVEL_DIMS}
    calls = []
    original = pl.DataFrame.with_columns

    def spy(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "with_columns", spy)
    specs = list(catalog.specs.values())
    outcome = evaluate_rules(specs, tables, catalog, {}, Economy(currency="USD"))
    assert {f.rule for f in outcome.findings} == {"click-to-visit-loss", "roas-below-break-even"}
    levels = {rule_level(spec.rule, tables) for spec in specs if spec.rule.id not in outcome.skipped}
    assert levels == {"channel", "total"}
    # Without campaigns in the data the rules run per channel, and the account-wide ones on all
    # data: each level's rules in as many queries as their formulas are deep, however many rules
    # share the level. Twice the rules (each under a second id) take the same number of queries.
    once = len(calls)
    assert len(levels) <= once <= len(levels) * 10
    calls.clear()
    import dataclasses

    twice = specs + [dataclasses.replace(s, rule=s.rule.model_copy(update={"id": s.rule.id + "-again"})) for s in specs]
    doubled = evaluate_rules(twice, tables, catalog, {}, Economy(currency="USD"))
    assert len(doubled.findings) == 2 * len(outcome.findings)
    assert len(calls) == once


def test_a_rule_pack_from_a_config_gets_the_same_functions(tmp_path):
    pack = tmp_path / "agency.yaml"
    pack.write_text(
        """
pack: agency
rules:
  - id: cpc-above-siblings
    title: CPC far above the other channels
    stage: interest
    severity: low
    let: {cpc_median: peer_median(cpc)}
    when: peer_count(cpc) >= 3 and cpc > cpc_median * 2
    message: "{scope}: {cpc} a click against a {cpc_median} median"
    recommendation: Look at the bids.
    rationale: A channel paying twice the median for a click is the odd one out.
    source: agency practice
""",
        encoding="utf-8",
    )
    records = [{"channel": c, "clicks": 1000, "spend": s} for c, s in (("a", 1000), ("b", 1100), ("c", 1200), ("d", 4000))]
    rep = report(records, rules={"packs": [str(pack)]})
    assert [f.message for f in by_rule(rep, "cpc-above-siblings")] == ["d: USD 4.00 a click against a USD 1.15 median"]


def test_rule_definition_is_a_pydantic_model():
    assert RuleDef.model_json_schema()["properties"]["let"]["type"] == "object"


def test_findings_left_unworded_get_the_same_words_later(monkeypatch):
    """A roll-up's members are numbers: the engine may leave their words for later, and the
    words written later are the ones written at once, in the locale current when they fired."""
    from pathlib import Path

    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.i18n.formatting import use_locale

    catalog = get_catalog()
    rows = [{"channel": "facebook", "campaign": f"c{i}", "clicks": 4000, "sessions": 1900 + i, "bounces": 1700,
             "spend": 3000.5 + i, "revenue": 3900, "purchases": 40} for i in range(6)]
    config = ClientConfig(client="t", business_model="dtc_ecommerce", currency="EUR", data=[{"records": rows}])
    dataset = load_dataset(config, catalog, Path.cwd())
    tables = {level: metric_table(dataset, catalog, level) for level in LEVEL_DIMS}
    specs, economy = list(catalog.specs.values()), Economy(currency="EUR", customer_value=120.0)
    with use_locale("de"):
        now = evaluate_rules(specs, tables, catalog, {}, economy).findings
        later = evaluate_rules(specs, tables, catalog, {}, economy, words=False).findings
    assert len(now) >= 6 and all(f.message and f.recommendation for f in now)
    assert all(f.message == "" and f.recommendation == "" for f in later)
    # Worded outside the locale they fired in: still German numbers ("3.000" for three thousand).
    assert [f.worded().model_dump() for f in later] == [f.model_dump() for f in now]
    assert any("3.0" in f.message for f in now)
    assert later[0].worded() is later[0] and later[0].message == now[0].message


@pytest.mark.parametrize(("lang", "words"), [("de", "670 × Sitzungen, die wie (Sitzungen - Absprünge) konvertieren: davon werden 2.0%"),  # the rate as the run wrote it
                                              ("da", "konverterer som (sessioner - afvisninger)"),
                                              ("id", "berkonversi seperti (sesi - pentalan)")])
def test_a_basis_carried_at_another_base_reads_in_the_reports_language(lang, words):
    from kpi_advisor.i18n.messages import Translator
    from kpi_advisor.i18n.phrases import translate_basis

    basis = ("visits kept if the bounce rate fell to the limit, converting like the visits that stay today; 670 sessions x 2.0% "
             "of (sessions - bounces) becoming purchases on this scope = 13.4 purchases at USD 80.00 each")
    text = translate_basis(basis, Translator(lang))
    assert words in text and "becoming" not in text and "bounces" not in text, text


@pytest.mark.parametrize(("lang", "words"), [("de", "465 × Link-Klicks zu je EUR 4.27 Umsatz, wie in diesem Bereich"),  # the money as the run wrote it
                                              ("da", "i omsætning stykket, som i dette udsnit"),
                                              ("id", "dengan pendapatan")])
def test_a_basis_at_revenue_per_unit_reads_in_the_reports_language(lang, words):
    from kpi_advisor.i18n.messages import Translator
    from kpi_advisor.i18n.phrases import translate_basis

    basis = "clicks gained had the CTR stayed at its first-period level; 465 clicks x EUR 4.27 of revenue per click on this scope"
    text = translate_basis(basis, Translator(lang))
    assert words in text and "of revenue per" not in text, text


def test_kept_visits_are_not_valued_where_no_visit_stays():
    """Every visit bounced, yet the platform counts purchases (a tracking mismatch): no visit that
    stays to convert like, so the gap is not sized, and never the whole spend."""
    records = [{"channel": "facebook", "impressions": 120000, "clicks": 3600, "sessions": 3000, "bounces": 3000,
                "purchases": 12, "revenue": 1200, "spend": 2500}]
    impact = by_rule(report(records, economics={"customer_value": 80}), "landing-page-leak")[0].impact
    assert impact.money is None
    assert "not valued: this scope has no (sessions - bounces) today" in impact.basis


def test_a_basis_counts_one_unit_in_the_singular():
    # 1,000 visits at 70% bounce against the 60% limit: 100 visits kept, buying like the 300 that
    # stay (3 orders): exactly one more order.
    records = [{"channel": "facebook", "impressions": 100000, "clicks": 1200, "sessions": 1000, "bounces": 700, "purchases": 3}]
    impact = by_rule(report(records, economics={"customer_value": 80}), "landing-page-leak")[0].impact
    assert "100 sessions x 1.0% of (sessions - bounces) becoming purchases on this scope = 1 purchase at USD 80.00 each" in impact.basis


@pytest.mark.parametrize("basis", [
    "visits kept; 100 sessions x 1.0% of (sessions - bounces) becoming purchases on this scope = 1 purchase at USD 80.00 each",
    "visits kept; 1 session x 50.0% of sessions becoming purchases on this scope = 0.50 purchases at USD 80.00 each",
])
def test_a_basis_that_counts_one_unit_reads_in_the_reports_language_too(basis):
    from kpi_advisor.i18n.messages import Translator
    from kpi_advisor.i18n.phrases import translate_basis

    text = translate_basis(basis, Translator("de"))
    assert "becoming" not in text and " each" not in text, text
    assert "die wie Sitzungen konvertieren" not in text  # one session converts like sessions: no second base named


@pytest.mark.parametrize(("plural", "one"), [("purchases", "purchase"), ("inquiries", "inquiry"), ("sessions", "session"),
                                              ("business", "business"), ("add to cart", "add to cart")])
def test_a_count_of_one_is_written_in_the_singular(plural, one):
    from kpi_advisor.evaluation.rules import _one_of
    from kpi_advisor.i18n.formatting import plural as plural_of

    assert _one_of("1", plural) == one and _one_of("2", plural) == plural
    if one != plural:
        assert plural_of(one) == plural


def test_a_pack_rule_s_params_say_where_they_come_from_and_own_names_win(tmp_path):
    """{max_cpc_source} says where max_cpc comes from (the rule's default, or the client's own word
    under rules.params), unless the rule has a value of that very name, which it then shows; a count's
    word follows its number ({clicks|click|clicks})."""
    pack = tmp_path / "agency.yaml"
    pack.write_text(
        """
pack: agency
rules:
  - id: dear-clicks
    title: Clicks cost more than the agency's ceiling
    stage: interest
    severity: low
    when: cpc > max_cpc
    params: {max_cpc: 2}
    units: {max_cpc: currency}
    message: "{scope}: {clicks} {clicks|click|clicks} at {cpc}, over {max_cpc} ({max_cpc_source})"
    recommendation: Look at the bids.
    rationale: The agency's ceiling.
    source: agency practice
  - id: dear-clicks-noted
    title: Clicks cost more than the agency's ceiling, noted
    stage: interest
    severity: low
    when: cpc > max_cpc
    params: {max_cpc: 2, max_cpc_source: 7}
    units: {max_cpc: currency, max_cpc_source: count}
    message: "{scope}: note {max_cpc_source}"
    recommendation: Look at the bids.
    rationale: The agency's ceiling.
    source: agency practice
""",
        encoding="utf-8",
    )
    records = [{"channel": "a", "clicks": 1, "spend": 3}, {"channel": "b", "clicks": 1000, "spend": 3000}]
    messages = [f.message for f in by_rule(report(records, rules={"packs": [str(pack)]}), "dear-clicks")]
    assert messages == ["a: 1 click at USD 3.00, over USD 2.00 (the rule's default)",
                        "b: 1,000 clicks at USD 3.00, over USD 2.00 (the rule's default)"]
    own = report(records, rules={"packs": [str(pack)], "params": {"dear-clicks": {"max_cpc": 2.5}}})
    assert by_rule(own, "dear-clicks")[0].message == "a: 1 click at USD 3.00, over USD 2.50 (set for this client)"
    assert by_rule(own, "dear-clicks-noted")[0].message == "a: note 7"


def test_a_count_is_one_where_it_is_one_not_where_it_rounds_to_it():
    from kpi_advisor.evaluation.rules import _is_one

    assert _is_one(1) and _is_one(1.0) and _is_one(0.1 + 0.2 + 0.7)
    assert not any(_is_one(v) for v in (1.004, 0.999, 0, 2, None, True, "1"))

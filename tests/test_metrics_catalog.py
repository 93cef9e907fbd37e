"""The built-in metric catalogue: complete, consistent, listed and explained."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kpi_advisor import evaluate
from kpi_advisor.cli import cli
from kpi_advisor.language import expr
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.models.definitions import DIMENSIONS, STAGES
from kpi_advisor.plugins import metrics as builtin

CATALOG = get_catalog()
BUILT_IN = {m["id"]: m for m in builtin.BASE + builtin.DERIVED}

# What the issue asks the catalogue to cover, by the id each has here.
REQUIRED = {
    "reach": ["reach", "impressions", "frequency", "followers", "new_followers", "follower_growth_rate", "share_of_voice",
              "video_views", "cpm"],
    "engagement": ["likes", "comments", "shares", "saves", "mentions", "engagements", "engagement_rate",
                   "average_engagement_per_post", "share_rate", "amplification_rate"],
    "traffic": ["clicks", "ctr", "cpc", "sessions", "landing_page_views", "bounce_rate", "time_on_site", "pages_per_session"],
    "conversion": ["leads", "qualified_leads", "demo_requests", "trial_signups", "content_downloads", "visit_to_lead_rate",
                   "lead_to_customer_rate", "add_to_cart", "checkouts", "purchases", "revenue", "conversion_rate",
                   "cart_abandonment_rate", "cost_per_lead", "cost_per_acquisition", "roas", "average_order_value",
                   "non_revenue_conversions"],
    "loyalty": ["customer_lifetime_value", "repeat_purchases", "support_requests", "support_response_rate_1h",
                "resolved_issues", "sentiment"],
    "offline": ["store_visits", "coupon_redemptions", "calls", "direction_requests", "gbp_views", "gbp_clicks", "installs",
                "cost_per_install"],
}

# Ids and aliases that rules, profiles and goals on other branches may name: never renamed.
FIRST_IDS = (
    "impressions reach followers new_followers video_views mentions competitor_mentions spend likes comments shares saves "
    "engagements posts clicks sessions bounces engaged_sessions pageviews landing_page_views leads qualified_leads "
    "demo_requests trial_signups content_downloads webinar_signups inquiries product_page_time configurator_uses "
    "test_drive_bookings calls direction_requests gbp_views gbp_clicks ad_revenue subscriptions add_to_cart checkouts "
    "purchases customers revenue conversions store_visits coupon_redemptions installs repeat_purchases support_requests "
    "support_replied_within_1h frequency cpm share_of_voice engagement_rate share_rate ctr cpc bounce_rate "
    "click_to_session_rate visit_to_lead_rate lead_to_customer_rate cost_per_lead conversion_rate cart_abandonment_rate "
    "cost_per_acquisition roas average_order_value cost_per_install support_response_rate_1h"
).split()
FIRST_ALIASES = {
    "cost": "spend", "amount_spent": "spend", "reactions": "likes", "reposts": "shares", "link_clicks": "clicks",
    "visits": "sessions", "page_views": "pageviews", "lead": "leads", "ebook_downloads": "content_downloads",
    "brochure_downloads": "content_downloads", "adds_to_cart": "add_to_cart", "orders": "purchases",
    "conversions_purchase": "purchases", "sales": "revenue",
}


def test_catalogue_covers_the_issue():
    missing = [m for ids in REQUIRED.values() for m in ids if m not in CATALOG.metrics]
    assert not missing
    assert len(BUILT_IN) >= 100


def test_first_ids_and_aliases_still_work():
    assert [m for m in FIRST_IDS if m not in BUILT_IN] == []
    assert {alias: CATALOG.aliases.get(alias) for alias in FIRST_ALIASES} == FIRST_ALIASES


@pytest.mark.parametrize("metric_id", sorted(BUILT_IN))
def test_every_metric_is_complete(metric_id):
    metric = CATALOG.metrics[metric_id]
    assert metric.stage in STAGES
    assert metric.name and metric.name != metric.id
    description = metric.description
    # One sentence a client understands: capitalised, ends with a full stop, no line breaks.
    assert description[0].isupper() and description.endswith(".") and "\n" not in description
    assert description.count(". ") == 0, description
    assert 15 <= len(description) <= 140
    if metric.formula:
        parsed = expr.parse(metric.formula)
        expr.check_names(parsed, CATALOG.metrics.keys())
        assert not metric.aliases, "aliases name data columns; a derived metric has none"
    assert CATALOG.origins["metric:" + metric_id] == "metrics"


def test_aliases_are_unambiguous():
    seen: dict[str, str] = {}
    for metric in BUILT_IN.values():
        for alias in metric.get("aliases", []):
            assert alias not in seen, f"{alias} means both {seen[alias]} and {metric['id']}"
            assert alias not in BUILT_IN and alias not in DIMENSIONS
            seen[alias] = metric["id"]


def test_stocks_and_flows():
    assert CATALOG.metrics["followers"].aggregate == "last"
    # A time per request is averaged over rows, never summed; its weighted average over requests
    # comes from first_response_minutes_total, a sum like every other count.
    assert CATALOG.metrics["first_response_minutes"].aggregate == "mean"
    assert all(m.aggregate == "sum" for m in CATALOG.metrics.values() if m.id not in ("followers", "first_response_minutes", "reach", "users"))
    # combine is the current spelling: people (reach, unique users) are never added up over dates.
    assert CATALOG.metrics["followers"].combine == "latest"
    assert CATALOG.metrics["reach"].combine == "max" and CATALOG.metrics["users"].combine == "max"
    assert all(m.combine == "sum" for m in CATALOG.metrics.values() if m.derived)


def test_directions_follow_what_better_means():
    lower = {m.id for m in CATALOG.metrics.values() if m.direction == "lower"}
    assert {"cpc", "cpm", "cost_per_lead", "cost_per_acquisition", "bounce_rate", "cart_abandonment_rate", "cost_per_install"} <= lower
    assert CATALOG.metrics["roas"].direction == "higher"
    assert CATALOG.metrics["spend"].direction == "neutral"


def test_vanity_defaults():
    vanity = {m.id for m in CATALOG.metrics.values() if m.vanity}
    assert {"impressions", "reach", "followers", "likes", "pageviews", "clicks_all"} <= vanity
    assert not vanity & {"purchases", "revenue", "leads", "qualified_leads", "roas", "cost_per_lead", "sessions"}


def test_formulas_compute_what_the_issue_says():
    records = [
        {"channel": "instagram", "impressions": 20000, "reach": 8000, "followers": 5000, "new_followers": 250,
         "engagements": 900, "posts": 10, "shares": 60, "likes": 700, "mentions": 30, "competitor_mentions": 90,
         "positive_mentions": 20, "negative_mentions": 5, "spend": 400, "clicks": 300, "clicks_all": 700,
         "sessions": 280, "bounces": 140, "engaged_sessions": 140, "engagement_time": 8400, "pageviews": 700,
         "leads": 14, "qualified_leads": 7, "customers": 2, "customer_lifetime_revenue": 1800, "add_to_cart": 40,
         "purchases": 10, "repeat_purchases": 4, "revenue": 1200, "conversions": 20, "installs": 15,
         "support_requests": 50, "support_replied_within_1h": 35, "resolved_issues": 45, "video_views": 5000,
         "video_completions": 1000, "gbp_views": 400, "gbp_clicks": 40, "app_store_views": 150},
    ]
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": records}]})
    values = report.metrics[0].values
    expected = {
        "engagement_rate": 900 / 20000, "average_engagement_per_post": 90, "share_rate": 60 / 20000,
        "amplification_rate": 60 / 10 / 5000, "engagement_per_follower": 900 / 5000, "frequency": 2.5,
        "follower_growth_rate": 250 / 4750, "share_of_voice": 0.25, "cpm": 20, "ctr": 0.015, "ctr_all": 0.035,
        "cpc": 400 / 300, "bounce_rate": 0.5, "session_engagement_rate": 0.5, "time_on_site": 30, "pages_per_session": 2.5,
        "visit_to_lead_rate": 0.05, "lead_to_customer_rate": 2 / 14, "qualified_lead_rate": 0.5, "cost_per_lead": 400 / 14,
        "cost_per_qualified_lead": 400 / 7, "conversion_rate": 10 / 280, "cart_abandonment_rate": 0.75,
        "cost_per_acquisition": 40, "roas": 3, "average_order_value": 120, "click_conversion_rate": 20 / 300,
        "cost_per_conversion": 20, "customer_lifetime_value": 900, "repeat_purchase_rate": 0.4,
        "support_response_rate_1h": 0.7, "resolution_rate": 0.9, "sentiment": 15 / 25, "cost_per_install": 400 / 15,
        "install_rate": 0.1, "video_view_rate": 0.25, "video_completion_rate": 0.2, "cost_per_video_view": 0.08,
        "gbp_click_rate": 0.1, "add_to_cart_rate": 40 / 280,
    }
    for metric_id, value in expected.items():
        assert values[metric_id] == pytest.approx(value, abs=1e-6), metric_id


def test_list_metrics_json_shows_every_field():
    result = CliRunner().invoke(cli, ["list", "metrics", "--format", "json"])
    assert result.exit_code == 0
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert set(BUILT_IN) <= set(rows)
    bounce = rows["bounce_rate"]
    assert bounce["formula"] == "bounces / sessions" and bounce["direction"] == "lower" and bounce["stage"] == "interest"
    assert "1 - engagement rate" in bounce["description"] and bounce["unit"] == "ratio" and bounce["derived"] is True
    assert rows["clicks"]["aliases"][0] == "link_clicks" and rows["clicks"]["name"] == "Link clicks"
    assert rows["impressions"]["vanity"] is True and rows["followers"]["aggregate"] == "last"


def test_list_metrics_text():
    result = CliRunner().invoke(cli, ["list", "metrics"])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == len(CATALOG.metrics)
    assert any(line.startswith("cost_per_lead") and "[evaluation]" in line for line in result.output.splitlines())


def test_explain_every_metric():
    runner = CliRunner()
    for metric_id, metric in CATALOG.metrics.items():
        result = runner.invoke(cli, ["explain", metric_id])
        assert result.exit_code == 0, (metric_id, result.output)
        assert f"metric {metric_id}: {metric.title}" in result.output
        assert metric.description in result.output
        assert f"stage: {metric.stage}" in result.output
        if metric.formula:
            assert f"formula: {metric.formula}" in result.output
        else:
            assert "base count read from data" in result.output


def test_explain_shows_stock_and_aliases():
    output = CliRunner().invoke(cli, ["explain", "followers"]).output
    assert "combine: latest" in output and "latest date counts" in output and "page_followers" in output
    output = CliRunner().invoke(cli, ["explain", "clicks"]).output
    assert "also read from: link_clicks" in output


def test_explain_unknown_suggests():
    result = CliRunner().invoke(cli, ["explain", "bounce_rat"])
    assert result.exit_code == 2 and "did you mean 'bounce_rate'" in result.output


def test_the_compiled_metrics_are_kept_per_catalogue_and_a_configs_own_metric_gets_its_own(monkeypatch):
    """A warm run reuses the installed catalogue's compiled metrics (``Catalog.memo``); a config
    that adds a metric works on a copy with a memo of its own, so the next plain config never sees
    that metric, and a config that redefines nothing shares the installed memo."""
    from kpi_advisor.loading import catalog as catalog_mod
    from kpi_advisor.loading.prepare import load_config, prepare

    rows = [{"channel": "search", "impressions": 1000, "clicks": 50, "spend": 40.0}]
    base = {"client": "c", "business_model": "dtc_ecommerce", "data": [{"records": rows}]}
    installed = get_catalog()
    plain = prepare(load_config(base))
    assert plain.catalog.memo is installed.memo  # the rules are the config's, the metrics the installed ones
    own = prepare(load_config({**base, "metrics": [{"id": "clicks_per_euro", "formula": "clicks / spend", "unit": "ratio",
                                                    "stage": "interest"}]}))
    assert own.catalog.memo is not installed.memo
    channel = lambda report: next(m.values for m in report.metrics if m.scope == {"channel": "search"})  # noqa: E731
    assert channel(evaluate({**base, "metrics": [{"id": "clicks_per_euro", "formula": "clicks / spend", "unit": "ratio",
                                                  "stage": "interest"}]}))["clicks_per_euro"] == 1.25
    assert "clicks_per_euro" not in channel(evaluate(base))
    monkeypatch.setattr(catalog_mod, "_MEMO_MAX", 2)
    made = []
    memo_catalog = catalog_mod.Catalog(metrics={}, rules={}, profiles={}, goals={}, benchmarks=(), formats={}, reporters={})
    for key in ("a", "b", "a", "c"):
        memo_catalog.remember((key,), lambda key=key: made.append(key) or key)
    assert made == ["a", "b", "c"] and len(memo_catalog.memo) == 1  # full at two: started over


def test_base_inputs_of_a_long_chain_of_metrics_need_no_recursion():
    """A config may chain hundreds of metrics, each reading the last (the service's own limits
    test sends 800): their base counts are found without the interpreter's recursion limit."""
    from kpi_advisor.models.definitions import MetricDef

    chain = [MetricDef(id="m0", formula="clicks / impressions", stage="interest")]
    chain += [MetricDef(id=f"m{n}", formula=f"m{n - 1} * 1.0001 + sessions / clicks", stage="interest") for n in range(1, 3000)]
    catalog = get_catalog().with_metrics(chain, "test")
    assert catalog.base_inputs("m2999") == ["clicks", "impressions", "sessions"]
    assert catalog.base_inputs("m0") == ["clicks", "impressions"]

"""One healthy funnel per business model: four months of data, several channels
and sibling campaigns, so that trend, peer and benchmark rules all run. Nothing
may fire, and the rules that matter for the model must have run rather than
been skipped (a quiet rule that never ran proves nothing)."""

import datetime as dt

import pytest
from kpi_advisor.commands.ruletest import example_findings
from kpi_advisor.evaluation.rules import Economy
from kpi_advisor.loading.catalog import get_catalog

MONTHS = [dt.date(2026, 6, 30), dt.date(2026, 7, 31), dt.date(2026, 8, 31), dt.date(2026, 9, 30)]
STOCKS = ("followers",)


def channel(name, campaigns=None, growth=0.03, **counts):
    """Rows for one channel: per month (volumes grow ``growth`` a month) and per campaign
    (volumes differ a little between siblings); rates stay the same, as in a healthy funnel.
    Stocks (followers) grow 2% a month."""
    rows = []
    for month_index, date in enumerate(MONTHS):
        for campaign_index, campaign in enumerate(campaigns or [None]):
            factor = (1 + growth) ** month_index * (1 + 0.04 * (campaign_index % 3 - 1))
            row = {"date": date.isoformat(), "channel": name}
            if campaign is not None:
                row["campaign"] = campaign
            for key, value in counts.items():
                scale = 1.02**month_index if key in STOCKS else factor
                row[key] = round(value * scale, 2 if key in ("spend", "revenue", "ad_revenue") else 0)
            rows.append(row)
    return rows


FOUR = ["prospecting", "retargeting", "lookalike", "catalog"]
SEARCH = ["brand", "generic", "shopping", "competitors"]

HEALTHY = {
    "dtc_ecommerce": [
        *channel("facebook", FOUR, impressions=60000, reach=25000, clicks=900, sessions=780, bounces=310, pageviews=2300,
                 engagements=2400, shares=45, add_to_cart=70, checkouts=40, purchases=26, revenue=2340, spend=950),
        *channel("instagram", followers=15000, posts=12, engagements=1100, reach=30000, impressions=45000, shares=60,
                 clicks=330, sessions=290, bounces=110, pageviews=800, add_to_cart=20, checkouts=12, purchases=8,
                 revenue=720, support_requests=60, support_replied_within_1h=45),
        *channel("google_search", SEARCH, impressions=20000, clicks=1400, sessions=1250, bounces=430, pageviews=3600,
                 add_to_cart=110, checkouts=62, purchases=42, revenue=4600, spend=2000),
        *channel("email", clicks=1000, sessions=900, bounces=250, pageviews=2700, add_to_cart=70, checkouts=45,
                 purchases=30, revenue=2600),
    ],
    "b2b": [
        *channel("linkedin", FOUR, impressions=40000, reach=15000, clicks=260, sessions=220, bounces=95, pageviews=520,
                 engagements=900, shares=14, leads=12, qualified_leads=5, customers=1, spend=2600,
                 content_downloads=30, webinar_signups=6),
        *channel("google_search", SEARCH, impressions=9000, clicks=560, sessions=500, bounces=190, pageviews=1300,
                 leads=28, qualified_leads=9, customers=2, spend=2240, conversions=30),
        *channel("linkedin_page", followers=8000, posts=10, engagements=420, reach=12000, impressions=20000, shares=30),
        *channel("direct", sessions=600, bounces=200, pageviews=1500, leads=10, qualified_leads=3, customers=1),
    ],
    "saas": [
        *channel("google_search", SEARCH, impressions=15000, clicks=900, sessions=820, bounces=300, pageviews=2000,
                 trial_signups=45, demo_requests=8, customers=6, spend=3600, conversions=53),
        *channel("facebook", FOUR, impressions=80000, reach=30000, clicks=1000, sessions=880, bounces=380,
                 pageviews=1900, trial_signups=30, customers=4, spend=1400, engagements=2600, shares=40),
        *channel("x", support_requests=80, support_replied_within_1h=60, mentions=300, competitor_mentions=700),
    ],
    "car_dealership": [
        *channel("facebook", FOUR, impressions=100000, reach=40000, clicks=1300, sessions=1150, bounces=480,
                 pageviews=3400, configurator_uses=120, test_drive_bookings=6, leads=60, spend=1500,
                 engagements=3500, shares=60),
        *channel("google_search", SEARCH, impressions=12000, clicks=850, sessions=760, bounces=270, pageviews=2500,
                 configurator_uses=90, test_drive_bookings=5, leads=40, spend=2550, conversions=45),
        *channel("google_business_profile", gbp_views=5000, calls=120, direction_requests=150, gbp_clicks=90),
    ],
    "brick_and_mortar": [
        *channel("facebook", FOUR, impressions=120000, reach=50000, clicks=1100, sessions=950, bounces=400,
                 pageviews=2100, spend=1300, coupon_redemptions=45, store_visits=300, engagements=3000, shares=55),
        *channel("instagram", followers=9000, posts=16, engagements=900, reach=20000, impressions=36000, shares=40,
                 clicks=200, sessions=170, bounces=70, pageviews=400, coupon_redemptions=20),
        *channel("google_business_profile", gbp_views=7000, calls=150, direction_requests=260, gbp_clicks=120,
                 store_visits=240),
    ],
    "local_business": [
        *channel("google_business_profile", gbp_views=6000, calls=140, direction_requests=170, gbp_clicks=120),
        *channel("google_search", SEARCH, impressions=6000, clicks=420, sessions=380, bounces=150, pageviews=900,
                 calls=25, leads=20, spend=1260, conversions=45),
        *channel("facebook", followers=3000, posts=12, engagements=260, reach=9000, impressions=15000, shares=20,
                 clicks=150, sessions=130, bounces=50, pageviews=300, leads=5, calls=4),
    ],
    "publisher": [
        *channel("facebook", impressions=200000, reach=90000, clicks=4000, sessions=3600, bounces=1800, pageviews=7200,
                 ad_revenue=90, subscriptions=12, engagements=9000, shares=300, followers=40000, posts=60),
        *channel("google_organic", sessions=12000, bounces=6000, pageviews=27000, ad_revenue=330, subscriptions=40),
        # Support given as the average minutes to a first reply: well inside the hour.
        *channel("x", support_requests=40, first_response_minutes=25),
        *channel("newsletter", clicks=5500, sessions=5000, bounces=1500, pageviews=13000, ad_revenue=150, subscriptions=35),
        *channel("x", mentions=300, competitor_mentions=500, followers=12000),
    ],
    "mobile_app": [
        *channel("tiktok", FOUR, impressions=150000, reach=60000, clicks=1500, installs=450, purchases=15, spend=1350),
        *channel("facebook", FOUR, impressions=100000, reach=45000, clicks=1200, installs=380, purchases=12, spend=1500),
        *channel("apple_search_ads", SEARCH, impressions=20000, clicks=1600, installs=800, purchases=25, spend=1600),
    ],
    "consulting": [
        *channel("linkedin", FOUR, impressions=30000, reach=12000, clicks=200, sessions=170, bounces=75, pageviews=450,
                 engagements=700, shares=12, leads=9, qualified_leads=4, customers=1, spend=1900,
                 webinar_signups=8, content_downloads=25),
        *channel("linkedin_page", followers=5000, posts=12, engagements=330, reach=9000, impressions=15000, shares=25,
                 mentions=120, competitor_mentions=400),
        *channel("website", sessions=300, bounces=110, pageviews=800, leads=8, qualified_leads=3, customers=1),
    ],
}

# Rules that must have run on each model's healthy funnel (not skipped for want of data).
MUST_RUN = {
    "dtc_ecommerce": {"landing-page-leak", "checkout-abandonment", "checkout-step-drop-off", "roas-below-break-even",
                      "cost-per-acquisition-lagging-peers", "budget-move", "ctr-lagging-peers", "ad-fatigue", "creative-not-resonating",
                      "high-cost-per-click", "engagement-below-benchmark", "stalled-follower-growth", "slow-support-response",
                      "concentration-risk", "spend-without-conversions", "conversions-not-tracked", "traffic-not-attributed"},
    "b2b": {"rising-cost-per-lead", "high-cost-per-lead", "cost-per-lead-lagging-peers", "unqualified-leads",
            "leads-not-converting", "low-conversion-rate", "creative-not-resonating", "landing-page-leak"},
    "saas": {"trials-not-converting", "falling-share-of-voice", "slow-support-response", "low-conversion-rate"},
    "car_dealership": {"configurator-not-booking", "profile-views-not-acting", "low-click-to-lead-rate", "high-cost-per-lead"},
    "brick_and_mortar": {"conversions-not-tracked", "spend-without-conversions", "concentration-risk", "profile-views-not-acting"},
    "local_business": {"profile-views-not-acting", "low-conversion-rate", "weak-call-to-action"},
    "publisher": {"low-pages-per-session", "low-share-rate", "falling-share-of-voice", "stalled-follower-growth"},
    "mobile_app": {"rising-cost-per-install", "ad-fatigue", "spend-without-conversions", "concentration-risk"},
    "consulting": {"leads-not-converting", "unqualified-leads", "falling-share-of-voice", "rising-cost-per-lead"},
}


@pytest.mark.parametrize("model", sorted(HEALTHY))
def test_healthy_funnel_fires_nothing(model):
    catalog = get_catalog()
    rules = list(catalog.specs.values())
    economy = Economy(currency="USD", customer_value=500.0)
    findings, skipped = example_findings(rules, HEALTHY[model], catalog, economy=economy)
    assert [f"{f.rule} {f.scope}: {f.message}" for f in findings] == []
    ran = {spec.rule.id for spec in rules} - set(skipped)
    assert MUST_RUN[model] <= ran, {rule: skipped.get(rule) for rule in MUST_RUN[model] - ran}


def test_every_rule_runs_on_some_healthy_funnel():
    catalog = get_catalog()
    rules = list(catalog.specs.values())
    ran = set()
    for records in HEALTHY.values():
        _, skipped = example_findings(rules, records, catalog)
        ran |= {spec.rule.id for spec in rules} - set(skipped)
    assert ran == set(catalog.rules)

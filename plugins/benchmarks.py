"""Public benchmark figures, each with its platform, objective, source, year and
definition (docs/benchmarks.md lists them; a test keeps the two in step).

A figure is attached to the metric whose formula is the figure's definition,
so that rules compare like with like: engagement per follower (Rival IQ) is not
engagement per impression, and a conversion rate per click is not one per visit.
Money figures carry their currency and are only used for clients in it.
"""

from __future__ import annotations

from kpi_advisor import hookimpl


def _figure(metric, value, platform, source, year, definition, *, objective="all", industry="all", low=None, high=None, currency=None):
    return {
        "metric": metric, "value": value, "platform": platform, "source": source, "year": year,
        "definition": definition, "objective": objective, "industry": industry, "low": low, "high": high, "currency": currency,
    }


WORDSTREAM_2017 = "WordStream Facebook ads benchmarks"
LOCALIQ_FACEBOOK = "WordStream/LocaliQ Facebook ads benchmarks"
LOCALIQ_SEARCH = "LocaliQ search advertising benchmarks"
HUBSPOT = "HubSpot bounce-rate compilation"

BENCHMARKS = [
    # Facebook, all objectives (WordStream 2017, across industries)
    _figure("ctr", 0.009, "facebook", WORDSTREAM_2017, 2017, "link clicks / impressions, average over all objectives and industries"),
    _figure("cpc", 1.72, "facebook", WORDSTREAM_2017, 2017, "spend / link clicks", currency="USD"),
    _figure("click_conversion_rate", 0.0921, "facebook", WORDSTREAM_2017, 2017, "conversions / link clicks"),
    # Facebook, lead objective (2024) and traffic objective (2025)
    _figure("ctr", 0.0253, "facebook", LOCALIQ_FACEBOOK, 2024, "link clicks / impressions, lead-generation campaigns", objective="leads"),
    _figure("cpc", 1.88, "facebook", LOCALIQ_FACEBOOK, 2024, "spend / link clicks, lead-generation campaigns", objective="leads", currency="USD"),
    _figure("click_to_lead_rate", 0.0878, "facebook", LOCALIQ_FACEBOOK, 2024, "leads / link clicks, lead-generation campaigns", objective="leads"),
    _figure("cost_per_lead", 21.98, "facebook", LOCALIQ_FACEBOOK, 2024, "spend / leads, lead-generation campaigns", objective="leads", currency="USD"),
    _figure("ctr", 0.0171, "facebook", LOCALIQ_FACEBOOK, 2025, "link clicks / impressions, traffic campaigns", objective="traffic"),
    _figure("cpc", 0.70, "facebook", LOCALIQ_FACEBOOK, 2025, "spend / link clicks, traffic campaigns", objective="traffic", currency="USD"),
    # Google search ads (LocaliQ 2024, across industries)
    _figure("ctr", 0.0642, "google_search", LOCALIQ_SEARCH, 2024, "clicks / impressions on search ads"),
    _figure("cpc", 4.66, "google_search", LOCALIQ_SEARCH, 2024, "spend / clicks on search ads", currency="USD"),
    _figure("click_conversion_rate", 0.0696, "google_search", LOCALIQ_SEARCH, 2024, "conversions / clicks on search ads"),
    _figure("cost_per_lead", 66.69, "google_search", LOCALIQ_SEARCH, 2024, "spend / leads on search ads", objective="leads", currency="USD"),
    # LinkedIn sponsored content (range quoted by industry summaries)
    _figure("ctr", 0.0055, "linkedin", "industry summaries of LinkedIn sponsored content", 2024,
            "clicks / impressions on sponsored content; quoted as a 0.44-0.65% range", low=0.0044, high=0.0065),
    _figure("cpc", 5.58, "linkedin", "industry summaries of LinkedIn sponsored content", 2024, "spend / clicks on sponsored content", currency="USD"),
    # Organic engagement per post per follower (Rival IQ, 2022 data, median across industries)
    *[
        _figure("engagement_rate_per_post", value, platform, "Rival IQ social media industry benchmarks", 2022,
                "engagements per post / followers (likes, comments, shares and reactions), median across industries")
        for platform, value in (("instagram", 0.0047), ("facebook", 0.0006), ("x", 0.00035), ("tiktok", 0.0569))
    ],
    # Bounce rate by site type: the typical range and its middle
    _figure("bounce_rate", 0.30, "any", HUBSPOT, 2020, "bounced sessions / sessions (Universal Analytics definition)",
            industry="ecommerce", low=0.20, high=0.40),
    _figure("bounce_rate", 0.40, "any", HUBSPOT, 2020, "bounced sessions / sessions (Universal Analytics definition)",
            industry="lead_generation", low=0.30, high=0.50),
    _figure("bounce_rate", 0.50, "any", HUBSPOT, 2020, "bounced sessions / sessions (Universal Analytics definition)",
            industry="content", low=0.40, high=0.60),
    _figure("bounce_rate", 0.80, "any", HUBSPOT, 2020, "bounced sessions / sessions (Universal Analytics definition)",
            industry="landing_page", low=0.70, high=0.90),
    # Checkout: share of carts abandoned, average of published studies
    _figure("cart_abandonment_rate", 0.7019, "any", "Baymard Institute cart abandonment rate statistics", 2024,
            "1 - orders / carts, average of 49 studies"),
    # Social customer care: what people expect
    _figure("support_response_rate_1h", 0.78, "x", "Lithium Technologies consumer survey", 2013,
            "share of people complaining to a brand on Twitter who expect a reply within an hour (an expectation, not a measured rate)"),
]


@hookimpl
def kpi_advisor_benchmarks():
    return BENCHMARKS

"""Public benchmark figures, each with its source and year (see docs/benchmarks.md)."""

from __future__ import annotations

from kpi_advisor import hookimpl

BENCHMARKS = [
    {"metric": "ctr", "value": 0.009, "platform": "facebook", "objective": "all", "source": "WordStream", "year": 2017,
     "definition": "link clicks / impressions, all objectives"},
    {"metric": "cpc", "value": 1.72, "platform": "facebook", "objective": "all", "source": "WordStream", "year": 2017, "currency": "USD"},
    {"metric": "conversion_rate", "value": 0.0921, "platform": "facebook", "objective": "all", "source": "WordStream", "year": 2017,
     "definition": "conversions / clicks"},
    {"metric": "ctr", "value": 0.0253, "platform": "facebook", "objective": "leads", "source": "WordStream/LocaliQ", "year": 2024},
    {"metric": "cpc", "value": 1.88, "platform": "facebook", "objective": "leads", "source": "WordStream/LocaliQ", "year": 2024, "currency": "USD"},
    {"metric": "cost_per_lead", "value": 21.98, "platform": "facebook", "objective": "leads", "source": "WordStream/LocaliQ", "year": 2024, "currency": "USD"},
    {"metric": "ctr", "value": 0.0171, "platform": "facebook", "objective": "traffic", "source": "WordStream/LocaliQ", "year": 2025},
    {"metric": "cpc", "value": 0.70, "platform": "facebook", "objective": "traffic", "source": "WordStream/LocaliQ", "year": 2025, "currency": "USD"},
    {"metric": "ctr", "value": 0.0642, "platform": "google_search", "source": "LocaliQ", "year": 2024},
    {"metric": "cpc", "value": 4.66, "platform": "google_search", "source": "LocaliQ", "year": 2024, "currency": "USD"},
    {"metric": "cost_per_lead", "value": 66.69, "platform": "google_search", "source": "LocaliQ", "year": 2024, "currency": "USD"},
    {"metric": "ctr", "value": 0.0055, "low": 0.0044, "high": 0.0065, "platform": "linkedin", "objective": "sponsored_content",
     "source": "industry summaries", "year": 2024},
    {"metric": "cpc", "value": 5.58, "platform": "linkedin", "objective": "sponsored_content", "source": "industry summaries", "year": 2024, "currency": "USD"},
    {"metric": "bounce_rate", "value": 0.30, "low": 0.20, "high": 0.40, "platform": "any", "industry": "ecommerce", "source": "HubSpot compilation", "year": 2020},
    {"metric": "bounce_rate", "value": 0.40, "low": 0.30, "high": 0.50, "platform": "any", "industry": "lead_generation", "source": "HubSpot compilation", "year": 2020},
    {"metric": "bounce_rate", "value": 0.50, "low": 0.40, "high": 0.60, "platform": "any", "industry": "content", "source": "HubSpot compilation", "year": 2020},
    {"metric": "bounce_rate", "value": 0.80, "low": 0.70, "high": 0.90, "platform": "any", "industry": "landing_page", "source": "HubSpot compilation", "year": 2020},
]


@hookimpl
def kpi_advisor_benchmarks():
    return BENCHMARKS

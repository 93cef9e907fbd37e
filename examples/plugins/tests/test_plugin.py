"""Run with `pytest` inside this folder after `pip install -e .` (kpi-advisor must be installed)."""

import kpi_advisor
from kpi_advisor_agency_metrics import plugin


def test_definitions_are_valid_metrics():
    for item in plugin.kpi_advisor_metrics():
        metric = kpi_advisor.MetricDef.model_validate(item)
        assert metric.formula and metric.description


def test_metrics_reach_the_report():
    config = {
        "client": "Template check",
        "business_model": "dtc_ecommerce",
        "data": [{"records": [
            {"channel": "facebook", "spend": 300, "engagements": 1200, "reach": 50000, "impressions": 90000},
            {"channel": "instagram", "spend": 100, "engagements": 800, "reach": 20000, "impressions": 30000},
        ]}],
    }
    report = kpi_advisor.evaluate(config)
    by_scope = {tuple(sorted(m.scope.items())): m.values for m in report.metrics}
    assert by_scope[()]["cost_per_engagement"] == 0.2  # 400 / 2000, from the summed counts
    assert by_scope[(("channel", "facebook"),)]["cost_per_engagement"] == 0.25
    assert by_scope[(("channel", "instagram"),)]["cost_per_thousand_reached"] == 5.0

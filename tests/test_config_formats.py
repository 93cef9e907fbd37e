"""A config may be YAML or the same as JSON, a mapping, or a ClientConfig."""

from __future__ import annotations

import json
from pathlib import Path

import kpi_advisor
from kpi_advisor.loading.yamlsafe import load_yaml_file

ACME = Path(__file__).resolve().parent.parent / "examples" / "acme_outdoor.yaml"


def test_json_config_gives_the_same_report_as_yaml(tmp_path):
    data = load_yaml_file(ACME).data
    json_path = tmp_path / "acme.json"
    json_path.write_text(json.dumps(data, default=str, indent=1))
    assert kpi_advisor.evaluate(json_path) == kpi_advisor.evaluate(ACME)


def test_mapping_and_model_configs():
    data = load_yaml_file(ACME).data
    from_mapping = kpi_advisor.evaluate(data)
    from_model = kpi_advisor.evaluate(kpi_advisor.ClientConfig.model_validate(data))
    assert from_mapping == from_model == kpi_advisor.evaluate(ACME)


def test_data_argument_adds_rows():
    base = {"client": "x", "business_model": "dtc_ecommerce"}
    rows = [{"channel": "facebook", "impressions": 1000, "clicks": 25}]
    report = kpi_advisor.evaluate(base, data=rows)
    assert report.metrics[0].values["ctr"] == 0.025
    import polars as pl

    assert kpi_advisor.evaluate(base, data=pl.DataFrame(rows)) == report


def test_null_dimension_is_its_own_scope_not_the_total():
    report = kpi_advisor.evaluate({
        "client": "x", "business_model": "dtc_ecommerce",
        "data": [{"records": [{"channel": "facebook", "clicks": 5}, {"clicks": 7}]}],
    })
    scopes = [m.scope for m in report.metrics]
    assert scopes == [{}, {"channel": "facebook"}, {"channel": "(none)"}]

"""What an engine's finding holds: pydantic's set of given field names, made for each model, is
one set per class naming every field (a third of a finding's memory, 0.5 GiB at 10M agency
rows), and nothing a report says changes."""

from __future__ import annotations

from pathlib import Path

from kpi_advisor import evaluate
from kpi_advisor.models.report import Finding, share_given_fields, to_json

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _models(finding: Finding) -> list:
    return [m for m in (finding, finding.impact, finding.significance) if m is not None]


def test_findings_share_one_set_of_field_names_per_class():
    findings = [f for config in ("northwind_coffee.yaml", "agency/clients/copper_kettle.yaml") for f in evaluate(EXAMPLES / config).findings]
    models = [m for finding in findings for m in _models(finding)]
    assert len(findings) >= 10 and any(f.members for f in findings)  # roll-ups too
    assert any(f.significance for f in findings) and any(f.impact for f in findings)
    for model in models:
        given = model.__pydantic_fields_set__
        assert given == set(type(model).model_fields)
        assert given is next(m for m in models if type(m) is type(model)).__pydantic_fields_set__


def test_a_shared_set_changes_nothing_a_report_says():
    report = evaluate(EXAMPLES / "northwind_coffee.yaml")
    first = report.findings[0]
    fresh = Finding.model_validate(first.model_dump())
    assert fresh.__pydantic_fields_set__ is not first.__pydantic_fields_set__
    assert share_given_fields(fresh).__pydantic_fields_set__ is first.__pydantic_fields_set__
    assert to_json(fresh) == to_json(first) and fresh == first
    first.status = "new"  # a field set later (run --since) is written for the finding it was set on only
    assert '"status": "new"' in to_json(first) and '"status"' not in to_json(fresh)
    assert first.__pydantic_fields_set__ == set(Finding.model_fields)  # and the shared set is as it was


def test_the_metrics_of_many_scopes_share_their_field_names_and_names():
    """An agency's segments are ~170,000 scopes a report lists under ``metrics``: each entry holds
    the one set of field names, each name (an account's) is one string, and each entry is what a
    checked ScopeMetrics of the same numbers is."""
    from kpi_advisor.models.report import ScopeMetrics

    rows = [{"account": f"acct-{a}", "channel": channel, "device": device, "clicks": 10 + a, "impressions": 1000}
            for a in range(3) for channel in ("facebook", "google_ads") for device in ("mobile", "desktop")]
    report = evaluate({"client": "many", "business_model": "dtc_ecommerce", "segments": ["device"], "data": [{"records": rows}]})
    entries = report.metrics
    assert len(entries) == 1 + 3 + 6 + 12  # all data, accounts, channels, segments
    assert all(entry.__pydantic_fields_set__ is entries[0].__pydantic_fields_set__ for entry in entries)
    segments = [entry for entry in entries if "device" in entry.scope]
    assert len({id(entry.scope["account"]) for entry in segments}) == 3
    for entry in entries:
        assert ScopeMetrics.model_validate(entry.model_dump()) == entry

"""Work and memory bounded by the input's size, not by a power of it (issue 18).

Each test counts the work (calls, parts, columns) rather than timing it, so it fails
the same way on a fast machine and a busy one."""

from __future__ import annotations

import pytest

import kpi_advisor
from kpi_advisor import ConfigError
from kpi_advisor.evaluation import tables

RECORD = {"channel": "facebook", "impressions": 1000, "clicks": 20, "sessions": 18, "bounces": 9}


def _chain(n: int) -> list[dict]:
    metrics = [{"id": "m0", "formula": "clicks + 1", "stage": "interest"}]
    metrics += [{"id": f"m{i}", "formula": f"m{i - 1} + 1", "stage": "interest"} for i in range(1, n)]
    return metrics


def _config(**extra) -> dict:
    return {"client": "X", "business_model": "dtc_ecommerce", "data": [{"records": [RECORD]}], **extra}


def test_derived_metrics_resolve_in_linear_work(monkeypatch):
    """880 chained metrics took 21 s: the waves rebuilt the pending set per metric (cubic)."""
    calls = {"needs": 0}
    original = tables._needs

    def counting(metric):
        calls["needs"] += 1
        return original(metric)

    monkeypatch.setattr(tables, "_needs", counting)
    report = kpi_advisor.evaluate(_config(metrics=_chain(400)))
    values = next(entry.values for entry in report.metrics if entry.scope == {})
    assert values["m399"] == pytest.approx(20 + 400)
    # Linear: one call per derived metric per table built (a handful of tables), never one
    # per pair of metrics (the waves made about n * n / 2 calls per table: 80,000 here).
    assert calls["needs"] <= 10 * 500, calls["needs"]


def test_inline_records_refused_at_the_column_limit_before_a_frame_is_built(monkeypatch):
    """2,500 records of 8 keys of their own were a 2,500 x 20,000 frame (2.6 GB)."""
    from kpi_advisor.data import sources

    built = []
    monkeypatch.setattr(sources, "records_frame", lambda *a, **k: built.append(1))
    records = [{"channel": "facebook", "clicks": 1, **{f"k{r}_{j}": 1 for j in range(8)}} for r in range(2500)]
    with pytest.raises(ConfigError, match=r"data\[0\]\.records\[124\]\.k124_6: too many columns: .*limit data_columns=1000"):
        kpi_advisor.evaluate(_config(data=[{"records": records}]))
    with pytest.raises(ConfigError, match=r"data\[124\]\.k124_6: too many columns"):
        kpi_advisor.evaluate(_config(data=[]), data=records)
    assert not built


def test_unknown_columns_cost_a_bounded_number_of_suggestions(monkeypatch):
    """A record of 300,000 keys cost 58 s of did-you-mean, one per key."""
    from kpi_advisor import limits
    from kpi_advisor.loading.catalog import Catalog

    calls = {"suggest": 0}
    original = Catalog.suggest

    def counting(self, *args, **kwargs):
        calls["suggest"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Catalog, "suggest", counting)
    record = {"channel": "facebook", "clicks": 20, **{f"key{i}": 1 for i in range(3000)}}
    with limits.override(data_columns=5000):
        report = kpi_advisor.evaluate(_config(data=[{"records": [record]}]))
    ignored = [w for w in report.warnings if "not a known metric" in w or "not known metrics" in w]
    assert len(ignored) == 21
    assert ignored[-1].startswith("data[0].records: 2980 more columns are not known metrics or dimensions and are ignored: 'key20',")
    assert calls["suggest"] <= 25

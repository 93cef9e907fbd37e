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

"""Metric tables: counts summed per scope, ratios re-derived from the sums."""

from __future__ import annotations

import math

import kpi_advisor
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def run(records, **extra):
    config = {"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": records}], **extra}
    return kpi_advisor.evaluate(config)


def values(report):
    return {tuple(m.scope.values()): m.values for m in report.metrics}


def test_ratios_are_rederived_from_summed_counts_not_averaged():
    report = run([
        {"channel": "facebook", "campaign": "a", "impressions": 1000, "clicks": 100},
        {"channel": "facebook", "campaign": "b", "impressions": 9000, "clicks": 90},
    ])
    fb = values(report)[("facebook",)]
    assert fb["ctr"] == pytest.approx(190 / 10000)  # the average of 10% and 1% would be 5.5%
    assert fb["impressions"] == 10000


def test_zero_denominator_is_null_with_a_note_never_nan():
    report = run([
        {"channel": "facebook", "impressions": 1000, "clicks": 10, "sessions": 0, "bounces": 0},
        {"channel": "tiktok", "impressions": 0, "clicks": 0, "sessions": 5, "bounces": 1},
    ])
    table = values(report)
    assert table[("tiktok",)]["ctr"] is None
    assert table[("facebook",)]["bounce_rate"] is None
    assert any("ctr is undefined for channel=tiktok" in w for w in report.warnings)
    text = report.model_dump_json()
    assert "NaN" not in text and "Infinity" not in text


def test_followers_are_a_stock_counted_on_the_latest_date_per_channel():
    report = run([
        {"date": "2026-07-31", "channel": "instagram", "followers": 1000},
        {"date": "2026-08-31", "channel": "instagram", "followers": 1100},
        {"date": "2026-07-31", "channel": "facebook", "followers": 500},
        {"date": "2026-08-31", "channel": "facebook", "followers": 520},
    ])
    table = values(report)
    assert table[("instagram",)]["followers"] == 1100
    assert table[()]["followers"] == 1620


def test_a_scope_without_a_count_has_no_value_rather_than_zero():
    report = run([
        {"channel": "facebook", "impressions": 1000, "clicks": 10},
        {"channel": "ga4", "sessions": 80, "bounces": 20},
    ])
    table = values(report)
    assert "sessions" not in table[("facebook",)] or table[("facebook",)]["sessions"] is None
    assert table[()]["sessions"] == 80


def test_derived_columns_in_data_are_ignored_with_a_warning_not_averaged():
    report = run([{"channel": "facebook", "impressions": 1000, "clicks": 10, "ctr": 0.5}])
    assert values(report)[("facebook",)]["ctr"] == 0.01
    assert any("column 'ctr' is ignored" in w for w in report.warnings)


def test_unknown_columns_are_reported_not_dropped_silently():
    report = run([{"channel": "facebook", "impressions": 1000, "clicsk": 10, "clicks": 5}])
    assert any("column 'clicsk' is not a known metric" in w and "did you mean 'clicks'" in w for w in report.warnings)


def test_aliases_map_to_canonical_counts():
    report = run([{"channel": "facebook", "impressions": 1000, "link_clicks": 30}])
    assert values(report)[("facebook",)]["clicks"] == 30


counts = st.integers(min_value=0, max_value=10**9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["facebook", "instagram", "tiktok"]), counts, counts), min_size=1, max_size=12),
       st.integers(min_value=2, max_value=1000))
def test_channel_totals_sum_to_the_total_and_ratios_are_scale_free(rows, factor):
    records = [{"channel": c, "impressions": i + k, "clicks": k} for c, i, k in rows]
    report = run(records)
    table = values(report)
    channels = [v for scope, v in table.items() if scope]
    assert sum(v["impressions"] for v in channels) == table[()]["impressions"]
    scaled = values(run([{**r, "impressions": r["impressions"] * factor, "clicks": r["clicks"] * factor} for r in records]))
    for scope, row in table.items():
        if row["ctr"] is None:
            assert scaled[scope]["ctr"] is None
        else:
            assert math.isclose(row["ctr"], scaled[scope]["ctr"], rel_tol=1e-9)


def test_a_scope_that_lacks_an_input_gets_no_zero_division_note():
    report = run([
        {"channel": "facebook", "impressions": 1000, "clicks": 10},
        {"channel": "direct", "sessions": 300, "bounces": 90},
    ])
    assert values(report)[("direct",)].get("ctr") is None
    assert not [w for w in report.warnings if "undefined" in w]


def test_cli_stops_quietly_when_the_reader_goes_away():
    import subprocess
    import sys

    done = subprocess.run(
        f"'{sys.executable}' -m kpi_advisor list metrics | head -1", shell=True, capture_output=True, text=True, check=False
    )
    assert done.stdout.count("\n") == 1
    assert "error" not in done.stderr and "Traceback" not in done.stderr

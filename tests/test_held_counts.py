"""Whole counts held as Float32 (engine/data/held.py): half the memory, the same report to the
last digit. The data here is made so that any sum, mean or ratio taken in Float32 rounds: every
count is an odd number near 2**23 or 2**24, where Float32 has no bits to spare, so a report made
with a count added up as Float32 anywhere differs from the one made with every count Float64."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import kpi_advisor
from kpi_advisor.data import held
from kpi_advisor.data.sources import _collect_needed
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.loading.prepare import load_config, prepare
from kpi_advisor.pipeline import run_pipeline

DAYS = 42


def _odd(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    return rng.integers(low // 2, high // 2, n) * 2 + 1


def _ads(rng: np.random.Generator, with_site: bool) -> pl.DataFrame:
    grid = pl.DataFrame({"date": [dt.date(2026, 7, 1) + dt.timedelta(days=d) for d in range(DAYS)]}).join(
        pl.DataFrame({"account": ["north", "south"]}), how="cross").join(
        pl.DataFrame({"channel": ["facebook", "instagram"]}), how="cross").join(
        pl.DataFrame({"campaign": ["spring", "summer", "brand"]}), how="cross").join(
        pl.DataFrame({"ad": ["ad-1", "ad-2"]}), how="cross").join(
        pl.DataFrame({"age": ["18-24", "25-34"]}), how="cross")
    n = grid.height
    impressions = _odd(rng, 2**23, 2**24, n)
    clicks = impressions // 9 + _odd(rng, 1, 999, n)
    frame = grid.with_columns(
        impressions=impressions, reach=impressions // 2 + _odd(rng, 1, 9999, n), clicks=clicks,
        # Engagements are derived from these three: their sum is beyond 2**24.
        likes=_odd(rng, 2**23, 2**24, n), comments=_odd(rng, 2**22, 2**23, n), shares=_odd(rng, 2**21, 2**22, n),
        followers=(2**23 + np.arange(n) * 17 + 1), leads=clicks // 90 + 1,
        spend=np.round(rng.uniform(1000, 9000, n), 2),
    )
    if not with_site:
        sessions = clicks - clicks // 7
        frame = frame.with_columns(sessions=sessions, bounces=sessions // 2 + 1, purchases=clicks // 300 + 1,
                                   revenue=np.round(rng.uniform(100, 90000, n), 2))
        # Summer's landing page loses nearly every visit.
        frame = frame.with_columns(pl.when(pl.col("campaign") == "summer").then(pl.col("sessions") - pl.col("sessions") // 12)
                                   .otherwise(pl.col("bounces")).alias("bounces"))
    day = (pl.col("date") - pl.lit(dt.date(2026, 7, 1))).dt.total_days()
    # Brand's ads are seen and rarely clicked; spring's leads cost more every week. Some days
    # summer spends nothing and some rows have no leads: rows then leave paired sums (a cost per
    # lead only over rows that have both), masked row by row.
    frame = frame.with_columns(
        pl.when((pl.col("campaign") == "summer") & (day % 5 == 0)).then(0.0).otherwise(pl.col("spend")).alias("spend"),
        pl.when((pl.col("ad") == "ad-2") & (day % 7 == 0)).then(None).otherwise(pl.col("leads")).alias("leads"),
    )
    return frame.with_columns(
        pl.when(pl.col("campaign") == "brand").then(pl.col("impressions") // 700 + 1).otherwise(pl.col("clicks")).alias("clicks"),
        pl.when(pl.col("campaign") == "spring").then(pl.col("leads") * 10 // (10 + day)).otherwise(pl.col("leads")).alias("leads"),
        pl.when(pl.col("campaign") == "spring").then((pl.col("spend") * (1 + day / 10)).round(2)).otherwise(pl.col("spend")).alias("spend"),
    )


def _site(rng: np.random.Generator) -> pl.DataFrame:
    """Analytics by channel, campaign and day: meets the ads in cells of several rows."""
    grid = pl.DataFrame({"date": [dt.date(2026, 7, 1) + dt.timedelta(days=d) for d in range(DAYS)]}).join(
        pl.DataFrame({"channel": ["facebook", "instagram"]}), how="cross").join(
        pl.DataFrame({"campaign": ["spring", "summer", "brand"]}), how="cross")
    n = grid.height
    sessions = _odd(rng, 2**23, 2**24, n)
    return grid.with_columns(sessions=sessions, bounces=sessions // 3 + 1, add_to_cart=sessions // 50 + 1,
                             purchases=sessions // 400 + 1, revenue=np.round(rng.uniform(100, 90000, n), 2))


def _config(tmp_path: Path, with_site: bool) -> dict:
    rng = np.random.default_rng(7)
    _ads(rng, with_site).write_parquet(tmp_path / "ads.parquet")
    data = [{"parquet": str(tmp_path / "ads.parquet")}]
    if with_site:
        _site(rng).write_csv(tmp_path / "site.csv")
        data.append({"csv": str(tmp_path / "site.csv")})
    return {
        "client": "Held", "business_model": "dtc_ecommerce", "currency": "EUR", "segments": ["age"],
        "goals": [{"id": "leads", "objective": "leads", "metric": "leads", "baseline": 2**22 + 1, "change": "+20%", "by": "2026-12-31"},
                  {"id": "fans", "objective": "awareness", "metric": "followers", "channel": "instagram", "baseline": 2**23 + 3,
                   "change": "+10%", "by": "2026-12-31"}],
        "economics": {"customer_value": 120},
        "data": data,
    }


def _report(config: dict, compare_previous: bool) -> str:
    return run_pipeline(prepare(load_config(config)), compare_previous=compare_previous).model_dump_json()


@pytest.mark.parametrize("with_site", [False, True], ids=["one-source", "ads-beside-analytics"])
@pytest.mark.parametrize("compare_previous", [False, True], ids=["plain", "compare-previous"])
def test_holding_whole_counts_as_float32_changes_no_digit_of_the_report(tmp_path, monkeypatch, with_site, compare_previous):
    config = _config(tmp_path, with_site)
    small = _report(config, compare_previous)
    monkeypatch.setattr(held, "holdable", lambda unit: False)  # every count Float64, as before held.py
    wide = _report(config, compare_previous)
    assert small == wide
    assert '"findings":[{' in small  # rules fired: the findings' numbers are compared too


def test_a_count_float32_would_round_stays_float64_with_its_value(tmp_path):
    exact, above = 2**24, 2**24 + 1  # 2**24 + 1 is the first whole number Float32 cannot hold
    frame = pl.DataFrame({"date": ["2026-07-01", "2026-07-02"], "channel": ["facebook", "facebook"],
                          "impressions": [exact, above], "clicks": [exact, 7], "spend": [1.0, 2.0]})
    frame.write_parquet(tmp_path / "ads.parquet")
    frame.write_csv(tmp_path / "ads.csv")
    for scan in (pl.scan_parquet(tmp_path / "ads.parquet"), pl.scan_csv(tmp_path / "ads.csv", infer_schema=False)):
        read = _collect_needed(scan, get_catalog())
        assert read.schema["clicks"] == pl.Float32 and read.schema["spend"] == pl.Float64
        assert read.schema["impressions"] == pl.Float64 and read["impressions"].to_list() == [exact, above]


def test_hold_narrows_only_whole_counts_every_value_of_which_float32_holds():
    frame = pl.DataFrame({"clicks": [3.0, 16777216.0, None], "sessions": [3.0, 0.5, 1.0], "leads": [1.0, 16777217.0, 2.0],
                          "spend": [3.0, 4.0, 5.0]})
    units = {"clicks": "count", "sessions": "count", "leads": "count", "spend": "currency"}
    out = held.hold(frame, list(units), units)
    assert out.schema == pl.Schema({"clicks": pl.Float32, "sessions": pl.Float32, "leads": pl.Float64, "spend": pl.Float64})
    assert out.select(pl.all().cast(pl.Float64)).equals(frame)


def test_the_sums_read_whole_counts_as_float64_not_as_they_are_held():
    """Adding up two held counts in Float32 loses the last bit: the engine never does."""
    rows = pl.DataFrame({"clicks": [2**24 - 1, 2**24 - 2]}, schema={"clicks": pl.Float32})  # each exact in Float32
    assert rows.select(pl.col("clicks").sum()).item() != 2**25 - 3
    assert rows.select(held.number("clicks").sum()).item() == 2**25 - 3


def test_the_evaluated_numbers_are_those_of_the_rows_to_the_last_digit(tmp_path):
    config = _config(tmp_path, with_site=False)
    report = kpi_advisor.evaluate(config)
    total = next(m for m in report.metrics if m.scope == {})
    rows = pl.read_parquet(tmp_path / "ads.parquet")
    assert total.values["impressions"] == rows["impressions"].sum() and total.values["clicks"] == rows["clicks"].sum()
    assert rows["impressions"].sum() > 2**33  # far beyond what Float32 adds up exactly


def test_rows_added_up_as_they_are_read_are_added_in_float64(tmp_path, monkeypatch):
    """A file's repeated rows (``duplicates: sum``): each part is exact in Float32, their sum is not."""
    rng = np.random.default_rng(11)
    part = pl.DataFrame({"date": ["2026-07-01", "2026-07-02", "2026-07-03"] * 2, "channel": ["facebook"] * 6,
                         "impressions": _odd(rng, 2**23, 2**24, 6), "clicks": _odd(rng, 2**22, 2**23, 6), "spend": [10.5] * 6})
    # The same rows again, one less each: every sum is odd and above 2**24.
    twice = pl.concat([part, part.with_columns(pl.col("impressions") - 1, pl.col("clicks") - 1)])
    twice.write_csv(tmp_path / "ads.csv")
    config = {"client": "Twice", "business_model": "dtc_ecommerce", "currency": "EUR",
              "data": [{"csv": str(tmp_path / "ads.csv"), "options": {"duplicates": "sum"}}]}
    small = _report(config, False)
    monkeypatch.setattr(held, "holdable", lambda unit: False)
    assert small == _report(config, False)
    total = next(m for m in kpi_advisor.evaluate(config).metrics if m.scope == {})
    assert total.values["impressions"] == twice["impressions"].sum()

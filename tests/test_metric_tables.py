"""The metric tables of a run add up the finest level's per-scope sums (``metric_tables``) instead
of grouping every row once per level: every level's table must be the one ``metric_table`` builds
from the rows, with paired counts, counts missing on some rows, zero spend, counts that combine
over dates (reach, followers, a mean, a snapshot that has no total over dates) and scopes that
leave a dimension empty."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import polars as pl
from kpi_advisor.evaluation.tables import (
    LEVEL_DIMS,
    PERIOD_COLUMN,
    _finished_table,
    _period_frame_from_combined,
    metric_table,
    metric_tables,
    pairing,
    pairing_notes,
    period_start,
    period_table,
)
from kpi_advisor.loading.prepare import config_from_document, prepare
from kpi_advisor.loading.yamlsafe import Document
from kpi_advisor.pipeline import load_dataset

SNAPSHOT = {"id": "open_tickets", "stage": "loyalty", "combine": "none"}


def dataset_of(records, extra_source=None):
    sources = [{"records": records}] + ([{"records": extra_source}] if extra_source else [])
    doc = Document(data={"client": "X", "business_model": "dtc_ecommerce", "currency": "USD", "metrics": [SNAPSHOT],
                         "data": sources}, file="test")
    prepared = prepare(config_from_document(doc, "."))
    return load_dataset(prepared.loaded.config, prepared.catalog, prepared.loaded.base_dir), prepared.catalog


def assert_same_tables(records):
    dataset, catalog = dataset_of(records)
    levels = list(LEVEL_DIMS)
    summed = metric_tables(dataset, catalog, levels)
    for level in levels:
        grouped = metric_table(dataset, catalog, level)  # from the rows, as before
        if grouped is None:
            assert summed[level] is None, level
            continue
        assert summed[level].dims == grouped.dims and summed[level].available == grouped.available, level
        assert_same_frame(summed[level].frame, grouped.frame)


def assert_same_frame(left, right):
    """Equal columns, types, nulls and text; numbers equal to 11 significant digits: the sums are
    rounded to 12 (``stable``) from the same rows added up in another order."""
    assert left.schema == right.schema and left.height == right.height
    for name in left.columns:
        a, b = left.get_column(name).to_list(), right.get_column(name).to_list()
        if left.schema[name].is_float():
            assert all((x is None) == (y is None) and (x is None or x == pytest.approx(y, rel=1e-11, abs=0.0))
                       for x, y in zip(a, b)), name
        else:
            assert a == b, name


def cents(high: int):
    return st.one_of(st.none(), st.integers(min_value=0, max_value=high * 100).map(lambda c: c / 100))


def plausible(draw_row):
    """A row a real export could hold (the data checks refuse the others): reach and clicks within
    the impressions, sessions within the clicks, purchases within the sessions."""
    impressions = draw_row["impressions"]
    out = dict(draw_row)
    out["reach"] = None if out["reach"] is None else impressions * out["reach"] // 100
    out["clicks"] = None if out["clicks"] is None else impressions * out["clicks"] // 1000
    out["sessions"] = None if out["sessions"] is None or out["clicks"] is None else out["clicks"] * out["sessions"] // 100
    out["purchases"] = None if out["purchases"] is None or out["sessions"] is None else out["sessions"] * out["purchases"] // 100
    return out


share = st.one_of(st.none(), st.integers(min_value=0, max_value=100))
counts = st.one_of(st.none(), st.integers(min_value=0, max_value=5000))
row = st.fixed_dictionaries({
    "account": st.sampled_from(["a1", "a2"]),
    "channel": st.sampled_from(["facebook", "google_ads"]),
    "campaign": st.sampled_from(["c1", "c2", "c3"]),
    "ad": st.sampled_from(["x", "y", None]),
    "day": st.integers(min_value=1, max_value=4),
    "impressions": st.integers(min_value=100, max_value=100_000),
    "clicks": share, "sessions": share, "purchases": share, "reach": share,
    "spend": cents(500), "revenue": cents(2000), "followers": counts,
    "first_response_minutes": counts, "open_tickets": counts,
}).map(plausible)


def with_segment(records, segment):
    """Each record as it is, or split into a mobile and a desktop row: series finer than any level."""
    if not segment:
        return records
    return [part for record in records
            for part in (record | {segment: "mobile"}, record | {segment: "desktop", "impressions": record["impressions"] + 7})]


unique_rows = st.lists(row, min_size=1, max_size=25, unique_by=lambda r: (r["account"], r["channel"], r["campaign"], r["ad"], r["day"]))


@settings(max_examples=30, deadline=None)
@given(unique_rows, st.sampled_from([None, "device"]))
def test_every_level_added_up_from_the_finest_is_the_level_grouped_from_the_rows(rows, segment):
    records = [{("date" if k == "day" else k): (f"2026-07-0{v}" if k == "day" else v) for k, v in r.items()} for r in rows]
    assert_same_tables(with_segment(records, segment))


@pytest.mark.parametrize("ads", [True, False])
def test_a_shop_with_and_without_ads_named_on_every_row(ads):
    """Where some rows name no ad, the grain leaves the ad out and paired counts meet per campaign:
    the campaign level is then grouped from the rows, not from the ads' sums."""
    records = []
    for day in range(1, 4):
        for campaign, ad in (("c1", "x"), ("c1", "y"), ("c2", "x")):
            records.append({"date": f"2026-07-0{day}", "channel": "facebook", "campaign": campaign, "ad": ad,
                            "impressions": 1000 * day, "clicks": 30 + day, "spend": 12.5 * day})
        records.append({"date": f"2026-07-0{day}", "channel": "facebook", "campaign": "c1", "ad": "z" if ads else None,
                        "clicks": 9, "sessions": 8, "revenue": 40.25})
    assert_same_tables(records)


def test_data_with_no_dimensions_and_data_by_region():
    """No level but the total (nothing to add up from), and a region level beside the channels."""
    assert_same_tables([{"date": f"2026-07-0{day}", "impressions": 1000, "clicks": 20 + day, "spend": 10.0} for day in (1, 2)])
    assert_same_tables([{"date": "2026-07-01", "channel": channel, "region": region, "impressions": 1000, "clicks": 25, "spend": 12.5}
                        for channel in ("facebook", "tiktok") for region in ("north", "south")])


PERIODS = ("day", "week", "month", "7d")
FEW_METRICS = (["ctr"], ["frequency", "roas"], ["followers", "conversion_rate"], ["open_tickets", "clicks"])


def assert_same_period_tables(records, extra_source=None):
    """Every level's period table, grouped once by series and period, is the one built from the rows
    combined over dates within each period (``combined_over_dates``, the way it was built before)."""
    dataset, catalog = dataset_of(records, extra_source)
    for level in LEVEL_DIMS:
        for period in PERIODS:
            table = period_table(dataset, catalog, level, period)
            if table is None:
                continue
            last = dataset.frame.get_column("date").max()
            rows = dataset.frame.lazy().filter(pl.col("date").is_not_null()).with_columns(period_start(period, last).alias(PERIOD_COLUMN))
            keys = [*table.dims, PERIOD_COLUMN]
            frame = _period_frame_from_combined(dataset, catalog, rows, keys, period, last)
            combined = _finished_table(dataset, catalog, level, table.dims, frame, pairing(dataset, catalog))
            assert table.available == combined.available, (level, period)
            assert_same_frame(table.frame, combined.frame)
            for metrics in FEW_METRICS:  # a trend rule's table: only the counts its metrics read
                few = period_table(dataset, catalog, level, period, metrics=metrics)
                shown = [m for m in metrics if m in table.available]
                assert sorted(m for m in few.available if m in metrics) == sorted(shown), (level, period, metrics)
                assert_same_frame(few.frame.select(keys + shown), table.frame.select(keys + shown))


@settings(max_examples=30, deadline=None)
@given(unique_rows, st.sampled_from([None, "device"]))
def test_every_period_table_grouped_by_series_is_the_one_from_the_combined_rows(rows, segment):
    records = [{("date" if k == "day" else k): (f"2026-07-{3 * v:02d}" if k == "day" else v) for k, v in r.items()} for r in rows]
    assert_same_period_tables(with_segment(records, segment))


@pytest.mark.parametrize("reach", [False, True])
def test_period_tables_of_two_sources_and_of_data_with_no_dimensions(reach):
    """Two sources may both have rows on one date: spend in one and revenue in the other meet in
    the date's cell, not on a row. Data with no dimension but the date is one series."""
    def day_row(day, **counts):
        return {"date": f"2026-07-{day:02d}", "channel": "facebook", "campaign": "c1"} | counts

    ads = [day_row(day, impressions=1000 + day, clicks=20 + day, spend=10.0 + day, **({"reach": 400 + 9 * day} if reach else {}))
           for day in range(1, 20)]
    analytics = [day_row(day, sessions=15, purchases=day % 3, revenue=30.0 * (day % 3)) for day in range(2, 22)]
    assert_same_period_tables(ads, analytics)
    assert_same_period_tables([{"date": f"2026-07-{day:02d}", "impressions": 1000, "reach": 500 + day, "followers": 90 + day,
                                "clicks": 20 + day, "spend": 10.0} for day in range(1, 30)])


def assert_shared_masks_change_nothing(records):
    """Paired sets that leave out the same rows share their masked columns (``Pairing.alike``): every
    level's counts, metrics and notes on empty counts must be those of one mask per set, each
    naming all its counts."""
    dataset, catalog = dataset_of(records)
    paired = pairing(dataset, catalog)
    shared = metric_tables(dataset, catalog, list(LEVEL_DIMS))
    alone, _ = dataset_of(records)
    alone._pairing = (catalog, replace(paired, gaps=None, alike=()))  # the cache ``pairing`` reads
    separate = metric_tables(alone, catalog, list(LEVEL_DIMS))
    for level, table in shared.items():
        if table is None:
            assert separate[level] is None
            continue
        assert table.available == separate[level].available, level
        public = [*table.dims, *table.available]
        assert_same_frame(table.frame.select(public), separate[level].frame.select(public))
        # The notes on counts empty on part of a scope count those rows once per distinct count too.
        assert pairing_notes(dataset, catalog, level, limit=1000) == pairing_notes(alone, catalog, level, limit=1000), level
    return paired


@settings(max_examples=30, deadline=None)
@given(unique_rows, st.sampled_from([None, "device"]))
def test_sets_masked_alike_share_columns_without_changing_a_number(rows, segment):
    records = [{("date" if k == "day" else k): (f"2026-07-0{v}" if k == "day" else v) for k, v in r.items()} for r in rows]
    assert_shared_masks_change_nothing(with_segment(records, segment))


def test_complete_counts_with_unpaid_rows_share_one_mask_and_a_gap_gets_its_own():
    def rows(clicks_gap):
        return [{"date": f"2026-07-0{day}", "channel": "facebook", "campaign": "c1", "impressions": 1000 * day,
                 "clicks": None if clicks_gap and day == 2 else 20 + day, "spend": 0.0 if day == 3 else 9.5 * day,
                 "purchases": day, "revenue": 30.0 * day} for day in (1, 2, 3, 4)]
    paired = assert_shared_masks_change_nothing(rows(clicks_gap=False))
    assert len(paired.sets) > 2 and set(paired.alike) == {0}  # every set is masked by spend > 0 alone
    assert len(paired.summed_columns()) == len({name for inputs in paired.sets for name in inputs})
    paired = assert_shared_masks_change_nothing(rows(clicks_gap=True))
    with_clicks = [i for i, inputs in enumerate(paired.sets) if "clicks" in inputs]
    assert with_clicks and {paired.alike[i] for i in with_clicks}.isdisjoint(
        paired.alike[i] for i, inputs in enumerate(paired.sets) if "clicks" not in inputs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["b", "a", "c", None]), st.one_of(st.none(), st.integers(-3, 3)), st.floats(allow_nan=False)),
                max_size=30))
def test_a_level_sorted_a_column_at_a_time_is_the_frame_sorted(rows):
    """``sorted_by`` holds one column twice at a time, never the level; the order is sort()'s.
    It takes the frame: each column is moved out as its sorted copy is made."""
    from kpi_advisor.evaluation.tables import sorted_by

    frame = pl.DataFrame(rows, schema={"campaign": pl.String, "ad": pl.Int64, "clicks": pl.Float64}, orient="row").with_columns(
        pl.col("campaign").cast(pl.Categorical))
    frame = frame.unique(["campaign", "ad"], keep="first", maintain_order=True)  # a level's scopes are unique
    expected = frame.sort(["campaign", "ad"], nulls_last=True)
    assert sorted_by(frame, ["campaign", "ad"]).equals(expected)
    assert frame.width == 0


def test_partial_sums_count_rows_only_where_a_count_is_missing_somewhere_or_averaged():
    """A count on every row is on every row of every scope: its row count is not kept beside its
    sum (at agency 10M, 17 columns of 1M scopes); a count missing on a row, or a per-row average,
    keeps it. The levels come out the same either way (the examples' reports are unchanged)."""
    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.evaluation.tables import _partial_sums
    from kpi_advisor.loading.prepare import load_config

    records = [{"date": f"2026-07-0{d}", "channel": "facebook", "campaign": c, "impressions": 1000 * d, "clicks": None if d == 2 else 10 * d,
                "first_response_minutes": 30.0 + d, "spend": 5.0 * d} for d in (1, 2, 3) for c in ("spring", "summer")]
    prepared = prepare(load_config({"client": "c", "business_model": "dtc_ecommerce", "data": [{"records": records}]}))
    dataset = load_dataset(prepared.loaded.config, prepared.catalog, prepared.loaded.base_dir)
    partials = _partial_sums(dataset, prepared.catalog, ("channel", "campaign"), pairing(dataset, prepared.catalog))
    assert {"__sum_impressions", "__sum_clicks", "__n_clicks", "__n_first_response_minutes"} <= set(partials.columns)
    assert "__n_impressions" not in partials.columns and "__n_spend" not in partials.columns
    tables = metric_tables(dataset, prepared.catalog, ["total", "channel", "campaign"])
    assert tables["total"].frame["impressions"].to_list() == [12000.0]
    assert tables["total"].frame["first_response_minutes"].to_list() == [32.0]  # the mean of its rows

"""Plausibility checks on rows (engine/sanity.py) and on data files
(engine/datafiles.py), as docs/data-checks.md describes them."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import kpi_advisor
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_advisor.data.plausibility import BOUNDS, MAX_VALUE, check_rows
from kpi_advisor.problems import ConfigError, Problem

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-checks.md"


def run_csv(tmp_path, text: str | bytes, name: str = "ads.csv", **source):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    config = {"client": "t", "business_model": "dtc_ecommerce", "data": [{"csv": str(path), "name": name, **source}]}
    return kpi_advisor.evaluate(config)


@pytest.mark.parametrize("bound", BOUNDS, ids=lambda b: f"{b.part}-over-{b.whole}")
def test_each_part_over_its_whole_is_an_error_or_a_warning_naming_file_line_and_column(tmp_path, bound):
    text = f"channel,{bound.part},{bound.whole}\nfacebook,10,10\ngoogle,12,10\n"
    ratio = f" ({bound.ratio} over 100%)" if bound.ratio else ""
    message = f"ads.csv:3: {bound.part}: 12 {bound.part} but only 10 {bound.whole}"
    if bound.level == "error":
        with pytest.raises(ConfigError) as info:
            run_csv(tmp_path, text)
        assert str(info.value) == f"{message} on this row{ratio}; {bound.why}"
    else:
        report = run_csv(tmp_path, text)
        assert f"{message}{ratio}; {bound.why}" in report.warnings


def test_equal_part_and_whole_and_missing_cells_are_fine(tmp_path):
    report = run_csv(tmp_path, "channel,sessions,bounces,clicks,impressions\nfacebook,10,10,,\ngoogle,,3,5,\n")
    assert not [w for w in report.warnings if "but only" in w]


def test_a_warning_counts_the_other_rows_like_it(tmp_path):
    rows = "".join(f"2026-07-0{d},facebook,100,{150 + d}\n" for d in range(1, 8))
    report = run_csv(tmp_path, "date,channel,impressions,clicks\n" + rows)
    [warning] = [w for w in report.warnings if "but only" in w]
    assert warning.startswith("ads.csv:2: clicks: 151 clicks but only 100 impressions (ctr over 100%) (6 more rows like it); ")


def test_errors_name_five_rows_and_count_the_rest(tmp_path):
    rows = "".join(f"c{i},10,{11 + i}\n" for i in range(8))
    with pytest.raises(ConfigError) as info:
        run_csv(tmp_path, "channel,sessions,bounces\n" + rows)
    problems = info.value.problems
    assert [p.line for p in problems] == [2, 3, 4, 5, 6]
    assert problems[-1].message.endswith("every bounce is a session (and 3 more rows)")


def test_conversions_may_exceed_clicks_and_sessions_may_exceed_clicks(tmp_path):
    """View-through conversions (the Kaggle data set has them) and organic visits are real."""
    report = run_csv(tmp_path, "channel,clicks,conversions,sessions\nfacebook,10,25,40\n")
    assert not [w for w in report.warnings if "but only" in w]


def test_a_fraction_in_a_whole_count_is_said_with_the_decimal_comma_hint(tmp_path):
    """A Meta or Google export with English headers is read with decimal points: a German
    thousands dot makes 1,234 impressions 1.234, and nothing else would say so."""
    report = run_csv(tmp_path, "date,channel,impressions,clicks,purchases\n2026-07-01,facebook,1.234,20,0.5\n"
                     "2026-07-02,facebook,1.25,10,1\n2026-07-03,facebook,900,10,1\n", options={"decimal_comma": False})
    [warning] = [w for w in report.warnings if "not a whole number" in w]
    assert warning == ("ads.csv:2: impressions: 1.234 is not a whole number (1 more row like it), and impressions are counted whole; "
                       "if the file writes thousands with a dot (1.234 for 1,234), set options: {decimal_comma: true}")
    # A modelled conversion may be a fraction (Google's data-driven attribution), and whole counts are quiet.
    quiet = run_csv(tmp_path, "date,channel,impressions,clicks,purchases\n2026-07-01,facebook,1234,20,0.5\n", options={"decimal_comma": False})
    assert not [w for w in quiet.warnings if "not a whole number" in w]


def test_float_noise_is_whole_and_a_fraction_is_shown_as_it_is():
    """3 x 0.1 x 10,000 is 3000.0000000000005 in floats: a count computed upstream, not a fraction.
    Records take no options: their hint names none."""
    rows = [{"channel": "fb", "impressions": 3 * 0.1 * 10000, "clicks": 10}, {"channel": "ig", "impressions": 123456.5, "clicks": 10}]
    report = kpi_advisor.evaluate({"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": rows}]})
    [warning] = [w for w in report.warnings if "not a whole number" in w]
    assert "records[1].impressions: 123456.5 is not a whole number" in warning
    assert warning.endswith("check the values: a thousands dot read as a decimal point (1.234 for 1,234)?")


def test_records_and_api_frames_are_checked_too():
    config = {"client": "t", "business_model": "dtc_ecommerce", "data": []}
    with pytest.raises(ConfigError, match=r"data row 0, column bounces: 5 bounces but only 4 sessions on this row"):
        kpi_advisor.evaluate(config, data=[{"channel": "x", "sessions": 4, "bounces": 5}])
    frame = pl.DataFrame({"channel": ["x", "y"], "clicks": [1.0, float("nan")], "impressions": [10.0, float("inf")]})
    with pytest.raises(ConfigError) as info:
        kpi_advisor.evaluate(config, data=frame)
    assert str(info.value).splitlines() == [
        "data row 1, column clicks: expected a finite number, got nan",
        "data row 1, column impressions: expected a finite number, got inf",
    ]


def test_implausibly_large_values_are_errors_and_sums_stay_finite(tmp_path):
    with pytest.raises(ConfigError, match=r"ads.csv:2: spend: 2e\+15 is not a plausible value \(the limit is 1e\+15\)"):
        run_csv(tmp_path, "channel,spend\nfacebook,2e15\n")
    rows = "".join(f"c{i},{MAX_VALUE:.0f}\n" for i in range(50))
    report = run_csv(tmp_path, "channel,spend\n" + rows)
    total = next(m for m in report.metrics if not m.scope).values["spend"]
    assert math.isfinite(total) and total == 50 * MAX_VALUE


def test_a_source_that_dates_some_rows_but_not_others_is_refused(tmp_path):
    with pytest.raises(ConfigError) as info:
        run_csv(tmp_path, "date,channel,clicks\n2026-07-01,fb,1\n,fb,2\n2026-07-03,fb,3\n,ig,4\n")
    assert [str(p) for p in info.value.problems] == [
        "ads.csv:3: date: this row has no date but other rows of ads.csv have one; give every row a date, or none",
        "ads.csv:5: date: this row has no date but other rows of ads.csv have one; give every row a date, or none",
    ]


def test_a_dated_and_an_undated_source_are_kept_with_a_warning(tmp_path):
    (tmp_path / "daily.csv").write_text("date,channel,impressions,clicks\n2026-07-01,facebook,1000,10\n2026-07-02,facebook,1000,12\n")
    (tmp_path / "month.csv").write_text("channel,sessions,bounces\nfacebook,20,5\n")
    config = {"client": "t", "business_model": "dtc_ecommerce",
              "data": [{"csv": str(tmp_path / "daily.csv"), "name": "daily.csv"}, {"csv": str(tmp_path / "month.csv"), "name": "month.csv"}]}
    report = kpi_advisor.evaluate(config)
    assert "month.csv has no dates while daily.csv has: undated rows count in the totals but not in trends over time" in report.warnings
    total = next(m for m in report.metrics if not m.scope).values
    assert total["clicks"] == 22 and total["sessions"] == 20


def test_a_header_only_source_is_skipped_with_a_warning_when_others_have_rows(tmp_path):
    (tmp_path / "paused.csv").write_text("date,channel,impressions,clicks\n")
    (tmp_path / "live.csv").write_text("date,channel,impressions,clicks\n2026-07-01,google,100,3\n")
    config = {"client": "t", "business_model": "dtc_ecommerce",
              "data": [{"csv": str(tmp_path / "paused.csv"), "name": "paused.csv"}, {"csv": str(tmp_path / "live.csv"), "name": "live.csv"}]}
    report = kpi_advisor.evaluate(config)
    assert "paused.csv: no data rows below the header; skipped" in report.warnings
    assert report.summary.rows == 1


@pytest.mark.parametrize(
    ("raw", "options"),
    [("date,channel,campaign,clicks\n2026-07-01,fb,Caf\u00e9,3\n".encode("utf-16"), {}),
     ("date,channel,campaign,clicks\n2026-07-01,fb,Caf\u00e9,3\n".encode("cp1252"), {"options": {"encoding": "cp1252"}}),
     ("\ufeffdate,channel,campaign,clicks\n2026-07-01,fb,Caf\u00e9,3\n".encode("utf-8"), {})],
    ids=["utf-16 with BOM", "cp1252 by option", "utf-8 with BOM"],
)
def test_encodings_with_a_documented_treatment_are_read(tmp_path, raw, options):
    report = run_csv(tmp_path, raw, **options)
    assert report.summary.rows == 1


def test_utf8_error_names_the_line_even_far_into_a_big_file(tmp_path):
    lines = "".join(f"2026-07-01,c{i},{i}\n" for i in range(200_000))
    raw = ("date,channel,clicks\n" + lines).encode() + b"2026-07-02,caf\xe9,1\n"
    with pytest.raises(ConfigError, match=r"^ads.csv:200002: is not UTF-8 text \(byte 0xe9 at offset \d+\)"):
        run_csv(tmp_path, raw)


def test_row_checks_are_vectorized():
    rows = 1_000_000
    frame = pl.DataFrame({
        "channel": ["a", "b"] * (rows // 2),
        "impressions": pl.Series([1000.0] * rows), "clicks": pl.Series([10.0] * rows),
        "sessions": pl.Series([9.0] * rows), "bounces": pl.Series([4.0] * rows), "reach": pl.Series([900.0] * rows),
        "purchases": pl.Series([1.0] * rows), "checkouts": pl.Series([2.0] * rows), "add_to_cart": pl.Series([3.0] * rows),
    })
    calls = []

    def locate(row, column):
        calls.append(row)
        return Problem("", file="big.csv", line=row + 2, path=column)

    counts = [c for c in frame.columns if c != "channel"]
    started = time.perf_counter()
    assert check_rows(frame, counts, locate, "big.csv") == []
    assert time.perf_counter() - started < 2
    assert calls == []  # nothing is looked at row by row unless it is named


def test_every_check_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for bound in BOUNDS:
        assert re.search(rf"\| `{bound.part}` \| `{bound.whole}` \| {bound.level} \|", text), f"{bound.part} > {bound.whole}"


_NAMES = st.one_of(st.none(), st.sampled_from(["", " ", "\t", "fb", " fb", "fb ", "f b", "\u00a0fb", "fb\n", "Search"]))


@given(st.lists(st.tuples(_NAMES, _NAMES), min_size=1, max_size=12))
def test_dimensions_are_stripped_and_blank_is_none_whether_or_not_the_column_needed_it(rows):
    """A clean text dimension is kept as it was read (``_tidy_text``: no copy of 10M rows of
    text); any other is stripped, and a blank becomes no value, exactly as always."""
    from kpi_advisor.data.sources import normalise
    from kpi_advisor.loading.catalog import get_catalog

    frame = pl.DataFrame({"channel": [r[0] for r in rows], "campaign": [r[1] for r in rows],
                          "clicks": [1.0] * len(rows)}, schema={"channel": pl.String, "campaign": pl.String, "clicks": pl.Float64})
    out, _ = normalise(frame, get_catalog(), lambda row, column: Problem("", path=column), "test")
    for column in ("channel", "campaign"):
        stripped = [None if v is None or not v.strip() else v.strip() for v in frame[column].to_list()]
        assert out[column].to_list() == stripped


def test_a_negative_whole_number_in_a_parquet_file_is_named_by_its_row(tmp_path):
    """Integer counts are checked only for their sign (read as integers they are whole and finite);
    a negative one still takes the path that names its cell."""
    pl.DataFrame({"date": ["2026-01-01", "2026-01-02"], "channel": ["fb", "fb"], "clicks": [5, -3],
                  "impressions": [100, 100]}).write_parquet(tmp_path / "ads.parquet")
    config = {"client": "x", "business_model": "dtc_ecommerce", "data": [{"parquet": str(tmp_path / "ads.parquet")}]}
    with pytest.raises(ConfigError, match=r"ads\.parquet:3: clicks: counts cannot be negative, got -3"):
        kpi_advisor.evaluate(config)


_cells = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**6).map(float))


@given(st.lists(st.lists(_cells, min_size=1, max_size=30), min_size=1, max_size=4), st.sampled_from([pl.Float64, pl.Float32]))
def test_a_count_column_is_in_doubt_exactly_when_a_cell_is_nan_infinite_or_negative(columns, dtype):
    """The screen is two reductions (sum and minimum): it must flag every column a cell-by-cell
    check flags. A clean column it flags (a sum too large to hold) only costs its own checks."""
    from kpi_advisor.data.sources import _columns_in_doubt

    height = min(len(c) for c in columns)
    frame = pl.DataFrame({f"c{i}": pl.Series(c[:height], dtype=pl.Float64).cast(dtype) for i, c in enumerate(columns)})
    flagged = set(_columns_in_doubt(frame, frame, frame.columns))
    for name in frame.columns:
        cells = [v for v in frame.get_column(name).to_list() if v is not None]
        bad = any(math.isnan(v) or math.isinf(v) or v < 0 for v in cells)
        assert bad <= (name in flagged), (name, cells)
        if name in flagged and not bad:
            assert not math.isfinite(sum(cells)), (name, cells)  # only a sum too large to hold

"""Text dimensions are kept as Categorical (each name once, not once a row), read that way from
files, and the run lets its rows go when it returns (docs/scaling.md, "Memory")."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import polars as pl
import pytest
from kpi_advisor.data.sources import load_dataset
from kpi_advisor.loading.prepare import load_config, prepare

ROOT = Path(__file__).resolve().parent.parent
TEXT = ("account", "channel", "campaign", "ad", "device")


def dataset_of(data: list[dict], tmp_path: Path, **config):
    prepared = prepare(load_config({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": data, **config}))
    return load_dataset(prepared.loaded.config, prepared.catalog, tmp_path)


@pytest.fixture
def files(tmp_path):
    rows = {"date": ["2026-07-01", "2026-07-02", "2026-07-01"], "account": ["a1", "a1", "a2"],
            "channel": [" facebook", "facebook", "google_ads "], "campaign": ["Summer", "Summer", "  "],
            "ad": ["ad-1", "ad-1", "ad-2"], "device": ["mobile", "desktop", "mobile"], "note": ["x", "y", "z"],
            "impressions": [1000, 1200, 900], "clicks": [20, 25, 30]}
    pl.DataFrame(rows).write_csv(tmp_path / "ads.csv")
    pl.DataFrame(rows).write_parquet(tmp_path / "ads.parquet")
    return tmp_path


@pytest.mark.parametrize("kind", ["csv", "parquet", "records"])
def test_every_source_keeps_its_text_dimensions_as_categorical_stripped_with_blank_as_none(files, kind):
    if kind == "records":
        source = {"records": pl.read_csv(files / "ads.csv").to_dicts()}
    else:
        source = {kind: str(files / f"ads.{kind}")}
    dataset = dataset_of([source], files, segments=["device"])
    frame = dataset.frame
    assert {d: frame.schema[d] for d in TEXT} == dict.fromkeys(TEXT, pl.Categorical)
    assert frame.schema["date"] == pl.Date and frame.schema["clicks"] == pl.Float32  # whole, exact in Float32
    assert frame.sort("date", "account")["channel"].to_list() == ["facebook", "google_ads", "facebook"]
    assert sorted(frame["campaign"].to_list(), key=str) == [None, "Summer", "Summer"]


def test_a_file_reads_its_text_dimensions_straight_into_categoricals_and_leaves_other_text_alone(files):
    """The cast is part of the read itself (no column of text per row is ever held); a column that
    is no dimension (``note``, warned about and dropped later) is not touched."""
    from kpi_advisor.data.sources import _collect_needed
    from kpi_advisor.loading.catalog import get_catalog

    frame = _collect_needed(pl.scan_csv(files / "ads.csv", infer_schema=False), get_catalog())
    assert frame.schema["campaign"] == frame.schema["channel"] == pl.Categorical
    assert frame.schema["note"] == pl.Null  # not needed: an empty column, so normalise can name it
    assert frame.schema["clicks"] == pl.Float32 and frame.schema["date"] == pl.Date


def test_two_sources_with_categorical_dimensions_meet_on_the_same_names(tmp_path):
    """A CSV and a Parquet file name the same campaigns in another order: their categoricals line
    up in one frame (each campaign one group) and in the report's channel totals."""
    ads = {"date": ["2026-07-01", "2026-07-01"], "channel": ["facebook", "facebook"], "campaign": ["c1", "c2"],
           "impressions": [1000, 2000], "clicks": [10, 20]}
    web = {"date": ["2026-07-01", "2026-07-01"], "channel": ["facebook", "facebook"], "campaign": ["c2", "c1"],
           "sessions": [18, 9]}
    pl.DataFrame(ads).write_csv(tmp_path / "ads.csv")
    pl.DataFrame(web).write_parquet(tmp_path / "web.parquet")
    data = [{"csv": str(tmp_path / "ads.csv")}, {"parquet": str(tmp_path / "web.parquet")}]
    frame = dataset_of(data, tmp_path).frame
    assert frame.schema["campaign"] == pl.Categorical
    sums = frame.group_by("campaign").agg(pl.col("clicks").sum(), pl.col("sessions").sum()).sort("campaign")
    assert sums.rows() == [("c1", 10.0, 9.0), ("c2", 20.0, 18.0)]
    import kpi_advisor

    report = kpi_advisor.evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": data})
    [channel] = [dict(m.values) for m in report.metrics if m.scope == {"channel": "facebook"}]
    assert (channel["clicks"], channel["sessions"]) == (30, 27)


def test_recode_renames_categorical_values(files):
    dataset = dataset_of([{"csv": str(files / "ads.csv"), "options": {"recode": {"channel": {"google_ads": "Google"}}}}], files)
    assert dataset.frame.schema["channel"] == pl.Categorical
    assert sorted(set(dataset.frame["channel"].to_list())) == ["Google", "facebook"]


def test_the_rows_are_let_go_when_the_run_returns_though_its_findings_are_not_yet_worded(monkeypatch):
    """A finding's words are written when a report shows it (``run_pipeline(words=False)``); what it
    keeps for them must not hold the run's rows, or a 10M-row frame outlives the run while the
    report is written (acme_outdoor fires a rule that names its benchmark's source)."""
    import kpi_advisor.pipeline as pipeline

    loaded: list[weakref.ref] = []
    real = pipeline.load_dataset

    def remember(*args, **kwargs):
        dataset = real(*args, **kwargs)
        loaded.append(weakref.ref(dataset.frame))
        return dataset

    monkeypatch.setattr(pipeline, "load_dataset", remember)
    report = pipeline.run_pipeline(prepare(load_config(ROOT / "examples" / "acme_outdoor.yaml")), words=False)
    assert any("_source" in field for f in report.findings for field in _placeholders(f.rule))
    gc.collect()
    assert loaded and all(ref() is None for ref in loaded)
    assert all(f.worded().message for f in report.findings)  # the words are still there to write


def _placeholders(rule_id: str) -> list[str]:
    import string

    from kpi_advisor.loading.catalog import get_catalog

    rule = get_catalog().rules[rule_id]
    return [name for _, name, _, _ in string.Formatter().parse(rule.message + rule.recommendation) if name]

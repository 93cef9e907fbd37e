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


def test_data_rows_bounds_the_rows_read_not_only_the_rows_kept(tmp_path):
    """data_rows was checked once the whole file was in memory (400 MB file: 1.75 GB)."""
    from kpi_advisor import limits

    csv = tmp_path / "ads.csv"
    csv.write_text("channel,impressions,clicks\n" + "facebook,100,1\n" * 200_000)
    with limits.override(data_rows=10), pytest.raises(ConfigError, match=r"ads.csv: too many rows: at least 11 \(limit data_rows=10\)"):
        kpi_advisor.evaluate(_config(data=[{"csv": str(csv), "name": "ads.csv"}]))


def test_a_nul_tail_is_found_without_reading_the_file_into_memory(tmp_path, monkeypatch):
    """A CSV with a valid head and a NUL tail (1 GiB: 5.2 GB, then abort)."""
    import polars as pl

    csv = tmp_path / "ads.csv"
    with open(csv, "wb") as handle:
        handle.write(b"channel,impressions,clicks\n" + b"facebook,1000,20\n" * 5000)
        handle.write(b"\x00" * (8 << 20))

    def no_reading(*args, **kwargs):
        raise AssertionError("the reader ran")

    monkeypatch.setattr(pl, "scan_csv", no_reading)
    monkeypatch.setattr(pl, "read_csv", no_reading)
    with pytest.raises(ConfigError, match=r"ads.csv:5002: contains NUL bytes \(the first at byte 85027\)"):
        kpi_advisor.evaluate(_config(data=[{"csv": str(csv), "name": "ads.csv"}]))


def test_a_parquet_compression_bomb_is_refused_from_its_footer(tmp_path, monkeypatch):
    """11 KB of Parquet whose one cell unpacks to 300 MB took 2.8 GB and wrote a 314 MB report."""
    import polars as pl

    from kpi_advisor import limits
    from kpi_advisor.data.files import parquet_unpacked_bytes

    bomb = tmp_path / "bomb.parquet"
    # Without statistics: older polars copies a long string into the min/max of the footer.
    pl.DataFrame({"channel": ["x" * (70 << 20)], "clicks": [1]}).write_parquet(bomb, compression="zstd", statistics=False)
    assert bomb.stat().st_size < 20_000 and parquet_unpacked_bytes(bomb) > 70 << 20
    plain = tmp_path / "plain.parquet"
    pl.DataFrame({"channel": ["facebook", "google"], "impressions": [1000, 2000], "clicks": [10, 30]}).write_parquet(plain)
    assert 0 < parquet_unpacked_bytes(plain) < 10_000
    assert kpi_advisor.evaluate(_config(data=[{"parquet": str(plain)}])).metrics

    from kpi_advisor.data import sources

    monkeypatch.setattr(sources, "_collect_needed", lambda *a, **k: (_ for _ in ()).throw(AssertionError("rows read")))
    with pytest.raises(ConfigError, match=r"bomb.parquet: unpacks to \d+ bytes from \d+, \d+ times its size \(limit data_unpack_ratio=100\)"):
        kpi_advisor.evaluate(_config(data=[{"parquet": str(bomb), "name": "bomb.parquet"}]))
    with limits.override(data_unpack_ratio=10**9, data_bytes=1 << 20), pytest.raises(ConfigError, match=r"unpacks to \d+ bytes \(limit data_bytes=1048576"):
        kpi_advisor.evaluate(_config(data=[{"parquet": str(bomb), "name": "bomb.parquet"}]))


def test_a_yaml_timestamp_and_the_same_text_in_a_csv_land_on_the_same_day(tmp_path):
    import datetime

    stamps = ["2026-07-01T23:30:00-05:00", "2026-07-02T10:00:00-05:00"]
    csv = tmp_path / "ads.csv"
    csv.write_text("date,channel,impressions,clicks\n" + "".join(f"{s},facebook,1000,{i + 1}\n" for i, s in enumerate(stamps)))
    config = tmp_path / "config.yaml"
    rows = "".join(f"      - {{date: {s}, channel: facebook, impressions: 1000, clicks: {i + 1}}}\n" for i, s in enumerate(stamps))
    config.write_text(f"client: X\nbusiness_model: dtc_ecommerce\ndata:\n  - records:\n{rows}")
    from_yaml = kpi_advisor.evaluate(config)
    from_csv = kpi_advisor.evaluate(_config(data=[{"csv": str(csv)}]))
    tz = datetime.timezone(datetime.timedelta(hours=-5))
    records = [{"date": datetime.datetime.fromisoformat(s).astimezone(tz), "channel": "facebook", "impressions": 1000, "clicks": i + 1} for i, s in enumerate(stamps)]
    from_api = kpi_advisor.evaluate(_config(data=[]), data=records)
    assert from_yaml.warnings == from_csv.warnings == from_api.warnings == []  # two days, no repeated row
    assert from_yaml.metrics == from_csv.metrics == from_api.metrics

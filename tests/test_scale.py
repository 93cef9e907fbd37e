"""Reading only what the engine needs, without changing what it reports."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import kpi_advisor
import polars as pl
import pytest
from kpi_advisor.data.sources import _collect_needed
from kpi_advisor.loading.catalog import get_catalog

ROOT = Path(__file__).resolve().parent.parent
HEADER = "date,channel,campaign,impressions,clicks,sessions,bounces,spend,ad_id,ctr\n"
LINES = [
    "2026-07-01,facebook,spring,120000,3600,3300,2650,900.5,17,0.03",
    "2026-07-02,facebook,spring,110000,3300,3000,2500,850.25,17,0.03",
    "2026-07-01,instagram,spring,80000,1400,1300,420,400,18,0.0175",
]


def config(path: Path, kind: str) -> dict:
    return {"client": "Scale", "business_model": "dtc_ecommerce", "data": [{kind: str(path)}]}


def test_unused_columns_are_not_read_but_still_named(tmp_path):
    path = tmp_path / "ads.parquet"
    pl.read_csv((HEADER + "\n".join(LINES)).encode()).write_parquet(path)
    frame = _collect_needed(pl.scan_parquet(path), get_catalog())
    assert frame.schema["ad_id"] == pl.Null  # never read from the file
    # Whole-number counts are floats as they are read (Float32, each exact in it; money Float64):
    # the integers are never held beside them.
    assert frame.schema["clicks"] == pl.Float32 and frame.schema["spend"] == pl.Float64
    assert frame.schema["ctr"] == pl.Float64  # ctr is read to be named
    report = kpi_advisor.evaluate(config(path, "parquet"))
    assert any("column 'ad_id' is not a known metric or dimension and is ignored" in w for w in report.warnings)
    assert any("column 'ctr' is ignored" in w for w in report.warnings)


def test_integer_counts_read_as_floats_report_bad_cells_as_written(tmp_path):
    path = tmp_path / "ads.parquet"
    pl.read_csv((HEADER + "\n".join(LINES)).encode()).with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(-3300).otherwise(pl.col("clicks")).alias("clicks")
    ).write_parquet(path)
    frame = _collect_needed(pl.scan_parquet(path), get_catalog())
    assert frame.schema["clicks"] == pl.Int64  # a negative count: read as written, to be named
    with pytest.raises(kpi_advisor.ConfigError) as caught:
        kpi_advisor.evaluate(config(path, "parquet"))
    assert "counts cannot be negative, got -3300" in str(caught.value)


@pytest.mark.parametrize("segmented", [False, True])
def test_rows_with_segments_are_held_in_one_chunk_per_column(tmp_path, segmented):
    # A file read in parts (row groups) gives columns in several chunks. Data with segments is
    # held in one chunk per column, so that its segment tables' windows never copy every row
    # again; other data is only grouped, and keeps its chunks (no copy of every row at all).
    path = tmp_path / "ads.parquet"
    lines = [f"2026-07-{day:02d},facebook,c{n},1000,30,25,10,9.5,1,0.03" for day in range(1, 29) for n in range(50)]
    frame = pl.read_csv((HEADER + "\n".join(lines)).encode())
    if segmented:
        frame = frame.with_columns(device=pl.when(pl.int_range(pl.len()) % 2 == 0).then(pl.lit("mobile")).otherwise(pl.lit("desktop")))
    frame.write_parquet(path, row_group_size=100)
    assert pl.scan_parquet(path).collect().n_chunks() > 1
    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.loading.prepare import load_config, prepare

    loaded = load_config(config(path, "parquet"))
    prepared = prepare(loaded)
    dataset = load_dataset(loaded.config, prepared.catalog, loaded.base_dir)
    assert ("device" in dataset.dims) == segmented
    assert (dataset.frame.n_chunks("all") == [1] * dataset.frame.width) == segmented
    report = kpi_advisor.evaluate(config(path, "parquet"))
    assert report.summary.rows == len(lines)


def test_csv_counts_parsed_in_one_pass_or_cleaned_as_before(tmp_path):
    clean = tmp_path / "clean.csv"
    clean.write_text(HEADER + "\n".join(LINES) + "\n")
    frame = _collect_needed(pl.scan_csv(clean, infer_schema=False), get_catalog())
    assert frame.schema["clicks"] == pl.Float32 and frame.schema["channel"] == pl.Categorical
    # Cells a plain parse refuses (padding, thousands separators) take the cleaning path, same report.
    messy = tmp_path / "messy.csv"
    messy.write_text(HEADER + "\n".join(LINES).replace(",120000,", ',"120,000",').replace(",3600,", ", 3600,") + "\n")
    with pytest.raises(pl.exceptions.InvalidOperationError):
        pl.scan_csv(messy, infer_schema=False).select(pl.col("impressions").cast(pl.Float64)).collect()
    a = kpi_advisor.evaluate(config(clean, "csv")).model_dump(mode="json")
    b = kpi_advisor.evaluate(config(messy, "csv")).model_dump(mode="json")
    a.pop("warnings"), b.pop("warnings")
    assert a == b and a["summary"]["rows"] == 3


def test_the_generic_reader_parses_the_counts_the_engine_asks_for_and_the_engine_falls_back_to_text(tmp_path, monkeypatch):
    """DataFormat.typed: the generic CSV reader, given ``types`` by the names its frame gives (after
    ``options.columns``), parses those columns as numbers while it reads. A file whose count
    cell does not parse falls back to the text read, which names the cell as before."""
    from kpi_advisor.data import sources

    generic = get_catalog().formats["generic"]
    assert generic.typed and not any(f.typed for name, f in get_catalog().formats.items() if name != "generic")
    path = tmp_path / "ads.csv"
    path.write_text(HEADER.replace("clicks", "Klicks") + "\n".join(LINES) + "\n")
    options = {"kind": "csv", "name": "ads.csv", "columns": {"Klicks": "clicks"}}
    frame, _ = generic.read(path, options, {"clicks": pl.Float64, "impressions": pl.Float64})
    schema = frame.collect_schema()
    assert schema["clicks"] == schema["impressions"] == pl.Float64 and schema["sessions"] == schema["channel"] == pl.String
    assert frame.collect()["clicks"].to_list() == [3600.0, 3300.0, 1400.0]
    comma, _ = generic.read(path, {**options, "decimal_comma": True}, {"clicks": pl.Float64})
    assert comma.collect_schema()["clicks"] == pl.String  # cleaned from its text, as "1.234,5" needs

    asked = []
    real = sources._typed_scan

    def spy(fmt, *args):
        scan = real(fmt, *args)
        asked.append(None if scan is None else scan.collect_schema())
        return scan

    monkeypatch.setattr(sources, "_typed_scan", spy)
    clean = kpi_advisor.evaluate(config(path, "csv") | {"data": [{"csv": str(path), "options": {"columns": {"Klicks": "clicks"}}}]})
    assert asked[-1]["clicks"] == asked[-1]["spend"] == pl.Float64 and asked[-1]["ad_id"] == pl.String
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n".join(LINES).replace(",3600,", ",36O0,") + "\n")
    with pytest.raises(kpi_advisor.ConfigError, match=r"bad\.csv:2: clicks: expected a non-negative number, got '36O0'"):
        kpi_advisor.evaluate(config(bad, "csv"))
    assert clean.summary.rows == 3
    # The typed scan is what is collected when it parses (here one whose clicks differ, to tell).
    text = pl.scan_csv(path, infer_schema=False).rename({"Klicks": "clicks"})
    doubled = text.with_columns(pl.col("clicks").cast(pl.Float64) * 2)
    assert _collect_needed(text, get_catalog(), (), doubled)["clicks"].to_list() == [7200.0, 6600.0, 2800.0]


def test_bench_generator_makes_consistent_skewed_exports():
    pytest.importorskip("numpy", reason="the bench generator needs numpy: pip install -e '.[bench]'")
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frame = module.generate(100_000)
    assert frame.height == 100_000
    assert frame.filter(
        (pl.col("clicks") > pl.col("impressions")) | (pl.col("sessions") > pl.col("clicks")) | (pl.col("bounces") > pl.col("sessions"))
        | (pl.col("purchases") > pl.col("checkouts")) | (pl.col("checkouts") > pl.col("add_to_cart"))
    ).is_empty()
    zero = frame.filter(pl.col("impressions") == 0).height / frame.height
    assert 0.04 < zero < 0.15  # paused ads
    volume = frame.group_by("account").agg(pl.col("impressions").sum()).get_column("impressions")
    assert volume.max() > 4 * volume.median()  # a few accounts are much larger than the rest
    assert frame.select(pl.struct("date", "campaign", "ad").is_unique().all()).item()
    assert module.generate(100_000).equals(frame)  # same seed, same data


def test_bench_agency_shape_has_many_short_campaigns_named_per_account():
    pytest.importorskip("numpy", reason="the bench generator needs numpy: pip install -e '.[bench]'")
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frame = module.generate(20_000, shape="agency")
    assert frame.height == 20_000
    shape = frame.select(pl.col("account").n_unique().alias("accounts"), pl.col("campaign").n_unique().alias("campaigns")).row(0, named=True)
    assert shape == {"accounts": 20, "campaigns": 20 * 5 * 20}  # 1,000 accounts x 5 channels x 20 campaigns per 1M rows
    days = frame.group_by("campaign").agg(pl.len().alias("days"), pl.col("account").n_unique().alias("owners"))
    assert days.get_column("days").unique().to_list() == [10] and days.get_column("owners").max() == 1
    assert frame.select(pl.struct("date", "campaign", "ad").is_unique().all()).item()


def test_trend_period_is_worked_out_once_per_dataset(monkeypatch):
    from kpi_advisor.data.sources import Dataset
    from kpi_advisor.evaluation import tables

    dates = pl.date_range(pl.date(2026, 1, 1), pl.date(2026, 6, 30), eager=True)
    dataset = Dataset(frame=pl.DataFrame({"date": dates, "clicks": [1.0] * len(dates)}), dims=["date"], counts=["clicks"])
    calls = []
    real = tables._choose_period
    monkeypatch.setattr(tables, "_choose_period", lambda d, p: calls.append(p) or real(d, p))
    assert tables.choose_period(dataset) == tables.choose_period(dataset) == "month"
    assert calls == ["auto"]
    dataset.frame = dataset.frame.head(40)  # other rows: asked again
    assert tables.choose_period(dataset) == "week"
    assert calls == ["auto", "auto"]


def test_the_garbage_collector_waits_while_a_report_is_built(monkeypatch):
    """Tens of thousands of findings are small objects without cycles: collections that walk them
    all again and again were a third of the Python time of a large run. The collector is held off
    while a report is built, and comes back as it was, also when evaluations overlap."""
    import gc
    import threading

    import kpi_advisor.pipeline as pipeline
    from kpi_advisor.collector import collector_paused

    seen = []
    original = pipeline.evaluate_rules
    monkeypatch.setattr(pipeline, "evaluate_rules", lambda *a, **k: seen.append(gc.isenabled()) or original(*a, **k))
    assert gc.isenabled()
    kpi_advisor.evaluate(ROOT / "examples" / "acme_outdoor.yaml")
    assert seen == [False] and gc.isenabled()

    inside, leave = threading.Event(), threading.Event()

    def evaluation() -> None:
        with collector_paused():
            inside.set()
            leave.wait(10)

    other = threading.Thread(target=evaluation)
    other.start()
    inside.wait(10)
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other evaluation still runs
    leave.set()
    other.join()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # an embedding program that runs without it keeps it off
    finally:
        gc.enable()


def test_the_command_line_starts_with_the_collector_off_until_the_catalogue_is_built(fresh_plugins):
    """Imports and the catalogue make ~145 collections (~65 ms of a small run) and no garbage:
    the command line holds the collector off until the catalogue is built, then freezes what the
    start made (later full collections skip it) and brings the collector back; inside an
    evaluation's pause it comes back when that pause ends."""
    import gc

    from kpi_advisor.collector import collector_paused, pause_for_start, start_done
    from kpi_advisor.loading.catalog import get_catalog

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        pause_for_start()
        assert not gc.isenabled()
        get_catalog()
        assert gc.isenabled() and gc.get_freeze_count() > frozen
        start_done()  # once only
        assert gc.isenabled()

        pause_for_start()
        with collector_paused():
            start_done()
            assert not gc.isenabled()  # the evaluation's pause still holds
        assert gc.isenabled()

        gc.disable()  # a program that runs without the collector keeps it off
        pause_for_start()
        start_done()
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def _pieces_seen(monkeypatch, plugincalls, gc) -> list[bool]:
    """Whether the collector was on as each piece of a report written to a file was made."""
    seen: list[bool] = []
    original = plugincalls.render_pieces

    def traced(*args, **kwargs):
        for piece in original(*args, **kwargs):
            seen.append(gc.isenabled())
            yield piece

    monkeypatch.setattr(plugincalls, "render_pieces", traced)
    return seen


def test_the_command_line_lets_the_report_go_before_the_collector_comes_back(monkeypatch, tmp_path):
    """`kpi-advisor run` renders and writes while the collector still waits, and lets the report go
    first: the collection that follows never walks the report's objects only to find them alive."""
    import gc

    import kpi_advisor.plugincalls as plugincalls
    from click.testing import CliRunner
    from kpi_advisor.cli import cli

    seen = _pieces_seen(monkeypatch, plugincalls, gc)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["run", str(ROOT / "examples" / "acme_outdoor.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert seen and not any(seen) and gc.isenabled()
    assert out.read_text().startswith("{")


def test_a_portfolio_renders_each_report_while_the_collector_waits(monkeypatch, tmp_path):
    """The portfolio's twin of the test above: each client's report is rendered with the
    collector off, and it is back on when the run ends."""
    import gc

    import kpi_advisor.plugincalls as plugincalls
    from click.testing import CliRunner
    from kpi_advisor.cli import cli

    seen = _pieces_seen(monkeypatch, plugincalls, gc)
    configs = [str(ROOT / "examples" / name) for name in ("acme_outdoor.yaml", "tallyo.yaml")]
    result = CliRunner().invoke(cli, ["run", *configs, "-o", str(tmp_path / "reports"), "--jobs", "1", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(seen) == 4 and not any(seen) and gc.isenabled()  # each report's text and its closing line break
    assert len(list((tmp_path / "reports").glob("*.json"))) == 3  # two reports and the overview


def test_a_single_source_skips_summing_its_cells_and_reports_the_same():
    """One source has a row per date and scope (its repeats were refused or added up), so its rows
    are the cells that pairing and reach read; split over two sources the same rows are summed
    into cells first. Both give the same report."""
    rows = [{"date": f"2026-07-{day:02d}", "channel": channel, "campaign": f"{channel}-{n}", "impressions": 1000 * day + n,
             "reach": 700 * day + 13 * n, "clicks": 30 + day, "sessions": 25 + day, "bounces": 20 + (day % 3),
             "spend": (None if (day + n) % 5 == 0 else 12.34 * day + n), "revenue": 20.5 * day, "purchases": 1 + day % 2}
            for day in range(1, 15) for channel in ("facebook", "google") for n in range(3)]
    base = {"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR", "economics": {"customer_value": 80}}
    one = kpi_advisor.evaluate({**base, "data": [{"records": rows}]})
    two = kpi_advisor.evaluate({**base, "data": [{"records": rows[::2], "name": "a"}, {"records": rows[1::2], "name": "b"}]})
    assert one.metrics == two.metrics and one.findings == two.findings
    assert any(m.values.get("reach") for m in one.metrics) and any("uses the" in w for w in one.warnings)


@pytest.mark.parametrize("example", sorted(p.name for p in (Path(__file__).parent.parent / "examples").glob("*.yaml")))
def test_fired_rows_read_only_their_columns_and_report_the_same(example, monkeypatch):
    """A fired row carries only the table columns its finding reads (scope, evidence, thresholds,
    words, money, paired counts): the findings are those of the whole row, for every example."""
    from kpi_advisor.evaluation import rules

    path = Path(__file__).parent.parent / "examples" / example
    narrow = kpi_advisor.evaluate(path).findings
    monkeypatch.setattr(rules._LevelRun, "_row_columns", lambda self, plan, columns, reads: frozenset(columns))
    whole = kpi_advisor.evaluate(path).findings
    assert [f.model_dump() for f in narrow] == [f.model_dump() for f in whole] and whole


@pytest.mark.parametrize("example", sorted(p.name for p in (Path(__file__).parent.parent / "examples").glob("*.yaml")))
def test_numbers_rounded_as_columns_report_the_same_as_one_at_a_time(example, monkeypatch):
    """Metrics per scope and the numbers a finding shows are rounded as polars columns on large
    tables and one at a time on small ones: the report is the same either way, for every example."""
    from kpi_advisor.evaluation import rounding

    path = Path(__file__).parent.parent / "examples" / example
    monkeypatch.setattr(rounding, "COLUMN_FROM_CELLS", 0)
    columns = kpi_advisor.evaluate(path).model_dump_json()
    monkeypatch.setattr(rounding, "COLUMN_FROM_CELLS", 10**12)
    one_at_a_time = kpi_advisor.evaluate(path).model_dump_json()
    assert columns == one_at_a_time


def test_goal_figures_do_not_depend_on_how_the_rows_were_read(tmp_path):
    """A goal's figures are sums of many rows of cents, rounded as the metric tables round theirs:
    the same rows read in one part or in many (row groups) give the same report to the last digit."""
    # Tenths and cents have no exact binary value: 1,680 of them add up to a float with noise in
    # its last digits, which may come out differently as polars' threads add up the rows' parts.
    lines = [f"2026-07-{day:02d},facebook,c{n},1000,30,25,10,{(0.1, 0.2, 0.3, 10.07)[(day + n) % 4]}"
             for day in range(1, 29) for n in range(60)]
    frame = pl.read_csv((HEADER.replace(",ad_id,ctr", "") + "\n".join(lines)).encode())
    reports = []
    for parts in (len(lines), 37):
        path = tmp_path / f"ads_{parts}.parquet"
        frame.write_parquet(path, row_group_size=parts)
        doc = config(path, "parquet") | {"goals": [{"id": "spend", "objective": "sales", "metric": "spend", "channel": "all",
                                                    "target": 1_000_000, "by": "2026-07-28"}]}
        reports.append(kpi_advisor.evaluate(doc))
    one, many = (r.model_dump_json() for r in reports)
    assert one == many
    assert reports[0].goals[0].current == round(frame.get_column("spend").sum(), 2) != frame.get_column("spend").sum()

"""The Spark engine gives, per group, the report the embedded engine gives for the same rows.

Runs pyspark in local mode (Java 17 and the ``spark`` extra). Marked slow; CI runs
them with ``pytest -m slow`` after installing ``.[spark]`` (.ci/run).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

pytestmark = pytest.mark.slow

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install -e '.[spark]'")
pytest.importorskip("pyarrow", reason="pyarrow is not installed: pip install -e '.[spark]'")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17 or later) on PATH", allow_module_level=True)

import kpi_advisor  # noqa: E402
import polars as pl  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from kpi_advisor import spark as kspark  # noqa: E402
from kpi_advisor.cli import cli  # noqa: E402
from kpi_advisor.models.config import SparkSettings  # noqa: E402

CONFIG = {
    "client": "Agency book",
    "business_model": "dtc_ecommerce",
    "currency": "EUR",
    "economics": {"customer_value": 80},
    "benchmarks": {"cpc": {"all": 1.5}},
}


def ad_rows() -> pl.DataFrame:
    """Three accounts, three channels, three campaigns of two ads, 120 days. acct-b's
    facebook landing pages bounce and its cost per lead climbs; acct-c has a campaign
    that spends without selling. Money comes in quarters, so that sums are exact in
    any order (Spark hands a group's rows over in no fixed order)."""
    start = dt.date(2026, 4, 1)
    rows = []
    for a, account in enumerate(["acct-a", "acct-b", "acct-c"]):
        for c, channel in enumerate(["facebook", "instagram", "google_ads"]):
            for k in range(3):
                for ad in range(2):
                    for day in range(120):
                        seed = (a * 7 + c * 5 + k * 3 + ad) % 11
                        impressions = 4000 + 150 * seed + 37 * (day % 9)
                        clicks = impressions * (12 + seed) // 1000
                        sessions = clicks * 9 // 10
                        leaky = account == "acct-b" and channel == "facebook"
                        bounces = sessions * (85 if leaky else 35 + 2 * seed) // 100
                        stayed = sessions - bounces
                        add_to_cart = stayed // 8
                        dead = account == "acct-c" and k == 2
                        purchases = 0 if dead else add_to_cart // 3
                        leads = max(1, stayed // 20) if not (leaky and day > 60) else max(1, stayed // 60)
                        rows.append(
                            {
                                "date": start + dt.timedelta(days=day),
                                "account": account,
                                "channel": channel,
                                "campaign": f"{account}-{channel}-c{k}",
                                "ad": f"ad-{ad}",
                                "impressions": float(impressions),
                                "reach": float(impressions * 2 // 3),
                                "clicks": float(clicks),
                                "spend": impressions * (6 + seed) / 1000 // 0.25 * 0.25,
                                "sessions": float(sessions),
                                "bounces": float(bounces),
                                "add_to_cart": float(add_to_cart),
                                "checkouts": float(add_to_cart // 2),
                                "purchases": float(purchases),
                                "revenue": purchases * 62.25,
                                "leads": float(leads),
                            }
                        )
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def spark():
    session = kspark.spark_session(
        SparkSettings(master="local[2]", conf={"spark.sql.shuffle.partitions": 4, "spark.ui.enabled": False})
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def rows() -> pl.DataFrame:
    return ad_rows()


@pytest.fixture(scope="module")
def frame(spark, rows):
    return spark.createDataFrame(rows.to_arrow())


def embedded(rows: pl.DataFrame, *, cli: bool = False) -> dict:
    report = kpi_advisor.evaluate(CONFIG, data=rows).model_dump(mode="json")
    if cli:  # the command line also says how many findings it shows
        report["summary"]["findings_shown"] = report["summary"]["findings_total"]
    return report


def test_each_account_gets_the_embedded_engines_report(frame, rows):
    reports = kspark.reports(CONFIG, frame)
    assert list(reports) == [("acct-a",), ("acct-b",), ("acct-c",)]
    fired = set()
    for (account,), report in reports.items():
        expected = embedded(rows.filter(pl.col("account") == account))
        assert report.model_dump(mode="json") == expected
        fired |= set(report.summary.by_rule)
    # Equal reports prove something only if rules fired: several kinds did.
    assert {"landing-page-leak", "checkout-abandonment", "low-click-to-lead-rate", "roas-below-break-even"} <= fired
    assert not reports[("acct-a",)].summary.by_rule.get("landing-page-leak")


def test_no_grouping_gives_the_report_of_all_rows(frame, rows):
    reports = kspark.reports(CONFIG, frame, group_by=[])
    assert list(reports) == [()]
    assert reports[()].model_dump(mode="json") == embedded(rows)


def test_findings_as_rows_for_a_table(frame, rows):
    out = kspark.findings(CONFIG, frame).toArrow()
    expected = sum(embedded(rows.filter(pl.col("account") == a))["summary"]["findings_total"] for a in ("acct-a", "acct-b", "acct-c"))
    assert out.num_rows == expected > 0
    assert out.column_names[:4] == ["account", "rule", "severity", "stage"]
    leak = [r for r in out.to_pylist() if r["rule"] == "landing-page-leak"]
    assert leak and all(r["account"] == "acct-b" and dict(r["scope"])["channel"] == "facebook" for r in leak)


def test_cli_engine_spark_reads_a_lake_path(spark, rows, tmp_path):
    lake = tmp_path / "lake" / "ads"
    lake.mkdir(parents=True)
    for index, part in enumerate(rows.partition_by("account")):
        part.write_parquet(lake / f"part-{index}.parquet")
    config = dict(CONFIG, data=[{"spark": {"path": "lake/ads"}}], spark={"group_by": ["account"]})
    path = tmp_path / "agency.json"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(cli, ["run", str(path), "--engine", "spark", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["engine"] == "spark" and out["group_by"] == ["account"]
    assert [g["group"] for g in out["groups"]] == [{"account": a} for a in ("acct-a", "acct-b", "acct-c")]
    for group in out["groups"]:
        assert group["report"] == embedded(rows.filter(pl.col("account") == group["group"]["account"]), cli=True)


def test_cli_engine_spark_reads_a_table(spark, rows, tmp_path):
    spark.createDataFrame(rows.to_arrow()).createOrReplaceTempView("daily_ads")
    config = dict(CONFIG, data=[{"spark": {"table": "daily_ads"}}], spark={"group_by": []})
    path = tmp_path / "all.json"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(cli, ["run", str(path), "--engine", "spark", "--format", "json", "--fail-on", "high"])
    assert result.exit_code == 1  # high findings, as the embedded engine finds
    assert json.loads(result.stdout) == embedded(rows, cli=True)


def test_spark_source_problems_are_one_line_each(spark, tmp_path):
    path = tmp_path / "missing.json"
    path.write_text(json.dumps(dict(CONFIG, data=[{"spark": {"table": "no_such_table"}}])))
    result = CliRunner().invoke(cli, ["run", str(path), "--engine", "spark"])
    assert result.exit_code == 2
    assert "data[0].spark.table: Spark cannot read it" in result.stderr and "no_such_table" in result.stderr.lower()
    # The embedded engine does not read Spark sources; it says which engine does.
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 2
    assert "--engine spark" in result.stderr


def test_group_by_must_name_a_column(frame):
    with pytest.raises(kpi_advisor.ConfigError, match="spark.group_by: column region is not in the data"):
        kspark.evaluate_spark(CONFIG, frame, group_by=["region"])


def test_a_bad_account_fails_alone_and_is_named(spark, rows):
    bad = rows.with_columns(
        pl.when((pl.col("account") == "acct-c") & (pl.col("ad") == "ad-1")).then(-5.0).otherwise(pl.col("clicks")).alias("clicks")
    )
    frame = spark.createDataFrame(bad.to_arrow())
    out = {r["account"]: r for r in kspark.evaluate_spark(CONFIG, frame).toArrow().to_pylist()}
    assert out["acct-c"]["findings_total"] == -1
    assert "counts cannot be negative" in json.loads(out["acct-c"]["report"])["errors"][0]
    assert out["acct-a"]["findings_total"] > 0
    with pytest.raises(kpi_advisor.ConfigError, match="account=acct-c: .*clicks: counts cannot be negative, got -5.0"):
        kspark.reports(CONFIG, frame)


def test_an_account_with_no_row_in_the_period_is_skipped_and_named(spark, rows):
    # acct-c's rows all lie a year before the period: its group has nothing to report for the
    # period, which is no reason to fail the other accounts' reports.
    period = {"start": "2026-04-01", "end": "2026-07-29"}
    shifted = rows.with_columns(
        pl.when(pl.col("account") == "acct-c").then(pl.col("date") - dt.timedelta(days=365)).otherwise(pl.col("date")).alias("date")
    )
    frame = spark.createDataFrame(shifted.to_arrow())
    config = {**CONFIG, "period": period}
    out = {r["account"]: r for r in kspark.evaluate_spark(config, frame).toArrow().to_pylist()}
    assert out["acct-c"]["findings_total"] == 0 and "no data in the period" in json.loads(out["acct-c"]["report"])["skipped"][0]
    skipped: list[str] = []
    reports = kspark.reports(config, frame, skipped=skipped)
    assert sorted(key for key, in reports) == ["acct-a", "acct-b"]
    assert skipped and skipped[0].startswith("account=acct-c: ") and "no report for this group" in skipped[0]
    # The accounts that have rows in the period get the embedded engine's report of those rows.
    assert reports[("acct-a",)].model_dump(mode="json") == kpi_advisor.evaluate(
        config, data=shifted.filter(pl.col("account") == "acct-a")).model_dump(mode="json")


def test_cli_engine_spark_warns_of_a_skipped_account_and_fails_when_all_are(spark, rows, tmp_path):
    lake = tmp_path / "lake" / "ads"
    lake.mkdir(parents=True)
    shifted = rows.with_columns(
        pl.when(pl.col("account") == "acct-c").then(pl.col("date") - dt.timedelta(days=365)).otherwise(pl.col("date")).alias("date")
    )
    shifted.write_parquet(lake / "part-0.parquet")
    path = tmp_path / "agency.json"
    config = dict(CONFIG, data=[{"spark": {"path": "lake/ads"}}], spark={"group_by": ["account"]})
    path.write_text(json.dumps({**config, "period": {"start": "2026-04-01", "end": "2026-07-29"}}))
    result = CliRunner().invoke(cli, ["run", str(path), "--engine", "spark", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [g["group"] for g in json.loads(result.stdout)["groups"]] == [{"account": "acct-a"}, {"account": "acct-b"}]
    assert "warning: account=acct-c: " in result.stderr and "no data in the period" in result.stderr
    path.write_text(json.dumps({**config, "period": {"start": "2030-01-01", "end": "2030-03-31"}}))
    result = CliRunner().invoke(cli, ["run", str(path), "--engine", "spark", "--format", "json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("no data in the period 2030-01-01 to 2030-03-31") == 3


def test_accounts_with_equal_campaign_names_agree_across_engines(spark):
    """Two clients both run a campaign "c01" (and report reach monthly): shop-a's page leaks, shop-b's
    does not. Spark per account and the embedded engine over all rows find the same leak, on
    shop-a only, with the same evidence, and reach is never added up over the months."""
    rows = pl.DataFrame([
        {"date": dt.date(2026, 7, 1) + dt.timedelta(days=30 * m), "account": account, "channel": "facebook", "campaign": "c01",
         "impressions": 40000, "reach": 10000 - 1000 * m, "clicks": 1200, "spend": 600.0, "sessions": 1100,
         "bounces": 980 if account == "shop-a" else 200, "purchases": 10 if account == "shop-a" else 40}
        for account in ("shop-a", "shop-b") for m in range(3)
    ])
    by_account = kspark.reports(CONFIG, spark.createDataFrame(rows.to_arrow()))
    together = kpi_advisor.evaluate(CONFIG, data=rows)
    leaks = {(f.scope.get("account"), f.scope.get("campaign")): f.evidence for f in together.findings if f.rule == "landing-page-leak"}
    assert list(leaks) == [("shop-a", "c01")] or list(leaks) == [("shop-a", None)]
    spark_leaks = {account: [f for f in report.findings if f.rule == "landing-page-leak"] for (account,), report in by_account.items()}
    assert not spark_leaks["shop-b"] and spark_leaks["shop-a"]
    assert spark_leaks["shop-a"][0].evidence == next(iter(leaks.values()))
    for (account,), report in by_account.items():
        total = next(m.values for m in report.metrics if m.scope == {})
        assert total["reach"] == 10000  # the best month, not 27,000
        assert report.model_dump(mode="json") == embedded(rows.filter(pl.col("account") == account))


def test_cli_engine_spark_since_marks_each_group(spark, rows, tmp_path):
    # run --since with Spark: each group's findings are new or still open against the same
    # group of the earlier run; a finding dropped from the earlier run is new now.
    lake = tmp_path / "lake" / "ads"
    lake.mkdir(parents=True)
    rows.write_parquet(lake / "part-0.parquet")
    config = dict(CONFIG, data=[{"spark": {"path": "lake/ads"}}], spark={"group_by": ["account"]})
    path = tmp_path / "agency.json"
    path.write_text(json.dumps(config))
    first = CliRunner().invoke(cli, ["run", str(path), "--engine", "spark", "--format", "json"])
    assert first.exit_code == 0, first.output
    old = json.loads(first.stdout)
    dropped = old["groups"][1]["report"]["findings"].pop(0)
    (tmp_path / "old.json").write_text(json.dumps(old))
    args = ["run", str(path), "--engine", "spark", "--format", "json", "--since", str(tmp_path / "old.json"), "--fail-on", "info"]
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1, again.output  # one new finding, at or above info
    groups = json.loads(again.stdout)["groups"]
    new = [(g["group"]["account"], f["rule"]) for g in groups for f in g["report"]["findings"] if f["status"] == "new"]
    assert new == [("acct-b", dropped["rule"])]
    assert all(g["report"]["summary"]["resolved"] == [] for g in groups)

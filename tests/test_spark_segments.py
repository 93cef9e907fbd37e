"""Segments and roll-ups on Spark: the same findings as the embedded engine, per group and for
all rows, with `segments:` naming a known breakdown and a column of the config's own."""

from __future__ import annotations

import random
import shutil

import pytest

pytestmark = pytest.mark.slow

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install -e '.[spark]'")
pytest.importorskip("pyarrow", reason="pyarrow is not installed: pip install -e '.[spark]'")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17 or later) on PATH", allow_module_level=True)

import kpi_advisor  # noqa: E402
import polars as pl  # noqa: E402
from kpi_advisor import spark as kspark  # noqa: E402
from kpi_advisor.models.config import SparkSettings  # noqa: E402

CONFIG = {
    "client": "Segments on Spark",
    "business_model": "dtc_ecommerce",
    "currency": "USD",
    "economics": {"customer_value": 120},
    "segments": ["age", "audience"],
}


def ad_rows() -> pl.DataFrame:
    """Two accounts of Kaggle-like ads: the 45-49 group pays three times more per order and
    takes the most spend, and most ads of one campaign bounce (a roll-up). Spend in quarters,
    so sums are exact in any order."""
    rng = random.Random(14)
    rows = []
    for account in ("acct-a", "acct-b"):
        for n in range(160):
            age = ("30-34", "35-39", "40-44", "45-49")[n % 4]
            impressions = 20000 + 500 * rng.randrange(40)
            spend = (impressions * 0.01 + (225 if age == "45-49" else 0)) // 0.25 * 0.25
            clicks = impressions // (80 if age == "45-49" else 100)
            sessions = clicks * 9 // 10
            leaky = n % 8 != 0
            purchases = max(0, round(spend / (110 if age == "45-49" else 37)))
            rows.append({
                "account": account, "channel": "facebook", "campaign": f"c{n % 3}", "ad": f"ad-{n}", "age": age,
                "audience": ("lookalike", "interest")[(n // 4) % 2], "impressions": float(impressions), "clicks": float(clicks),
                "sessions": float(sessions), "bounces": float(sessions * (88 if leaky else 40) // 100),
                "spend": spend, "purchases": float(purchases), "revenue": purchases * 120.0,
            })
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def spark():
    session = kspark.spark_session(SparkSettings(master="local[2]", conf={"spark.sql.shuffle.partitions": 2, "spark.ui.enabled": False}))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def rows() -> pl.DataFrame:
    return ad_rows()


def test_segment_and_roll_up_findings_match_the_embedded_engine(spark, rows):
    frame = spark.createDataFrame(rows.to_arrow())
    reports = kspark.reports(CONFIG, frame)
    assert list(reports) == [("acct-a",), ("acct-b",)]
    for (account,), report in reports.items():
        expected = kpi_advisor.evaluate(CONFIG, data=rows.filter(pl.col("account") == account))
        assert report.model_dump(mode="json") == expected.model_dump(mode="json")
        rules = set(report.summary.by_rule)
        # Equal reports prove something only if the segment rule fired and a roll-up formed.
        assert "segment-cost-gap" in rules
        assert any(f.members for f in report.findings)
        gap = next(f for f in report.findings if f.rule == "segment-cost-gap")
        assert gap.scope["age"] == "45-49" and "audience" in gap.scope
    everything = kspark.reports(CONFIG, frame, group_by=[])
    assert everything[()].model_dump(mode="json") == kpi_advisor.evaluate(CONFIG, data=rows).model_dump(mode="json")

"""The hand-written baseline: one polars script for this one data shape.

Usage: python bench/by_polars.py DATA_FILE OUT_JSON

Reads the needed columns lazily, builds the four metric tables from one shared
scan (collect_all), derives the metrics from the sums, applies four rules as
polars filters and writes the metrics of the total and the channels and every
fired row as JSON: what a careful engineer writes for one client's case.
"""

from __future__ import annotations

import json
import sys

import polars as pl
from baseline import COUNTS, DERIVED, DIMS, LEVELS, SUM_DIGITS


def scan(path: str) -> pl.LazyFrame:
    if path.endswith(".parquet"):
        frame = pl.scan_parquet(path)
    else:
        frame = pl.scan_csv(path, schema_overrides={c: pl.Float64 for c in COUNTS} | {"date": pl.Date})
    return frame.select(*DIMS, *[pl.col(c).cast(pl.Float64) for c in COUNTS])


def table(rows: pl.LazyFrame, dims: tuple[str, ...]) -> pl.LazyFrame:
    sums = [pl.col(c).sum().round_sig_figs(SUM_DIGITS) for c in COUNTS]
    grouped = rows.group_by(dims).agg(sums).sort(dims) if dims else rows.select(sums)
    derived = []
    for name, (num, den, scale, offset) in DERIVED.items():
        value = offset + scale * pl.col(num) / pl.col(den)
        derived.append(pl.when(value.is_finite()).then(value).alias(name))
    return grouped.with_columns(derived)


RULES = {
    "landing-page-leak": ("campaign", ((pl.col("ctr") >= 0.009) | (pl.col("clicks") >= 1000)) & (pl.col("bounce_rate") > 0.6) & (pl.col("sessions") >= 200)),
    "creative-not-resonating": ("ad", (pl.col("spend") > 0) & (pl.col("impressions") >= 20000) & (pl.col("ctr") < 0.0045)),
    "roas-below-break-even": ("campaign", (pl.col("spend") >= 500) & (pl.col("roas") < 2)),
    "checkout-abandonment": ("channel", (pl.col("add_to_cart") >= 50) & (pl.col("cart_abandonment_rate") > 0.8)),
}


def main(path: str, out: str) -> None:
    rows = scan(path)
    names = list(LEVELS)
    tables = dict(zip(names, pl.collect_all([table(rows, LEVELS[level]) for level in names], engine="streaming")))
    fired = {rule: tables[level].filter(condition).to_dicts() for rule, (level, condition) in RULES.items()}
    report = {
        "metrics": tables["total"].to_dicts() + tables["channel"].to_dicts(),
        "findings": fired,
        "counts": {rule: len(found) for rule, found in fired.items()},
    }
    with open(out, "w") as handle:
        json.dump(report, handle, default=str)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

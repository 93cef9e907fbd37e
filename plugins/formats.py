"""The `generic` data format: CSV or Parquet with canonical column names."""

from __future__ import annotations

from pathlib import Path

from kpi_advisor import DataFormat, hookimpl

DIMENSIONS = ("date", "account", "channel", "campaign", "ad", "region")


def read_generic(path: Path, options: dict):
    import polars as pl

    if options.get("kind") == "parquet":
        return pl.scan_parquet(path)
    encoding = "utf8-lossy" if options.get("encoding") == "lossy" else "utf8"
    header = pl.scan_csv(path, infer_schema=False, encoding=encoding).collect_schema().names()
    # Dimensions stay text, everything else is read as text too and cast by the
    # engine, which names the row and column of any value that is not a number.
    return pl.scan_csv(path, schema={name: pl.String for name in header}, encoding=encoding)


@hookimpl
def kpi_advisor_data_formats():
    return [
        DataFormat(
            name="generic",
            read=read_generic,
            description="CSV (or Parquet) with canonical snake_case columns: date, channel, impressions, clicks, ...",
            suffixes=(".csv", ".parquet"),
        )
    ]

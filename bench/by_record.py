"""The per-record approach many rule engines take: each daily row is a fact, each
rule a compiled expression evaluated on it.

Usage: python bench/by_record.py rule-engine|zen-engine DATA_FILE OUT_JSON

Rows are read with polars (only the needed columns) and handed to the engine one
dict at a time; the count of rows each rule matches is written as JSON.
"""

from __future__ import annotations

import json
import sys

import polars as pl
from baseline import COUNTS, RULES


def compiled(engine: str):
    if engine == "rule-engine":
        import rule_engine

        return [(rule["id"], rule_engine.Rule(rule["record"]).matches) for rule in RULES]
    import zen

    return [(rule["id"], zen.compile_expression(rule["record"]).evaluate) for rule in RULES]


def main(engine: str, path: str, out: str) -> None:
    reader = pl.scan_parquet if path.endswith(".parquet") else pl.scan_csv
    frame = reader(path).select([pl.col(c).cast(pl.Float64) for c in COUNTS]).collect()
    rules = compiled(engine)
    counts = dict.fromkeys((rule_id for rule_id, _ in rules), 0)
    for row in frame.iter_rows(named=True):
        for rule_id, matches in rules:
            if matches(row):
                counts[rule_id] += 1
    with open(out, "w") as handle:
        json.dump({"counts": counts, "rows": frame.height}, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])

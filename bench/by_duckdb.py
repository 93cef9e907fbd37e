"""The same metrics and rules as by_polars.py, in duckdb SQL.

Usage: python bench/by_duckdb.py DATA_FILE OUT_JSON
"""

from __future__ import annotations

import json
import sys

import duckdb
from baseline import COUNTS, DERIVED, DIMS, LEVELS, RULES, SUM_DIGITS


def significant(value: str) -> str:
    """``value`` kept to SUM_DIGITS significant digits, as polars' ``round_sig_figs`` keeps it."""
    return (f"CASE WHEN {value} = 0 OR NOT isfinite({value}) THEN {value} "
            f"ELSE round({value}, CAST({SUM_DIGITS - 1} - floor(log10(abs({value}))) AS INTEGER)) END")


def table_sql(source: str, dims: tuple[str, ...]) -> str:
    keys = ", ".join(dims)
    sums = ", ".join(f"{significant(f'SUM({c})::DOUBLE')} AS {c}" for c in COUNTS)
    derived = ", ".join(
        f"{offset} + {scale} * {num} / NULLIF({den}, 0) AS {name}" for name, (num, den, scale, offset) in DERIVED.items()
    )
    grouped = f"SELECT {keys + ', ' if keys else ''}{sums} FROM {source}" + (f" GROUP BY {keys}" if keys else "")
    return f"SELECT *, {derived} FROM ({grouped})"


def main(path: str, out: str) -> None:
    con = duckdb.connect()
    columns = ", ".join(DIMS + COUNTS)
    reader = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"
    con.execute(f"CREATE TEMP VIEW rows AS SELECT {columns} FROM {reader}")
    for level, dims in LEVELS.items():
        con.execute(f"CREATE TEMP TABLE t_{level} AS {table_sql('rows', dims)}")

    def dicts(query: str) -> list[dict]:
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    fired = {rule["id"]: dicts(f"SELECT * FROM t_{rule['level']} WHERE {rule['sql']}") for rule in RULES}
    report = {
        "metrics": dicts("SELECT * FROM t_total") + dicts("SELECT * FROM t_channel ORDER BY account, channel"),
        "findings": fired,
        "counts": {rule: len(found) for rule, found in fired.items()},
    }
    with open(out, "w") as handle:
        json.dump(report, handle, default=str)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

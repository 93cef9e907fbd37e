"""The same input gives the same bytes: across runs, across processes with
different hash seeds (set and dict order must never leak into a report), and
whatever order the rows and columns of a source come in."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import kpi_advisor
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_advisor.evaluation import rounding
from kpi_advisor.evaluation.rounding import significant_column, significant_rows
from kpi_advisor.evaluation.tables import stable
from kpi_advisor.models.report import SIGNIFICANT_DIGITS, significant

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
SEEDS = ("0", "1", "4294967295")

# Runs `kpi-advisor run` for every example and format in one process, writing each report to a file.
DRIVER = """
import sys
from pathlib import Path
from kpi_advisor.cli import cli

out = Path(sys.argv[1])
for example in sys.argv[2:]:
    for fmt in ("json", "text"):
        target = out / f"{Path(example).stem}.{fmt}"
        cli.main(["run", example, "--format", fmt, "-o", str(target)], prog_name="kpi-advisor", standalone_mode=False)
"""


def run_with_seed(seed: str, out: Path) -> dict[str, bytes]:
    out.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-P", "-c", DRIVER, str(out), *map(str, EXAMPLES)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def test_reports_are_byte_identical_across_hash_seeds(tmp_path):
    runs = {seed: run_with_seed(seed, tmp_path / f"seed-{seed}") for seed in SEEDS}
    first = runs[SEEDS[0]]
    assert len(first) == 2 * len(EXAMPLES)
    for seed, files in runs.items():
        assert files.keys() == first.keys()
        differing = [name for name in first if files[name] != first[name]]
        assert not differing, f"PYTHONHASHSEED={seed} changes {differing}"
    # and they are the bytes the golden reports pin
    for example in EXAMPLES:
        assert first[f"{example.stem}.json"] == (ROOT / "tests" / "golden" / f"{example.stem}.json").read_bytes()


def test_json_floats_are_plain_and_rounded():
    """No NaN, no infinity, no -0.0; metric values carry 12 significant digits at most (and so
    the 9 at least that the contract promises), without float noise."""
    report = kpi_advisor.evaluate(EXAMPLES[0])
    text = report.model_dump_json()
    for bad in ("NaN", "Infinity", "-0.0,", "-0.0}"):
        assert bad not in text
    for entry in report.metrics:
        for value in entry.values.values():
            assert value is None or float(f"{value:.12g}") == value


def test_column_order_of_a_csv_does_not_change_the_report(tmp_path):
    rows = ["date,channel,impressions,clicks,sessions,bounces,spend",
            "2026-07-01,facebook,12000,300,280,200,150", "2026-07-02,google,8000,400,390,100,220"]
    columns = [line.split(",") for line in rows]
    order = [6, 3, 0, 5, 1, 4, 2]
    (tmp_path / "a.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "b.csv").write_text("\n".join(",".join(cells[i] for i in order) for cells in columns) + "\n")
    reports = []
    for name in ("a.csv", "b.csv"):
        config = {"client": "t", "business_model": "dtc_ecommerce", "data": [{"csv": str(tmp_path / name), "name": "ads"}]}
        reports.append(kpi_advisor.evaluate(config).model_dump_json())
    assert reports[0] == reports[1]


@pytest.mark.parametrize("example", EXAMPLES[:3], ids=lambda p: p.stem)
def test_same_input_same_bytes_within_one_process(example):
    first = json.dumps(kpi_advisor.evaluate(example).model_dump(mode="json"))
    assert json.dumps(kpi_advisor.evaluate(example).model_dump(mode="json")) == first


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-10**7, max_value=10**9), min_size=2, max_size=400), st.randoms(use_true_random=False))
def test_a_sum_is_the_same_whatever_order_the_rows_are_added_in(cents, rnd):
    """Threads add a column up in whatever order they finish: the sums the engine keeps are the
    decimal sum of the data whatever that order was (sums of cents once differed in the 16th
    digit from run to run, enough to turn EUR 8,056.50 into "EUR 8,057" on the next run)."""
    shuffled = list(cents)
    rnd.shuffle(shuffled)
    totals = {pl.DataFrame({"x": [c / 100 for c in order]}).select(stable(pl.col("x").sum())).item() for order in (cents, shuffled)}
    assert totals == {sum(cents) / 100}


def test_row_order_does_not_change_a_report(tmp_path):
    rng = random.Random(7)
    rows = [{"date": f"2026-07-{1 + i % 28:02d}", "channel": "facebook", "campaign": f"c{i % 5}", "clicks": 40, "sessions": 38,
             "bounces": 30, "spend": rng.randint(1, 99999) / 100, "revenue": rng.randint(1, 99999) / 100, "purchases": 1}
            for i in range(3000)]
    config = {"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR",
              "economics": {"customer_value": 80}, "data": [{"records": rows}]}
    first = kpi_advisor.evaluate(config).model_dump_json()
    rng.shuffle(rows)
    assert kpi_advisor.evaluate(config).model_dump_json() == first


@settings(max_examples=3000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False) | st.floats(min_value=-1e13, max_value=1e13)
       | st.integers(min_value=-(10**14), max_value=10**14).map(lambda n: n / 1000))
def test_significant_is_the_decimal_rounding_of_the_exact_value(value):
    # significant() rounds with round(); the definition is the decimal text of the value kept to
    # SIGNIFICANT_DIGITS digits, read back. Ties, powers of ten and subnormals included.
    expected = float(f"{value:.{SIGNIFICANT_DIGITS}g}") + 0.0
    assert significant(value) == expected
    assert str(significant(value)) == str(expected)  # -0.0 never appears


REPORT_NUMBERS = (st.floats(allow_nan=False, allow_infinity=False) | st.floats(min_value=-1e13, max_value=1e13)
                  | st.integers(min_value=-(10**14), max_value=10**14).map(lambda n: n / 1000)
                  # decimal halves at the 13th digit: the ties the array path must hand to significant()
                  | st.tuples(st.integers(min_value=10**11, max_value=10**12 - 1), st.integers(min_value=-20, max_value=20))
                  .map(lambda t: (t[0] + 0.5) * 10.0 ** t[1])
                  | st.sampled_from([float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 5e-324, 1e22, 1e23, 999999999999.5]))


@settings(max_examples=300, deadline=None)
@given(st.lists(REPORT_NUMBERS, max_size=60))
def test_significant_column_gives_significant_of_each_number(values):
    kept = significant_column(pl.Series(values, dtype=pl.Float64))
    for value, got in zip(values, kept.to_list()):
        expected = significant(value)
        assert str(got) == str(expected), value  # the same float, NaN and the sign of zero included


def test_significant_column_on_many_numbers_of_every_size():
    # Values across the magnitudes a report holds, decimal ties at the 13th digit and their
    # neighbours an ulp away: the column must give each one significant() gives.
    rng = random.Random(11)
    values = [rng.random() * 10.0 ** rng.randint(-12, 15) * rng.choice((1, -1)) for _ in range(60_000)]
    ties = [(rng.randint(10**11, 10**12 - 1) + 0.5) * 10.0 ** rng.randint(-20, 20) for _ in range(20_000)]
    values += ties + [math.nextafter(tie, math.inf) for tie in ties] + [math.nextafter(tie, 0.0) for tie in ties]
    kept = significant_column(pl.Series(values, dtype=pl.Float64)).to_list()
    assert [str(value) for value in kept] == [str(significant(value)) for value in values]


@pytest.mark.parametrize("column_from", [0, 10**9])
def test_significant_rows_are_the_same_from_either_path(monkeypatch, column_from):
    # Tables of few numbers round one number at a time, tables of many as one polars column.
    monkeypatch.setattr(rounding, "COLUMN_FROM_CELLS", column_from)
    frame = pl.DataFrame({"a": [0.1234567890125, None, 3.0, float("nan")], "b": [1, 2, None, 10**15],
                          "c": [None, None, None, None]}, schema={"a": pl.Float64, "b": pl.Int64, "c": pl.Float64})
    rows = significant_rows(frame, ["a", "b", "c"])
    expected = [[None if v is None else significant(v) for v in row] for row in frame.iter_rows()]
    assert [[str(v) for v in row] for row in rows] == [[str(v) for v in row] for row in expected]
    assert all(type(v) in (float, type(None)) for row in rows for v in row)
    assert significant_rows(frame, []) == [(), (), (), ()]  # a row for every scope, with no metrics

"""Report numbers kept to their significant digits a whole table at a time.

A report writes every metric of every scope and every number a finding shows through
``significant`` (models/report.py): hundreds of thousands of numbers on an agency's account,
and ~0.5 us each one at a time. Here a table's columns are rounded as one polars column, to the
same floats; a small table (the few rows of a warm ``evaluate``) is rounded one number at a time,
where a polars query's ~1 ms would cost more than it saves.
"""

from __future__ import annotations

import polars as pl

from ..models.report import SIGNIFICANT_DIGITS, significant

# Below this many numbers a table is rounded one number at a time (~0.5 us each, against ~1.2 ms
# for the polars query whatever its size: they meet at ~3,000 numbers).
COLUMN_FROM_CELLS = 4_000

# Exact powers of ten from integers: a platform's pow() need not be correctly rounded.
_POWERS = {n: float(10**n) for n in range(23)}


def significant_rows(frame: pl.DataFrame, columns: list[str]) -> list[tuple[float | None, ...]]:
    """Each row's ``columns`` as a report writes them: the floats ``significant`` gives (nulls stay
    None, NaN stays NaN)."""
    if not columns:
        return [() for _ in range(frame.height)]  # a frame of no columns has no rows either
    cells = frame.select(columns)
    if cells.height * cells.width < COLUMN_FROM_CELLS:
        return [tuple(map(significant, row)) for row in cells.iter_rows()]
    # One column of every cell (column after column), rounded once, cut back into the columns.
    kept = significant_column(pl.concat([cells.get_column(name).cast(pl.Float64) for name in columns], rechunk=True))
    height = cells.height
    return pl.DataFrame([kept.slice(index * height, height).alias(name) for index, name in enumerate(columns)]).rows()


def significant_column(values: pl.Series, digits: int = SIGNIFICANT_DIGITS) -> pl.Series:
    """``significant`` of every number of a Float64 column, element for element the same floats.

    Scaled by the exact power of ten, a value's kept digits are the even-rounded integer of one
    correctly rounded product, which is the right integer unless the exact product lies within an
    ulp of a half; dividing that integer by the power of ten is then the nearest float to the
    decimal, as ``round`` gives. The few values near such a half, near a power of ten (where two
    log10s may disagree on the exponent) or too large or small for an exact power go through
    ``significant`` itself; tests/test_determinism.py holds the two equal."""
    values = values.cast(pl.Float64)
    value, logs, shift, power, scaled = (pl.col(name) for name in ("value", "logs", "shift", "power", "scaled"))
    todo, exact, up, kept, good = (pl.col(name) for name in ("todo", "exact", "up", "kept", "good"))
    # One step a stage: polars evaluates a repeated part of one expression once per use.
    frame = (
        pl.DataFrame({"value": values}).lazy()
        .with_columns(todo=value.is_finite() & (value != 0) & ~((value.floor() == value) & (value.abs() < 10.0**digits)))
        .with_columns(logs=pl.when(todo).then(value.abs()).otherwise(1.0).log10())
        .with_columns(shift=digits - 1 - logs.floor())
        .with_columns(exact=todo & ((logs - logs.round(0, mode="half_to_even")).abs() > 1e-9) & (shift.abs() <= 22))
        .with_columns(power=pl.when(exact).then(shift.abs()).otherwise(0).cast(pl.Int64).replace_strict(_POWERS, return_dtype=pl.Float64),
                      up=shift >= 0)
        .with_columns(scaled=pl.when(up).then(value * power).otherwise(value / power))
        # Near a half: within 8 * |scaled| * 2**-52, at least 4 ulps of it whatever its binade.
        .with_columns(kept=scaled.round(0, mode="half_to_even"),
                      good=exact & ~(((scaled - scaled.floor()) - 0.5).abs() <= scaled.abs() * (8 * 2.0**-52)))
        .select(kept=pl.when(good).then(pl.when(up).then(kept / power).otherwise(kept * power)).otherwise(value),
                doubt=todo & ~good)
        .select(pl.when(kept == 0).then(0.0).otherwise(kept).alias(values.name), "doubt")  # never -0.0
        .collect()
    )
    out = frame.to_series(0)
    doubt = frame.get_column("doubt").arg_true()
    if len(doubt):
        out = out.scatter(doubt, [significant(value, digits) for value in values.gather(doubt).to_list()])
    return out

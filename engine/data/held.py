"""How the rows hold their counts: a whole count (impressions, clicks, ...) as Float32 where every
value of its column is exact in it (a whole number up to 2**24, 16,777,216, on every row), half
the memory of Float64: at 10M rows each such count is 38 MB instead of 76. Nothing is added,
divided or compared across rows in Float32: whatever adds up or combines the rows reads each
count as Float64 first (:func:`number`), so every sum is the one Float64 rows would give, to the
last bit. Money, rates and any column with a value Float32 would round stay Float64."""

from __future__ import annotations

from typing import Iterable

import polars as pl

HELD = pl.Float32
_SUFFIX = "__exact"


def number(name: str) -> pl.Expr:
    """A count of the rows as a Float64 number, however it is held."""
    return pl.col(name).cast(pl.Float64)


def holdable(unit: str | None) -> bool:
    """Whether a count of this unit is whole, and so worth trying to hold as Float32."""
    return unit == "count"


def exact(value: pl.Expr) -> pl.Expr:
    """Per row, whether a Float64 value is the same number as Float32 (an empty cell is)."""
    return (value.cast(HELD).cast(pl.Float64) == value) | value.is_null()


def held_and_checked(column: str, value: pl.Expr) -> list[pl.Expr]:
    """What a reading pass selects for a count that may be held: the value as Float32, and
    beside it whether each row was exact (:func:`inexact_after`, then, says which were not), so
    that no column of the count is ever made as Float64."""
    return [value.cast(HELD).alias(column), exact(value).alias(column + _SUFFIX)]


def inexact_after(frame: pl.DataFrame, columns: Iterable[str]) -> tuple[pl.DataFrame, list[str]]:
    """The frame without :func:`held_and_checked`'s flags, and those of ``columns`` whose Float32
    lost a value (they are to be read again as Float64)."""
    columns = [c for c in columns if c + _SUFFIX in frame.columns]
    if not columns:
        return frame, []
    exact_everywhere = frame.select(pl.col(c + _SUFFIX).all() for c in columns).row(0)
    lost = [c for c, fine in zip(columns, exact_everywhere) if not fine]
    return frame.drop([c + _SUFFIX for c in columns]), lost


def hold(frame: pl.DataFrame, counts: Iterable[str], units: dict[str, str | None]) -> pl.DataFrame:
    """``frame`` with each whole count held as Float32 where every value is exact in it."""
    schema = frame.schema  # made anew at each access: once, not once a count
    candidates = [c for c in counts if c in schema and schema[c] == pl.Float64 and holdable(units.get(c))]
    if not candidates or frame.height == 0:
        return frame
    fits = frame.select(exact(pl.col(c)).all() for c in candidates).row(0)
    narrowed = [pl.col(c).cast(HELD) for c, fine in zip(candidates, fits) if fine]
    return frame.with_columns(narrowed) if narrowed else frame

"""Fallback definitions: a base count derived from its parts where the data lacks it.

Platforms report interactions differently: one export has an ``engagements`` column, another
only likes, comments, shares and saves. Where a row has no ``engagements`` but has any of its
parts, engagements are their sum, and the report says so in a note, so that the rules reading
engagements (weak call to action, low share rate, engagement benchmarks) still run and the
reader knows the figure was derived.
"""

from __future__ import annotations

import polars as pl

# count -> the parts it is the sum of
FALLBACKS: dict[str, tuple[str, ...]] = {
    "engagements": ("likes", "comments", "shares", "saves"),
}


def derive_counts(frame: pl.DataFrame, counts: list[str], order: list[str]) -> tuple[pl.DataFrame, list[str], list[str]]:
    """The frame with derived counts filled in, its count columns (in catalogue ``order``), and
    one note per derived count."""
    notes: list[str] = []
    for target, parts in FALLBACKS.items():
        present = [p for p in parts if p in frame.columns]
        if not present:
            continue
        any_part = pl.any_horizontal([pl.col(p).is_not_null() for p in present])
        derived = pl.sum_horizontal([pl.col(p) for p in present])
        if target in frame.columns:
            missing = pl.col(target).is_null() & any_part
            fill = pl.when(missing).then(derived).otherwise(pl.col(target))
        else:
            missing = any_part
            fill = pl.when(missing).then(derived).otherwise(None)
        filled = int(frame.select(missing.sum()).item())
        if not filled:
            continue
        frame = frame.with_columns(fill.cast(pl.Float64).alias(target))
        where = "the data has no engagements column" if target not in counts else f"{filled} of {frame.height} rows had none"
        notes.append(f"{target} derived from {' + '.join(present)} on {filled} row{'s' if filled != 1 else ''} ({where})")
        if target not in counts:
            counts = counts + [target]
    if notes:
        dims = [c for c in frame.columns if c not in counts]
        ordered = [m for m in order if m in counts] + [c for c in counts if c not in order]
        frame = frame.select(dims + ordered)
        counts = ordered
    return frame, counts, notes

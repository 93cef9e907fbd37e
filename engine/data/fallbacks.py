"""Fallback definitions: a base count derived from its parts where the data lacks it.

Platforms report interactions differently: one export has an ``engagements`` column, another
only likes, comments, shares and saves. Where a row has no ``engagements`` but has any of its
parts, engagements are their sum, and the report says so in a note, so that the rules reading
engagements (weak call to action, low share rate, engagement benchmarks) still run and the
reader knows the figure was derived.

Support given as minutes to the first reply (``first_response_minutes``): a row that is one
request tells whether it was answered within the hour (``support_replied_within_1h``), so the
share answered within the hour is known wherever per-request data exist; every row adds its
minutes times its requests to ``first_response_minutes_total``, whose average over the requests
the slow-average-first-response rule holds against the hour where only averages exist.
"""

from __future__ import annotations

import polars as pl

from .held import number

# count -> the parts it is the sum of
FALLBACKS: dict[str, tuple[str, ...]] = {
    "engagements": ("likes", "comments", "shares", "saves"),
}


def derive_counts(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """One source's rows with derived counts filled in, and one note per derived count."""
    notes: list[str] = []
    for target, parts in FALLBACKS.items():
        present = [p for p in parts if p in frame.columns]
        if not present:
            continue
        any_part = pl.any_horizontal([pl.col(p).is_not_null() for p in present])
        derived = pl.sum_horizontal([number(p) for p in present])
        had_column = target in frame.columns
        missing = (pl.col(target).is_null() & any_part) if had_column else any_part
        filled = int(frame.select(missing.sum()).item())
        if not filled:
            continue
        current = pl.col(target) if had_column else pl.lit(None, dtype=pl.Float64)
        frame = frame.with_columns(pl.when(missing).then(derived).otherwise(current).cast(pl.Float64).alias(target))
        where = f"the data has no {target} column" if not had_column else f"{filled} of {frame.height} rows had none"
        notes.append(f"{target} derived from {' + '.join(present)} on {filled} row{'s' if filled != 1 else ''} ({where})")
    frame, support = _first_response(frame)
    return frame, notes + support


REPLY_LIMIT_MINUTES = 60


def _first_response(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Support given as first-response minutes: a row that is one request (``support_requests``
    empty or 1) answers whether it was replied to within the hour; any row adds its minutes times
    its requests to ``first_response_minutes_total``, so the average is weighted by requests."""
    if "first_response_minutes" not in frame.columns:
        return frame, []
    notes = []
    minutes = number("first_response_minutes")
    requests = number("support_requests") if "support_requests" in frame.columns else pl.lit(None, dtype=pl.Float64)
    single = minutes.is_not_null() & (requests.is_null() | (requests == 1))
    replied = number("support_replied_within_1h") if "support_replied_within_1h" in frame.columns else pl.lit(None, dtype=pl.Float64)
    per_request = int(frame.select((single & replied.is_null()).sum()).item())
    updates = []
    if per_request:
        updates.append(pl.when(single & replied.is_null()).then((minutes <= REPLY_LIMIT_MINUTES).cast(pl.Float64))
                       .otherwise(replied).cast(pl.Float64).alias("support_replied_within_1h"))
        updates.append(pl.when(single & requests.is_null()).then(pl.lit(1.0)).otherwise(requests).cast(pl.Float64).alias("support_requests"))
        notes.append(f"support_replied_within_1h derived from first_response_minutes on {per_request} "
                     f"request{'s' if per_request != 1 else ''} (a reply within {REPLY_LIMIT_MINUTES} minutes)")
    total = number("first_response_minutes_total") if "first_response_minutes_total" in frame.columns else pl.lit(None, dtype=pl.Float64)
    weighted = minutes * pl.when(requests.is_null()).then(pl.lit(1.0)).otherwise(requests)
    updates.append(pl.when(total.is_null() & minutes.is_not_null()).then(weighted).otherwise(total).cast(pl.Float64)
                   .alias("first_response_minutes_total"))
    return frame.with_columns(updates), notes

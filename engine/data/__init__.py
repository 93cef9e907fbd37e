"""Reading a client's rows: sources (inline records, CSV, Parquet, platform exports), cells
normalised to canonical counts, file checks, and plausibility checks within and across sources.

The names below are the helpers a data-format plugin may use (docs/data-formats.md); they are
imported on first use so that importing this package does not import polars.
"""

from __future__ import annotations

from typing import Any

_HELPERS = (
    "BREAKDOWN_PREFIX",
    "CURRENCY_COLUMN",
    "DIMENSIONS",
    "LAST_DAY_COLUMN",
    "LINE_COLUMN",
    "check_column_names",
    "check_options",
    "decimal_comma_from",
    "number_text",
    "plain_numbers",
)

__all__ = list(_HELPERS)


def __getattr__(name: str) -> Any:
    if name not in _HELPERS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import sources

    return getattr(sources, name)

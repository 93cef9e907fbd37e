"""Metric tables: base counts aggregated per scope, derived metrics re-derived
from the summed counts (never averaged), all as polars expressions."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import polars as pl

from ..data.sources import Dataset
from ..language import expr
from ..loading.catalog import Catalog
from ..plugincalls import polars_metric, with_metric_columns

# Levels a metric table can be built at, and the dimensions each groups by.
LEVEL_DIMS: dict[str, tuple[str, ...]] = {
    "total": (),
    "account": ("account",),
    "channel": ("channel",),
    "campaign": ("channel", "campaign"),
    "ad": ("channel", "campaign", "ad"),
    "region": ("region",),
}


# Trend periods and the polars interval each truncates dates to.
PERIOD_EVERY: dict[str, str] = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q"}
# "auto" takes the coarsest period that still gives this many periods: coarse
# periods smooth out noise, and fewer than three points make no trend.
AUTO_MIN_PERIODS = 3
PERIOD_COLUMN = "__period"


@dataclass
class MetricTable:
    level: str
    dims: tuple[str, ...]
    frame: pl.DataFrame
    available: list[str]  # metric ids with a column in frame, base counts first
    dataset: Dataset | None = None  # the rows it was built from, for trend (period) tables


def level_dims(level: str, dataset: Dataset) -> tuple[str, ...] | None:
    """The grouping for a level, or None when the data lacks one of its dimensions."""
    dims = LEVEL_DIMS[level]
    return dims if all(d in dataset.dims for d in dims) else None


def _stocks_at_latest_date(dataset: Dataset, catalog: Catalog, frame: pl.DataFrame | None = None, within: tuple[str, ...] = ()) -> pl.DataFrame:
    """Keep a stock (followers) only on its series' latest dated row (per ``within`` group,
    e.g. per period), so summing counts it once per series."""
    frame = dataset.frame if frame is None else frame
    stocks = [c for c in dataset.counts if catalog.metrics[c].aggregate == "last"]
    if not stocks or "date" not in dataset.dims:
        return frame
    series = [d for d in dataset.dims if d != "date"] + list(within)
    masked = []
    for column in stocks:
        latest = pl.col("date").filter(pl.col(column).is_not_null()).max()
        latest = latest.over(series) if series else latest
        masked.append(pl.when(pl.col("date") == latest).then(pl.col(column)).otherwise(None).alias(column))
    return frame.with_columns(masked)


def _base_aggregations(dataset: Dataset, catalog: Catalog) -> list[pl.Expr]:
    aggs = []
    for column in dataset.counts:
        how = catalog.metrics[column].aggregate
        col = pl.col(column)
        value = col.max() if how == "max" else col.mean() if how == "mean" else col.sum()
        # A scope with no value at all for a count has no data, which is not zero.
        aggs.append(pl.when(col.count() > 0).then(value).otherwise(None).alias(column))
    return aggs


@functools.lru_cache(maxsize=4096)
def _parsed(formula: str) -> expr.Expr:
    return expr.parse(formula)


def _needs(metric) -> set[str]:
    return set(_parsed(metric.formula).names) if metric.formula is not None else set(metric.requires)


def derived_names(catalog: Catalog, available: set[str]) -> list[str]:
    """Derived metrics computable from what is available, in dependency order."""
    have = set(available)
    out = []
    for metric_id in catalog.order:
        metric = catalog.metrics[metric_id]
        if metric.formula is not None:
            parsed = _parsed(metric.formula)
            needs = parsed.names
            ok = any(n in have for n in needs) if "coalesce" in parsed.functions else all(n in have for n in needs)
        else:
            ok = all(n in have for n in metric.requires)
        if ok:
            have.add(metric_id)
            out.append(metric_id)
    return out


def add_derived(frame: pl.DataFrame, catalog: Catalog, available: list[str]) -> tuple[pl.DataFrame, list[str]]:
    names = derived_names(catalog, set(available))
    columns = set(frame.columns)
    missing = pl.lit(None, dtype=pl.Float64)
    # In waves: every metric whose inputs are columns already is computed in one with_columns.
    # A metric's wave is one after the latest wave of what it reads, found in one pass over
    # the dependency order, so the work is linear in the number of metrics.
    wave_of: dict[str, int] = {}
    for metric_id in names:
        wave_of[metric_id] = 1 + max((wave_of[n] for n in _needs(catalog.metrics[metric_id]) if n in wave_of), default=-1)
    waves: list[list[str]] = [[] for _ in range(1 + max(wave_of.values(), default=-1))]
    for metric_id in names:
        waves[wave_of[metric_id]].append(metric_id)
    mapping = {m: (pl.col(m) if m in columns else missing) for m in catalog.metrics}
    for wave in waves:
        exprs = []
        for metric_id in wave:
            metric = catalog.metrics[metric_id]
            compiled = expr.compile_expr(_parsed(metric.formula), mapping) if metric.formula is not None else polars_metric(metric, mapping, catalog.origins)
            # NaN and infinity never leave the engine: they become null like a zero division.
            compiled = compiled.cast(pl.Float64)
            exprs.append(pl.when(compiled.is_finite()).then(compiled).otherwise(None).alias(metric_id))
        frame = with_metric_columns(frame, exprs, [catalog.metrics[m] for m in wave], catalog.origins)
        mapping.update({m: pl.col(m) for m in wave})
    return frame, available + names


def metric_table(dataset: Dataset, catalog: Catalog, level: str, *, extra_dims: tuple[str, ...] = ()) -> MetricTable | None:
    dims = level_dims(level, dataset)
    if dims is None:
        return None
    dims = dims + tuple(d for d in extra_dims if d not in dims and d in dataset.dims)
    aggs = _base_aggregations(dataset, catalog)
    source = _stocks_at_latest_date(dataset, catalog)
    if dims:
        # The streaming engine groups several times faster than an eager group_by on 2 cores.
        frame = source.lazy().group_by(list(dims)).agg(aggs).collect(engine="streaming").sort(list(dims), nulls_last=True)
    else:
        frame = source.select(aggs)
    available = [c for c in dataset.counts if frame.get_column(c).null_count() < frame.height]
    frame, available = add_derived(frame, catalog, available)
    return MetricTable(level=level, dims=dims, frame=frame, available=available, dataset=dataset)


def choose_period(dataset: Dataset, period: str = "auto") -> str | None:
    """The trend period for a rule: its own, or the coarsest giving AUTO_MIN_PERIODS periods.
    None without dated rows."""
    if "date" not in dataset.dims:
        return None
    if period != "auto":
        return period
    dates = dataset.frame.get_column("date").drop_nulls().unique()  # a few hundred days, not every row
    if dates.is_empty():
        return None
    counts = pl.select(
        **{name: dates.dt.truncate(PERIOD_EVERY[name]).n_unique() for name in ("month", "week")}
    ).row(0, named=True)
    for name in ("month", "week"):
        if counts[name] >= AUTO_MIN_PERIODS:
            return name
    return "day"


def period_table(dataset: Dataset, catalog: Catalog, level: str, period: str) -> MetricTable | None:
    """Metrics per scope of a level and per period (``__period``, the period's first day),
    sorted by scope then period; stocks such as followers are the last value in each period."""
    dims = level_dims(level, dataset)
    if dims is None or "date" not in dataset.dims:
        return None
    # Lazy, so that the filtered copy of every row is never made; streamed, as in metric_table.
    source = dataset.frame.lazy().filter(pl.col("date").is_not_null()).with_columns(
        pl.col("date").dt.truncate(PERIOD_EVERY[period]).alias(PERIOD_COLUMN)
    )
    source = _stocks_at_latest_date(dataset, catalog, source, within=(PERIOD_COLUMN,))
    keys = list(dims) + [PERIOD_COLUMN]
    frame = source.group_by(keys).agg(_base_aggregations(dataset, catalog)).collect(engine="streaming").sort(keys, nulls_last=True)
    available = [c for c in dataset.counts if frame.get_column(c).null_count() < frame.height]
    frame, available = add_derived(frame, catalog, available)
    return MetricTable(level=level, dims=dims, frame=frame, available=available, dataset=dataset)


def peer_group(level: str) -> tuple[tuple[str, ...], str | None]:
    """Siblings of a scope: the dims they share (a campaign's channel), and the dim that
    tells them apart (None at the total level, which has no siblings)."""
    dims = LEVEL_DIMS[level]
    if not dims:
        return (), None
    return dims[:-1], dims[-1]


def undefined_notes(table: MetricTable, catalog: Catalog, limit: int = 3) -> list[str]:
    """Notes for derived metrics that are null where all their inputs are present:
    a zero denominator. A scope that simply lacks an input (a channel only
    analytics sees has no impressions) gets no note; its value is null."""
    columns = set(table.frame.columns)
    masks: dict[str, pl.Expr] = {}
    for metric_id in table.available:
        metric = catalog.metrics[metric_id]
        if not metric.derived:
            continue
        inputs = sorted(expr.parse(metric.formula).names if metric.formula else metric.requires)
        present = [pl.col(name).is_not_null() for name in inputs if name in columns]
        masks[metric_id] = pl.col(metric_id).is_null() & pl.all_horizontal(present) if present else pl.col(metric_id).is_null()
    if not masks or table.frame.height == 0:
        return []
    counts = table.frame.select([mask.sum().alias(m) for m, mask in masks.items()]).row(0, named=True)
    notes = []
    for metric_id, count in counts.items():
        if not count:
            continue
        rows = table.frame.filter(masks[metric_id]).select(table.dims).head(limit).rows() if table.dims else [()]
        scopes = "; ".join(scope_label(dict(zip(table.dims, row))) for row in rows)
        more = f" and {count - limit} more" if count > limit else ""
        formula = catalog.metrics[metric_id].formula or "its plugin formula"
        notes.append(f"{metric_id} is undefined for {scopes}{more}: {formula} divides by zero")
    return notes


# Rows without a value for a dimension (say, traffic with no channel) form a
# scope of their own, labelled so that it can never be mistaken for the total.
UNSET = "(none)"


def scope_of(row: dict, dims: tuple[str, ...]) -> dict[str, str]:
    return {d: UNSET if row[d] is None else str(row[d]) for d in dims}


def scope_label(scope: dict[str, object]) -> str:
    return ", ".join(f"{k}={UNSET if v is None else v}" for k, v in scope.items()) or "all data"

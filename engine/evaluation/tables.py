"""Metric tables: base counts aggregated per scope, derived metrics re-derived
from the summed counts (never averaged), all as polars expressions."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace

import polars as pl

from ..data.engines import engine_for
from ..data.held import number
from ..data.sources import Dataset
from ..i18n.formatting import plural
from ..language import expr
from ..loading.catalog import Catalog
from ..models.definitions import SEGMENT_DIMENSIONS
from ..plugincalls import polars_metric, with_metric_columns

# Levels a metric table can be built at, and the dimensions each needs.
LEVEL_DIMS: dict[str, tuple[str, ...]] = {
    "total": (),
    "account": ("account",),
    "channel": ("channel",),
    "campaign": ("channel", "campaign"),
    "ad": ("channel", "campaign", "ad"),
    "region": ("region",),
    "segment": (),  # the analysed segment dimensions, within each channel: see level_dims
}
# Scopes nest as the data does: account > channel > campaign > ad set > ad. A level groups by
# its own dimensions and, where the data has them, the optional ones above it, so a scope is
# named by its whole path and equal names under different parents (two clients' "c01") never merge.
OPTIONAL_PARENTS: dict[str, tuple[str, ...]] = {
    "channel": ("account",),
    "campaign": ("account",),
    "ad": ("account", "ad_set"),
    "region": ("account",),
    "segment": ("account", "channel"),
}
HIERARCHY = ("account", "channel", "campaign", "ad_set", "ad", "region")


# Trend periods and the polars interval each truncates dates to.
PERIOD_EVERY: dict[str, str] = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "1q"}
# "auto" takes the coarsest period that still gives this many periods: coarse
# periods smooth out noise, and fewer than three points make no trend.
AUTO_MIN_PERIODS = 3
PERIOD_COLUMN = "__period"
# The first and last date with rows in each scope's period: a period whose rows start late or
# stop early is a part period (see whole_periods).
FIRST_DAY, LAST_DAY = "__first_day", "__last_day"
# Seven-day blocks counted back from the data's last date (the "recent" period of daily rows).
ROLLING_WEEK = "7d"
# A ratio over spend (ROAS, cost per result) counts a row as paid only where it spent something.
PAID_BY = "spend"


@dataclass
class MetricTable:
    """One level's scopes (a row each) with their summed counts and derived metrics."""

    level: str
    dims: tuple[str, ...]
    frame: pl.DataFrame
    available: list[str]  # metric ids with a column in frame, base counts first
    dataset: Dataset | None = None  # the rows it was built from, for trend (period) tables


def has_all(names: Iterable[str]) -> pl.Expr:
    """Whether a scope has a value for each metric of ``names``: where a rule's metrics meet."""
    return pl.all_horizontal([pl.col(name).is_not_null() for name in names])


def level_dims(level: str, dataset: Dataset) -> tuple[str, ...] | None:
    """The grouping for a level (parents first), or None when the data lacks one of its dimensions."""
    if level == "segment":
        segments = segments_of(dataset)
        if not segments:
            return None
        return tuple(d for d in HIERARCHY if d in OPTIONAL_PARENTS["segment"] and d in dataset.dims) + segments
    dims = LEVEL_DIMS[level]
    if not all(d in dataset.dims for d in dims):
        return None
    wanted = set(dims) | {d for d in OPTIONAL_PARENTS.get(level, ()) if d in dataset.dims}
    return tuple(d for d in HIERARCHY if d in wanted)


def _combined_over_dates(dataset: Dataset, catalog: Catalog, frame: pl.DataFrame | pl.LazyFrame | None = None,
                         within: tuple[str, ...] = ()) -> pl.DataFrame | pl.LazyFrame:
    """``frame``: the dataset's own rows (some left out, columns added), or all of them by default."""
    if frame is not None:
        return combined_over_dates(frame, catalog, dataset.counts, dataset.dims, within, unique=dataset.unique_rows)
    # Every level's table reads the same combined rows: made once per dataset and catalog.
    cached = getattr(dataset, "_combined", None)
    if cached is None or cached[0] is not catalog:
        cached = (catalog, combined_over_dates(dataset.frame, catalog, dataset.counts, dataset.dims, unique=dataset.unique_rows))
        dataset._combined = cached  # type: ignore[attr-defined]
    return cached[1]


def combined_over_dates(frame: pl.DataFrame | pl.LazyFrame, catalog: Catalog, counts, dims, within: tuple[str, ...] = (),
                        unique: bool = False):
    """Counts that do not add up over time, made ready to be summed across series.

    A series is one path through the data's dimensions other than the date (a campaign's ad in
    one age group), per ``within`` group (a trend's period). Within a series a count combines
    over its dates as the catalogue says (``MetricDef.combine``): ``latest`` keeps the value on
    the series' latest date with one (followers at the end of the window); ``max`` keeps the
    series' best date (reach: people seen in the best period, a lower bound on the people
    reached, where adding periods would count a person once per period). The kept value stays
    on one row of the series and the others become null, so that the scope's plain sum then adds
    up the series: sibling scopes (campaigns, channels) count different audiences, which a sum of
    their values states at most once each. ``unique``: the frame has at most one row per date and
    dimensions (``Dataset.unique_rows``), so a row is its own cell."""
    how = {c: catalog.metrics[c].combine for c in counts}
    latest = [c for c, h in how.items() if h == "latest"]
    best = [c for c, h in how.items() if h == "max"]
    if not (latest or best) or "date" not in dims:
        return frame
    series = [d for d in dims if d != "date"] + list(within)

    def over(value: pl.Expr, keys: list[str]) -> pl.Expr:
        return value.over(keys) if keys else value

    if best and unique:
        frame = frame.with_columns([pl.col(c).alias(f"__cell_{c}") for c in best])
    elif best:
        # A series may have several rows on one date (two sources): those add up first.
        cell = series + ["date"]
        frame = frame.with_columns([pl.when(over(pl.col(c).count(), cell) > 0).then(over(number(c).sum(), cell)).alias(f"__cell_{c}")
                                    for c in best])
    first = over(pl.int_range(pl.len()), series) == 0
    masked = []
    for column in latest:
        last = over(pl.col("date").filter(pl.col(column).is_not_null()).max(), series)
        masked.append(pl.when(pl.col("date") == last).then(pl.col(column)).otherwise(None).alias(column))
    masked += [pl.when(first).then(over(pl.col(f"__cell_{c}").max(), series)).otherwise(None).alias(c) for c in best]
    frame = frame.with_columns(masked)
    return frame.drop([f"__cell_{c}" for c in best]) if best else frame


# A sum of 10,000 rows of cents comes out as 8056.499999999999 or 8056.500000000001, as the
# threads happened to add it up: the same data gave "EUR 8,056" on one run and "EUR 8,057" on
# the next, and a cent more or less money at stake. Sums are rounded to this many significant
# digits, far above the adding-up noise (1e-15) and at the digits a report keeps, so a run
# gives the same report every time.
SUM_DIGITS = 12


def stable(total: pl.Expr) -> pl.Expr:
    """A sum (or mean) of many rows, the same on every run whatever order the threads added it in."""
    return total.round_sig_figs(SUM_DIGITS)


def _base_aggregations(dataset: Dataset, catalog: Catalog) -> list[pl.Expr]:
    """Per scope, after ``_combined_over_dates``: counts add up across rows and series; a per-row
    average is averaged; a count that combines ``none`` has a value only where the scope's rows
    with it share one date (no total over several dates exists for it)."""
    aggs = []
    dated = "date" in dataset.dims
    for column in dataset.counts:
        how = catalog.metrics[column].combine
        col = number(column)
        value = stable(col.mean() if how == "mean" else col.sum())
        # A scope with no value at all for a count has no data, which is not zero.
        has = col.count() > 0
        if how == "none" and dated:
            has = has & (pl.col("date").filter(col.is_not_null()).n_unique() <= 1)
        aggs.append(pl.when(has).then(value).otherwise(None).alias(column))
    return aggs


@dataclass(frozen=True)
class Pairing:
    """Paired aggregation: a formula over several counts takes each count only from the rows that
    carry all of them, so email revenue without spend never lifts ROAS and clicks without
    impressions never lift CTR. ``sets`` are the count sets that need it in this data;
    ``metrics`` maps a metric to its set."""

    sets: tuple[tuple[str, ...], ...] = ()
    metrics: Mapping[str, int] = field(default_factory=dict)
    grain: tuple[str, ...] = ()  # dimensions every row names (and the date): where sources meet
    # Counts that do not add up over time (reach): they select the rows (impressions only from rows
    # with reach, for frequency) but are read as combined over the whole scope, not summed here.
    combined: frozenset[str] = frozenset()
    # Counts empty on some rows: only they (and spend > 0) can leave a row out of a set.
    gaps: frozenset[str] | None = None
    # Set index -> the first set that leaves out the same rows. Sets that mask alike share their
    # masked columns: six spend ratios over complete counts are all masked by spend > 0, and
    # masking and summing each once was a sixth of the grouping of a 1M-row file.
    alike: tuple[int, ...] = ()

    def column(self, index: int, name: str) -> str:
        return f"__pair{self._group(index)}_{name}"

    def mask(self, index: int) -> pl.Expr:
        inputs = self.sets[index]
        terms = [pl.col(name).is_not_null() for name in inputs if self.gaps is None or name in self.gaps]
        if PAID_BY in inputs:
            terms.append(pl.col(PAID_BY) > 0)
        return pl.all_horizontal(terms) if terms else pl.lit(True)

    def _group(self, index: int) -> int:
        return self.alike[index] if self.alike else index

    def _groups(self) -> list[int]:
        """The distinct masks, by the first set that has each."""
        return list(dict.fromkeys(self._group(index) for index in range(len(self.sets))))

    def _paired_columns(self) -> list[tuple[int, str, str]]:
        """(mask, count, its paired column) of every set's counts that add up, each column once:
        sets masked alike share theirs."""
        out: dict[str, tuple[int, str, str]] = {}
        for index in range(len(self.sets)):
            for name, column in self._summed(index):
                out.setdefault(column, (self._group(index), name, column))
        return list(out.values())

    def cells(self, dataset: Dataset, keys: list[str]) -> pl.LazyFrame:
        """The rows summed into cells of the grain every row shares, within each scope (``keys``):
        an ad-level export and a campaign-level analytics file meet on the campaign and day, so
        pairing asks whether a cell carries both counts, not whether one file did."""
        used = sorted({name for inputs in self.sets for name in inputs})
        by = [d for d in dataset.dims if d in self.grain or d in keys]
        # Every level (and the data checks) reads the same cells where its keys are part of the grain,
        # as they are but for a level the grain leaves out: summed once per dataset, not once a level
        # (a group-by of every row, most of the table building of a 1M-row file).
        cache = dataset.__dict__.setdefault("_cells", {})
        key = (tuple(by), tuple(used))
        if key not in cache:
            if dataset.unique_rows and set(by) == set(dataset.dims):
                cache[key] = dataset.frame.select(by + used)  # a row per cell already
            else:
                sums = [pl.when(pl.col(n).count() > 0).then(stable(number(n).sum())).otherwise(None).alias(n) for n in used]
                frame = dataset.frame.lazy()
                cache[key] = (frame.group_by(by).agg(sums) if by else frame.select(sums)).collect(engine=engine_for(dataset.frame.height))
        return cache[key].lazy()

    def table(self, dataset: Dataset, keys: list[str], cells: pl.LazyFrame | None = None) -> pl.LazyFrame | None:
        """The paired sums per scope (``keys``), to join onto a metric table: per scope, over cells,
        each count of a set summed over the cells that carry the whole set (null where none does).
        Each cell's counts are masked first and then plainly summed: a filter inside the group-by
        was four fifths of the table building of a level with 100,000 campaigns."""
        partial = self.partial(dataset, keys, cells)
        return None if partial is None else self.finished(partial)

    def partial(self, dataset: Dataset, keys: list[str], cells: pl.LazyFrame | None = None) -> pl.LazyFrame | None:
        """Per scope (``keys``): whether any cell carries each set (``__carried{i}``) and the masked
        counts' plain sums, not yet rounded: a wider scope adds these up (``regrouped``)."""
        if not self.sets:
            return None
        cells = self.cells(dataset, keys) if cells is None else cells
        masked, sums = self.masked()
        frame = cells.with_columns(masked)
        return frame.group_by(keys).agg(sums) if keys else frame.select(sums)

    def masked(self) -> tuple[list[pl.Expr], list[pl.Expr]]:
        """The columns :meth:`partial` adds to each cell (its masked counts, and whether it carries each
        set), and the aggregations that sum them per scope."""
        masks = {group: self.mask(group) for group in self._groups()}
        masked = [mask.alias(self._carried(group)) for group, mask in masks.items()]
        masked += [pl.when(masks[group]).then(number(name)).alias(column) for group, name, column in self._paired_columns()]
        return masked, self.regrouped()

    def rows_are_cells(self, dataset: Dataset, dims) -> bool:
        """Whether each row is a cell of a scope of ``dims`` (one row per date and dimensions, every
        dimension but ``dims`` in the grain): its counts are then masked on the row itself."""
        return dataset.unique_rows and set(dataset.dims) <= set(self.grain) | set(dims)

    def regrouped(self) -> list[pl.Expr]:
        """The aggregations that add up :meth:`partial`'s columns over a wider scope's narrower ones."""
        return ([pl.col(self._carried(group)).any() for group in self._groups()]
                + [pl.col(column).sum() for _, _, column in self._paired_columns()])

    def finished(self, partial: pl.LazyFrame) -> pl.LazyFrame:
        """:meth:`partial`'s sums rounded (``stable``), null where no cell carries the whole set."""
        kept = [pl.when(pl.col(self._carried(group))).then(stable(pl.col(column))).alias(column) for group, _, column in self._paired_columns()]
        return partial.with_columns(kept).drop([self._carried(group) for group in self._groups()])

    def summed_columns(self) -> list[str]:
        """The paired columns a metric table carries, in the order :meth:`table` gives them."""
        return [column for _, _, column in self._paired_columns()]

    def _summed(self, index: int) -> list[tuple[str, str]]:
        """(count, its paired column) of a set's counts that add up (not those combined over time)."""
        return [(name, self.column(index, name)) for name in self.sets[index] if name not in self.combined]

    def _carried(self, index: int) -> str:
        return f"__carried{self._group(index)}"

    def columns_in(self, names, columns) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        """Paired ratio among ``names`` -> (count, column) its paired counts are read from, where a
        table with ``columns`` has them all: worked out once for rows that share their columns."""
        out = []
        for name in dict.fromkeys(names):
            index = self.metrics.get(name)
            if index is not None and all(column in columns for column in self.reads(index).values()):
                out.append((name, tuple(self.reads(index).items())))
        return out

    def names(self, metric_id: str) -> dict[str, pl.Expr]:
        """The paired columns a metric's formula reads instead of the plain sums."""
        index = self.metrics.get(metric_id)
        return {} if index is None else {name: pl.col(self.column(index, name)) for name in self.sets[index] if name not in self.combined}

    def reads(self, index: int) -> dict[str, str]:
        """Count -> the column a paired set's formula reads it from (its paired sum, or for a count that
        does not add up over time its combined value)."""
        return {name: name if name in self.combined else self.column(index, name) for name in self.sets[index]}


def pairing(dataset: Dataset, catalog: Catalog) -> Pairing:
    """Which metrics need paired counts in this data: only where a count is missing on some rows
    (or spend is zero on some), since otherwise the plain sums are the paired ones."""
    cached = getattr(dataset, "_pairing", None)
    if cached is not None and cached[0] is catalog:
        return cached[1]
    counts = set(dataset.counts)
    wanted: dict[str, tuple[str, ...]] = {}
    for metric_id in catalog.order:
        metric = catalog.metrics[metric_id]
        if metric.formula is None or not metric.paired or "coalesce" in _parsed(metric.formula).functions:
            continue
        inputs = tuple(sorted(catalog.base_inputs(metric_id)))
        # Pairing sums counts; one that does not add up over time (reach) only selects the rows, and at
        # least one count must add up (frequency: impressions from rows with reach).
        combines = [catalog.metrics[n].combine if n in counts else None for n in inputs]
        if len(inputs) > 1 and all(c in ("sum", "latest", "max", "none") for c in combines) and "sum" in combines:
            wanted[metric_id] = inputs
    result = Pairing()
    if wanted and dataset.frame.height:
        used = sorted({name for inputs in wanted.values() for name in inputs})
        checks = [pl.col(name).null_count().alias(name) for name in used]
        checks += [pl.col(dim).null_count().alias(f"__dim_{dim}") for dim in dataset.dims]
        if PAID_BY in used:
            checks.append((pl.col(PAID_BY) <= 0).sum().alias("__unpaid"))
        gaps = dataset.frame.select(checks).row(0, named=True)
        needed = {m: inputs for m, inputs in wanted.items() if any(gaps[n] for n in inputs) or (PAID_BY in inputs and gaps["__unpaid"])}
        sets = tuple(sorted(set(needed.values())))
        # The date is a cell's where a row stands for its day; where some row covers a quarter,
        # a day of another source would meet the quarter's counts: the cells are then the scopes'.
        # A dimension empty on some rows is still a cell's where every source gives each of its counts on
        # rows that name it too: an empty value is then no such scope (GA4's organic visits beside
        # LinkedIn's campaigns), not a coarser row to meet the others above it (Dataset.unnamed).
        # Asked of every count, not only the paired ones: a view of a few counts pairs in the same cells.
        grain = tuple(d for d in dataset.dims if (d == "date" and not dataset.spans_days)
                      or (d != "date" and (not gaps[f"__dim_{d}"] or dataset.unnamed.get(d) == frozenset())))
        combined = frozenset(n for inputs in sets for n in inputs if catalog.metrics[n].combine != "sum")
        gaps_in = frozenset(n for n in used if gaps[n])
        masks = [(frozenset(inputs) & gaps_in, PAID_BY in inputs) for inputs in sets]
        alike = tuple(masks.index(mask) for mask in masks)
        result = Pairing(sets, {m: sets.index(inputs) for m, inputs in needed.items()}, grain, combined, gaps_in, alike)
    dataset._pairing = (catalog, result)  # type: ignore[attr-defined]  # one scan per dataset
    return result


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


def add_derived(frame: pl.DataFrame, catalog: Catalog, available: list[str], paired: Pairing | None = None) -> tuple[pl.DataFrame, list[str]]:
    # The same columns, counts and pairing compile to the same metrics: once per catalogue, not
    # once a table of every run (a warm evaluate compiled ~40 formulas). A level's dimensions
    # are no input of a formula: every level of a run shares one compile.
    key = ("derived", tuple(c for c in frame.columns if c in catalog.metrics or c.startswith("__")), tuple(available),
           None if paired is None else (paired.sets, tuple(sorted(paired.metrics.items())), paired.combined, paired.alike))
    waves = catalog.remember(key, lambda: _derived_waves(catalog, available, set(frame.columns), paired))
    for exprs, metrics in waves:
        frame = with_metric_columns(frame, exprs, metrics, catalog.origins)
    return frame, available + [metric.id for _, metrics in waves for metric in metrics]


def _derived_waves(catalog: Catalog, available: list[str], columns: set[str],
                   paired: Pairing | None) -> tuple[tuple[list[pl.Expr], list], ...]:
    """The derived metrics computable here, as waves of columns: each wave reads only columns there
    before it."""
    names = derived_names(catalog, set(available))
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
    out = []
    for wave in waves:
        exprs = []
        for metric_id in wave:
            metric = catalog.metrics[metric_id]
            if metric.formula is not None:
                inputs = {**mapping, **paired.names(metric_id)} if paired is not None else mapping
                compiled = expr.compile_expr(_parsed(metric.formula), inputs, numbers=inputs)  # every input is a number
            else:
                compiled = polars_metric(metric, mapping, catalog.origins)
            # NaN and infinity never leave the engine: they become null like a zero division.
            compiled = compiled.cast(pl.Float64)
            exprs.append(pl.when(compiled.is_finite()).then(compiled).otherwise(None).alias(metric_id))
        out.append((exprs, [catalog.metrics[m] for m in wave]))
        mapping.update({m: pl.col(m) for m in wave})
    return tuple(out)


def metric_table(dataset: Dataset, catalog: Catalog, level: str, *, extra_dims: tuple[str, ...] = ()) -> MetricTable | None:
    dims = level_dims(level, dataset)
    if dims is None:
        return None
    dims = dims + tuple(d for d in extra_dims if d not in dims and d in dataset.dims)
    paired = pairing(dataset, catalog)
    aggs = _base_aggregations(dataset, catalog)
    source = _combined_over_dates(dataset, catalog)
    sums = paired.table(dataset, list(dims))
    if dims:
        plan = source.lazy().group_by(list(dims)).agg(aggs)
        if sums is not None:
            plan = plan.join(sums, on=list(dims), how="left", nulls_equal=True)
        frame = sorted_by(plan.collect(engine=engine_for(source.height)), list(dims))
    else:
        frame = source.select(aggs)
        if sums is not None:
            frame = pl.concat([frame, sums.collect(engine=engine_for(dataset.frame.height))], how="horizontal")
    return _finished_table(dataset, catalog, level, dims, frame, paired)


def _finished_table(dataset: Dataset, catalog: Catalog, level: str, dims: tuple[str, ...], frame: pl.DataFrame,
                    paired: Pairing) -> MetricTable:
    """A level's counts per scope with the metrics derived from them."""
    available = [c for c in dataset.counts if frame.get_column(c).null_count() < frame.height]
    frame, available = add_derived(frame, catalog, available, paired)
    return MetricTable(level=level, dims=dims, frame=frame, available=available, dataset=dataset)


def metric_tables(dataset: Dataset, catalog: Catalog, levels: Iterable[str], rows_kept: Collection[str] | None = None) -> dict[str, MetricTable | None]:
    """The metric tables of ``levels``. The rows are grouped once, by the finest of the levels the
    others nest in (the ad, with its campaign, channel and account above it); those levels add
    up the finest level's per-scope sums instead of grouping every row again (five group-bys of
    1M rows were a quarter of a four-rule run). A level that nests in no finer one (a region) is
    added up from its own grouping, and so is one whose paired counts would meet in other cells
    than the finer level's (``_finer_than``). Segment tables, and data with no dimensions, are
    grouped from the rows by ``metric_table``.

    ``rows_kept``: the counts read from the rows once the tables are built (the trends'); the
    others are let go from the rows (``Dataset.keep_counts``) once every grouping of the rows is
    done, before the levels are added up beside them; none of them: the rows are let go there
    (``Dataset.let_go``). None keeps them all."""
    paired = pairing(dataset, catalog)
    dims_of = {level: level_dims(level, dataset) for level in levels}
    nested = [dims for level, dims in dims_of.items() if dims is not None and level != "segment"]
    partials: dict[tuple[str, ...], pl.DataFrame] = {}
    out: dict[str, MetricTable | None] = {}
    added_up: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}  # level -> its dims, the finer grouping it adds up
    for level, dims in dims_of.items():
        finer = _finer_than(dims, nested, paired) if level != "segment" and dims is not None else ()
        if not finer:  # a segment, a level the data lacks, or the total alone: one pass over the rows either way
            out[level] = metric_table(dataset, catalog, level)
            continue
        if finer not in partials:
            partials[finer] = _partial_sums(dataset, catalog, finer, paired)
        added_up[level] = (dims, finer)
    if rows_kept is not None and not rows_kept:
        dataset.let_go()  # nothing reads the rows again (no trend rule): at agency 10M, 0.2 GiB of dimensions
    elif rows_kept is not None:
        dataset.keep_counts(rows_kept)
    for level, (dims, finer) in added_up.items():
        out[level] = _finished_table(dataset, catalog, level, dims, _regrouped(dataset, catalog, dims, partials[finer], paired), paired)
    return {level: out[level] for level in dims_of}


def _finer_than(dims: tuple[str, ...], candidates: list[tuple[str, ...]], paired: Pairing) -> tuple[str, ...]:
    """The finest grouping a level's scopes nest in (its own, where none is finer), where adding up
    its sums gives the level's own. Paired counts are masked per cell (a date and the
    dimensions every row names, ``Pairing.grain``, plus the level's own); a finer level's sums add
    up to a wider one's only where the dimensions it adds are in the grain, so its cells are the same."""
    wider = [other for other in candidates
             if set(dims) <= set(other) and (not paired.sets or set(other) - set(dims) <= set(paired.grain))]
    return max(wider, key=len)


def _count_parts(dataset: Dataset, catalog: Catalog) -> list[pl.Expr]:
    """Per scope, what a count's value in any wider scope is made of: its plain sum and how many rows
    carry it, and for a count that combines ``none`` the first and last date it has a value on."""
    dated = "date" in dataset.dims
    parts = []
    for column in dataset.counts:
        how = catalog.metrics[column].combine
        # Combining over dates (``_combined_over_dates``) empties a latest or best count on its other dates.
        parts += _plain_parts(column, how == "none" and dated, how not in ("latest", "max") and _complete(dataset, column), how == "mean")
    return parts


def _complete(dataset: Dataset, column: str) -> bool:
    """Whether a count has a value on every row of the data (and so on every row of any group)."""
    return dataset.frame.get_column(column).null_count() == 0


def _plain_parts(column: str, snapshot: bool, complete: bool = False, mean: bool = False) -> list[pl.Expr]:
    """A count's plain sum and how many rows carry it; for a ``snapshot`` (a dated count that
    combines ``none``) also the first and last date it has a value on. A ``complete`` count is
    on every row, so every scope has it: how many rows carry it is only kept where a ``mean``
    divides by it, and is then a group's length, not a count of its values (a fifth of grouping
    1M rows by ad; at agency 10M the 17 counts' row counts were 68 MB of each level's sums)."""
    col = number(column)
    parts = [col.sum().alias(f"__sum_{column}")]
    if mean or not complete:
        parts.append((pl.len() if complete else col.count()).alias(f"__n_{column}"))
    if snapshot:
        on = pl.col("date").filter(col.is_not_null())
        parts += [on.min().alias(f"__first_{column}"), on.max().alias(f"__last_{column}")]
    return parts


def _partial_sums(dataset: Dataset, catalog: Catalog, dims: tuple[str, ...], paired: Pairing) -> pl.DataFrame:
    """Per scope of ``dims`` (or per finer series): each count's :func:`_count_parts`, and the paired
    counts' partial sums."""
    if not paired.sets or paired.rows_are_cells(dataset, dims):
        return _grouped_parts(dataset, catalog, dataset.frame.lazy(), list(dims))
    source = _combined_over_dates(dataset, catalog).lazy()
    plan = source.group_by(list(dims)).agg(_count_parts(dataset, catalog))
    pairs = paired.partial(dataset, list(dims))
    if pairs is not None:
        plan = plan.join(pairs, on=list(dims), how="left", nulls_equal=True)
    return plan.collect(engine=engine_for(dataset.frame.height))


def _grouped_parts(dataset: Dataset, catalog: Catalog, rows: pl.LazyFrame, keys: list[str], days: bool = False) -> pl.DataFrame:
    """The partial sums of the scopes of ``keys`` in one pass over the rows: per series (and the
    keys that are not dimensions, such as a trend's period) where a count combines over dates
    (:func:`_series_parts`), else per scope, with each row's paired counts masked on the row (for
    data where ``Pairing.rows_are_cells``). :func:`_regrouped` adds them up per scope. Masking
    every row by its series' best and latest dates first (``combined_over_dates``, two windows
    over all rows) cost more than the grouping. ``days``: the first and last date too."""
    paired = pairing(dataset, catalog)
    combines = "date" in dataset.dims and any(catalog.metrics[c].combine in ("latest", "max") for c in dataset.counts)
    by = [d for d in dataset.dims if d != "date"] + [k for k in keys if k not in dataset.dims] if combines else keys
    masked, sums = paired.masked() if paired.sets else ([], [])
    parts = _series_parts(dataset, catalog) + sums
    if days:
        parts += [pl.col("date").min().alias(FIRST_DAY), pl.col("date").max().alias(LAST_DAY)]
    plan = rows.with_columns(masked) if masked else rows
    return (plan.group_by(by).agg(parts) if by else plan.select(parts)).collect(engine=engine_for(dataset.frame.height))


def _regrouped(dataset: Dataset, catalog: Catalog, dims: tuple[str, ...] | list[str], partials: pl.DataFrame, paired: Pairing) -> pl.DataFrame:
    """A level's counts per scope, added up from a finer level's partial sums: the same values
    ``metric_table`` gets from the rows (each sum rounded by ``stable`` once, at the end). The
    first and last date, where the partials have them, come after the counts."""
    again = []
    for column in dataset.counts:
        again += [pl.col(f"__sum_{column}").sum()] + ([pl.col(f"__n_{column}").sum()] if f"__n_{column}" in partials.columns else [])
        if f"__first_{column}" in partials.columns:
            again += [pl.col(f"__first_{column}").min(), pl.col(f"__last_{column}").max()]
    days = [FIRST_DAY, LAST_DAY] if FIRST_DAY in partials.columns else []
    if days:
        again += [pl.col(FIRST_DAY).min(), pl.col(LAST_DAY).max()]
    if paired.sets:
        again += paired.regrouped()
    plan = partials.lazy()
    if dims and set(dims) != {c for c in partials.columns if not c.startswith("__") or c == PERIOD_COLUMN}:
        plan = plan.group_by(list(dims)).agg(again)
    elif not dims:
        plan = plan.select(again)
    # else the partials are the level's own scopes, one row each (the ad level at agency 10M: a
    # group-by of 1M rows that added nothing up, and a copy of every partial sum beside them).
    values = []
    for column in dataset.counts:
        total, rows = pl.col(f"__sum_{column}"), pl.col(f"__n_{column}")
        value = stable(total / rows if catalog.metrics[column].combine == "mean" else total)
        has = rows > 0 if f"__n_{column}" in partials.columns else pl.lit(True)  # on every row (_plain_parts)
        if f"__first_{column}" in partials.columns:
            has = has & (pl.col(f"__first_{column}") == pl.col(f"__last_{column}"))
        values.append(pl.when(has).then(value).otherwise(None).alias(column))
    plan = plan.with_columns(values)
    if paired.sets:
        plan = paired.finished(plan)
    frame = plan.select([*dims, *dataset.counts, *days, *paired.summed_columns()]).collect(engine=engine_for(partials.height))
    return sorted_by(frame, list(dims)) if dims else frame


# Cells sorted_by copies in one query: at 1M scopes two columns at a time, a level of a few
# thousand scopes at once (each query costs ~0.1 ms however small: a warm evaluate made 23).
SORTED_CELLS = 2_000_000


def sorted_by(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """``frame.sort(keys, nulls_last=True)``, a few columns at a time: a level of 1M scopes is then
    never held twice, sorted beside unsorted (~0.2 GiB at agency 10M). Takes ``frame``: its
    columns are moved out of it as their sorted copies are made, so the caller must not use it again."""
    order = frame.select(pl.arg_sort_by(keys, nulls_last=True)).to_series()
    step = max(1, SORTED_CELLS // max(frame.height, 1))
    names, columns = frame.columns, []
    for at in range(0, len(names), step):
        batch = names[at:at + step]
        columns += frame.select(pl.col(batch).gather(order)).get_columns()
        for name in batch:
            frame.drop_in_place(name)
    return pl.DataFrame(columns)


def _memo(dataset: Dataset, key: tuple, compute):
    """``compute()``, once per dataset and key: a run asks the same question of the same dates
    for every trend rule on every level (a dozen small queries on each warm evaluate)."""
    memo = dataset.__dict__.setdefault("_memo", {})
    cached = memo.get(key)
    if cached is not None and cached[0] is dataset.frame:
        return cached[1]
    value = compute()
    memo[key] = (dataset.frame, value)
    return value


def choose_period(dataset: Dataset, period: str = "auto") -> str | None:
    """The trend period for a rule: its own, or the coarsest giving AUTO_MIN_PERIODS whole
    periods. None without dated rows."""
    return _memo(dataset, ("period", period), lambda: _choose_period(dataset, period))


def _choose_period(dataset: Dataset, period: str) -> str | None:
    if "date" not in dataset.dims:
        return None
    if period == "recent":
        return _recent_period(dataset)
    if period != "auto":
        return period
    dates = _dates(dataset)
    if dates.is_empty():
        return None
    daily = _is_daily(dataset)
    for name in ("month", "week"):
        if _whole_periods(dates, name, daily) >= AUTO_MIN_PERIODS:
            return name
    return "day"


def _dates(dataset: Dataset) -> pl.Series:
    """The dataset's dates, each once and in order: a few hundred days, not every row (a unique
    over 1M rows' dates, asked again by each period question, was ~2% of a run)."""
    return _memo(dataset, ("dates",), lambda: dataset.frame.get_column("date").drop_nulls().unique().sort())


def _is_daily(dataset: Dataset) -> bool:
    """Whether the dataset's rows are daily: asked by every trend rule's period choice and table."""
    return _memo(dataset, ("daily",), lambda: _daily(_dates(dataset)))


def _daily(dates: pl.Series) -> bool:
    """Whether dates are daily rows (rather than weekly or monthly ones that stand for their period)."""
    gaps = dates.unique().sort().diff().dt.total_days().drop_nulls()
    return not gaps.is_empty() and gaps.median() <= 1


def _whole_periods(dates: pl.Series, period: str, daily: bool) -> int:
    """How many periods the dates cover, not counting a part period at either end of daily data."""
    frame = pl.DataFrame({"date": dates}).with_columns(period_start(period, dates.max()).alias(PERIOD_COLUMN))
    spans = frame.group_by(PERIOD_COLUMN).agg(pl.col("date").min().alias(FIRST_DAY), pl.col("date").max().alias(LAST_DAY))
    if daily:
        spans = spans.filter(~_part_period(period, ()))
    return spans.height


def _recent_period(dataset: Dataset) -> str | None:
    """The finest whole period the data's dates allow: for daily rows, seven-day blocks counted
    back from the last date (every weekday once in each, so the latest week is compared weekday
    for weekday with the weeks before it, and the latest days are never left out); a week for
    weekly rows, a month for monthly rows, else a quarter. None without dated rows."""
    dates = _dates(dataset)
    if dates.is_empty():
        return None
    if dates.len() < 2:
        return "month"
    gap = dates.diff().dt.total_days().drop_nulls().median()
    return ROLLING_WEEK if gap <= 1 else "week" if gap <= 7 else "month" if gap <= 31 else "quarter"


def period_start(period: str, last: dt.date | None = None) -> pl.Expr:
    """The first day of each row's period: the calendar period the date falls in, or for
    ROLLING_WEEK the seven-day block, counted back from ``last``, that holds it."""
    if period == ROLLING_WEEK:
        back = (pl.lit(last) - pl.col("date")).dt.total_days() // 7 * 7 + 6
        return (pl.lit(last) - pl.duration(days=back)).cast(pl.Date)
    return pl.col("date").dt.truncate(PERIOD_EVERY[period])


def period_end(period: str, start: pl.Expr) -> pl.Expr:
    """The last day of the period that starts on ``start``."""
    if period == ROLLING_WEEK:
        return start + pl.duration(days=6)
    return start.dt.offset_by(PERIOD_EVERY[period]) - pl.duration(days=1)


def _part_period(period: str, dims: tuple[str, ...] | list[str]) -> pl.Expr:
    """True on a scope's first period when its rows start after the period does, and on its last
    when they stop before the period ends: a part period, shorter than the others."""
    start = pl.col(PERIOD_COLUMN)

    def per_scope(value: pl.Expr) -> pl.Expr:
        return value.over(list(dims)) if dims else value

    first = start == per_scope(start.min())
    last = start == per_scope(start.max())
    return (first & (pl.col(FIRST_DAY) > start)) | (last & (pl.col(LAST_DAY) < period_end(period, start)))


def whole_periods(table: "MetricTable", period: str) -> pl.DataFrame:
    """A period table without the part periods at either end of each scope's daily rows (a
    week that starts on a Wednesday, a month exported on the 12th): their counts are not
    comparable with whole periods, so trends and chance tests leave them out. Weekly or monthly
    rows stand for their whole period and are all kept."""
    frame = table.frame
    if period == "day" or table.dataset is None or frame.is_empty():
        return frame
    if not _is_daily(table.dataset):
        return frame
    return frame.filter(~_part_period(period, table.dims))


def period_table(dataset: Dataset, catalog: Catalog, level: str, period: str, metrics: Iterable[str] | None = None) -> MetricTable | None:
    """Metrics per scope of a level and per period (``__period``, the period's first day),
    sorted by scope then period; stocks such as followers are the last value in each period.
    ``metrics``: only these are needed (a trend rule's), so only the counts they read are summed."""
    dims = level_dims(level, dataset)
    if dims is None or "date" not in dataset.dims:
        return None
    if metrics is not None:
        dataset = with_counts(dataset, _counts_read(dataset, catalog, metrics))
    last = dataset.frame.get_column("date").max() if period == ROLLING_WEEK else None
    keys = list(dims) + [PERIOD_COLUMN]
    # Lazy, so that the filtered copy of every row is never made.
    rows = dataset.frame.lazy().filter(pl.col("date").is_not_null()).with_columns(period_start(period, last).alias(PERIOD_COLUMN))
    paired = pairing(dataset, catalog)
    if paired.sets and not paired.rows_are_cells(dataset, dims):
        frame = _period_frame_from_combined(dataset, catalog, rows, keys, period, last)
    else:
        frame = _regrouped(dataset, catalog, keys, _grouped_parts(dataset, catalog, rows, keys, days=True), paired)
    return _finished_table(dataset, catalog, level, dims, frame, paired)


def _series_parts(dataset: Dataset, catalog: Catalog) -> list[pl.Expr]:
    """:func:`_count_parts` per series (a path through every dimension but the date, within a
    period), each count combined over its dates as ``combined_over_dates`` does: a count that
    combines ``max`` keeps its best date, one that combines ``latest`` its latest date with a value.
    Added up over a scope's series they are what that scope's combined rows add up to. A series'
    best date is its best row: reading the data adds up or refuses a source's repeated rows, and
    refuses two sources giving one count for the same scope and date."""
    if "date" not in dataset.dims:
        return _count_parts(dataset, catalog)
    parts = []
    for column in dataset.counts:
        col, how = number(column), catalog.metrics[column].combine
        total, rows = f"__sum_{column}", f"__n_{column}"
        if how == "max":
            parts += [col.max().alias(total), (col.count() > 0).cast(pl.UInt32).alias(rows)]
        elif how == "latest":
            on_latest = col.filter(pl.col("date") == pl.col("date").filter(col.is_not_null()).max())
            parts += [on_latest.sum().alias(total), on_latest.count().alias(rows)]
        else:
            parts += _plain_parts(column, how == "none", _complete(dataset, column), how == "mean")
    return parts


def _period_frame_from_combined(dataset: Dataset, catalog: Catalog, rows: pl.LazyFrame, keys: list[str], period: str,
                                last: dt.date | None) -> pl.DataFrame:
    """A period table's counts from the rows combined over dates within each period, with the paired
    counts summed from their cells: where paired counts meet in cells of several rows (two sources),
    which :func:`_grouped_parts` cannot mask row by row."""
    source = _combined_over_dates(dataset, catalog, rows, within=(PERIOD_COLUMN,))
    paired = pairing(dataset, catalog)
    days = [pl.col("date").min().alias(FIRST_DAY), pl.col("date").max().alias(LAST_DAY)]
    plan = source.group_by(keys).agg(_base_aggregations(dataset, catalog) + days)
    if paired.sets:
        bucket = period_start(period, last).alias(PERIOD_COLUMN)
        # By day, to bucket into periods, whether or not the date is in the grain.
        cells = paired.cells(dataset, keys[:-1] + ["date"]).filter(pl.col("date").is_not_null()).with_columns(bucket)
        plan = plan.join(paired.table(dataset, keys, cells), on=keys, how="left", nulls_equal=True)
    return sorted_by(plan.collect(engine=engine_for(dataset.frame.height)), keys)


def _counts_read(dataset: Dataset, catalog: Catalog, metrics: Iterable[str]) -> list[str]:
    """The dataset's counts that ``metrics`` are computed from (a dimension reads none); all of
    those its rows still hold where a name is neither (``Dataset.keep_counts`` kept those a trend
    rule names)."""
    read: set[str] = set()
    for name in metrics:
        if name in dataset.dims:
            continue
        if name not in catalog.metrics:
            held = set(dataset.frame.columns)
            return [c for c in dataset.counts if c in held]
        read.update(catalog.base_inputs(name))
    return [c for c in dataset.counts if c in read]


def with_counts(dataset: Dataset, counts: list[str]) -> Dataset:
    """The dataset with only ``counts`` (in its order): a table of a few metrics then groups the
    rows for those alone (a trend rule on conversions sums 4 of an ad export's 17 counts). The
    view shares the rows and what is known of their dates; its pairing is its own, since the
    paired sets are among its counts."""
    if list(counts) == list(dataset.counts):
        return dataset
    views = dataset.__dict__.setdefault("_views", {})
    key = tuple(counts)
    view = views.get(key)
    if view is None or view.frame is not dataset.frame:
        view = replace(dataset, counts=list(counts))
        view.__dict__["_memo"] = dataset.__dict__.setdefault("_memo", {})
        views[key] = view
    return view


def segments_of(dataset: Dataset) -> tuple[str, ...]:
    """The segment dimensions to analyse: the config's ``segments`` the data has, else the first
    of the data formats' default segments (then the known segment dimensions) the data has."""
    chosen = dataset.segments
    present = tuple(d for d in chosen if d in dataset.dims)
    if chosen:
        return present
    defaults = dataset.default_segments or SEGMENT_DIMENSIONS
    return next(((d,) for d in defaults if d in dataset.dims), ())


def peer_group(dims: tuple[str, ...], level: str = "") -> tuple[tuple[str, ...], str | None]:
    """Siblings of a scope: the dims they share (a campaign's account and channel), and the dim
    that tells them apart (None at the total level, which has no siblings). Segments compare
    with every other segment of their channel: women 45-49 with men 30-34 alike."""
    if level == "segment":
        parents = tuple(d for d in dims if d in OPTIONAL_PARENTS["segment"])
        return parents, dims[-1]
    if not dims:
        return (), None
    return dims[:-1], dims[-1]


def undefined_notes(table: MetricTable, catalog: Catalog, limit: int = 3) -> list[str]:
    """Notes for derived metrics that are null where all their inputs are present:
    a zero denominator. A scope that simply lacks an input (a channel only
    analytics sees has no impressions) gets no note; its value is null."""
    columns = set(table.frame.columns)
    paired = pairing(table.dataset, catalog) if table.dataset is not None else Pairing()
    masks: dict[str, pl.Expr] = {}
    for metric_id in table.available:
        metric = catalog.metrics[metric_id]
        if not metric.derived:
            continue
        inputs = sorted(expr.parse(metric.formula).names if metric.formula else metric.requires)
        # A paired metric reads the counts of the rows that carry all its inputs: those must be present.
        read = {name: pl.col(name) for name in inputs if name in columns} | paired.names(metric_id)
        present = [value.is_not_null() for value in read.values()]
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


def best_date_notes(dataset: Dataset, catalog: Catalog) -> list[str]:
    """A count of people (reach, users) given on several dates: over a period it is each series' best
    date (a person reached on two dates counts once), a lower bound on the people reached, and a
    ratio over it (frequency) a value it is at most. Said once per count, as the tables show it bare."""
    if "date" not in dataset.dims:
        return []
    people = [c for c in dataset.counts if catalog.metrics[c].combine == "max"]
    if not people:
        return []
    # The first and last date, not the number of dates: a min and max cost a pass of 3 ms at 10M rows, a distinct count 100.
    spans = dataset.frame.select(
        [pl.col("date").filter(pl.col(c).is_not_null()).min().alias(f"{c}\0first") for c in people]
        + [pl.col("date").filter(pl.col(c).is_not_null()).max().alias(f"{c}\0last") for c in people]
    ).row(0, named=True)
    notes = []
    for count in people:
        first, last = spans[f"{count}\0first"], spans[f"{count}\0last"]
        if first is None or first == last:
            continue
        over = [m for m in catalog.order if catalog.metrics[m].derived and catalog.metrics[m].formula
                and set(catalog.base_inputs(m)) <= set(dataset.counts) and count in _divisors(catalog.metrics[m].formula)]
        bound = f"; ratios over it ({', '.join(over)}) are at most the figures shown" if over else ""
        notes.append(f"{count}: given on dates from {first} to {last}; over several dates a scope's {count} is each series' best date, at "
                     f"most the people reached (someone seen on two dates is counted once){bound}. The platform's own {count} "
                     f"for a period comes from an export of that period without a day breakdown")
    return notes


def _divisors(formula: str) -> frozenset[str]:
    """The names a formula divides by (``impressions / reach``: reach)."""
    return frozenset(name.name for node in expr.walk(_parsed(formula).root) if isinstance(node, expr.Binary) and node.op == "/"
                     for name in expr.walk(node.right) if isinstance(name, expr.Name))


def pairing_notes(dataset: Dataset, catalog: Catalog, level: str, limit: int = 10) -> list[str]:
    """One warning per scope and count set where a count is empty on part of the scope's rows:
    the ratios over that set use only the rows that carry every count, and say how many were left
    out, so one missing cell cannot silently change a verdict."""
    dims = level_dims(level, dataset)
    paired = pairing(dataset, catalog)
    if dims is None or not paired.sets:
        return []
    counted: dict[str, pl.Expr] = {}
    for index, inputs in enumerate(paired.sets):
        # A count that is never empty in the data is on every cell: the set has a value on each.
        gaps = [name for name in inputs if paired.gaps is None or name in paired.gaps]
        if len(gaps) == len(inputs):
            any_value = pl.any_horizontal([pl.col(name).is_not_null() for name in inputs])
            counted[f"__any{index}"] = any_value.sum()
        else:
            any_value = pl.lit(True)
            counted[f"__any{index}"] = pl.len()
        counted[f"__all{index}"] = paired.mask(index).sum()
        counted |= {f"__empty{index}_{name}": (any_value & pl.col(name).is_null()).sum() if name in gaps else pl.lit(0)
                    for name in inputs}
        if PAID_BY in inputs:
            counted[f"__unpaid{index}"] = (any_value & (pl.col(PAID_BY) <= 0)).sum()
    cells = paired.cells(dataset, list(dims))
    counted_as = _cell_word(dataset, paired, list(dims))
    frame = _counted_once(cells, list(dims), counted)
    # A note per scope and set with some rows left out: counted here, and only the scopes of the
    # notes shown are read in Python (an agency's ad level has hundreds of thousands of scopes).
    partial = [((pl.col(f"__all{i}") > 0) & (pl.col(f"__all{i}") < pl.col(f"__any{i}"))).cast(pl.Int64) for i in range(len(paired.sets))]
    frame = frame.with_columns(pl.sum_horizontal(partial).alias("__notes")).filter(pl.col("__notes") > 0)
    frame = (frame.sort(list(dims), nulls_last=True) if dims else frame).collect(engine=engine_for(dataset.frame.height))
    total = int(frame["__notes"].sum()) if frame.height else 0
    shown = frame.filter(pl.col("__notes").cum_sum() - pl.col("__notes") < limit)
    notes = []
    for row in shown.iter_rows(named=True):
        scope = scope_label({d: row[d] for d in dims}) if dims else "all data"
        for index, inputs in enumerate(paired.sets):
            rows_any, rows_all = row[f"__any{index}"], row[f"__all{index}"]
            if not 0 < rows_all < rows_any:
                continue
            metrics = sorted(m for m, i in paired.metrics.items() if i == index)
            why = [f"{name} empty in {row[f'__empty{index}_{name}']}" for name in inputs if row[f"__empty{index}_{name}"]]
            if row.get(f"__unpaid{index}"):
                why.append(f"{PAID_BY} zero in {row[f'__unpaid{index}']}")
            left = rows_any - rows_all
            verb = "uses" if len(metrics) == 1 else "use"
            notes.append(f"{scope}: {', '.join(metrics)} {verb} the {rows_all} of {rows_any} {counted_as} that carry {', '.join(inputs)}"
                         f" ({_share(left / rows_any)} left out: {'; '.join(why)})")
    if total > limit:
        notes = notes[:limit] + [f"... and {total - limit} more scopes where a count is empty on some rows"]
    return notes


def _cell_word(dataset: Dataset, paired: Pairing, keys: list[str]) -> str:
    """What a pairing note counts within a scope: the rows where each is a cell of the grain, else
    the cells the rows were summed into (an ad export beside analytics by channel and day: the
    channel's days, not its rows), so that the counts can be found again in the data."""
    by = [d for d in dataset.dims if d in paired.grain or d in keys]
    if dataset.unique_rows and set(by) == set(dataset.dims):
        return "rows"
    inside = [d for d in by if d not in keys]
    words = [d.replace("_", " ") for d in inside if d != "date"]
    if "date" in inside:
        words.append("days" if _is_daily(dataset) else "dates")
    elif words:
        words[-1] = plural(words[-1])
    return "-".join(words) or "rows"


def _counted_once(rows: pl.LazyFrame, keys: list[str], counted: dict[str, pl.Expr]) -> pl.LazyFrame:
    """``counted`` (name -> a count per scope of ``keys``) with each distinct count computed once:
    sets that share their counts and their mask (six spend ratios over complete counts) ask for
    the same few counts, 30 aggregations of 1M rows of which 3 differ."""
    distinct: list[pl.Expr] = []
    source: dict[str, str] = {}
    for name, count in counted.items():
        same = next((f"__count{i}" for i, known in enumerate(distinct) if known.meta.eq(count)), None)
        if same is None:
            same = f"__count{len(distinct)}"
            distinct.append(count)
        source[name] = same
    aggs = [count.cast(pl.Int64).alias(f"__count{i}") for i, count in enumerate(distinct)]
    frame = rows.group_by(keys).agg(aggs) if keys else rows.select(aggs)
    return frame.select(*keys, *(pl.col(column).alias(name) for name, column in source.items()))


def _share(value: float) -> str:
    """A share as a note says it: '17%', and 'under 1%' rather than a '0%' that hides a row."""
    return "under 1%" if 0 < value < 0.005 else f"{value:.0%}"


# Rows without a value for a dimension (say, traffic with no channel) form a
# scope of their own, labelled so that it can never be mistaken for the total.
UNSET = "(none)"


def scope_of(row: dict, dims: tuple[str, ...], names: dict[str, str] | None = None) -> dict[str, str]:
    """A row's scope; with ``names``, each name held once however many scopes name it (an
    account's name in each of its thousands of findings is one string, not one a finding)."""
    if names is None:
        return {d: UNSET if row[d] is None else str(row[d]) for d in dims}
    return {d: UNSET if row[d] is None else names.setdefault(str(row[d]), str(row[d])) for d in dims}


def scope_label(scope: dict[str, object]) -> str:
    return ", ".join(f"{k}={UNSET if v is None else v}" for k, v in scope.items()) or "all data"

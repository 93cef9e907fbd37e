"""Rule evaluation: every active rule on every scope of its level, compiled to
boolean polars columns and evaluated in a few queries per level (as many as the
formulas are deep, however many rules; see ``_Columns``). Peer statistics are
window expressions in those queries; trend statistics are computed in one
``group_by`` over the level's periods and joined on first. Only the rows that
fire come back to Python, to be rendered as findings and valued."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import threading
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Callable, Collection, Iterable, Mapping

import polars as pl

from ..i18n import phrases
from ..i18n.formatting import current_locale, format_value, singular, use_locale
from ..i18n.messages import Translator
from ..language import expr
from ..language.functions import PEER_FUNCTIONS, TREND_FUNCTIONS, PeerContext, TrendCollector, calls, rule_functions
from ..language.rulespec import MAX_WORDS_CHARS, SOURCE_SUFFIX, RuleSpec, plural_form, template_fields
from ..loading.catalog import Catalog
from ..models.definitions import DIMENSIONS, RuleDef
from ..models.report import Finding, listing_order, share_given_fields, significant
from .attainable import CAPPED, MAX_STEP, MIN_PEERS, PEERS, PEERS_CAPPED, THRESHOLD_NEARER, Keep, attainable_target, inline, sibling_quartile
from .attainable import targets as attainable_targets
from .benchmarks import Resolved, resolve
from .economics import ECONOMIC_PARAMS, counted_by
from .rounding import significant_rows
from .tables import (
    PAID_BY,
    PERIOD_COLUMN,
    MetricTable,
    has_all,
    choose_period,
    pairing,
    peer_group,
    ROLLING_WEEK,
    period_table,
    scope_of,
    whole_periods,
)

# What a finding's impact is carried down to: the first of these the scope has.
OUTCOMES = ("purchases", "customers")


@dataclass
class Economy:
    """The client's unit economics that value a rule's impact: its currency, a customer's value and each micro action's."""

    currency: str
    customer_value: float | None = None
    action_values: dict[str, float] = field(default_factory=dict)  # micro action (or metric id) -> money per action

    @property
    def given(self) -> bool:
        return self.customer_value is not None or bool(self.action_values)

    def unit_value(self, metric_id: str, aliases: Mapping[str, str] | None = None) -> float | None:
        """Money per unit of a metric: a customer's value, or a micro action's."""
        if metric_id in OUTCOMES:
            return self.customer_value
        return self.action_value(metric_id, aliases)

    def action_value(self, metric_id: str, aliases: Mapping[str, str] | None = None) -> float | None:
        if metric_id in self.action_values:
            return self.action_values[metric_id]
        # A micro action may be named by an alias or in the singular: ebook_download -> content_downloads.
        for action, value in self.action_values.items():
            for name in (action, action + "s"):
                if aliases and aliases.get(name) == metric_id or name == metric_id:
                    return value
        return None


@dataclass
class RuleOutcome:
    """What the rules gave: their findings, which ran, which were skipped and why."""

    findings: list[Finding]
    evaluated: list[str]
    skipped: dict[str, str]
    # rule id -> (the first of its levels the data has, the coarser one it was judged on instead)
    moved: dict[str, tuple[str, str]] = field(default_factory=dict)


def rule_level(rule: RuleDef, tables: Mapping[str, MetricTable | None], needs: Iterable[str] = (),
               met: dict[tuple[str, tuple[str, ...]], bool] | None = None) -> str:
    """The level a rule is judged on: the first of its levels the data has where the metrics it
    ``needs`` meet on one scope, else the first the data has. Ad clicks by campaign beside analytics
    sessions by channel meet on no campaign, only on the channel: judged per campaign, a landing
    page that loses the clicks was never seen. ``met`` keeps the answers for the next rule."""
    present = [level for level in rule.levels if tables.get(level) is not None]
    if not present:
        return "total"
    needs = tuple(sorted(set(needs)))
    if len(present) > 1 and needs:
        for level in present:
            if _inputs_meet(level, tables[level], needs, met if met is not None else {}):  # type: ignore[arg-type]
                return level
    return present[0]


def _inputs_met(specs: Iterable[RuleSpec], tables: Mapping[str, MetricTable | None]) -> dict[tuple[str, tuple[str, ...]], bool]:
    """:func:`_inputs_meet` of every rule with a choice of levels, on its first level, in one query
    per level: a service asks it of a few dozen rules on every evaluate."""
    wanted: dict[str, set[tuple[str, ...]]] = {}
    for spec in specs:
        present = [level for level in spec.rule.levels if tables.get(level) is not None]
        if len(present) > 1 and spec.requires:
            wanted.setdefault(present[0], set()).add(tuple(sorted(set(spec.requires))))
    met: dict[tuple[str, tuple[str, ...]], bool] = {}
    for level, sets in wanted.items():
        frame = tables[level].frame  # type: ignore[union-attr]
        askable = sorted(needs for needs in sets if all(n in frame.columns for n in needs))
        met.update({(level, needs): False for needs in sets if needs not in askable})
        if askable:
            row = frame.select([has_all(needs).any().alias(str(i))
                                for i, needs in enumerate(askable)]).row(0)
            met.update({(level, needs): bool(value) for needs, value in zip(askable, row)})
    return met


def _inputs_meet(level: str, table: MetricTable, needs: tuple[str, ...], met: dict[tuple[str, tuple[str, ...]], bool]) -> bool:
    """Whether one scope of ``table`` has a value for every metric of ``needs``."""
    key = (level, needs)
    if key not in met:
        columns = table.frame.columns
        met[key] = all(n in columns for n in needs) and bool(
            table.frame.select(has_all(needs).any()).item())
    return met[key]


def _channels(table: MetricTable) -> list[str | None]:
    if "channel" not in table.dims:
        return [None]
    return table.frame.get_column("channel").unique().to_list()


def _skip_reason(spec: RuleSpec, table: MetricTable, catalog: Catalog, overrides, currency: str,
                 channels_of: Callable[[MetricTable], list[str | None]] = _channels) -> str | None:
    missing = [m for m in spec.requires if m not in table.available]
    if missing:
        # Name the counts to add to the data, not the ratios computed from them.
        counts = list(dict.fromkeys(c for m in missing for c in catalog.base_inputs(m) if c not in table.available))
        return "needs " + ", ".join(counts or missing) + " (not in the data)"
    if spec.uses_trends and (table.dataset is None or choose_period(table.dataset, spec.rule.period) is None):
        return "needs dated data (a date column) to follow a trend"
    channels = None
    for ref in spec.rule.benchmarks.values():
        if ref.fallback is not None:
            continue
        channels = channels_of(table) if channels is None else channels
        if not resolve(ref, catalog.benchmarks, overrides, currency).covers(channels):
            platforms = ", ".join(sorted(c for c in channels if c is not None)) or "all data"
            objective = f" ({ref.objective} objective)" if ref.objective != "all" else ""
            return (f"no {ref.metric} benchmark{objective} for {platforms} in {currency}; "
                    f"give one under benchmarks: {ref.metric}: in the config")
    return None


def evaluate_rules(
    specs: list[RuleSpec],
    tables: Mapping[str, MetricTable | None],
    catalog: Catalog,
    params: Mapping[str, Mapping[str, float]],
    economy: Economy,
    benchmarks: Mapping[str, Mapping[str, float]] | None = None,
    *,
    words: bool = True,
    rows_read: Callable[[], None] | None = None,
    tables_read: Callable[[], None] | None = None,
    from_economics: Mapping[str, frozenset[str]] | None = None,
) -> RuleOutcome:
    """Evaluate analysed rules (``Prepared.specs``, ``Catalog.specs``) on their levels' tables.

    :param params: rule id -> param overrides (a client config's ``rules.params``).
    :param benchmarks: metric -> platform -> figure, replacing shipped benchmarks.
    :param words: write each finding's message and recommendation now; when false, each is written
        by ``Finding.worded()`` (as :func:`~kpi_advisor.pipeline.run_pipeline` and ``render_report``
        do for the findings a report shows), in the locale current here.
    :param rows_read: called once nothing here reads the data's rows any more (``Dataset.let_go``):
        after every level's trends are read from them, before any level's rules fire. Every level
        fires, then the findings are built.
    :param tables_read: called once every level has fired, before the findings are built: from
        then on they read the level tables for their dimensions alone, so the caller may narrow
        the tables to what it reads afterwards.
    :param from_economics: rule id -> the params among ``params`` that the config's economics set
        (``with_economics``); a message's ``{X_source}`` says so. The rest of ``params`` are the
        config's own.
    """
    overrides = benchmarks or {}
    by_level: dict[str, list[RuleSpec]] = {}
    skipped: dict[str, str] = {}
    moved: dict[str, tuple[str, str]] = {}
    met = _inputs_met(specs, tables)
    # A level's channels, asked by each rule with a benchmark (a polars query each: ~50 a warm evaluate).
    channel_lists: dict[str, list[str | None]] = {}

    def channels_of(table: MetricTable) -> list[str | None]:
        if table.level not in channel_lists:
            channel_lists[table.level] = _channels(table)
        return channel_lists[table.level]

    for spec in specs:
        rule = spec.rule
        level = rule_level(rule, tables, spec.requires, met)
        first = rule_level(rule, tables)
        if level != first:
            moved[rule.id] = (first, level)
        table = tables[level]
        assert table is not None  # the total table always exists
        reason = _skip_reason(spec, table, catalog, overrides, economy.currency, channels_of)
        if reason:
            skipped[rule.id] = reason
            continue
        by_level.setdefault(level, []).append(spec)
        if rule.every_level:
            # Campaigns within their channel, and channels within their account: one rule, each level.
            for other in rule.levels:
                if other != level and tables.get(other) is not None and rule.levels.index(other) > rule.levels.index(level):
                    if _skip_reason(spec, tables[other], catalog, overrides, economy.currency, channels_of) is None:
                        by_level.setdefault(other, []).append(spec)

    levels = [_LevelRun(level_specs, tables[level], catalog, params, economy, overrides, words, from_economics or {}) for level, level_specs in by_level.items()]
    # The trends are the rules' only reads of the rows: every level's are taken (a row per scope)
    # before the rows are let go, so no level's queries run with the rows beside them.
    for run in levels:
        run.read_trends()
    if rows_read is not None:
        rows_read()
    fired = [run.fire() for run in levels]
    if tables_read is not None:
        tables_read()
    evaluated = [spec.rule.id for run in levels for spec in run.specs]
    findings: list[Finding] = []
    for run in levels:
        findings += run.findings(fired.pop(0))  # each level's fired rows go once its findings are built
    findings.sort(key=listing_order)
    moved = {rule: levels for rule, levels in moved.items() if rule not in skipped}
    return RuleOutcome(findings=findings, evaluated=sorted(evaluated), skipped=dict(sorted(skipped.items())), moved=dict(sorted(moved.items())))


def _base_names(table: MetricTable, catalog: Catalog) -> dict[str, Any]:
    missing = pl.lit(None, dtype=pl.Float64)  # one literal shared by every absent metric: expressions are immutable
    names: dict[str, Any] = dict.fromkeys(catalog.metrics, missing)
    names.update({m: pl.col(m) for m in table.available})
    names.update({d: (pl.col(d) if d in table.dims else pl.lit(None, dtype=pl.String)) for d in DIMENSIONS})
    return names


# Staged columns of a level: the queries, the one the family sizes run before, the columns to drop after each.
_Staged = tuple[tuple[list[pl.Expr], ...], "int | None", tuple[list[str], ...]]

# A rule's columns: ``__r{index}_...`` (``_Plan.column``, ``_named``) and its kept parts ``__k{index}_...``.
_OWNER = re.compile(r"__[rk](\d+)_")


class _Columns:
    """The columns a level's rules add, in any order; :meth:`staging` orders them into queries.

    Polars plans an expression in time that grows with its size times its depth (a chain of 200
    operations takes ~15 ms on two rows, one of 100 ~4 ms): an interval that inlined its counts
    a dozen times and its Wilson ends twice cost ~1.5 ms per rule per level on every run. So a
    formula that reads a part twice keeps that part as a column of its own (:meth:`keep`), and
    each query reads the columns of the queries before it."""

    def __init__(self) -> None:
        self.exprs: list[pl.Expr] = []
        self.temporary: list[str] = []

    def add(self, *exprs: pl.Expr) -> None:
        self.exprs.extend(exprs)

    def keep(self, name: str, value: pl.Expr) -> pl.Expr:
        """``value`` as a column of its own, dropped after the last query that reads it; what reads it
        stays shallow."""
        self.temporary.append(name)
        self.exprs.append(value.alias(name))
        return pl.col(name)

    def keeper(self, prefix: str) -> Keep:
        """:meth:`keep` with names starting ``prefix`` (one rule's, one threshold's)."""
        return lambda name, value: self.keep(prefix + name, value)

    def stages(self, barrier_reads: frozenset[str], barrier_writes: frozenset[str]) -> _Staged:
        """All the columns as queries (:meth:`_Staging.queries`)."""
        staging = self.staging(barrier_reads, barrier_writes)
        return staging.queries(staging.defined.keys())

    def staging(self, barrier_reads: frozenset[str], barrier_writes: frozenset[str]) -> _Staging:
        """Each column's depth: one more than the deepest new column it reads. The barrier (the
        trend tests' family sizes, :meth:`_LevelRun._with_family_z`) runs once ``barrier_reads``
        exist, before the first query that reads what it writes (``barrier_writes``)."""
        defined: dict[str, pl.Expr] = {}
        for value in self.exprs:
            name = value.meta.output_name()
            if name in defined:  # a reader could not tell which formula it reads
                raise ValueError(f"rule column {name} is defined twice")
            defined[name] = value
        # The known names made once, and a column's reads taken from its own roots: the known set
        # made (and copied without the column) for each column was quadratic in hundreds of lets.
        known = defined.keys() | barrier_writes
        reads = {name: {root for root in value.meta.root_names() if root in known and root != name} for name, value in defined.items()}
        depth: dict[str, int] = {}

        def settle(start: str) -> None:
            # Depth first without recursion: a rule may chain hundreds of let values.
            if start in depth:
                return
            path, pending, on_path = [start], [iter(reads[start])], {start}
            while path:
                part = next(pending[-1], None)
                if part is None:
                    name = path.pop()
                    pending.pop()
                    on_path.discard(name)
                    depth[name] = max((depth[n] for n in reads[name]), default=-1) + 1
                elif part in depth:
                    continue
                elif part in on_path or part not in reads:  # not in reads: the family step's, read before it runs
                    raise ValueError(f"rule columns read each other in a cycle: {' -> '.join((*path, part))}")
                else:
                    path.append(part)
                    pending.append(iter(reads[part]))
                    on_path.add(part)

        for name in barrier_reads & defined.keys():
            settle(name)
        barrier = max((depth[n] for n in barrier_reads & defined.keys()), default=-1) + 1 if barrier_writes else None
        depth.update({name: barrier - 1 for name in barrier_writes} if barrier is not None else {})
        for name in defined:
            settle(name)
        return _Staging(defined, reads, depth, frozenset(self.temporary), barrier, frozenset(barrier_reads & defined.keys()))


@dataclass(frozen=True)
class _Staging:
    """A level's rule columns with what each reads and the query it can run in (its depth)."""

    defined: dict[str, pl.Expr]
    reads: dict[str, set[str]]
    depth: dict[str, int]
    temporary: frozenset[str]
    barrier: int | None
    barrier_reads: frozenset[str]

    def queries(self, names: Collection[str], keep: Collection[str] = ()) -> _Staged:
        """The columns ``names`` as queries, each column in the first query after every new column it
        reads (whatever it reads outside ``names`` must exist already), the barrier before the query it
        names. After each query, the kept parts no later query among these reads are dropped (on a
        large level each is a column as long as the table), except those in ``keep``."""
        barrier = self.barrier if self.barrier_reads & set(names) else None
        count = max([*(self.depth[name] for name in names), barrier or 0], default=-1) + 1
        stages: tuple[list[pl.Expr], ...] = tuple([] for _ in range(count))
        for name in names:
            stages[self.depth[name]].append(self.defined[name])
        last_read = {name: self.depth[name] for name in names if name in self.temporary and name not in keep}
        for name in names:
            for part in self.reads[name] & last_read.keys():
                last_read[part] = max(last_read[part], self.depth[name])
        drops: tuple[list[str], ...] = tuple([] for _ in range(count))
        for name, stage in last_read.items():
            drops[stage].append(name)
        return stages, barrier, drops

    def closure(self, roots: Iterable[str], done: Collection[str] = ()) -> list[str]:
        """``roots`` and the columns they read, in the order they were defined, less those in ``done``."""
        found: set[str] = set()
        todo = [name for name in roots if name in self.defined]
        while todo:
            name = todo.pop()
            if name not in found and name not in done:
                found.add(name)
                todo += [part for part in self.reads[name] if part in self.defined]
        return [name for name in self.defined if name in found]


class _Split:
    """A level's queries in three steps: the rules' conditions; the chance tests of the rules whose
    condition held somewhere; the rest (money, targets, evidence, words) of the rules that fired.
    Polars plans each column on every run whatever the rows (~40 us a column on a small config),
    and most of the ~250 columns of the 48 shipped rules belong to rules that fire nowhere."""

    _KEPT = 32  # later steps kept per level: a server sees the same few again and again

    def __init__(self, staging: _Staging, plans: list[_Plan]) -> None:
        self.staging = staging
        self._owned: dict[int, list[str]] = {}
        for name in staging.defined:
            owner = _OWNER.match(name)
            self._owned.setdefault(int(owner.group(1)) if owner else -1, []).append(name)
        self.conditions = [plan.column("condition") if plan.column("condition") in staging.defined else plan.column("fire")
                           for plan in plans]
        self._fire = {plan.index: plan.column("fire") for plan in plans}
        self.first, self._after_first = self._step(self.conditions, frozenset(), ())
        self._later: dict[tuple, tuple[_Staged, tuple]] = {}

    def fire(self, held: frozenset[int]) -> tuple[_Staged, tuple]:
        """The chance tests and fire columns of the rules ``held`` (their indices), whose condition
        held; and what :meth:`rest` starts from."""
        roots = [name for index in sorted(held) for name in (self._fire[index], *self._owned_barrier_reads(index))]
        return self._cached(("fire", held), lambda: self._step(roots, *self._after_first))

    def rest(self, after: tuple, fired: frozenset[int]) -> _Staged:
        """The rest of the columns of the rules ``fired``, after :meth:`fire`; every kept part is
        dropped at its end."""
        roots = [name for index in sorted(fired | {-1}) for name in self._owned.get(index, ())]
        return self._cached(("rest", after, fired), lambda: self._step(roots, *after, last=True))[0]

    def _owned_barrier_reads(self, index: int) -> list[str]:
        return [name for name in self._owned.get(index, ()) if name in self.staging.barrier_reads]

    def _cached(self, key: tuple, make: Callable[[], tuple[_Staged, tuple]]) -> tuple[_Staged, tuple]:
        found = self._later.get(key)
        if found is None:
            found = make()
            if len(self._later) >= self._KEPT:
                self._later.clear()
            self._later[key] = found
        return found

    def _step(self, roots: list[str], done: frozenset[str], held: tuple[str, ...], last: bool = False) -> tuple[_Staged, tuple]:
        """The queries of ``roots`` and what they read beyond ``done``. A kept part a later step may
        read is held (not dropped) until the last step, which drops all that are held."""
        staging = self.staging
        names = staging.closure(roots, done=done)
        done = done | frozenset(names)
        keep = () if last else {part for name in staging.defined if name not in done for part in staging.reads[name]}
        stages, barrier, drops = staging.queries(names, keep=keep)
        held = (*held, *(name for name in names if name in staging.temporary and name in keep))
        if last and held:
            stages, drops = (stages, drops) if stages else (([],), ([],))
            drops[-1].extend(held)
            held = ()
        return (stages, barrier, drops), (done, held)


# Compiled levels of recent runs (a server or a batch evaluates the same rules again and again).
_COMPILED: dict[tuple, tuple[tuple, tuple]] = {}
_COMPILED_MAX = 64
_COMPILED_LOCK = threading.Lock()


@dataclass
class _Plan:
    """One rule compiled for one level: its columns are named ``__r{index}_...``."""

    spec: RuleSpec
    index: int
    values: dict[str, float]  # params with the client's overrides
    benchmarks: dict[str, Resolved]
    period: str | None
    fields: frozenset[str] = frozenset()  # placeholders the message and recommendation use
    targets: list[tuple[str, str]] = field(default_factory=list)  # (value, threshold) the impact is valued against attainably

    def column(self, name: str) -> str:
        return f"__r{self.index}_{name}"

    def named(self, name: str) -> str:
        """The column of a value the rule names: a benchmark figure or a let value."""
        return _named(self.index, name)


@dataclass
class _Fired:
    """A level's rows where its rules fired (``_LevelRun.fire``): the rules that held somewhere,
    how many rows each fired on, the rows, and per rule that fired (by its index) the paired
    ratios it shows (``_paired_reads``) and the columns its rows are read for."""

    plans: list[_Plan]
    counts: tuple
    frame: pl.DataFrame
    reads: dict[int, tuple[list, list[str]]]


# A level's rules as polars expressions (``_LevelRun._compiled``).
_Compiled = tuple[_Split, list[_Plan], dict[str, TrendCollector]]


def _named(index: int, name: str) -> str:
    # Apart from the engine's own columns (``column``): a rule may call a let value ``impact``.
    return f"__r{index}_:{name}"


class _LevelRun:
    def __init__(self, specs, table: MetricTable, catalog: Catalog, params, economy: Economy, overrides, words: bool = True,
                 from_economics: Mapping[str, frozenset[str]] | None = None) -> None:
        self.specs = specs
        self.table = table
        self.catalog = catalog
        self.params = params
        self.from_economics = from_economics or {}
        self.economy = economy
        self.overrides = overrides
        self.words = words
        self._readers: dict[int, tuple[list[tuple[str, Callable[[dict], str]]], tuple[str, ...]]] = {}
        self._targets: dict[int, list[tuple[str, str, str, tuple]]] = {}
        self._ready: tuple[_Compiled, list[pl.DataFrame]] | None = None  # read_trends: the compiled rules and the trends
        # What many findings hold alike, held once: the scopes' names, and the thresholds their rules
        # share (an agency's 10M rows: 283,000 findings).
        self._names: dict[str, str] = {}
        self._thresholds: dict[tuple, dict[str, float]] = {}

    def read_trends(self) -> None:
        """Compile the level's rules and read their trends from the data's rows: the last reads of
        the rows here (the periods a rule compares are chosen from the rows' dates too)."""
        if self._ready is None:
            compiled = self._compiled()
            self._ready = compiled, self._trends(compiled[2])

    def fire(self) -> _Fired | None:
        """The level's rows where a rule fires, with every column its findings read; None where none
        fires. Reads no rows of the data once :meth:`read_trends` has run; called once."""
        if self._ready is None:
            self.read_trends()
        assert self._ready is not None
        (split, plans, _), trends = self._ready
        self._ready = self._ready[0], []  # joined here: the trends are held no longer than the level's frame
        frame, dims = self.table.frame, list(self.table.dims)
        for values in trends:
            frame = frame.join(values, on=dims, how="left", nulls_equal=True) if dims else frame.join(values, how="cross")
        frame = self._run(frame, split.first, plans)
        held = frozenset(plan.index for plan, count in zip(plans, frame.select(pl.col(c).sum() for c in split.conditions).row(0)) if count)
        if not held:
            return None
        queries, after = split.fire(held)
        frame = self._run(frame, queries, plans)
        plans = [plan for plan in plans if plan.index in held]
        counts = frame.select(pl.col(plan.column("fire")).sum() for plan in plans).row(0)
        if not any(counts):
            return None
        frame = self._run(frame, split.rest(after, frozenset(plan.index for plan, count in zip(plans, counts) if count)), plans)
        fired = frame.filter(pl.any_horizontal([plan.column("fire") for plan, count in zip(plans, counts) if count]))
        # Held until every level has fired: only what the findings read (_row_columns and the rules'
        # own), not the whole width of the level (at agency 10M, ~100 columns of 283,000 rows).
        shared, owned = self._split_columns(fired.columns, plans)
        reads: dict[int, tuple[list, list[str]]] = {}
        for plan, count in zip(plans, counts):
            if count:
                paired = self._paired_reads(plan, frozenset(shared + owned[plan.column("")]))
                wanted = self._row_columns(plan, fired.columns, paired)
                reads[plan.index] = paired, [c for c in shared if c in wanted] + owned[plan.column("")]
        kept = list(dict.fromkeys(c for _, columns in reads.values() for c in columns))
        return _Fired(plans, counts, fired.select(kept), reads)

    def _split_columns(self, columns: list[str], plans: list[_Plan]) -> tuple[list[str], dict[str, list[str]]]:
        """A fired frame's columns: the level's own (shared by its rules), and each rule's (by its
        prefix). Each rule's rows read the level's and its own, not the other rules' (with the
        whole pack, ~15 columns a rule: most of a row); trend inputs are read by none."""
        owned: dict[str, list[str]] = {plan.column(""): [] for plan in plans}
        shared: list[str] = []
        for column in columns:
            prefix = column[: column.find("_", 3) + 1] if column.startswith("__r") else ""
            if prefix in owned:
                owned[prefix].append(column)
            elif not column.startswith("__trend_"):
                shared.append(column)
        return shared, owned

    def findings(self, fired: _Fired | None) -> list[Finding]:
        """The findings of the rows :meth:`fire` gave."""
        if fired is None:
            return []
        plans, counts, read, fired = fired.plans, fired.counts, fired.reads, fired.frame
        out = []
        scope = self._scoper(fired)
        for plan, count in zip(plans, counts):
            if not count:
                continue
            reads, columns = read[plan.index]
            rows = fired.filter(pl.col(plan.column("fire"))).select(columns)
            shown = [c for c in self._shown_columns(plan, rows.columns, reads) if rows.schema[c].is_numeric()]
            layout = self._layout(plan, rows.columns, reads, set(shown))
            trim = not plan.spec.rule.every_level  # judged on the campaign level too: the campaign's own finding is there
            out += [self._finding(plan, row, scope(row, trim), layout, dict(zip(shown, cells)))
                    for row, cells in zip(rows.iter_rows(named=True), significant_rows(rows, shown), strict=True)]
        return out

    def _scoper(self, fired: pl.DataFrame) -> Callable[[dict, bool], dict[str, str]]:
        """A fired row's scope. On the ad level, a campaign that no source breaks down by ad (a Google
        Ads campaign beside Meta's ads) is named as the campaign it is, not as an ad set and ad
        "(none)"; the unnamed rest of a campaign that has named ads stays "(none)"."""
        dims = self.table.dims
        below = [d for d in ("ad_set", "ad") if d in dims]
        above = [d for d in dims if d not in below]
        names = self._names
        if self.table.level != "ad" or not below or not fired.select(pl.col("ad").is_null().any()).item():
            return lambda row, trim: scope_of(row, dims, names)
        frame = self.table.frame
        unnamed = frame.filter(pl.all_horizontal([pl.col(d).is_null() for d in below])).select(above).unique()
        named = frame.filter(pl.col("ad").is_not_null()).select(above).unique()
        whole = set(unnamed.join(named, on=above, how="anti", nulls_equal=True).iter_rows())

        def scope(row: dict, trim: bool) -> dict[str, str]:
            if trim and all(row[d] is None for d in below) and tuple(row[d] for d in above) in whole:
                return scope_of(row, tuple(above), names)
            return scope_of(row, dims, names)

        return scope

    def _run(self, frame: pl.DataFrame, queries: _Staged, plans: list[_Plan]) -> pl.DataFrame:
        stages, barrier, drops = queries
        for stage, columns in enumerate(stages):  # as many queries as the formulas are deep, however many rules
            if stage == barrier:
                frame = self._with_family_z(frame, plans)
            if columns:
                frame = frame.with_columns(columns)
                for name in drops[stage]:  # the frame is this query's own: in place is ~4x cheaper than drop()
                    frame.drop_in_place(name)
            elif drops[stage]:
                frame = frame.drop(drops[stage])
        return frame

    def _layout(self, plan: _Plan, columns: list[str], reads: list, shown: set[str]) -> _Layout:
        """Where each number of this rule's findings is read from, worked out once for all its fired
        rows (they share their columns), not again for each of 40,000 findings."""
        ratios = {name: dict(pairs) for name, pairs in reads}  # ratio -> count -> the column it was paired from
        paired = {count: column for by_count in reversed(list(ratios.values())) for count, column in by_count.items()}  # the first ratio's win

        def source(name: str, column: str | None) -> _Source:
            if column is None:  # a param: the same on every row
                return None, False, significant(plan.values[name])
            return column, column in shown, None

        evidence: dict[str, _Source] = {}
        for name in plan.spec.evidence:
            evidence[name] = source(name, paired[name] if name in paired else self._value_column(plan, name, columns))
            for count in ratios.get(name, {}):
                evidence.setdefault(count, source(count, paired[count]))
        thresholds = tuple((metric_id, source(name, self._value_column(plan, name, columns)))
                           for metric_id, name in plan.spec.rule.thresholds.items())
        readers, keys = self._field_readers(plan, columns)
        # Only the cells the words read are kept for later, with the paired counts in place of the plain sums.
        cells = tuple((key, paired.get(key, key)) for key in keys)
        return _Layout(tuple(evidence.items()), thresholds, readers, cells)

    def _shown_columns(self, plan: _Plan, columns: list[str], reads: list) -> set[str]:
        """The columns whose numbers a finding shows as they are (evidence, thresholds, chance test):
        rounded for all fired rows at once (``significant_rows``), not one number at a time."""
        names = [*plan.spec.evidence, *plan.spec.rule.thresholds.values(), "confidence"]
        shown = {self._value_column(plan, name, columns) for name in names}
        shown.update(column for _, pairs in reads for _, column in pairs)
        shown.update(plan.column(name) for name in ("ci_low", "ci_high", "ci_n", "ci_k", "ci_bound", "ci_k1", "ci_e1", "ci_k2", "ci_e2"))
        return {column for column in shown if column in columns}

    def _compiled(self) -> _Compiled:
        """The level's rules as polars expressions; the same rules, params, benchmarks and
        data shape compile to the same expressions, so a warm run reuses them."""
        periods = tuple(
            choose_period(self.table.dataset, spec.rule.period) if spec.uses_trends and self.table.dataset else None
            for spec in self.specs
        )
        key = (
            tuple(id(spec) for spec in self.specs), self.table.level, self.table.dims, tuple(self.table.available), periods,
            # chance tests read paired counts where this data has them
            tuple(c for c in self.table.frame.columns if c.startswith("__pair")),
            id(self.catalog.metrics), id(self.catalog.benchmarks), self.economy.currency,
            tuple(tuple(sorted(self.params.get(spec.rule.id, {}).items())) for spec in self.specs),
            tuple(sorted((metric, tuple(sorted(figures.items()))) for metric, figures in self.overrides.items())),
        )
        origin = (*self.specs, self.catalog.metrics, self.catalog.benchmarks)
        with _COMPILED_LOCK:
            cached = _COMPILED.pop(key, None)
            if cached is not None:
                _COMPILED[key] = cached  # last used goes last: the oldest unused entry is dropped first
        # The entry holds the specs and catalog it was made from, so the ids in its key are still theirs.
        if cached is not None and len(cached[0]) == len(origin) and all(a is b for a, b in zip(cached[0], origin)):
            return cached[1]
        compiled = self._compile(periods)
        with _COMPILED_LOCK:
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = (origin, compiled)
        return compiled

    def _compile(self, periods: tuple[str | None, ...]) -> _Compiled:
        """The level's columns, in the queries :meth:`_Columns.stages` orders them into: the
        benchmark figures per row; the rules' values, counts and conditions, reading those
        figures' columns; the chance intervals, read from the counts' columns; then whether each
        rule fires. An interval uses its counts a dozen times and the fire test its interval
        again: built from columns, each query stays a small expression (inlined, the budget-move
        rule alone was a 50 kB expression tree polars planned on every run)."""
        peers = PeerContext(*peer_group(self.table.dims, self.table.level))
        collectors: dict[str, TrendCollector] = {}
        base = _base_names(self.table, self.catalog)
        metrics = frozenset(self.catalog.metrics)
        channel = pl.col("channel") if "channel" in self.table.dims else None
        columns = _Columns()
        plans: list[_Plan] = []
        for index, (spec, period) in enumerate(zip(self.specs, periods)):
            rule = spec.rule
            values = {**rule.params, **self.params.get(rule.id, {})}
            collector = collectors.setdefault(period, TrendCollector(period)) if period else None
            functions = rule_functions(peers, collector)
            names = dict(base)
            names.update(values)
            numbers = set(metrics)  # the names that hold numbers: comparisons with them allow for float noise
            resolved = {}
            for name, ref in rule.benchmarks.items():
                resolved[name] = resolve(ref, self.catalog.benchmarks, self.overrides, self.economy.currency)
                fallback = values.get(ref.fallback) if ref.fallback else None
                # A figure per row (by platform): a column of its own that the rule's expressions read.
                column = _named(index, name)
                columns.add(resolved[name].expr(channel, fallback).cast(pl.Float64).alias(column))
                names[name] = pl.col(column)
                numbers.add(name)
            inline = _inline_lets(spec)
            for name, parsed in spec.lets:
                names[name] = expr.compile_expr(parsed, names, functions=functions, numbers=numbers)
                if expr.holds_number(parsed, numbers, functions):
                    numbers.add(name)
                if parsed.result_type == "number" and name not in inline:
                    # A column the condition, the impact and later lets read, so it is computed once
                    # (a chance let is a Poisson tail over every scope) and they stay small to plan.
                    columns.add(names[name].cast(pl.Float64).alias(_named(index, name)))
                    names[name] = pl.col(_named(index, name))
            fields = frozenset(template_fields(rule.message)) | frozenset(template_fields(rule.recommendation))
            plan = _Plan(spec, index, values, resolved, period, fields)
            plans.append(plan)
            keep = columns.keeper(f"__k{index}_")
            fire = expr.compile_expr(spec.condition, names, functions=functions, numbers=numbers).fill_null(False)
            if spec.chance is not None and rule.chance.test == "rate_ratio":
                counts = {**base, **values}  # one period's (or scope's) metrics and the params
                successes, trials = (expr.compile_expr(part, counts, functions=functions, numbers=metrics) for part in spec.chance[:2])
                if rule.chance.compare == "siblings":
                    window, best = _sibling_window(successes, trials, peers, values["confidence"])
                    columns.add(best.alias(plan.column("ci_best")))
                else:
                    assert collector is not None  # a rate_ratio rule over periods uses trends: its period is chosen
                    window = collector.window(rule.chance.compare, successes, trials)
                bound = expr.compile_expr(spec.chance[2], names, functions=functions, numbers=numbers).cast(pl.Float64)
                columns.add((window[0] + window[2]).alias(plan.column("ci_n")), window[2].alias(plan.column("ci_k")), bound.alias(plan.column("ci_bound")))
                columns.add(*(value.alias(plan.column(f"ci_{name}")) for name, value in zip(("k1", "e1", "k2", "e2"), window)))
                z = pl.col(plan.column("ci_z")) if _family_tested(spec) else _z(values["confidence"])
                low, high = _ratio_interval(*(pl.col(plan.column(f"ci_{name}")) for name in ("k1", "e1", "k2", "e2")), z, keep)
                columns.add(low.alias(plan.column("ci_low")), high.alias(plan.column("ci_high")))
                low, high, bound = (pl.col(plan.column(f"ci_{name}")) for name in ("low", "high", "bound"))
                beyond = high.fill_null(float("inf")) < bound if rule.chance.below is not None else low > bound
            elif spec.chance is not None:
                counted = {**names, **self._paired(spec)}
                successes, trials, bound = (expr.compile_expr(part, counted, functions=functions, numbers=numbers).cast(pl.Float64) for part in spec.chance)
                columns.add(trials.alias(plan.column("ci_n")), successes.alias(plan.column("ci_k")), bound.alias(plan.column("ci_bound")))
                low, high = _interval(spec.rule.chance.test, pl.col(plan.column("ci_k")), pl.col(plan.column("ci_n")), values["confidence"], keep)
                columns.add(low.alias(plan.column("ci_low")), high.alias(plan.column("ci_high")))
                # Within chance is not a finding: the whole interval must lie beyond the bound.
                low, high, bound = (pl.col(plan.column(f"ci_{name}")) for name in ("low", "high", "bound"))
                beyond = high < bound if spec.rule.chance.below is not None else low > bound
            if spec.chance is not None:
                columns.add(fire.alias(plan.column("condition")))
                fire = pl.col(plan.column("condition")) & beyond.fill_null(False)
            columns.add(fire.alias(plan.column("fire")))
            if spec.impact is not None:
                # The gap is valued against an attainable target, not the whole way to the threshold:
                # today's value, the threshold and the siblings' quartile are columns first, the
                # target (row by row) reads them, and the impact the target.
                impact_names = dict(names)
                for value, threshold in attainable_targets(spec):
                    # One target per threshold, the first value listed against it: the impact
                    # formula names the threshold once, so two targets could not both be read.
                    if value not in names or threshold not in names or any(t == threshold for _, t in plan.targets):
                        continue
                    now, bar = plan.column(f"now_{threshold}"), plan.column(f"bar_{threshold}")
                    columns.add(*((part if isinstance(part, pl.Expr) else pl.lit(part)).cast(pl.Float64).alias(column)
                                  for part, column in ((names[value], now), (names[threshold], bar))))
                    found = sibling_quartile(names[value], names[threshold], peers)
                    columns.add(*(part.alias(plan.column(f"{key}_{threshold}")) for key, part in found.items()))
                    found = attainable_target(pl.col(now), pl.col(bar), pl.col(plan.column(f"peer_{threshold}")),
                                              pl.col(plan.column(f"peers_{threshold}")),
                                              columns.keeper(f"__k{index}_{threshold}_"))
                    columns.add(*(part.alias(plan.column(f"{key}_{threshold}")) for key, part in found.items()))
                    impact_names[threshold] = pl.col(plan.column(f"target_{threshold}"))
                    plan.targets.append((value, threshold))
                columns.add(expr.compile_expr(spec.impact, impact_names, functions=functions, numbers=numbers).cast(pl.Float64).alias(plan.column("impact")))
                if spec.impact_per is not None:
                    columns.add(expr.compile_expr(spec.impact_per, names, functions=functions, numbers=numbers).cast(pl.Float64).alias(plan.column("per")))
            # The lets left as formulas get their column too: messages, evidence and money read it.
            columns.add(*(names[name].cast(pl.Float64).alias(plan.named(name)) for name, parsed in spec.lets
                          if parsed.result_type != "number" or name in inline))
        family = [plan for plan in plans if _family_tested(plan.spec)]
        staging = columns.staging(
            frozenset(plan.column(f"ci_{name}") for plan in family for name in ("e1", "e2", "n")),
            frozenset(plan.column(f"ci_{name}") for plan in family for name in ("tested", "z", "confidence")))
        return _Split(staging, plans), plans, collectors

    def _with_family_z(self, frame: pl.DataFrame, plans: list[_Plan]) -> pl.DataFrame:
        """The z of each trend test, raised for the number of scopes tested together (Bonferroni).

        A trend rule tests every campaign (or ad) of an account at once: at 95% each, one in
        twenty steady campaigns would show a "trend" by chance. The family is the scopes of this
        level in the same account (all of them where the data names no accounts) whose two
        windows both have data; each test runs at 1 - (1 - confidence) / family, so the rule's
        confidence holds for the account's report as a whole. Per account, so a portfolio run,
        Spark by account and a single run give the same findings for the same rows."""
        # The rules whose tests this step runs (``_Split``): the others' counts are not there.
        family = [plan for plan in plans if _family_tested(plan.spec) and plan.column("ci_n") in frame.columns]
        if not family:
            return frame
        by = ["account"] if "account" in self.table.dims else []
        testable = [((pl.col(plan.column("ci_e1")) > 0) & (pl.col(plan.column("ci_e2")) > 0) & (pl.col(plan.column("ci_n")) > 0))
                    .fill_null(False).sum().cast(pl.Float64).alias(plan.column("ci_tested")) for plan in family]
        if by:
            frame = frame.join(frame.group_by(by).agg(testable), on=by, how="left", nulls_equal=True)
        else:
            frame = frame.with_columns(pl.lit(value, dtype=pl.Float64).alias(name) for name, value in frame.select(testable).row(0, named=True).items())
        # The family sizes are few (one per account): their z from Python's exact quantile.
        sizes = frame.select(pl.col(plan.column("ci_tested")).unique().drop_nulls().implode() for plan in family).row(0)
        columns = []
        for plan, found in zip(family, sizes):
            alpha = 1 - plan.values["confidence"]
            tested = pl.col(plan.column("ci_tested")).clip(lower_bound=1)
            z = {size: _z(1 - alpha / max(size, 1.0)) for size in found}
            columns += [
                tested.replace_strict(z, default=_z(1 - alpha), return_dtype=pl.Float64).alias(plan.column("ci_z")),
                (1 - alpha / tested).alias(plan.column("ci_confidence")),
            ]
        return frame.with_columns(columns)

    def _paired(self, spec: RuleSpec) -> dict[str, pl.Expr]:
        """The paired counts a chance test reads, where its counts form a paired set here: the
        interval of a bounce rate is on the visits that carry bounces, like the rate itself."""
        if self.table.dataset is None:
            return {}
        paired = pairing(self.table.dataset, self.catalog)
        counts = sorted({n for part in spec.chance[:2] for n in part.names if n in self.catalog.metrics})
        if tuple(counts) not in paired.sets or not all(c in self.table.frame.columns for c in paired.reads(paired.sets.index(tuple(counts))).values()):
            return {}
        index = paired.sets.index(tuple(counts))
        return {name: pl.col(column) for name, column in paired.reads(index).items()}

    def _trends(self, collectors: dict[str, TrendCollector]) -> list[pl.DataFrame]:
        """Each period's trend columns: a row per scope of the level (one row on the total level)."""
        dims = list(self.table.dims)
        found = []
        for period, collector in collectors.items():
            if not collector.aggregations:
                continue
            read = {name for _, value in collector.inputs for name in value.meta.root_names()}
            periods = period_table(self.table.dataset, self.catalog, self.table.level, period, metrics=read)
            assert periods is not None  # the rule was skipped without dated data
            missing = [m for m in self.table.available if m not in periods.frame.columns]
            # A part period at either end of a scope's daily rows is no period to compare.
            source = whole_periods(periods, period).with_columns([pl.lit(None, dtype=pl.Float64).alias(m) for m in missing])
            source = source.with_columns([value.alias(name) for name, value in collector.inputs])
            aggregations = [aggregation.alias(name) for name, aggregation in collector.aggregations]
            aggregations += [pl.col(PERIOD_COLUMN).min().alias(f"__from_{period}"), pl.col(PERIOD_COLUMN).max().alias(f"__to_{period}")]
            found.append(source.group_by(dims, maintain_order=True).agg(aggregations) if dims else source.select(aggregations))
        return found

    # --- rendering the rows that fired -------------------------------------------------

    def _value(self, plan: _Plan, row: dict, name: str) -> float | None:
        column = self._value_column(plan, name, row)
        return plan.values[name] if column is None else row.get(column)

    def _unit(self, plan: _Plan, name: str) -> str:
        if name in plan.spec.units:
            return plan.spec.units[name]
        return self.catalog.metrics[name].unit if name in self.catalog.metrics else "number"

    def _field_readers(self, plan: _Plan, columns) -> tuple[list[tuple[str, Callable[[dict], str]]], tuple[str, ...]]:
        """Each placeholder of a rule's message and recommendation -> how a fired row fills it in, and
        the columns they read; worked out once per rule, as its fired rows share their columns (tens of
        thousands of rows may fire). A param's text is written once."""
        cached = self._readers.get(plan.index)
        if cached is not None:
            return cached
        rule = plan.spec.rule
        currency = self.economy.currency
        dims = self.table.dims
        column = plan.column
        readers: list[tuple[str, Callable[[dict], str]]] = []
        keys: list[str] = []
        for name in sorted(plan.fields):
            key = None
            if name == "scope":
                keys += dims
                read = lambda row: _scope_label(row, dims)  # noqa: E731
            elif name == "period":
                text = "week" if plan.period == ROLLING_WEEK else plan.period or ""
                read = lambda row, text=text: text  # noqa: E731
            elif name in ("period_from", "period_to"):
                key, period = f"__{name[7:]}_{plan.period}", plan.period
                read = lambda row, key=key, period=period: _period_label(row.get(key), period)  # noqa: E731
            elif name in ("chance_low", "chance_high"):
                # The interval of a rate (as the rate's metric would print it) or of a rate ratio (x0.62).
                key = column("ci_" + name[7:])
                if rule.chance.test == "rate_ratio":
                    read = lambda row, key=key: _times(row.get(key))  # noqa: E731
                else:
                    read = lambda row, key=key: format_value(row.get(key), "number")  # noqa: E731
            elif name == "chance_best":
                key = column("ci_best")
                read = lambda row, key=key: str(row.get(key) or "n/a")  # noqa: E731
            elif name in ("chance_early", "chance_late"):
                key = column("ci_k1" if name == "chance_early" else "ci_k2")
                read = lambda row, key=key: format_value(row.get(key), "count")  # noqa: E731
            elif name.endswith(SOURCE_SUFFIX) and name[: -len(SOURCE_SUFFIX)] in rule.benchmarks:
                key = "channel"
                read = lambda row, name=name[: -len(SOURCE_SUFFIX)]: _benchmark_source(plan, row, name)  # noqa: E731
            elif form := plural_form(name):
                count, one, many = form
                key = self._value_column(plan, count, columns)
                if key is None:
                    text = one if _is_one(self._value(plan, {}, count)) else many
                    read = lambda row, text=text: text  # noqa: E731
                else:
                    read = lambda row, key=key, one=one, many=many: one if _is_one(row.get(key)) else many  # noqa: E731
            elif name.endswith(SOURCE_SUFFIX) and name[: -len(SOURCE_SUFFIX)] in rule.params and not self._names_a_value(plan, name):
                # In the message's language, as _benchmark_source: the words are written later.
                text = self._param_source(rule, name[: -len(SOURCE_SUFFIX)])
                read = lambda row, text=text: Translator(current_locale()).gettext(text)  # noqa: E731
            else:
                unit = self._unit(plan, name)
                key = self._value_column(plan, name, columns)
                if key is None:
                    text = format_value(self._value(plan, {}, name), unit, currency)
                    read = lambda row, text=text: text  # noqa: E731
                else:
                    read = lambda row, key=key, unit=unit: format_value(row.get(key), unit, currency)  # noqa: E731
            if key is not None:
                keys.append(key)
            readers.append((name, read))
        self._readers[plan.index] = (readers, tuple(dict.fromkeys(keys)))
        return self._readers[plan.index]

    def _names_a_value(self, plan: _Plan, name: str) -> bool:
        """Whether a placeholder is a value's own name (a param, let value or metric called
        ``max_cpc_source``), which it reads before any ``{X_source}`` of a param X."""
        rule = plan.spec.rule
        return name in rule.params or name in rule.let or name in self.catalog.metrics

    def _param_source(self, rule: RuleDef, name: str) -> str:
        """Where a param's value comes from: the client's economics, the config's own word for the
        rule, or the rule's default (which, for a param the economics could set, says they were not given)."""
        if name in self.from_economics.get(rule.id, ()):
            return phrases.PARAM_FROM_ECONOMICS
        if name in self.params.get(rule.id, {}):
            return phrases.PARAM_FROM_CONFIG
        return phrases.PARAM_DEFAULT_ECONOMICS if name in ECONOMIC_PARAMS else phrases.PARAM_DEFAULT

    def _value_column(self, plan: _Plan, name: str, columns) -> str | None:
        """The column a name is read from on a fired row with ``columns``; None for a param (the same
        on every row)."""
        if name == "confidence" and plan.column("ci_confidence") in columns:
            return plan.column("ci_confidence")  # raised for the scopes tested together
        if name in plan.values:
            return None
        if name in plan.spec.rule.benchmarks or name in plan.spec.rule.let:
            return plan.named(name)
        return name

    def _shown(self, plan: _Plan, row: dict, shown: dict[str, float | None], name: str) -> float | None:
        """A value the finding shows, as ``significant`` writes it: a rounded cell, or a param."""
        column = self._value_column(plan, name, row)
        return significant(plan.values[name]) if column is None else _rounded(row, shown, column)

    def _significance(self, plan: _Plan, row: dict, shown: dict[str, float | None]) -> dict | None:
        """How sure the finding is: the fields of a :class:`~kpi_advisor.models.report.Significance`."""
        chance = plan.spec.rule.chance
        if chance is None:
            return None
        cell = lambda name: _rounded(row, shown, plan.column(name)) or 0.0  # noqa: E731
        if chance.test == "rate_ratio":
            high = _rounded(row, shown, plan.column("ci_high"))
            tested = row.get(plan.column("ci_tested"))
            return {
                "test": "rate-ratio",
                "confidence": self._shown(plan, row, shown, "confidence"),
                "tested": tested,
                "interval": [cell("ci_low"), high],
                "n": cell("ci_n"),
                "successes": cell("ci_k"),
                "bound": cell("ci_bound"),
                "early": {"successes": cell("ci_k1"), "trials": cell("ci_e1")},
                "late": {"successes": cell("ci_k2"), "trials": cell("ci_e2")},
            }
        return {
            "test": "wilson" if chance.test == "binomial" else "poisson-score",
            "confidence": plan.values["confidence"],
            "interval": [cell("ci_low"), cell("ci_high")],
            "n": cell("ci_n"),
            "successes": cell("ci_k"),
            "bound": cell("ci_bound"),
        }

    def _paired_reads(self, plan: _Plan, columns: frozenset[str]) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        """Paired ratio the rule shows (in its evidence or message) -> (count, column) it was computed
        from, the rows that carry all of them, so a consultant can recompute it and no plain sum
        stands beside it. Only where this data pairs the ratio (docs/reports.md)."""
        if self.table.dataset is None:
            return []
        return pairing(self.table.dataset, self.catalog).columns_in([*plan.spec.evidence, *sorted(plan.fields)], columns)

    def _row_columns(self, plan: _Plan, columns: list[str], reads: list) -> frozenset[str]:
        """The table's columns a fired row of this rule is read for, besides the rule's own: the
        scope, what the evidence, thresholds, words and money name, and the paired counts: ~10 of a
        table's ~55 columns, so ~45 cells a row are never made Python objects (agency 1M, four
        rules: evaluating them took 2.06 s instead of 2.49)."""
        names = {*plan.spec.evidence, *plan.spec.rule.thresholds.values(), *(n for pair in plan.targets for n in pair)}
        wanted = {*self.table.dims, "channel", PAID_BY, *self._earnings, *OUTCOMES}
        wanted.update(self._value_column(plan, name, columns) or name for name in names)
        wanted.update(metric_of(action, self.catalog) or action for action in self.economy.action_values)
        if plan.spec.rule.impact is not None:
            wanted.add(plan.spec.rule.impact.metric)
        wanted.update(self._field_readers(plan, columns)[1])
        wanted.update(column for _, pairs in reads for _, column in pairs)
        return frozenset(wanted)

    def _finding(self, plan: _Plan, row: dict, scope: dict[str, str], layout: _Layout, shown: dict[str, float | None]) -> Finding:
        """A fired row as a finding; ``shown`` holds its shown numbers already rounded (``_shown_columns``)."""
        rule = plan.spec.rule
        evidence = {name: _read(row, shown, where) for name, where in layout.evidence}
        thresholds = {}
        for metric_id, where in layout.thresholds:
            value = _read(row, shown, where)
            if value is not None:
                thresholds[metric_id] = value
        # One validation builds the finding with its impact and significance, given as mappings:
        # ~1.2 us a finding less than three models' __init__ (44,441 findings at agency 1M).
        finding = Finding(
            rule=rule.id,
            severity=rule.severity,
            stage=rule.stage,
            scope=scope,
            evidence=evidence,
            thresholds=thresholds,
            message="",
            recommendation="",
            impact=self._impact(plan, row),
            significance=self._significance(plan, row, shown),
        )
        if thresholds:
            # Thresholds repeat (a param, a channel's benchmark): equal ones are one dict, never
            # changed once made (every reader copies or reads it). The first few kinds are kept,
            # so thresholds of a row's own (a trend's past value) add no entry a finding.
            key = tuple(thresholds.items())
            shared = self._thresholds.get(key)
            if shared is not None:
                finding.__dict__["thresholds"] = shared
            elif len(self._thresholds) < SHARED_THRESHOLDS:
                self._thresholds[key] = finding.thresholds
        # Into the private values directly, as Finding.worded() reads them: pydantic's attribute
        # setter costs a microsecond a finding.
        finding.__pydantic_private__["_words"] = _Words(rule, layout, tuple(row.get(column) for _, column in layout.cells), current_locale())
        share_given_fields(finding)
        return finding.worded() if self.words else finding

    def _impact(self, plan: _Plan, row: dict) -> dict | None:
        """The gap to the threshold, carried down this scope's own funnel and valued, never above
        what the scope spends or earns (docs/rules.md, "Money at stake"): the fields of an :class:`~kpi_advisor.models.report.Impact`."""
        impact_def = plan.spec.rule.impact
        units = row.get(plan.column("impact")) if impact_def is not None else None
        if impact_def is None or units is None or units <= 0:
            return None
        metric = impact_def.metric
        units = float(units)
        if self.catalog.metrics[metric].unit == "currency":
            money, basis = self._bounded(units, f"{impact_def.basis} ({self.economy.currency})" + self._target_basis(plan, row), row)
            return {"metric": metric, "value": round(units, 2), "money": money, "basis": basis}
        if not self.economy.given:
            return None  # no economics in the config: nothing to value the gap with
        label = metric.replace("_", " ")
        basis = impact_def.basis + self._target_basis(plan, row)
        today = row.get(metric)
        # What the units convert like (impact.per): the visits that stay, where a bounced visit buys nothing.
        base, per_words = (row.get(plan.column("per")), _per_words(impact_def.per)) if impact_def.per is not None else (today, None)
        count = _count(units)
        money_of = self._money_of
        per_unit = self.economy.unit_value(metric, self.catalog.aliases)
        # Nothing of the metric today, or of what it converts like: the scope's own funnel has no rate.
        lacking = label if today is not None and today <= 0 else per_words if per_words is not None and not (base and base > 0) else None
        if per_unit is None and lacking is not None:
            money = None
            basis += f"; not valued: this scope has no {lacking} today, so its own funnel cannot size the gain"
        elif per_unit is not None:
            money = units * per_unit
            source = "the customer value" if metric in OUTCOMES else "economics.micro_conversions"
            basis += f"; {count} {_one_of(count, label)} at {money_of(per_unit)} each ({source})"
        elif self.catalog.metrics[metric].stage == "loyalty":
            # Support replies and other loyalty counts do not lead to a sale: they are never carried down.
            money = None
            basis += f"; not valued: give economics.micro_conversions a value for {metric}"
        elif (carried := self._carry_down(metric, units, row, base)) is not None:
            reached, target, rate, value = carried
            money = reached * value
            target_label = target.replace("_", " ")
            reached_count = _count(reached)
            basis += (f"; {count} {_one_of(count, label)} x {format_value(rate, 'ratio')} of {per_words or label} becoming {target_label} on this scope = "
                      f"{reached_count} {_one_of(reached_count, target_label)} at {money_of(value)} each")
        elif (beyond := self._past_the_step(metric, row, base)) is not None:
            # More orders than leads on this scope: its orders do not come through its leads, so no
            # rate of leads becoming orders (it would pass 100%) nor revenue per lead can value the gap.
            target, result = beyond
            what = per_words or label
            money = _spend_at_risk(row)
            basis += (f"; not carried down: this scope has more {target.replace('_', ' ')} than {what} ({_count(result)} against "
                      f"{_count(base)}), so its {what} are not its way to them"
                      + (f": its spend of {money_of(money)} is what is at risk" if money is not None else ""))
        elif (per_unit_earned := self._earned_per(metric, row, base)) is not None:
            # No orders or valued actions to carry the gap down to, but money this scope's units bring in
            # (till revenue beside the ads of a shop): each unit at what one brings here, no other scope's.
            money = units * per_unit_earned
            basis += f"; {count} {_one_of(count, label)} x {money_of(per_unit_earned)} of revenue per {_one_of('1', per_words or label)} on this scope"
        elif (money := _spend_at_risk(row)) is not None:
            basis += (f"; no valued result on this scope to carry the gap down to (no extrapolation from other scopes): "
                      f"its spend of {money_of(money)} is what is at risk")
        else:
            money = None
            basis += f"; not valued: give economics.micro_conversions a value for {metric}, or data down to purchases or customers"
        if money is not None:
            money, basis = self._bounded(money, basis, row)
        return {"metric": metric, "value": round(units, 2), "money": money, "basis": basis}

    def _target_basis(self, plan: _Plan, row: dict) -> str:
        """Which target the gap was valued against, and its value (engine/evaluation/attainable.py)."""
        parts = []
        for value, threshold, unit, columns in self._target_reads(plan, row):
            target_at, how_at, now_at, limit_at, peer_at, peers_at = columns
            target, how = row.get(target_at), row.get(how_at)
            current = plan.values[value] if now_at is None else row.get(now_at)
            limit = plan.values[threshold] if limit_at is None else row.get(limit_at)
            if target is None or how is None or current is None or limit is None or target == current:
                continue
            fmt = lambda v: format_value(v, unit, self.economy.currency)  # noqa: E731
            name = value.replace("_", " ")
            peer, peers = row.get(peer_at), int(row.get(peers_at) or 0)
            quartile = "upper" if limit > current else "lower"
            siblings = f"the {peers} {self.table.level}s under the same parent (this one included)"
            if how == PEERS:
                parts.append(f"valued against {name} {fmt(target)}, the {quartile} quartile of {siblings}, "
                             f"nearer than the threshold {fmt(limit)}")
            elif how == THRESHOLD_NEARER:
                parts.append(f"valued against the threshold {name} {fmt(target)}, nearer than the {quartile} quartile "
                             f"{fmt(peer)} of {siblings}")
            elif how == PEERS_CAPPED:
                step = f"{MAX_STEP:g} × today's {fmt(current)}" if limit > current else f"today's {fmt(current)} ÷ {MAX_STEP:g}"
                parts.append(f"valued against {name} {fmt(target)}: the nearer of the threshold {fmt(limit)} and the {quartile} quartile "
                             f"{fmt(peer)} of {siblings}, capped at {step}, one step from today")
            elif how == CAPPED:
                step = f"{MAX_STEP:g} × today's {fmt(current)}" if limit > current else f"today's {fmt(current)} ÷ {MAX_STEP:g}"
                parts.append(f"valued against {name} {fmt(target)}: the threshold {fmt(limit)} capped at {step}, "
                             f"as no {quartile} quartile of at least {MIN_PEERS} siblings shows more is attainable")
            else:
                parts.append(f"valued against the threshold {name} {fmt(target)}")
        return "".join("; " + part for part in parts)

    def _target_reads(self, plan: _Plan, row: dict) -> list[tuple[str, str, str, tuple]]:
        """Per target of a rule: (value, threshold, the value's unit, the columns of the target, how
        it was chosen, today's value, the threshold, the peers' quartile and their count). Worked
        out once per rule and level: a rule's fired rows share their columns (``_layout``)."""
        cached = self._targets.get(plan.index)
        if cached is None:
            cached = self._targets[plan.index] = [
                (value, threshold, self._unit(plan, value),
                 (plan.column(f"target_{threshold}"), plan.column(f"how_{threshold}"),
                  self._value_column(plan, value, row), self._value_column(plan, threshold, row),
                  plan.column(f"peer_{threshold}"), plan.column(f"peers_{threshold}")))
                for value, threshold in plan.targets
            ]
        return cached

    def _money_of(self, amount: float) -> str:
        return format_value(amount, "currency", self.economy.currency)

    def _bounded(self, money: float, basis: str, row: dict) -> tuple[float | None, str]:
        """Money no larger than what the scope spends or earns; None where it has neither."""
        spend = row.get(PAID_BY) or 0.0
        earned = self._earned(row)
        bound, what = (spend, "spends") if spend >= earned else (earned, "earns")
        if bound <= 0:
            return None, basis + "; not valued: this scope has no spend or revenue to bound it"
        if money > bound:
            return round(bound, 2), basis + f"; at most what this scope {what} ({self._money_of(bound)})"
        return round(money, 2), basis

    def _earned(self, row: dict) -> float:
        """What a scope earns: its revenue (sales and ad revenue), else its orders or customers at
        the customer value, else its micro actions at the values the economics gives them."""
        revenue = self._revenue(row)
        if revenue > 0:
            return revenue
        if self.economy.customer_value is not None:
            outcome = next((row[o] for o in OUTCOMES if row.get(o)), 0.0)
            if outcome:
                return outcome * self.economy.customer_value
        micro = 0.0
        for action, value in self.economy.action_values.items():
            metric = metric_of(action, self.catalog)
            if metric is not None and metric not in OUTCOMES:
                micro += (row.get(metric) or 0.0) * value
        return micro

    @functools.cached_property
    def _earnings(self) -> tuple[str, ...]:
        """Base counts of money coming in (revenue, ad revenue): currency counts at the purchase stage."""
        return tuple(m.id for m in self.catalog.metrics.values()
                     if not m.derived and m.unit == "currency" and m.stage == "purchase" and m.id != PAID_BY)

    def _earned_per(self, metric: str, row: dict, base: float | None) -> float | None:
        """The revenue this scope brings in per unit of ``metric`` (its revenue over its clicks, or
        over ``base``, what the units convert like), where it has both; a count of money itself has none."""
        if not base or base <= 0 or self.catalog.metrics[metric].unit == "currency":
            return None
        revenue = self._revenue(row)
        return revenue / base if revenue > 0 else None

    def _revenue(self, row: dict) -> float:
        """The money a scope brings in: its sales and ad revenue added up."""
        return sum(row.get(m) or 0.0 for m in self._earnings)

    def _carry_down(self, metric: str, units: float, row: dict, base: float | None) -> tuple[float, str, float, float] | None:
        """Units of a funnel metric -> the first valued result after it (orders or customers at the
        customer value, else a micro action the economics values), at the rate this scope converts
        ``base`` (the metric itself, or what the units convert like). A scope that converts none
        gets no revenue extrapolated from other scopes."""
        targets = [(o, self.economy.customer_value) for o in OUTCOMES if self.economy.customer_value is not None]
        for action, value in self.economy.action_values.items():
            target = metric_of(action, self.catalog)
            if target is not None and target != metric and target not in OUTCOMES:
                targets.append((target, value))
        for target, value in targets:
            result = row.get(target)
            if base and base > 0 and result is not None and 0 < result <= base:
                rate = result / base
                return units * rate, target, rate, value
        return None

    def _past_the_step(self, metric: str, row: dict, base: float | None) -> tuple[str, float] | None:
        """The first valued result this scope has more of than ``base`` (orders beside fewer leads): then
        the metric is no step on its way to them. Asked once :meth:`_carry_down` found no result that
        ``base`` converts to at 100% or less."""
        if not base or base <= 0 or self.economy.customer_value is None:
            return None
        return next(((target, float(row[target])) for target in OUTCOMES if (row.get(target) or 0.0) > base), None)


def _per_words(formula: str) -> str:
    """``impact.per`` as a basis names it: a metric as words (engaged sessions), a formula in brackets
    as written (sessions - bounces), so the rate can be recomputed from the row's own counts."""
    text = " ".join(formula.split())
    return text.replace("_", " ") if text.replace("_", "").isalnum() else f"({text})"


# Where a number of a finding is read: (column, whether it is among the rows' rounded columns, the
# value of a param, which has no column).
_Source = tuple[str | None, bool, float | None]


@dataclass(frozen=True)
class _Layout:
    """Where a rule's findings on one level read their numbers and words (``_LevelRun._layout``)."""

    evidence: tuple[tuple[str, _Source], ...]
    thresholds: tuple[tuple[str, _Source], ...]
    readers: list[tuple[str, Callable[[dict], str]]]
    cells: tuple[tuple[str, str], ...]  # (what the words call it, the column it is read from)


def _read(row: dict, shown: dict[str, float | None], where: _Source) -> float | None:
    """A number as a finding shows it: its rounded cell (``significant``), or the param's value."""
    column, rounded, value = where
    if column is None:
        return value
    return shown[column] if rounded else significant(row.get(column))


def _rounded(row: dict, shown: dict[str, float | None], column: str) -> float | None:
    # A column that is not rounded with the rest (not numeric: all null, or absent) is rounded here.
    return shown[column] if column in shown else significant(row.get(column))


def _spend_at_risk(row: dict) -> float | None:
    """A scope's spend, where a gap no result values puts it at risk; None where it spends nothing."""
    spend = row.get(PAID_BY)
    return float(spend) if spend is not None and spend > 0 else None


def _is_one(value: object) -> bool:
    """Whether a count is one, its word then singular: 1, not 1.004 ("1.00 clicks", as plural rules
    have it where decimals show); rounded to 9 decimals for the float noise of a let value."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and round(value, 9) == 1


def _benchmark_source(plan: _Plan, row: dict, name: str) -> str:
    """Where a benchmark figure comes from, for a message. Not a method: a finding's words are
    written after the run, and a reader holding the run would hold its rows until then."""
    figure = plan.benchmarks[name].figure(row.get("channel"))
    if figure is not None:
        return figure.label
    fallback = plan.spec.rule.benchmarks[name].fallback
    # In the message's language: this runs while its words are written (_words, use_locale).
    return Translator(current_locale()).gettext(phrases.BENCHMARK_DEFAULT if fallback else phrases.NO_BENCHMARK)


# Kinds of thresholds a level's findings share (``_LevelRun._finding``): a rule's params and a
# benchmark per channel are a few; past them, thresholds are a row's own and are not looked for.
SHARED_THRESHOLDS = 256


class _Words:
    """A fired rule's message and recommendation, still to be written (``Finding.worded``): the
    cells its words read, beside the layout that names them, in the locale of the run. A tuple of
    values where a dict of them and a ``functools.partial`` were ~500 bytes a finding."""

    __slots__ = ("rule", "layout", "values", "locale")

    def __init__(self, rule: RuleDef, layout: _Layout, values: tuple, locale: str) -> None:
        self.rule, self.layout, self.values, self.locale = rule, layout, values, locale

    def __call__(self) -> tuple[str, str]:
        cells = {key: value for (key, _), value in zip(self.layout.cells, self.values)}
        with use_locale(self.locale):
            placeholders = {name: read(cells) for name, read in self.layout.readers}
        rule = self.rule
        return _bounded_words(rule.message.format(**placeholders)), _bounded_words(rule.recommendation.format(**placeholders))


def _bounded_words(text: str) -> str:
    return text if len(text) <= MAX_WORDS_CHARS else text[: MAX_WORDS_CHARS - 1] + "\u2026"


def metric_of(action: str, catalog: Catalog) -> str | None:
    """The metric a micro action of the economics counts: its id, an alias, or either in the plural."""
    return counted_by(action, catalog.metrics, catalog.aliases)


def _count(value: float) -> str:
    """A number of units in a money basis, with the decimals that let "n at EUR x each" recompute the
    money to the cent or so: 1.05 purchases at EUR 80 is EUR 84, where "1" said EUR 80 of EUR 83.83.
    From 100 on one decimal (none where it is 0): "167.5 leads at EUR 210 each" is the EUR 35,175
    that "167" put at EUR 35,070. The branch is the rounded value's: 0.9999997 orders is "1", not "1.00"."""
    shown = round(value, 2)
    if shown >= 100:
        return f"{value:,.1f}".removesuffix(".0")
    if shown >= 1:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.2f}"


def _one_of(count: str, label: str) -> str:
    """A counted metric's name as a count of it reads: "1 customer", "3 customers", "0.5 customers"."""
    return singular(label) if count == "1" else label


def _scope_label(row: dict, dims: tuple[str, ...]) -> str:
    parts = [str(row[d]) for d in dims if row[d] is not None]
    if dims and not parts:
        # The untagged rest of a level (visits without a channel): say so rather than "all data".
        return f"(no {dims[-1]})"
    return " / ".join(parts) or "all data"


def _period_label(value: dt.date | None, period: str | None) -> str:
    if value is None or period is None:
        return "n/a"
    if period == "month":
        return value.strftime("%Y-%m")
    if period == "quarter":
        return f"{value.year}-Q{(value.month - 1) // 3 + 1}"
    if period == "week":
        return f"week of {value.isoformat()}"
    if period == ROLLING_WEEK:
        return f"the 7 days from {value.isoformat()}"
    return value.isoformat()


def _times(value: float | None) -> str:
    """A rate ratio as a factor: x0.62; no upper end where the early count was zero."""
    if value is None:
        return "unbounded"
    return "x" + format_value(value, "number")


def _wilson(successes: pl.Expr, trials: pl.Expr, z: pl.Expr | float, keep: Keep = inline) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson score interval of the share successes / trials."""
    rate = successes / trials
    centre = keep("centre", (rate + z * z / (2 * trials)) / (1 + z * z / trials))
    half = keep("half", z * ((rate * (1 - rate) / trials + z * z / (4 * trials * trials)).clip(lower_bound=0)).sqrt() / (1 + z * z / trials))
    return (centre - half).clip(lower_bound=0), (centre + half).clip(upper_bound=1)


def _sibling_window(successes: pl.Expr, trials: pl.Expr, peers: PeerContext, confidence: float) -> tuple[tuple[pl.Expr, ...], pl.Expr]:
    """A rate_ratio test against siblings: the early counts are the scope's siblings pooled (its
    group less itself), the late ones the scope's own. Also the best sibling: the one whose rate
    is surely highest (the highest lower end of its Poisson score interval, so two lucky orders
    on a small budget do not make a sibling the best)."""
    none = pl.lit(None, dtype=pl.Float64)
    if peers.member is None:
        return (none, none, none, none), pl.lit(None, dtype=pl.String)
    member = pl.col(peers.member).is_not_null()
    valid = member & successes.is_not_null() & trials.is_not_null() & (trials.cast(pl.Float64) > 0)
    k = pl.when(valid).then(successes.cast(pl.Float64))
    e = pl.when(valid).then(trials.cast(pl.Float64))

    def group(value: pl.Expr) -> pl.Expr:
        return value.over(list(peers.group)) if peers.group else value

    k1, e1 = group(k.sum()) - k, group(e.sum()) - e
    usable = valid & (group(valid.sum()) >= 2)
    z = _z(confidence)
    surely = (k + z * z / 2 - z * (k + z * z / 4).sqrt()) / e
    best = group(pl.col(peers.member).cast(pl.String).sort_by(surely.fill_null(-1.0), descending=True).first())
    window = tuple(pl.when(usable).then(value) for value in (k1, e1, k, e))
    return window, pl.when(usable).then(best)


def _inline_lets(spec: RuleSpec) -> frozenset[str]:
    """The number lets that stay formulas rather than columns of the level: those a trend
    function reads (a trend works them out on period rows) and the ones they read, and the
    constants (params and literals only), which a function may need as a single number (the
    quantile of ``peer_quantile``)."""
    constant: set[str] = set()
    for name, parsed in spec.lets:  # in order: a let reads only the lets before it
        if not parsed.functions & (PEER_FUNCTIONS | TREND_FUNCTIONS) and all(
                n in spec.rule.params or n in constant for n in parsed.names):
            constant.add(name)
    return _read_by_trends(spec) | constant


def _read_by_trends(spec: RuleSpec) -> frozenset[str]:
    """The let values a trend function reads, and the ones those read: a trend works them out
    on the level's period rows, so they stay formulas rather than columns of the level."""
    lets = dict(spec.lets)
    parts = [spec.condition, *lets.values(), *([spec.impact] if spec.impact is not None else []), *(spec.chance or ())]
    found: set[str] = set()
    todo = [node.name for part in parts for call in calls(part.root, TREND_FUNCTIONS) for node in expr.walk(call)
            if isinstance(node, expr.Name) and node.name in lets]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += [node.name for node in expr.walk(lets[name].root) if isinstance(node, expr.Name) and node.name in lets]
    return frozenset(found)


def _family_tested(spec: RuleSpec) -> bool:
    """A rule comparing each scope with its own past: every scope of the level is one more test."""
    chance = spec.rule.chance
    return spec.chance is not None and chance.test == "rate_ratio" and chance.compare in ("trend", "latest")


def _z(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 at 95%). A level a hair under 1
    (0.9999999999999999, which the params' check lets through) puts the quantile's probability at
    1.0 in floats: it is held at the largest float under 1 (z 8.2)."""
    return NormalDist().inv_cdf(min(1 - (1 - confidence) / 2, math.nextafter(1.0, 0.0)))


def _ratio_interval(k1: pl.Expr, e1: pl.Expr, k2: pl.Expr, e2: pl.Expr, z: pl.Expr | float, keep: Keep = inline) -> tuple[pl.Expr, pl.Expr]:
    """The confidence interval of the ratio of two Poisson rates, (k2 / e2) / (k1 / e1), with
    both counts measured (neither period is taken as exact).

    Given k1 + k2 events, k2 is binomial with p = r e2 / (e1 + r e2) where r is the rate ratio;
    the Wilson interval of p maps to r = p / (1 - p) * e1 / e2. No upper end (null) where p's
    upper end is 1 (no early event). ``z``: the normal quantile of the confidence, or its column;
    ``keep``: where the parts read more than once become columns (:meth:`_Columns.keep`)."""
    events = keep("events", k1 + k2)
    low, high = (keep(name, end) for name, end in zip(("p_low", "p_high"), _wilson(k2, events, z, keep)))
    scale = e1 / e2
    usable = (events > 0) & (e1 > 0) & (e2 > 0)
    return (pl.when(usable).then(low / (1 - low) * scale),
            pl.when(usable & (high < 1)).then(high / (1 - high) * scale))


def _interval(test: str, successes: pl.Expr, trials: pl.Expr, confidence: float, keep: Keep = inline) -> tuple[pl.Expr, pl.Expr]:
    """Low and high end of the rate's confidence interval.

    binomial: the Wilson score interval of successes out of trials; poisson: the score interval
    of a count per unit of exposure, (k + z^2/2 +- z sqrt(k + z^2/4)) / exposure. Both hold up on
    small counts, where a normal approximation says a rate from 2 clicks is known."""
    z = _z(confidence)
    if test == "binomial":
        low, high = _wilson(successes, trials, z, keep)
    else:
        spread = keep("spread", z * (successes + z * z / 4).clip(lower_bound=0).sqrt())
        low = ((successes + z * z / 2 - spread) / trials).clip(lower_bound=0)
        high = (successes + z * z / 2 + spread) / trials
    return low, high

"""Functions only rule conditions may call, on top of the formula functions.

* Peers compare a scope with its siblings in the client's own data: a campaign
  with the other campaigns of its channel, a channel with the other channels.
  They compile to window expressions over the scope table.
* Trends look at a scope period by period on dated data. Each call compiles to
  one aggregation over the scope's periods; the evaluator computes all of a
  level's aggregations in one ``group_by`` and joins them onto the scope table,
  so a trend is a column like any metric by the time the condition runs.
* ``one_of`` tests a text value (a channel name) against a list.

Peer and trend calls cannot be nested in one another (a trend of a peer
statistic has no meaning here); :func:`nesting_problem` says so at load time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import polars as pl

from .chance import poisson_expr
from .expr import FUNCTIONS, Call, Expr, ExprError, FunctionSpec, Name, Node, walk

PEER_FUNCTIONS = frozenset({"peer_quantile", "peer_median", "peer_count", "peer_share", "peer_rest"})
TREND_FUNCTIONS = frozenset(
    {"periods", "first_period", "last_period", "previous_period", "prior_mean", "change", "rise", "fall", "slope", "rising_share", "falling_share"}
)


def _number(value: pl.Expr) -> pl.Expr:
    return value.cast(pl.Float64)


# --- trends ------------------------------------------------------------------------


def trend_aggregation(kind: str, value: pl.Expr) -> pl.Expr:
    """The aggregation behind a trend function, over one scope's periods in time order."""
    series = _number(value).drop_nulls()
    first, last = series.first(), series.last()
    steps = series.diff().drop_nulls()
    if kind == "periods":
        return series.len().cast(pl.Float64)
    if kind == "first_period":
        return first
    if kind == "last_period":
        return last
    if kind == "previous_period":
        return pl.when(series.len() >= 2).then(series.tail(2).first())
    if kind == "prior_mean":
        # The baseline a sudden change in the last period is judged against: the periods before it.
        return pl.when(series.len() >= 2).then((series.sum() - last) / (series.len() - 1))
    if kind == "change":
        return pl.when(first != 0).then(last / first - 1)
    if kind in ("rise", "fall"):
        # Judged on the last two periods, so one noisy period at the end moves nothing.
        held = series.tail(2).min() / first - 1 if kind == "rise" else 1 - series.tail(2).max() / first
        return pl.when((series.len() >= 3) & (first != 0)).then(held)
    if kind in ("rising_share", "falling_share"):
        moved = (steps > 0) if kind == "rising_share" else (steps < 0)
        return pl.when(steps.len() > 0).then(moved.sum().cast(pl.Float64) / steps.len())
    if kind == "slope":
        # Least-squares slope per period, relative to the mean level: +0.1 is +10% a period.
        index = series.cum_count().cast(pl.Float64)
        mean = series.mean()
        return pl.when((series.len() >= 2) & (mean != 0)).then(pl.cov(index, series) / index.var() / mean.abs())
    raise ValueError(f"not a trend function: {kind}")


def rate_windows(compare: str, k: pl.Expr, e: pl.Expr) -> list[pl.Expr]:
    """Successes ``k`` and trials ``e`` summed over the early and the late periods of one scope,
    from the periods that have both (each null where a period lacks either or has no trials, see
    :meth:`TrendCollector.window`): ``trend`` takes the first period against the last two (where
    a rise or fall has held, as rise() and fall() read it; the last one alone with two periods);
    ``latest`` the periods before the last against the last."""
    k, e = k.drop_nulls(), e.drop_nulls()
    enough = k.len() >= 2
    if compare == "trend":
        def early(series: pl.Expr) -> pl.Expr:
            return pl.when(enough).then(series.first())

        def late(series: pl.Expr) -> pl.Expr:
            return pl.when(series.len() >= 3).then(series.tail(2).sum()).when(enough).then(series.last())
    else:
        def early(series: pl.Expr) -> pl.Expr:
            return pl.when(enough).then(series.sum() - series.last())

        def late(series: pl.Expr) -> pl.Expr:
            return pl.when(enough).then(series.last())
    return [early(k), early(e), late(k), late(e)]


@dataclass
class TrendCollector:
    """Trend calls met while compiling one level's rules for one period."""

    period: str
    # Each value a trend reads, worked out per period row before the group-by: the aggregations
    # then read plain columns (a value the data lacks is a null literal, and polars before 1.34
    # panics on a constant inside a group's aggregation), and a value read by several trend
    # functions is worked out once.
    inputs: list[tuple[str, pl.Expr]] = field(default_factory=list)
    aggregations: list[tuple[str, pl.Expr]] = field(default_factory=list)

    def add(self, kind: str, value: pl.Expr) -> pl.Expr:
        return self.add_aggregation(trend_aggregation(kind, self._input(value)))

    def window(self, compare: str, successes: pl.Expr, trials: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
        """Early and late successes and trials of a rate_ratio chance test, as columns."""
        # Which periods count is decided per period row, before the group-by: the aggregations
        # then read two plain columns (inlined, each window repeated the test; ~1,200 characters).
        valid = successes.is_not_null() & trials.is_not_null() & (_number(trials) > 0)
        windows = rate_windows(compare, self._input(pl.when(valid).then(_number(successes))), self._input(pl.when(valid).then(_number(trials))))
        return tuple(self.add_aggregation(a) for a in windows)  # type: ignore[return-value]

    def _input(self, value: pl.Expr) -> pl.Expr:
        return _column_for(self.inputs, f"__trend_{self.period}_in_", _number(value))

    def add_aggregation(self, aggregation: pl.Expr) -> pl.Expr:
        return _column_for(self.aggregations, f"__trend_{self.period}_", aggregation)


def _column_for(named: list[tuple[str, pl.Expr]], prefix: str, expression: pl.Expr) -> pl.Expr:
    """The column that holds ``expression``: the one already named for it, or a new one."""
    if hasattr(expression, "otherwise"):
        # A when/then without otherwise builds its polars expression again on every read; the
        # comparisons below read each one many times (~2,000 rebuilds on a first evaluate).
        expression = expression.otherwise(None)
    for name, seen in named:
        if seen.meta.eq(expression):
            return pl.col(name)
    name = f"{prefix}{len(named)}"
    named.append((name, expression))
    return pl.col(name)


def _trend_spec(kind: str, doc: str, collector: TrendCollector | None) -> FunctionSpec:
    def compile_(args: list[pl.Expr]) -> pl.Expr:
        if collector is None:
            raise ExprError(f"{kind}() needs dated data and can only be used in a rule condition")
        return collector.add(kind, args[0])

    return FunctionSpec(kind, 1, 1, compile_, doc=doc, arg_types=("number",))


# --- peers -------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerContext:
    """Who a scope's peers are on its level: the dims they share and the dim that tells them apart."""

    group: tuple[str, ...]  # dims siblings share (a campaign's channel); () for all rows
    member: str | None  # the dim that tells siblings apart; None at the total level


def _over(value: pl.Expr, context: PeerContext) -> pl.Expr:
    return value.over(list(context.group)) if context.group else value


def _peer_spec(kind: str, min_args: int, max_args: int, doc: str, context: PeerContext | None) -> FunctionSpec:
    def compile_(args: list[pl.Expr]) -> pl.Expr:
        if context is None:
            raise ExprError(f"{kind}() can only be used in a rule condition")
        value = _number(args[0])
        if context.member is None:
            # The whole data set has no siblings: a share is all of it, the rest is undefined.
            return pl.lit(1.0) if kind in ("peer_share", "peer_count") else pl.lit(None, dtype=pl.Float64)
        is_member = pl.col(context.member).is_not_null()
        if kind == "peer_share":
            # Rows without the member dim (untagged traffic) count in the whole they are a share of.
            # Anchored to a column: a metric the data lacks is a constant, which polars before 1.3x
            # refuses to sum over a window ("cannot aggregate a literal").
            every_row = pl.when(is_member.is_not_null()).then(value)
            total = _over(every_row.sum(), context)
            return pl.when(total != 0).then(value / total)
        sibling = pl.when(is_member).then(value)
        if kind == "peer_rest":
            # The scope's siblings together, less the scope: the others' orders, the others' spend.
            return pl.when(is_member).then(_over(sibling.sum(), context) - value)
        if kind == "peer_quantile":
            statistic = sibling.quantile(_number(args[1]), interpolation="linear")
        elif kind == "peer_median":
            statistic = sibling.median()
        else:  # peer_count
            statistic = sibling.count().cast(pl.Float64)
        return pl.when(is_member).then(_over(statistic, context))

    return FunctionSpec(kind, min_args, max_args, compile_, doc=doc, arg_types=("number",))


# --- text ---------------------------------------------------------------------------


def _one_of(args: list[pl.Expr]) -> pl.Expr:
    def text(value: pl.Expr) -> pl.Expr:
        return value.cast(pl.String).str.strip_chars().str.to_lowercase()

    value = text(args[0])
    return pl.any_horizontal([value == text(option) for option in args[1:]])


# --- chance ---------------------------------------------------------------------------


def _chance(kind: str, args: list[pl.Expr]) -> pl.Expr:
    return poisson_expr("below" if kind == "poisson_below" else "above", args[0], args[1])


CHANCE_DOCS = {
    "poisson_below": "poisson_below(k, mu): the chance of k or fewer events where mu were expected (Poisson): a drop to k is beyond chance when this is small, e.g. under 1%.",
    "poisson_above": "poisson_above(k, mu): the chance of k or more events where mu were expected (Poisson).",
}


# --- the set -------------------------------------------------------------------------

TREND_DOCS = {
    "periods": "periods(x): number of periods in which x has a value.",
    "first_period": "first_period(x): x in the first period that has it.",
    "last_period": "last_period(x): x in the last period that has it.",
    "previous_period": "previous_period(x): x in the period before the last one (needs 2 periods).",
    "prior_mean": "prior_mean(x): the mean of x over the periods before the last one: the baseline for a sudden change (needs 2 periods).",
    "change": "change(x): last period against the first, as a share: 0.25 is +25%.",
    "rise": "rise(x): how far x rose above its first period and stayed there: the lower of the last two periods against the first (0.2 is +20%; needs 3 periods).",
    "fall": "fall(x): how far x fell under its first period and stayed there: the higher of the last two periods against the first (0.2 is -20%; needs 3 periods).",
    "slope": "slope(x): least-squares change per period relative to the mean of x: 0.1 is +10% a period.",
    "rising_share": "rising_share(x): share of period-over-period steps in which x rose.",
    "falling_share": "falling_share(x): share of period-over-period steps in which x fell.",
}
PEER_DOCS = {
    "peer_quantile": ("peer_quantile(x, q): the q-quantile of x over the scope's siblings (0.75: where the worst quarter of a lower-is-better metric starts).", 2, 2),
    "peer_median": ("peer_median(x): the median of x over the scope's siblings.", 1, 1),
    "peer_count": ("peer_count(x): how many siblings (the scope included) have a value of x.", 1, 1),
    "peer_share": ("peer_share(x): the scope's share of x summed over its siblings (untagged rows included).", 1, 1),
    "peer_rest": ("peer_rest(x): x summed over the scope's siblings, less the scope itself (the other campaigns' orders).", 1, 1),
}


def rule_functions(peers: PeerContext | None = None, trends: TrendCollector | None = None) -> dict[str, FunctionSpec]:
    """Formula functions plus the rule-only ones, bound to a level's peers and a rule's trend
    collector. Without them the set serves parse-time checks only."""
    collector = trends
    specs = dict(FUNCTIONS)
    for kind, doc in TREND_DOCS.items():
        specs[kind] = _trend_spec(kind, doc, collector)
    for kind, (doc, low, high) in PEER_DOCS.items():
        specs[kind] = _peer_spec(kind, low, high, doc, peers)
    for kind, doc in CHANCE_DOCS.items():
        specs[kind] = FunctionSpec(kind, 2, 2, functools.partial(_chance, kind), doc=doc, arg_types=("number", "number"))
    specs["one_of"] = FunctionSpec(
        "one_of", 2, None, _one_of, returns="bool",
        doc="one_of(x, 'a', 'b', ...): true where the text x is one of the options (case and surrounding spaces ignored).",
    )
    return specs


RULE_FUNCTIONS: dict[str, FunctionSpec] = rule_functions()


def calls(root: Node, kinds: frozenset[str]) -> list[Call]:
    return [node for node in walk(root) if isinstance(node, Call) and node.name in kinds]


def nesting_problem(parsed: Expr, lets_with: dict[str, set[str]]) -> str | None:
    """Why an expression nests peer and trend calls, or None. ``lets_with`` maps a let name
    to the kinds of call its formula holds ("peer", "trend")."""
    special = PEER_FUNCTIONS | TREND_FUNCTIONS
    if parsed.functions.isdisjoint(special):  # nothing to nest in: no walk (most formulas)
        return None
    for call in calls(parsed.root, special):
        for node in walk(call):
            if node is call:
                continue
            if isinstance(node, Call) and node.name in special:
                return f"{call.name}() cannot contain {node.name}()"
            if isinstance(node, Name) and lets_with.get(node.name):
                kinds = " and ".join(sorted(lets_with[node.name]))
                return f"{call.name}() cannot contain '{node.name}', which uses {kinds} functions"
    return None


def kinds_used(parsed: Expr, lets_with: dict[str, set[str]]) -> set[str]:
    """"peer" and/or "trend", for the calls in an expression and the lets it names (read from the
    names and functions the parse collected, not by walking the tree again)."""
    found = set()
    if not parsed.functions.isdisjoint(PEER_FUNCTIONS):
        found.add("peer")
    if not parsed.functions.isdisjoint(TREND_FUNCTIONS):
        found.add("trend")
    for name in parsed.names & lets_with.keys():
        found |= lets_with[name]
    return found

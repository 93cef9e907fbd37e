"""The attainable target a finding's gap is valued against (docs/rules.md, "Money at stake").

A rule fires against a threshold: a published benchmark, a practice default, a share of the
siblings' median. Valuing the whole gap to it assumes the scope can get there; a CTR of 0.02%
valued at a 0.9% benchmark is a 45-fold jump nobody would sign. So the money is computed
against the nearer of

- the threshold, and
- the account's own better peers: the best quartile of the scope's siblings (campaigns of the
  same channel and account, segments of the same channel), the upper quartile where higher is
  better and the lower where lower is better, when at least ``MIN_PEERS`` siblings have a value.
  A scope already at or beyond that quartile has no better peers to show a gain is reachable: its
  target is today's value, so no money is claimed for it (where its siblings all fail alike, the
  best of them is not valued at the whole gap while the others are valued at the small one);

either way at most ``MAX_STEP`` times (or a ``MAX_STEP``-th of) today's value: never a many-fold
jump. All of it is polars window expressions over the level's frame: no loop per row.

Thresholds that are facts rather than aims keep their value: the client's own economics
(break-even ROAS, what a customer is worth) and the scope's own history (its first period's
CTR, which it has already reached once).
"""

from __future__ import annotations

from typing import Callable

import polars as pl

from ..language.functions import TREND_FUNCTIONS, PeerContext
from ..language.rulespec import RuleSpec
from .economics import ECONOMIC_PARAMS

MIN_PEERS = 4  # siblings with a value, the scope included: fewer make no quartile
MAX_STEP = 2.0  # a target at most twice (or half) today's value
# How the target was found, in the ``how`` column.
THRESHOLD, PEERS, THRESHOLD_NEARER, CAPPED, PEERS_CAPPED, AT_PEERS = 0, 1, 2, 3, 4, 5


# Makes a part of a formula that is read more than once a column of its own (named ``name``) and
# returns what reads it; ``inline`` leaves it in the formula.
Keep = Callable[[str, pl.Expr], pl.Expr]


def inline(name: str, value: pl.Expr) -> pl.Expr:
    return value


def targets(spec: RuleSpec) -> list[tuple[str, str]]:
    """(value, threshold) name pairs of a rule whose threshold its impact formula reads, and that
    is an aim (a benchmark, a default, a peer figure), not the client's economics or the scope's past."""
    if spec.impact is None:
        return []
    reads = set(spec.impact.names)
    historic: set[str] = set()
    for name, parsed in spec.lets:  # in order: a let reading a historic let is historic too
        if set(parsed.functions) & TREND_FUNCTIONS or set(parsed.names) & historic:
            historic.add(name)
    return [(value, threshold) for value, threshold in spec.rule.thresholds.items()
            if threshold in reads and threshold not in ECONOMIC_PARAMS and threshold not in historic and value != threshold]


def attainable(current: pl.Expr | float, threshold: pl.Expr | float, peers: PeerContext) -> dict[str, pl.Expr]:
    """Expressions for the target and how it was found (``how``), the siblings' best quartile
    (``peer``) and how many siblings have a value (``peers``)."""
    found = sibling_quartile(current, threshold, peers)
    return {**attainable_target(current, threshold, found["peer"], found["peers"]), **found}


def _floats(*values: pl.Expr | float) -> tuple[pl.Expr, ...]:
    return tuple((value if isinstance(value, pl.Expr) else pl.lit(value)).cast(pl.Float64) for value in values)


def sibling_quartile(current: pl.Expr | float, threshold: pl.Expr | float, peers: PeerContext) -> dict[str, pl.Expr]:
    """The siblings' better quartile (``peer``) and how many siblings have a value (``peers``):
    the window half of :func:`attainable`, to be made a column before the target reads it."""
    current, threshold = _floats(current, threshold)
    raise_it = current < threshold  # higher is better here; the other way round, lower is
    if peers.member is None:
        quartile_high = quartile_low = count = pl.lit(None, dtype=pl.Float64)
    else:
        sibling = pl.when(pl.col(peers.member).is_not_null()).then(current)
        over = (lambda e: e.over(list(peers.group))) if peers.group else (lambda e: e)
        quartile_high = over(sibling.quantile(0.75, interpolation="linear"))
        quartile_low = over(sibling.quantile(0.25, interpolation="linear"))
        count = over(sibling.count()).cast(pl.Float64)
    return {"peer": pl.when(raise_it).then(quartile_high).otherwise(quartile_low), "peers": count}


def attainable_target(current: pl.Expr | float, threshold: pl.Expr | float, peer: pl.Expr, count: pl.Expr,
                      keep: Keep = inline) -> dict[str, pl.Expr]:
    """The target and how it was found, from today's value, the threshold, the siblings' better
    quartile and their count (row by row: no window, so these may all be columns)."""
    current, threshold = _floats(current, threshold)
    raise_it = keep("raise", current < threshold)
    peered = (count >= MIN_PEERS).fill_null(False)
    enough = keep("enough", (peered & pl.when(raise_it).then(peer > current).otherwise(peer < current)).fill_null(False))
    at_peers = keep("at_peers", peered & ~enough)  # already as good as the siblings' better quartile
    nearer = keep("nearer", pl.when(raise_it).then(pl.min_horizontal(threshold, peer)).otherwise(pl.max_horizontal(threshold, peer)))
    capped = keep("capped", pl.when(raise_it).then(pl.min_horizontal(threshold, current * MAX_STEP)).otherwise(
        pl.max_horizontal(threshold, current / MAX_STEP)))
    # Peers show a level is reachable, not that this scope gets there in one step: a better
    # quartile far from today is held to the same step (a scope at zero has no step to scale).
    step = keep("step", pl.when(current <= 0).then(nearer).when(raise_it).then(pl.min_horizontal(nearer, current * MAX_STEP)).otherwise(
        pl.max_horizontal(nearer, current / MAX_STEP)))
    gap = keep("gap", (current != threshold).fill_null(False))
    target = pl.when(~gap).then(threshold).when(enough).then(step).when(at_peers).then(current).otherwise(capped)
    how = (pl.when(~gap).then(pl.lit(THRESHOLD))
           .when(at_peers).then(pl.lit(AT_PEERS))
           .when(enough & (step != nearer)).then(pl.lit(PEERS_CAPPED))
           .when(enough & (nearer != threshold)).then(pl.lit(PEERS))
           .when(enough).then(pl.lit(THRESHOLD_NEARER))
           .when(capped != threshold).then(pl.lit(CAPPED))
           .otherwise(pl.lit(THRESHOLD)))
    return {"target": target, "how": how.cast(pl.Float64)}

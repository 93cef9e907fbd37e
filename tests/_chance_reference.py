"""Chance on counts: how likely a count this low is when nothing changed.

``poisson_below(k, mu)`` is P(X <= k) for X ~ Poisson(mu): the chance of seeing k or fewer
events where mu were expected. A rule fires on a drop only when that chance is small (a last
month with 60 orders where 72 were expected is within chance; 8 is not). The Poisson tail is
the conservative stand-in for a binomial on a rate (orders out of visits): its variance is
never smaller, so it never calls a drop significant that the binomial would not.

Computed exactly through the regularized incomplete gamma function (P(X <= k) = Q(k + 1, mu)),
in plain Python over the few scope rows a rule sees; no SciPy needed.
"""

from __future__ import annotations

import math

import polars as pl

_EPS = 1e-15
_TINY = 1e-300


def _lower_series(a: float, x: float) -> float:
    """P(a, x), the regularized lower incomplete gamma, by its series (x < a + 1)."""
    term = total = 1.0 / a
    n = a
    for _ in range(100000):
        n += 1.0
        term *= x / n
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x), the regularized upper incomplete gamma, by its continued fraction (x >= a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def poisson_cdf(k: float, mu: float) -> float | None:
    """P(X <= k) for X ~ Poisson(mu); None where it has no meaning (negative or missing input)."""
    if k is None or mu is None or not math.isfinite(k) or not math.isfinite(mu) or k < 0 or mu < 0:
        return None
    k = math.floor(k)
    if mu == 0:
        return 1.0
    a = k + 1.0
    if mu < a + 1.0:
        return min(1.0, max(0.0, 1.0 - _lower_series(a, mu)))
    return min(1.0, max(0.0, _upper_fraction(a, mu)))


def poisson_above(k: float, mu: float) -> float | None:
    """P(X >= k) for X ~ Poisson(mu)."""
    if k is None or mu is None or not math.isfinite(k) or k < 0:
        return None
    k = math.ceil(k)
    if k == 0:
        return 1.0
    below = poisson_cdf(k - 1, mu)
    return None if below is None else max(0.0, 1.0 - below)


def _batch(function):
    def run(columns: pl.Series) -> pl.Series:
        out = []
        for row in columns.to_list():
            k, mu = row["k"], row["mu"]
            out.append(None if k is None or mu is None else function(float(k), float(mu)))
        return pl.Series(out, dtype=pl.Float64)

    return run


def poisson_expr(kind: str, k: pl.Expr, mu: pl.Expr) -> pl.Expr:
    """The chance column: ``below`` is P(X <= k), ``above`` P(X >= k), X ~ Poisson(mu)."""
    function = poisson_cdf if kind == "below" else poisson_above
    struct = pl.struct(k.cast(pl.Float64).alias("k"), mu.cast(pl.Float64).alias("mu"))
    return struct.map_batches(_batch(function), return_dtype=pl.Float64)

"""Chance on counts: how likely a count this low is when nothing changed.

``poisson_below(k, mu)`` is P(X <= k) for X ~ Poisson(mu): the chance of seeing k or fewer
events where mu were expected. A rule fires on a drop only when that chance is small (a last
month with 60 orders where 72 were expected is within chance; 8 is not). The Poisson tail is
the conservative stand-in for a binomial on a rate (orders out of visits): its variance is
never smaller, so it never calls a drop significant that the binomial would not.

Computed exactly through the regularized incomplete gamma function (P(X <= k) = Q(k + 1, mu)):
its series or its continued fraction, run on whole columns at once (numpy arrays, each step over
every scope still converging), never a Python loop per scope; no SciPy needed.
"""

from __future__ import annotations

import math

import polars as pl

_EPS = 1e-15
_TINY = 1e-300
_MAX_STEPS = 100000
# ln Gamma(a) for the small whole a where Stirling's series is not yet exact to a double.
_SMALL = 20
_LGAMMA_SMALL = [math.lgamma(a) if a else 0.0 for a in range(_SMALL)]


def _lgamma(a):
    """ln Gamma(a) for whole a >= 1 (numpy array): a table below 20, Stirling's series above
    (its first omitted term is under 1e-17 there)."""
    import numpy as np

    out = np.empty_like(a)
    small = a < _SMALL
    out[small] = np.asarray(_LGAMMA_SMALL)[a[small].astype(np.int64)]
    big = a[~small]
    inv = 1.0 / big
    inv2 = inv * inv
    series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))
    out[~small] = (big - 0.5) * np.log(big) - big + 0.5 * math.log(2 * math.pi) + series
    return out


def _lower_series(a, x):
    """P(a, x), the regularized lower incomplete gamma, by its series (x < a + 1); numpy arrays."""
    import numpy as np

    term = 1.0 / a
    total = term.copy()
    n = a.copy()
    active = np.arange(a.size)
    for _ in range(_MAX_STEPS):
        if active.size == 0:
            break
        n[active] += 1.0
        term[active] *= x[active] / n[active]
        total[active] += term[active]
        active = active[np.abs(term[active]) >= np.abs(total[active]) * _EPS]
    return total * np.exp(-x + a * np.log(x) - _lgamma(a))


def _upper_fraction(a, x):
    """Q(a, x), the regularized upper incomplete gamma, by its continued fraction (x >= a + 1,
    modified Lentz); numpy arrays."""
    import numpy as np

    b = x + 1.0 - a
    c = np.full_like(a, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    active = np.arange(a.size)
    for i in range(1, _MAX_STEPS):
        if active.size == 0:
            break
        aa = a[active]
        an = -i * (i - aa)
        bb = b[active] + 2.0
        b[active] = bb
        dd = an * d[active] + bb
        dd = np.where(np.abs(dd) < _TINY, _TINY, dd)
        cc = bb + an / c[active]
        cc = np.where(np.abs(cc) < _TINY, _TINY, cc)
        dd = 1.0 / dd
        step = dd * cc
        d[active], c[active] = dd, cc
        h[active] *= step
        active = active[np.abs(step - 1.0) >= _EPS]
    return np.exp(-x + a * np.log(x) - _lgamma(a)) * h


def poisson_cdf_array(k, mu):
    """P(X <= k) for X ~ Poisson(mu), element by element over float arrays; NaN where it has
    no meaning (negative, missing or infinite input)."""
    import numpy as np

    k = np.asarray(k, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    out = np.full(k.shape, np.nan)
    valid = np.isfinite(k) & np.isfinite(mu) & (k >= 0) & (mu >= 0)
    out[valid & (mu == 0)] = 1.0
    rest = valid & (mu > 0)
    a = np.floor(k[rest]) + 1.0
    x = mu[rest]
    value = np.empty_like(a)
    near = x < a + 1.0
    if near.any():
        value[near] = 1.0 - _lower_series(a[near], x[near])
    if (~near).any():
        value[~near] = _upper_fraction(a[~near], x[~near])
    out[rest] = np.clip(value, 0.0, 1.0)
    return out


def poisson_above_array(k, mu):
    """P(X >= k) for X ~ Poisson(mu), element by element; NaN where it has no meaning."""
    import numpy as np

    k = np.asarray(k, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    k = np.where(np.isfinite(k) & (k >= 0), np.ceil(k), np.nan)
    out = np.maximum(0.0, 1.0 - poisson_cdf_array(k - 1, mu))
    out[k == 0] = 1.0
    return out


def _scalar(function, k, mu) -> float | None:
    if k is None or mu is None:
        return None
    value = float(function([float(k)], [float(mu)])[0])
    return None if math.isnan(value) else value


def poisson_cdf(k: float, mu: float) -> float | None:
    """P(X <= k) for X ~ Poisson(mu); None where it has no meaning (negative or missing input)."""
    return _scalar(poisson_cdf_array, k, mu)


def poisson_above(k: float, mu: float) -> float | None:
    """P(X >= k) for X ~ Poisson(mu)."""
    return _scalar(poisson_above_array, k, mu)


def _batch(function):
    def run(columns: pl.Series) -> pl.Series:
        import numpy as np

        k, mu = columns.struct.field("k"), columns.struct.field("mu")
        missing = (k.is_null() | mu.is_null()).to_numpy()
        out = function(k.to_numpy(), mu.to_numpy())  # nulls arrive as NaN
        return pl.Series(np.where(missing, np.nan, out), dtype=pl.Float64, nan_to_null=True)

    return run


def poisson_expr(kind: str, k: pl.Expr, mu: pl.Expr) -> pl.Expr:
    """The chance column: ``below`` is P(X <= k), ``above`` P(X >= k), X ~ Poisson(mu)."""
    function = poisson_cdf_array if kind == "below" else poisson_above_array
    struct = pl.struct(k.cast(pl.Float64).alias("k"), mu.cast(pl.Float64).alias("mu"))
    return struct.map_batches(_batch(function), return_dtype=pl.Float64)

"""Chance on counts: how likely a count this low is when nothing changed.

``poisson_below(k, mu)`` is P(X <= k) for X ~ Poisson(mu): the chance of seeing k or fewer
events where mu were expected. A rule fires on a drop only when that chance is small (a last
month with 60 orders where 72 were expected is within chance; 8 is not). The Poisson tail is
the conservative stand-in for a binomial on a rate (orders out of visits): its variance is
never smaller, so it never calls a drop significant that the binomial would not.

Computed exactly through the regularized incomplete gamma function (P(X <= k) = Q(k + 1, mu)):
its series or its continued fraction; no SciPy needed. Three equal implementations (to ~1e-15):
each value on its own in Python floats, for a short column (a client's channels, an agency's
accounts) or wherever that costs less than loading numpy; numpy arrays (each step over the
values still converging, the last few finished value by value) where numpy is loaded already or
the column is long enough, or its counts large enough, to repay loading it; polars Series steps
(each step over every scope, never a Python loop per scope) for such a column where numpy is
not installed.
"""

from __future__ import annotations

import math
import operator
import sys

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
    out[~small] = _stirling(a[~small], np.log)
    return out


def _stirling(big, log):
    """ln Gamma(big) by Stirling's series, for big >= 20 (a float, numpy array or Series, with
    ``log`` for it): one form for the three implementations."""
    inv = 1.0 / big
    inv2 = inv * inv
    series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))
    return (big - 0.5) * log(big) - big + 0.5 * math.log(2 * math.pi) + series


# Once this few values are still stepping, each is finished on its own in Python floats (from its
# first step: the per-value path's very numbers): a numpy step costs ~15 us however few values it
# steps, and a count in the millions near its expectation takes thousands of steps (612 channels
# with orders in the millions: 31 ms on arrays to the end, 7 ms so).
STRAGGLERS = 16


def _lower_series(a, x):
    """P(a, x), the regularized lower incomplete gamma, by its series (x < a + 1); numpy arrays."""
    import numpy as np

    term = 1.0 / a
    total = term.copy()
    n = a.copy()
    active = np.arange(a.size)
    for _ in range(_MAX_STEPS):
        if active.size <= STRAGGLERS:
            for i in active.tolist():
                total[i] = _lower_steps(float(a[i]), float(x[i]), operator.not_)
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
        if active.size <= STRAGGLERS:
            for j in active.tolist():
                h[j] = _upper_steps(float(a[j]), float(x[j]), operator.not_, _value_not_tiny)
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


def _series_lgamma(a: pl.Series) -> pl.Series:
    """ln Gamma(a) for whole a >= 1: a table below 20, Stirling's series above (its first
    omitted term is under 1e-17 there)."""
    small = a < _SMALL
    table = pl.Series(_LGAMMA_SMALL, dtype=pl.Float64).gather(a.clip(upper_bound=_SMALL - 1).cast(pl.Int64))
    return table.zip_with(small, _stirling(a.clip(lower_bound=_SMALL), pl.Series.log))


def _series_prefactor(a: pl.Series, x: pl.Series) -> pl.Series:
    return (-x + a * x.log() - _series_lgamma(a)).exp()


def _lower_steps(a, x, none_left):
    """The sum of the series of P(a, x), the regularized lower incomplete gamma (x < a + 1), on
    Series or on floats alike: one order of steps for both. Every value steps until the slowest
    has converged (``none_left`` of the values still gaining): a converged sum only gains terms
    below 1e-15 of it."""
    term = 1.0 / a
    total = term
    n = a
    for _ in range(_MAX_STEPS):
        n = n + 1.0
        term = term * x / n
        total = total + term
        if none_left(abs(term) >= abs(total) * _EPS):
            break
    return total


def _upper_steps(a, x, none_left, not_tiny):
    """The continued fraction of Q(a, x), the regularized upper incomplete gamma (x >= a + 1,
    modified Lentz), on Series or on floats alike. Every value steps until the slowest has
    converged (a converged value's steps stay 1 to within 1e-15)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_STEPS):
        an = (a - i) * i
        b = b + 2.0
        d = not_tiny(an * d + b)
        c = not_tiny(b + an / c)
        d = 1.0 / d
        step = d * c
        h = h * step
        if none_left(abs(step - 1.0) >= _EPS):
            break
    return h


def _series_none(still: pl.Series) -> bool:
    return not still.any()


def _series_lower(a: pl.Series, x: pl.Series) -> pl.Series:
    """P(a, x) over Series."""
    return _lower_steps(a, x, _series_none) * _series_prefactor(a, x)


def _series_not_tiny(value: pl.Series) -> pl.Series:
    return value.zip_with(value.abs() >= _TINY, pl.Series([_TINY] * value.len(), dtype=pl.Float64))


def _series_upper(a: pl.Series, x: pl.Series) -> pl.Series:
    """Q(a, x) over Series."""
    return _series_prefactor(a, x) * _upper_steps(a, x, _series_none, _series_not_tiny)


def _series_cdf(k: pl.Series, mu: pl.Series) -> pl.Series:
    """P(X <= k) for X ~ Poisson(mu) over two Float64 columns; null where it has no meaning
    (negative, missing or infinite input)."""
    valid = (k.is_finite() & mu.is_finite() & (k >= 0) & (mu >= 0)).fill_null(False)
    out = pl.Series([None] * k.len(), dtype=pl.Float64)
    out = out.zip_with(~(valid & (mu == 0)), pl.Series([1.0] * k.len(), dtype=pl.Float64))
    rest = valid & (mu > 0)
    a = k.filter(rest).floor() + 1.0
    x = mu.filter(rest)
    near = x < a + 1.0
    where = rest.arg_true()
    if near.any():
        value = (1.0 - _series_lower(a.filter(near), x.filter(near))).clip(0.0, 1.0)
        out.scatter(where.filter(near), value)
    if (~near).any():
        value = _series_upper(a.filter(~near), x.filter(~near)).clip(0.0, 1.0)
        out.scatter(where.filter(~near), value)
    return out


def _series_above(k: pl.Series, mu: pl.Series) -> pl.Series:
    """P(X >= k) for X ~ Poisson(mu); null where it has no meaning."""
    k = k.ceil()
    whole = (k.is_finite() & (k >= 0)).fill_null(False)
    out = (1.0 - _series_cdf(k - 1.0, mu)).clip(lower_bound=0.0)
    out = out.zip_with(whole, pl.Series([None] * k.len(), dtype=pl.Float64))
    return out.zip_with(~(whole & (k == 0)), pl.Series([1.0] * k.len(), dtype=pl.Float64))


def _value_lgamma(a: float) -> float:
    """:func:`_series_lgamma` for one whole a >= 1, the same table and series."""
    if a < _SMALL:
        return _LGAMMA_SMALL[int(a)]
    return _stirling(a, math.log)


def _value_prefactor(a: float, x: float) -> float:
    return math.exp(-x + a * math.log(x) - _value_lgamma(a))


def _value_lower(a: float, x: float) -> float:
    """:func:`_series_lower` for one value: the same steps, until it converges."""
    return _lower_steps(a, x, operator.not_) * _value_prefactor(a, x)


def _value_not_tiny(value: float) -> float:
    return value if abs(value) >= _TINY else _TINY


def _value_upper(a: float, x: float) -> float:
    """:func:`_series_upper` for one value: the same steps, until it converges."""
    return _value_prefactor(a, x) * _upper_steps(a, x, operator.not_, _value_not_tiny)


def _clip01(value: float) -> float:
    return value if value != value else min(max(value, 0.0), 1.0)  # NaN stays NaN, as polars clips it


def _value_cdf(k: float | None, mu: float | None) -> float | None:
    """:func:`_series_cdf` for one pair."""
    if k is None or mu is None or not (math.isfinite(k) and math.isfinite(mu) and k >= 0 and mu >= 0):
        return None
    if mu == 0:
        return 1.0
    a = math.floor(k) + 1.0
    if mu < a + 1.0:
        return _clip01(1.0 - _value_lower(a, mu))
    return _clip01(_value_upper(a, mu))


def _value_above(k: float | None, mu: float | None) -> float | None:
    """:func:`_series_above` for one pair."""
    if k is None or not (math.isfinite(k) and k >= 0):
        return None
    k = math.ceil(k)
    if k == 0:
        return 1.0
    below = _value_cdf(k - 1.0, mu)
    if below is None:
        return None
    out = 1.0 - below
    return out if out != out else max(out, 0.0)


def _cdf(k: pl.Series, mu: pl.Series) -> pl.Series:
    way = _way(k, mu)
    if way == "values":
        return pl.Series([_value_cdf(a, b) for a, b in zip(k.to_list(), mu.to_list())], dtype=pl.Float64)
    if way == "numpy":
        return pl.Series(poisson_cdf_array(k.to_numpy(), mu.to_numpy()), dtype=pl.Float64, nan_to_null=True)
    return _series_cdf(k, mu)


def _above(k: pl.Series, mu: pl.Series) -> pl.Series:
    way = _way(k, mu)
    if way == "values":
        return pl.Series([_value_above(a, b) for a, b in zip(k.to_list(), mu.to_list())], dtype=pl.Float64)
    if way == "numpy":
        return pl.Series(poisson_above_array(k.to_numpy(), mu.to_numpy()), dtype=pl.Float64, nan_to_null=True)
    return _series_above(k, mu)


def _way(k: pl.Series, mu: pl.Series) -> str:
    """How a column is stepped: ``values`` one by one in Python floats, ``numpy`` on arrays, or
    ``series`` on polars Series (a column too long for ``values`` where numpy is not installed)."""
    if k.len() <= VALUES_UP_TO:
        return "values"
    if "numpy" in sys.modules:
        return "numpy"
    # Value by value while that costs less than loading numpy: a Series step costs ~10 us per
    # operation however short the column (612 channels with orders in the hundreds: 40 ms on
    # Series steps, 7 ms value by value; with orders in the millions 11 ms, where loading numpy
    # and stepping its arrays took ~80).
    if _values_ms(k, mu) <= NUMPY_LOAD_MS:
        return "values"
    return "numpy" if _numpy_installed() else "series"


# Up to this many scopes each value is stepped on its own in Python floats even where numpy is
# loaded: its arrays repay their set-up only on a longer column.
VALUES_UP_TO = 128

# What loading numpy adds to a process that has loaded polars (measured: 48 ms).
NUMPY_LOAD_MS = 45.0


def _values_ms(k: pl.Series, mu: pl.Series) -> float:
    """About what stepping the column value by value costs: a value's steps grow slowly with its
    count where k is near mu (measured: ~10 us a value near 100, 15 near 1,000, 32 near 100,000,
    57 near 10M), so the largest count prices every value."""
    largest = max((s.filter(s.is_finite()).max() or 0.0) for s in (k, mu))  # type: ignore[type-var]
    per_value_us = 10.0 + 8.0 * max(0.0, math.log10(max(float(largest), 1.0) / 100.0))
    return k.len() * per_value_us / 1000.0


def _numpy_installed() -> bool:
    from importlib.util import find_spec

    return find_spec("numpy") is not None


def prefer_arrays() -> None:
    """Load numpy now (where installed), so every later chance test runs on its arrays: for a
    long-lived evaluator (``Advisor``, the service) the load is paid once, not per run."""
    if _numpy_installed():
        import numpy  # noqa: F401


def _scalar(function, k, mu) -> float | None:
    if k is None or mu is None:
        return None
    return function(pl.Series([float(k)], dtype=pl.Float64), pl.Series([float(mu)], dtype=pl.Float64))[0]


def poisson_cdf(k: float, mu: float) -> float | None:
    """P(X <= k) for X ~ Poisson(mu); None where it has no meaning (negative or missing input)."""
    return _scalar(_cdf, k, mu)


def poisson_above(k: float, mu: float) -> float | None:
    """P(X >= k) for X ~ Poisson(mu)."""
    return _scalar(_above, k, mu)


def _batch(function):
    def run(columns: pl.Series) -> pl.Series:
        k, mu = columns.struct.field("k"), columns.struct.field("mu")
        missing = k.is_null() | mu.is_null()
        return function(k, mu).zip_with(~missing, pl.Series([None] * k.len(), dtype=pl.Float64))

    return run


def poisson_expr(kind: str, k: pl.Expr, mu: pl.Expr) -> pl.Expr:
    """The chance column: ``below`` is P(X <= k), ``above`` P(X >= k), X ~ Poisson(mu)."""
    function = _cdf if kind == "below" else _above
    struct = pl.struct(k.cast(pl.Float64).alias("k"), mu.cast(pl.Float64).alias("mu"))
    return struct.map_batches(_batch(function), return_dtype=pl.Float64)

"""The Poisson tails run on whole columns (numpy arrays or polars Series, no loop per scope), or
value by value on a short column, and all three agree with the scalar algorithm they replaced (tests/_chance_reference.py, the same series and continued
fraction one value at a time) to 1e-9."""

from __future__ import annotations

import math

import polars as pl
import pytest
from kpi_advisor.language import chance
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpi_advisor.language.chance import poisson_above, poisson_cdf, poisson_expr

from _chance_reference import poisson_above as old_above
from _chance_reference import poisson_cdf as old_cdf

counts = st.one_of(st.integers(0, 60).map(float), st.floats(0, 5e5, allow_nan=False), st.just(-1.0), st.just(float("nan")))
means = st.one_of(st.floats(0, 100), st.floats(0, 5e5, allow_nan=False), st.just(0.0), st.just(-2.0), st.just(float("inf")))


def close(new, old, k=0.0, mu=0.0):
    """Equal to 1e-9, or to what double precision allows: both sides scale by
    exp(-mu + a*log(mu) - lgamma(a)), whose exponent is a difference of terms as large as
    a*log(mu), so each carries a relative error of a few ulps of those terms (at k near mu
    near 5e5 that is ~2e-9)."""
    if old is None:
        return new is None
    a = (k or 0.0) + 1.0
    mu = mu or 0.0
    scale = abs(mu) + a * abs(math.log(mu)) + math.lgamma(a) if math.isfinite(mu) and mu > 0 and math.isfinite(a) and a > 0 else 0.0
    rel = max(1e-9, 4 * 2.2e-16 * scale)
    return new is not None and math.isclose(new, old, rel_tol=rel, abs_tol=1e-12)


@pytest.fixture(params=["values", "numpy", "polars"])
def backend(request, monkeypatch):
    way = {"values": "values", "numpy": "numpy", "polars": "series"}[request.param]
    monkeypatch.setattr(chance, "_way", lambda k, mu: way)
    return request.param


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.one_of(st.none(), counts), st.one_of(st.none(), means)), min_size=1, max_size=30))
@example(rows=[(490576.0, 490576.15625)])  # found by CI: the two sides differ by 1.9e-9, within double precision
def test_whole_column_matches_the_scalar_algorithm(backend, rows):
    frame = pl.DataFrame({"k": [r[0] for r in rows], "mu": [r[1] for r in rows]}, schema={"k": pl.Float64, "mu": pl.Float64})
    got = frame.select(poisson_expr("below", pl.col("k"), pl.col("mu")).alias("below"),
                       poisson_expr("above", pl.col("k"), pl.col("mu")).alias("above"))
    for (k, mu), below, above in zip(rows, got["below"], got["above"]):
        want_below = None if k is None or mu is None else old_cdf(k, mu)
        want_above = None if k is None or mu is None else old_above(k, mu)
        assert close(below, want_below, k, mu), (k, mu, below, want_below)
        assert close(above, want_above, k, mu), (k, mu, above, want_above)


@pytest.mark.parametrize("k, mu", [(0, 3.0), (8, 72.0), (60, 72.0), (19, 19.5), (20, 21.0), (100000, 100500), (3e5, 2.9e5), (490576.0, 490576.15625)])
def test_fixed_table(backend, k, mu):
    assert close(poisson_cdf(k, mu), old_cdf(k, mu), k, mu)
    assert close(poisson_above(k, mu), old_above(k, mu), k, mu)


def test_a_long_column_uses_numpy_and_a_short_one_need_not_load_it(monkeypatch):
    import types

    monkeypatch.setattr(chance, "sys", types.SimpleNamespace(modules={}))  # as if numpy were not loaded
    few = pl.Series([3.0, 40.0, None, float("inf")])
    assert chance._way(few, few) == "values"
    many = pl.Series([3.0] * 5000)  # ~50 ms value by value: more than loading numpy
    assert chance._way(many, many) == "numpy"


def test_large_counts_use_numpy_as_the_steps_grow_with_the_count(monkeypatch):
    """Where k is near mu the steps grow with the count (~10 us a value near 100, ~57 near 10M):
    600 channels near 10M orders still cost less value by value than loading numpy; 1,500 do not."""
    import types

    monkeypatch.setattr(chance, "sys", types.SimpleNamespace(modules={}))
    huge = 1e7
    assert chance._way(pl.Series([12.0] * 600 + [huge]), pl.Series([12.0] * 601)) == "values"
    assert chance._way(pl.Series([12.0] * 1500), pl.Series([12.0] * 1499 + [huge])) == "numpy"
    assert chance._way(pl.Series([12.0] * 1500), pl.Series([12.0] * 1500)) == "values"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), counts), st.one_of(st.none(), means))
@example(k=490576.0, mu=490576.15625)
@example(k=60.0, mu=72.0)
def test_one_value_takes_the_series_steps_exactly(k, mu):
    """A short column's values take the Series path's steps in the same order: a client's few
    channels get the very numbers they got before the short path existed."""
    as_series = [pl.Series([k], dtype=pl.Float64), pl.Series([mu], dtype=pl.Float64)]
    for one, whole in ((chance._value_cdf, chance._series_cdf), (chance._value_above, chance._series_above)):
        got, want = one(k, mu), whole(*as_series)[0]
        assert got == want or (got is not None and want is not None and math.isnan(got) and math.isnan(want)), (k, mu, got, want)


def test_the_way_a_column_is_stepped(monkeypatch):
    """Value by value up to VALUES_UP_TO scopes; then numpy where it is loaded; else value by value
    while that costs less than loading numpy (the Series steps were ~6x slower there: 612 channels
    with orders in the hundreds, 40 ms against 7); numpy beyond; the Series steps only where numpy
    is not installed."""
    import types

    def series(n, value=300.0):
        return pl.Series([value] * n, dtype=pl.Float64)

    monkeypatch.setattr(chance, "sys", types.SimpleNamespace(modules={}))  # numpy not loaded
    assert chance._way(series(chance.VALUES_UP_TO), series(chance.VALUES_UP_TO)) == "values"
    assert chance._way(series(612), series(612)) == "values"
    assert chance._values_ms(series(612), series(612)) < 10
    assert chance._way(series(10000), series(10000)) == "numpy"
    monkeypatch.setattr(chance, "sys", types.SimpleNamespace(modules={"numpy": object()}))  # loaded
    assert chance._way(series(chance.VALUES_UP_TO), series(chance.VALUES_UP_TO)) == "values"
    assert chance._way(series(chance.VALUES_UP_TO + 1), series(chance.VALUES_UP_TO + 1)) == "numpy"
    monkeypatch.setattr(chance, "sys", types.SimpleNamespace(modules={}))
    monkeypatch.setattr(chance, "_numpy_installed", lambda: False)
    assert chance._way(series(612), series(612)) == "values"
    assert chance._way(series(10000), series(10000)) == "series"


def test_numpy_finishes_its_last_values_one_by_one(monkeypatch):
    """The last STRAGGLERS values still stepping on numpy's arrays (a count in the millions near its
    expectation takes thousands of steps, ~15 us each on arrays however few values they hold) are
    finished value by value, and still agree with the scalar algorithm."""
    finished: list[float] = []
    for name in ("_lower_steps", "_upper_steps"):
        steps = getattr(chance, name)
        monkeypatch.setattr(chance, name, lambda a, x, *rest, steps=steps: finished.append(a) or steps(a, x, *rest))
    k = [5.0, 60.0, 999_000.0, 3_000_000.0, 2_999_000.0, 80.0] * 4
    mu = [7.0, 72.0, 1_000_000.0, 3_000_100.0, 3_000_000.0, 79.0] * 4
    got_below, got_above = chance.poisson_cdf_array(k, mu), chance.poisson_above_array(k, mu)
    assert {999_001.0, 3_000_001.0, 2_999_001.0} <= set(finished)  # a = k + 1
    assert len(finished) <= 2 * 2 * chance.STRAGGLERS
    for (a, b), below, above in zip(zip(k, mu), got_below, got_above):
        assert close(float(below), old_cdf(a, b), a, b) and close(float(above), old_above(a, b), a, b)


def test_a_column_of_a_few_hundred_scopes_is_stepped_value_by_value(monkeypatch):
    """An agency's few hundred channels never pay a Series step or numpy's load: the same numbers,
    to the last digit, as each value stepped on its own."""
    import types

    monkeypatch.setattr(chance, "sys", types.SimpleNamespace(modules={}))
    for name in ("_series_cdf", "_series_above", "poisson_cdf_array", "poisson_above_array"):
        monkeypatch.setattr(chance, name, lambda *_: (_ for _ in ()).throw(AssertionError("a whole-column path")))
    k = [float(i % 97) for i in range(300)]
    mu = [40.0 + i % 13 for i in range(300)]
    got = pl.DataFrame({"k": k, "mu": mu}).select(poisson_expr("below", pl.col("k"), pl.col("mu")).alias("below"),
                                                  poisson_expr("above", pl.col("k"), pl.col("mu")).alias("above"))
    assert got["below"].to_list() == [chance._value_cdf(a, b) for a, b in zip(k, mu)]
    assert got["above"].to_list() == [chance._value_above(a, b) for a, b in zip(k, mu)]


def test_a_short_column_is_stepped_value_by_value(monkeypatch):
    """A few channels never pay a Series step (~10 us per operation) or numpy's load."""
    def refuse(*_):
        raise AssertionError("a short column took a whole-column path")

    for name in ("_series_cdf", "_series_above", "poisson_cdf_array", "poisson_above_array"):
        monkeypatch.setattr(chance, name, refuse)
    short = pl.DataFrame({"k": [8.0, 60.0, None, 3e5], "mu": [72.0, 72.0, 5.0, 2.9e5]})
    got = short.select(poisson_expr("below", pl.col("k"), pl.col("mu")).alias("below"),
                       poisson_expr("above", pl.col("k"), pl.col("mu")).alias("above"))
    for (k, mu), below, above in zip(short.rows(), got["below"], got["above"]):
        assert close(below, None if k is None else old_cdf(k, mu), k, mu)
        assert close(above, None if k is None else old_above(k, mu), k, mu)

"""Portfolio benchmarks: each client's rates beside the same rates of the agency's OTHER clients
of the same business model, as a benchmark source next to the published figures.

What is compared: the rates among the client's ranked KPIs (plus CTR, CPC and bounce rate, the
rates every paid channel has) that are a share of two counts (CTR = clicks / impressions) or
spend per count (CPC = spend / clicks), on all the client's data and per channel (channels
matched by platform, so "fb" and "facebook" are one). Money rates are compared only within one
currency; nothing is converted.

What another client's report shows: the count of peers and their lower quartile, median and
upper quartile, each rounded to two significant digits, and only when at least ``min_peers``
(5 or more) other clients have the figure, so no single client's number can be read back and no
name ever appears. The client itself is never among its own peers.

How sure: the client's own rate gets the interval the rules use (Wilson on a share of trials;
the Poisson score interval on a count per unit of spend, turned into a cost interval). A client
outside the peers' middle half is called better or worse only when that interval does not hold
the peers' median; otherwise it is "within chance".
"""

from __future__ import annotations

import re
from statistics import NormalDist
from typing import Any, Sequence

import polars as pl

from ..loading.catalog import Catalog
from ..models.report import PeerBenchmark, PeerComparison, PeerDistribution, Report, Significance, significant
from .benchmarks import normalise_platform

MIN_PEERS = 5
CONFIDENCE = 0.95
AGGREGATE_DIGITS = 2
ALWAYS = ("ctr", "cpc", "bounce_rate")
SOURCE = "your agency's other clients of the same business model (portfolio benchmark)"
_RATIO = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*/\s*([a-z_][a-z0-9_]*)\s*$")


def testable(catalog: Catalog) -> dict[str, tuple[str, str, str]]:
    """metric -> (test, numerator, denominator) for every catalog rate that chance can be put on."""
    out = {}
    for metric in catalog.metrics.values():
        match = _RATIO.match(metric.formula or "")
        if not match:
            continue
        top, bottom = (catalog.metrics.get(name) for name in match.groups())
        if top is None or bottom is None or bottom.unit != "count":
            continue
        if metric.unit == "ratio" and top.unit == "count":
            out[metric.id] = ("wilson", top.id, bottom.id)
        elif metric.unit == "currency" and top.id == "spend":
            out[metric.id] = ("poisson-score", top.id, bottom.id)
    return out


def _rows(index: int, report: Report, tests: dict[str, tuple[str, str, str]]) -> list[dict[str, Any]]:
    """One row per (scope, metric) of a report that a peer figure can be made of."""
    rows = []
    for entry in report.metrics:
        if entry.scope and list(entry.scope) != ["channel"]:
            continue
        platform = normalise_platform(entry.scope["channel"]) if entry.scope else ""
        for metric, (test, top, bottom) in tests.items():
            value, trials = entry.values.get(metric), entry.values.get(bottom)
            spend = entry.values.get(top)
            if value is None or trials is None or trials <= 0:
                continue
            if test == "wilson" and not 0 <= value <= 1:
                continue
            if test == "poisson-score" and (spend is None or spend <= 0):
                continue
            rows.append({
                "client": index, "model": report.business_model, "currency": report.currency if test != "wilson" else "",
                "platform": platform, "channel": entry.scope.get("channel", ""), "metric": metric, "value": float(value),
                "trials": float(trials), "spend": float(spend) if spend is not None else None,
            })
    return rows


def _wanted(report: Report, tests: dict[str, tuple[str, str, str]]) -> list[str]:
    return [m for m in dict.fromkeys([k.metric for k in report.kpis] + list(ALWAYS)) if m in tests]


def peer_frame(reports: Sequence[Report | None], catalog: Catalog) -> pl.DataFrame:
    """Every client's comparable figures, one row each (client = its index in ``reports``)."""
    tests = testable(catalog)
    rows = [row for index, report in enumerate(reports) if report is not None for row in _rows(index, report, tests)]
    schema = {"client": pl.Int64, "model": pl.String, "currency": pl.String, "platform": pl.String, "channel": pl.String,
              "metric": pl.String, "value": pl.Float64, "trials": pl.Float64, "spend": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def _intervals(frame: pl.DataFrame, tests: dict[str, tuple[str, str, str]]) -> pl.DataFrame:
    """The client's own interval on each figure, at CONFIDENCE, as the rules compute it."""
    z = NormalDist().inv_cdf(1 - (1 - CONFIDENCE) / 2)
    kind = pl.col("metric").replace_strict({m: t[0] for m, t in tests.items()}, default=None)
    n, rate = pl.col("trials"), pl.col("value")
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((rate * (1 - rate) / n + z * z / (4 * n * n)).clip(lower_bound=0)).sqrt() / (1 + z * z / n)
    # Cost per result: results per unit of spend is a Poisson rate; its interval turned upside down.
    k, spend = pl.col("trials"), pl.col("spend")
    spread = z * (k + z * z / 4).sqrt()
    per_low, per_high = ((k + z * z / 2 - spread) / spend).clip(lower_bound=0), (k + z * z / 2 + spread) / spend
    return frame.with_columns(
        kind.alias("test"),
        pl.when(kind == "wilson").then((centre - half).clip(lower_bound=0)).otherwise(1 / per_high).alias("low"),
        pl.when(kind == "wilson").then((centre + half).clip(upper_bound=1))
        .otherwise(pl.when(per_low > 0).then(1 / per_low).otherwise(float("inf"))).alias("high"),
    )


def compare(reports: Sequence[Report | None], wanted: Sequence[bool], catalog: Catalog,
            min_peers: Sequence[int] | None = None) -> list[PeerBenchmark | None]:
    """For each report whose ``wanted`` is true, its figures beside its peers' aggregate."""
    tests = testable(catalog)
    frame = _intervals(peer_frame(reports, catalog), tests)
    directions = {m: catalog.metrics[m].direction for m in tests}
    out: list[PeerBenchmark | None] = []
    for index, report in enumerate(reports):
        if report is None or not wanted[index]:
            out.append(None)
            continue
        least = max(MIN_PEERS, (min_peers[index] if min_peers else MIN_PEERS))
        own = frame.filter((pl.col("client") == index) & pl.col("metric").is_in(_wanted(report, tests)))
        others = frame.filter((pl.col("client") != index) & (pl.col("model") == report.business_model))
        stats = (
            others.group_by("platform", "metric", "currency")
            .agg(pl.len().alias("n"), pl.col("value").quantile(0.25, "linear").alias("q1"),
                 pl.col("value").median().alias("median"), pl.col("value").quantile(0.75, "linear").alias("q3"))
            .filter(pl.col("n") >= least)
        )
        joined = own.join(stats, on=["platform", "metric", "currency"], how="inner").sort("platform", "channel", "metric")
        comparisons = [_comparison(row, directions[row["metric"]]) for row in joined.iter_rows(named=True)]
        out.append(PeerBenchmark(
            source=SOURCE, business_model=report.business_model, min_peers=least, comparisons=comparisons,
            note="" if comparisons else f"fewer than {least} other clients of this business model have the same figures, so none is compared",
        ))
    return out


def _comparison(row: dict[str, Any], direction: str) -> PeerComparison:
    peers = PeerDistribution(n=row["n"], **{k: significant(row[k], AGGREGATE_DIGITS) for k in ("q1", "median", "q3")})
    value = row["value"]
    position = "below" if value < peers.q1 else "above" if value > peers.q3 else "within"
    low, high = row["low"], row["high"]
    outside = peers.median < low or peers.median > high
    if position == "within":
        verdict = "typical"
    elif not outside or direction == "neutral":
        verdict = "within_chance"
    else:
        verdict = "better" if (position == "above") == (direction == "higher") else "worse"
    significance = Significance(
        test=row["test"], confidence=CONFIDENCE, interval=[significant(low), significant(high) if high != float("inf") else 0.0],
        n=significant(row["spend"] if row["test"] == "poisson-score" else row["trials"]),
        successes=significant(row["trials"] if row["test"] == "poisson-score" else value * row["trials"]),
        bound=peers.median,
    )
    return PeerComparison(metric=row["metric"], scope={"channel": row["channel"]} if row["channel"] else {}, value=significant(value),
                          peers=peers, position=position, verdict=verdict, significance=significance)

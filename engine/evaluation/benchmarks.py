"""Benchmark figures as rule thresholds: which figure applies to which scope.

A rule names the figure it compares with (metric, objective, industry); the
scope's channel says the platform. Like is compared with like: a figure is only
used for its own metric (whose formula is the figure's definition), objective,
industry and currency. A client's own figures (config ``benchmarks:``) replace
the shipped ones: a platform's figure for that platform, ``all`` for every one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import polars as pl

from ..models.definitions import Benchmark, BenchmarkRef

WILDCARDS = frozenset({"any", "all"})
# Channel names as clients write them -> the platform names benchmarks use.
# Display and video inventory differ from search: call such a channel
# google_display or youtube to keep it apart from the search figures.
PLATFORM_ALIASES: dict[str, str] = {
    "meta": "facebook",
    "fb": "facebook",
    "facebook_ads": "facebook",
    "meta_ads": "facebook",
    "ig": "instagram",
    "instagram_ads": "instagram",
    "google": "google_search",
    "google_ads": "google_search",
    "adwords": "google_search",
    "google_search_ads": "google_search",
    "linkedin_ads": "linkedin",
    "linked_in": "linkedin",
    "tiktok_ads": "tiktok",
    "twitter": "x",
    "x_ads": "x",
    "twitter_ads": "x",
}


def normalise_platform(channel: str | None) -> str | None:
    if channel is None:
        return None
    key = "_".join(channel.strip().lower().replace("-", " ").replace("/", " ").split())
    return PLATFORM_ALIASES.get(key, key)


def platform_expr(channel: pl.Expr) -> pl.Expr:
    """The same as :func:`normalise_platform`, vectorized."""
    key = channel.cast(pl.String).str.strip_chars().str.to_lowercase().str.replace_all(r"[\s/-]+", "_")
    return key.replace(PLATFORM_ALIASES)


@dataclass(frozen=True)
class Figure:
    """A benchmark figure and the source a message names for it."""

    value: float
    label: str  # where the figure comes from, for messages: "WordStream 2017"
    benchmark: Benchmark | None = None  # None for a client's own figure


@dataclass(frozen=True)
class Resolved:
    """The figures one rule's benchmark reference resolves to, for one client."""

    ref: BenchmarkRef
    by_platform: dict[str, Figure]
    anywhere: Figure | None  # for platforms without a figure of their own, and for scopes without a channel

    def figure(self, channel: str | None) -> Figure | None:
        platform = normalise_platform(channel)
        if platform is not None and platform in self.by_platform:
            return self.by_platform[platform]
        return self.anywhere

    def covers(self, channels: Iterable[str | None]) -> bool:
        return any(self.figure(channel) is not None for channel in channels)

    def expr(self, channel: pl.Expr | None, fallback: float | None) -> pl.Expr:
        """Per-row figure: the scope's platform's, else the general one, else ``fallback``."""
        default = self.anywhere.value if self.anywhere is not None else fallback
        if channel is None or not self.by_platform:
            return pl.lit(default, dtype=pl.Float64)
        values = {platform: figure.value for platform, figure in self.by_platform.items()}
        return platform_expr(channel).replace_strict(values, default=default, return_dtype=pl.Float64)


def _label(bench: Benchmark) -> str:
    parts = [f"{bench.source} {bench.year}"]
    if bench.objective != "all":
        parts.append(f"{bench.objective.replace('_', ' ')} objective")
    if bench.industry != "all":
        parts.append(bench.industry.replace("_", " "))
    return ", ".join(parts)


def _pick(bench: Benchmark, pick: str) -> float:
    if pick == "low" and bench.low is not None:
        return bench.low
    if pick == "high" and bench.high is not None:
        return bench.high
    return bench.value


def matching(ref: BenchmarkRef, shipped: Iterable[Benchmark], currency: str | None) -> list[Benchmark]:
    """Shipped figures for the same metric, objective, industry and currency as the reference
    (any currency when ``currency`` is None)."""
    return [
        b for b in shipped
        if b.metric == ref.metric and b.objective == ref.objective and b.industry == ref.industry
        and (b.currency is None or currency is None or b.currency == currency)
    ]


def resolve(ref: BenchmarkRef, shipped: Iterable[Benchmark], overrides: Mapping[str, Mapping[str, float]], currency: str) -> Resolved:
    by_platform: dict[str, Figure] = {}
    anywhere: Figure | None = None
    # The most recent figure wins where a platform has several.
    for bench in sorted(matching(ref, shipped, currency), key=lambda b: b.year):
        figure = Figure(_pick(bench, ref.pick), _label(bench), bench)
        if bench.platform in WILDCARDS:
            anywhere = figure
        else:
            by_platform[normalise_platform(bench.platform) or bench.platform] = figure
    own = overrides.get(ref.metric, {})
    for platform, value in own.items():
        if platform in WILDCARDS:
            # The client's figure for every platform replaces every shipped one.
            by_platform, anywhere = {}, Figure(float(value), "your benchmark")
    for platform, value in own.items():
        if platform not in WILDCARDS:
            by_platform[normalise_platform(platform) or platform] = Figure(float(value), "your benchmark")
    return Resolved(ref=ref, by_platform=by_platform, anywhere=anywhere)

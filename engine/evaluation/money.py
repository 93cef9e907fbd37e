"""Money at stake counted once.

Findings on one scope (a landing-page leak and a checkout drop-off on the same campaign) or on
scopes that contain each other (a channel and its campaigns) describe overlapping money: fixing
one changes what the other could bring. So a summary never adds them up: each scope counts the
larger of its own largest finding and the sum over the scopes inside it, and the total adds up
only scopes that do not contain each other. Each finding names the others it overlaps with.
"""

from __future__ import annotations

from collections import Counter
from itertools import islice

from ..models.report import Finding
from .tables import HIERARCHY

BASIS = ("each piece of money counted once: where findings share a scope, or one scope contains another, "
         "only the larger amount counts")
# The overlapping findings a finding names; the rest are counted. Each name holds its scope's names
# (up to 1,000 characters each): a pack of 950 valued rules on one account wrote every other into
# every finding, 2 GB of JSON at 6,000 campaigns.
MAX_OVERLAPS = 20


_ORDER = {dim: index for index, dim in enumerate(HIERARCHY)}


def top_findings(findings: list[Finding], n: int) -> list[Finding]:
    """The ``n`` findings with the most money at stake, then the most severe, in their report order
    (severity, then impact): what a short report shows."""
    from ..models.definitions import SEVERITIES

    if len(findings) <= n:
        return list(findings)

    def key(index: int) -> tuple:
        finding = findings[index]
        money = finding.impact.money if finding.impact is not None and finding.impact.money is not None else 0.0
        return (-money, SEVERITIES.index(finding.severity), index)

    keep = set(sorted(range(len(findings)), key=key)[:n])
    return [f for i, f in enumerate(findings) if i in keep]


def count_once(findings: list[Finding]) -> float | None:
    """The summary's money at stake; fills each valued finding's ``impact.overlaps``."""
    # One pass reads from each finding all that the rest needs: a large report's findings lie
    # spread over the heap, and each further pass over them cost about a microsecond a finding.
    orders: dict[tuple[str, ...], list[str]] = {}
    by_path: dict[tuple, list] = {}
    largest: dict[tuple, float] = {}
    for finding in findings:
        impact = finding.impact
        if impact is None or impact.money is None:
            continue
        path = _path(finding.scope, orders)
        group = by_path.get(path)
        if group is None:
            by_path[path] = [(finding.rule, impact)]
            largest[path] = impact.money
        else:
            group.append((finding.rule, impact))
            largest[path] = max(largest[path], impact.money)
    if not by_path:
        return None

    ancestors = _ancestors(by_path)
    named: dict[tuple, list[str]] = {}
    for above in {above for paths in ancestors.values() for above in paths}:
        where = ", ".join(f"{key}={value}" for key, value in above) or "all data"
        named[above] = [f"{rule} ({where})" for rule, _ in by_path[above]]
    for path, group in by_path.items():
        # Only as many names as are written: the scopes around a path, and a scope's own findings,
        # are never listed whole for each finding (that was quadratic in the findings of a scope).
        around = ancestors[path]
        outer = list(islice((name for above in around for name in named[above]), MAX_OVERLAPS))
        outer_count = sum(len(named[above]) for above in around)
        if len(group) == 1:
            _name_overlaps(group[0][1], [], 0, outer, outer_count)
            continue
        times = Counter(rule for rule, _ in group)
        rules = sorted(times)
        for rule, impact in group:
            # The others on this scope, each rule once; a rule's own name only where it is there twice.
            others = islice((other for other in rules if other != rule or times[rule] > 1), MAX_OVERLAPS)
            _name_overlaps(impact, list(others), len(rules) - (times[rule] == 1), outer, outer_count)

    return _worth(largest, ancestors)


def _name_overlaps(impact, same: list[str], same_count: int, outer: list[str], outer_count: int) -> None:
    """The first MAX_OVERLAPS of the findings on the same scope, then of those around it, by name;
    how many more in ``overlaps_more``."""
    impact.overlaps = (same + outer)[:MAX_OVERLAPS]
    more = same_count + outer_count - len(impact.overlaps)
    if more > 0:
        impact.overlaps_more = more


def money_by_rule(findings: list[Finding]) -> dict[str, tuple[int, float | None]]:
    """Per rule: how many findings, and their money at stake counted once among that rule's own
    findings (one on a campaign and one on an ad inside it count as the larger); None where none
    of them is valued. Reads the findings only: their ``overlaps`` stay as they are."""
    orders: dict[tuple[str, ...], list[str]] = {}
    counts: dict[str, int] = {}
    largest: dict[str, dict[tuple, float]] = {}
    for finding in findings:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
        impact = finding.impact
        if impact is None or impact.money is None:
            continue
        path = _path(finding.scope, orders)
        own = largest.setdefault(finding.rule, {})
        own[path] = max(own.get(path, 0.0), impact.money)
    return {rule: (count, _worth(largest[rule], _ancestors(largest[rule])) if rule in largest else None) for rule, count in counts.items()}


def _path(scope: dict[str, str], orders: dict[tuple[str, ...], list[str]]) -> tuple:
    """A scope as (dimension, value) pairs from the widest dimension down: a scope inside another
    starts with the other's path."""
    keys = tuple(scope)
    order = orders.get(keys)
    if order is None:
        order = orders[keys] = sorted(keys, key=lambda key: (_ORDER.get(key, len(_ORDER)), key))
    return tuple([(key, scope[key]) for key in order])


def _ancestors(paths: dict[tuple, object]) -> dict[tuple, list[tuple]]:
    """Each path's paths among ``paths`` that contain it, nearest first; worked out once per
    scope, as every finding on it shares them."""
    return {path: [path[:cut] for cut in range(len(path) - 1, -1, -1) if path[:cut] in paths] for path in paths}


def _worth(largest: dict[tuple, float], ancestors: dict[tuple, list[tuple]]) -> float:
    """The money of scopes counted once: innermost first, a scope's worth is max(its own largest
    finding, what the scopes inside it add up to), and only the outermost scopes are added."""
    worth: dict[tuple, float] = {}
    inside: dict[tuple, float] = {}
    roots = 0.0
    for path in sorted(largest, key=len, reverse=True):
        worth[path] = max(largest[path], inside.get(path, 0.0))
        parents = ancestors[path]
        if parents:
            inside[parents[0]] = inside.get(parents[0], 0.0) + worth[path]
        else:
            roots += worth[path]
    return round(roots, 2)

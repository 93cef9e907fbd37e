"""Money at stake counted once.

Findings on one scope (a landing-page leak and a checkout drop-off on the same campaign) or on
scopes that contain each other (a channel and its campaigns) describe overlapping money: fixing
one changes what the other could bring. So a summary never adds them up: each scope counts the
larger of its own largest finding and the sum over the scopes inside it, and the total adds up
only scopes that do not contain each other. Each finding names the others it overlaps with.
"""

from __future__ import annotations

from ..models.report import Finding
from .tables import HIERARCHY

BASIS = ("each piece of money counted once: where findings share a scope, or one scope contains another, "
         "only the larger amount counts")


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
        scope = finding.scope
        keys = tuple(scope)
        order = orders.get(keys)
        if order is None:
            order = orders[keys] = sorted(keys, key=lambda key: (_ORDER.get(key, len(_ORDER)), key))
        path = tuple([(key, scope[key]) for key in order])
        group = by_path.get(path)
        if group is None:
            by_path[path] = [(finding.rule, impact)]
            largest[path] = impact.money
        else:
            group.append((finding.rule, impact))
            largest[path] = max(largest[path], impact.money)
    if not by_path:
        return None

    # Nearest first; worked out once per scope, as every finding on it shares them.
    ancestors = {path: [path[:cut] for cut in range(len(path) - 1, -1, -1) if path[:cut] in by_path] for path in by_path}
    named: dict[tuple, list[str]] = {}
    for above in {above for paths in ancestors.values() for above in paths}:
        where = ", ".join(f"{key}={value}" for key, value in above) or "all data"
        named[above] = [f"{rule} ({where})" for rule, _ in by_path[above]]
    for path, group in by_path.items():
        outer = [name for above in ancestors[path] for name in named[above]]
        if len(group) == 1:
            group[0][1].overlaps = outer
            continue
        for at, (_, impact) in enumerate(group):
            impact.overlaps = sorted({other for index, (other, _) in enumerate(group) if index != at}) + outer

    # Innermost scopes first: a scope's worth is max(its own largest finding, what the scopes inside it add up to).
    worth: dict[tuple, float] = {}
    inside: dict[tuple, float] = {}
    roots = 0.0
    for path in sorted(by_path, key=len, reverse=True):
        worth[path] = max(largest[path], inside.get(path, 0.0))
        parents = ancestors[path]
        if parents:
            inside[parents[0]] = inside.get(parents[0], 0.0) + worth[path]
        else:
            roots += worth[path]
    return round(roots, 2)

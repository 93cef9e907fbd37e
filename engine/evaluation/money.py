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


def _path(scope: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(scope.items(), key=lambda item: (_ORDER.get(item[0], len(_ORDER)), item[0])))


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
    valued = [f for f in findings if f.impact is not None and f.impact.money is not None]
    if not valued:
        return None
    by_path: dict[tuple, list[Finding]] = {}
    for finding in valued:
        by_path.setdefault(_path(finding.scope), []).append(finding)

    # Nearest first; worked out once per scope, as every finding on it shares them.
    ancestors = {path: [path[:cut] for cut in range(len(path) - 1, -1, -1) if path[:cut] in by_path] for path in by_path}
    outer_paths = {above for paths in ancestors.values() for above in paths}
    named = {path: [f"{f.rule} ({', '.join(f'{k}={v}' for k, v in path) or 'all data'})" for f in by_path[path]] for path in outer_paths}

    for path, group in by_path.items():
        outer = [name for above in ancestors[path] for name in named[above]]
        for finding in group:
            same = sorted({other.rule for other in group if other is not finding}) if len(group) > 1 else []
            finding.impact.overlaps = same + outer

    # Innermost scopes first: a scope's worth is max(its own largest finding, what the scopes inside it add up to).
    worth: dict[tuple, float] = {}
    inside: dict[tuple, float] = {}
    roots = 0.0
    for path in sorted(by_path, key=len, reverse=True):
        own = max(f.impact.money for f in by_path[path])
        worth[path] = max(own, inside.get(path, 0.0))
        parents = ancestors[path]
        if parents:
            inside[parents[0]] = inside.get(parents[0], 0.0) + worth[path]
        else:
            roots += worth[path]
    return round(roots, 2)

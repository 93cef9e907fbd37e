"""One fact, one finding: when a rule fires on most children of a scope (602 of 625 ads), the
report says it once, on the parent, with the worst few named and every child kept as a member.

The parent's evidence is the parent's own numbers (from its metric table), and its money the
sum over the members, each already bounded by its own scope. Roll-ups climb: ads into their
campaign, and campaigns into their channel or account where most of those fire too.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from ..models.definitions import SEVERITIES
from ..models.report import Finding, Impact, significant
from .tables import MetricTable, scope_label

# A parent speaks for its children when at least this share of them fired, and at least ROLLUP_MIN.
ROLLUP_SHARE = 0.5
ROLLUP_MIN = 3
WORST_NAMED = 3


def roll_up(findings: list[Finding], tables: Mapping[str, MetricTable | None],
            questions: Mapping[str, frozenset[str]] | None = None) -> list[Finding]:
    """Findings with those that most children share said once on the parent, and those judged on
    figures a data question doubts folded into that question."""
    findings = _climb(findings, tables)
    if questions:
        findings = _fold_into_questions(findings, questions)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    money = lambda f: f.impact.money if f.impact is not None and f.impact.money is not None else 0.0  # noqa: E731
    return sorted(findings, key=lambda f: (rank[f.severity], -money(f), f.rule, sorted(f.scope.items())))


def _fold_into_questions(findings: list[Finding], questions: Mapping[str, frozenset[str]]) -> list[Finding]:
    """A finding judged on a figure that a data question on its scope (or a scope around it)
    doubts is not a performance finding yet: it goes into the question's members."""
    asked = [f for f in findings if questions.get(f.rule)]
    if not asked:
        return findings
    out = []
    held: dict[int, list[Finding]] = {}
    for finding in findings:
        home = next((q for q in asked if q is not finding and q.rule != finding.rule
                     and q.scope.items() <= finding.scope.items() and questions[q.rule] & set(finding.thresholds)), None)
        if home is None:
            out.append(finding)
        else:
            held.setdefault(id(home), []).append(finding)
    for question in asked:
        folded = held.get(id(question), [])
        if folded:
            rules = sorted({f.rule for f in folded})
            question.message += f" {len(folded)} finding(s) judged on these figures ({', '.join(rules)}) wait for the answer."
            question.members = (question.members or []) + [{"rule": f.rule, **_member(f)} for f in folded]
    return out


def _climb(findings: list[Finding], tables: Mapping[str, MetricTable | None]) -> list[Finding]:
    by_dims = {table.dims: table for table in tables.values() if table is not None}
    counts: dict[tuple[str, ...], dict[tuple, int]] = {}
    changed = True
    while changed:
        changed = False
        groups: dict[tuple, list[Finding]] = {}
        for finding in findings:
            dims = tuple(finding.scope)
            if dims and dims in by_dims and dims[:-1] in by_dims:
                parent = tuple(finding.scope[d] for d in dims[:-1])
                groups.setdefault((finding.rule, dims, parent), []).append(finding)
        rolled: dict[int, Finding] = {}
        for (rule, dims, parent), members in groups.items():
            if len(members) < ROLLUP_MIN:
                continue
            if dims not in counts:
                counts[dims] = _children(by_dims[dims])
            total = counts[dims].get(parent, len(members))
            if len(members) / total < ROLLUP_SHARE:
                continue
            parent_finding = _parent(members, dims, parent, total, by_dims[dims[:-1]])
            for member in members:
                rolled[id(member)] = parent_finding
            changed = True
        if changed:
            seen: set[int] = set()
            out = []
            for finding in findings:
                target = rolled.get(id(finding), finding)
                if id(target) not in seen:
                    seen.add(id(target))
                    out.append(target)
            findings = out
    return findings


def _children(table: MetricTable) -> dict[tuple, int]:
    """How many scopes of a level each parent has (every child with data, fired or not)."""
    parents = list(table.dims[:-1])
    if not parents:
        return {(): table.frame.height}
    frame = table.frame.group_by(parents).agg(pl.len().alias("__n"))
    return {tuple(None if v is None else str(v) for v in row[:-1]): row[-1] for row in frame.iter_rows()}


def _parent(members: list[Finding], dims: tuple[str, ...], parent: tuple, total: int, table: MetricTable) -> Finding:
    scope = dict(zip(dims[:-1], parent))
    child = dims[-1].replace("_", " ")
    first = members[0]
    worst = sorted(members, key=_severity_of_member, reverse=True)
    row = _row(table, scope)
    evidence = {name: significant(row.get(name)) for name in first.evidence if name in row}
    evidence["members_fired"] = float(len(members))
    evidence["members_total"] = float(total)
    named = "; ".join(f"{child} {m.scope[dims[-1]]} ({_short(m)})" for m in worst[:WORST_NAMED])
    where = scope_label(scope)
    title = first.members and first.message.split(": ", 1)[-1].split(" Worst: ")[0] or first.message.split(": ", 1)[-1]
    message = f"{len(members)} of {total} {child}s in {where} ({len(members) / total:.0%}): {title} Worst: {named}."
    impact = _summed(members, child)
    thresholds = first.thresholds if all(m.thresholds == first.thresholds for m in members) else {}
    return Finding(
        rule=first.rule,
        severity=min((m.severity for m in members), key=SEVERITIES.index),
        stage=first.stage,
        scope=scope,
        evidence=evidence,
        thresholds=thresholds,
        message=message,
        recommendation=first.recommendation,
        impact=impact,
        members=[_member(m) for m in worst],
    )


def _severity_of_member(finding: Finding) -> tuple[float, float]:
    impact = finding.impact
    return (impact.money or 0.0, impact.value) if impact is not None else (0.0, 0.0)


def _short(finding: Finding) -> str:
    if finding.members:  # a roll-up itself: how many of its children fired
        return f"{finding.evidence.get('members_fired', 0):.0f} of {finding.evidence.get('members_total', 0):.0f}" + (
            f", {finding.impact.money:,.0f} at stake" if finding.impact is not None and finding.impact.money else "")
    parts = [f"{name} {value:.3g}" for name, value in list(finding.evidence.items())[:3] if value is not None]
    if finding.impact is not None and finding.impact.money is not None:
        parts.append(f"{finding.impact.money:,.0f} at stake")
    return ", ".join(parts)


def _member(finding: Finding) -> dict:
    out = {"scope": finding.scope, "evidence": finding.evidence}
    if finding.impact is not None:
        out["impact"] = {"value": finding.impact.value, "money": finding.impact.money}
    if finding.significance is not None:
        out["significance"] = finding.significance.model_dump()
    if finding.members:
        out["members"] = len(finding.members)
    return out


def _summed(members: list[Finding], child: str) -> Impact | None:
    impacts = [m.impact for m in members if m.impact is not None]
    if not impacts:
        return None
    valued = [i.money for i in impacts if i.money is not None]
    basis = f"added up over the {len(impacts)} {child}s it fired on, each within its own spend or revenue; first: {impacts[0].basis}"
    return Impact(metric=impacts[0].metric, value=round(sum(i.value for i in impacts), 2),
                  money=round(sum(valued), 2) if valued else None, basis=basis)


def _row(table: MetricTable, scope: dict[str, str]) -> dict:
    if not table.dims:
        return table.frame.row(0, named=True) if table.frame.height else {}
    frame = table.frame
    for dim, value in scope.items():
        frame = frame.filter(pl.col(dim).cast(pl.String) == value)
    return frame.row(0, named=True) if frame.height else {}

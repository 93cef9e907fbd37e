"""Rule evaluation: every active rule on every scope of its level, compiled to
boolean polars columns and evaluated in one select per level. Only the rows
that fire come back to Python, to be rendered as findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import polars as pl

from . import expr
from .catalog import Catalog, template_fields
from .definitions import DIMENSIONS, SEVERITIES, RuleDef
from .formatting import format_value
from .metrics import MetricTable, scope_of
from .report import Finding, Impact


@dataclass
class Economy:
    currency: str
    customer_value: float | None = None
    action_values: dict[str, float] = field(default_factory=dict)  # micro action -> money per action

    def unit_value(self, metric_id: str) -> float | None:
        if metric_id in ("purchases", "customers"):
            return self.customer_value
        return self.action_values.get(metric_id)


@dataclass
class RuleOutcome:
    findings: list[Finding]
    evaluated: list[str]
    skipped: dict[str, str]


def rule_level(rule: RuleDef, tables: Mapping[str, MetricTable | None]) -> str:
    for level in rule.levels:
        if tables.get(level) is not None:
            return level
    return "total"


def metric_names(rule: RuleDef, catalog: Catalog) -> list[str]:
    return [n for n in sorted(expr.parse(rule.when).names) if n in catalog.metrics]


def evaluate_rules(
    rules: list[RuleDef],
    tables: Mapping[str, MetricTable | None],
    catalog: Catalog,
    params: Mapping[str, Mapping[str, float]],
    economy: Economy,
) -> RuleOutcome:
    by_level: dict[str, list[RuleDef]] = {}
    skipped: dict[str, str] = {}
    for rule in rules:
        level = rule_level(rule, tables)
        table = tables[level]
        assert table is not None  # the total table always exists
        missing = [m for m in metric_names(rule, catalog) if m not in table.available]
        if missing:
            skipped[rule.id] = "needs " + ", ".join(missing) + " (not in the data)"
            continue
        by_level.setdefault(level, []).append(rule)

    findings: list[Finding] = []
    evaluated: list[str] = []
    for level, level_rules in by_level.items():
        table = tables[level]
        assert table is not None
        findings += _evaluate_level(level_rules, table, catalog, params, economy)
        evaluated += [rule.id for rule in level_rules]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (rank[f.severity], -_impact_key(f), f.rule, sorted(f.scope.items())))
    return RuleOutcome(findings=findings, evaluated=sorted(evaluated), skipped=dict(sorted(skipped.items())))


def _impact_key(finding: Finding) -> float:
    if finding.impact is None:
        return 0.0
    return finding.impact.money if finding.impact.money is not None else finding.impact.value


def _names(table: MetricTable, catalog: Catalog, values: Mapping[str, float]) -> dict[str, object]:
    names: dict[str, object] = {m: pl.lit(None, dtype=pl.Float64) for m in catalog.metrics}
    names.update({m: pl.col(m) for m in table.available})
    names.update({d: (pl.col(d) if d in table.dims else pl.lit(None, dtype=pl.String)) for d in DIMENSIONS})
    names.update(values)
    return names


def _evaluate_level(
    rules: list[RuleDef], table: MetricTable, catalog: Catalog, params: Mapping[str, Mapping[str, float]], economy: Economy
) -> list[Finding]:
    columns: list[pl.Expr] = []
    for index, rule in enumerate(rules):
        values = {**rule.params, **params.get(rule.id, {})}
        names = _names(table, catalog, values)
        columns.append(expr.compile_expr(expr.parse(rule.when), names).fill_null(False).alias(f"__fire{index}"))
        if rule.impact is not None:
            columns.append(expr.compile_expr(expr.parse(rule.impact.formula), names).cast(pl.Float64).alias(f"__impact{index}"))
    fire_columns = [f"__fire{i}" for i in range(len(rules))]
    fired = (
        table.frame.with_columns(columns)
        .filter(pl.any_horizontal(fire_columns))
    )
    findings = []
    for row in fired.iter_rows(named=True):
        scope = scope_of(row, table.dims)
        for index, rule in enumerate(rules):
            if row[f"__fire{index}"]:
                values = {**rule.params, **params.get(rule.id, {})}
                findings.append(_finding(rule, row, scope, values, row.get(f"__impact{index}"), catalog, economy))
    return findings


def _finding(rule: RuleDef, row: dict, scope: dict[str, str], values: Mapping[str, float], impact_value, catalog: Catalog, economy: Economy) -> Finding:
    evidence_ids = rule.evidence or [n for n in sorted(expr.parse(rule.when).names) if n in catalog.metrics]
    evidence = {m: _clean(row.get(m)) for m in evidence_ids}
    thresholds = {metric_id: float(values[param]) for metric_id, param in rule.thresholds.items()}
    placeholders = _placeholders(rule, row, values, scope, catalog, economy.currency)
    impact = None
    if rule.impact is not None and impact_value is not None and impact_value > 0:
        unit_value = economy.unit_value(rule.impact.metric)
        money = round(impact_value * unit_value, 2) if unit_value is not None else None
        basis = rule.impact.basis
        if unit_value is not None:
            basis += f"; valued at {format_value(unit_value, 'currency', economy.currency)} per {rule.impact.metric.rstrip('s')}"
        impact = Impact(metric=rule.impact.metric, value=round(float(impact_value), 2), money=money, basis=basis)
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        stage=rule.stage,
        scope=scope,
        evidence=evidence,
        thresholds=thresholds,
        message=rule.message.format(**placeholders),
        recommendation=rule.recommendation.format(**placeholders),
        impact=impact,
    )


def _clean(value) -> float | None:
    return None if value is None else round(float(value), 6)


def _placeholders(rule: RuleDef, row: dict, values: Mapping[str, float], scope: dict[str, str], catalog: Catalog, currency: str) -> dict[str, str]:
    param_unit = {param: catalog.metrics[metric_id].unit for metric_id, param in rule.thresholds.items()}
    out: dict[str, str] = {"scope": " / ".join(scope.values()) or "all data"}
    for name in set(template_fields(rule.message)) | set(template_fields(rule.recommendation)):
        if name == "scope":
            continue
        if name in values:
            out[name] = format_value(values[name], param_unit.get(name, "ratio" if 0 < abs(values[name]) < 1 else "number"), currency)
        else:
            out[name] = format_value(row.get(name), catalog.metrics[name].unit, currency)
    return out


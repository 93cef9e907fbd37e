"""Rule-pack files: read and validated against their model, and each rule analysed once (parsed,
names checked, units inferred). :func:`kpi_advisor.loading.catalog.read_rule_pack` puts the two
together for a run, `validate` and `test-rules` alike."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..language.rulespec import RuleProblems, RuleSpec, analyse
from ..models.definitions import MetricDef, RulePack
from ..problems import Problem
from .validation import validate_document
from .yamlsafe import load_yaml_file


def load_rule_pack(path: Path) -> RulePack:
    """Read and validate one rule-pack file; problems name file:line."""
    return validate_document(load_yaml_file(path), RulePack, "a mapping with 'pack' and 'rules'")


def analyse_rules(pack: RulePack, metrics: Mapping[str, MetricDef], origin: str | None) -> tuple[list[RuleSpec], list[Problem]]:
    """Every rule of a pack analysed against the metrics, and the problems of those that fail."""
    specs, problems = [], []
    for rule in pack.rules:
        try:
            specs.append(analyse(rule, metrics))
        except RuleProblems as exc:
            problems += [Problem(message, file=origin) for message in exc.problems]
    return specs, problems

"""The one way a rule-pack file is read: validated against its model, its metrics added to the
catalogue, and each rule analysed once (parsed, names checked, units inferred), so that what a
run, `validate` and `test-rules` accept is the same and evaluation only runs the analysed plans."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..language.rulespec import RuleProblems, RuleSpec, analyse
from ..limits import check_count
from ..models.definitions import MetricDef, RulePack
from ..problems import ConfigError, Problem
from .validation import validate_document
from .yamlsafe import load_yaml_file

if TYPE_CHECKING:  # the catalogue reads plugins' packs through this module
    from .catalog import Catalog


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


def read_rule_pack(path: Path, catalog: "Catalog", *, shipped_metrics_ok: bool = False) -> tuple["Catalog", list[RuleSpec]]:
    """A pack file's analysed rules, and the catalogue with the pack's metrics added.

    :param shipped_metrics_ok: a metric the catalogue already has is taken as the same one (a
        shipped pack being validated or tested) instead of refused as defined twice (a run).
    """
    pack = load_rule_pack(path)
    check_count("metrics", len(catalog.metrics) + len(pack.metrics), "metrics in this run", file=str(path))
    metrics = [m for m in pack.metrics if m.id not in catalog.metrics] if shipped_metrics_ok else pack.metrics
    catalog = catalog.with_metrics(metrics, str(path))
    specs, problems = analyse_rules(pack, catalog.metrics, str(path))
    if problems:
        raise ConfigError(problems)
    return catalog, specs

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
from .yamlsafe import Document, load_yaml_file


def load_rule_pack(source: Path | Document, *, cached: bool = False) -> RulePack:
    """Read and validate one rule pack (a file, or a document already read, e.g. from stdin);
    problems name file:line. ``cached``: a file the catalogue is built from (:mod:`.yamlcache`)."""
    doc = source if isinstance(source, Document) else load_yaml_file(source, cached=cached)
    return validate_document(doc, RulePack, "a mapping with 'pack' and 'rules'")


def analyse_rules(pack: RulePack, metrics: Mapping[str, MetricDef], origin: str | None) -> tuple[list[RuleSpec], list[Problem]]:
    """Every rule of a pack analysed against the metrics, and the problems of those that fail."""
    specs, problems = [], []
    for rule in pack.rules:
        try:
            specs.append(analyse(rule, metrics))
        except RuleProblems as exc:
            problems += [Problem(message, file=origin) for message in exc.problems]
    return specs, problems

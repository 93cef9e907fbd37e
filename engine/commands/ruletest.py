"""Run the examples inside rule packs: each must-fire example must make its
rule fire, each must-not-fire example must leave it quiet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..data.sources import load_dataset
from ..evaluation.rules import Economy, evaluate_rules
from ..evaluation.tables import LEVEL_DIMS, metric_tables
from ..language.rulespec import RuleSpec
from ..loading.catalog import Catalog, get_catalog, read_rule_pack
from ..models.config import ClientConfig, RecordsSource
from ..problems import ConfigError


@dataclass
class ExampleResult:
    """One must-fire or must-not-fire example of a rule pack, run: passed, or what went wrong."""

    rule: str
    kind: str  # "fire" or "quiet"
    name: str
    passed: bool
    detail: str = ""


def _rules_from(paths: list[Path], catalog: Catalog) -> tuple[list[RuleSpec], Catalog]:
    """The analysed rules of the packs at ``paths`` (files or folders), else the catalogue's."""
    if not paths:
        return list(catalog.specs.values()), catalog
    specs: list[RuleSpec] = []
    files = [f for p in paths for f in (sorted(p.glob("*.yaml")) if p.is_dir() else [p])]
    for path in files:
        catalog, pack_specs = read_rule_pack(path, catalog, shipped_metrics_ok=True)
        specs += pack_specs
    return specs, catalog


def run_example(
    spec: RuleSpec, records: list[dict], params: dict[str, float], catalog: Catalog,
    benchmarks: dict[str, dict[str, float]] | None = None, currency: str = "USD",
) -> tuple[bool, str]:
    """Whether the rule fires on the records, and why not when it is skipped."""
    findings, skipped = example_findings([spec], records, catalog, {spec.rule.id: params}, benchmarks, currency)
    return bool(findings), skipped.get(spec.rule.id, "")


def example_findings(
    specs: list[RuleSpec], records: list[dict], catalog: Catalog, params: dict[str, dict[str, float]] | None = None,
    benchmarks: dict[str, dict[str, float]] | None = None, currency: str = "USD", economy: Economy | None = None,
) -> tuple[list, dict[str, str]]:
    """The findings of some rules on inline records, and why any rule was skipped."""
    config = ClientConfig(client="example", business_model="example", currency=currency, data=[RecordsSource(records=records)])
    dataset = load_dataset(config, catalog, Path.cwd())
    tables = metric_tables(dataset, catalog, LEVEL_DIMS)
    outcome = evaluate_rules(specs, tables, catalog, params or {}, economy or Economy(currency=currency), benchmarks or {})
    return outcome.findings, outcome.skipped


def run_examples(paths: list[Path], catalog: Catalog | None = None) -> list[ExampleResult]:
    specs, catalog = _rules_from(paths, catalog or get_catalog())
    results = []
    for spec in sorted(specs, key=lambda s: s.rule.id):
        rule = spec.rule
        if not rule.examples.fire:
            results.append(ExampleResult(rule.id, "fire", "(none)", False, "a rule needs at least one must-fire example"))
        if not rule.examples.quiet:
            results.append(ExampleResult(rule.id, "quiet", "(none)", False, "a rule needs at least one must-not-fire example"))
        for kind, examples in (("fire", rule.examples.fire), ("quiet", rule.examples.quiet)):
            for example in examples:
                unknown = sorted(set(example.params) - set(rule.params))
                if unknown:
                    results.append(ExampleResult(rule.id, kind, example.name, False, f"bad example: unknown param '{unknown[0]}'"))
                    continue
                try:
                    fired, skipped = run_example(spec, example.records, example.params, catalog, example.benchmarks, example.currency)
                except ConfigError as exc:
                    results.append(ExampleResult(rule.id, kind, example.name, False, f"bad example: {exc}"))
                    continue
                if kind == "fire":
                    passed = fired
                    detail = "" if passed else "did not fire" + (f": skipped, {skipped}" if skipped else "")
                elif example.skipped:
                    passed = bool(skipped)
                    detail = "" if passed else ("fired" if fired else "ran, but the example expects the rule to be skipped")
                else:
                    # A quiet example must show the rule running and staying quiet, not being skipped.
                    passed = not fired and not skipped
                    detail = "" if passed else "fired" if fired else f"skipped ({skipped}); mark the example skipped: true if that is the point"
                results.append(ExampleResult(rule.id, kind, example.name, passed, detail))
    return results

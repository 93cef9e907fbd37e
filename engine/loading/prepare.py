"""The pipeline: config in, report out."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from ..host import manager_with
from ..language import expr
from ..language.rulespec import RuleSpec
from ..limits import check_count
from ..models.config import ClientConfig
from ..models.definitions import DIMENSIONS, RuleDef
from ..problems import ConfigError, Problem, format_path, not_a_file
from .catalog import Catalog, get_catalog, read_rule_pack
from .validation import known_fields_for, problems_from_validation_error, validate_document
from .yamlsafe import Document, load_yaml_file, load_yaml_text

CONFIG_FIELDS = known_fields_for(ClientConfig)


@dataclass
class LoadedConfig:
    """A client config, validated, with the folder its relative paths start from."""

    config: ClientConfig
    base_dir: Path
    doc: Document | None = None

    def problem(self, path: tuple, message: str) -> Problem:
        if self.doc is not None:
            return self.doc.problem(path, message)
        return Problem(message, path=format_path(path))


def config_from_document(doc: Document, base_dir: Path) -> LoadedConfig:
    try:
        config = validate_document(doc, ClientConfig, "a mapping of config fields (client, business_model, data, ...)", CONFIG_FIELDS)
    except ConfigError as exc:
        extra = _unknown_model_beside(doc, exc.problems)
        raise ConfigError(sorted(exc.problems + extra, key=lambda p: p.line or 0) if extra else exc.problems) from None
    return LoadedConfig(config=config, base_dir=base_dir, doc=doc)


def _unknown_model_beside(doc: Document, problems: list[Problem]) -> list[Problem]:
    """A business model the installed catalogue does not know, told beside the schema's problems:
    a misspelt model changes every ranking, and should not wait until a bad goal is fixed. Not
    where the config loads plugins of its own (one may add the model)."""
    data = doc.data
    model = data.get("business_model") if isinstance(data, dict) else None
    if not isinstance(model, str) or data.get("plugins") or any(p.path.startswith("business_model") for p in problems):
        return []
    message = _unknown_model(model, get_catalog(manager_with([])))
    return [doc.problem(("business_model",), message)] if message else []


def _unknown_model(model: str, catalog: Catalog) -> str | None:
    if model in catalog.profiles:
        return None
    return f"unknown business model '{model}'{catalog.suggest(model, catalog.profiles)}; known: {', '.join(sorted(catalog.profiles))}"


def load_config(source: Any) -> LoadedConfig:
    """A path, YAML/JSON text via ``Document``, a mapping or a ClientConfig, validated."""
    if isinstance(source, LoadedConfig):
        return source
    if isinstance(source, ClientConfig):
        return LoadedConfig(config=source, base_dir=Path.cwd())
    if isinstance(source, Document):
        return config_from_document(source, Path.cwd())
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(Problem(not_a_file(path, "config file")))
        return config_from_document(load_yaml_file(path), path.resolve().parent)
    if isinstance(source, Mapping):
        try:
            config = ClientConfig.model_validate(dict(source))
        except ValidationError as exc:
            raise ConfigError(problems_from_validation_error(exc, None, known_fields=CONFIG_FIELDS)) from None
        return LoadedConfig(config=config, base_dir=Path.cwd())
    raise ConfigError(f"config must be a path, a mapping or a ClientConfig, got {type(source).__name__}")


def load_config_text(text: str | bytes, name: str = "<stdin>") -> LoadedConfig:
    return config_from_document(load_yaml_text(text, file=name), Path.cwd())


@dataclass
class Prepared:
    """A loaded config with the catalogue and the active rules it runs with."""

    loaded: LoadedConfig
    catalog: Catalog
    specs: list[RuleSpec]  # the active rules, analysed once, in id order

    @property
    def rules(self) -> list[RuleDef]:
        return [spec.rule for spec in self.specs]


def prepare(loaded: LoadedConfig, catalog: Catalog | None = None) -> Prepared:
    """Resolve plugins, extra metrics and rule packs; check every name the config uses."""
    config = loaded.config
    origin = loaded.doc.file if loaded.doc else "config"
    check_count("goals", len(config.goals), "goals in this config", file=origin if loaded.doc else None, path="goals")
    if catalog is None:
        files = [_resolve(loaded.base_dir, p) for p in config.plugins]
        catalog = get_catalog(manager_with(files))
    check_count("metrics", len(catalog.metrics) + len(config.metrics), "metrics in this run", file=origin if loaded.doc else None, path="metrics")
    problems = _check_config_metrics(loaded, catalog)
    if problems:
        raise ConfigError(problems)
    catalog = catalog.with_metrics(config.metrics, origin)
    rules = dict(catalog.rules)
    specs = dict(catalog.specs)
    for index, pack_path in enumerate(config.rules.packs):
        path = _resolve(loaded.base_dir, pack_path)
        if not path.is_file():
            raise ConfigError(loaded.problem(("rules", "packs", index), not_a_file(path, "rule pack")))
        catalog, pack_specs = read_rule_pack(path, catalog)
        check_count("rules", len(rules) + len(pack_specs), "rules in this run", file=str(path))
        for spec in pack_specs:
            rule = spec.rule
            if rule.id in rules:
                raise ConfigError(Problem(f"{path}: rule '{rule.id}' is already defined by {catalog.origins.get('rule:' + rule.id)}"))
            rules[rule.id] = rule
            specs[rule.id] = spec
    catalog = catalog.with_rules(rules, specs)
    check_count("rules", len(rules), "rules in this run")
    problems = check_config(loaded, catalog)
    if problems:
        raise ConfigError(problems)
    active = [specs[rule_id] for rule_id in sorted(rules) if rule_id not in config.rules.disable]
    return Prepared(loaded=loaded, catalog=catalog, specs=active)


def _check_config_metrics(loaded: LoadedConfig, catalog: Catalog) -> list[Problem]:
    """A config's own formulas, checked where the config can point at the line."""
    metrics = loaded.config.metrics
    known = set(catalog.metrics) | {m.id for m in metrics}
    problems = []
    for index, metric in enumerate(metrics):
        if metric.id in catalog.metrics:
            where = catalog.origins.get("metric:" + metric.id)
            problems.append(loaded.problem(("metrics", index, "id"), f"metric '{metric.id}' is already defined by {where}; choose another id"))
        if metric.id in DIMENSIONS or metric.id == "currency":
            problems.append(loaded.problem(("metrics", index, "id"), f"'{metric.id}' is a column that names a scope (a dimension), "
                                           "not a metric; choose another id"))
        if metric.formula is None:
            # A new base count read from data says how it combines over dates (docs/custom-metrics.md).
            if "combine" not in metric.model_fields_set:
                problems.append(loaded.problem(("metrics", index), f"metric '{metric.id}' needs a formula over other metrics "
                                               "(or, for a new count read from data, combine: sum, latest, max or none)"))
            continue
        try:
            parsed = expr.parse(metric.formula)
            expr.check_names(parsed, known)
            kind = expr.kind_of(parsed, dict.fromkeys(known, "number"))
        except expr.ExprError as exc:
            problems.append(loaded.problem(("metrics", index, "formula"), exc.message))
            continue
        if kind == "string":
            problems.append(loaded.problem(("metrics", index, "formula"), "gives text; a metric must be a number"))
    return problems


def _resolve(base_dir: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base_dir / path


def check_config(loaded: LoadedConfig, catalog: Catalog) -> list[Problem]:
    config = loaded.config
    problems = []
    if (unknown := _unknown_model(config.business_model, catalog)) is not None:
        problems.append(loaded.problem(("business_model",), unknown))
    for index, goal in enumerate(config.goals):
        if goal.objective not in catalog.goals:
            hint = catalog.suggest(goal.objective, catalog.goals)
            problems.append(loaded.problem(("goals", index, "objective"), f"unknown objective '{goal.objective}'{hint}; known: {', '.join(sorted(catalog.goals))}"))
        if goal.metric is not None and goal.metric not in catalog.metrics:
            hint = catalog.suggest(goal.metric, catalog.metrics)
            problems.append(loaded.problem(("goals", index, "metric"), f"unknown metric '{goal.metric}'{hint}"))
    for index, rule_id in enumerate(config.rules.disable):
        if rule_id not in catalog.rules:
            problems.append(loaded.problem(("rules", "disable", index), f"unknown rule '{rule_id}'{catalog.suggest(rule_id, catalog.rules)}"))
    for rule_id, params in config.rules.params.items():
        rule = catalog.rules.get(rule_id)
        if rule is None:
            problems.append(loaded.problem(("rules", "params", rule_id), f"unknown rule '{rule_id}'{catalog.suggest(rule_id, catalog.rules)}"))
            continue
        for name, value in params.items():
            if name == "confidence" and rule.chance is not None and not 0 < value < 1:
                problems.append(loaded.problem(("rules", "params", rule_id, name), f"a confidence level between 0 and 1 (e.g. 0.95), got {value}"))
            if name not in rule.params:
                known = ", ".join(sorted(rule.params)) or "none"
                problems.append(loaded.problem(("rules", "params", rule_id, name), f"rule '{rule_id}' has no param '{name}'{catalog.suggest(name, rule.params)}; its params: {known}"))
    metrics = set(catalog.metrics) | {m.id for m in config.metrics}
    for index, segment in enumerate(config.segments):
        if segment in metrics:
            problems.append(loaded.problem(("segments", index), f"'{segment}' is a metric, not a breakdown; name a column that splits "
                                           "the rows, such as age, gender, placement, device, country or region"))
    for metric_id in config.benchmarks:
        if metric_id not in catalog.metrics:
            problems.append(loaded.problem(("benchmarks", metric_id), f"unknown metric '{metric_id}'{catalog.suggest(metric_id, catalog.metrics)}"))
    for index, source in enumerate(config.data):
        fmt = getattr(source, "format", None)
        if fmt is not None and fmt not in catalog.formats:
            problems.append(loaded.problem(("data", index, "format"), f"unknown format '{fmt}'{catalog.suggest(fmt, catalog.formats)}; known: {', '.join(sorted(catalog.formats))}"))
    return problems

"""The catalog: every definition the loaded plugins provide, validated once.

Each hook is called plugin by plugin so that a failure or a bad definition is
reported with the plugin's name. Building a catalog is the expensive part of
start-up, so the catalog of the installed plugins is cached.
"""

from __future__ import annotations

import functools
import graphlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pluggy
from pydantic import BaseModel, ValidationError

from ..host import PluginInfo, get_plugin_manager, plugin_infos
from ..language import expr
from ..language.rulespec import RuleProblems, RuleSpec, analyse
from ..limits import check_count
from ..models.definitions import (
    Benchmark,
    DataFormat,
    GoalDef,
    MetricDef,
    ProfileDef,
    ReportFormat,
    RuleDef,
    RulePack,
)
from ..problems import ConfigError, PluginError, Problem, format_path
from .profiles import profile_problems, read_profile
from .rulepacks import analyse_rules, load_rule_pack
from .validation import problems_from_validation_error
from .yamlsafe import Document


_MEMO_MAX = 512  # entries of Catalog.memo


@dataclass(frozen=True)
class Catalog:
    """Every metric, rule, profile, benchmark, data format and reporter the plugins of a run give, with where each came from."""

    metrics: Mapping[str, MetricDef]
    rules: Mapping[str, RuleDef]
    profiles: Mapping[str, ProfileDef]
    goals: Mapping[str, GoalDef]
    benchmarks: tuple[Benchmark, ...]
    formats: Mapping[str, DataFormat]
    reporters: Mapping[str, ReportFormat]
    plugins: tuple[PluginInfo, ...] = ()
    origins: Mapping[str, str] = field(default_factory=dict)  # "metric:ctr" -> plugin or file
    aliases: Mapping[str, str] = field(default_factory=dict)  # column alias -> metric id
    order: tuple[str, ...] = ()  # derived metrics in dependency order
    specs: Mapping[str, RuleSpec] = field(default_factory=dict)  # rule id -> the rule analysed once, when loaded
    # What is worked out from the catalogue (and a data shape), once: a warm evaluate asked
    # base_inputs ~400 times and compiled ~40 metric formulas.
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def metric(self, metric_id: str) -> MetricDef:
        return self.metrics[metric_id]

    def remember(self, key: tuple, make: Callable[[], Any]) -> Any:
        """``make()``, kept under ``key`` for this catalogue's later calls: a server meets a bounded
        number of data shapes, but not a known one, so the memo starts over when full."""
        found = self.memo.get(key)
        if found is None:
            # Room for what every metric has once (its names, its base counts) beside the shapes:
            # a config of 880 metrics emptied a memo of 512 over and over (a million re-parses).
            if len(self.memo) >= _MEMO_MAX + 4 * len(self.metrics):
                self.memo.clear()
            found = self.memo[key] = make()
        return found

    def shipped_rule(self, rule_id: str) -> bool:
        """Whether a rule comes from the rule packs shipped in ``kpi_advisor/rules``: its figures'
        names (``outcome_last``) then mean what the shipped words for them say, where a
        consultant's own rule may mean something else by the same name (a ``drop``)."""
        origin = self.origins.get(f"rule:{rule_id}")
        return origin is not None and os.path.dirname(origin) == _shipped_folder()

    def formula_names(self, metric_id: str) -> frozenset[str]:
        """The names a derived metric's formula reads (none without a formula), parsed once: a
        report asks it of each finding's evidence (at agency 1M, 44,000 parses were 2.6 s)."""
        formula = self.metrics[metric_id].formula
        return self.remember(("formula_names", metric_id), lambda: frozenset(expr.parse(formula).names) if formula is not None else frozenset())

    def base_inputs(self, metric_id: str) -> list[str]:
        """The base counts a metric is computed from (itself, for a base count), each once."""
        return list(self.remember(("base_inputs", metric_id), lambda: self._base_inputs(metric_id)))

    def _base_inputs(self, root: str) -> tuple[str, ...]:
        # Depth first without recursion: a config may chain hundreds of metrics, each reading the
        # last. Every metric worked out on the way is remembered too: each root walked the metrics
        # under it again, quadratic in a config of hundreds of metrics that read the ones before.
        done: dict[str, tuple[str, ...]] = {}

        def known(metric_id: str) -> tuple[str, ...] | None:
            found = done.get(metric_id) or self.memo.get(("base_inputs", metric_id))
            return (metric_id,) if found is None and not self.metrics[metric_id].derived else found

        def reads(metric_id: str) -> list[str]:
            metric = self.metrics[metric_id]
            names = sorted(self.formula_names(metric_id)) if metric.formula is not None else sorted(metric.requires)
            return [name for name in names if name in self.metrics]

        found = known(root)
        if found is not None:
            return found
        path, pending, on_path = [root], [iter(reads(root))], {root}
        while path:
            name = next(pending[-1], None)
            if name is None:
                metric_id = path.pop()
                pending.pop()
                on_path.discard(metric_id)
                out: dict[str, None] = {}
                for read in reads(metric_id):
                    out.update(dict.fromkeys(done.get(read, ())))
                done[metric_id] = result = tuple(out)
                self.remember(("base_inputs", metric_id), lambda: result)
            elif name not in done and name not in on_path:  # one on the path is a cycle, refused when the catalogue is built
                if (found := known(name)) is not None:
                    done[name] = found
                else:
                    path.append(name)
                    pending.append(iter(reads(name)))
                    on_path.add(name)
        return done[root]

    def suggest(self, name: str, known: Iterable[str]) -> str:
        import difflib  # only for a name that is not known

        close = difflib.get_close_matches(name, list(known), n=1)
        return f" (did you mean '{close[0]}'?)" if close else ""

    def with_rules(self, rules: Mapping[str, RuleDef], specs: Mapping[str, RuleSpec]) -> "Catalog":
        """A copy with these rules; what the memo holds depends on the metrics alone, so it is shared."""
        copy = replace(self, rules=rules, specs=specs)
        object.__setattr__(copy, "memo", self.memo)
        return copy

    def with_metrics(self, extra: Iterable[MetricDef], origin: str) -> "Catalog":
        """A copy with a config's or rule pack's own metrics added and checked."""
        extra = list(extra)
        if not extra:
            return self
        metrics = dict(self.metrics)
        origins = dict(self.origins)
        problems = []
        for metric in extra:
            if metric.id in metrics:
                problems.append(Problem(f"metric '{metric.id}' is already defined by {origins.get('metric:' + metric.id)}", file=origin))
                continue
            metrics[metric.id] = metric
            origins["metric:" + metric.id] = origin
        if problems:
            raise ConfigError(problems)
        order = _metric_order(metrics, origins)
        return replace(self, metrics=metrics, origins=origins, order=order, aliases=_aliases(metrics))


# --- collecting hook results -------------------------------------------------


def _call_each(pm: pluggy.PluginManager, hook_name: str) -> list[tuple[str, list[Any]]]:
    """(plugin name, items) for every implementation of a hook, in registration order.

    Each implementation is called on its own so that a failure or a bad answer names its plugin,
    but always through pluggy (a subset caller without the other implementations), so that
    KPI_ADVISOR_TRACE_PLUGINS and hook wrappers see every call.
    """
    results = []
    hook = getattr(pm.hook, hook_name)
    impls = [impl for impl in hook.get_hookimpls() if not (impl.hookwrapper or impl.wrapper)]
    for impl in impls:  # registration order: built-ins before later plugins
        others = [other.plugin for other in impls if other.plugin is not impl.plugin]
        try:
            answers = pm.subset_hook_caller(hook_name, remove_plugins=others)()
        except Exception as exc:  # noqa: BLE001 - a plugin's failure must name the plugin
            raise PluginError(f"plugin '{impl.plugin_name}': {hook_name}() raised {type(exc).__name__}: {exc}") from None
        for answer in answers:  # one answer, or none when the plugin returned None
            if not isinstance(answer, (list, tuple)):
                raise PluginError(f"plugin '{impl.plugin_name}': {hook_name}() must return a list, got {type(answer).__name__}")
            results.append((impl.plugin_name, list(answer)))
    return results


def _validate(model: type[BaseModel], item: Any, where: str, doc: Document | None = None) -> Any:
    if isinstance(item, model):
        return item
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, doc)
        if doc is None:
            problems = [replace(p, message=f"{where}: {p.path + ': ' if p.path else ''}{p.message}", path="") for p in problems]
        raise PluginError(problems) from None


def _item_id(item: Any, key: str = "id") -> str:
    if isinstance(item, Mapping):
        return str(item.get(key, "?"))
    return str(getattr(item, key, "?"))


def _plugin_pack(path: Path, plugin: str) -> RulePack:
    """A rule pack a plugin names by path; a file it cannot provide names the plugin."""
    try:
        return load_rule_pack(path, cached=True)
    except ConfigError as exc:
        if path.is_file():
            raise  # the pack's own problems already name its file and line
        raise PluginError([replace(p, file=None, message=f"plugin '{plugin}': rule pack {path}: {p.message}") for p in exc.problems]) from None


def read_rule_pack(source: Path | Document, catalog: Catalog, *, shipped_metrics_ok: bool = False) -> tuple[Catalog, list[RuleSpec]]:
    """A pack file's analysed rules, and the catalogue with the pack's metrics added: the one way a
    rule-pack file is read for a run, `validate` and `test-rules`, so all three accept the same.

    :param shipped_metrics_ok: a metric the catalogue already has is taken as the same one (a
        shipped pack being validated or tested) instead of refused as defined twice (a run).
    """
    pack = load_rule_pack(source)
    origin = source.file if isinstance(source, Document) else str(source)
    check_count("metrics", len(catalog.metrics) + len(pack.metrics), "metrics in this run", file=origin)
    metrics = [m for m in pack.metrics if m.id not in catalog.metrics] if shipped_metrics_ok else pack.metrics
    catalog = catalog.with_metrics(metrics, origin)
    specs, problems = analyse_rules(pack, catalog.metrics, origin)
    if problems:
        raise ConfigError(problems)
    return catalog, specs


def load_profile_file(path: Path, known: Mapping[str, ProfileDef] | None = None) -> ProfileDef:
    """Read and validate one profile file; ``extends`` is resolved against ``known``."""
    return read_profile(path, str(path), known or {})


def _as_path(item: Any) -> Path | None:
    if isinstance(item, (str, Path)):
        return Path(item)
    return None


# --- checks across definitions ----------------------------------------------


def _aliases(metrics: Mapping[str, MetricDef]) -> dict[str, str]:
    return {alias: m.id for m in metrics.values() for alias in m.aliases}


def _metric_order(metrics: Mapping[str, MetricDef], origins: Mapping[str, str]) -> tuple[str, ...]:
    """Derived metrics sorted so each comes after what it reads; unknown names and cycles are errors."""
    # Sorted inputs keep the order, and so every report, identical across runs.
    graph: dict[str, list[str]] = {}
    problems = []
    for metric in sorted(metrics.values(), key=lambda m: m.id):
        if metric.formula is not None:
            where = f"metric '{metric.id}' ({origins.get('metric:' + metric.id, '?')})"
            try:
                parsed = expr.parse(metric.formula)
                expr.check_names(parsed, metrics.keys())
                kind = expr.kind_of(parsed, dict.fromkeys(metrics, "number"))
            except expr.ExprError as exc:
                problems.append(Problem(f"{where}: formula {metric.formula!r}: {exc.message}"))
                continue
            if kind == "string":
                problems.append(Problem(f"{where}: formula {metric.formula!r}: gives text; a metric must be a number"))
                continue
            graph[metric.id] = sorted(parsed.names)
        elif metric.polars is not None:
            unknown = [name for name in metric.requires if name not in metrics]
            if unknown:
                problems.append(Problem(f"metric '{metric.id}': requires unknown metric '{unknown[0]}'"))
                continue
            graph[metric.id] = sorted(metric.requires)
    if problems:
        raise ConfigError(problems)
    try:
        ordered = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise ConfigError(f"metrics depend on each other in a cycle: {cycle}") from None
    return tuple(name for name in ordered if name in metrics and metrics[name].derived)


# --- building ------------------------------------------------------------------


def build_catalog(pm: pluggy.PluginManager) -> Catalog:
    origins: dict[str, str] = {}
    metrics: dict[str, MetricDef] = {}

    def add(kind: str, store: dict, key: str, value: Any, plugin: str, replace_ok: bool = False) -> None:
        if key in store and not replace_ok:
            raise PluginError(f"plugin '{plugin}': {kind} '{key}' is already provided by {origins[f'{kind}:{key}']}")
        store[key] = value
        origins[f"{kind}:{key}"] = plugin

    for plugin, items in _call_each(pm, "kpi_advisor_metrics"):
        for index, item in enumerate(items):
            metric = _validate(MetricDef, item, f"plugin '{plugin}': metric '{_item_id(item)}' (item {index})")
            add("metric", metrics, metric.id, metric, plugin)

    rules: dict[str, RuleDef] = {}
    for plugin, items in _call_each(pm, "kpi_advisor_rule_packs"):
        for item in items:
            path = _as_path(item)
            pack = _plugin_pack(path, plugin) if path else _validate(RulePack, item, f"plugin '{plugin}': rule pack")
            origin = str(path) if path else plugin
            for metric in pack.metrics:
                add("metric", metrics, metric.id, metric, origin)
            for rule in pack.rules:
                add("rule", rules, rule.id, rule, origin)

    profiles: dict[str, ProfileDef] = {}
    for plugin, items in _call_each(pm, "kpi_advisor_profiles"):
        for item in items:
            path = _as_path(item)
            profile = read_profile(item, f"plugin '{plugin}': profile '{_item_id(item)}'", profiles, cached=True)
            origin = str(path) if path else plugin
            # A consultant's plugin may replace or adjust a shipped model on purpose; list models says so.
            if profile.id in profiles:
                verb = "adjusts" if profile.extends == profile.id else "replaces"
                origin = f"{origin} ({verb} {origins['model:' + profile.id]})"
            add("model", profiles, profile.id, profile, origin, replace_ok=True)

    goals: dict[str, GoalDef] = {}
    for plugin, items in _call_each(pm, "kpi_advisor_goals"):
        for item in items:
            goal = _validate(GoalDef, item, f"plugin '{plugin}': goal '{_item_id(item)}'")
            add("goal", goals, goal.id, goal, plugin)

    benchmarks = []
    for plugin, items in _call_each(pm, "kpi_advisor_benchmarks"):
        for index, item in enumerate(items):
            benchmarks.append(_validate(Benchmark, item, f"plugin '{plugin}': benchmark {index}"))

    formats: dict[str, DataFormat] = {}
    for plugin, items in _call_each(pm, "kpi_advisor_data_formats"):
        for item in items:
            fmt = _coerce_dataclass(DataFormat, item, plugin, "data format", ("name", "read"))
            add("format", formats, fmt.name, fmt, plugin)

    reporters: dict[str, ReportFormat] = {}
    for plugin, items in _call_each(pm, "kpi_advisor_report_formats"):
        for item in items:
            fmt = _coerce_dataclass(ReportFormat, item, plugin, "report format", ("name", "render"))
            add("report format", reporters, fmt.name, fmt, plugin)

    order = _metric_order(metrics, origins)
    specs: dict[str, RuleSpec] = {}
    problems = []
    for rule in rules.values():
        try:
            specs[rule.id] = analyse(rule, metrics)
        except RuleProblems as exc:
            problems += [Problem(f"{message} ({origins['rule:' + rule.id]})") for message in exc.problems]
    problems += _check_cross_refs(metrics, profiles, goals, benchmarks, origins)
    if problems:
        raise PluginError(problems)
    return Catalog(
        metrics=metrics,
        rules=rules,
        profiles=profiles,
        goals=goals,
        benchmarks=tuple(benchmarks),
        formats=formats,
        reporters=reporters,
        plugins=tuple(plugin_infos(pm)),
        origins=origins,
        aliases=_aliases(metrics),
        order=order,
        specs=specs,
    )


def _check_cross_refs(metrics, profiles, goals, benchmarks, origins) -> list[Problem]:
    problems = []
    for profile in profiles.values():
        where = f"model '{profile.id}' ({origins['model:' + profile.id]})"
        for path, message in profile_problems(profile, metrics, goals):
            problems.append(Problem(f"{where}: {format_path(path)}: {message}"))
    for goal in goals.values():
        for metric_id in goal.metrics:
            if metric_id not in metrics:
                problems.append(Problem(f"goal '{goal.id}' ({origins['goal:' + goal.id]}): unknown metric '{metric_id}'"))
    for bench in benchmarks:
        if bench.metric not in metrics:
            problems.append(Problem(f"benchmark for unknown metric '{bench.metric}' ({bench.source})"))
    return problems


def _coerce_dataclass(cls, item: Any, plugin: str, kind: str, required: tuple[str, ...]):
    if isinstance(item, cls):
        return item
    if isinstance(item, Mapping) and all(key in item for key in required):
        try:
            return cls(**item)
        except TypeError as exc:
            raise PluginError(f"plugin '{plugin}': {kind} {_item_id(item, 'name')!r}: {exc}") from None
    raise PluginError(f"plugin '{plugin}': {kind} must be a {cls.__name__} or a mapping with {', '.join(required)}; got {type(item).__name__}")


@functools.cache
def _shipped_folder() -> str:
    from importlib.resources import files

    return str(files("kpi_advisor.rules"))


@functools.cache
def _installed_catalog() -> Catalog:
    from ..collector import start_done
    from ..limits import at_least_defaults, pinned

    # Pinned: the ~300 rule and metric formulas parsed here read the limits once, not each.
    with at_least_defaults(), pinned():
        catalog = build_catalog(get_plugin_manager())
    start_done()  # the last of a command line's start-up: the collector may run again
    return catalog


def get_catalog(pm: pluggy.PluginManager | None = None) -> Catalog:
    """The catalog for a manager; the installed plugins' catalog is built once."""
    if pm is None or pm is get_plugin_manager():
        return _installed_catalog()
    return build_catalog(pm)


def clear_caches() -> None:
    """Forget the plugin manager and catalog (tests, or after installing a plugin)."""
    _installed_catalog.cache_clear()
    get_plugin_manager.cache_clear()

"""Business-model profiles: reading one (from a YAML file, a plugin's mapping or
a ProfileDef), resolving ``extends`` against the models loaded before it, and
checking it against the metric catalogue and the goal objectives.

A consultant adjusts a shipped model from a plugin with a few lines::

    {"id": "consulting", "extends": "consulting", "goals": {"support": "medium"}}

and adds one (``{"id": "franchise", "extends": "local_business", "name": ...}``)
without editing the shipped files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from ..models.definitions import STAGES, ProfileDef
from ..problems import ConfigError, PluginError, Problem
from .validation import known_fields_for, problems_from_validation_error
from .yamlsafe import Document, load_yaml_file

# Mappings merge key by key when a profile extends another; everything else replaces.
PROFILE_FIELDS = known_fields_for(ProfileDef)
MERGED_FIELDS = ("tracking", "stages", "goals", "goal_kpis", "goal_notes", "metric_notes", "tracking_hints", "typical_growth")


def extend(parent: ProfileDef, patch: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``parent`` with ``patch`` laid over them."""
    merged = parent.model_dump(exclude={"extends"})
    for key, value in patch.items():
        if key in MERGED_FIELDS and isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def read_profile(item: Any, where: str, known: Mapping[str, ProfileDef], *, cached: bool = False) -> ProfileDef:
    """One profile from a path, a mapping or a ProfileDef; ``extends`` resolved against ``known``.

    Problems name the file and line (files) or the plugin and field (mappings).
    """
    if isinstance(item, ProfileDef):
        if item.extends is None:
            return item
        item = item.model_dump(exclude_unset=True)
    doc: Document | None = None
    if isinstance(item, (str, Path)):
        doc = load_yaml_file(Path(item), cached=cached)
        data = doc.data
        if not isinstance(data, dict):
            raise ConfigError(doc.problem((), f"expected a mapping describing one business model, got {type(data).__name__}"))
    elif isinstance(item, Mapping):
        data = dict(item)
    else:
        raise PluginError(f"{where}: a profile must be a path, a mapping or a ProfileDef, got {type(item).__name__}")

    parent_id = data.get("extends")
    if parent_id is not None:
        parent = known.get(parent_id) if isinstance(parent_id, str) else None
        if parent is None:
            message = f"extends unknown model {parent_id!r}; models loaded before this one: {', '.join(sorted(known)) or 'none'}"
            raise _error(doc, where, ("extends",), message)
        if data.get("id") != parent_id and "name" not in data:
            raise _error(doc, where, ("name",), f"a new model needs its own name (it extends {parent_id!r})")
        data = {**extend(parent, data), "extends": parent_id}
    try:
        return ProfileDef.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation_error(exc, doc, known_fields=PROFILE_FIELDS)
        if doc is None:
            problems = [Problem(f"{where}: {p.path + ': ' if p.path else ''}{p.message}") for p in problems]
            raise PluginError(problems) from None
        raise ConfigError(problems) from None


def _error(doc: Document | None, where: str, path: tuple, message: str) -> Exception:
    if doc is not None:
        return ConfigError(doc.problem(path, message))
    return PluginError(f"{where}: {'.'.join(map(str, path))}: {message}")


def profile_problems(profile: ProfileDef, metrics: Mapping[str, Any], goals: Mapping[str, Any]) -> list[tuple[tuple, str]]:
    """(field path, message) for every name a profile gets wrong or stage it leaves without a measure."""
    problems: list[tuple[tuple, str]] = []

    def metric(path: tuple, metric_id: str) -> None:
        if metric_id not in metrics:
            problems.append((path, f"unknown metric '{metric_id}'{_close(metric_id, metrics)}"))

    def goal(path: tuple, goal_id: str) -> None:
        if goal_id not in goals:
            problems.append((path, f"unknown goal '{goal_id}'{_close(goal_id, goals)}; known: {', '.join(sorted(goals))}"))

    seen: dict[str, str] = {}
    for stage, ids in profile.stages.items():
        for index, metric_id in enumerate(ids):
            metric(("stages", stage, index), metric_id)
            if metric_id in seen:
                problems.append((("stages", stage, index), f"'{metric_id}' already marks the {seen[metric_id]} stage; a metric marks one stage"))
            seen.setdefault(metric_id, stage)
    for index, metric_id in enumerate(profile.macro_kpis):
        metric(("macro_kpis", index), metric_id)
    for index, metric_id in enumerate(profile.proxies):
        metric(("proxies", index), metric_id)
        stage = profile.stage_of(metric_id)
        if stage is not None and profile.tracking.get(stage, "online") == "offline":
            problems.append((("proxies", index), f"'{metric_id}' marks the {stage} stage, which is tracked offline; a proxy must be trackable online"))
    offline = [stage for stage in STAGES if profile.tracking.get(stage) == "offline"]
    if offline and not profile.proxies:
        problems.append((("proxies",), f"the {' and '.join(offline)} stage is tracked offline: name the online metrics that stand in for it"))
    for goal_id in profile.goals:
        goal(("goals", goal_id), goal_id)
    for goal_id, ids in profile.goal_kpis.items():
        goal(("goal_kpis", goal_id), goal_id)
        for index, metric_id in enumerate(ids):
            metric(("goal_kpis", goal_id, index), metric_id)
    for goal_id in profile.goal_notes:
        goal(("goal_notes", goal_id), goal_id)
    for field in ("metric_notes", "tracking_hints"):
        for metric_id in getattr(profile, field):
            metric((field, metric_id), metric_id)
    for key in profile.typical_growth:
        if key not in STAGES:
            metric(("typical_growth", key), key)
    problems += funnel_problems(profile.funnel, metrics)
    for field in ("goal_notes", "metric_notes"):
        for key, text in getattr(profile, field).items():
            if text.rstrip().endswith(".") or ". " in text:
                problems.append(((field, key), "write one clause without a full stop; it is completed into a sentence"))
    return problems


def funnel_problems(funnel: list, metrics: Mapping[str, Any]) -> list[tuple[tuple, str]]:
    """A funnel names known count metrics, each once; branches hold two steps or more."""
    problems: list[tuple[tuple, str]] = []
    seen: set[str] = set()

    def step(path: tuple, item: str | list[str]) -> None:
        ids = [item] if isinstance(item, str) else list(item)
        if not ids:
            problems.append((path, "an empty step; name at least one metric"))
        for offset, metric_id in enumerate(ids):
            where = path if isinstance(item, str) else path + (offset,)
            if metric_id not in metrics:
                problems.append((where, f"unknown metric '{metric_id}'{_close(metric_id, metrics)}"))
            elif getattr(metrics[metric_id], "formula", None) is not None:
                problems.append((where, f"'{metric_id}' is a ratio or formula; a funnel step is a count people pass (e.g. clicks, leads)"))
            if metric_id in seen:
                problems.append((where, f"'{metric_id}' is already a step of this funnel"))
            seen.add(metric_id)

    for index, item in enumerate(funnel):
        branches = getattr(item, "branches", None)
        if branches is None:
            step(("funnel", index), item)
            continue
        for offset, branch in enumerate(branches):
            step(("funnel", index, "branches", offset), branch)
    return problems


def _close(name: str, known: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""

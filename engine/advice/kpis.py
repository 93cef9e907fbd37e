"""Which KPIs matter: worked backwards from the goal, for one business model.

For each goal the client names (or, without goals, the model's core goals):

1. **macro** - the macro KPI the goal ends in for this model (the model's macro
   KPIs that measure the goal, or, for a goal that does not pay by itself such
   as awareness, the model's first macro KPI);
2. **measure** - how the model measures the goal, best first (the profile's
   ``goal_kpis``, else the goal's own list narrowed to what the model tracks);
3. **proxy** - for a model whose last stages happen offline, the online metrics
   that stand in for them (a shop loses the trail at the door);
4. **driver** - the model's stage markers up to the stage where the goal ends,
   weighted by how deep an intent they show (a demo request outweighs a like)
   and discounted where a stage cannot be followed online;
5. **result** - the model's other macro KPIs, further down the funnel.

Across several goals the more relevant goal's entries come first. A metric the
catalogue marks as a shallow signal that none of the goals, macro KPIs or
proxies connects to is *vanity* for this client: it is listed after the others,
flagged, so nobody mistakes it for a result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..loading.catalog import Catalog
from ..models.definitions import RELEVANCE_WEIGHT, STAGES, GoalDef, MetricDef, ProfileDef
from ..models.report import Kpi
from ..problems import ConfigError, Problem
from .wording import (
    STAGE_PHRASES,
    goal_label,
    join_and,
    metric_label,
    model_noun,
    sentence,
    tracking_hint,
)

STAGE_DEPTH = {stage: depth for depth, stage in enumerate(STAGES, start=1)}
# How much of an intent signal survives when a stage can only partly be followed online.
TRACKING_FACTOR = {"online": 1.0, "partial": 0.75, "offline": 0.5}
TRACKING_WORDS = {"online": "tracked online", "partial": "tracked partly online", "offline": "tracked offline"}
DEFAULT_LIMIT = 12
ROLES = ("macro", "measure", "proxy", "driver", "result", "vanity")

@dataclass(frozen=True)
class GoalView:
    """How one goal reads for one business model."""

    goal: GoalDef
    relevance: str
    measures: tuple[str, ...]  # best first
    head: tuple[str, ...]  # the macro KPIs the goal ends in
    path_depth: int  # stage markers up to this depth lead to the goal's macro KPI

    @property
    def weight(self) -> float:
        return RELEVANCE_WEIGHT[self.relevance]


@dataclass(frozen=True)
class Ranked:
    """A recommended KPI with the reasoning that placed it (``role``, ``goal``)."""

    metric: str
    stage: str
    role: str
    goal: str
    why: str
    vanity: bool
    rank: int = 0

    def as_kpi(self) -> Kpi:
        return Kpi(metric=self.metric, stage=self.stage, rank=self.rank, why=self.why, vanity=self.vanity)


# --- names ---------------------------------------------------------------------


# --- lookups -------------------------------------------------------------------


def resolve_profile(catalog: Catalog, model: str) -> ProfileDef:
    profile = catalog.profiles.get(model)
    if profile is None:
        hint = catalog.suggest(model, catalog.profiles)
        raise ConfigError(Problem(f"unknown business model '{model}'{hint}; known: {', '.join(sorted(catalog.profiles))}", path="business_model"))
    return profile


def check_goals(catalog: Catalog, goals: list[str]) -> None:
    unknown = [g for g in goals if g not in catalog.goals]
    if unknown:
        hint = catalog.suggest(unknown[0], catalog.goals)
        raise ConfigError(Problem(f"unknown goal '{unknown[0]}'{hint}; known: {', '.join(sorted(catalog.goals))}", path="goal"))


def default_goals(profile: ProfileDef) -> list[str]:
    """The goals a model is about when the client names none: its core goals (else its high ones)."""
    for level in ("core", "high"):
        chosen = [g for g, r in profile.goals.items() if r == level]
        if chosen:
            return chosen
    return list(profile.goals)[:1]


def stage_in(profile: ProfileDef, catalog: Catalog, metric_id: str) -> str:
    """The stage the model files a metric under, else the catalogue's stage."""
    return profile.stage_of(metric_id) or catalog.metrics[metric_id].stage


def goal_view(catalog: Catalog, profile: ProfileDef, goal_id: str) -> GoalView:
    goal = catalog.goals[goal_id]
    explicit = profile.goal_kpis.get(goal_id)
    if explicit:
        measures = list(explicit)
    else:
        tracked = {m for ids in profile.stages.values() for m in ids} | set(profile.macro_kpis) | set(profile.proxies)
        measures = [m for m in goal.metrics if m in tracked] or list(goal.metrics)
    head = [m for m in measures if m in profile.macro_kpis] or [_macro_for(catalog, profile, goal)]
    # Up to the macro KPI for a goal that feeds it (awareness, leads); the whole
    # funnel for one that comes after the sale (support, loyalty).
    path_depth = max([STAGE_DEPTH[stage_in(profile, catalog, m)] for m in head] + [STAGE_DEPTH[goal.stage]])
    return GoalView(goal=goal, relevance=profile.relevance(goal_id), measures=tuple(measures), head=tuple(head), path_depth=path_depth)


def _macro_for(catalog: Catalog, profile: ProfileDef, goal: GoalDef) -> str:
    """The macro KPI a goal that does not measure one feeds: the first one at or past the
    goal's stage (awareness feeds qualified leads), else the deepest (support feeds revenue)."""
    depth = {m: STAGE_DEPTH[stage_in(profile, catalog, m)] for m in profile.macro_kpis}
    later = [m for m in profile.macro_kpis if depth[m] >= STAGE_DEPTH[goal.stage]]
    if later:
        return later[0]
    deepest = max(depth.values())
    return next(m for m in profile.macro_kpis if depth[m] == deepest)


def connected_metrics(views: list[GoalView], profile: ProfileDef) -> set[str]:
    """Metrics the goals, the model's results or its proxies connect to; the rest of the shallow ones are vanity."""
    out = set(profile.macro_kpis) | set(profile.proxies)
    for view in views:
        out |= set(view.measures) | set(view.head)
    return out


# --- ranking -------------------------------------------------------------------


def rank_kpis(catalog: Catalog, model: str | ProfileDef, goals: list[str] | tuple[str, ...] = (), *,
              limit: int | None = DEFAULT_LIMIT, keep: tuple[str, ...] | list[str] = ()) -> list[Ranked]:
    """The model's KPIs for the goals, ranked; ``limit`` caps the connected ones, vanity ones follow.

    ``keep`` names metrics to list even past the limit (the metrics a client's goals are set on).
    """
    profile = model if isinstance(model, ProfileDef) else resolve_profile(catalog, model)
    goals = list(dict.fromkeys(goals))
    check_goals(catalog, goals)
    # The same catalogue, model and goals rank alike: a warm evaluate ranked three times a call
    # (the KPIs, and the goals' paths), ~1.6 ms of its ~26. The entry holds the profile it was
    # made for, so a config's own model of the same name is never answered from another's.
    key = ("rank_kpis", profile.id, tuple(goals), limit, tuple(keep))
    made_for, ranked = catalog.remember(key, lambda: (profile, _rank(catalog, profile, goals, limit, keep)))
    return list(ranked if made_for is profile else _rank(catalog, profile, goals, limit, keep))


def _rank(catalog: Catalog, profile: ProfileDef, goals: list[str], limit: int | None, keep: tuple[str, ...] | list[str]) -> tuple[Ranked, ...]:
    chosen = goals or default_goals(profile)
    # A goal the model has no use for ranks nothing (the command says so instead).
    chosen = [g for g in chosen if profile.relevance(g) != "none"]
    if not chosen:
        return ()
    views = [goal_view(catalog, profile, g) for g in chosen]
    # The more relevant goal leads; the client's order breaks ties.
    views = sorted(views, key=lambda v: -v.weight)
    connected = connected_metrics(views, profile)
    noun = model_noun(profile)

    placed: dict[str, tuple[tuple, str, GoalView]] = {}

    def offer(metric_id: str, key: tuple, role: str, view: GoalView) -> None:
        if metric_id not in placed or key < placed[metric_id][0]:
            placed[metric_id] = (key, role, view)

    for index, view in enumerate(views):
        for position, metric_id in enumerate(view.head):
            offer(metric_id, (0, index, position), "macro", view)
        for position, metric_id in enumerate(view.measures):
            offer(metric_id, (1, index, position), "measure", view)
        for position, metric_id in enumerate(profile.proxies):
            offer(metric_id, (2, index, position), "proxy", view)
        for stage, ids in profile.stages.items():
            if STAGE_DEPTH[stage] > view.path_depth:
                continue
            factor = TRACKING_FACTOR[profile.tracking.get(stage, "online")]
            # In the macro KPI's own stage only the shallower markers lead to it.
            first = ids.index(view.head[0]) + 1 if view.head[0] in ids else 0
            for position, metric_id in enumerate(ids):
                if position < first or metric_id in profile.macro_kpis:
                    continue  # a result, not a step toward one
                intent = STAGE_DEPTH[stage] + 0.5 * (1 - position / len(ids))
                offer(metric_id, (3, index, -round(intent * factor, 6)), "driver", view)
        for position, metric_id in enumerate(profile.macro_kpis):
            offer(metric_id, (4, index, position), "result", view)

    def is_vanity(metric_id: str) -> bool:
        return catalog.metrics[metric_id].vanity and metric_id not in connected

    kept = sorted((m for m in placed if not is_vanity(m)), key=lambda m: (placed[m][0], m))
    if limit is not None:
        kept = [m for index, m in enumerate(kept) if index < limit or m in keep]
    # Every shallow marker of the model that nothing connects to, in funnel order.
    vanity = [m for stage in STAGES for m in profile.stages.get(stage, []) if is_vanity(m)]

    out: list[Ranked] = []
    for metric_id in kept:
        _, role, view = placed[metric_id]
        out.append(_ranked(catalog, profile, noun, metric_id, role, view, views, len(out) + 1))
    for metric_id in vanity:
        out.append(_ranked(catalog, profile, noun, metric_id, "vanity", views[0], views, len(out) + 1))
    return tuple(out)


def _ranked(catalog: Catalog, profile: ProfileDef, noun: str, metric_id: str, role: str, view: GoalView, views: list[GoalView], rank: int) -> Ranked:
    metric = catalog.metrics[metric_id]
    stage = stage_in(profile, catalog, metric_id)
    return Ranked(
        metric=metric_id,
        stage=stage,
        role=role,
        goal=view.goal.id,
        why=_why(catalog, profile, noun, metric, stage, role, view, views),
        vanity=role == "vanity",
        rank=rank,
    )


def _why(catalog: Catalog, profile: ProfileDef, noun: str, metric: MetricDef, stage: str, role: str, view: GoalView, views: list[GoalView]) -> str:
    """One sentence naming the model and the goal."""
    goal = f"the {goal_label(view.goal)} goal"
    label = metric_label(metric)
    note = profile.metric_notes.get(metric.id)
    head = metric_label(catalog.metrics[view.head[0]])
    if role == "macro" and metric.id in view.measures:
        tail = f", and {note}" if note else ", so every other number is judged by how it moves this one"
        return sentence(f"Macro KPI of {noun}: {goal} ends in {label}{tail}")
    if role == "macro":
        return sentence(f"Macro KPI of {noun}: {goal} does not pay by itself, so judge it by what it adds to {label}")
    if role == "measure":
        if view.relevance in ("low", "none"):
            reason = profile.goal_notes.get(view.goal.id)
            return sentence(f"Measures {goal} directly, though that goal matters little for {noun}" + (f": {reason}" if reason else ""))
        return sentence(f"Measures {goal} of {noun} directly" + (f": {note}" if note else ""))
    if role == "proxy":
        away = [s for s in STAGES if profile.tracking.get(s) == "offline"] or [s for s in STAGES if profile.tracking.get(s) == "partial"]
        if away:
            verb = "is" if len(away) == 1 else "are"
            where = f"the {join_and(away)} stage{'s' if len(away) > 1 else ''} {verb} tracked offline"
        else:
            where = "its results are hard to follow online"
        return sentence(f"Proxy for {noun}: {where}, so {label} is the best online measure of the return on {goal}")
    if role == "driver":
        tracking = profile.tracking.get(stage, "online")
        caveat = "" if tracking == "online" else f" ({TRACKING_WORDS[tracking]})"
        return sentence(f"{stage.capitalize()} step{caveat} on the way to {head} for {goal} of {noun}: {note or STAGE_PHRASES[stage]}")
    if role == "result":
        return sentence(f"Macro KPI of {noun} further down the funnel than {goal} reaches: keep it in view, " + (note or "as it is what pays the bills"))
    goals = join_and([goal_label(v.goal) for v in views])
    plural = "s" if len(views) > 1 else ""
    return sentence(f"Vanity for the {goals} goal{plural} of {noun}: it does not lead to {head}, so watch it for steering only, never report it as a result")


def recommend(catalog: Catalog, model: str, goals: list[str], *, limit: int | None = DEFAULT_LIMIT, keep: tuple[str, ...] | list[str] = ()) -> list[Kpi]:
    """The KPIs that matter for a model and its goals, ranked (see the module docstring)."""
    return [r.as_kpi() for r in rank_kpis(catalog, model, goals, limit=limit, keep=keep)]


# --- tracking hints in a run ---------------------------------------------------------


def with_data(kpis: list[Kpi], available: set[str], catalog: Catalog, profile: ProfileDef | None = None) -> list[Kpi]:
    """Mark which KPIs the data covers, and say how to start tracking the others that matter."""
    out = []
    for kpi in kpis:
        has = kpi.metric in available
        hint = None if has or kpi.vanity else tracking_hint(catalog, kpi.metric, available, profile)
        out.append(kpi.model_copy(update={"has_data": has, "tracking_hint": hint}))
    return out


# --- explaining ------------------------------------------------------------------


def explain_profile(catalog: Catalog, profile: ProfileDef) -> str:
    lines = [f"model {profile.id}: {profile.name}", f"  {profile.description}"]
    if profile.extends:
        lines.append(f"  extends: {profile.extends}")
    lines.append(f"  macro KPIs: {', '.join(profile.macro_kpis)}")
    lines.append("  funnel (deepest intent first within a stage):")
    for stage in STAGES:
        ids = profile.stages.get(stage)
        if ids:
            lines.append(f"    {stage} ({TRACKING_WORDS[profile.tracking.get(stage, 'online')]}): {', '.join(ids)}")
    if profile.proxies:
        lines.append(f"  online proxies for what happens offline: {', '.join(profile.proxies)}")
    lines.append("  goals:")
    ordered = sorted(catalog.goals, key=lambda g: (-RELEVANCE_WEIGHT[profile.relevance(g)], g))
    for goal_id in ordered:
        view = goal_view(catalog, profile, goal_id)
        stated = "" if goal_id in profile.goals else " (not stated)"
        measured = "not a goal for this model" if view.relevance == "none" else f"measured by {', '.join(view.measures[:5])}"
        lines.append(f"    {goal_id:<13}{view.relevance + stated:<8} {measured}")
        if goal_id in profile.goal_notes:
            lines.append(f"      {profile.goal_notes[goal_id]}")
    if profile.typical_growth:
        lines.append("  typical monthly growth: " + ", ".join(f"{k} {v:+.0%}" for k, v in profile.typical_growth.items()))
    lines += [f"  note: {note}" for note in profile.notes]
    lines.append(f"  provided by: {catalog.origins.get('model:' + profile.id)}")
    lines.append(f"  ranked KPIs: kpi-advisor kpis --model {profile.id} [--goal GOAL]")
    return "\n".join(lines)


def explain_goal(catalog: Catalog, goal: GoalDef) -> str:
    lines = [f"goal {goal.id}: {goal.name}", f"  {goal.description}", f"  stage: {goal.stage}",
             f"  measured by (unless a model says otherwise): {', '.join(goal.metrics)}", "  relevance by model:"]
    for profile in sorted(catalog.profiles.values(), key=lambda p: (-RELEVANCE_WEIGHT[p.relevance(goal.id)], p.id)):
        note = profile.goal_notes.get(goal.id)
        lines.append((f"    {profile.id:<18}{profile.relevance(goal.id):<8}" + (note or "")).rstrip())
    return "\n".join(lines)


def _core_goals(catalog: Catalog, profile: ProfileDef) -> str:
    core = default_goals(profile)
    names = join_and([goal_label(catalog.goals[g]) for g in core if g in catalog.goals])
    return f"; its core goal{'s are' if len(core) > 1 else ' is'} {names}"


def render_text(catalog: Catalog, model: str, goals: list[str], kpis: list[Kpi]) -> str:
    """The ``kpis`` command's text output."""
    profile = resolve_profile(catalog, model)
    chosen = list(dict.fromkeys(goals)) or default_goals(profile)
    named = ", ".join(f"{goal_label(catalog.goals[g])} ({profile.relevance(g)})" for g in chosen)
    lead = "goals" if len(chosen) > 1 else "goal"
    header = f"KPIs for {model_noun(profile)}, {lead}: {named}" + ("" if goals else " (the model's core goals)")
    lines = [header]
    for goal_id in chosen:
        if profile.relevance(goal_id) == "none":
            reason = profile.goal_notes.get(goal_id)
            lines.append(sentence(f"No KPIs for the {goal_label(catalog.goals[goal_id])} goal: {model_noun(profile)} has no use for it"
                                  + (f" ({reason})" if reason else "")
                                  + _core_goals(catalog, profile)))
    for kpi in kpis:
        flag = " (vanity)" if kpi.vanity else ""
        lines.append(f"{kpi.rank:>3}. {kpi.metric}{flag} [{kpi.stage}]: {kpi.why}")
    return "\n".join(lines) + "\n"


# --- the KPI table in docs/kpis.md -----------------------------------------------------

DOCS_BEGIN = "<!-- BEGIN GENERATED: python -m kpi_advisor.commands.regenerate -->"
DOCS_END = "<!-- END GENERATED -->"
DOCS_TOP = 8


def kpi_table_markdown(catalog: Catalog, top: int = DOCS_TOP) -> str:
    """Per model, per goal: the top ranked KPIs and the vanity ones, as Markdown tables."""
    parts: list[str] = []
    for profile in sorted(catalog.profiles.values(), key=lambda p: p.id):
        parts.append(f"### `{profile.id}`: {profile.name}\n")
        parts.append(f"{profile.description}\n")
        parts.append(f"Macro KPIs: {', '.join(f'`{m}`' for m in profile.macro_kpis)}." + (
            f" Online proxies for the offline stages: {', '.join(f'`{m}`' for m in profile.proxies)}." if profile.proxies else ""))
        parts.append("")
        parts.append(f"| goal | relevance | ranked KPIs (top {top}) | vanity for this goal |")
        parts.append("| --- | --- | --- | --- |")
        ordered = sorted(catalog.goals, key=lambda g: (-RELEVANCE_WEIGHT[profile.relevance(g)], g))
        for goal_id in ordered:
            ranked = rank_kpis(catalog, profile, [goal_id], limit=top)
            kept = ", ".join(f"{r.rank}. `{r.metric}`" + ("" if r.role in ("driver", "result") else f" ({r.role})") for r in ranked if not r.vanity)
            vanity = ", ".join(f"`{r.metric}`" for r in ranked if r.vanity) or "none"
            parts.append(f"| {goal_id} | {profile.relevance(goal_id)} | {kept} | {vanity} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def write_docs(path: Path, catalog: Catalog) -> bool:
    """Rewrite the generated block of ``path``; True if it changed."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(DOCS_BEGIN) + r".*?" + re.escape(DOCS_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path}: no generated block ({DOCS_BEGIN} ... {DOCS_END})")
    new = pattern.sub(lambda _: f"{DOCS_BEGIN}\n\n{kpi_table_markdown(catalog)}\n{DOCS_END}", text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text

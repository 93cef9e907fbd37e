"""Which KPIs matter: worked backwards from the goal for one business model.

The macro KPIs of the model come first (they pay the bills); then the metrics
that measure the client's goals, weighted by the goal's relevance to the model
and by how deep an intent the action shows (a demo request outweighs a like);
then the stage markers of the model, discounted where a stage cannot be tracked
online (its proxies are raised instead).
"""

from __future__ import annotations

from .catalog import Catalog
from .definitions import RELEVANCE_WEIGHT, ProfileDef
from .problems import ConfigError, Problem
from .report import Kpi

# How deep an intent an action at each stage shows.
INTENT_DEPTH = {"awareness": 1.0, "interest": 2.0, "evaluation": 3.0, "purchase": 4.0, "loyalty": 3.0}
TRACKING_FACTOR = {"online": 1.0, "partial": 0.6, "offline": 0.3}
DEFAULT_LIMIT = 12

TRACKING_HINTS = {
    "purchase": "turn on e-commerce tracking by product and source, and tag each channel's links with UTM parameters",
    "evaluation": "add a thank-you-page goal in analytics and a 'how did you hear about us' field on the lead form",
    "interest": "tag each channel's links with UTM parameters so clicks and sessions split by channel",
    "awareness": "export reach and impressions per channel from each platform's insights",
    "loyalty": "count repeat customers and support replies in the CRM or help desk and export them per month",
}
METRIC_HINTS = {
    "store_visits": "count store visits with a footfall counter or platform store-visit conversions",
    "coupon_redemptions": "share a discount code only on social and count its redemptions at the till",
    "leads": "add a lead form field 'how did you hear about us' and a thank-you-page goal in analytics",
    "qualified_leads": "mark leads as qualified in the CRM and export the count per channel",
}


def model_label(profile: ProfileDef) -> str:
    return profile.name


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


def recommend(catalog: Catalog, model: str, goals: list[str], *, limit: int = DEFAULT_LIMIT) -> list[Kpi]:
    profile = resolve_profile(catalog, model)
    check_goals(catalog, goals)
    chosen = list(dict.fromkeys(goals)) or [g for g, r in profile.goals.items() if r == "core"] or list(profile.goals)[:1]
    scores: dict[str, float] = {}
    reasons: dict[str, str] = {}
    connected: set[str] = set(profile.macro_kpis) | set(profile.proxies)

    def offer(metric_id: str, score: float, why: str) -> None:
        if score > scores.get(metric_id, float("-inf")):
            scores[metric_id] = score
            reasons[metric_id] = why

    goal_names = " and ".join(catalog.goals[g].name.lower() for g in chosen)
    for index, metric_id in enumerate(profile.macro_kpis):
        offer(metric_id, 100 - index, f"Macro KPI for {profile.name}: it is the result the {goal_names} goal should end in.")
    for goal_id in chosen:
        goal = catalog.goals[goal_id]
        relevance = profile.goals.get(goal_id, "medium")
        weight = RELEVANCE_WEIGHT[relevance]
        for index, metric_id in enumerate(goal.metrics):
            connected.add(metric_id)
            stage = catalog.metrics[metric_id].stage
            score = 40 * weight + 5 * INTENT_DEPTH[stage] * TRACKING_FACTOR[profile.tracking.get(stage, "online")] - index
            offer(metric_id, score, f"Measures the {goal.name.lower()} goal ({relevance} relevance for {profile.name}); a {stage}-stage signal.")
    for metric_id in profile.proxies:
        offer(metric_id, 45, f"For {profile.name} the last stages happen offline, so {catalog.metrics[metric_id].title} is the best online proxy for return on the {goal_names} goal.")
    for stage, metric_ids in profile.stages.items():
        factor = TRACKING_FACTOR[profile.tracking.get(stage, "online")]
        for index, metric_id in enumerate(metric_ids):
            offer(metric_id, 5 * INTENT_DEPTH[stage] * factor - index * 0.5, f"Marks the {stage} stage for {profile.name}; it steers toward the {goal_names} goal.")

    ranked = sorted(scores, key=lambda m: (-scores[m], m))[:limit]
    return [
        Kpi(
            metric=metric_id,
            stage=catalog.metrics[metric_id].stage,
            rank=rank,
            why=reasons[metric_id],
            vanity=metric_id not in connected and catalog.metrics[metric_id].vanity,
        )
        for rank, metric_id in enumerate(ranked, start=1)
    ]


def with_data(kpis: list[Kpi], available: set[str], catalog: Catalog) -> list[Kpi]:
    """Mark which KPIs the data covers and say how to start tracking the rest."""
    out = []
    for kpi in kpis:
        has = kpi.metric in available
        hint = None if has else METRIC_HINTS.get(kpi.metric, TRACKING_HINTS[kpi.stage])
        out.append(kpi.model_copy(update={"has_data": has, "tracking_hint": hint}))
    return out

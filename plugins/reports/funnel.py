"""Funnels for the reports: the stage counts of each channel, the conversion from
each step to the next, and the step where the findings say it leaks.

The steps are the base counts a channel has, in the order people pass them
(seen, clicked, visited, stayed, became a lead, bought). "Stayed" is the engaged
sessions where the data has them, else the sessions that did not bounce.

A finding is placed on the step its evidence points at: each ratio in the
evidence (bounce rate = bounces / sessions) links two steps, and the ratio that
is on the wrong side of its threshold for its direction (a bounce rate above the
maximum) marks the leak. A finding whose evidence links no two steps falls back
to the weakest step of its funnel stage; failing that it is listed with the
funnel but not drawn on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping

from kpi_advisor.language import expr

if TYPE_CHECKING:
    from kpi_advisor.loading.catalog import Catalog
    from kpi_advisor.models.report import Finding, Report

ENGAGED = "engaged_sessions"
STAYED = "sessions_without_bounce"  # sessions - bounces, when the data has no engaged sessions
# The order people pass the counts in; each entry takes the first id the data has.
PATH: tuple[tuple[str, ...], ...] = (
    ("impressions", "reach"),
    ("clicks",),
    ("sessions",),
    (ENGAGED,),
    ("app_store_views",),
    ("installs",),
    ("leads",),
    ("qualified_leads",),
    ("demo_requests",),
    ("test_drive_bookings",),
    ("trial_signups",),
    ("add_to_cart",),
    ("checkouts",),
    ("purchases",),
    ("subscriptions",),
    ("customers",),
    ("store_visits",),
    ("coupon_redemptions",),
)


@dataclass
class Step:
    metric: str
    value: float
    conversion: float | None = None  # this step / the one before
    leaks: list["Finding"] = field(default_factory=list)  # findings that place the leak on the way into this step

    @property
    def leaking(self) -> bool:
        return bool(self.leaks)


@dataclass
class Funnel:
    scope: dict[str, str]
    steps: list[Step]
    findings: list["Finding"] = field(default_factory=list)  # every finding on this scope or inside it
    unplaced: list["Finding"] = field(default_factory=list)  # findings no step could be tied to

    @property
    def leak_steps(self) -> list[int]:
        return [index for index, step in enumerate(self.steps) if step.leaking]


def funnel_steps(values: Mapping[str, float | None]) -> list[Step]:
    def have(metric_id: str) -> float | None:
        # Zero is a real count (nobody bought) except at the top, where it means the step is not tracked.
        value = values.get(metric_id)
        return float(value) if value is not None and (value > 0 or (steps and value == 0)) else None

    steps: list[Step] = []
    for options in PATH:
        for metric_id in options:
            value = have(metric_id)
            if value is None and metric_id == ENGAGED:
                sessions, bounces = have("sessions"), values.get("bounces")
                if sessions is not None and bounces is not None and 0 <= bounces <= sessions:
                    metric_id, value = STAYED, sessions - float(bounces)
            if value is not None:
                previous = steps[-1].value if steps else None
                steps.append(Step(metric=metric_id, value=value, conversion=value / previous if previous else None))
                break
    return steps


def _ratio_steps(metric_id: str, catalog: "Catalog", index: Mapping[str, int]) -> int | None:
    """The deeper of the two steps a ratio metric links, if it links two."""
    metric = catalog.metrics.get(metric_id)
    if metric is None or metric.formula is None:
        return None
    try:
        names = expr.parse(metric.formula).names
    except expr.ExprError:
        return None
    # A ratio over bounces (bounce rate) says how many sessions stayed.
    steps = {(STAYED if STAYED in index else ENGAGED) if n == "bounces" else n for n in names}
    found = sorted({index[n] for n in steps if n in index})
    return found[-1] if len(found) == 2 and found[0] != found[-1] else None


def wrong_side(finding: "Finding", metric_id: str, catalog: "Catalog") -> bool | None:
    """Whether the evidence for a metric is past its threshold the bad way (None: cannot tell)."""
    value, limit = finding.evidence.get(metric_id), finding.thresholds.get(metric_id)
    metric = catalog.metrics.get(metric_id)
    if metric is None:
        return None
    direction = metric.direction
    if value is None or limit is None or direction == "neutral":
        return None
    return value >= limit if direction == "lower" else value <= limit


def place(finding: "Finding", steps: list[Step], catalog: "Catalog") -> int | None:
    """Index of the step a finding marks as the leak, or None."""
    index = {step.metric: i for i, step in enumerate(steps)}
    candidates: list[tuple[bool | None, int]] = []
    for metric_id in finding.evidence:
        target = _ratio_steps(metric_id, catalog, index)
        if target is not None:
            candidates.append((wrong_side(finding, metric_id, catalog), target))
    for wanted in (True, None):
        picked = [target for side, target in candidates if side is wanted]
        if picked:
            return picked[-1]
    # Two step counts in the evidence (checkouts and purchases) point at the step between them.
    counts = sorted(index[metric_id] for metric_id in finding.evidence if metric_id in index)
    if len(counts) >= 2:
        return counts[-1]
    # Money and cost findings (ROAS, cost per lead) say nothing about one step of the funnel.
    return None


def _channel_values(report: "Report") -> tuple[dict[str, float | None], dict[str, dict[str, float | None]]]:
    total: dict[str, float | None] = {}
    channels: dict[str, dict[str, float | None]] = {}
    for entry in report.metrics:
        if not entry.scope:
            total = dict(entry.values)
        elif set(entry.scope) == {"channel"}:
            channels[entry.scope["channel"]] = dict(entry.values)
    return total, channels


def build_funnels(report: "Report", catalog: "Catalog") -> list[Funnel]:
    """One funnel per channel; one for all data when there are no channels, or findings on all data."""
    total, channels = _channel_values(report)
    funnels: list[Funnel] = []
    unchannelled = [f for f in report.findings if "channel" not in f.scope]
    if not channels or unchannelled:
        funnels.append(_funnel({}, total, unchannelled if channels else report.findings, catalog))
    for channel, values in channels.items():
        mine = [f for f in report.findings if f.scope.get("channel") == channel]
        funnels.append(_funnel({"channel": channel}, values, mine, catalog))
    return [funnel for funnel in funnels if funnel.steps]


def _funnel(scope: dict[str, str], values: Mapping[str, float | None], findings: Iterable["Finding"], catalog: "Catalog") -> Funnel:
    steps = funnel_steps(values)
    funnel = Funnel(scope=scope, steps=steps, findings=list(findings))
    for finding in funnel.findings:
        where = place(finding, steps, catalog) if steps else None
        if where is None:
            funnel.unplaced.append(finding)
        else:
            steps[where].leaks.append(finding)
    return funnel

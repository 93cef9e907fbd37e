"""Funnels for the reports: the stage counts of each channel, the conversion from
each step to the next, and the step where the findings say it leaks.

The steps come from the business model's profile (``funnel:`` in its YAML, or a
plugin profile's mapping): the base counts in the order people pass them, and
rows of branches that people take side by side (a call, a direction request, a
store visit). Each step is measured against the serial step before it; a branch
against the step before the branches, never against another branch. A share over
100% (more store visits than clicks) is not a share, so reports show none. A
model without a funnel gets a generic web path. "Stayed" is the engaged sessions
where the data has them, else the sessions that did not bounce.

A finding is placed on the step its evidence points at: each ratio in the
evidence (bounce rate = bounces / sessions) links two steps, and the ratio that
is on the wrong side of its threshold for its direction (a bounce rate above the
maximum) marks the leak. A finding whose evidence links no two steps falls back
to the weakest step of its funnel stage; failing that it is listed with the
funnel but not drawn on it.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from kpi_advisor.language import expr

if TYPE_CHECKING:
    from kpi_advisor.loading.catalog import Catalog
    from kpi_advisor.models.report import Finding, Report

ENGAGED = "engaged_sessions"
STAYED = "sessions_without_bounce"  # sessions - bounces, when the data has no engaged sessions
# The funnel of a model that declares none (a plugin's): one web path, every step following the one before.
DEFAULT_FUNNEL: tuple = (
    ("impressions", "reach"),
    "clicks",
    "sessions",
    ENGAGED,
    "leads",
    "qualified_leads",
    "add_to_cart",
    "checkouts",
    "purchases",
)


@dataclass
class Step:
    """One step of a scope's funnel: its metric, its value and its conversion from the step before."""

    metric: str
    value: float
    conversion: float | None = None  # this step / the step it is measured against (``source``)
    leaks: list["Finding"] = field(default_factory=list)  # findings that place the leak on the way into this step
    source: str | None = None  # the metric of the step before this one (for a branch: the step before the branches)
    row: int = 0  # steps with the same row are branches, drawn side by side
    # The conversion is the report's paired ratio of the two steps (over the rows that carry both
    # counts: a campaign's clicks beside its visits), not this step's total over the one before.
    paired: bool = False

    @property
    def leaking(self) -> bool:
        return bool(self.leaks)

    @property
    def share(self) -> float | None:
        """The conversion as a share that went on, or None where it cannot be one (over 100%)."""
        return self.conversion if self.conversion is not None and self.conversion <= 1 else None


@dataclass
class Funnel:
    """A scope's funnel steps with the findings on it."""

    scope: dict[str, str]
    steps: list[Step]
    findings: list["Finding"] = field(default_factory=list)  # every finding on this scope or inside it
    unplaced: list["Finding"] = field(default_factory=list)  # findings no step could be tied to
    not_shown: int = 0  # findings on this scope or inside it that a short report left out
    # Findings shown on a wider scope (an account's roll-up) whose members fired on this scope or inside it.
    covered: list["Finding"] = field(default_factory=list)
    not_shown_wider: int = 0  # such findings on a wider scope that a short report left out

    @property
    def flagged_elsewhere(self) -> bool:
        """Whether something fired here that the report lists elsewhere or leaves out."""
        return bool(self.not_shown or self.covered or self.not_shown_wider)

    @property
    def leak_steps(self) -> list[int]:
        return [index for index, step in enumerate(self.steps) if step.leaking]

    @property
    def rows(self) -> list[list[int]]:
        """Indices of the steps, row by row; a row of two or more holds parallel branches."""
        out: dict[int, list[int]] = {}
        for index, step in enumerate(self.steps):
            out.setdefault(step.row, []).append(index)
        return list(out.values())


def _items(spec) -> list[tuple[bool, list[tuple[str, ...]]]]:
    """The declared funnel as (parallel, [alternatives per step]) rows."""
    rows = []
    for item in spec:
        branches = item.get("branches") if isinstance(item, dict) else getattr(item, "branches", None)
        if branches is not None:
            rows.append((True, [(b,) if isinstance(b, str) else tuple(b) for b in branches]))
        else:
            rows.append((False, [(item,) if isinstance(item, str) else tuple(item)]))
    return rows


def funnel_steps(values: Mapping[str, float | None], spec=None) -> list[Step]:
    """The steps of a funnel the data has, each measured against the serial step before it.

    ``spec`` is a profile's ``funnel`` (see ProfileDef); None or empty is the default web path.
    A row of branches is measured against the step before the branches, never one branch against
    another, and the step after the branches against the step before them too. When the data
    has only one of the branches, that one is simply the next step.
    """
    return _steps(values, _items(spec or DEFAULT_FUNNEL))


def _steps(values: Mapping[str, float | None], items: list[tuple[bool, list[tuple[str, ...]]]]) -> list[Step]:
    """funnel_steps() of a funnel already read as rows (``_items``): read once for a report's funnels."""

    def have(metric_id: str) -> float | None:
        # Zero is a real count (nobody bought) except at the top, where it means the step is not tracked.
        value = values.get(metric_id)
        return float(value) if value is not None and (value > 0 or (steps and value == 0)) else None

    def first(options: tuple[str, ...]) -> tuple[str, float] | None:
        for metric_id in options:
            value = have(metric_id)
            if value is None and metric_id == ENGAGED:
                sessions, bounces, rate = have("sessions"), values.get("bounces"), values.get("bounce_rate")
                if sessions is not None and rate is not None and 0 <= rate <= 1:
                    # The bounce rate is paired (only sessions that carry bounces): applied to all
                    # sessions, the step's share is the rate the findings quote, even where part
                    # of the sessions has no bounce count.
                    return STAYED, float(round(sessions * (1 - float(rate))))  # visits are whole
                if sessions is not None and bounces is not None and 0 <= bounces <= sessions:
                    return STAYED, sessions - float(bounces)
            if value is not None:
                return metric_id, value
        return None

    steps: list[Step] = []
    before: Step | None = None  # the last serial step
    row = 0
    for parallel, options_list in items:
        found = [hit for options in options_list if (hit := first(options)) is not None]
        if not found:
            continue
        for metric_id, value in found:
            conversion = value / before.value if before is not None and before.value else None
            steps.append(Step(metric=metric_id, value=value, conversion=conversion, source=before.metric if before else None, row=row))
        if not parallel or len(found) == 1:
            before = steps[-1]  # one branch the data has is simply the next step
        row += 1
    return steps


def _ratio_steps(metric_id: str, catalog: "Catalog", index: Mapping[str, int]) -> int | None:
    """The deeper of the two steps a ratio metric links, if it links two."""
    metric = catalog.metrics.get(metric_id)
    if metric is None or metric.formula is None:
        return None
    try:
        names = catalog.formula_names(metric_id)
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
    return _place(finding, tuple(step.metric for step in steps), catalog, None)


def _place(finding: "Finding", layout: tuple[str, ...], catalog: "Catalog", memo: dict | None) -> int | None:
    """place() on a funnel of these steps' metrics. ``memo`` keeps what the steps' metrics and the
    evidence's names alone decide, for the next finding with the same ones (build_funnels: an
    agency's 37,000 findings on 5,000 funnels share a few dozen)."""
    names = tuple(finding.evidence)
    found = memo.get((layout, names)) if memo is not None else None
    if found is None:
        found = _placing(layout, names, catalog)
        if memo is not None:
            memo[layout, names] = found
    ratios, between = found
    candidates = [(wrong_side(finding, metric_id, catalog), target) for metric_id, target in ratios]
    for wanted in (True, None):
        picked = [target for side, target in candidates if side is wanted]
        if picked:
            return picked[-1]
    return between


def _placing(layout: tuple[str, ...], names: tuple[str, ...], catalog: "Catalog") -> tuple[list[tuple[str, int]], int | None]:
    """The steps a finding with these evidence names may mark on a funnel of these steps: each ratio
    metric's deeper step, and the step two counts point at (checkouts and purchases: the step
    between them). Money and cost findings (ROAS, cost per lead) say nothing about one step."""
    index = {metric: i for i, metric in enumerate(layout)}
    ratios = [(metric_id, target) for metric_id in names if (target := _ratio_steps(metric_id, catalog, index)) is not None]
    counts = sorted(index[metric_id] for metric_id in names if metric_id in index)
    return ratios, counts[-1] if len(counts) >= 2 else None


# A channel scope: a channel, or a channel within an account (scopes nest as the data does).
CHANNEL_SCOPES = ({"channel"}, {"account", "channel"})


def channel_scopes(report: "Report") -> dict[str, tuple[dict[str, str], dict[str, float | None]]]:
    """Each channel scope of the report by its label ("facebook", or "shop-a / facebook" where
    the data names accounts): its scope and its totals."""
    out = {}
    for entry in report.metrics:
        if set(entry.scope) in CHANNEL_SCOPES:
            out[" / ".join(entry.scope.values())] = (dict(entry.scope), dict(entry.values))
    return out


def _totals_and_spec(report: "Report", catalog: "Catalog") -> tuple[dict[str, float | None], Any]:
    total = next((dict(m.values) for m in report.metrics if not m.scope), {})
    profile = catalog.profiles.get(report.business_model)
    return total, profile.funnel if profile is not None else None


def all_data_funnel(report: "Report", catalog: "Catalog") -> Funnel | None:
    """The funnel of all data, with no finding on it; None where the totals make no steps."""
    total, spec = _totals_and_spec(report, catalog)
    funnel = _funnel({}, total, [], catalog, spec)
    return funnel if funnel.steps else None


def _values_of(dims: tuple[str, ...]) -> Callable[[Mapping[str, str]], tuple]:
    """A scope's values of ``dims`` as a tuple (KeyError where one is missing)."""
    if len(dims) == 1:
        (dim,) = dims
        return lambda scope: (scope[dim],)
    return operator.itemgetter(*dims) if dims else (lambda scope: ())


def build_funnels(report: "Report", catalog: "Catalog") -> list[Funnel]:
    """One funnel per channel scope; one for all data when there are none, or findings outside them."""
    total, spec = _totals_and_spec(report, catalog)
    channels = channel_scopes(report)

    # Each finding under the channel scopes that contain it, in report order: one pass over the
    # findings, not one per channel (an agency's 5,000 channels times its 37,000 findings).
    shapes = list(dict.fromkeys(tuple(scope) for scope, _ in channels.values()))
    known = {tuple(scope.items()) for scope, _ in channels.values()}
    # Per shape of channel scope: its dimensions' values as one tuple, and its scopes by those
    # values. A scope's homes are looked up, not built as (dimension, value) pairs: an agency's
    # 37,000 findings left out of a short report are each looked up here.
    lookups = [(_values_of(dims), {tuple(value for _, value in key): key for key in known if tuple(d for d, _ in key) == dims})
               for dims in shapes]

    def homes(scope: dict[str, str]) -> list[tuple]:
        """The channel scopes that contain ``scope``: () where none does (all data)."""
        keys = []
        for values_of, by_values in lookups:
            try:
                key = by_values.get(values_of(scope))
            except KeyError:  # the scope lacks one of the shape's dimensions
                continue
            if key is not None:
                keys.append(key)
        return keys or [()]

    held: dict[tuple, list[Finding]] = {}
    for finding in report.findings:
        for key in homes(finding.scope):
            held.setdefault(key, []).append(finding)
    not_shown: dict[tuple, int] = {}
    for scope in getattr(report, "_not_shown", ()):  # a report built elsewhere may not carry it
        for key in homes(scope):
            not_shown[key] = not_shown.get(key, 0) + 1
    # A roll-up on a wider scope (an account whose channels mostly fired) speaks for its members'
    # channels: their funnels say so instead of "no leak", also where a short report left it out.
    # A member wider than a channel (an account inside an all-data roll-up) speaks for every
    # channel in it only where all its own children fired ("3 of 3"): which of 2 of 3 did is not kept.
    by_item: dict[tuple[str, str], set[tuple]] = {}
    for key in known:
        for item in key:
            by_item.setdefault(item, set()).add(key)

    def member_channels(member: dict) -> list[tuple]:
        scope = member.get("scope") or {}
        keys = homes(scope)
        evidence = member.get("evidence") or {}
        if keys == [()] and scope and member.get("members") and evidence.get("members_fired") == evidence.get("members_total"):
            keys = sorted(set.intersection(*(by_item.get(item, set()) for item in scope.items())))
        return keys

    def wider(scope: dict[str, str], members: Iterable[dict]) -> list[tuple]:
        """The channel scopes a finding's members fired in, other than those holding the finding itself."""
        own = homes(scope)
        return [key for key in dict.fromkeys(key for member in members for key in member_channels(member)) if key != () and key not in own]

    covered: dict[tuple, list[Finding]] = {}
    for finding in report.findings:
        if finding.members:
            for key in wider(finding.scope, finding.members):
                covered.setdefault(key, []).append(finding)
    not_shown_wider: dict[tuple, int] = {}
    for scope, members in getattr(report, "_not_shown_inside", ()):
        for key in wider(scope, members):
            not_shown_wider[key] = not_shown_wider.get(key, 0) + 1

    funnels: list[Funnel] = []
    # Read once for every funnel of the report: the profile's funnel as rows, and place()'s memo.
    items, memo = _items(spec or DEFAULT_FUNNEL), {}
    if not channels or () in held or () in not_shown:
        funnels.append(_funnel({}, total, held.get((), []), catalog, spec, not_shown.get((), 0), memo=memo, items=items))
    for scope, values in channels.values():
        key = tuple(scope.items())
        funnels.append(_funnel(scope, values, held.get(key, []), catalog, spec, not_shown.get(key, 0), covered.get(key, []),
                               not_shown_wider.get(key, 0), memo, items))
    return [funnel for funnel in funnels if funnel.steps]


# A metric that is one count over another, as the catalogue writes it (sessions / clicks).
_RATIO = re.compile(r"\s*([a-z_][a-z0-9_]*)\s*/\s*([a-z_][a-z0-9_]*)\s*")


def step_ratios(catalog: "Catalog") -> dict[tuple[str, str], str]:
    """(step, step before) -> the catalogue's metric that is the one over the other
    (click_to_session_rate = sessions / clicks); the first such metric wins. Worked out once a
    catalogue: an agency's report draws 5,000 funnels."""

    def ratios() -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for metric in catalog.metrics.values():
            if metric.formula and (match := _RATIO.fullmatch(metric.formula)):
                out.setdefault((match.group(1), match.group(2)), metric.id)
        return out

    return catalog.remember(("funnel step ratios",), ratios)


def pair_shares(steps: list[Step], values: Mapping[str, float | None], ratios: Mapping[tuple[str, str], str]) -> None:
    """Each step's share of the step before as the scope's ratio of the two where the catalogue
    has one (``step_ratios``): the report gives it paired, over the rows that carry both counts,
    where the totals' division would count the clicks of campaigns whose visits no source gives
    as visits lost. None where no row carries both."""
    for step in steps:
        ratio = ratios.get((step.metric, step.source)) if step.source is not None else None
        if ratio is None or ratio not in values:
            continue
        paired = values[ratio]
        if paired is None:
            step.conversion, step.paired = None, True
        elif step.conversion is None or not math.isclose(paired, step.conversion, rel_tol=1e-9):
            step.conversion, step.paired = float(paired), True


def _funnel(scope: dict[str, str], values: Mapping[str, float | None], findings: Iterable["Finding"], catalog: "Catalog", spec=None,
            not_shown: int = 0, covered: list["Finding"] | None = None, not_shown_wider: int = 0, memo: dict | None = None,
            items: list | None = None) -> Funnel:
    steps = _steps(values, items) if items is not None else funnel_steps(values, spec)
    pair_shares(steps, values, step_ratios(catalog))
    funnel = Funnel(scope=scope, steps=steps, findings=list(findings), not_shown=not_shown, covered=list(covered or ()),
                    not_shown_wider=not_shown_wider)
    layout = tuple(step.metric for step in steps)
    for finding in funnel.findings:
        where = _place(finding, layout, catalog, memo) if steps else None
        if where is None:
            funnel.unplaced.append(finding)
        else:
            steps[where].leaks.append(finding)
    return funnel

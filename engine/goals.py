"""SMART checks and progress of a client's goals."""

from __future__ import annotations

import datetime as dt

import polars as pl

from .catalog import Catalog
from .config import ClientConfig, Goal
from .data import Dataset
from .definitions import ProfileDef
from .report import GoalStatus, SmartCheck

# Growth per month beyond which a target is not achievable without evidence from
# the account's own history. +20% in a quarter needs about 6.3% a month.
TYPICAL_MONTHLY_GROWTH = 0.15
DAYS_PER_MONTH = 30.4375


def _months(start: dt.date, end: dt.date) -> float:
    return max((end - start).days / DAYS_PER_MONTH, 0.0)


def _series(dataset: Dataset | None, goal: Goal) -> pl.DataFrame | None:
    """Per-date values of the goal's base count (on the goal's channel when given)."""
    if dataset is None or goal.metric not in dataset.counts or "date" not in dataset.dims:
        return None
    frame = dataset.frame
    if goal.channel is not None and "channel" in dataset.dims:
        frame = frame.filter(pl.col("channel") == goal.channel)
    series = frame.group_by("date").agg(pl.col(goal.metric).sum()).drop_nulls().sort("date")
    return series if series.height else None


def check_goal(goal: Goal, config: ClientConfig, catalog: Catalog, profile: ProfileDef, dataset: Dataset | None, available: set[str]) -> GoalStatus:
    notes: list[str] = []
    metric = catalog.metrics.get(goal.metric) if goal.metric else None
    specific = goal.metric is not None and goal.channel is not None
    if goal.metric is None:
        notes.append("specific: name the metric the goal moves")
    elif goal.channel is None:
        notes.append("specific: name the channel the goal is for")
    measurable = metric is not None and (dataset is None or goal.metric in available)
    if goal.metric is not None and metric is None:
        notes.append(f"measurable: '{goal.metric}' is not a known metric")
    elif metric is not None and not measurable:
        notes.append(f"measurable: the data has no '{goal.metric}' yet")
    relevance = profile.goals.get(goal.objective, "medium")
    relevant = relevance in ("core", "high", "medium")
    if not relevant:
        notes.append(f"relevant: {goal.objective} matters little for {profile.name} ({relevance})")
    time_bound = goal.by is not None
    if not time_bound:
        notes.append("time-bound: give a date ('by')")

    target = goal.target_value()
    series = _series(dataset, goal)
    start = config.period.start if config.period else (series.get_column("date")[0] if series is not None else None)
    achievable: bool | None = None
    if target is None or goal.baseline is None or goal.by is None or start is None:
        notes.append("achievable: needs baseline, target (or change), date and a period start to judge")
    else:
        months = _months(start, goal.by)
        if months <= 0:
            achievable = False
            notes.append(f"achievable: the date {goal.by} is not after the start {start}")
        elif goal.baseline == 0:
            achievable = None
            notes.append("achievable: a baseline of zero gives no growth rate to judge")
        else:
            needed = (target / goal.baseline) ** (1 / months) - 1
            achievable = needed <= TYPICAL_MONTHLY_GROWTH
            notes.append(
                f"achievable: needs {needed:+.1%} a month for {months:.1f} months"
                f" ({'within' if achievable else 'beyond'} the typical {TYPICAL_MONTHLY_GROWTH:.0%} a month)"
            )

    status, current = "unknown", None
    if series is not None and target is not None and goal.baseline is not None and goal.by is not None and start is not None:
        last_date = series.get_column("date")[-1]
        is_stock = metric is not None and metric.aggregate == "last"
        current = float(series.get_column(goal.metric)[-1] if is_stock else series.get_column(goal.metric).sum())
        total_days = max((goal.by - start).days, 1)
        expected = min(max((last_date - start).days / total_days, 0.0), 1.0)
        gap = target - goal.baseline if is_stock else target
        done = (current - goal.baseline) / gap if is_stock and gap else (current / gap if gap else 1.0)
        if done >= expected - 0.05:
            status = "on_track"
        elif done >= expected * 0.75:
            status = "at_risk"
        else:
            status = "off_track"
        notes.append(f"progress: {done:.0%} of the way on {last_date}, {expected:.0%} of the time gone")
    return GoalStatus(
        id=goal.id,
        metric=goal.metric,
        status=status,
        smart=SmartCheck(specific=specific, measurable=measurable, achievable=achievable, relevant=relevant, time_bound=time_bound),
        notes=notes,
        current=current,
        target=target,
    )

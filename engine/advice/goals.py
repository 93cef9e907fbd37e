"""SMART checks and progress of a client's goals.

- **specific**: the goal names its metric and its channel (``channel: all`` is
  a deliberate choice of every channel);
- **measurable**: the metric is known and the data holds it (for a derived
  metric, every count it is computed from) on the goal's channel;
- **achievable**: the growth a month the goal needs is within the typical range
  for the metric, or within what the account itself has shown in its dated data;
- **relevant**: the objective matters for the business model (core, high or
  medium) and the metric connects to it (it is not vanity for that objective);
- **time-bound**: the goal has a date.

Status, where dated data covers the metric inside the goal's window (from the
period start to ``by``), compares the progress with a straight line from the
baseline to the target: on track at 95% of that pace or better, at risk from
75%, off track below. A stock such as followers is judged by its latest value;
a flow such as purchases by its total since the start (its target is the total
for the window); a ratio by its value in the latest month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import polars as pl

from ..data.engines import engine_for
from ..data.held import number
from ..data.sources import Dataset
from ..evaluation.tables import add_derived, combined_over_dates, stable
from ..i18n.formatting import format_value
from ..loading.catalog import Catalog
from ..models.config import ClientConfig, Goal
from ..models.definitions import DIMENSIONS, MetricDef, ProfileDef
from ..models.report import GoalStatus, SmartCheck, significant
from .kpis import default_goals, rank_kpis
from .wording import goal_label, metric_label, metric_labels, model_noun, tracking_hint

DAYS_PER_MONTH = 30.4375
# Best monthly change that is typical without evidence from the account itself.
# Rules of thumb (see docs/kpis.md): +20% followers in a quarter needs +6.3% a
# month and is achievable; 5,000 to 1,000,000 in a quarter needs +485% and is not.
STOCK_GROWTH = 0.10  # audiences (followers) grow slowly
STAGE_GROWTH = {"awareness": 0.25, "interest": 0.15, "evaluation": 0.15, "purchase": 0.12, "loyalty": 0.08}
RATIO_CHANGE = 0.10  # a rate or a cost improves by about a tenth a month at best
HISTORY_HEADROOM = 1.25  # an account may keep up a little more than its own record
MIN_HISTORY_DAYS = 28
ON_TRACK, AT_RISK = 0.95, 0.75
ALL_CHANNELS = ("all", "any", "total")


@dataclass(frozen=True)
class Series:
    """The goal's metric over time on its channel."""

    daily: pl.DataFrame  # date + the base counts, summed per date
    monthly: pl.DataFrame  # month, last_date, rows, value
    kind: str  # "stock", "flow" or "ratio"
    cadence: float  # median days between dated rows


def _kind(metric: MetricDef) -> str:
    """ratio (derived), stock (combines as its latest value: followers), level (a count that does
    not add up over time: reach, unique users; judged by its latest month) or flow (adds up)."""
    if metric.derived:
        return "ratio"
    return {"latest": "stock", "sum": "flow"}.get(metric.combine, "level")


def _improvement(ratio: float, months: float, lower_is_better: bool) -> float:
    """Monthly improvement that turns a level into ``ratio`` times it over ``months``."""
    if lower_is_better:
        return 1 - ratio ** (1 / months)
    return ratio ** (1 / months) - 1


def typical_change(metric: MetricDef, profile: ProfileDef) -> float:
    for key in (metric.id, metric.stage):
        if key in profile.typical_growth:
            return profile.typical_growth[key]
    if metric.derived:
        return RATIO_CHANGE
    if metric.combine == "latest":
        return STOCK_GROWTH
    return STAGE_GROWTH[metric.stage]


def _channel_frame(dataset: Dataset, goal: Goal) -> tuple[pl.DataFrame, str | None]:
    """Rows of the goal's channel, or a note on why there are none."""
    frame = dataset.frame
    if goal.channel is None or goal.channel.lower() in ALL_CHANNELS:
        return frame, None
    if "channel" not in dataset.dims:
        return frame.clear(), f"the data has no channel column, so {goal.channel} cannot be measured on its own"
    rows = frame.filter(pl.col("channel") == goal.channel)
    if rows.height == 0:
        known = sorted(str(c) for c in frame.get_column("channel").drop_nulls().unique().to_list())
        return rows, f"the data has no rows for channel '{goal.channel}' (channels: {', '.join(known) or 'none'})"
    return rows, None


def _counts(columns: list[str], catalog: Catalog) -> list[pl.Expr]:
    """A month's counts from rows made ready by ``combined_over_dates``, as metric tables combine them."""
    aggs = []
    for name in columns:
        col = pl.col(name)
        how = catalog.metrics[name].combine
        has = col.count() > 0
        if how == "none":
            has = has & (pl.col("date").filter(col.is_not_null()).n_unique() <= 1)
        aggs.append(pl.when(has).then(stable(col.mean() if how == "mean" else col.sum())).otherwise(None).alias(name))
    return aggs


def goal_series(frame: pl.DataFrame, metric: MetricDef, catalog: Catalog) -> Series | None:
    """Per-date and per-month values of the metric, or None without dated data for it."""
    bases = catalog.base_inputs(metric.id)
    if "date" not in frame.columns or not frame.schema["date"].is_temporal() or not all(b in frame.columns for b in bases):
        return None  # undated (a date column of nothing but nulls is typed Null): no month to truncate to
    # One plan for the days and the months, collected together: a goal's dozen eager steps were
    # ~15 polars queries, each planned on its own (a warm evaluate of a small config is mostly those).
    # On few rows in memory: the streaming engine's start costs more than a small goal's whole query.
    dated = frame.lazy().filter(pl.col("date").is_not_null()).select([d for d in frame.columns if d in DIMENSIONS] + [number(b) for b in bases])
    # Several rows on one date (accounts, campaigns) add up; a stock adds up across its series too.
    # Sums rounded as the metric tables round theirs (``stable``): the same data, however its rows
    # were read in parts and added up by threads, gives the same goal figures to the last digit.
    daily = dated.group_by("date").agg([pl.when(pl.col(b).count() > 0).then(stable(pl.col(b).sum())).alias(b) for b in bases]).sort("date")
    daily = daily.filter(pl.all_horizontal([pl.col(b).is_not_null() for b in bases]))
    # A month's value combines each count over its dates within each series the way metric tables
    # do (reach: the series' best date; followers: its latest), then adds up the series.
    dims = [d for d in DIMENSIONS if d in frame.columns]
    by_month = dated.join(daily.select("date"), on="date", how="semi").with_columns(pl.col("date").dt.truncate("1mo").alias("month"))
    by_month = combined_over_dates(by_month, catalog, bases, dims, within=("month",))
    monthly = (
        by_month.group_by("month")
        .agg(_counts(bases, catalog) + [pl.col("date").max().alias("last_date"), pl.col("date").n_unique().alias("rows")])
        .sort("month")
    )
    kind = _kind(metric)
    if kind == "flow":
        monthly = monthly.with_columns((pl.col(metric.id) / pl.col("rows")).alias("value"))  # per dated row
    elif kind != "ratio":
        monthly = monthly.with_columns(pl.col(metric.id).alias("value"))
    daily, monthly = pl.collect_all([daily, monthly], engine=engine_for(frame.height))
    if daily.height == 0:
        return None
    if kind == "ratio":
        monthly, _ = add_derived(monthly, catalog, bases)
        monthly = monthly.with_columns(pl.col(metric.id).alias("value"))
    gaps = daily.get_column("date").diff().dt.total_days().drop_nulls()
    cadence = float(gaps.median()) if gaps.len() else 0.0
    return Series(daily=daily, monthly=monthly.select("month", "last_date", "rows", "value"), kind=kind, cadence=cadence)


def _history(series: Series, lower_is_better: bool) -> tuple[float, dt.date, dt.date] | None:
    """The account's own monthly change from its first to its last month of data."""
    months = series.monthly.filter(pl.col("value").is_not_null())
    if months.height < 2:
        return None
    first, last = months.row(0, named=True), months.row(-1, named=True)
    if series.kind == "stock":
        span = (last["last_date"] - first["last_date"]).days / DAYS_PER_MONTH
    else:
        span = float((last["month"].year - first["month"].year) * 12 + last["month"].month - first["month"].month)
    if (last["last_date"] - first["last_date"]).days < MIN_HISTORY_DAYS or span <= 0 or not first["value"]:
        return None
    ratio = last["value"] / first["value"]
    if ratio <= 0:
        return None
    return _improvement(ratio, span, lower_is_better), first["last_date"], last["last_date"]


def _monthly_rate(series: Series, metric_id: str) -> float | None:
    """A flow's pace a month, from its dated rows and their cadence (daily, weekly, monthly)."""
    if series.cadence <= 0:
        return None
    per_row = float(series.daily.get_column(metric_id).sum()) / series.daily.height
    return per_row * DAYS_PER_MONTH / series.cadence


def check_goal(goal: Goal, config: ClientConfig, catalog: Catalog, profile: ProfileDef, dataset: Dataset | None) -> GoalStatus:
    notes: list[str] = []
    metric = catalog.metrics.get(goal.metric) if goal.metric else None
    label = metric_label(metric) if metric is not None else goal.metric

    def fmt(value: float) -> str:
        return format_value(value, metric.unit if metric is not None else "number", config.currency)

    # S: what, and where.
    specific = goal.metric is not None and goal.channel is not None
    if goal.metric is None:
        notes.append("specific: name the metric the goal moves")
    elif goal.channel is None:
        notes.append("specific: name the channel the goal is for (or channel: all)")

    # M: known, and in the data on that channel.
    frame, channel_note = _channel_frame(dataset, goal) if dataset is not None else (None, None)
    measurable = metric is not None
    if goal.metric is not None and metric is None:
        notes.append(f"measurable: '{goal.metric}' is not a known metric")
    elif metric is not None and frame is not None:
        if channel_note is not None:
            measurable = False
            notes.append(f"measurable: {channel_note}")
        else:
            have = {c for c in frame.columns if c in catalog.metrics and frame.get_column(c).null_count() < frame.height}
            missing = [b for b in catalog.base_inputs(metric.id) if b not in have]
            if missing:
                measurable = False
                where = "" if goal.channel is None or goal.channel.lower() in ALL_CHANNELS else f" for {goal.channel}"
                notes.append(f"measurable: the data has no {', '.join(metric_labels(catalog, missing))}{where} yet; {tracking_hint(catalog, missing[0], have, profile)}")

    # R: the objective matters for the model, and the metric measures it.
    relevance = profile.relevance(goal.objective)
    relevant = relevance in ("core", "high", "medium")
    objective = catalog.goals.get(goal.objective)
    objective_name = goal_label(objective) if objective is not None else goal.objective
    if not relevant:
        reason = profile.goal_notes.get(goal.objective)
        if relevance == "none":
            notes.append(f"relevant: {model_noun(profile)} has no use for the {objective_name} goal" + (f": {reason}" if reason else ""))
        else:
            notes.append(f"relevant: the {objective_name} goal matters little for {model_noun(profile)} ({relevance})" + (f": {reason}" if reason else ""))
    if metric is not None and objective is not None and relevance != "none":
        ranked = rank_kpis(catalog, profile, [goal.objective], limit=None)
        connected = [r.metric for r in ranked if not r.vanity]
        if metric.id not in connected:
            relevant = False
            better = ", ".join(metric_labels(catalog, connected[:3]))
            notes.append(f"relevant: {label} does not connect to the {objective_name} goal of {model_noun(profile)}; measure it by {better}")
    # Then against the model's path to its macro KPI: likes for a shop are vanity whatever the objective.
    vanity_note = _vanity_target(catalog, profile, goal, metric) if metric is not None and relevant else None
    if vanity_note is not None:
        relevant = False
        notes.append(vanity_note)

    # T: a date.
    time_bound = goal.by is not None
    if not time_bound:
        notes.append("time-bound: give the date the target is due ('by')")

    series = goal_series(frame, metric, catalog) if metric is not None and frame is not None and measurable else None
    start = config.period.start if config.period else (series.daily.get_column("date")[0] if series is not None else None)
    # Every number is kept to the digits a report keeps before it is compared: a cart abandonment
    # of 1 - 7/10 is 0.30000000000000004 in floats, and it has reached a target of 30%.
    baseline, target = goal.baseline, significant(goal.target_value())
    if baseline is None and series is not None and series.kind != "flow":
        first = series.monthly.filter(pl.col("value").is_not_null()).row(0, named=True)
        baseline = significant(float(first["value"]))
        if goal.target is None:  # a change, taken from the baseline the data gives
            target = significant(Goal(id=goal.id, objective=goal.objective, baseline=baseline, change=goal.change).target_value())
        notes.append(f"baseline: {fmt(baseline)} taken from the data of {first['last_date']}")

    # A: growth needed a month against typical ranges and the account's own record.
    achievable: bool | None = None
    if metric is None or target is None or goal.by is None or start is None:
        notes.append("achievable: needs a known metric, a target (or change), a date and a period start to judge")
    elif goal.by <= start:
        achievable = False
        notes.append(f"achievable: the date {goal.by} leaves no time after the start {start}")
    else:
        achievable = _achievable(goal, metric, profile, series, baseline, target, start, label, notes, fmt)

    status, current = "unknown", None
    if series is not None and target is not None and goal.by is not None and start is not None and goal.by > start:
        status, current = _status(series, metric, baseline, target, start, goal.by, notes, fmt)
    elif achievable is not None or measurable:
        notes.append(f"status: needs dated data for {label} between the start and the date" if goal.metric else "status: needs a metric")
    return GoalStatus(
        id=goal.id,
        metric=goal.metric,
        status=status,
        smart=SmartCheck(specific=specific, measurable=measurable, achievable=achievable, relevant=relevant, time_bound=time_bound),
        notes=notes,
        current=current,
        target=target,
    )


def _vanity_target(catalog: Catalog, profile: ProfileDef, goal: Goal, metric: MetricDef) -> str | None:
    """Relevance judged against the model's path to its macro KPI, not the goal's own objective:
    an interaction (likes, comments: a cheap signal for steering, never a goal by itself) that
    nothing on that path connects to is a vanity target where the goal's objective is not a main
    one for the model. Audience sizes (followers, reach) stay legitimate awareness measures."""
    if metric.stage != "interest" or not metric.vanity or profile.relevance(goal.objective) in ("core", "high"):
        return None
    path = rank_kpis(catalog, profile, default_goals(profile), limit=None)
    on_path = {r.metric for r in path if not r.vanity}
    if metric.id in on_path:
        return None
    macro = metric_label(catalog.metrics[profile.macro_kpis[0]]) if profile.macro_kpis else "a result"
    better: list[str] = []
    if goal.objective in catalog.goals:
        ranked = [r for r in rank_kpis(catalog, profile, [goal.objective], limit=None) if not r.vanity and r.metric in on_path]
        # What measures the goal's own objective and leads on, before the macro KPIs it ends in.
        better = [r.metric for r in ranked if r.role in ("measure", "driver")] + [r.metric for r in ranked if r.role not in ("measure", "driver")]
    better = better or [r.metric for r in path if not r.vanity]
    return (f"relevant: {metric_label(metric)} is a vanity target for {model_noun(profile)}: it does not lead to {macro}, "
            f"so hitting it proves nothing the business can bank; set the goal on {', '.join(metric_labels(catalog, better[:3]))} instead")


def _achievable(goal: Goal, metric: MetricDef, profile: ProfileDef, series: Series | None, baseline: float | None,
                target: float, start: dt.date, label: str, notes: list[str], fmt: Callable[[float], str]) -> bool | None:
    months = (goal.by - start).days / DAYS_PER_MONTH
    lower = metric.direction == "lower"
    reference, basis = baseline, "the baseline"
    if series is not None and series.kind == "flow" and not baseline:
        rate = _monthly_rate(series, metric.id)
        if rate:
            reference, basis = rate * months, f"the window's total at the current pace of {fmt(rate)} a month"
    if not reference:
        notes.append("achievable: a baseline of zero (and no dated data to set a pace) gives no growth rate to judge")
        return None
    if target <= 0:
        notes.append("achievable: a target of zero is not a growth goal")
        return None
    needed = _improvement(target / reference, months, lower)
    typical = typical_change(metric, profile)
    history = _history(series, lower) if series is not None else None
    change = f"a fall of {needed:.1%}" if lower else f"{needed:+.1%}"
    what = f"achievable: {fmt(target)} by {goal.by} needs {change} a month for {months:.1f} months from {fmt(reference)} ({basis})"
    if needed <= 0:
        notes.append(f"{what}: the target asks for no improvement")
        return True
    typical_text = f"typical for {label} is up to {typical:+.0%} a month"
    if history is not None:
        own, since, until = history
        own_text = f"the account's own {label} changed {own:+.1%} a month from {since} to {until}"
        if needed <= typical:
            notes.append(f"{what}, within the typical range ({typical_text}); {own_text}")
            return True
        if own > 0 and needed <= own * HISTORY_HEADROOM:
            notes.append(f"{what}, above the typical range ({typical_text}) but within the account's own record: {own_text}")
            return True
        notes.append(f"{what}, beyond the typical range ({typical_text}) and the account's own record ({own_text})")
        return False
    if needed <= typical:
        notes.append(f"{what}, within the typical range ({typical_text})")
        return True
    notes.append(f"{what}, beyond the typical range ({typical_text}); no dated history shows the account can do more")
    return False


def _status(series: Series, metric: MetricDef, baseline: float | None, target: float, start: dt.date, by: dt.date,
            notes: list[str], fmt: Callable[[float], str]) -> tuple[str, float | None]:
    window = series.daily.filter((pl.col("date") >= start) & (pl.col("date") <= by))
    if window.height == 0:
        notes.append(f"status: no dated data for {metric_label(metric)} between {start} and {by}")
        return "unknown", None
    last_date = window.get_column("date")[-1]
    expected = min(max(((last_date - start).days + 1) / ((by - start).days + 1), 0.0), 1.0)
    if series.kind == "flow":
        current = significant(float(window.select(stable(pl.col(metric.id).sum())).item()))
        progress = current / target if target else 1.0
    else:
        if series.kind == "stock":
            current = significant(float(window.get_column(metric.id)[-1]))
        else:
            months = series.monthly.filter((pl.col("last_date") >= start) & (pl.col("last_date") <= by) & pl.col("value").is_not_null())
            if months.height == 0:
                why = "a zero denominator" if series.kind == "ratio" else f"no month whose rows give a {metric.combine}-combined value"
                notes.append(f"status: {metric_label(metric)} is undefined in the goal's window ({why})")
                return "unknown", None
            current = significant(float(months.get_column("value")[-1]))
            if series.kind == "level":
                # Said once, so nobody reads a month's reach as the window's total.
                month = months.get_column("month")[-1].strftime("%Y-%m")
                how = ": each series' best date, added up across series," if metric.combine == "max" else ","
                notes.append(f"measured: {metric_label(metric)} in the latest month ({month}){how} as {metric_label(metric)} does not add up over time")
        if baseline is None:
            notes.append("status: needs a baseline to measure progress from")
            return "unknown", current
        gap = target - baseline
        better = current <= target if metric.direction == "lower" else current >= target
        progress = 1.0 if better else ((current - baseline) / gap if gap else 0.0)
    if progress >= 1 and target and current == target:
        notes.append(f"reached: {fmt(current)} on {last_date} meets the target of {fmt(target)} due {by}; set a new target")
    elif progress >= 1 and target:
        # Said plainly: a target already passed is no longer a goal, it needs a new one.
        over = current / target - 1
        beyond = f"{abs(over):.0%} under" if metric.direction == "lower" else f"{over:+.0%}"
        notes.append(f"exceeded: {fmt(current)} on {last_date} is past the target of {fmt(target)} ({beyond}) before {by}; set a new target")
    pace = progress / expected if expected > 0 else 0.0
    if progress >= 1 or pace >= ON_TRACK:
        status = "on_track"
    elif pace >= AT_RISK:
        status = "at_risk"
    else:
        status = "off_track"
    way = f"{progress:.0%} of the way" if progress >= 0 else f"below the baseline of {fmt(baseline)}"
    notes.append(f"progress: {fmt(current)} on {last_date}, {way} with {expected:.0%} of the time gone ({status.replace('_', ' ')})")
    return status, current

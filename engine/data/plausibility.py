"""Plausibility checks on a source's rows, after its counts are read and before
anything is summed, so that every complaint names the file, line and column.

Reading already refuses what is not a count at all (text, negative, NaN,
infinite: see data.py). Here a row is checked against what the numbers mean:

* **errors** where a row contradicts a definition: a part counted more often
  than the whole it is part of (every bounce is a session, so more bounces
  than sessions means mislabelled or corrupted data, and every ratio built on
  it would be wrong), a value no real account reaches (``MAX_VALUE``), or a
  source that dates some rows but not others;
* **warnings** where platforms can report it legitimately: attribution
  windows, view-through conversions, several clicks on one impression, events
  counted on different days, tracking gaps. The report keeps the data and says
  where it looks odd.

Conversions may exceed clicks (view-through conversions, see the
``kaggle_fb_ads`` adapter), and sessions may exceed ad clicks (other traffic):
neither is checked. docs/data-checks.md lists every check.

All checks are vectorized: one select counts the offending rows of every
check, and only the few rows that are named come back to Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import polars as pl

from ..problems import ConfigError, Problem
from .engines import engine_for

# Largest value any count or amount may have. Above it a value is an export or unit error
# (a timestamp in a count column, cents read as exponents), and sums of such values could
# overflow to infinity, which JSON cannot carry.
MAX_VALUE = 1e15
MAX_NAMED = 5  # rows named per check
# From this many rows a source's checks run in the streaming engine, a slice at a time: the fraction
# checks make a column per count in memory (~100 MB at the peak of reading 10M rows, 40 ms); below
# it the in-memory engine is faster (~0.25 ms a source, on every warm evaluate).
STREAMED_FROM = 1_000_000

Locator = Callable[[int, str], Problem]


@dataclass(frozen=True)
class Bound:
    """``part`` should not exceed ``whole`` on a row."""

    part: str
    whole: str
    level: Literal["error", "warning"]
    why: str  # what the numbers mean, for the message
    ratio: str = ""  # the ratio that goes over 100%, if it has a name


BOUNDS: tuple[Bound, ...] = (
    # A part of the whole by definition: more of it is mislabelled or corrupted data.
    Bound("bounces", "sessions", "error", "every bounce is a session", "bounce_rate"),
    Bound("engaged_sessions", "sessions", "error", "engaged sessions are sessions", "session_engagement_rate"),
    Bound("reach", "impressions", "error", "everyone reached saw at least one impression", "reach per impression"),
    Bound("support_replied_within_1h", "support_requests", "error", "each fast reply answers a request", "support_response_rate_1h"),
    Bound("repeat_purchases", "purchases", "error", "repeat purchases are purchases", "repeat_purchase_rate"),
    # Possible in real exports; kept, and said.
    Bound("clicks", "impressions", "warning", "platforms can count several clicks on one impression; check the columns", "ctr"),
    Bound("clicks_all", "impressions", "warning", "platforms can count several clicks on one impression; check the columns", "ctr_all"),
    Bound("landing_page_views", "clicks", "warning", "views and clicks are attributed separately; check the columns", "landing_page_view_rate"),
    Bound("video_completions", "video_views", "warning", "check which view the export counts (3-second, ThruPlay)", "video_completion_rate"),
    Bound("checkouts", "add_to_cart", "warning", "buy-now buttons skip the cart, or cart events are not tracked"),
    Bound("purchases", "checkouts", "warning", "one-click payments skip the checkout, or checkout events are not tracked"),
    Bound("purchases", "add_to_cart", "warning", "so cart_abandonment_rate is negative; buy-now buttons skip the cart, or cart events are not tracked"),
    Bound("qualified_leads", "leads", "warning", "leads from an earlier period may qualify in this one", "qualified_lead_rate"),
    Bound("resolved_issues", "support_requests", "warning", "requests from an earlier period may be resolved in this one", "resolution_rate"),
    Bound("gbp_clicks", "gbp_views", "warning", "check the columns", "gbp_click_rate"),
    Bound("new_followers", "followers", "warning", "more followers were gained than the account has; check the columns"),
    Bound("retained_users", "installs", "warning", "users of earlier installs may be counted as retained", "retention_rate"),
)


# Counts no platform reports in fractions (a modelled conversion may be 0.5, an impression not).
# A fraction in one is a thousands dot read as a decimal point (1.234 impressions for 1,234) or a
# column mix-up; bounces and engaged sessions are left out: GA4's are computed from a rate.
WHOLE_COUNTS = ("impressions", "reach", "clicks", "clicks_all", "sessions", "pageviews", "video_views", "likes", "comments", "shares")


def _number(value: float) -> str:
    if abs(value) >= MAX_VALUE:
        return f"{value:g}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _more(count: int) -> str:
    extra = count - MAX_NAMED if count > MAX_NAMED else 0
    return f" (and {extra} more row{'s' if extra != 1 else ''})" if extra else ""


def check_rows(frame: pl.DataFrame, counts: list[str], locate: Locator, name: str, *, problems: list[Problem] | None = None,
               undated: bool = True, takes_options: bool = True) -> list[str]:
    """Warnings for odd rows of one source; ConfigError naming every row that cannot be right, or
    those problems added to ``problems`` where it is given.

    ``frame`` holds the source's canonical columns with counts as Float64;
    ``locate(row, column)`` gives the file, line and column of a cell. ``undated``: check for
    rows without a date beside dated ones (not where a date could not be read: it is said).
    ``takes_options``: the source is a file, whose ``options:`` can say how it writes numbers.
    """
    present = set(counts)
    bounds = [b for b in BOUNDS if b.part in present and b.whole in present]
    checks: dict[str, pl.Expr] = {f"max:{c}": (pl.col(c) > MAX_VALUE).fill_null(False) for c in counts}
    for index, bound in enumerate(bounds):
        checks[f"bound:{index}"] = (pl.col(bound.part) > pl.col(bound.whole)).fill_null(False)
    # First any value that is not whole at all: half the time of the tolerant test below, which
    # only a column with such a value then takes.
    for column in (c for c in WHOLE_COUNTS if c in present):
        checks[f"fraction:{column}"] = (pl.col(column) != pl.col(column).round()).fill_null(False)
    if undated and "date" in frame.columns and frame.height:
        checks["undated"] = pl.col("date").is_null()
    if not checks or frame.height == 0:
        return []
    engine = engine_for(frame.height, in_memory_up_to=STREAMED_FROM - 1)
    hits = frame.lazy().select([mask.sum().alias(key) for key, mask in checks.items()]).collect(engine=engine).row(0, named=True)
    noisy = [c for c in WHOLE_COUNTS if c in present and hits[f"fraction:{c}"]]
    for column in noisy:
        # Not float noise (3 x 0.1 x 10,000 is 3000.0000000000005): a fraction a file could write.
        value = pl.col(column)
        checks[f"fraction:{column}"] = ((value - value.round()).abs() > 1e-9 * value.abs().clip(lower_bound=1.0)).fill_null(False)
    if noisy:
        hits.update(frame.lazy().select([checks[f"fraction:{c}"].sum().alias(f"fraction:{c}") for c in noisy]).collect(engine=engine).row(0, named=True))

    collected = problems
    problems = []
    warnings: list[str] = []

    def rows(key: str) -> list[int]:
        return frame.select(checks[key].arg_true().head(MAX_NAMED)).to_series().to_list()

    for column in counts:
        count = hits[f"max:{column}"]
        if count:
            for row in rows(f"max:{column}"):
                value = frame.get_column(column)[row]
                problems.append(_at(locate(row, column), f"{_number(value)} is not a plausible value (the limit is {MAX_VALUE:g}); check the export's units and columns"))
            problems[-1] = _suffix(problems[-1], _more(count))

    for index, bound in enumerate(bounds):
        count = hits[f"bound:{index}"]
        if not count:
            continue
        ratio = f" ({bound.ratio} over 100%)" if bound.ratio else ""
        if bound.level == "error":
            for row in rows(f"bound:{index}"):
                part, whole = frame.get_column(bound.part)[row], frame.get_column(bound.whole)[row]
                problems.append(_at(locate(row, bound.part), f"{_number(part)} {bound.part} but only {_number(whole)} {bound.whole} on this row{ratio}; {bound.why}"))
            problems[-1] = _suffix(problems[-1], _more(count))
        else:
            row = rows(f"bound:{index}")[0]
            part, whole = frame.get_column(bound.part)[row], frame.get_column(bound.whole)[row]
            others = f" ({count - 1} more row{'s' if count != 2 else ''} like it)" if count > 1 else ""
            where = _at(locate(row, bound.part), f"{_number(part)} {bound.part} but only {_number(whole)} {bound.whole}{ratio}{others}; {bound.why}")
            warnings.append(_with_file(where, name))

    for column in (c for c in WHOLE_COUNTS if c in present):
        count = hits[f"fraction:{column}"]
        if count:
            row = rows(f"fraction:{column}")[0]
            others = f" ({count - 1} more row{'s' if count != 2 else ''} like it)" if count > 1 else ""
            hint = ("if the file writes thousands with a dot (1.234 for 1,234), set options: {decimal_comma: true}" if takes_options
                    else "check the values: a thousands dot read as a decimal point (1.234 for 1,234)?")
            where = _at(locate(row, column), f"{frame.get_column(column)[row]:.12g} is not a whole number{others}, and {column} are "
                        f"counted whole; {hint}")
            warnings.append(_with_file(where, name))

    undated = hits.get("undated", 0)
    if undated and undated < frame.height:
        # Undated rows would fall out of every trend but still count in the totals: refuse the mix.
        for row in rows("undated"):
            problems.append(_at(locate(row, "date"), f"this row has no date but other rows of {name} have one; give every row a date, or none"))
        problems[-1] = _suffix(problems[-1], _more(undated))

    if collected is not None:
        collected += problems
    elif problems:
        raise ConfigError(problems)
    return warnings


def undated_sources(sources: list[tuple[str, bool]]) -> list[str]:
    """A warning when some sources are dated and others not: the undated ones count in totals, not in trends.

    :param sources: (source name, has dates) per source.
    """
    dated = [name for name, has in sources if has]
    undated = [name for name, has in sources if not has]
    if not dated or not undated:
        return []
    return [
        f"{', '.join(undated)} {'has' if len(undated) == 1 else 'have'} no dates while {', '.join(dated)} "
        f"{'has' if len(dated) == 1 else 'have'}: undated rows count in the totals but not in trends over time"
    ]


def _at(where: Problem, message: str) -> Problem:
    return Problem(message=message, file=where.file, line=where.line, path=where.path)


def _suffix(problem: Problem, text: str) -> Problem:
    return _at(problem, problem.message + text) if text else problem


def _with_file(problem: Problem, name: str) -> str:
    text = str(problem)
    return text if problem.file else f"{name}: {text}"

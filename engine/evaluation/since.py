"""Runs compared with runs: ``run --since OLD.json`` and ``run --compare-previous``.

``--since`` reads an earlier JSON report and marks each finding of this run ``new`` (its rule
did not fire on that scope before) or ``open`` (it did, and still does); the earlier findings
that no longer fire are listed in the summary as resolved. A finding is the same finding when
its rule and its scope are the same; its numbers may have moved. For alerting from cron or CI,
``--fail-on`` then counts only the new findings.

``--compare-previous`` puts beside each KPI its value in the latest period of the data and in
the period before (the coarsest of month, week and day that gives two periods), and the change.
"""

from __future__ import annotations

import json
import math
import stat
from pathlib import Path
from typing import Any

import polars as pl

from ..data.sources import Dataset
from ..evaluation.tables import PERIOD_COLUMN, PERIOD_EVERY, period_table
from ..limits import current as current_limits
from ..loading.catalog import Catalog
from ..models.definitions import SEVERITIES
from ..models.report import Comparison, Kpi, Report, ResolvedFinding, significant
from ..problems import ConfigError, Problem

# --- --since ----------------------------------------------------------------------------


def _key(rule: str, scope: dict[str, Any]) -> tuple:
    return (rule, tuple(sorted((str(k), str(v)) for k, v in scope.items())))


def read_previous(path: str | Path) -> list[dict[str, Any]]:
    """The findings of an earlier JSON report, each with rule, scope, severity and message.
    Anything else is a ConfigError naming the file and what was expected."""
    path = Path(path)
    name = str(path)
    try:
        info = path.stat()
        size = info.st_size
    except FileNotFoundError:
        raise ConfigError(Problem(f"{name}: no such file (--since needs an earlier report written with --format json)", path="--since")) from None
    except OSError as exc:
        raise ConfigError(Problem(f"{name}: cannot be read: {exc.strerror or exc}", path="--since")) from None
    if not stat.S_ISREG(info.st_mode):  # a device or a pipe has no size to check: /dev/zero never ends
        raise ConfigError(Problem(f"{name}: not a file (--since needs an earlier report written with --format json)", path="--since"))
    limit = _byte_limit()
    if size > limit:
        raise ConfigError(Problem(f"{name}: {size} bytes, more than the {limit} a report may have (limit yaml_bytes)", path="--since"))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(Problem(f"{name}: cannot be read as UTF-8 text ({type(exc).__name__})", path="--since")) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(Problem(f"{name}: line {exc.lineno}: not JSON ({exc.msg}); --since needs a report written with --format json", path="--since")) from None
    except RecursionError:
        raise ConfigError(Problem(f"{name}: nested too deep for a report (--since needs a report written with --format json)", path="--since")) from None
    if isinstance(data, dict) and isinstance(data.get("groups"), list):
        # A Spark run's document: one report per group; each finding keeps its group.
        out = []
        for index, entry in enumerate(data["groups"]):
            group, report = (entry.get("group"), entry.get("report")) if isinstance(entry, dict) else (None, None)
            if not isinstance(group, dict) or not isinstance(report, dict):
                raise ConfigError(Problem(f"{name}: groups[{index}]: expected an object with group and report", path="--since"))
            found = _findings(report, f"{name}: groups[{index}].report")
            out += [{**finding, "group": {str(k): str(v) for k, v in group.items()}} for finding in found]
        return out
    return _findings(data, name)


def _findings(data: Any, name: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ConfigError(Problem(f"{name}: findings: expected a report with a list of findings (kpi-advisor run --format json)", path="--since"))
    out = []
    for index, finding in enumerate(data["findings"]):
        where = f"{name}: findings[{index}]"
        if not isinstance(finding, dict):
            raise ConfigError(Problem(f"{where}: expected an object with rule and scope", path="--since"))
        rule, scope = finding.get("rule"), finding.get("scope", {})
        if not isinstance(rule, str) or not rule:
            raise ConfigError(Problem(f"{where}.rule: expected a rule id", path="--since"))
        if not isinstance(scope, dict) or not all(isinstance(v, (str, int, float)) for v in scope.values()):
            raise ConfigError(Problem(f"{where}.scope: expected an object of dimension names and values", path="--since"))
        severity = finding.get("severity")
        out.append({
            "rule": rule,
            "scope": {str(k): str(v) for k, v in scope.items()},
            "severity": severity if severity in SEVERITIES else "info",
            "message": finding.get("message") if isinstance(finding.get("message"), str) else "",
        })
    return out


def _byte_limit() -> int:
    # An earlier report is a JSON file like a config: held to the same size limit.
    return int(current_limits().yaml_bytes)


def mark_since(report: Report, previous: list[dict[str, Any]], source: str, group: dict[str, str] | None = None) -> None:
    """Mark each finding new or open against the earlier findings; list the resolved ones.
    ``group``: a Spark run's group, whose earlier findings are those of the same group (an
    earlier report without groups counts for every group)."""
    if group is not None:
        previous = [f for f in previous if f.get("group") is None or f["group"] == group]
    before = {_key(f["rule"], f["scope"]): f for f in previous}
    now = set()
    new = 0
    for finding in report.findings:
        key = _key(finding.rule, finding.scope)
        now.add(key)
        finding.status = "open" if key in before else "new"
        new += finding.status == "new"
    resolved = [
        ResolvedFinding(rule=f["rule"], severity=f["severity"], scope=f["scope"], message=f["message"])
        for key, f in before.items() if key not in now
    ]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    resolved.sort(key=lambda r: (rank.get(r.severity, len(rank)), r.rule, sorted(r.scope.items())))
    report.summary.since = source
    report.summary.new_findings = new
    report.summary.resolved = resolved


def new_at_or_above(report: Report, fail_on: str) -> bool:
    """Whether a new finding is at or above the severity (the exit status of --since --fail-on)."""
    limit = SEVERITIES.index(fail_on)
    return any(f.status == "new" and SEVERITIES.index(f.severity) <= limit for f in report.findings)


# --- --compare-previous ----------------------------------------------------------------------


def _comparison_period(dataset: Dataset) -> str | None:
    if "date" not in dataset.dims:
        return None
    dates = dataset.frame.get_column("date").drop_nulls().unique()
    for name in ("month", "week", "day"):
        if dates.dt.truncate(PERIOD_EVERY[name]).n_unique() >= 2:
            return name
    return None


def compare_previous(dataset: Dataset, catalog: Catalog, kpis: list[Kpi]) -> tuple[list[Kpi], Comparison | None, list[str]]:
    """The KPIs with their latest and previous period's values, what was compared, and notes."""
    period = _comparison_period(dataset)
    if period is None:
        return kpis, None, ["--compare-previous: the data needs dates in at least two periods to compare; nothing compared"]
    table = period_table(dataset, catalog, "total", period)
    if table is None or table.frame.height < 2:
        return kpis, None, ["--compare-previous: the data needs dates in at least two periods to compare; nothing compared"]
    frame = table.frame.sort(PERIOD_COLUMN)
    previous_row, current_row = frame.row(-2, named=True), frame.row(-1, named=True)
    dated = dataset.frame.filter(pl.col("date").is_not_null()).with_columns(
        pl.col("date").dt.truncate(PERIOD_EVERY[period]).alias(PERIOD_COLUMN))
    spans = dated.group_by(PERIOD_COLUMN).agg(pl.col("date").min().alias("first"), pl.col("date").max().alias("last"),
                                              pl.col("date").n_unique().alias("days"))
    span = {row[PERIOD_COLUMN]: row for row in spans.iter_rows(named=True)}
    cur, prev = span[current_row[PERIOD_COLUMN]], span[previous_row[PERIOD_COLUMN]]
    notes = []
    if cur["days"] < prev["days"] and period != "day":
        notes.append(f"--compare-previous: the latest {period} has data on {cur['days']} dates against {prev['days']} in the one "
                     f"before, so counts may look lower only because it is not complete")
    out = []
    for kpi in kpis:
        now, before = current_row.get(kpi.metric), previous_row.get(kpi.metric)
        change = None
        if now is not None and before not in (None, 0) and math.isfinite(now / before):
            change = significant(now / before - 1)
        out.append(kpi.model_copy(update={"current": significant(now), "previous": significant(before), "change": change}))
    comparison = Comparison(
        period=period,
        current={"from": cur["first"].isoformat(), "to": cur["last"].isoformat()},
        previous={"from": prev["first"].isoformat(), "to": prev["last"].isoformat()},
    )
    return out, comparison, notes

"""The portfolio overview: every client of a portfolio run, ranked, with its top findings, goals
and trend (models/overview.py holds the shape; plugins/reports/overview.py renders it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..models.definitions import SEVERITIES
from ..models.overview import ClientEntry, FailedConfig, GoalCount, Overview, TopFinding, Trend

if TYPE_CHECKING:
    from .portfolio import Outcome, RunOptions

TOP_FINDINGS = 3
RANK_BY_MONEY = ("money at stake (each client's findings, every piece of money counted once), then worst severity, then number of "
                 "findings, then figures worse than the peers")
RANK_BY_SEVERITY = ("worst severity, then money at stake, then number of findings: the clients report in different currencies, "
                    "which are not converted, so money decides only between clients of the same severity")


def _worst(report) -> str | None:
    return next((s for s in SEVERITIES if report.summary.by_severity.get(s)), None)


def _severity_rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _entry(outcome: "Outcome") -> dict[str, Any]:
    report = outcome.report
    summary = report.summary
    worst = _worst(report)
    goals = GoalCount(total=len(report.goals))
    for goal in report.goals:
        setattr(goals, goal.status, getattr(goals, goal.status) + 1)
    trend = None
    if outcome.since is not None:
        trend = Trend(since=outcome.since, new=summary.new_findings or 0,
                      open=sum(1 for f in report.findings if f.status == "open"),
                      resolved=len(summary.resolved or []), money_before=outcome.money_before)
    peers = report.peers
    return {
        "name": outcome.name,
        "client": report.client,
        "config": outcome.config,
        "report": Path(outcome.target).name if outcome.target else "",
        "business_model": report.business_model,
        "currency": report.currency,
        "money_at_stake": summary.money_at_stake,
        "money_basis": summary.money_basis,
        "worst_severity": worst,
        "findings_total": summary.findings_total,
        "by_severity": dict(summary.by_severity),
        "top_findings": [
            TopFinding(rule=f.rule, severity=f.severity, scope=f.scope, message=f.message,
                       money=f.impact.money if f.impact is not None else None, status=f.status)
            for f in report.findings[:TOP_FINDINGS]
        ],
        "goals": goals,
        "trend": trend,
        "peer_comparisons": len(peers.comparisons) if peers is not None else None,
        "peer_worse": sum(1 for c in peers.comparisons if c.verdict == "worse") if peers is not None else None,
        "why": "",  # worded in the portfolio's language once the entry exists (build_overview)
    }


def build_overview(outcomes: list["Outcome"], refused: list[tuple[str, list[str]]], options: "RunOptions") -> Overview:
    ran = [o for o in outcomes if o.report is not None]
    entries = [_entry(o) for o in ran]
    currencies = sorted({e["currency"] for e in entries})
    by_money = len(currencies) <= 1

    def key(entry: dict[str, Any]) -> tuple:
        money = -(entry["money_at_stake"] or 0.0)
        severity = _severity_rank(entry["worst_severity"])
        return ((money, severity) if by_money else (severity, money)) + (-entry["findings_total"], -(entry["peer_worse"] or 0), entry["name"])

    entries.sort(key=key)
    clients = [ClientEntry(rank=index, **entry) for index, entry in enumerate(entries, start=1)]
    words = _wording(options.lang)
    for client in clients:
        client.why = words.why(client)
    failed = [FailedConfig(config=config, problems=problems) for config, problems in refused]
    failed += [FailedConfig(config=o.config, problems=o.problems) for o in outcomes if o.report is None]
    attention = None
    if clients and clients[0].findings_total:
        attention = f"{clients[0].client} ({clients[0].name}): {clients[0].why}"
    since = options.since
    return Overview(
        clients=clients,
        failed=failed,
        ranking=RANK_BY_MONEY if by_money else RANK_BY_SEVERITY,
        currencies=currencies,
        since=since,
        portfolio_benchmark=any(o.wants_peers for o in ran),
        min_peers=min((o.min_peers for o in ran if o.wants_peers), default=None),
        findings_total=sum(c.findings_total for c in clients),
        new_findings=sum(c.trend.new for c in clients if c.trend is not None) if since is not None else None,
        attention_first=attention,
    )


def _wording(lang: str):
    """The overview's words in ``lang``: the JSON's ``why`` (and ``attention_first``) say what
    the text, Markdown and HTML overviews' headline says."""
    from ..plugins.reports.overview import OverviewView

    return OverviewView(None, {"lang": lang})


def render_overview(overview: Overview, fmt: str, lang: str = "en") -> str:
    from ..plugins.reports.overview import render

    return render(overview, fmt, {"lang": lang})

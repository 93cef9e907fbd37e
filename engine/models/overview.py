"""The portfolio overview: what ``kpi-advisor run FOLDER -o DIR`` writes beside the clients'
reports (overview.json; schemas/overview.schema.json; docs/portfolio.md).

Clients are ranked by money at stake (each client's summary total, every piece of money counted
once), then by their worst severity, then by how many findings they have. Money in different
currencies is never converted: when the portfolio mixes currencies, the ranking is by severity
first and says so.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .definitions import Severity, new_dict, new_list
from .report import Model

OVERVIEW_SCHEMA_VERSION = "1"


class TopFinding(Model):
    rule: str
    severity: Severity
    scope: dict[str, str]
    message: str
    money: float | None = Field(default=None, description="the finding's own money at stake (may overlap others')")
    status: Literal["new", "open"] | None = Field(default=None, description="with --since: new since the last run, or still open")


class GoalCount(Model):
    total: int = 0
    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    unknown: int = 0


class Trend(Model):
    """This client since its previous report (``--since``)."""

    since: str = Field(description="the earlier report compared with, or 'none' on a client's first run")
    new: int
    open: int
    resolved: int
    money_before: float | None = Field(default=None, description="money at stake in the earlier report")


class ClientEntry(Model):
    rank: int = Field(ge=1)
    name: str = Field(description="the config file's stem; the client's report is REPORT_DIR/NAME.EXT")
    client: str
    config: str
    report: str = Field(description="the report file written for this client")
    business_model: str
    currency: str
    money_at_stake: float | None
    money_basis: str | None = None
    worst_severity: Severity | None
    findings_total: int
    by_severity: dict[str, int] = Field(default_factory=new_dict)
    top_findings: list[TopFinding] = Field(default_factory=new_list)
    goals: GoalCount
    trend: Trend | None = None
    peer_comparisons: int | None = Field(default=None, description="with portfolio benchmarks: figures compared with peers")
    peer_worse: int | None = Field(default=None, description="with portfolio benchmarks: figures worse than the peers' middle half, beyond chance")
    why: str = Field(description="one line on why the client ranks where it does, in the run's language (--lang)")


class FailedConfig(Model):
    config: str
    problems: list[str]


class Overview(Model):
    schema_version: Literal["1"] = OVERVIEW_SCHEMA_VERSION
    kind: Literal["portfolio"] = "portfolio"
    clients: list[ClientEntry] = Field(default_factory=new_list, description="ranked: the client that needs attention first is first")
    failed: list[FailedConfig] = Field(default_factory=new_list, description="configs that could not be run, each with its problems")
    ranking: str = Field(description="how the clients are ranked")
    currencies: list[str] = Field(default_factory=new_list)
    since: str | None = Field(default=None, description="with --since: the folder (or file) of earlier reports")
    portfolio_benchmark: bool = False
    min_peers: int | None = None
    findings_total: int = 0
    new_findings: int | None = None
    attention_first: str | None = Field(default=None, description="the top client, and why, in one sentence")

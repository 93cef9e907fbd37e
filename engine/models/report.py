"""The report: what ``kpi-advisor run`` emits and ``evaluate()`` returns."""

import functools
import math
from collections.abc import Iterator
from itertools import chain
from typing import Any, Callable, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .definitions import SEVERITIES, Severity, Stage, new_dict, new_list

SCHEMA_VERSION = "1"
# At least the 9 digits the contract promises; 12 keeps counts exact to a trillion while dropping
# the last bits of float noise that the order of a parallel sum may leave.
SIGNIFICANT_DIGITS = 12


def significant(value: float | int | None, digits: int = SIGNIFICANT_DIGITS) -> float | None:
    """A report number kept to ``digits`` significant digits (a CTR of 0.000176093 stays that,
    where rounding to decimal places would lose it); the same text on every run, never -0.0."""
    if value is None:
        return None
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return value + 0.0
    if value.is_integer() and abs(value) < 10.0**digits:
        return value + 0.0  # a count with fewer digits than kept: already itself (most report numbers)
    # round() to the decimal places that leave ``digits`` significant ones: correctly rounded from
    # the exact binary value, as float(f"{value:.{digits}g}") is, at two thirds of its cost (half a
    # million numbers in a large report); tests/test_determinism.py holds the two equal.
    return round(value, digits - 1 - math.floor(math.log10(abs(value)))) + 0.0


def to_json(model: BaseModel, *, indent: int | None = 2, include: set[str] | None = None) -> str:
    """The one JSON writer for reports (CLI, service, Spark): pydantic's serializer, in Rust,
    instead of ``json.dumps`` over ``model_dump()`` (7x faster on a large report, no copy of
    the report as Python objects). Text is UTF-8 (not ASCII-escaped); control characters are
    escaped as JSON requires. Floats are written in the shortest form that reads back to the
    same number: plain decimals for 1e-5 <= |x| < 1e16 (``0.000094``, ``1250.0``), exponent
    form outside it (``1e-7``, ``1e+16``); docs/reports.md says the same. ``include``: only those
    top-level fields."""
    return model.model_dump_json(indent=indent, include=include)


# Entries a piece of :func:`json_pieces` writes: ~4 MB of JSON for an agency's findings, ~3 MB of
# its metrics (a segment's totals: ~40 numbers each).
JSON_PIECE = 2000
# The report's long lists, written in pieces in this order (the order of the report's fields).
_PIECED = ("findings", "metrics")


def _key(name: str) -> str:
    return f'\n  "{name}": '


def json_pieces(report: "Report", per_piece: int = JSON_PIECE) -> Iterator[str]:
    """``to_json(report)`` in pieces, each finding and each scope's metrics written as it is written
    there: joined, the same text. A report of 400,000 findings is ~700 MB of JSON, which pydantic
    builds in a buffer and then copies into a str (1.4 GB at once); the totals of an agency's
    170,000 segments, ~240 MB. In pieces of ``per_piece`` entries, a few MB each. Each piece's
    findings are worded (``Finding.worded``) before it is written."""
    lists = {name: getattr(report, name) for name in _PIECED}
    if all(len(entries) <= per_piece for entries in lists.values()):
        for finding in report.findings:
            finding.worded()
        yield to_json(report)
        return
    # Each list's place: the only line at the report's top level naming it (a name inside a string
    # has its quotes escaped, a string holds no line break, and a nested key is indented further).
    rest = to_json(report.model_copy(update={name: [] for name in _PIECED}))
    for name, entries in lists.items():
        head, found, rest = rest.partition(_key(name) + "[]")
        if not found:
            raise ValueError(f"the report's JSON has no top-level {name}")
        if not entries:
            rest = head + found + rest
            continue
        yield head + _key(name) + "[\n"
        start, end = "{" + _key(name) + "[\n", "\n  ]\n}"
        for first in range(0, len(entries), per_piece):
            part = entries[first:first + per_piece]
            if name == "findings":
                part = [finding.worded() for finding in part]
            text = to_json(report.model_copy(update={name: part}), include={name})
            if not (text.startswith(start) and text.endswith(end)):
                raise ValueError(f"the report's {name} are not written as expected")
            yield ("" if first == 0 else ",\n") + text[len(start):len(text) - len(end)]
        rest = "\n  ]" + rest
    yield rest


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _unset(value: object) -> bool:
    return value is None


class _Optional(Model):
    """A model whose ``_when_asked`` fields appear in the output only when set: they belong to an
    option of the run (``--since``, ``--compare-previous``), so a plain report stays as it was.

    The fields are left out by pydantic's own serializer (``exclude_if``), not by a Python
    serializer per model: a report with 60,000 findings stays in Rust while it is written."""

    _when_asked: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # Each asked field says exclude_if=_unset itself (setting it here would rebuild the schema).
        assert all(cls.model_fields[name].exclude_if is _unset for name in cls._when_asked), cls


class Kpi(_Optional):
    metric: str
    stage: Stage
    rank: int = Field(ge=1)
    why: str
    vanity: bool = False
    has_data: bool | None = Field(default=None, description="null without data (kpis command)")
    tracking_hint: str | None = None
    current: float | None = Field(default=None, exclude_if=_unset, description="with run --compare-previous: the value in the latest period")
    previous: float | None = Field(default=None, exclude_if=_unset, description="with run --compare-previous: the value in the period before")
    change: float | None = Field(default=None, exclude_if=_unset, description="with run --compare-previous: current / previous - 1 (0.1 is +10%)")

    _when_asked = ("current", "previous", "change")


class Impact(Model):
    metric: str
    value: float
    money: float | None = None
    basis: str
    overlaps: list[str] = Field(
        default_factory=new_list,
        description="other findings whose money covers the same scope or a scope that contains it (rule ids, with the "
        "scope where it differs), at most the first 20: those on the same scope, then the nearest scopes around it; "
        "the summary counts such money once",
    )
    overlaps_more: int | None = Field(
        default=None, exclude_if=_unset, description="how many more findings overlap than `overlaps` names; absent where it names them all",
    )


class Significance(_Optional):
    test: str = Field(description="wilson (a share of trials), poisson-score (a count per unit of exposure) or rate-ratio "
                      "(the late rate against the early one, both measured: a conditional binomial on the two counts)")
    confidence: float
    interval: list[float | None] = Field(description="[low, high] of the rate successes / trials; for rate-ratio of the late "
                                         "rate over the early one (null: no upper end, where the early count is zero)")
    n: float = Field(description="the trials (or exposure) the rate is measured on; for rate-ratio the two counts together")
    successes: float
    bound: float = Field(description="the threshold the whole interval lies beyond")
    tested: float | None = Field(default=None, exclude_if=_unset, description="trend tests: the scopes of this level in the same "
                                 "account tested together; confidence is the rule's, raised to 1 - (1 - the rule's) / tested "
                                 "(Bonferroni), so the account's report as a whole holds the rule's confidence")
    early: dict[str, float] | None = Field(default=None, exclude_if=_unset, description="rate-ratio: the early periods' successes and trials "
                                           "(the first whole period, or the periods before the latest)")
    late: dict[str, float] | None = Field(default=None, exclude_if=_unset, description="rate-ratio: the late periods' successes and trials "
                                          "(the last two whole periods, or the latest)")

    _when_asked = ("early", "late")


class Finding(_Optional):
    rule: str
    severity: Severity
    stage: Stage
    scope: dict[str, str]
    evidence: dict[str, float | None]
    thresholds: dict[str, float]
    message: str
    recommendation: str
    impact: Impact | None = None
    significance: Significance | None = None
    members: list[dict] | None = Field(
        default=None, description="a roll-up's child scopes, each {scope, evidence, money}: the rule fired on each"
    )
    status: Literal["new", "open"] | None = Field(
        default=None, exclude_if=_unset, description="with run --since OLD.json: new since that report, or still open"
    )

    _when_asked = ("status",)
    # (message, recommendation) still to be written: the engine words a finding only when a report
    # shows it (a roll-up's members are numbers), see worded().
    _words: Callable[[], tuple[str, str]] | None = PrivateAttr(default=None)

    def worded(self) -> "Finding":
        """This finding with its message and recommendation written, where the engine left them for
        later (``evaluate_rules(..., words=False)``); itself otherwise."""
        private: Any = self.__pydantic_private__  # read directly: pydantic's attribute lookup was ~6% of a large roll-up
        words = private.get("_words") if private else None
        if words is not None:
            private["_words"] = None
            # Both are required fields, already among those set: pydantic's setter would only add
            # them there again, at ~1 us each for each finding of a complete JSON report.
            self.__dict__["message"], self.__dict__["recommendation"] = words()
        return self


_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def listing_order(finding: Finding) -> tuple:
    """Where a finding is listed: by severity, then money at stake (most first), rule and scope.
    The scope's (name, value) pairs in name order are flattened into the key: the same order as a
    list of the pairs, in one tuple a finding instead of a list and a tuple per pair (~110 MB of
    keys at 375,000 findings, alive while they sort)."""
    impact = finding.impact
    money = impact.money if impact is not None and impact.money is not None else 0.0
    return (_RANK[finding.severity], -money, finding.rule, *chain.from_iterable(sorted(finding.scope.items())))


@functools.cache
def every_field(cls: type[BaseModel]) -> set[str]:
    """The one set of ``cls``'s field names its many instances share as their given fields
    (:func:`share_given_fields`)."""
    return set(cls.model_fields)


def share_given_fields(finding: Finding) -> Finding:
    """``finding``, its impact and its significance, each holding its class's one set of given
    field names: every field, so that setting one later (``status``, ``impact.overlaps``) adds
    nothing to a set the others share.

    pydantic makes that set anew for every instance: for a finding's ten fields a 728-byte table,
    with its impact's and significance's ~30% of what an engine's finding holds (agency 1M:
    174 -> 123 MiB for 44,441 findings). Reports never ask which fields were given: a report is
    written whole, its optional fields left out by value (``exclude_if``), not by
    ``exclude_unset``."""
    for model in (finding, finding.impact, finding.significance):
        if model is not None:
            object.__setattr__(model, "__pydantic_fields_set__", every_field(type(model)))
    return finding


class ResolvedFinding(Model):
    """A finding of the earlier report (``run --since``) that no longer fires."""

    rule: str
    severity: str
    scope: dict[str, str]
    message: str = ""


class Comparison(Model):
    """What ``run --compare-previous`` compared: the latest period of the data and the one before."""

    period: str
    current: dict[str, str] = Field(description="first and last date of the latest period's data")
    previous: dict[str, str] = Field(description="first and last date of the period before")


class SmartCheck(Model):
    specific: bool
    measurable: bool
    achievable: bool | None
    relevant: bool
    time_bound: bool


class GoalStatus(Model):
    id: str
    metric: str | None
    status: Literal["on_track", "at_risk", "off_track", "unknown"]
    smart: SmartCheck
    notes: list[str] = Field(default_factory=new_list)
    current: float | None = None
    target: float | None = None


class ActionValue(Model):
    action: str
    value: float
    currency: str
    basis: str


class ScopeMetrics(Model):
    scope: dict[str, str]
    values: dict[str, float | None]


class Summary(_Optional):
    findings_total: int
    by_rule: dict[str, int]
    by_severity: dict[str, int] = Field(default_factory=new_dict)
    findings_shown: int | None = None
    rules_evaluated: int = 0
    rules_skipped: dict[str, str] = Field(default_factory=new_dict, description="rule id -> why it could not run")
    rows: int = 0
    money_at_stake: float | None = Field(
        default=None, description="money at stake over all findings, each piece counted once (docs/rules.md)"
    )
    money_basis: str | None = None
    since: str | None = Field(default=None, exclude_if=_unset, description="with run --since: the earlier report compared with")
    new_findings: int | None = Field(default=None, exclude_if=_unset, description="with run --since: findings that are new since that report")
    resolved: list[ResolvedFinding] | None = Field(
        default=None, exclude_if=_unset, description="with run --since: findings of that report that no longer fire"
    )

    _when_asked = ("since", "new_findings", "resolved")



class PeerDistribution(Model):
    """The other clients' values of one metric on one scope: only the aggregate."""

    n: int = Field(description="how many other clients of the same business model (and currency) have the metric here")
    q1: float = Field(description="lower quartile of their values, rounded to two significant digits")
    median: float = Field(description="median of their values, rounded to two significant digits")
    q3: float = Field(description="upper quartile of their values, rounded to two significant digits")


class PeerComparison(Model):
    metric: str
    scope: dict[str, str] = Field(description="{} for all the client's data, else {'channel': platform}")
    value: float = Field(description="the client's own value on that scope (from its report's metrics)")
    peers: PeerDistribution
    position: Literal["below", "within", "above"] = Field(description="the client's value against the peers' quartiles")
    verdict: Literal["better", "worse", "typical", "within_chance"] = Field(
        description="better or worse than the middle half of the peers (by the metric's direction) and beyond chance "
        "against their median; within_chance when outside the quartiles but the interval holds the median")
    significance: Significance | None = Field(
        default=None, description="the interval of the client's own rate on its counts; the bound is the peers' median")


class PeerBenchmark(Model):
    source: str = Field(description="where the figures come from: the agency's own portfolio")
    business_model: str
    min_peers: int = Field(description="fewest other clients a figure needs; scopes with fewer are not compared")
    comparisons: list[PeerComparison] = Field(default_factory=new_list)
    note: str = ""


class Report(_Optional):
    schema_version: Literal["1"] = SCHEMA_VERSION
    client: str
    business_model: str
    currency: str
    period: dict[str, str] | None = Field(default=None, description="the dates the report covers (start, end): the config's period, "
                                          "whose rows are the only ones counted, else the first and last date of the data; null where no row is dated")
    kpis: list[Kpi] = Field(default_factory=new_list)
    findings: list[Finding] = Field(default_factory=new_list)
    goals: list[GoalStatus] = Field(default_factory=new_list)
    values: list[ActionValue] = Field(default_factory=new_list)
    metrics: list[ScopeMetrics] = Field(default_factory=new_list)
    summary: Summary
    warnings: list[str] = Field(default_factory=new_list)
    comparison: Comparison | None = Field(default=None, exclude_if=_unset, description="with run --compare-previous: the periods compared")
    peers: PeerBenchmark | None = Field(
        default=None, exclude_if=_unset,
        description="with a portfolio run and portfolio benchmarks: this client beside the aggregate of its peers")

    _when_asked = ("comparison", "peers")
    # The scopes of the findings a short report left out (--max-findings, show_at_most): its
    # funnels then say a channel holds findings not shown, not that nothing fired there.
    _not_shown: list[dict[str, str]] = PrivateAttr(default_factory=new_list)
    # Of those left out that speak for members (roll-ups): their scope and their members, so the
    # channels a left-out account roll-up covers say so too.
    _not_shown_inside: list[tuple[dict[str, str], list[dict]]] = PrivateAttr(default_factory=new_list)
    # Of those left out, per rule: how many, their money at stake (counted once within the rule)
    # and, where it is one, its scope, so the short report's last line says what the rest is about.
    _not_shown_by_rule: dict[str, tuple[int, float | None, dict[str, str] | None]] = PrivateAttr(default_factory=new_dict)
    # How many of those left out carry money at stake: the summary's money is estimated from
    # them too, not from the shown findings alone.
    _not_shown_valued: int = PrivateAttr(default=0)


class GroupReport(Model):
    group: dict[str, str | None]
    report: Report


class GroupReports(Model):
    """``run --engine spark --format json`` when the config groups by columns: every group's report."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    engine: Literal["spark"] = "spark"
    group_by: list[str]
    groups: list[GroupReport]

"""What plugins provide: metric, rule, profile, goal and benchmark definitions,
plus the data-format and report-format extension points.

The declarative ones are pydantic models (their JSON Schemas live in
``schemas/``); the two that carry code are plain dataclasses.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

Stage = Literal["awareness", "interest", "evaluation", "purchase", "loyalty"]
STAGES: tuple[str, ...] = ("awareness", "interest", "evaluation", "purchase", "loyalty")
Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
Unit = Literal["count", "ratio", "currency", "seconds", "number"]
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
RULE_ID_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
# Audience and delivery breakdowns an export may carry; `segments:` in a config says which to analyse.
KnownSegment = Literal["age", "gender", "placement", "device", "country", "interest", "landing_page"]
SEGMENT_DIMENSIONS: tuple[str, ...] = get_args(KnownSegment)
DIMENSIONS: tuple[str, ...] = ("date", "account", "channel", "campaign", "ad_set", "ad", "region", *SEGMENT_DIMENSIONS)
# What `segments:` may name: a segment dimension above, ad_set or region, or any other column of the
# data by its snake_case name (a generic CSV's `job_function`); not the scope path itself.
NOT_SEGMENTS: tuple[str, ...] = ("date", "account", "channel", "campaign", "ad")
Segment = Annotated[str, Field(pattern=ID_PATTERN, description="a segment dimension (age, gender, placement, device, country, "
                                "interest, landing_page, ad_set, region) or another column's snake_case name")]
# Scope levels a rule can be evaluated on; "total" is the whole data set; "segment" the analysed
# segments within each channel (and account).
Level = Literal["total", "account", "channel", "campaign", "ad", "region", "segment"]


def new_list() -> list:
    """An empty list, the default_factory of our models' list fields. Not the builtin ``list``:
    pydantic reads a factory's signature as it builds a model class, and the builtin's signature
    is parsed from its text with ``ast`` (~0.2 ms a field; ~5 ms of every start-up)."""
    return []


def new_dict() -> dict:
    """An empty dict, the default_factory of our models' dict fields, for the reason of :func:`new_list`
    (the builtin's signature is looked up and fails: ~0.1 ms a field)."""
    return {}


def _not_true_or_false(value: Any) -> Any:
    # pydantic reads true as 1 where a number is expected: `min_ctr: true` would be a CTR of 100%.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    return value


Number = Annotated[float, BeforeValidator(_not_true_or_false)]
WholeNumber = Annotated[int, BeforeValidator(_not_true_or_false)]
# The bound inside the type, before the validator: as Field(ge=0) beside `Number | None`, pydantic
# writes it into the JSON Schema as "ge", which no schema validator reads.
NonNegative = Annotated[float, Field(ge=0), BeforeValidator(_not_true_or_false)]
Share = Annotated[float, Field(gt=0, le=1), BeforeValidator(_not_true_or_false)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# How a base count combines across dates within one series (then added up across series).
Combine = Literal["sum", "latest", "max", "none", "mean"]
COMBINES: tuple[str, ...] = get_args(Combine)
COMBINE_OF = {"sum": "sum", "last": "latest", "max": "max", "mean": "mean"}  # aggregate (older spelling) -> combine
AGGREGATE_OF = {"sum": "sum", "latest": "last", "max": "max", "mean": "mean", "none": "sum"}  # within one date, rows add up


class MetricDef(Strict):
    """A metric: a base count read from data, or derived by a formula."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, allow_inf_nan=False)

    id: str = Field(pattern=ID_PATTERN, description="snake_case id used in formulas and reports")
    name: str = ""
    stage: Stage = Field(description="funnel stage the metric belongs to")
    unit: Unit = "count"
    direction: Literal["higher", "lower", "neutral"] = "higher"
    formula: str | None = Field(default=None, description="expression over other metric ids; absent for base counts")
    description: str = ""
    vanity: bool = Field(default=False, description="a shallow signal unless a goal connects it to results")
    aliases: list[str] = Field(default_factory=new_list, description="other column names that mean this base count")
    aggregate: Literal["sum", "last", "max", "mean"] = Field(
        default="sum", description="older spelling of combine (last = latest); give combine instead"
    )
    combine: Combine = Field(
        default="sum",
        description="how a base count combines across dates within one series (docs/custom-metrics.md, \"Combining over "
        "time\"): sum for flows (purchases); latest for stocks (followers: the value on the series' latest date); max for "
        "counts of people (reach, unique users: the best period, a lower bound on the people reached); none where no "
        "total over several dates exists (only a single date's value is shown); mean for a per-row average. Sibling "
        "series (campaigns, channels) are then added up",
    )
    paired: bool = Field(
        default=True,
        description="a formula over several counts takes each only from the rows that carry all of them (ROAS from rows "
        "with spend); false for a deliberately blended figure such as MER (all revenue / ad spend)",
    )
    polars: SkipJsonSchema[Callable[..., Any] | None] = Field(
        default=None, exclude=True, description="Python plugins only: mapping of metric id to polars.Expr -> polars.Expr"
    )
    requires: list[str] = Field(default_factory=new_list, description="metric ids a `polars` metric reads")

    @model_validator(mode="before")
    @classmethod
    def _combine_and_aggregate(cls, data: Any) -> Any:
        """``combine`` and its older spelling ``aggregate`` say the same thing: either may be given,
        both are kept in step, and two that disagree are an error."""
        if not isinstance(data, dict):
            return data
        combine, aggregate = data.get("combine"), data.get("aggregate")
        if not isinstance(combine, (str, type(None))) or not isinstance(aggregate, (str, type(None))):
            return data  # the field validators say what is wrong
        if combine is not None and aggregate is not None and COMBINE_OF.get(aggregate) != combine:
            raise ValueError(f"combine '{combine}' and aggregate '{aggregate}' disagree; give combine only")
        if data.get("formula") is not None and (combine or COMBINE_OF.get(aggregate or "sum", "sum")) != "sum":
            raise ValueError("combine is for base counts read from data; a formula metric is computed from its inputs, "
                             "each combined as its own definition says")
        if combine is None and aggregate is not None and aggregate in COMBINE_OF:
            data = {**data, "combine": COMBINE_OF[aggregate]}
        elif aggregate is None and combine is not None and combine in AGGREGATE_OF:
            data = {**data, "aggregate": AGGREGATE_OF[combine]}
        return data

    @property
    def derived(self) -> bool:
        return self.formula is not None or self.polars is not None

    @property
    def title(self) -> str:
        return self.name or self.id.replace("_", " ")


class RuleExample(Strict):
    name: str
    records: list[dict[str, Any]] = Field(min_length=1)
    params: dict[str, Number] = Field(default_factory=new_dict, description="param overrides, as a client config would give them")
    benchmarks: dict[str, dict[str, Number]] = Field(
        default_factory=new_dict, description="benchmark overrides, as a client config would give them: metric -> platform -> value"
    )
    currency: str = Field(default="USD", pattern=CURRENCY_PATTERN, description="the example client's currency")
    skipped: bool = Field(
        default=False, description="quiet examples only: the rule cannot run on this data at all (say, no dates for a trend)"
    )


class RuleExamples(Strict):
    fire: list[RuleExample] = Field(default_factory=new_list, description="data on which the rule must fire")
    quiet: list[RuleExample] = Field(default_factory=new_list, description="data on which the rule must not fire")


class ImpactDef(Strict):
    metric: str = Field(description="the unit the estimate counts, e.g. purchases, leads, sessions, or spend (money)")
    formula: str = Field(description="expression: extra units of `metric` per period if the leak were fixed (the gap to the threshold)")
    per: str | None = Field(
        default=None,
        description="expression: what the units convert like, where not all of `metric` does (the visits that stay: "
        "sessions - bounces); the units are then carried down to orders, customers or valued actions at this scope's "
        "rate per it, not per `metric`",
    )
    basis: str = Field(description="one sentence on how the estimate is made")


class ChanceDef(Strict):
    """A comparison tested for chance: the rule fires only when the whole confidence interval of
    the rate ``successes / trials`` lies on the far side of the bound (docs/rules.md, "Chance")."""

    test: Literal["binomial", "poisson", "rate_ratio"] = Field(
        default="binomial",
        description="binomial: successes out of trials (clicks of impressions), Wilson interval; poisson: a count per "
        "unit of exposure (orders per unit of spend), score interval; rate_ratio: the rate in late periods over the rate "
        "in early ones, both measured on their own counts (conditional binomial, Wilson), for trends and sudden changes",
    )
    successes: str = Field(description="expression: the count (clicks, orders); for rate_ratio over one period's metrics and params")
    trials: str = Field(description="expression: what it is out of, or per (impressions, spend; 1 for a count per period)")
    below: str | None = Field(default=None, description="expression: fire only if the rate (or rate ratio) is surely below this")
    above: str | None = Field(default=None, description="expression: fire only if the rate (or rate ratio) is surely above this")
    compare: Literal["trend", "latest", "siblings"] = Field(
        default="trend",
        description="rate_ratio only: trend compares the first whole period with the last two; latest the periods "
        "before the last with the last (a sudden change); siblings the scope's siblings together with the scope "
        "(the other campaigns of its channel, channels of its account, segments of its channel)",
    )

    @model_validator(mode="after")
    def _one_side(self) -> "ChanceDef":
        if (self.below is None) == (self.above is None):
            raise ValueError("give exactly one of below or above")
        return self


# The confidence a chance test uses unless the rule or the client's rules.params says otherwise.
DEFAULT_CONFIDENCE = 0.95

BenchmarkPick = Literal["value", "low", "high"]


class BenchmarkRef(Strict):
    """A threshold taken from the benchmark figures, matched to each scope's platform."""

    metric: str = Field(description="metric id the figure is for; its definition must match the metric's formula")
    objective: str = Field(default="all", description="campaign objective the figure was measured on (all, leads, traffic, ...)")
    industry: str = Field(default="all", description="industry or site type the figure was measured on")
    pick: BenchmarkPick = Field(default="value", description="the figure's typical value, or the low or high end of its range")
    fallback: str | None = Field(default=None, description="param used where no figure matches the scope's platform")


Period = Literal["auto", "recent", "day", "week", "month", "quarter"]


class RuleDef(Strict):
    id: str = Field(pattern=RULE_ID_PATTERN)
    title: str
    stage: Stage
    severity: Severity
    levels: list[Level] = Field(
        default_factory=lambda: ["channel"],
        description="scopes to evaluate on, finest first: the first level the data has is used; none falls back to total",
    )
    every_level: bool = Field(
        default=False,
        description="evaluate on every listed level the data has (campaigns within their channel and channels within "
        "their account), not only the finest",
    )
    when: str = Field(description="condition in the kpi-advisor expression language")
    params: dict[str, Number] = Field(default_factory=new_dict, description="named thresholds with defaults")
    benchmarks: dict[str, BenchmarkRef] = Field(
        default_factory=new_dict, description="name -> benchmark figure, looked up per scope by the scope's channel (platform)"
    )
    let: dict[str, str] = Field(
        default_factory=new_dict, description="name -> expression: named values for when, thresholds, evidence and messages, in order"
    )
    units: dict[str, Unit] = Field(
        default_factory=new_dict, description="unit of a param or let value, for messages (inferred when absent)"
    )
    requires: list[str] | None = Field(
        default=None, description="metrics the data must have for the rule to run; default: every metric named in when and let"
    )
    period: Period = Field(default="auto", description="period of trend functions: auto picks the coarsest with at least 3 periods; recent the finest whole "
                                "period the data's dates allow (week for daily or weekly rows, else month), for sudden changes")
    thresholds: dict[str, str] = Field(
        default_factory=new_dict, description="metric id (or let name) -> param, benchmark or let name, reported as the thresholds of a finding"
    )
    evidence: list[str] = Field(default_factory=new_list, description="metric ids (or let names) to report; defaults to the metrics in `when`")
    message: str = Field(description="template; {metric}, {param}, {benchmark}, {benchmark_source}, {let name}, {scope}, {period}")
    recommendation: str
    impact: ImpactDef | None = None
    chance: ChanceDef | None = Field(
        default=None, description="test the comparison for chance; adds the param `confidence` (default 0.95)"
    )
    questions: list[str] = Field(
        default_factory=new_list,
        description="metrics whose figures a finding of this rule puts in doubt (a data question): other findings "
        "judged on them, on the same scope or inside it, are folded into it instead of shown one by one",
    )
    rationale: str
    source: str
    examples: RuleExamples = Field(default_factory=RuleExamples)

    @model_validator(mode="before")
    @classmethod
    def _confidence_param(cls, data: Any) -> Any:
        # A rule tested for chance takes its confidence level as an ordinary param, so a client
        # overrides it like any other (rules.params: {rule: {confidence: 0.9}}).
        if isinstance(data, dict) and data.get("chance") is not None:
            params = data.get("params")
            if isinstance(params, dict) and "confidence" not in params:
                data = {**data, "params": {**params, "confidence": DEFAULT_CONFIDENCE}}
            elif params is None:
                data = {**data, "params": {"confidence": DEFAULT_CONFIDENCE}}
        return data

    @field_validator("evidence")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class RulePack(Strict):
    pack: str = Field(pattern=ID_PATTERN + "|" + RULE_ID_PATTERN)
    description: str = ""
    metrics: list[MetricDef] = Field(default_factory=new_list, description="metrics the pack's rules need")
    rules: list[RuleDef]


Relevance = Literal["core", "high", "medium", "low", "none"]
RELEVANCE_WEIGHT: dict[str, float] = {"core": 1.0, "high": 0.8, "medium": 0.5, "low": 0.2, "none": 0.0}
Tracking = Literal["online", "partial", "offline"]
# Fields a profile must give unless it extends another model.
PROFILE_REQUIRED: tuple[str, ...] = ("name", "description", "tracking", "stages", "macro_kpis", "goals")


def _profile_schema(schema: dict[str, Any]) -> None:
    # A profile that extends another may leave out what it inherits.
    required = [name for name in schema.get("required", []) if name not in PROFILE_REQUIRED]
    schema["required"] = required
    schema["anyOf"] = [{"required": ["extends"]}, {"required": list(PROFILE_REQUIRED)}]


class FunnelBranches(Strict):
    """Steps people take side by side, not one after the other (a call, a direction request, a visit)."""

    branches: list[str | list[str]] = Field(
        min_length=2,
        description="the parallel steps; each a metric id, or a list of ids of which the first the data has is drawn",
    )


FunnelStep = Annotated[
    str | list[str] | FunnelBranches,
    Field(description="a metric id; a list of ids (the first the data has is drawn); or {branches: [...]} for parallel steps"),
]


class ProfileDef(Strict):
    """A business model: how its funnel looks, what can be tracked, what each goal means for it.

    A profile with ``extends`` starts from an earlier model: mappings (tracking,
    stages, goals, ...) merge key by key, lists and text replace. The catalog
    resolves it, so code only ever sees complete profiles.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_profile_schema, allow_inf_nan=False)

    id: str = Field(pattern=ID_PATTERN)
    extends: str | None = Field(default=None, description="id of a model loaded earlier (a shipped one, or this id to adjust it) to start from")
    name: str = Field(min_length=1, description="a noun phrase read after 'a' or 'an': 'B2B company', 'consulting firm'")
    description: str = Field(min_length=1)
    tracking: dict[Stage, Tracking] = Field(
        description="how far each stage can be followed online: online, partial, or offline (the trail ends, e.g. at the shop door)"
    )
    stages: dict[Stage, list[str]] = Field(
        description="metric ids that mark each funnel stage for this model, the deepest intent first within a stage"
    )
    macro_kpis: list[str] = Field(min_length=1, description="the results that pay the bills, most important first")
    goals: dict[str, Relevance] = Field(description="how relevant each goal objective is for this model: core, high, medium, low or none")
    proxies: list[str] = Field(
        default_factory=new_list, description="online metrics that stand in for the stages tracked offline, best first"
    )
    goal_kpis: dict[str, list[str]] = Field(
        default_factory=new_dict,
        description="goal id -> metric ids that measure it for this model, best first; replaces the goal's own list",
    )
    goal_notes: dict[str, str] = Field(default_factory=new_dict, description="goal id -> why it matters (or not) for this model, one clause")
    metric_notes: dict[str, str] = Field(default_factory=new_dict, description="metric id -> why it matters for this model, one clause")
    tracking_hints: dict[str, str] = Field(
        default_factory=new_dict, description="metric id -> how to start tracking it for this model, when the data lacks it"
    )
    typical_growth: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=new_dict,
        description="metric id or stage -> typical best monthly change for this model (0.1 = 10%), for SMART 'achievable'",
    )
    notes: list[str] = Field(default_factory=new_list)
    funnel: list[FunnelStep] = Field(
        default_factory=new_list,
        description="the steps the report's funnel chart draws, in the order people take them: a metric id, a list of "
        "alternative ids (the first the data has), or {branches: [...]} for steps taken side by side; "
        "engaged_sessions falls back to the visits that did not bounce. Empty: a generic web funnel",
    )

    def relevance(self, goal_id: str) -> str:
        """How much a goal matters for this model; goals a plugin model leaves out count as medium."""
        return self.goals.get(goal_id, "medium")

    def stage_of(self, metric_id: str) -> str | None:
        """The stage this model files a metric under, if it marks one with it."""
        for stage, ids in self.stages.items():
            if metric_id in ids:
                return stage
        return None


class GoalDef(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str
    description: str
    stage: Stage
    metrics: list[str] = Field(min_length=1, description="metric ids that measure the objective, best first")


class Benchmark(Strict):
    metric: str
    value: float
    platform: str = Field(description="facebook, instagram, google_search, linkedin, tiktok, x, or any")
    source: str
    year: int
    industry: str = "all"
    objective: str = "all"
    low: float | None = None
    high: float | None = None
    definition: str = ""
    currency: str | None = None


@dataclass(frozen=True)
class DataFormat:
    """Reads one source into a LazyFrame with canonical column names.

    ``read(path, options)`` gets the resolved path and the source's mapping; it
    returns ``(LazyFrame, warnings)`` or just a LazyFrame.

    ``typed``: ``read(path, options, types)`` also takes ``types``, {column: polars dtype} by the
    names its frame gives, and parses those columns as that type while it reads (counts, as
    Float64). The engine asks for it after a first read has shown the columns, and falls back to
    that first frame where a cell does not parse.
    """

    name: str
    read: Callable[..., Any]
    description: str = ""
    suffixes: tuple[str, ...] = field(default=(".csv",))
    # The segments analysed when a config names none: the first of these the data has.
    segments: tuple[str, ...] = ()
    typed: bool = False
    # Channels this format names more finely than other sources can, each with the name they give
    # it: Google Ads' Performance Max campaigns (google_pmax) are GA4's google / cpc (google_ads).
    # Another source's rows of a campaign this format names so take its channel (load_dataset).
    channels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReportFormat:
    """Renders a :class:`kpi_advisor.Report` to text. ``render(report, options)``.

    ``pieces(report, options)``, where given, yields the same text in pieces: the command line
    writes a report to a file piece by piece as they are made, never the whole text at once."""

    name: str
    render: Callable[..., str]
    description: str = ""
    extension: str = ".txt"
    pieces: Callable[..., Iterable[str]] | None = None

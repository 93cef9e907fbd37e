"""The client config: what a consultant writes for one client."""

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from .definitions import CURRENCY_PATTERN, ID_PATTERN, NOT_SEGMENTS, MetricDef, NonNegative, Number, Segment, Share, WholeNumber, new_dict, new_list

CHANGE_PATTERN = r"^[+-]?\d+(\.\d+)?%?$"
CONFIG_ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
MAX_SEGMENTS = 8  # ClientConfig.segments: at most this many, combined


def _date_not_number(value: Any) -> Any:
    # pydantic reads a number as seconds since 1970: `by: 2026` is refused with words about
    # datetimes, and `by: 0` becomes 1970-01-01.
    if isinstance(value, (bool, int, float)) or (isinstance(value, str) and value.strip().lstrip("+-").isdigit()):
        raise ValueError("expected a date like 2026-07-01")
    return value


Date = Annotated[dt.date, BeforeValidator(_date_not_number)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Period(Model):
    start: Date
    end: Date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class Goal(Model):
    id: str = Field(pattern=CONFIG_ID_PATTERN)
    objective: str = Field(description="awareness engagement traffic reputation leads community sales support app_installs loyalty (+ plugins)")
    metric: str | None = None
    channel: str | None = None
    baseline: NonNegative | None = Field(default=None)
    target: NonNegative | None = Field(default=None)
    change: str | None = Field(default=None, pattern=CHANGE_PATTERN, description='relative target such as "+20%"')
    by: Date | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "Goal":
        if self.target is not None and self.change is not None:
            raise ValueError("give either target or change, not both")
        if self.change is not None and not math.isfinite(float(self.change.rstrip("%"))):
            raise ValueError(f"change {self.change[:12]}... is too large a number to make a target")
        return self

    def target_value(self) -> float | None:
        """Absolute target, resolving a relative ``change`` against the baseline."""
        if self.target is not None:
            return self.target
        if self.change is None or self.baseline is None:
            return None
        number = float(self.change.rstrip("%"))
        return self.baseline * (1 + number / 100) if self.change.endswith("%") else self.baseline + number


class MicroConversion(Model):
    action: str = Field(pattern=ID_PATTERN)
    to_customer_rate: Number = Field(ge=0, le=1)


class Economics(Model):
    customer_value: NonNegative | None = Field(default=None)
    average_order_value: NonNegative | None = Field(default=None)
    customer_lifetime_value: NonNegative | None = Field(default=None)
    gross_margin: Share | None = Field(
        default=None,
        description="share of revenue kept after the cost of goods (0.4 = 40%); break-even ROAS is 1 / gross_margin",
    )
    micro_conversions: list[MicroConversion] = Field(default_factory=new_list)

    def value_of_customer(self) -> float | None:
        for value in (self.customer_value, self.customer_lifetime_value, self.average_order_value):
            if value is not None:
                return value
        return None


class RecordsSource(Model):
    records: list[dict[str, Any]]
    name: str | None = None


class FileSource(Model):
    csv: str | None = None
    parquet: str | None = None
    excel: str | None = Field(default=None, description="an Excel workbook (.xlsx, .xlsm), its first visible sheet with cells or options.sheet; "
                                                        "needs the excel extra")
    format: str = "generic"
    name: str | None = None
    options: dict[str, Any] = Field(default_factory=new_dict, description="reader options, e.g. decimal_comma")

    @model_validator(mode="after")
    def _one_path(self) -> "FileSource":
        if sum(value is not None for value in (self.csv, self.parquet, self.excel)) != 1:
            raise ValueError("give exactly one of csv, parquet or excel")
        return self

    @property
    def path(self) -> str:
        return next(value for value in (self.csv, self.parquet, self.excel) if value is not None)

    @property
    def kind(self) -> Literal["csv", "parquet", "excel"]:
        return "csv" if self.csv is not None else "parquet" if self.parquet is not None else "excel"


class SparkData(Model):
    """Where a Spark source's rows are: exactly one of a table, a lake path or a query."""

    table: str | None = Field(default=None, description="a table or view in the Spark session's catalog, e.g. marketing.daily_ads")
    path: str | None = Field(default=None, description="a lake path (a file or folder), e.g. s3a://lake/ads/ or /data/ads.parquet")
    sql: str | None = Field(default=None, description="a Spark SQL query whose columns are canonical names")
    reader: str = Field(default="parquet", description="how to read path: parquet, delta, orc, csv, json, or any Spark data source")
    options: dict[str, Any] = Field(default_factory=new_dict, description="options of the Spark reader, e.g. {header: true} for csv")

    @model_validator(mode="after")
    def _one_place(self) -> "SparkData":
        if sum(value is not None for value in (self.table, self.path, self.sql)) != 1:
            raise ValueError("give exactly one of table, path or sql")
        return self


class SparkSource(Model):
    """Rows that live in Spark; read only by ``--engine spark`` (docs/scaling.md)."""

    spark: SparkData
    name: str | None = None


class SparkSettings(Model):
    """How ``--engine spark`` runs this config (docs/scaling.md)."""

    group_by: list[Literal["account", "channel", "campaign", "region"]] = Field(
        default_factory=lambda: ["account"],
        description="each group is evaluated as its own client, in parallel; [] evaluates all data as one",
    )
    master: str | None = Field(default=None, description="Spark master when no session is running, e.g. local[4]; default: Spark's own")
    conf: dict[str, str | int | float | bool] = Field(default_factory=new_dict, description="Spark settings for the session")


def _source_kind(value: Any) -> str:
    # Told apart by their keys, so that a mistake in one kind is not also reported as the other
    # kind's complaint ("records: lots" is not an unknown field of a file source).
    if isinstance(value, RecordsSource) or (isinstance(value, dict) and "records" in value):
        return "records"
    if isinstance(value, SparkSource) or (isinstance(value, dict) and "spark" in value):
        return "spark"
    return "file"


DataSource = Annotated[
    Annotated[RecordsSource, Tag("records")] | Annotated[FileSource, Tag("file")] | Annotated[SparkSource, Tag("spark")],
    Discriminator(_source_kind),
]


class RuleSettings(Model):
    disable: list[str] = Field(default_factory=new_list)
    params: dict[str, dict[str, Number]] = Field(default_factory=new_dict)
    packs: list[str] = Field(default_factory=new_list, description="extra rule-pack files, relative to the config")


COLOUR_PATTERN = r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
COLOUR_KEYS = ("primary", "secondary", "accent")


class Branding(Model):
    """How the HTML report looks when a consultant hands it over: their name, logo and colours."""

    agency: str | None = Field(default=None, min_length=1, max_length=120, description="the agency or consultant named on the cover and in the footer")
    logo: str | None = Field(
        default=None, min_length=1, description="a PNG, JPEG, GIF, WebP or SVG file (relative to the config, at most 1 MB), embedded in the report"
    )
    colours: dict[Literal["primary", "secondary", "accent"], Annotated[str, Field(pattern=COLOUR_PATTERN)]] = Field(
        default_factory=new_dict, description="hex colours such as '#17365d': primary (cover and headings), secondary (the cover's gradient), accent"
    )
    footer: str | None = Field(default=None, min_length=1, max_length=500, description="a line of text at the foot of the report, e.g. contact details")
    templates: str | None = Field(
        default=None, min_length=1,
        description="a folder (relative to the config) of Jinja2 templates that replace the built-in ones by file name (report.html, ...)",
    )


class ReportSettings(Model):
    audience: Literal["client", "consultant"] | None = Field(
        default=None,
        description="client: display names, no ids, no consultant notes or diagnostics; consultant: everything, diagnostics folded. "
        "Default: client for html, consultant for the other formats; --audience wins",
    )


class PortfolioSettings(Model):
    """How this client takes part in a portfolio run (``kpi-advisor run FOLDER``; docs/portfolio.md)."""

    benchmark: bool = Field(
        default=False,
        description="compare this client's rates with the median and quartiles of the other clients of the same business "
        "model in the same run; only that aggregate is shown, never another client's name or numbers",
    )
    min_peers: WholeNumber = Field(
        default=5, ge=5, le=1000,
        description="fewest other clients a figure needs before it is compared (at least 5, so no one client's number can be read back)",
    )


class ClientConfig(Model):
    client: str = Field(min_length=1)
    business_model: str
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)
    period: Period | None = None
    goals: list[Goal] = Field(default_factory=new_list)
    economics: Economics = Field(default_factory=Economics)
    data: list[DataSource] = Field(default_factory=new_list)
    rules: RuleSettings = Field(default_factory=RuleSettings)
    metrics: list[MetricDef] = Field(default_factory=new_list)
    benchmarks: dict[str, dict[str, Number]] = Field(
        default_factory=new_dict, description="metric -> platform (or 'all') -> value, overriding shipped figures"
    )
    plugins: list[str] = Field(default_factory=new_list, description="local plugin files, relative to the config")
    segments: list[Segment] = Field(
        default_factory=new_list,
        description="breakdowns to compare within each channel (age, gender, placement, ...); several are combined "
        "(women 45-49); another column of the data may be named by its snake_case name; default: the first of the "
        "data format's default segments the data has (docs/data-formats.md)",
    )
    spark: SparkSettings = Field(default_factory=SparkSettings, description="settings for --engine spark")
    branding: Branding = Field(default_factory=Branding, description="the consultant's name, logo, colours and footer in the HTML report")
    report: ReportSettings = Field(default_factory=ReportSettings, description="how the report is written")
    portfolio: PortfolioSettings = Field(default_factory=PortfolioSettings, description="portfolio runs: benchmarks against the agency's other clients")

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[Goal]) -> list[Goal]:
        # A report's goal statuses and a later run's --since name goals by id: two with one id are one.
        seen: dict[str, int] = {}
        for index, goal in enumerate(value):
            if goal.id in seen:
                raise ValueError(f"goal id '{goal.id}' is given twice (goals[{seen[goal.id]}] and goals[{index}]); give each goal its own id")
            seen[goal.id] = index
        return value

    @field_validator("segments")
    @classmethod
    def _segments(cls, value: list[str]) -> list[str]:
        scope = [name for name in value if name in NOT_SEGMENTS]
        if scope:
            raise ValueError(f"{', '.join(scope)} is part of every scope's path, not a segment; name breakdowns such as age, gender, "
                             "placement, device, country, interest, landing_page, ad_set or region")
        if len(set(value)) < len(value):
            raise ValueError("a segment is named twice")
        # Combined, eight breakdowns already cut a channel into cells too small to judge; and each
        # pattern of them a row leaves empty is a pass over the rows (_drop_subtotals): 24 made
        # 16,000 passes over a 1 MB file (26 s).
        if len(value) > MAX_SEGMENTS:
            raise ValueError(f"{len(value)} segments are named; at most {MAX_SEGMENTS} are combined (each cell of their combination "
                             "is judged on its own, and more make cells too small to judge)")
        return value


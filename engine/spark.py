"""The same engine on Apache Spark, for data one machine cannot hold.

Rows are grouped (by ``account``, unless the config's ``spark.group_by`` says
otherwise) and each group is evaluated inside the executors by the embedded
engine itself, through a grouped Arrow UDF (``applyInArrow``): polars takes the
group's Arrow table without copying, the config is prepared (plugins, rule packs,
compiled rules) once per Python worker, and each group's report comes back as
JSON. A group's report is the report :func:`kpi_advisor.evaluate` gives for the
same rows, to the byte; tests/test_spark.py holds it to that.

Public API: :func:`evaluate_spark` (a Spark DataFrame, one row per group),
:func:`reports` (collected to the driver as Report models), :func:`findings`
(one row per finding, for a table), :func:`read_sources` and
:func:`spark_session`. pyspark comes from the ``spark`` extra.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .loading.prepare import LoadedConfig, Prepared, load_config, prepare
from .models.config import ClientConfig, SparkSettings, SparkSource
from .problems import ConfigError, NoDataInPeriod, Problem

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from .models.report import Report

REPORT_COLUMN = "report"
FINDINGS_COLUMN = "findings_total"
ALL_GROUP = "__all"  # the one group when group_by is []

# A finding as Spark reads it back from a report (kpi_advisor.models.report.Finding).
FINDING_DDL = (
    "array<struct<rule:string,severity:string,stage:string,scope:map<string,string>,"
    "evidence:map<string,double>,thresholds:map<string,double>,message:string,recommendation:string,"
    "impact:struct<metric:string,value:double,money:double,basis:string>>>"
)


def require_pyspark() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError(Problem("the Spark engine needs pyspark and pyarrow: pip install 'kpi-advisor[spark]'")) from None


def spark_session(settings: SparkSettings | None = None) -> "SparkSession":
    """The active Spark session, or a new one with the config's master and settings."""
    require_pyspark()
    from pyspark.sql import SparkSession

    settings = settings or SparkSettings()
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("kpi-advisor")
    if settings.master:
        builder = builder.master(settings.master)
    # Quiet by default: reports go to stdout, and Spark's progress bars would garble a terminal's stderr.
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    for key, value in settings.conf.items():
        builder = builder.config(key, str(value).lower() if isinstance(value, bool) else str(value))
    launched_by_spark_submit = "PYSPARK_GATEWAY_PORT" in os.environ
    local = settings.master is None or settings.master.startswith("local")
    if local and not launched_by_spark_submit and "spark.pyspark.python" not in settings.conf:
        # Local workers must run this interpreter: it is the one with kpi-advisor installed.
        # (The JVM started below inherits the variable; the spark.pyspark.python setting is not read in local mode.)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return builder.getOrCreate()


def _without_spark_sources(config: ClientConfig) -> ClientConfig:
    return config.model_copy(update={"data": [s for s in config.data if not isinstance(s, SparkSource)]})


def read_sources(spark: "SparkSession", loaded: LoadedConfig) -> "DataFrame":
    """The config's Spark sources as one DataFrame, stacked by column name."""
    frames = []
    for index, source in enumerate(loaded.config.data):
        where = ("data", index)
        if not isinstance(source, SparkSource):
            raise ConfigError(loaded.problem(where, "with --engine spark every source is a spark source (table, path or sql); load inline records and files into Spark, or run without --engine spark"))
        frames.append(_read_one(spark, source, loaded, where))
    if not frames:
        raise ConfigError(loaded.problem(("data",), "no data: add a spark source such as {spark: {table: marketing.daily_ads}}"))
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.unionByName(other, allowMissingColumns=True)
    return frame


def _read_one(spark: "SparkSession", source: SparkSource, loaded: LoadedConfig, where: tuple) -> "DataFrame":
    spec = source.spark
    try:
        if spec.table is not None:
            return spark.table(spec.table)
        if spec.sql is not None:
            return spark.sql(spec.sql)
        path = str(spec.path)
        if "://" not in path and not Path(path).is_absolute():
            path = str(loaded.base_dir / path)
        options = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in spec.options.items()}
        return spark.read.format(spec.reader).options(**options).load(path)
    except Exception as exc:  # noqa: BLE001 - Spark's analysis errors are the user's data problem
        field = "table" if spec.table is not None else "sql" if spec.sql is not None else "path"
        raise ConfigError(loaded.problem(where + ("spark", field), f"Spark cannot read it: {_first_line(exc)}")) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@dataclass(frozen=True)
class _Job:
    """What an executor needs to evaluate a group: shipped once per task, prepared once per worker."""

    token: str
    config: ClientConfig
    base_dir: str
    keys: tuple[str, ...]


_PREPARED: dict[str, Prepared] = {}


def _prepared(job: _Job) -> Prepared:
    prepared = _PREPARED.get(job.token)
    if prepared is None:
        prepared = prepare(LoadedConfig(config=job.config, base_dir=Path(job.base_dir)))
        _PREPARED.clear()  # one config at a time per worker; a long-lived worker does not pile them up
        _PREPARED[job.token] = prepared
    return prepared


def _evaluate_group(job: _Job):
    """The function Spark runs per group: an Arrow table in, one row (keys, count, report JSON) out."""

    def run(key, table):
        import polars as pl
        import pyarrow as pa

        from .models.report import to_json
        from .pipeline import run_pipeline

        frame = pl.from_arrow(table)
        if ALL_GROUP in frame.columns:
            frame = frame.drop(ALL_GROUP)
        try:
            report = run_pipeline(_prepared(job), data=frame)
            text = to_json(report, indent=None)
            count = report.summary.findings_total
        except NoDataInPeriod as exc:
            # Nothing to report for the period (an account paused all quarter): skipped, not failed.
            text = json.dumps({"skipped": [str(p) for p in exc.problems]})
            count = 0
        except ConfigError as exc:
            # A group whose data is bad fails alone, with the same lines the CLI would print.
            text = json.dumps({"errors": [str(p) for p in exc.problems]})
            count = -1
        values = {k: [None if v.as_py() is None else str(v.as_py())] for k, v in zip(job.keys, key)}
        return pa.table({**values, FINDINGS_COLUMN: pa.array([count], pa.int64()), REPORT_COLUMN: [text]}, schema=_arrow_schema(job.keys))

    return run


def _arrow_schema(keys: Sequence[str]):
    import pyarrow as pa

    return pa.schema([(k, pa.string()) for k in keys] + [(FINDINGS_COLUMN, pa.int64()), (REPORT_COLUMN, pa.string())])


def _needed_columns(df: "DataFrame", prepared: Prepared) -> list[str]:
    """The columns the engine reads (dimensions, the config's own segments, and counts, by name or
    alias): Spark reads no others."""
    from .data.sources import _read_needed

    segments = tuple(prepared.loaded.config.segments)
    return [c for c in df.columns if _read_needed(c, prepared.catalog, segments)]


def evaluate_spark(config: Any, df: "DataFrame", *, group_by: Sequence[str] | None = None) -> "DataFrame":
    """One row per group: the group's key columns, ``findings_total`` and ``report`` (JSON).

    :param config: a config path, mapping or ClientConfig; its rules, params,
        economics and plugins apply to every group. Its spark sources are ignored
        here: ``df`` is the data.
    :param df: a Spark DataFrame with canonical column names (or aliases).
    :param group_by: columns whose every combination is evaluated as its own client;
        default the config's ``spark.group_by`` (``[account]``); ``[]`` evaluates all rows as one.
    :return: a lazy Spark DataFrame; a group whose rows are bad has ``findings_total``
        -1 and ``{"errors": [...]}`` as its report.
    """
    require_pyspark()
    from pyspark.sql import functions as F

    loaded = load_config(config)
    config_model = _without_spark_sources(loaded.config)
    # Prepared on the driver too, so that a bad config fails here, before any Spark job.
    prepared = prepare(LoadedConfig(config=config_model, base_dir=loaded.base_dir, doc=loaded.doc))
    keys = tuple(loaded.config.spark.group_by if group_by is None else group_by)
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise ConfigError(Problem(f"spark.group_by: column {', '.join(missing)} is not in the data; columns: {', '.join(df.columns)}"))
    columns = _needed_columns(df, prepared)
    if not keys:
        df, keys = df.select(*columns).withColumn(ALL_GROUP, F.lit("all")), (ALL_GROUP,)
    else:
        df = df.select(*dict.fromkeys([*keys, *columns]))
    job = _Job(token=uuid.uuid4().hex, config=config_model, base_dir=str(loaded.base_dir), keys=keys)
    schema = ", ".join(f"`{k}` string" for k in keys) + f", {FINDINGS_COLUMN} long, {REPORT_COLUMN} string"
    grouped = df.groupBy(*keys).applyInArrow(_evaluate_group(job), schema)
    return grouped.drop(ALL_GROUP) if keys == (ALL_GROUP,) else grouped


def reports(config: Any, df: "DataFrame", *, group_by: Sequence[str] | None = None,
            skipped: list[str] | None = None) -> dict[tuple[str | None, ...], "Report"]:
    """Every group's report, collected to the driver, keyed by the group's values in order.
    A group with no row in the config's period has no report; ``skipped`` (if given) gets a
    line naming it and why.

    :raises ConfigError: naming the group, for a group whose rows are bad.
    """
    from .models.report import Report

    out = evaluate_spark(config, df, group_by=group_by)
    keys = [c for c in out.columns if c not in (FINDINGS_COLUMN, REPORT_COLUMN)]
    result: dict[tuple[str | None, ...], Report] = {}
    problems: list[Problem] = []
    for row in out.toArrow().to_pylist():
        key = tuple(row[k] for k in keys)
        text = row[REPORT_COLUMN]
        label = ", ".join(f"{k}={v}" for k, v in zip(keys, key)) or "all data"
        if text.startswith('{"errors":'):
            problems += [Problem(f"{label}: {line}") for line in json.loads(text)["errors"]]
            continue
        if text.startswith('{"skipped":'):
            if skipped is not None:
                skipped += [f"{label}: {line}; no report for this group" for line in json.loads(text)["skipped"]]
            continue
        result[key] = Report.model_validate_json(text)  # parsed in Rust, not through json.loads
    if problems:
        raise ConfigError(problems)
    return dict(sorted(result.items(), key=lambda item: tuple("" if v is None else v for v in item[0])))


def findings(config: Any, df: "DataFrame", *, group_by: Sequence[str] | None = None) -> "DataFrame":
    """One row per finding: the group's keys, then rule, severity, stage, scope,
    evidence, thresholds, message, recommendation and impact; ready to write to a table."""
    from pyspark.sql import functions as F

    out = evaluate_spark(config, df, group_by=group_by)
    keys = [c for c in out.columns if c not in (FINDINGS_COLUMN, REPORT_COLUMN)]
    parsed = F.from_json(F.get_json_object(F.col(REPORT_COLUMN), "$.findings"), FINDING_DDL)
    return out.where(F.col(FINDINGS_COLUMN) > 0).select(*keys, F.explode(parsed).alias("f")).select(*keys, "f.*")


def run_config(loaded: LoadedConfig, skipped: list[str] | None = None) -> dict[tuple[str | None, ...], "Report"]:
    """``kpi-advisor run CONFIG --engine spark``: the config's sources read by Spark, every group's report."""
    spark = spark_session(loaded.config.spark)
    return reports(loaded, read_sources(spark, loaded), skipped=skipped)


def group_label(keys: Iterable[str], values: Iterable[str | None]) -> str:
    return ", ".join(f"{k}={'(none)' if v is None else v}" for k, v in zip(keys, values)) or "all data"

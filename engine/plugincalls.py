"""Calls into plugin code after the catalog is built: a report renderer, a
metric's polars formula. Whatever the plugin does wrong (raises, returns the
wrong type) becomes a PluginError naming the plugin and what it provides,
never a traceback; the built-ins are unaffected.

(The catalog's hooks are guarded the same way in catalog.py, and data-format
readers in data.py, where the reader's failure is reported with its file.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import polars as pl

from .problems import ConfigError, PluginError, Problem, json_may_hold_control, printable


def _who(origins: Mapping[str, str], key: str) -> str:
    return origins.get(key, "?")


def render_report(catalog: Any, fmt: str, report: Any, options: Mapping[str, Any]) -> str:
    """The report rendered by the ``fmt`` reporter; it must return text."""
    reporter, plugin, report = _reporter(catalog, fmt, report)
    try:
        text = reporter.render(report, dict(options))
    except Exception as exc:  # noqa: BLE001 - a plugin's failure must name the plugin
        raise _raised(plugin, fmt, exc) from None
    if not isinstance(text, str):
        raise PluginError(f"plugin '{plugin}': report format '{fmt}' returned {type(text).__name__}; render() must return str")
    return text


def render_pieces(catalog: Any, fmt: str, report: Any, options: Mapping[str, Any]) -> Iterator[str]:
    """:func:`render_report`'s text in the pieces the reporter makes it in (``ReportFormat.pieces``),
    or whole where it gives none. A failure while the pieces are made names the plugin, as there."""
    reporter = catalog.reporters[fmt]
    if reporter.pieces is None:
        yield render_report(catalog, fmt, report, options)
        return
    reporter, plugin, report = _reporter(catalog, fmt, report)
    try:
        for piece in reporter.pieces(report, dict(options)):
            if not isinstance(piece, str):
                raise PluginError(f"plugin '{plugin}': report format '{fmt}' gave a piece of {type(piece).__name__}; pieces() must yield str")
            yield piece
    except PluginError:
        raise
    except Exception as exc:  # noqa: BLE001 - a plugin's failure must name the plugin
        raise _raised(plugin, fmt, exc) from None


def _reporter(catalog: Any, fmt: str, report: Any) -> tuple[Any, str, Any]:
    """The ``fmt`` reporter, the plugin it comes from, and the report as it gets it: every finding
    worded (where the run left their words for later), and for every format but JSON with control
    characters made visible."""
    for finding in getattr(report, "findings", None) or ():
        finding.worded()  # those the report shows
    if fmt != "json":  # JSON escapes control characters itself, and keeps the names as they are
        report = printable_report(report)
    return catalog.reporters[fmt], _who(catalog.origins, f"report format:{fmt}"), report


def _raised(plugin: str, fmt: str, exc: BaseException) -> PluginError:
    return PluginError(f"plugin '{plugin}': report format '{fmt}' raised {type(exc).__name__}: {_first_line(exc)}")


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_printable(v) for v in value)
    return value


def _may_hold_control(report: Any) -> bool:
    """Whether a text of the report, or of its private values (the scopes a short report left
    out, which its last lines name), may hold a control character, asked of their JSON as
    pydantic writes it in Rust: the walk below, of every text of an agency's report (60,000
    scopes' metrics), took ~0.1 s at 1M rows to find none. True where a value cannot be written
    as JSON (a lone surrogate, which the walk escapes)."""
    from pydantic import TypeAdapter

    try:  # model_dump_json() without its decoding: the check reads the UTF-8 bytes
        if json_may_hold_control(report.__pydantic_serializer__.to_json(report)):
            return True
        private = report.__pydantic_private__
        return bool(private) and json_may_hold_control(TypeAdapter(Any).dump_json(list(private.values())))
    except Exception:  # noqa: BLE001 - what JSON cannot hold, the walk reads as it is
        return True


def printable_report(report: Any) -> Any:
    """The report with control characters in every text (a campaign named with an OSC 52
    clipboard sequence, say), its private values' too, written as visible escapes, for every
    format but JSON; the same report when there are none."""
    from pydantic import BaseModel

    if not isinstance(report, BaseModel) or not _may_hold_control(report):
        return report
    data = report.model_dump()
    cleaned = _printable(data)
    private = report.__pydantic_private__ or {}
    # Private attributes are not dumped (a short report's left-out scopes): cleaned the same way,
    # so they still name the channels the cleaned report names.
    cleaned_private = {name: _printable(value) for name, value in private.items()}
    if cleaned == data and cleaned_private == private:
        return report
    copy = type(report).model_validate(cleaned)
    for name, value in cleaned_private.items():
        setattr(copy, name, value)
    return copy


def polars_metric(metric: Any, mapping: Mapping[str, pl.Expr], origins: Mapping[str, str]) -> pl.Expr:
    """A plugin metric's ``polars`` callable applied to the metric columns; it must return a polars.Expr."""
    plugin = _who(origins, f"metric:{metric.id}")
    try:
        answer = metric.polars(mapping)
    except Exception as exc:  # noqa: BLE001
        raise PluginError(f"plugin '{plugin}': metric '{metric.id}': polars formula raised {type(exc).__name__}: {_first_line(exc)}") from None
    if not isinstance(answer, pl.Expr):
        raise PluginError(f"plugin '{plugin}': metric '{metric.id}': polars formula returned {type(answer).__name__}; expected a polars.Expr")
    return answer


def with_metric_columns(frame: pl.DataFrame, exprs: Sequence[pl.Expr], metrics: Sequence[Any], origins: Mapping[str, str]) -> pl.DataFrame:
    """``frame.with_columns(exprs)``; a failure while computing a plugin's polars metric names the plugin.

    ``metrics[i]`` is the metric ``exprs[i]`` computes."""
    try:
        return frame.with_columns(exprs)
    except Exception:
        # Find the metric that fails on its own (the error path only): a plugin's polars formula
        # is the plugin's failure; a formula from a config or rule pack is bad input, named with
        # where it came from, never an internal error (HTTP 500, exit 3).
        for metric, column in zip(metrics, exprs):
            try:
                frame.with_columns(column)
            except Exception as exc:  # noqa: BLE001
                who = _who(origins, f"metric:{metric.id}")
                if metric.polars is None and not isinstance(exc, _VALUE_ERRORS):
                    raise  # a missing column and the like: our own bug, raised as it is
                if metric.polars is None:
                    raise ConfigError(Problem(
                        f"metric '{metric.id}' ({who}): formula {metric.formula!r} cannot be computed on the data: {_first_line(exc)}"
                    )) from None
                raise PluginError(
                    f"plugin '{who}': metric '{metric.id}': polars formula failed on the data: {type(exc).__name__}: {_first_line(exc)}"
                ) from None
        raise


# What a formula's values can make polars raise (text where a number was needed, say); any
# other failure of one of our formulas is a bug of ours.
_VALUE_ERRORS = (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

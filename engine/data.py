"""Reading a client's data into one polars frame with canonical columns.

Every source is read by a data-format plugin, then normalised here the same
way: aliases renamed, dimensions cast to text (``date`` to a date), counts cast
to floats and checked (numeric, finite, non-negative). Checks are vectorized;
rows are only looked at one by one on the error path, to name them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import polars as pl

from .catalog import Catalog
from .config import ClientConfig, FileSource, RecordsSource
from .definitions import DIMENSIONS
from .problems import ConfigError, Problem

MAX_ROW_PROBLEMS = 5

# Row number in a source -> (file, line, field path) for a message.
Locator = Callable[[int, str], Problem]


@dataclass
class Dataset:
    frame: pl.DataFrame
    dims: list[str]
    counts: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.frame.height


def _bad_rows(frame: pl.DataFrame, mask: pl.Expr, column: str) -> list[tuple[int, Any]]:
    bad = frame.with_row_index("__row").filter(mask).select("__row", column).head(MAX_ROW_PROBLEMS)
    return [(int(row), value) for row, value in bad.iter_rows()]


def normalise(frame: pl.DataFrame, catalog: Catalog, locate: Locator, source: str) -> tuple[pl.DataFrame, list[str]]:
    """Canonical dimensions and counts, or a ConfigError naming rows and columns."""
    warnings: list[str] = []
    problems: list[Problem] = []
    renames = {}
    for column in frame.columns:
        target = catalog.aliases.get(column)
        if target is not None:
            if target in frame.columns:
                problems.append(Problem(f"{source}: columns '{column}' and '{target}' mean the same metric; keep one"))
            renames[column] = target
    frame = frame.rename(renames)

    keep: list[pl.Expr] = []
    counts: list[str] = []
    for column in frame.columns:
        if column in DIMENSIONS:
            keep.append(_dimension(frame, column, locate, problems))
        elif column in catalog.metrics and not catalog.metrics[column].derived:
            checked = _count(frame, column, locate, problems)
            if checked is not None:
                keep.append(checked)
                counts.append(column)
        elif column in catalog.metrics:
            warnings.append(
                f"{source}: column '{column}' is ignored: it is derived ({catalog.metrics[column].formula}) and is recomputed from the counts"
            )
        else:
            hint = catalog.suggest(column, list(catalog.metrics) + list(DIMENSIONS))
            warnings.append(f"{source}: column '{column}' is not a known metric or dimension and is ignored{hint}")
    if problems:
        raise ConfigError(problems)
    if not counts:
        raise ConfigError(Problem(f"{source}: no metric columns found; expected counts such as impressions, clicks, sessions"))
    return frame.select(keep), warnings


def _dimension(frame: pl.DataFrame, column: str, locate: Locator, problems: list[Problem]) -> pl.Expr:
    dtype = frame.schema[column]
    if column != "date":
        return pl.col(column).cast(pl.String)
    if dtype == pl.Date:
        return pl.col(column)
    if dtype == pl.Datetime:
        return pl.col(column).dt.date()
    text = pl.col(column).cast(pl.String).str.strip_chars()
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    mask = parsed.is_null() & text.is_not_null() & (text != "")
    for row, value in _bad_rows(frame, mask, column):
        problems.append(_at(locate(row, column), f"expected a date like 2026-07-01, got {value!r}"))
    return parsed.alias(column)


def _count(frame: pl.DataFrame, column: str, locate: Locator, problems: list[Problem]) -> pl.Expr | None:
    dtype = frame.schema[column]
    if dtype == pl.Boolean:
        problems.append(_at(locate(0, column), "expected numbers, got true/false values"))
        return None
    if dtype == pl.String:
        value = pl.col(column).str.strip_chars()
        number = value.cast(pl.Float64, strict=False)
        mask = number.is_null() & value.is_not_null() & (value != "")
        for row, raw in _bad_rows(frame, mask, column):
            problems.append(_at(locate(row, column), f"expected a non-negative number, got {raw!r}"))
        number_expr = number
    elif dtype.is_numeric() or dtype == pl.Null:
        number_expr = pl.col(column).cast(pl.Float64)
    else:
        problems.append(_at(locate(0, column), f"expected numbers, got {dtype}"))
        return None
    invalid = number_expr.is_nan() | number_expr.is_infinite()
    negative = number_expr < 0
    checks = frame.select(invalid.any().alias("invalid"), negative.any().alias("negative")).row(0)
    if checks[0]:
        for row, raw in _bad_rows(frame, invalid, column):
            problems.append(_at(locate(row, column), f"expected a finite number, got {raw!r}"))
    if checks[1]:
        for row, raw in _bad_rows(frame, negative.fill_null(False), column):
            problems.append(_at(locate(row, column), f"counts cannot be negative, got {raw!r}"))
    return number_expr.alias(column)


def _at(problem: Problem, message: str) -> Problem:
    return Problem(message=message, file=problem.file, line=problem.line, path=problem.path)


def records_frame(records: Sequence[dict[str, Any]], where: str) -> pl.DataFrame:
    """Inline records to a frame; values that do not fit one column type stay text, to be named later."""
    try:
        return pl.from_dicts(list(records), infer_schema_length=None)
    except Exception:  # noqa: BLE001 - mixed types: fall back to text and let normalise() name the cells
        columns = list(dict.fromkeys(key for record in records for key in record))
        return pl.from_dicts(
            [{key: None if record.get(key) is None else str(record.get(key)) for key in columns} for record in records],
            schema={key: pl.String for key in columns},
        )


def load_dataset(
    config: ClientConfig,
    catalog: Catalog,
    base_dir: Path,
    *,
    locate_record: Callable[[int, int, str], Problem] | None = None,
    extra: pl.DataFrame | None = None,
) -> Dataset:
    """All sources of a config (plus ``extra`` rows from the API) as one frame."""
    frames: list[pl.DataFrame] = []
    warnings: list[str] = []
    for index, source in enumerate(config.data):
        if isinstance(source, RecordsSource):
            name = source.name or f"data[{index}].records"
            if not source.records:
                continue
            frame = records_frame(source.records, name)

            def locate(row: int, column: str, index=index) -> Problem:
                if locate_record is not None:
                    return locate_record(index, row, column)
                return Problem("", path=f"data[{index}].records[{row}].{column}")

        else:
            frame, name, locate, source_warnings = _read_file(source, catalog, base_dir)
            warnings += source_warnings
        frame, source_warnings = normalise(frame, catalog, locate, name)
        warnings += source_warnings
        frames.append(frame)
    if extra is not None:
        frame, source_warnings = normalise(extra, catalog, lambda row, column: Problem("", path=f"data row {row}, column {column}"), "data")
        warnings += source_warnings
        frames.append(frame)
    if not frames:
        raise ConfigError(Problem("no data: add rows under data: (records, csv or parquet)", path="data"))
    frame = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    dims = [d for d in DIMENSIONS if d in frame.columns]
    counts = [c for c in frame.columns if c not in DIMENSIONS]
    return Dataset(frame=frame, dims=dims, counts=counts, warnings=warnings)


def _read_file(source: FileSource, catalog: Catalog, base_dir: Path):
    path = Path(source.path)
    if not path.is_absolute():
        path = base_dir / path
    display = source.name or source.path
    fmt = catalog.formats.get(source.format)
    if fmt is None:
        hint = catalog.suggest(source.format, catalog.formats)
        raise ConfigError(Problem(f"unknown format '{source.format}'{hint}; known: {', '.join(sorted(catalog.formats))}", path="format"))
    if not path.is_file():
        raise ConfigError(Problem(f"{display}: no such file ({path})"))
    options = {**source.options, "kind": source.kind}
    try:
        answer = fmt.read(path, options)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a reader's failure is a data problem to report, not a crash
        raise ConfigError(Problem(f"{display}: cannot be read as {source.format}: {_first_line(exc)}")) from None
    warnings: list[str] = []
    if isinstance(answer, tuple):
        answer, warnings = answer
    try:
        frame = answer.collect() if isinstance(answer, pl.LazyFrame) else answer
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(Problem(f"{display}: cannot be read as {source.format}: {_first_line(exc)}")) from None
    header_lines = int(options.get("header_line", 1))

    def locate(row: int, column: str) -> Problem:
        # Line numbers assume one line per record, which holds for ad-platform exports.
        return Problem("", file=display, line=row + header_lines + 1, path=column)

    return frame, display, locate, list(warnings)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

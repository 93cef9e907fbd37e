"""Data formats: `generic` (canonical column names) and the adapters for real
exports in `kpi_advisor.plugins.adapters` (docs/data-formats.md)."""

from __future__ import annotations

import io
from pathlib import Path

from kpi_advisor import DataFormat, hookimpl

from .adapters import ADAPTERS

GENERIC_OPTIONS = ("decimal_comma", "locale", "encoding", "separator", "columns", "ignore")


def read_generic(path: Path, options: dict, types: dict | None = None):
    import polars as pl
    from kpi_advisor.data import (
        DIMENSIONS,
        LINE_COLUMN,
        check_column_names,
        check_options,
        decimal_comma_from,
        number_text,
    )
    from kpi_advisor.data.files import bom_encoding
    from kpi_advisor.problems import ConfigError, Problem

    source = str(options.get("name") or path.name)
    warnings = check_options(options, GENERIC_OPTIONS, source)
    if options.get("kind") == "parquet":
        frame = pl.scan_parquet(path, glob=False)  # a name with * or [ ] is one file
    else:
        separator = str(options.get("separator") or ",")
        encoding = str(options.get("encoding") or bom_encoding(path) or "utf8")
        if options.get("kind") == "excel":
            from kpi_advisor.data.workbook import workbook_text

            text, sheet_warnings = workbook_text(path, options, source)
            warnings += sheet_warnings
            target, encoding, separator = io.BytesIO(text), "utf8", ","
        elif encoding.lower().replace("-", "") in ("utf8", "utf8sig", "lossy"):
            target: object = path
            encoding = "utf8-lossy" if encoding == "lossy" else "utf8"
        else:
            # polars reads UTF-8 only: other encodings are converted in memory, in one go.
            try:
                text = path.read_bytes().decode(encoding)
            except LookupError:
                raise ConfigError(Problem(f"{source}: options.encoding: unknown encoding {encoding!r}; try utf-8, cp1252, latin-1 or utf-16")) from None
            except UnicodeDecodeError as exc:
                raise ConfigError(Problem(f"{source}: is not {encoding} text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})")) from None
            target, encoding = io.BytesIO(text.removeprefix("\ufeff").encode("utf-8")), "utf8"
        header = pl.read_csv(target, infer_schema=False, encoding=encoding, separator=separator, n_rows=0, glob=False).columns
        if len(header) == 1 and not options.get("separator"):
            used = next((sep for sep in (";", "\t", "|") if sep in header[0]), None)
            if used is not None:
                shown = "\\t" if used == "\t" else used
                raise ConfigError(Problem(f"{source}: the header is one column {header[0][:60]!r}; its cells look separated by "
                                          f"'{shown}': set options: {{separator: \"{shown}\"}}"))
        if isinstance(target, io.BytesIO):
            target.seek(0)
        # Everything is read as text and cast by the engine, which names the row and column of
        # any value that is not a number; or, asked for ``types`` (DataFormat.typed), those
        # columns are parsed as numbers straight away, and the engine falls back to the text
        # where a cell does not parse. A decimal-comma file is always cleaned from its text.
        renamed = {str(k): str(v) for k, v in (options.get("columns") or {}).items()}
        typed = types if types and not decimal_comma_from(options) else {}
        schema = {name: typed.get(renamed.get(name, name), pl.String) for name in header}
        frame = pl.scan_csv(target, schema=schema, encoding=encoding, separator=separator, glob=False)
    names = frame.collect_schema().names()
    columns = options.get("columns") or {}
    ignore = options.get("ignore") or []
    for wanted in list(columns) + list(ignore):
        if wanted not in names:
            raise ConfigError(Problem(f"{source}: options: no column '{wanted}' in the file; its columns are: {', '.join(names)}"))
    if ignore:
        frame = frame.drop(ignore)
        warnings.append(f"{source}: not used (options.ignore): {', '.join(ignore)}")
    if columns:
        frame = frame.rename({str(k): str(v) for k, v in columns.items()})
    check_column_names(frame.collect_schema().names(), source)
    if decimal_comma_from(options):
        schema = frame.collect_schema()
        frame = frame.with_columns(
            number_text(pl.col(name), decimal_comma=True).alias(name)
            for name, dtype in schema.items()
            if name not in DIMENSIONS and dtype == pl.String and name != "currency"
        )
    if options.get("kind") == "excel":
        # A sheet's empty rows (a gap between blocks) are no rows; each row keeps its sheet row for messages.
        frame = frame.with_row_index(LINE_COLUMN, offset=2).filter(~pl.all_horizontal(pl.exclude(LINE_COLUMN).is_null()))
    return frame, warnings


@hookimpl
def kpi_advisor_data_formats():
    return [
        DataFormat(
            name="generic",
            read=read_generic,
            typed=True,
            description="CSV (or Parquet) with canonical snake_case columns: date, channel, impressions, clicks, ...",
            suffixes=(".csv", ".parquet", ".xlsx", ".xlsm"),
        )
    ] + [adapter.data_format() for adapter in ADAPTERS]

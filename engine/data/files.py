"""Checks on a data file around its reader: before (size, empty, what the bytes
really are) and after (columns, repeated headers, rows). docs/data-checks.md
lists them; the limits come from :mod:`kpi_advisor.limits`.

A crafted or mistaken file (an Excel workbook saved as ``.csv``, a Parquet
file that decompresses to billions of rows, a header with ten thousand
columns) is refused with one clear line before it costs memory.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import polars as pl

from ..limits import current
from ..problems import ConfigError, Problem

_SNIFF = 4096
# Polars renames a repeated header "clicks" to "clicks_duplicated_0".
_DUPLICATED = re.compile(r"^(.*)_duplicated_\d+$")

_SIGNATURES = (
    (b"PK\x03\x04", "is a zip archive or an Excel workbook (.xlsx), not CSV text; save it as CSV (UTF-8)"),
    (b"\xd0\xcf\x11\xe0", "is an old Excel workbook (.xls), not CSV text; save it as CSV (UTF-8)"),
    (b"PAR1", "is a Parquet file, not CSV text; write parquet: instead of csv:"),
    (b"\x1f\x8b", "is gzip-compressed; unpack it first"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def before_read(path: Path, kind: str, display: str, *, sniff: bool = True) -> None:
    """Refuse a file that is too large, empty, or plainly not what ``kind`` says.

    :param sniff: look at the first bytes (built-in readers); a plugin's reader may read
        any kind of file, so only size and emptiness are checked for it.
    """
    limits = current()
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF)
    except OSError as exc:
        raise ConfigError(Problem(f"cannot read file: {exc.strerror or exc}", file=display)) from None
    if size > limits.data_bytes:
        raise ConfigError(Problem(f"file is too large: {size} bytes (limit data_bytes={limits.data_bytes})", file=display))
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        if size <= _SNIFF:
            raise ConfigError(Problem("file is empty; expected a header line and data rows", file=display))
    if not sniff:
        return
    if kind == "parquet":
        if not head.startswith(b"PAR1"):
            raise ConfigError(Problem("is not a Parquet file (it does not start with PAR1); for CSV text write csv: instead of parquet:", file=display))
        _parquet_shape(path, display)
        return
    for signature, message in _SIGNATURES:
        if head.startswith(signature):
            raise ConfigError(Problem(message, file=display))
    if b"\x00" in head and not head.startswith(_UTF16_BOMS):
        raise ConfigError(
            Problem("contains NUL bytes: a binary file, or UTF-16 text without a byte-order mark (set options: {encoding: utf-16})", file=display)
        )


def _parquet_shape(path: Path, display: str) -> None:
    """Columns and rows from the Parquet footer: a small file may decompress to billions of rows."""
    limits = current()
    try:
        schema = pl.read_parquet_schema(path)
        rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    except Exception as exc:  # noqa: BLE001 - any failure to read the footer is a broken file
        raise ConfigError(Problem(f"is not a readable Parquet file: {_first_line(exc)}", file=display)) from None
    check_columns(list(schema), display)
    if rows > limits.data_rows:
        raise ConfigError(Problem(f"too many rows: {rows} (limit data_rows={limits.data_rows})", file=display))


def check_columns(names: list[str], display: str) -> None:
    """Too many columns, or a header that names a column twice (polars would keep both, renamed)."""
    limits = current()
    if len(names) > limits.data_columns:
        raise ConfigError(Problem(f"too many columns: {len(names)} (limit data_columns={limits.data_columns})", file=display))
    repeated = [match.group(1) for name in names if (match := _DUPLICATED.match(name))]
    if repeated:
        shown = ", ".join(f"'{name}'" for name in dict.fromkeys(repeated))
        raise ConfigError(Problem(f"the header names {shown} more than once; keep one column of each name", file=display))


def check_row_count(rows: int, so_far: int, display: str) -> None:
    limits = current()
    if so_far + rows > limits.data_rows:
        total = f"{rows} here, {so_far + rows} with the sources before it" if so_far else str(rows)
        raise ConfigError(Problem(f"too many rows: {total} (limit data_rows={limits.data_rows})", file=display))


def ragged_problem(path: Path, display: str, separator: str = ",") -> Problem | None:
    """The first line with more cells than the header, once a reader has failed on it.

    Only on the error path, so a loop over lines is fine here.
    """
    import csv

    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            rows = csv.reader(handle, delimiter=separator)
            header = next(rows, [])
            for row in rows:
                if len(row) > len(header):
                    return Problem(
                        f"this row has {len(row)} cells but the header has {len(header)}; "
                        "quote cells that contain the separator, or fix the header",
                        file=display,
                        line=rows.line_num,
                    )
    except (OSError, csv.Error):
        return None
    return None


def utf8_problem(path: Path, display: str, encoding: str | None = None) -> Problem | None:
    """Where a file stops being UTF-8 text: its line and byte, with the option that fixes it.

    Only called once a reader has failed, so it may read the whole file.
    """
    if encoding and str(encoding).lower().replace("-", "").replace("_", "") not in ("utf8", "utf8sig"):
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    # Bytes the decoder held back from the previous chunk shift the position.
                    start = max(exc.start - (len(exc.object) - len(chunk)), 0)
                    line += chunk.count(b"\n", 0, start)
                    byte = exc.object[exc.start]
                    return Problem(
                        f"is not UTF-8 text (byte 0x{byte:02x} at offset {offset + start}); "
                        "if it was saved by Excel or on Windows, set options: {encoding: cp1252} (or latin-1)",
                        file=display,
                        line=line,
                    )
                line += chunk.count(b"\n")
                offset += len(chunk)
    except OSError:
        return None
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

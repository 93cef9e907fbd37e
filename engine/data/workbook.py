"""Excel workbooks (``excel:`` sources: .xlsx, .xlsm), read as the CSV text their sheet would be
saved as, so every reader (the generic one and each platform's adapter) reads them the way it
reads that platform's CSV export: banner lines above the header, ``Total`` rows, numbers and dates.

A sheet row is a line of that text: a cell's line breaks become spaces, an empty row an empty
line, a date cell (a number Excel shows as a date) its ISO date. Lines are counted from the
sheet's first non-empty row (an export's row 1). Reading needs the ``excel`` extra (fastexcel,
which reads the workbook in Rust); it is imported only here, when a workbook is read.

Before fastexcel sees a file, :func:`check_workbook` unpacks its parts itself and reads the cell
references of its sheets: a zip's sizes are claims a crafted file can make up, and fastexcel holds
a sheet as a dense grid from its first to its last cell (two cells, A1 and XFD1048576, asked for
512 GiB). An old binary workbook (.xls, .xlsb) has no such parts to check and is refused.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, Mapping

import polars as pl

from ..limits import current
from ..problems import ConfigError, Problem

INSTALL = "pip install 'kpi-advisor[excel]'"
XLSX_SIGNATURE = b"PK\x03\x04"  # a zip archive: .xlsx, .xlsm
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0"  # an OLE2 compound file: .xls
# A workbook that unpacks to no more than this is read whatever its compression ratio.
UNPACKED_FREE = 64 * 1024 * 1024
# What fastexcel holds per cell of a sheet's grid (measured: 20.8M cells, 1.1 GB): the grid may
# have at most data_bytes / GRID_CELL_BYTES cells.
GRID_CELL_BYTES = 64
_CHUNK = 1 << 20
_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
# A cell or row reference inside a sheet's XML: <c r="AZ400000" ...>, <row r="400000" ...>.
_REFERENCE = r'\sr="[A-Z]{0,3}[0-9]{1,8}"'
# A date cell as fastexcel writes it as text: "2026-09-01 00:00:00".
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$"


def check_workbook(path: Path, head: bytes, display: str) -> None:
    """Refuse what is no .xlsx workbook, one whose parts unpack past ``data_bytes`` (or by more than
    ``data_unpack_ratio`` beyond 64 MiB), and one whose sheets span more than ``data_columns``
    columns, ``data_rows`` rows or ``data_bytes / 64`` cells from their first cell to their last."""
    if head.startswith(XLS_SIGNATURE):
        raise ConfigError(Problem("is an old Excel workbook (.xls); save it as .xlsx, or as CSV (UTF-8) and write csv:", file=display))
    if not head.startswith(XLSX_SIGNATURE):
        raise ConfigError(Problem("is not an Excel workbook (.xlsx or .xlsm); for CSV text write csv: instead of excel:", file=display))
    limits = current()
    size = path.stat().st_size
    bound = min(limits.data_bytes, max(UNPACKED_FREE, limits.data_unpack_ratio * size))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ConfigError(Problem(f"is not a readable Excel workbook: {exc}", file=display)) from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        binary = "xl/workbook.bin" in names
        raise ConfigError(Problem("is a binary Excel workbook (.xlsb); save it as .xlsx" if binary else
                                  "is a zip archive, not an Excel workbook (.xlsx); unpack it first", file=display))
    unpacked, rows, columns = 0, 0, 0
    try:
        with open(path, "rb") as handle:
            for info in infos:
                sheet = bool(_SHEET_PART.match(info.filename))
                tail = b""
                for chunk in _unpacked(handle, info):
                    unpacked += len(chunk)
                    if unpacked > bound:
                        raise ConfigError(Problem(
                            f"unpacks to more than {bound} bytes from {size} (limits data_bytes={limits.data_bytes}, "
                            f"data_unpack_ratio={limits.data_unpack_ratio}): a compression bomb, or a workbook to save as CSV",
                            file=display))
                    if sheet:
                        # A reference cut by the chunk's end is read whole with the next chunk.
                        text = tail + chunk
                        far_row, far_column = _extent(text)
                        rows, columns = max(rows, far_row), max(columns, far_column)
                        tail = text[-64:]
    except ConfigError:
        raise
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        raise ConfigError(Problem(f"is not a readable Excel workbook: {exc}", file=display)) from None
    if columns > limits.data_columns or rows > limits.data_rows or rows * max(columns, 1) > limits.data_bytes // GRID_CELL_BYTES:
        raise ConfigError(Problem(
            f"a sheet spans {rows} rows and {columns} columns from its first cell to its last (limits data_rows={limits.data_rows}, "
            f"data_columns={limits.data_columns}, and data_bytes={limits.data_bytes} allows {limits.data_bytes // GRID_CELL_BYTES} "
            "cells): cells far apart, or a sheet to save as CSV", file=display))


def _unpacked(handle: Any, info: zipfile.ZipInfo):
    """A part's bytes, unpacked a chunk at a time from its compressed bytes as the central directory
    sizes them (what a zip reader reads), whatever size it claims unpacked."""
    if info.flag_bits & 0x1:
        raise ValueError(f"{info.filename} is encrypted")
    handle.seek(info.header_offset)
    local = handle.read(30)
    if len(local) < 30 or not local.startswith(XLSX_SIGNATURE):
        raise ValueError(f"{info.filename}: no local header")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    if info.compress_type == zipfile.ZIP_STORED:
        inflate = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflate = zlib.decompressobj(-15)
    else:
        raise ValueError(f"{info.filename} is compressed with method {info.compress_type}, which Excel does not write")
    remaining = info.compress_size
    while remaining > 0:
        packed = handle.read(min(_CHUNK, remaining))
        if not packed:
            raise ValueError(f"{info.filename} ends early")
        remaining -= len(packed)
        if inflate is None:
            yield packed
            continue
        while packed:
            out = inflate.decompress(packed, _CHUNK)
            if out:
                yield out
            packed = inflate.unconsumed_tail
            if inflate.eof:
                return


def _extent(xml: bytes) -> tuple[int, int]:
    """The farthest row and column the cell and row references in a piece of a sheet's XML name
    (``r="AZ400000"``, ``r="400000"``), found by polars' regex engine: a Python loop over a 77 MB
    sheet's 1.7M references took 2 s."""
    found = pl.Series([xml.decode("latin-1")]).str.extract_all(_REFERENCE).explode().drop_nulls()
    if found.is_empty():
        return 0, 0
    parts = found.str.extract_groups(r'([A-Z]*)([0-9]+)"$').struct.unnest()
    # Letters padded with "@" (before "A") order as column numbers do: "@@Z" < "@AA" < "@AZ".
    letters, row = parts.select(pl.col("1").str.pad_start(3, "@").max(), pl.col("2").cast(pl.Int64).max()).row(0)
    column = 0
    for letter in (letters or "").lstrip("@"):
        column = column * 26 + ord(letter) - 64
    return int(row or 0), column


def workbook_text(path: Path, options: Mapping[str, Any], display: str) -> tuple[bytes, list[str]]:
    """The chosen sheet (``options.sheet``: its name, or its number from 1; by default the first
    visible sheet with cells) as UTF-8 CSV text, and a warning naming the sheet read where the
    workbook has others."""
    try:
        import fastexcel
    except ImportError:
        raise ConfigError(Problem(f"reading an Excel workbook needs the excel extra ({INSTALL}); or save the sheet as CSV (UTF-8) "
                                  "and write csv: instead of excel:", file=display)) from None
    try:
        # From its bytes: fastexcel would otherwise choose its reader by the file's extension.
        reader = fastexcel.read_excel(path.read_bytes())
        names = list(reader.sheet_names)
    except Exception as exc:  # noqa: BLE001 - whatever the workbook reader cannot parse is a broken file
        raise ConfigError(Problem(f"is not a readable Excel workbook: {_first_line(exc)}", file=display)) from None
    if not names:
        raise ConfigError(Problem("the workbook has no sheet", file=display))

    def load(index: int):
        try:
            return reader.load_sheet(index, header_row=None, dtypes="string")
        except Exception as exc:  # noqa: BLE001
            raise ConfigError(Problem(f"sheet '{names[index]}' cannot be read: {_first_line(exc)}", file=display)) from None

    chosen = options.get("sheet")
    if chosen is not None:
        sheet = load(_sheet_index(chosen, names, display))
    else:
        sheet = next((s for s in map(load, range(len(names))) if s.visible == "visible" and s.height and s.width), None)
        if sheet is None:
            raise ConfigError(Problem(f"no visible sheet of the workbook has cells ({', '.join(repr(n) for n in names)})", file=display))
    if not (sheet.height and sheet.width):
        raise ConfigError(Problem(f"sheet '{sheet.name}' is empty", file=display, path="options.sheet"))
    warnings = []
    if len(names) > 1 and chosen is None:
        others = [n for n in names if n != sheet.name]
        listed = ", ".join(f"'{n}'" for n in others[:3]) + (", ..." if len(others) > 3 else "")
        warnings.append(f"{display}: read the sheet '{sheet.name}' of {len(names)} (not {listed}); options: {{sheet: NAME}} reads another")
    return _as_csv(sheet.to_polars()), warnings


def _sheet_index(sheet: Any, names: list[str], display: str) -> int:
    if isinstance(sheet, str) and sheet in names:
        return names.index(sheet)
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 1 <= sheet <= len(names):
            return sheet - 1
        if str(sheet) in names:  # sheet: 2026 in YAML is a number; the sheet is named "2026"
            return names.index(str(sheet))
        raise ConfigError(Problem(f"no sheet {sheet}: the workbook has {len(names)}", file=display, path="options.sheet"))
    raise ConfigError(Problem(f"no sheet {sheet!r}; the workbook's sheets: {', '.join(repr(n) for n in names)}",
                              file=display, path="options.sheet"))


def _as_csv(frame: pl.DataFrame) -> bytes:
    """Each row a CSV line, cells quoted where they hold a comma or a quote; vectorized."""
    if frame.width == 0:
        return b""
    cells = []
    for name in frame.columns:
        text = pl.col(name).str.replace_all(r"[\r\n]+", " ").str.replace(_MIDNIGHT, "${1}")
        quoted = pl.when(text.str.contains(r'[",]')).then(pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"'))
        cells.append(quoted.otherwise(text).fill_null(""))
    empty = pl.all_horizontal(pl.col(name).is_null() | (pl.col(name).str.strip_chars() == "") for name in frame.columns)
    line = pl.when(empty).then(pl.lit("")).otherwise(pl.concat_str(cells, separator=","))
    return frame.select(line.str.join("\n")).item().encode("utf-8") + b"\n"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

"""Excel workbooks (``excel:`` sources: .xlsx, .xlsm, .xls), read as the CSV text their sheet
would be saved as, so every reader (the generic one and each platform's adapter) reads them the
way it reads that platform's CSV export: banner lines above the header, ``Total`` rows, numbers
and dates.

A sheet row is a line of that text: a cell's line breaks become spaces, an empty row an empty
line, a date cell (a number Excel shows as a date) its ISO date. Lines are counted from the
sheet's first non-empty row (an export's row 1). Reading needs the ``excel`` extra (fastexcel,
which reads the workbook in Rust); it is imported only here, when a workbook is read.
"""

from __future__ import annotations

import zipfile
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
_CHUNK = 1 << 20
# A date cell as fastexcel writes it as text: "2026-09-01 00:00:00".
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$"


def check_workbook(path: Path, head: bytes, display: str) -> None:
    """Refuse what is no workbook, and an .xlsx whose parts unpack past ``data_bytes`` (or by more
    than ``data_unpack_ratio``): a zip bomb saved as .xlsx. The parts are unpacked to count them,
    as a zip's own sizes are a claim a crafted file can make up."""
    if head.startswith(XLS_SIGNATURE):
        return  # not compressed: its size is the file's, which before_read has checked
    if not head.startswith(XLSX_SIGNATURE):
        raise ConfigError(Problem("is not an Excel workbook (.xlsx, .xlsm or .xls); for CSV text write csv: instead of excel:", file=display))
    limits = current()
    size = path.stat().st_size
    bound = min(limits.data_bytes, max(UNPACKED_FREE, limits.data_unpack_ratio * size))
    unpacked = 0
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist() and "xl/workbook.bin" not in archive.namelist():
                raise ConfigError(Problem("is a zip archive, not an Excel workbook (.xlsx); unpack it first", file=display))
            for info in archive.infolist():
                with archive.open(info) as part:
                    while chunk := part.read(_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > bound:
                            raise ConfigError(Problem(
                                f"unpacks to more than {bound} bytes from {size} (limits data_bytes={limits.data_bytes}, "
                                f"data_unpack_ratio={limits.data_unpack_ratio}): a compression bomb, or a workbook to save as CSV",
                                file=display))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ConfigError(Problem(f"is not a readable Excel workbook: {exc}", file=display)) from None


def workbook_text(path: Path, options: Mapping[str, Any], display: str) -> tuple[bytes, list[str]]:
    """The chosen sheet (``options.sheet``: its name, or its number from 1; the first by default)
    as UTF-8 CSV text, and a warning where the workbook has other sheets that were not read."""
    try:
        import fastexcel
    except ImportError:
        raise ConfigError(Problem(f"reading an Excel workbook needs the excel extra ({INSTALL}); or save the sheet as CSV (UTF-8) "
                                  "and write csv: instead of excel:", file=display)) from None
    try:
        reader = fastexcel.read_excel(str(path))
        names = list(reader.sheet_names)
    except Exception as exc:  # noqa: BLE001 - whatever the workbook reader cannot parse is a broken file
        raise ConfigError(Problem(f"is not a readable Excel workbook: {_first_line(exc)}", file=display)) from None
    index = _sheet_index(options.get("sheet"), names, display)
    try:
        frame = reader.load_sheet(index, header_row=None, dtypes="string").to_polars()
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(Problem(f"sheet '{names[index]}' cannot be read: {_first_line(exc)}", file=display)) from None
    warnings = []
    if len(names) > 1 and options.get("sheet") is None:
        others = ", ".join(f"'{name}'" for name in names[1:4]) + (", ..." if len(names) > 4 else "")
        warnings.append(f"{display}: read the first sheet, '{names[0]}', of {len(names)} (not {others}); "
                        "options: {sheet: NAME} reads another")
    return _as_csv(frame), warnings


def _sheet_index(sheet: Any, names: list[str], display: str) -> int:
    if not names:
        raise ConfigError(Problem("the workbook has no sheet", file=display))
    if sheet is None:
        return 0
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 1 <= sheet <= len(names):
            return sheet - 1
        raise ConfigError(Problem(f"no sheet {sheet}: the workbook has {len(names)}", file=display, path="options.sheet"))
    if isinstance(sheet, str) and sheet in names:
        return names.index(sheet)
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

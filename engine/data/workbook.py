"""Excel workbooks (``excel:`` sources: .xlsx, .xlsm), read as the CSV text their sheet would be
saved as, so every reader (the generic one and each platform's adapter) reads them the way it
reads that platform's CSV export: banner lines above the header, ``Total`` rows, numbers and dates.

A sheet row is a line of that text: a cell's line breaks become spaces, an empty row an empty
line, a date cell (a number Excel shows as a date) its ISO date. Lines are counted from the
sheet's first non-empty row (an export's row 1). Reading needs the ``excel`` extra (fastexcel,
which reads the workbook in Rust).

fastexcel holds a sheet as a grid from its first cell to its last, and calamine, under it, reads
cell references in more spellings than a check in front of it can follow: a 2 KB file with cells
A1 and XFD1048576 asked for 512 GiB and aborted the process. So the sheet is read in a child
process (a fresh interpreter) whose address space is bounded (``data_bytes`` plus 1 GiB) and whose
time is bounded (``WORKBOOK_SECONDS``): a crafted workbook ends that process, never this one,
and is refused with one line. Before that, :func:`check_workbook` counts the parts as they unpack
(a zip bomb is refused with its own message, without starting the child).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any, Mapping

from ..limits import current
from ..problems import ConfigError, Problem

INSTALL = "pip install 'kpi-advisor[excel]'"
XLSX_SIGNATURE = b"PK\x03\x04"  # a zip archive: .xlsx, .xlsm
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0"  # an OLE2 compound file: .xls
# A workbook that unpacks to no more than this is read whatever its compression ratio.
UNPACKED_FREE = 64 * 1024 * 1024
# The reader's own address space beside the sheet (an interpreter with polars and fastexcel
# reserves ~0.4 GiB; a 100,000-row sheet peaked at 0.6 GiB).
CHILD_BASE_BYTES = 1 << 30
WORKBOOK_SECONDS = 300
_CHUNK = 1 << 20
# A date cell as fastexcel writes it as text: "2026-09-01 00:00:00".
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$"


def check_workbook(path: Path, head: bytes, display: str) -> None:
    """Refuse what is no .xlsx workbook, and one whose parts unpack past ``data_bytes`` (or by more
    than ``data_unpack_ratio`` beyond 64 MiB), counted as they unpack from their compressed bytes:
    a zip's own sizes are claims a crafted file can make up."""
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
    unpacked = 0
    try:
        with open(path, "rb") as handle:
            for info in infos:
                for chunk in _unpacked(handle, info):
                    unpacked += len(chunk)
                    if unpacked > bound:
                        raise ConfigError(Problem(
                            f"unpacks to more than {bound} bytes from {size} (limits data_bytes={limits.data_bytes}, "
                            f"data_unpack_ratio={limits.data_unpack_ratio}): a compression bomb, or a workbook to save as CSV",
                            file=display))
    except ConfigError:
        raise
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        raise ConfigError(Problem(f"is not a readable Excel workbook: {exc}", file=display)) from None


def _unpacked(handle: Any, info: zipfile.ZipInfo):
    """A part's bytes, unpacked a chunk at a time from its compressed bytes as the central directory
    sizes them (what a zip reader reads), whatever size it claims unpacked."""
    if info.flag_bits & 0x1:
        raise ValueError(f"{info.filename} is encrypted")
    handle.seek(info.header_offset)
    local = handle.read(30)
    if len(local) < 30 or not local.startswith(XLSX_SIGNATURE):
        raise ValueError(f"{info.filename}: no local header")
    name_length, extra_length = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
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
        while packed and not inflate.eof:
            if out := inflate.decompress(packed, _CHUNK):
                yield out
            packed = inflate.unconsumed_tail
    # What zlib still holds when the input ran out as an output chunk filled.
    while inflate is not None and not inflate.eof and (out := inflate.decompress(b"", _CHUNK)):
        yield out


def workbook_text(path: Path, options: Mapping[str, Any], display: str) -> tuple[bytes, list[str]]:
    """The chosen sheet (``options.sheet``: its name, or its number from 1; by default the first
    visible sheet with cells) as UTF-8 CSV text, read in a bounded child process, and a warning
    naming the sheet read where the workbook has others."""
    try:
        import fastexcel  # noqa: F401 - only whether it is there; the child reads the workbook
    except ImportError:
        raise ConfigError(Problem(f"reading an Excel workbook needs the excel extra ({INSTALL}); or save the sheet as CSV (UTF-8) "
                                  "and write csv: instead of excel:", file=display)) from None
    limits = current()
    memory = limits.data_bytes + CHILD_BASE_BYTES
    command = [sys.executable, "-P", "-c", "from kpi_advisor.data.workbook import child_main; child_main()",
               str(path), json.dumps(options.get("sheet")), str(memory)]
    try:
        # One thread each: a thread pool per core reserves address space that the bound would count.
        env = {**os.environ, "POLARS_MAX_THREADS": "1", "RAYON_NUM_THREADS": "1"}
        done = subprocess.run(command, capture_output=True, timeout=WORKBOOK_SECONDS, check=False, env=env)
    except subprocess.TimeoutExpired:
        raise ConfigError(Problem(f"took more than {WORKBOOK_SECONDS} s to read; save the sheet as CSV (UTF-8)", file=display)) from None
    except OSError as exc:
        raise ConfigError(Problem(f"cannot start the workbook reader: {exc}", file=display)) from None
    head, _, text = done.stdout.partition(b"\n")
    try:
        answer = json.loads(head) if done.returncode == 0 else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise ConfigError(Problem(
            f"the sheet cannot be read within {memory} bytes of memory (limit data_bytes={limits.data_bytes}, plus the reader's own): "
            "cells far apart, a damaged or crafted workbook, or a sheet to save as CSV", file=display))
    if answer.get("error"):
        raise ConfigError(Problem(str(answer["error"]), file=display, path=str(answer.get("path") or "")))
    return text, [f"{display}: {warning}" for warning in answer.get("warnings", [])]


def child_main() -> None:
    """The child process of :func:`workbook_text`: argv is the file, the sheet (JSON) and the address
    space it may use. It writes one JSON line ({"warnings": [...]} or {"error": ..., "path": ...})
    and then the CSV text."""
    path, sheet, memory = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass  # no address-space limit on this system: the timeout still bounds the read
    try:
        text, warnings = _read_sheet(Path(path), sheet)
        out = json.dumps({"warnings": warnings}).encode() + b"\n" + text
    except ConfigError as exc:
        problem = exc.problems[0]
        out = json.dumps({"error": problem.message, "path": problem.path}).encode() + b"\n"
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()


def _read_sheet(path: Path, chosen: Any) -> tuple[bytes, list[str]]:
    import fastexcel

    try:
        # From its bytes: fastexcel would otherwise choose its reader by the file's extension.
        reader = fastexcel.read_excel(path.read_bytes())
        names = list(reader.sheet_names)
    except Exception as exc:  # noqa: BLE001 - whatever the workbook reader cannot parse is a broken file
        raise ConfigError(Problem(f"is not a readable Excel workbook: {_first_line(exc)}")) from None
    if not names:
        raise ConfigError(Problem("the workbook has no sheet"))

    def load(index: int):
        try:
            return reader.load_sheet(index, header_row=None, dtypes="string")
        except Exception as exc:  # noqa: BLE001
            raise ConfigError(Problem(f"sheet '{names[index]}' cannot be read: {_first_line(exc)}")) from None

    if chosen is not None:
        sheet = load(_sheet_index(chosen, names))
    else:
        sheet = next((s for s in map(load, range(len(names))) if s.visible == "visible" and s.height and s.width), None)
        if sheet is None:
            raise ConfigError(Problem(f"no visible sheet of the workbook has cells ({', '.join(repr(n) for n in names)})"))
    if not (sheet.height and sheet.width):
        raise ConfigError(Problem(f"sheet '{sheet.name}' is empty", path="options.sheet"))
    warnings = []
    if len(names) > 1 and chosen is None:
        others = [n for n in names if n != sheet.name]
        listed = ", ".join(f"'{n}'" for n in others[:3]) + (", ..." if len(others) > 3 else "")
        warnings.append(f"read the sheet '{sheet.name}' of {len(names)} (not {listed}); options: {{sheet: NAME}} reads another")
    return _as_csv(sheet.to_polars()), warnings


def _sheet_index(sheet: Any, names: list[str]) -> int:
    if isinstance(sheet, str) and sheet in names:
        return names.index(sheet)
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 1 <= sheet <= len(names):
            return sheet - 1
        if str(sheet) in names:  # sheet: 2026 in YAML is a number; the sheet is named "2026"
            return names.index(str(sheet))
        raise ConfigError(Problem(f"no sheet {sheet}: the workbook has {len(names)}", path="options.sheet"))
    raise ConfigError(Problem(f"no sheet {sheet!r}; the workbook's sheets: {', '.join(repr(n) for n in names)}", path="options.sheet"))


def _as_csv(frame: Any) -> bytes:
    """Each row a CSV line, cells quoted where they hold a comma or a quote; vectorized."""
    import polars as pl

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

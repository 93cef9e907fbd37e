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
from typing import Any

import polars as pl

from ..limits import current
from ..problems import ConfigError, Problem

_SNIFF = 4096
# Polars renames a repeated header "clicks" to "clicks_duplicated_0".
_DUPLICATED = re.compile(r"^(.*)_duplicated_\d+$")

_SIGNATURES = (
    (b"PK\x03\x04", "is a zip archive or an Excel workbook (.xlsx), not CSV text; for a workbook write excel: instead of csv:"),
    (b"\xd0\xcf\x11\xe0", "is an old Excel workbook (.xls), not CSV text; save it as CSV (UTF-8), or as .xlsx and write excel: instead of csv:"),
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
    if kind == "excel":
        from .workbook import check_workbook

        check_workbook(path, head, display)
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
    if size > len(head) and not head.startswith(_UTF16_BOMS):
        _nul_after_head(path, len(head), display)


def _nul_after_head(path: Path, start: int, display: str) -> None:
    """A NUL byte anywhere after the first bytes (a text head on a binary tail), found a chunk
    at a time before the reader holds the file: the CSV reader would take the tail as one huge
    cell. The happy path is one memchr per chunk; lines are counted only to name the place."""
    chunk_size = 1 << 20
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            offset = start
            while chunk := handle.read(chunk_size):
                at = chunk.find(b"\x00")
                if at >= 0:
                    raise ConfigError(Problem(
                        f"contains NUL bytes (the first at byte {offset + at}): binary data after a text head, "
                        "or a damaged export; export it again as CSV text",
                        file=display, line=_line_of(path, offset + at),
                    ))
                offset += len(chunk)
    except OSError as exc:
        raise ConfigError(Problem(f"cannot read file: {exc.strerror or exc}", file=display)) from None


def _line_of(path: Path, offset: int) -> int:
    line = 1
    with open(path, "rb") as handle:
        while offset > 0 and (chunk := handle.read(min(1 << 20, offset))):
            line += chunk.count(b"\n")
            offset -= len(chunk)
    return line


# Parquet that unpacks to no more than this is read whatever its compression ratio.
UNPACKED_FREE = 64 * 1024 * 1024


def _parquet_shape(path: Path, display: str) -> None:
    """Columns and rows from the Parquet footer: a small file may decompress to billions of rows."""
    limits = current()
    try:
        schema = pl.read_parquet_schema(path)
        rows = pl.scan_parquet(path, glob=False).select(pl.len()).collect().item()
    except Exception as exc:  # noqa: BLE001 - any failure to read the footer is a broken file
        raise ConfigError(Problem(f"is not a readable Parquet file: {_first_line(exc)}", file=display)) from None
    check_columns(list(schema), display)
    if rows > limits.data_rows:
        raise ConfigError(Problem(f"too many rows: {rows} (limit data_rows={limits.data_rows})", file=display))
    try:
        unpacked = parquet_unpacked_bytes(path)
    except (OSError, ValueError):
        return  # polars read this footer; a layout this reader does not know is not a reason to refuse
    size = path.stat().st_size
    if unpacked > limits.data_bytes:
        raise ConfigError(Problem(f"unpacks to {unpacked} bytes (limit data_bytes={limits.data_bytes}, which counts Parquet unpacked)", file=display))
    if unpacked > UNPACKED_FREE and unpacked > limits.data_unpack_ratio * size:
        raise ConfigError(Problem(
            f"unpacks to {unpacked} bytes from {size}, {unpacked // max(size, 1)} times its size "
            f"(limit data_unpack_ratio={limits.data_unpack_ratio}): a compression bomb, or an export to write without compression",
            file=display,
        ))


class _Thrift:
    """Just enough of Thrift's compact protocol to read a Parquet footer's row-group sizes.

    polars does not expose row-group metadata, and pyarrow is not a dependency. Unknown
    fields are skipped; nesting is bounded, so a crafted footer cannot recurse without end.
    """

    MAX_DEPTH = 32

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            raise ValueError("footer ends early")
        value = self.data[self.at]
        self.at += 1
        return value

    def varint(self) -> int:
        shift = value = 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7
            if shift > 70:
                raise ValueError("varint too long")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def skip(self, kind: int, depth: int) -> None:
        if depth > self.MAX_DEPTH:
            raise ValueError("footer nested too deeply")
        if kind in (1, 2):
            return
        if kind == 3:
            self.byte()
        elif kind in (4, 5, 6):
            self.varint()
        elif kind == 7:
            self.at += 8
        elif kind == 8:
            length = self.varint()  # read first: `self.at += self.varint()` would add to the old position
            self.at += length
        elif kind in (9, 10):
            size, inner = self.list_header()
            for _ in range(size):
                self.skip_element(inner, depth + 1)
        elif kind == 11:
            size = self.varint()
            if size:
                types = self.byte()
                for _ in range(size):
                    self.skip_element(types >> 4, depth + 1)
                    self.skip_element(types & 0x0F, depth + 1)
        elif kind == 12:
            for _ in self.fields(depth + 1):
                pass
        else:
            raise ValueError(f"unknown field type {kind}")
        if self.at > len(self.data):
            raise ValueError("footer ends early")

    def skip_element(self, kind: int, depth: int) -> None:
        if kind in (1, 2):  # a boolean inside a container takes a byte
            self.byte()
        else:
            self.skip(kind, depth)

    def list_header(self) -> tuple[int, int]:
        header = self.byte()
        size = header >> 4
        if size == 15:
            size = self.varint()
        if size > len(self.data):
            raise ValueError("list longer than the footer")
        return size, header & 0x0F

    def fields(self, depth: int):
        """(field id, type) for each field of a struct; the caller reads or skips the value."""
        if depth > self.MAX_DEPTH:
            raise ValueError("footer nested too deeply")
        last = 0
        while True:
            header = self.byte()
            if header == 0:
                return
            delta, kind = header >> 4, header & 0x0F
            last = last + delta if delta else self.zigzag()
            start = self.at
            yield last, kind
            if self.at == start:  # the caller did not read it
                self.skip(kind, depth)


def parquet_unpacked_bytes(path: Path) -> int:
    """The bytes a Parquet file's data takes uncompressed, summed over its row groups
    (``RowGroup.total_byte_size`` in the footer): what decompressing it costs at least."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        if size < 12:
            raise ValueError("too short for Parquet")
        handle.seek(size - 8)
        tail = handle.read(8)
        if tail[4:] != b"PAR1":
            raise ValueError("no PAR1 at the end")
        length = int.from_bytes(tail[:4], "little")
        if length > size - 12:
            raise ValueError("footer longer than the file")
        handle.seek(size - 8 - length)
        footer = _Thrift(handle.read(length))
    total = 0
    for field, kind in footer.fields(0):
        if field == 4 and kind == 9:  # row_groups: list<RowGroup>
            count, inner = footer.list_header()
            for _ in range(count):
                if inner != 12:
                    raise ValueError("row groups are not structs")
                for group_field, group_kind in footer.fields(1):
                    if group_field == 2 and group_kind == 6:  # total_byte_size: i64
                        total += max(footer.zigzag(), 0)
    return total


def check_columns(names: list[str], display: str) -> None:
    """Too many columns, or a header that names a column twice (polars would keep both, renamed)."""
    limits = current()
    if len(names) > limits.data_columns:
        raise ConfigError(Problem(f"too many columns: {len(names)} (limit data_columns={limits.data_columns})", file=display))
    repeated = [match.group(1) for name in names if (match := _DUPLICATED.match(name))]
    if repeated:
        shown = ", ".join(f"'{name}'" for name in dict.fromkeys(repeated))
        raise ConfigError(Problem(f"the header names {shown} more than once; keep one column of each name", file=display))


def check_row_count(rows: int, so_far: int, display: str, *, partial: bool = False) -> None:
    """``partial``: the source was read no further than one row over the limit, so ``rows`` is a floor."""
    limits = current()
    if so_far + rows > limits.data_rows:
        floor = "at least " if partial else ""
        total = f"{floor}{rows} here, {floor}{so_far + rows} with the sources before it" if so_far else f"{floor}{rows}"
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


def bom_encoding(path: Path) -> str | None:
    """UTF-16 text ("Unicode text" from Excel) is recognised by its byte-order mark."""
    with open(path, "rb") as handle:
        head = handle.read(2)
    return "utf-16" if head in (b"\xff\xfe", b"\xfe\xff") else None


def quote_problem(source: Path | str, display: str, separator: str = ",", *, first_line: int = 1,
                  encoding: str | None = None) -> Problem | None:
    """The first record whose quotes a CSV reader cannot follow, once polars has failed on a file
    (or on text read from one, whose first line is the file's ``first_line``): a quoted cell
    that never closes or goes on after its closing quote, or a quote inside a cell that does not
    start with one (``12" pizza``, which polars refuses). A file is read in ``encoding``
    (UTF-16 by its byte-order mark, else UTF-8, a BOM skipped).

    Only on the error path, so a loop over records is fine here.
    """
    import csv
    import io

    cell = re.compile(f'"(?:[^"]|"")*"|[^{re.escape(separator)}"\r\n]*')
    raw: list[str] = []

    def remembered(handle: Any) -> Any:
        for text in handle:
            raw.append(text)
            yield text

    try:
        if isinstance(source, Path):
            handle = open(source, encoding=encoding or bom_encoding(source) or "utf-8-sig", errors="replace", newline="")
        else:
            handle = io.StringIO(source, newline="")
        with handle:
            records = csv.reader(remembered(handle), delimiter=separator, strict=True)
            line = first_line
            while True:
                try:
                    next(records)
                except StopIteration:
                    return None
                except csv.Error:
                    return Problem('a quoted cell here has no closing quote, or text after it; write a cell that holds a quote '
                                   'as "12"" pizza" (quoted, the quote inside doubled)', file=display, line=line)
                text = "".join(raw)
                raw.clear()
                # The next quote is looked for again only once the cells are past it: looked for from
                # every cell, a record of many cells and one quote at its end was read once a cell.
                at, quote = 0, text.find('"')
                while quote >= 0:
                    end = cell.match(text, at).end()
                    if text[end:end + 1] == '"':
                        shown = text[at:at + 200].split(separator, 1)[0].rstrip("\r\n")
                        return Problem(f"a quote inside a cell that does not start with one ({shown[:40]}); quote the whole cell "
                                       'and double the quote inside it ("12"" pizza")', file=display, line=line)
                    if text[end:end + 1] != separator:
                        break
                    at = end + 1
                    if quote < at:
                        quote = text.find('"', at)
                line = first_line + records.line_num
    except (OSError, LookupError, TypeError):  # TypeError: a separator the csv module cannot take
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

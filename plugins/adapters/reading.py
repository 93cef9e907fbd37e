"""Reading a platform's export the way the platform writes it.

Each adapter describes its layout (:class:`Layout`): which headers, in which
languages, give which canonical column, which it recomputes or leaves out on
purpose, and which breakdowns it sums over. :func:`read_export` does the rest
for all of them, with polars and without a Python loop over rows:

* the file is read as lines once; banner lines above the header, ``#`` comment
  lines and blank lines (outside a quoted cell: ad copy may hold both) are found
  with vectorized string tests, and the header
  is the line (among the first few of each block) that matches the most known
  headers, so GA4 files with several tables pick the main one;
* the chosen block is parsed as CSV (comma, semicolon or tab), with a
  ``__line`` column so that problems name the file's own line numbers;
* ``Total`` rows are dropped, numbers cleaned (percent strings, thousands
  separators, ``--``, decimal commas where the headers are German or the
  options say so) and dates rewritten as ISO dates;
* headers it does not know pass through unchanged, so the engine either
  recognises them as a metric id or warns naming them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import polars as pl
from kpi_advisor.data import (
    BREAKDOWN_PREFIX,
    CURRENCY_COLUMN,
    LAST_DAY_COLUMN,
    LINE_COLUMN,
    check_column_names,
    check_options,
    decimal_comma_from,
    number_text,
    plain_numbers,
)
from kpi_advisor.data.files import quote_problem
from kpi_advisor.models.definitions import DIMENSIONS, SEGMENT_DIMENSIONS
from kpi_advisor.problems import ConfigError, Problem

HEADER_SEARCH_LINES = 12  # per block: banner lines above a header are few
HEADER_SEARCH_BLOCKS = 50  # a header opens one of the file's first blocks (GA4 writes a few tables)
SEPARATORS = (",", ";", "\t")
# A platform's own total label fills the whole cell: "Total", "Grand total", "Total: Account",
# "Gesamt: Konto", "Total - Search", "Total of 6 results". A campaign named "Total Wine - Brand" or
# "Summe Kampagne" is a campaign.
TOTAL_ROW = (r"(?i)^\s*(total|totals|grand total|gesamt|gesamtsumme|gesamtergebnis|summe|insgesamt)"
             r"(\s*:.*|\s+[-\u2013]\s.*|\s+of\s+\d.*)?\s*$")
# Counts that add up over rows on every platform: a row with no name whose counts are the sum of
# the named rows' is the export's summary row (Meta's, GA4's), not a scope of its own.
SUMMED_COUNTS = ("spend", "impressions", "clicks", "sessions", "conversions", "purchases", "leads", "revenue")
ADAPTER_OPTIONS = ("date_format",)
# Only from the start of a run of spaces (the look-behind): tried at every space of a long run, the
# spaces before a bracket were read again from each, quadratic in a crafted header (49 s at 100k).
_CURRENCY_IN_HEADER = re.compile(r"(?<!\s)\s*[\(\[]([A-Z]{3})[\)\]]")


@dataclass(frozen=True)
class Field:
    """One canonical column and the headers that may give it, best first.

    ``target`` is a dimension, a metric id, ``currency``, or a helper name that
    starts with ``_`` and is only used by the adapter's ``finish`` step.
    ``number`` marks helper columns that hold numbers (cleaned like counts); ``names`` a helper
    that names a scope, as a dimension does (a source, a platform).
    """

    target: str
    headers: tuple[str, ...]
    number: bool = False
    names: bool = False


@dataclass(frozen=True)
class Layout:
    """How one platform's export is laid out: its columns and what each means."""

    name: str
    description: str
    fields: tuple[Field, ...]
    recomputed: tuple[str, ...] = ()  # ratios the engine derives from the counts itself
    unused: tuple[str, ...] = ()  # settings, ids and text left out on purpose
    breakdowns: tuple[str, ...] = ()  # summed over unless a config's `segments:` names one (by its snake_case name)
    required: tuple[tuple[str, ...], ...] = ()  # each group: at least one of these targets
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    channel: str | None = None  # when neither a column nor options.channel gives one
    comma_headers: tuple[str, ...] = ()  # headers of a locale that writes 1.234,5 (German)
    finish: Callable[["Context", pl.LazyFrame], pl.LazyFrame] | None = None
    options: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()  # analysed when the config names no `segments:`: the first the data has
    channels: tuple[tuple[str, str], ...] = ()  # finer channel -> what other sources call it (DataFormat.channels)

    def known_keys(self) -> set[str]:
        keys = {header_key(h) for f in self.fields for h in f.headers}
        keys |= {header_key(h) for h in self.recomputed + self.unused + self.breakdowns}
        return keys

    def field_for(self, target: str) -> Field | None:
        return next((f for f in self.fields if f.target == target), None)


@dataclass
class Context:
    """What the ``finish`` step of an adapter may use."""

    layout: Layout
    source: str
    options: Mapping[str, Any]
    found: dict[str, str]  # target -> header
    comments: list[str]
    decimal_comma: bool
    warnings: list[str] = field(default_factory=list)
    recomputed: list[str] = field(default_factory=list)  # claimed headers the finish step did not need after all
    unused: list[str] = field(default_factory=list)

    def breakdown(self, target: str) -> pl.Expr:
        """A helper column that is not needed for a dimension but splits rows: summed over, like an hour of the day."""
        return pl.col(target).alias(BREAKDOWN_PREFIX + self.found[target])

    def has(self, target: str) -> bool:
        return target in self.found

    def number(self, target: str) -> pl.Expr:
        """A cleaned numeric column as Float64 (null where the text is not a number)."""
        return pl.col(target).cast(pl.Float64, strict=False)


def header_key(header: str) -> str:
    """How headers are compared: case, spacing and a currency code in brackets do not matter."""
    text = _CURRENCY_IN_HEADER.sub("", header.replace("\ufeff", ""))
    return re.sub(r"\s+", " ", text).strip().casefold()


def header_currency(header: str) -> str | None:
    match = _CURRENCY_IN_HEADER.search(header)
    return match.group(1) if match else None


# --- finding the table ------------------------------------------------------------------


@dataclass
class Table:
    """An export's table as found in its file: the rows, the header and the lines around them."""

    frame: pl.LazyFrame
    headers: list[str]
    comments: list[str]
    header_line: int | None
    data: pl.DataFrame | None = None  # the parsed CSV, when it is in memory anyway
    banner: list[str] = field(default_factory=list)  # the lines above the header (a report's name, its dates)


def _decode(raw: bytes, options: Mapping[str, Any], source: str, warnings: list[str]) -> bytes:
    """UTF-8 bytes without a byte-order mark; UTF-16 (Google Ads' 'Excel CSV') and legacy encodings converted."""
    encoding = options.get("encoding")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16").encode("utf-8")
    if encoding and str(encoding).lower().replace("-", "") not in ("utf8", "utf8sig"):
        try:
            return raw.decode(str(encoding)).encode("utf-8").removeprefix(b"\xef\xbb\xbf")
        except (LookupError, UnicodeDecodeError) as exc:
            raise ConfigError(Problem(f"{source}: cannot be read as {encoding}: {exc}")) from None
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        warnings.append(f"{source}: not UTF-8; read as Windows-1252 (set options: {{encoding: ...}} if names look wrong)")
        return raw.decode("cp1252", errors="replace").encode("utf-8")
    return raw


def _split(line: str, separator: str) -> list[str]:
    return next(csv.reader([line], delimiter=separator), [])


def find_table(path: Path, options: Mapping[str, Any], layout: Layout, source: str, warnings: list[str]) -> Table:
    if options.get("kind") == "parquet":
        frame = pl.scan_parquet(path, glob=False)  # a name with * or [ ] is one file
        return Table(frame=frame, headers=frame.collect_schema().names(), comments=[], header_line=None)
    if options.get("kind") == "excel":
        from kpi_advisor.data.workbook import workbook_text

        data, sheet_warnings = workbook_text(path, options, source)
        warnings += sheet_warnings
    else:
        data = _decode(path.read_bytes(), options, source, warnings)
    unit = data.find(b"\x1f")  # the byte the lines are split on below: a cell holding it would lose its line's rest
    if unit != -1:
        line = data.count(b"\n", 0, unit) + 1
        raise ConfigError(Problem(f"{source}:{line}: holds the control character \\x1f, which no export writes; check the file"))
    lines = pl.read_csv(
        io.BytesIO(data), has_header=False, separator="\x1f", quote_char=None, infer_schema=False,
        new_columns=["text"], truncate_ragged_lines=True,
    ).with_row_index("n", offset=1)
    text = pl.col("text")
    # A line inside a quoted cell (ad copy over several lines) is no boundary, even when blank or
    # starting with # (a hashtag): before it, an odd number of quotes has been opened.
    quotes = text.str.count_matches('"', literal=True).fill_null(0)
    inside = (quotes.cum_sum() - quotes) % 2 == 1
    boundary = (text.is_null() | (text.str.strip_chars() == "") | text.str.starts_with("#")) & ~inside
    lines = lines.with_columns(boundary.alias("boundary"), inside.alias("inside")).with_columns(
        pl.col("boundary").cum_sum().alias("block"),
    ).with_columns((~pl.col("boundary")).cum_sum().over("block").alias("rank"))
    comments = lines.filter(text.str.starts_with("#") & ~pl.col("inside")).get_column("text").to_list()
    # A header opens one of the first blocks: a file whose rows are separated by blank lines
    # (each row a block of its own) would otherwise make every row a header candidate, tried in
    # Python. Counted in blocks, not lines: a year of GA4's chart table (1,825 lines) comes
    # before the main table's header.
    candidates = lines.filter(~pl.col("boundary") & ~pl.col("inside") & (pl.col("rank") <= HEADER_SEARCH_LINES)).filter(
        pl.col("block").rank("dense") <= HEADER_SEARCH_BLOCKS
    ).select("n", "block", "text")

    known = layout.known_keys()
    forced = "," if options.get("kind") == "excel" else options.get("separator")  # a sheet's text is written with commas
    best: tuple[int, int, int, str] | None = None  # score, line, block, separator
    for n, block, line in candidates.iter_rows():  # a few lines per block, not the data rows
        for separator in ([forced] if forced else SEPARATORS):
            score = sum(1 for cell in _split(line, separator) if header_key(cell) in known)
            if best is None or score > best[0]:
                best = (score, n, block, separator)
    if best is None or best[0] < 2:
        # The headers that say which export this is, not the breakdowns it may carry.
        named = [f for f in layout.fields if f.target not in SEGMENT_DIMENSIONS][:8]
        expected = ", ".join(f"'{h}'" for f in named for h in f.headers[:1])
        raise ConfigError(
            Problem(f"{source}: no header row found that looks like a {layout.name} export; expected headers such as {expected}")
        )
    _, header_n, block, separator = best
    body = lines.filter((pl.col("block") == block) & ~pl.col("boundary") & (pl.col("n") >= header_n))
    _check_field_counts(body, header_n, separator, source)
    text_block = body.select(text.fill_null("").str.join("\n")).item()
    try:
        frame = pl.read_csv(
            io.BytesIO(text_block.encode("utf-8")), separator=separator, infer_schema=False,
            truncate_ragged_lines=True, raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        if where := quote_problem(text_block, source, separator, first_line=header_n):
            raise ConfigError(where) from None
        raise
    # A row starts on a line that is not inside a quoted cell: its number is the row's line.
    data_lines = body.filter(~pl.col("inside")).get_column("n").slice(1)
    if data_lines.len() == frame.height:
        frame = frame.with_columns(data_lines.alias(LINE_COLUMN))
    # else: rows and lines do not pair up (a quote left open); row numbers then stand in for line numbers.
    headers = [c for c in frame.columns if c != LINE_COLUMN]
    banner = lines.filter((pl.col("n") < header_n) & ~pl.col("boundary") & ~pl.col("inside")).head(HEADER_SEARCH_LINES)
    return Table(frame=frame.lazy(), headers=headers, comments=comments, header_line=header_n, data=frame,
                 banner=banner.get_column("text").to_list())


def _check_field_counts(body: pl.DataFrame, header_n: int, separator: str, source: str) -> None:
    """A data line with more cells than the header: an unquoted "1,234.56" splits one number in
    two and moves every cell after it one column on (polars would drop the last cell and read the
    rest into the wrong columns). Counted outside quoted cells; not where a quoted cell spans
    lines, as a line then is not a row. Empty cells at a line's end are not cells."""
    text = pl.col("text")
    if body.select((text.str.count_matches('"', literal=True) % 2 == 1).any()).item():
        return
    cells = text.str.replace_all(r'"[^"]*"', "").str.strip_chars_end(separator + " \r").str.count_matches(separator, literal=True) + 1
    counted = body.select("n", cells.alias("cells"))
    # The header's own cells, read as CSV: never fewer than the count above gives it.
    header = len(_split(body.filter(pl.col("n") == header_n).get_column("text").item(), separator))
    over = counted.filter((pl.col("n") > header_n) & (pl.col("cells") > header)).head(5)
    if over.height:
        name = {",": "comma", ";": "semicolon", "\t": "tab"}.get(separator, repr(separator))
        raise ConfigError([
            Problem(f"{source}:{n}: {cells} cells where the header has {header}: a number written with a {name} "
                    f"(1{separator}234.56) must be quoted, or the cells are shifted")
            for n, cells in over.iter_rows()
        ])


# --- mapping -------------------------------------------------------------------------


def _match(layout: Layout, headers: list[str], options: Mapping[str, Any], source: str) -> tuple[dict[str, str], set[str]]:
    """target -> header, and the headers the user told us to ignore."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)
    found: dict[str, str] = {}
    claimed: set[str] = set()
    columns = options.get("columns") or {}
    if not isinstance(columns, Mapping):
        raise ConfigError(Problem(f"{source}: options.columns: expected a mapping of header -> metric id or dimension"))
    for wanted, target in columns.items():
        header = by_key.get(header_key(str(wanted)))
        if header is None:
            raise ConfigError(Problem(f"{source}: options.columns: no column '{wanted}' in the file; its headers are: {', '.join(headers)}"))
        found[str(target)] = header
        claimed.add(header)
    ignore = options.get("ignore") or []
    if isinstance(ignore, str):
        ignore = [ignore]
    ignored: set[str] = set()
    for wanted in ignore:
        header = by_key.get(header_key(str(wanted)))
        if header is None:
            raise ConfigError(Problem(f"{source}: options.ignore: no column '{wanted}' in the file; its headers are: {', '.join(headers)}"))
        ignored.add(header)
    for spec in layout.fields:
        if spec.target in found:
            continue
        for candidate in spec.headers:
            header = by_key.get(header_key(candidate))
            if header is not None and header not in claimed and header not in ignored:
                found[spec.target] = header
                claimed.add(header)
                break
    return found, ignored


def _check_required(layout: Layout, found: Mapping[str, str], headers: list[str], source: str) -> None:
    problems = []
    for group in layout.required:
        if any(target in found for target in group):
            continue
        expected = [h for target in group if (spec := layout.field_for(target)) for h in spec.headers]
        label = " or ".join(t.lstrip("_").replace("_", " ") for t in group)
        problems.append(
            Problem(
                f"{source}: missing a column for {label}: a {layout.name} export names it "
                f"{', '.join(repr(h) for h in expected)}; the file's headers are: {', '.join(headers)}"
            )
        )
    if problems:
        raise ConfigError(problems)


def parse_dates(column: pl.Expr, formats: Iterable[str]) -> pl.Expr:
    """Dates in any of ``formats`` as ISO text; a cell that matches none stays as it is, to be named."""
    text = column.cast(pl.String).str.strip_chars()
    # "July 2026" (a month segment) counts from the first of the month.
    text = pl.when(text.str.contains(r"^[A-Za-z]+ \d{4}$")).then(pl.lit("1 ") + text).otherwise(text)
    tries = [text.str.to_date(fmt, strict=False) for fmt in formats] + [text.str.to_date("%d %B %Y", strict=False)]
    parsed = pl.coalesce(tries)
    return pl.when(parsed.is_not_null()).then(parsed.dt.to_string("%Y-%m-%d")).otherwise(column.cast(pl.String))


MONTH_FIRST, DAY_FIRST = "%m/%d/%Y", "%d/%m/%Y"
# 01/07/2026 with the day or the month first: the two parts before the year.
SLASH_DATE = r"^\s*(\d{1,2})/(\d{1,2})/\d{4}\s*$"


def _slash_order(frame: pl.LazyFrame, headers: list[str], formats: tuple[str, ...], source: str, platform: str,
                 warnings: list[str]) -> tuple[str, ...]:
    """The date formats to read a file's dates with: a platform writes 01/07/2026 in its user's
    language, month first in US English and day first in British, Australian or Indian English.
    Decided once for the whole file, never cell by cell: a day over 12 in the first part (13/07)
    means every date of the file is day first, so 01/07/2026 is 1 July, not 7 January. Where every
    date reads both ways, the platform's own order stays and a warning says how to switch.
    ``headers``: the file's date columns (a row's first day, and its last where it spans several)."""
    if MONTH_FIRST not in formats and DAY_FIRST not in formats:
        return formats
    # Asked of the distinct dates (a year has 365), not of every row.
    dates = frame.select(pl.concat_list([pl.col(h).cast(pl.String) for h in headers]).explode().unique().alias("d")).collect()
    text = pl.col("d")
    first = text.str.extract(SLASH_DATE, 1).cast(pl.Int32, strict=False)
    second = text.str.extract(SLASH_DATE, 2).cast(pl.Int32, strict=False)
    seen = dates.select(
        (first > 12).any().alias("day_first"), (second > 12).any().alias("month_first"),
        text.filter(first.is_not_null()).n_unique().alias("dates"), text.filter(first.is_not_null()).sort().first().alias("example"),
    ).row(0, named=True)
    if seen["day_first"] == seen["month_first"]:
        if not seen["day_first"] and seen["dates"] > 1:
            order, other = (MONTH_FIRST, DAY_FIRST) if MONTH_FIRST in formats else (DAY_FIRST, MONTH_FIRST)
            example = str(seen["example"]).strip()
            try:
                read = f" ({example} = {dt.datetime.strptime(example, order).date().isoformat()})"
            except ValueError:  # 02/30/2026: no such day, named when the dates are read
                read = ""
            warnings.append(f"{source}: dates such as {example} read either way; read {'month' if order == MONTH_FIRST else 'day'} "
                            f"first{read}, as {platform} writes them by default. If the file writes the "
                            f"{'day' if order == MONTH_FIRST else 'month'} first, set options: {{date_format: \"{other}\"}}")
        return formats  # both orders in one file: the dates that fit neither are named as they are read
    wanted, unwanted = (DAY_FIRST, MONTH_FIRST) if seen["day_first"] else (MONTH_FIRST, DAY_FIRST)
    return tuple(dict.fromkeys(wanted if f == unwanted else f for f in formats))


def derived_text(value: pl.Expr, *inputs: str) -> pl.Expr:
    """A number the adapter computes, as text; where an input is not a number, that input's raw text, so it gets named."""
    fallback = pl.coalesce([pl.when(pl.col(c).cast(pl.Float64, strict=False).is_null()).then(pl.col(c).cast(pl.String)) for c in inputs])
    return pl.when(value.is_not_null()).then(value.cast(pl.String)).otherwise(fallback)


def read_export(layout: Layout, path: Path, options: Mapping[str, Any]) -> tuple[pl.LazyFrame, list[str]]:
    source = str(options.get("name") or path.name)
    warnings = check_options(options, layout.options + ADAPTER_OPTIONS, source)
    table = find_table(path, options, layout, source, warnings)
    found, ignored = _match(layout, table.headers, options, source)
    check_column_names([h for h in table.headers if h not in ignored], source)
    _check_required(layout, found, table.headers, source)

    comma = decimal_comma_from(options)
    if comma is None:
        german = {header_key(h) for h in layout.comma_headers}
        # A workbook's numbers are numbers, written with a point whatever its headers' language.
        comma = options.get("kind") != "excel" and any(header_key(h) in german for h in table.headers)

    currencies = sorted({c for h in table.headers if h not in ignored and (c := header_currency(h))})
    if len(currencies) > 1:
        raise ConfigError(Problem(f"{source}: headers name several currencies ({', '.join(currencies)}); export one currency"))

    frame = table.frame
    total = pl.lit(False)
    for check in [table.headers[0]] + [found[d] for d in DIMENSIONS if d in found]:
        total = total | pl.col(check).cast(pl.String).str.contains(TOTAL_ROW).fill_null(False)
    # Counting them costs a pass over the data, which only the in-memory CSV path can afford.
    skipped = frame.select(total.sum()).collect().item() if table.header_line is not None else 0
    frame = frame.filter(~total)
    # A blank line inside the table comes back as a row without any value.
    frame = frame.filter(~pl.all_horizontal([pl.col(h).is_null() for h in table.headers]))

    schema = frame.collect_schema()
    targets = {header: target for target, header in found.items()}
    date_formats = (options["date_format"],) if options.get("date_format") else layout.date_formats
    dated = [found[t] for t in ("date", LAST_DAY_COLUMN) if t in found and schema[found[t]] == pl.String]
    if dated and not options.get("date_format"):
        date_formats = _slash_order(frame, dated, date_formats, source, layout.name, warnings)
    # Columns that already hold plain numbers skip the text cleaning (not with decimal commas,
    # where 1.234 means a thousand).
    plain = set() if comma or table.data is None else plain_numbers(table.data, [h for h in targets if schema[h] == pl.String])
    if table.header_line is not None:
        summary = _summary_rows(frame, layout, found, comma, plain)
        if summary is not None:
            frame = frame.filter(~summary.expr)
            skipped += summary.count
    breakdowns = {header_key(h) for h in layout.breakdowns}
    recomputed_keys = {header_key(h) for h in layout.recomputed}
    unused_keys = {header_key(h) for h in layout.unused}
    exprs: list[pl.Expr] = []
    recomputed, unused = [], []
    for header in table.headers:
        key = header_key(header)
        if header in targets:
            dtype = pl.Float64 if header in plain else schema[header]
            exprs.append(_convert(pl.col(header), dtype, targets[header], layout, comma, date_formats).alias(targets[header]))
        elif header in ignored:
            unused.append(header)
        elif key in breakdowns:
            exprs.append(pl.col(header).alias(BREAKDOWN_PREFIX + header))
        elif key in recomputed_keys:
            recomputed.append(header)
        elif key in unused_keys:
            unused.append(header)
        else:
            exprs.append(pl.col(header))  # the engine matches it to a metric id or warns naming it
    if LINE_COLUMN in frame.collect_schema().names():
        exprs.append(pl.col(LINE_COLUMN))
    if currencies and CURRENCY_COLUMN not in found:
        exprs.append(pl.lit(currencies[0]).alias(CURRENCY_COLUMN))
    frame = frame.select(exprs)
    if table.header_line is not None:
        frame = _untracked_value(frame, layout, found, source, warnings)

    context = Context(layout=layout, source=source, options=options, found=found, comments=table.comments, decimal_comma=comma)
    if layout.finish is not None:
        frame = layout.finish(context, frame)
    names = frame.collect_schema().names()
    if "date" not in names:  # nor did the adapter make one (GA4 from its hours or its Nth day)
        frame = _dated_by_banner(frame, table, date_formats, source, warnings)
    if "channel" not in names and not options.get("channel") and layout.channel:
        frame = frame.with_columns(pl.lit(layout.channel).alias("channel"))
    helpers = [c for c in frame.collect_schema().names() if c.startswith("_") and not c.startswith("__")]
    frame = frame.drop(helpers)

    notes = []
    recomputed += context.recomputed
    unused += context.unused
    if recomputed:
        notes.append(f"recomputed from the counts instead of read: {', '.join(recomputed)}")
    if unused:
        notes.append(f"not used: {', '.join(unused)}")
    if skipped:
        notes.append(f"skipped {skipped} total row{'s' if skipped != 1 else ''}")
    if notes:
        warnings.append(f"{source} ({layout.name}): " + "; ".join(notes))
    return frame, warnings + context.warnings


# The days an export without a date column covers, as its banner or comment lines name them:
# Google Ads "July 1, 2026 - July 31, 2026"; LinkedIn "Report Start: 7/1/2026" and "Report End:
# 7/31/2026, 11:59 PM"; GA4 "# Start date: 20260701" and "# End date: 20260731".
_RANGE_LINE = re.compile(r"^(?P<start>.+?\d)\s+[-\u2013\u2014]\s+(?P<end>.+\d)$")
_RANGE_END = re.compile(r"^(?:report\s+)?(?P<which>start|end)(?:\s+date)?\s*:\s*(?P<day>.+)$", re.IGNORECASE)
_CLOCK = re.compile(r",?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?$", re.IGNORECASE)  # "7/1/2026, 12:00 AM"
# A banner line names a day or two in a few words; a longer line is no banner, and the patterns
# above backtrack quadratically on a crafted one (a comment line of 100,000 characters: 15 s).
BANNER_CHARS = 200
_BANNER_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%d. %B %Y", "%d.%m.%Y")
_GERMAN_MONTHS = {"januar": "January", "jänner": "January", "februar": "February", "märz": "March", "mai": "May", "juni": "June",
                  "juli": "July", "oktober": "October", "dezember": "December"}


def banner_day(text: str, formats: Iterable[str]) -> dt.date | None:
    """A day as an export's banner writes it (the platform's formats first, then month names in
    English or German), None where it is no day."""
    text = text.strip().strip('"').strip()
    if len(text) > BANNER_CHARS:
        return None
    text = _CLOCK.sub("", text)
    text = re.sub(r"[A-Za-zäÄ]+", lambda word: _GERMAN_MONTHS.get(word.group().lower(), word.group()), text)
    for fmt in dict.fromkeys((*formats, *_BANNER_FORMATS)):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def banner_range(lines: Iterable[str], formats: Iterable[str]) -> tuple[dt.date, dt.date] | None:
    """The first and last day the lines above an export's header say it covers, where they say both."""
    formats = tuple(formats)
    ends: dict[str, dt.date] = {}
    for line in lines:
        # A sheet saved as CSV (or read from a workbook) ends a one-cell banner line with the empty
        # cells under the header's: "July 1, 2026 - July 31, 2026",,,,
        text = line.strip().lstrip("#").strip().rstrip(",;\t ").strip('"').strip()
        if len(text) > BANNER_CHARS:
            continue
        if (match := _RANGE_END.match(text)) and (day := banner_day(match["day"], formats)):
            ends.setdefault(match["which"].lower(), day)
        elif (match := _RANGE_LINE.match(text)) and (start := banner_day(match["start"], formats)) and (end := banner_day(match["end"], formats)):
            ends.setdefault("start", start)
            ends.setdefault("end", end)
    start, end = ends.get("start"), ends.get("end")
    return (start, end) if start is not None and end is not None and start <= end else None


def _dated_by_banner(frame: pl.LazyFrame, table: Table, formats: tuple[str, ...], source: str, warnings: list[str]) -> pl.LazyFrame:
    """An export without a date column covers the days its banner names: every row is dated by the
    first and runs to the last (as a Meta row by "Reporting starts" and "Reporting ends"), so the
    report has its period, and a config period inside those days is told its rows cannot be split."""
    days = banner_range([*table.banner, *table.comments], formats)
    if days is None:
        return frame
    start, end = days
    warnings.append(f"{source}: no date column; every row covers {start.isoformat()} to {end.isoformat()}, "
                    f"the days named above the header")
    return frame.with_columns(pl.lit(start.isoformat()).alias("date"), pl.lit(end.isoformat()).alias(LAST_DAY_COLUMN))


def _untracked_value(frame: pl.LazyFrame, layout: Layout, found: Mapping[str, str], source: str, warnings: list[str]) -> pl.LazyFrame:
    """A conversion value that is 0 on every row while conversions are counted is a value the
    account does not track (LinkedIn writes 0, not an empty cell): read as 0 it would show ads
    that "bring in nothing" and put their whole spend at stake. It is read as not given.

    The conversions are the columns the format reads as purchases or conversions, also where
    ``options.columns`` reads one as another count: a lead-gen account's Google Ads
    ``Conversions`` read as leads are what its ``Conv. value`` values."""
    valued = {header_key(header) for spec in layout.fields if spec.target in VALUED_COUNTS for header in spec.headers}
    outcomes = [target for target in VALUED_COUNTS if target in found]
    outcomes += [target for target, header in found.items()
                 if target not in VALUED_COUNTS and target != "revenue" and header_key(header) in valued]
    if "revenue" not in found or not outcomes:
        return frame
    value = pl.col("revenue").cast(pl.Float64, strict=False)
    sums = frame.select(
        [(value.is_not_null().sum() > 0).alias("given"), (value.fill_null(0).abs().max() == 0).alias("zero")]
        + [pl.col(t).cast(pl.Float64, strict=False).sum().alias(t) for t in outcomes]
    ).collect().row(0, named=True)
    counted = {t: sums[t] for t in outcomes if sums[t]}
    if not (sums["given"] and sums["zero"] and counted):
        return frame
    target, count = next(iter(counted.items()))
    warnings.append(f"{source}: {found['revenue']} is 0 on every row while {count:g} {target} are counted: read as not "
                    f"tracked, so no return on ad spend is judged from it (track conversion values, or give "
                    f"economics.customer_value)")
    return frame.with_columns(pl.lit(None, dtype=pl.String).alias("revenue"))


# The counts a conversion value is the value of, as the formats read them.
VALUED_COUNTS = ("purchases", "conversions")


@dataclass(frozen=True)
class _Summary:
    """An export's nameless total rows: the test that tells them, and how many it found."""

    expr: pl.Expr
    count: int


def _summary_rows(frame: pl.LazyFrame, layout: Layout, found: Mapping[str, str], comma: bool, plain: set[str]) -> _Summary | None:
    """The rows that name no scope (every name column empty) and hold the sum of the rows that do:
    Meta's and GA4's summary row, which carries no "Total" label. Left in, every total would count
    twice. Checked on the counts that add up (not reach, not a rate); a nameless row whose counts
    are not that sum stays, to be named or reported as it is."""
    names = [header for target, header in found.items()
             if (target in DIMENSIONS and target != "date") or ((spec := layout.field_for(target)) is not None and spec.names)]
    counts = [found[c] for c in SUMMED_COUNTS if c in found]
    if not names or not counts:
        return None
    nameless = pl.all_horizontal([pl.col(h).cast(pl.String).str.strip_chars().fill_null("") == "" for h in names])
    found_rows = frame.select(nameless.sum().alias("__n"), (~nameless).sum().alias("__named")).collect().row(0, named=True)
    if not found_rows["__n"] or not found_rows["__named"]:  # the usual export: no count is read here
        return None
    # Each count read once (the text cleaning only where a column needs it), then added up per side.
    values = frame.select(
        nameless.alias("__nameless"),
        *[(pl.col(h) if h in plain else number_text(pl.col(h), decimal_comma=comma)).cast(pl.Float64, strict=False).alias(f"v{i}")
          for i, h in enumerate(counts)],
    )
    side = pl.col("__nameless")
    sums = values.select(
        [pl.col(f"v{i}").filter(side).sum().alias(f"a{i}") for i in range(len(counts))]
        + [pl.col(f"v{i}").filter(~side).sum().alias(f"b{i}") for i in range(len(counts))]
        + [pl.col(f"v{i}").filter(side).is_not_null().any().alias(f"c{i}") for i in range(len(counts))]
    ).collect().row(0, named=True)
    checked = [i for i in range(len(counts)) if sums[f"c{i}"]]
    # Platforms round a summary's money to the cent and its counts not at all: half a percent, or a cent.
    same = all(abs(sums[f"a{i}"] - sums[f"b{i}"]) <= max(0.005 * max(abs(sums[f"a{i}"]), abs(sums[f"b{i}"])), 0.01) for i in checked)
    if not checked or not same or not any(sums[f"a{i}"] for i in checked):
        return None
    return _Summary(nameless, found_rows["__n"])


def _convert(column: pl.Expr, dtype: pl.DataType, target: str, layout: Layout, comma: bool, date_formats: tuple[str, ...]) -> pl.Expr:
    if dtype.is_temporal():
        return column
    if target in ("date", LAST_DAY_COLUMN):
        return parse_dates(column, date_formats)
    if target in DIMENSIONS or target == CURRENCY_COLUMN:
        return column.cast(pl.String)
    spec = layout.field_for(target)
    if target.startswith("_") and not (spec and spec.number):
        return column.cast(pl.String)
    if dtype.is_numeric():
        return column.cast(pl.Float64, strict=False)
    return number_text(column, decimal_comma=comma)


def snake_value(column: pl.Expr) -> pl.Expr:
    """'Paid Social' -> 'paid_social': channel names as the rest of kpi-advisor writes them."""
    return column.cast(pl.String).str.strip_chars().str.to_lowercase().str.replace_all(r"[^0-9a-z]+", "_").str.strip_chars("_")


def joined_name(parent: str, child: str) -> pl.Expr:
    """'Ad set / Ad' where both exist: the same ad name often runs in several ad sets."""
    a, b = pl.col(parent).cast(pl.String), pl.col(child).cast(pl.String)
    return pl.when(a.is_not_null() & b.is_not_null()).then(a + " / " + b).otherwise(pl.coalesce(b, a))

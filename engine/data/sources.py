"""Reading a client's data into one polars frame with canonical columns.

Every source is read by a data-format plugin, then prepared here the same way:

1. normalised: column names matched to metric ids and dimensions (exactly, by
   alias, or by their snake_case form), dimensions cast to text (``date`` to a
   date), counts cleaned (percent strings, thousands separators, ``--``) and
   checked (numeric, finite, non-negative);
2. rows that only differ in a breakdown the engine does not report (hour of
   day, browser, ...) summed, subtotal rows of a breakdown the engine keeps (an
   ad's row with no age beside its rows per age) dropped, and rows that repeat
   a scope and date refused (or summed, when the source says ``duplicates: sum``);
3. checked against the other sources: one currency, no count given twice for
   the same scope, and a warning where their dimensions do not line up.

The sources are then stacked; a metric table groups them by a level's
dimensions, so counts from different sources meet on their shared dimensions
(see docs/data-formats.md). Checks are vectorized; rows are only looked at one
by one on the error path, to name them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

import polars as pl

from ..limits import check_count, current
from ..loading.catalog import Catalog
from ..models.config import ClientConfig, FileSource, RecordsSource, SparkSource
from ..models.definitions import DIMENSIONS, SEGMENT_DIMENSIONS
from ..problems import ConfigError, NoDataInPeriod, PluginError, Problem, not_a_file, printable
from . import files, held, plausibility
from .fallbacks import derive_counts

MAX_ROW_PROBLEMS = 5
MAX_EXAMPLES = 3

# Helper columns a reader may add; they never reach the metric tables.
LINE_COLUMN = "__line"  # the source line of each row, for messages
BREAKDOWN_PREFIX = "__breakdown__"  # a breakdown to sum over, e.g. "__breakdown__Age"
# The last day a row's counts cover, where a row spans several days (Meta's "Reporting ends"
# beside the "Reporting starts" it is dated by): the report's period runs to it.
LAST_DAY_COLUMN = "__range_end"
CURRENCY_COLUMN = "currency"  # ISO code of the money columns, per row

# Cells that mean "no value" in exports (Google Ads writes --); anything else that is not a number is an error.
NULL_TOKENS = ("", "--", "-", "\u2013", "\u2014")

# Options every built-in reader understands (docs/data-formats.md).
COMMON_OPTIONS = frozenset(
    {
        "kind", "header_line", "decimal_comma", "locale", "encoding", "separator", "currency",
        "channel", "account", "region", "columns", "ignore", "recode", "duplicates", "name", "sheet",
    }
)
CONSTANT_DIMENSIONS = ("channel", "account", "region")
# Options of CSV text that say nothing of a workbook: its number cells are numbers (a decimal comma
# would read 12.345 as 12345), its text is UTF-8 and its cells need no separator.
WORKBOOK_UNREAD = ("decimal_comma", "locale", "encoding", "separator")
# Dimensions whose values are names people type, and so differ between tools.
NAMED_DIMENSIONS = ("campaign", "ad")

_TRUE_WORDS = ("true", "yes", "1")
_FALSE_WORDS = ("false", "no", "0")

# Header spellings of dimensions in hand-made CSVs, after snake_casing.
DIMENSION_ALIASES = {
    "day": "date",
    "reporting_date": "date",
    "campaign_name": "campaign",
    "ad_name": "ad",
    "account_name": "account",
    "country": "region",
}

# Row number in a source -> (file, line, field path) for a message.
Locator = Callable[[int, str], Problem]


@dataclass
class Dataset:
    """A client's rows, read from every data source into one frame, with the notes the reading left."""

    # Text dimensions are Categorical (each name held once, not once a row); dates are Date and
    # counts Float64, or Float32 for a whole count exact in it (held.py: read them with held.number).
    frame: pl.DataFrame
    dims: list[str]
    counts: list[str]
    warnings: list[str] = field(default_factory=list)
    currency: str | None = None  # the sources' currency, where any says
    segments: tuple[str, ...] = ()  # the config's segments to analyse (empty: the first default the data has)
    default_segments: tuple[str, ...] = ()  # the sources' formats' defaults, in order, then the known segment dimensions
    # At most one row per date and dimensions: a single source, whose repeats were refused or added up.
    unique_rows: bool = False
    last_day: dt.date | None = None  # where rows span several days: the last day any covers
    # Some row covers several days (a quarter's export without a day breakdown): its day is not a
    # cell another source's day can meet in (Pairing.grain).
    spans_days: bool = False
    # Dimension -> the counts some source gives on no row that names it (a GA4 export without
    # campaigns, a row of sessions per campaign beside clicks per ad): only those meet other rows
    # above that dimension (Pairing.grain). Where a source gives a count on named rows too, its rows
    # without a name are no such scope (GA4's organic visits under no campaign), not a parent.
    unnamed: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        let_go = self.__dict__.get("_rows_let_go")
        return self.frame.height if let_go is None else let_go

    def dates(self) -> tuple[dt.date, dt.date] | None:
        """The first and last date of the dated rows; None where no row is dated."""
        if "date" not in self.dims:
            return None
        date = pl.col("date")
        first, last = self.frame.select(date.min().alias("first"), date.max().alias("last")).row(0)
        if first is None:
            return None
        return first, max(last, self.last_day) if self.last_day is not None else last

    def let_go(self) -> None:
        """Drop the rows (and what shares them: its views of fewer counts, the tables' caches)
        once nothing reads them: the level tables are built, the notes and goals that read rows
        are written, the rules have fired. The pairing and the row count stay; reading the rows
        afterwards is a mistake in the pipeline's order, and says so."""
        rows = self.rows
        for view in self.__dict__.get("_views", {}).values():
            view.let_go()
        self._forget_rows()
        self.__dict__["_rows_let_go"] = rows
        self.frame = _RowsLetGo()  # type: ignore[assignment]

    def keep_counts(self, counts: Collection[str]) -> None:
        """Keep only ``counts`` of the rows' counts (every dimension stays) once the level tables
        are summed from them: what reads the rows afterwards (the trends) reads those alone. At
        10M rows each count let go is 76 MB, and the level tables are added up beside the rows."""
        kept = [c for c in self.counts if c in counts]
        if len(kept) == len(self.counts) or not self.dims:  # without dimensions: one row a source, and a row count to keep
            return
        self._forget_rows()
        # ``counts`` still names every count: the tables hold them all; only the rows are narrower.
        self.frame = self.frame.select([*self.dims, *kept])

    def _forget_rows(self) -> None:
        # What the tables keep beside a dataset is rows too (the cells summed from them, the rows
        # combined over dates, the views of fewer counts) or answers held with the rows they came
        # from (_memo, shared with the views): all go but the pairing, which the findings still read.
        self.__dict__.get("_memo", {}).clear()
        for name in [name for name in self.__dict__ if name.startswith("_") and name not in _KEPT]:
            del self.__dict__[name]


_KEPT = frozenset({"_pairing"})


class _RowsLetGo:
    """Where a dataset's rows were before :meth:`Dataset.let_go`."""

    __slots__ = ()

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)  # copy, pickle and hasattr() probe these: they find nothing
        raise AttributeError(f"the dataset's rows were let go (Dataset.let_go); read them (frame.{name}) before that")


@dataclass
class Source:
    """One source after normalising, before it meets the others."""

    name: str
    frame: pl.DataFrame  # dims and counts only
    dims: list[str]  # dimensions with at least one value
    counts: list[str]
    currency: str | None = None
    currency_from: str = ""
    from_file: bool = True  # a file, which takes options; records and API rows do not


# --- numbers and names ----------------------------------------------------------------


def snake(name: str) -> str:
    """'Amount Spent' -> 'amount_spent'; how a header is matched to a metric id."""
    return re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_")


def decimal_comma_from(options: Mapping[str, Any]) -> bool | None:
    """True/False when ``decimal_comma`` or ``locale`` says how numbers are written, else None."""
    if "decimal_comma" in options:
        value = options["decimal_comma"]
        if isinstance(value, str):
            return value.strip().lower() in _TRUE_WORDS
        return bool(value)
    if options.get("locale"):
        return decimal_mark(str(options["locale"])) == ","
    return None


@functools.cache
def decimal_mark(locale: str) -> str | None:
    """How a locale writes decimals (CLDR's data, through babel: de_DE ",", de_CH and es_MX "."),
    None for a locale babel does not know. babel is imported only for a source that names one."""
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_decimal_symbol

    try:
        return get_decimal_symbol(Locale.parse(locale.strip().replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def number_text(column: pl.Expr, *, decimal_comma: bool = False) -> pl.Expr:
    """Text cells as plain number text ("1234.5"), vectorized.

    Understands thousands separators ("1,234" or, with ``decimal_comma``,
    "1.234,5"), spaces inside numbers, a leading or trailing currency symbol,
    percent strings ("2.7%" -> 0.027), and the empty markers ``--`` and ``-``
    (null). A cell that is not a number is returned unchanged so that
    the engine can name its row and column.
    """
    text = column.cast(pl.String).str.strip_chars().str.replace_all(r"[\s\u00a0\u202f\u2009']", "")
    text = text.str.replace_all(r"^[$€£¥]|[$€£¥]$", "")
    percent = text.str.ends_with("%")
    text = text.str.strip_suffix("%")
    if decimal_comma:
        shape = r"^[+-]?(\d{1,3}(\.\d{3})+|\d*)(,\d+)?$"
        plain = text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        shape = r"^[+-]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?([eE][+-]?\d+)?$"
        plain = text.str.replace_all(",", "", literal=True)
    value = plain.cast(pl.Float64, strict=False)
    value = pl.when(percent).then(value / 100).otherwise(value)
    return (
        pl.when(column.is_null() | text.is_in(NULL_TOKENS))
        .then(pl.lit(None, dtype=pl.String))
        .when(text.str.contains(shape) & value.is_not_null())
        .then(value.cast(pl.String))
        .otherwise(column.cast(pl.String))
    )


def canonical_name(column: str, catalog: Catalog, extra_dims: Iterable[str] = ()) -> str | None:
    """The metric id or dimension a column stands for: exact, by alias, or by its snake_case form.
    ``extra_dims``: other columns the config analyses as segments (``segments: [job_function]``)."""
    for name in (column, snake(column)):
        if name in DIMENSIONS or name in catalog.metrics or name in extra_dims:
            return name
        if name in catalog.aliases:
            return catalog.aliases[name]
        if name in DIMENSION_ALIASES:
            return DIMENSION_ALIASES[name]
    return None


def check_options(options: Mapping[str, Any], allowed: Iterable[str], source: str) -> list[str]:
    """Warnings for reader options nobody reads (a typo would otherwise be ignored silently); a
    ConfigError for a common option whose value says nothing a reader can use."""
    if problems := _option_value_problems(options, source):
        raise ConfigError(problems)
    known = set(allowed) | COMMON_OPTIONS
    warnings = []
    for key in options:
        if key not in known:
            close = [k for k in sorted(known) if k != "kind" and _close(key, k)]
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            warnings.append(f"{source}: option '{key}' is not used by this format{hint}")
    return warnings


def _option_value_problems(options: Mapping[str, Any], source: str) -> list[Problem]:
    problems = []
    if "sheet" in options and options.get("kind") != "excel":
        problems.append(Problem("a sheet is chosen in an Excel workbook (excel:), not in a CSV or Parquet file", file=source, path="options.sheet"))
    comma = options.get("decimal_comma")
    if comma is not None and not isinstance(comma, bool) and str(comma).strip().lower() not in _TRUE_WORDS + _FALSE_WORDS:
        problems.append(Problem(f"expected true or false (got {comma!r})", file=source, path="options.decimal_comma"))
    locale = options.get("locale")
    if locale is not None and not (isinstance(locale, str) and decimal_mark(locale)):
        problems.append(Problem(f"unknown locale {locale!r}; expected a language and country such as de_DE, fr_FR or en_US",
                                file=source, path="options.locale"))
    separator = options.get("separator")
    if separator is not None and not (isinstance(separator, str) and len(separator) == 1 and separator.isascii()
                                       and separator not in "\"\r\n"):
        problems.append(Problem(f"expected one character such as ';', ',', '|' or a tab (got {separator!r})",
                                file=source, path="options.separator"))
    return problems


def check_column_names(names: Iterable[Any], source: str) -> None:
    """Refuse a column whose name starts with ``__``: such names are the engine's own (``__line``
    gives each row's line in messages), and a client's column of that name would be read as one."""
    own = [str(name) for name in names if str(name).startswith("__")]
    if own:
        raise ConfigError(Problem(f"{source}: column {own[0]!r}: names that start with __ are kpi-advisor's own; rename the "
                                  f"column, or leave it out"))


def _close(a: str, b: str) -> bool:
    import difflib

    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


# --- one source -------------------------------------------------------------------------


def _bad_rows(frame: pl.DataFrame, mask: pl.Expr, column: str) -> list[tuple[int, Any]]:
    bad = frame.with_row_index("__row").filter(mask).select("__row", column).head(MAX_ROW_PROBLEMS)
    return [(int(row), value) for row, value in bad.iter_rows()]


def normalise(
    frame: pl.DataFrame, catalog: Catalog, locate: Locator, source: str, *, decimal_stated: bool = False,
    extra_dims: tuple[str, ...] = (), problems: list[Problem] | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """Canonical dimensions and counts, or a ConfigError naming rows and columns.

    Helper columns (``__line``, ``__breakdown__*``) and ``currency`` pass through; a breakdown
    an adapter would sum becomes a dimension when ``extra_dims`` (the config's other segments)
    names it. ``decimal_stated``: the source says how it writes decimals (``decimal_comma`` or
    ``locale``), so a count written ``1.200`` is read as it says, not refused as ambiguous.
    ``problems``: where the cells' problems go, the frame then read on (an unreadable cell empty)
    so that the row checks can add theirs; without it they are raised here.
    """
    dimensions = DIMENSIONS + tuple(d for d in extra_dims if d not in DIMENSIONS)
    warnings: list[str] = []
    collected = problems
    problems = []
    renames: dict[str, str] = {}
    claimed: dict[str, str] = {}
    for column in frame.columns:
        if column.startswith(BREAKDOWN_PREFIX) and snake(column.removeprefix(BREAKDOWN_PREFIX)) in extra_dims:
            target = snake(column.removeprefix(BREAKDOWN_PREFIX))
        elif column.startswith("__") or column == CURRENCY_COLUMN:
            continue
        else:
            target = canonical_name(column, catalog, extra_dims)
        if target is None:
            continue
        if target in claimed:
            problems.append(Problem(f"{source}: columns '{claimed[target]}' and '{column}' both mean '{target}'; keep one"))
            continue
        claimed[target] = column
        if target != column:
            renames[column] = target
    if problems:
        raise ConfigError(problems)
    originals = dict(claimed)
    frame = frame.rename(renames)

    keep: dict[str, pl.Expr] = {}
    counts: list[str] = []
    unknown: list[str] = []
    tidy = _tidy_text(frame, [c for c in frame.columns if c in dimensions and c != "date"], locate, problems)
    schema = frame.schema  # made anew at each access: once, not once a column
    for column in frame.columns:
        if column.startswith("__"):
            keep[column] = pl.col(column)
        elif column == CURRENCY_COLUMN:
            keep[column] = pl.col(column).cast(pl.String).str.strip_chars().str.to_uppercase()
        elif column in tidy:
            keep[column] = pl.col(column).cast(pl.Categorical)
        elif column in dimensions:
            keep[column] = _dimension(frame, column, locate, problems)
        elif column in catalog.metrics and not catalog.metrics[column].derived:
            dtype = schema[column]
            if dtype == pl.String or dtype.is_numeric() or dtype == pl.Null:
                counts.append(column)
            else:
                kind = "true/false values" if dtype == pl.Boolean else str(dtype)
                problems.append(_at(locate(0, column), f"expected numbers, got {kind}"))
        elif column in catalog.metrics:
            metric = catalog.metrics[column]
            how = metric.formula or "a plugin formula"
            warnings.append(f"{source}: column '{originals.get(column, column)}' is ignored: {column} is derived ({how}) and is recomputed from the counts")
        else:
            unknown.append(column)
    warnings += _unknown_columns(unknown, catalog, source)
    # Every kind of problem is said at once (a bad date beside a bad count). A cell refused as an
    # ambiguous count or a percentage still reads as a number (1.2, 0.12): it is said once.
    if not decimal_stated:
        _locale_ambiguous(frame, [c for c in counts if catalog.metrics[c].unit == "count"], locate, problems)
    _percent_counts(frame, [c for c in counts if catalog.metrics[c].unit in ("count", "currency")], locate, problems)
    numbers = _numbers(frame, counts, locate, problems)
    if problems and (collected is None or not counts):  # without counts there are no rows to check on
        raise ConfigError(in_row_order(problems))
    if collected is not None:
        collected += problems
    if not counts:
        raise ConfigError(Problem(f"{source}: no metric columns found; expected counts such as impressions, clicks, sessions"))
    order = [c for c in frame.columns if c in keep or c in counts]
    if not keep:  # counts only, no dimension (one total row): a zero-column select would have no rows
        return numbers.select(order), warnings
    out = frame.select(list(keep.values()))
    return out.hstack(numbers.get_columns()).select(order), warnings


# Unknown columns named one by one, each with a did-you-mean; the rest in one line, unsuggested,
# so that a file or record with thousands of odd keys costs no more than this many look-ups.
UNKNOWN_COLUMNS_NAMED = 20


def _unknown_columns(columns: list[str], catalog: Catalog, source: str) -> list[str]:
    warnings = []
    known = list(catalog.metrics) + list(DIMENSIONS)
    for column in columns[:UNKNOWN_COLUMNS_NAMED]:
        hint = catalog.suggest(snake(column), known)
        warnings.append(f"{source}: column '{column}' is not a known metric or dimension and is ignored{hint}")
    rest = columns[UNKNOWN_COLUMNS_NAMED:]
    if rest:
        shown = ", ".join(f"'{c}'" for c in rest[:5]) + (", ..." if len(rest) > 5 else "")
        warnings.append(f"{source}: {len(rest)} more columns are not known metrics or dimensions and are ignored: {shown}")
    return warnings


def _tidy_text(frame: pl.DataFrame, columns: list[str], locate: Locator, problems: list[Problem]) -> set[str]:
    """The text columns among ``columns`` that :func:`_text_dimension` would leave as they are: no
    value with spaces around it, none empty. Asked of each column's distinct values (a few thousand
    campaigns in 10M rows), so a clean export is never copied: stripping every row of four
    dimensions was 1-2 s and a second copy of their text at 10M rows. A name longer than the
    ``data_name_chars`` limit is a problem naming its first row."""
    schema = frame.schema  # made anew at each access: once, not once a column
    text = [c for c in columns if schema[c] in (pl.String, pl.Categorical)]
    if not text or not frame.height:
        return set(text)
    distinct = frame.select(pl.col(c).unique().cast(pl.String).implode() for c in text)
    limit = current().data_name_chars
    tidy = set()
    for column in text:
        values = distinct.select(pl.col(column).explode())
        tidy_now, longest = values.select(_text_dimension(column).eq_missing(pl.col(column)).all(), pl.col(column).str.len_chars().max()).row(0)
        if tidy_now:
            tidy.add(column)
        if longest is not None and longest > limit:
            for row, value in _bad_rows(frame, pl.col(column).cast(pl.String).str.len_chars() > limit, column)[:1]:
                problems.append(_at(locate(row, column), f"a name of {len(value):,} characters (limit data_name_chars={limit:,}): "
                                                         f"{printable(value[:40], one_line=True)}...; is this the right column?"))
    return tidy


def _text_dimension(column: str) -> pl.Expr:
    """A text dimension's values as the engine keeps them: stripped, a blank value none."""
    text = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _dimension(frame: pl.DataFrame, column: str, locate: Locator, problems: list[Problem]) -> pl.Expr:
    dtype = frame.schema[column]
    if dtype == pl.Binary:  # bytes need not be text: cast, a name that is not UTF-8 stops the run
        problems.append(_at(locate(0, column), "holds bytes (a binary column), not text: write the names as a string column"))
        return pl.repeat(None, pl.len(), dtype=pl.String).alias(column)  # a row each: the row checks read on
    if column != "date":
        # Categorical, as every text dimension is kept (and read: _collect_needed).
        return _text_dimension(column).cast(pl.Categorical).alias(column)
    return _days(frame, column, locate, problems)


def _days(frame: pl.DataFrame, column: str, locate: Locator, problems: list[Problem], name: str | None = None) -> pl.Expr:
    """A column of dates (a row's first day, or its last) as Date, named ``name`` (the column's own
    by default, also in problems), with a problem for each cell that is no date or no plausible one."""
    name = name or column
    dtype = frame.schema[column]
    if dtype == pl.Date:
        return _plausible_days(frame, pl.col(column), name, locate, problems)
    if dtype == pl.Datetime:
        return _plausible_days(frame, pl.col(column).dt.date(), name, locate, problems)
    text = pl.col(column).cast(pl.String).str.strip_chars()
    # A timestamp such as 2026-07-01 00:00:00 or 2026-07-01T00:00:00Z counts for its day.
    day = pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]")).then(text.str.slice(0, 10)).otherwise(text)
    parsed = day.str.to_date("%Y-%m-%d", strict=False)
    mask = parsed.is_null() & text.is_not_null() & (text != "")
    bad = _bad_rows(frame, mask, column)
    for row, value in bad:
        problems.append(_at(locate(row, name), f"expected a date like 2026-07-01, got {value!r}"))
    if len(bad) == MAX_ROW_PROBLEMS and (total := frame.select(mask.sum()).item()) > len(bad):
        # How far it goes: one row mistyped, or the whole file written another way. Said after the
        # last row listed, where a reader of the list arrives.
        problems.append(_at(locate(bad[-1][0], name), f"{total:,} rows in all with a date not like 2026-07-01; the first {len(bad)} are listed"))
    return _plausible_days(frame, parsed, name, locate, problems)


# Dates a marketing export can hold. Polars keeps any day of ±5 million years, Python's dates
# only years 1 to 9999: a row dated 12026 would stop the run where a date is read back.
FIRST_DAY, LAST_DAY = (dt.date(1900, 1, 1) - dt.date(1970, 1, 1)).days, (dt.date(9999, 12, 31) - dt.date(1970, 1, 1)).days


def _plausible_days(frame: pl.DataFrame, day: pl.Expr, column: str, locate: Locator, problems: list[Problem]) -> pl.Expr:
    """``day``, with a problem for each row dated outside the years 1900 to 9999 (compared as
    days since 1970, which no date can overflow)."""
    days = day.cast(pl.Int32)
    out = days.is_not_null() & ((days < FIRST_DAY) | (days > LAST_DAY))
    if not frame.select(out.any()).item():  # one pass, no row numbers, on every dated source
        return day.alias(column)
    bad = frame.with_row_index("__row").filter(out).select("__row", days.alias("__days")).head(MAX_ROW_PROBLEMS)
    for row, count in bad.iter_rows():
        year = 1970 + int(count // 365.2425)
        problems.append(_at(locate(int(row), column), f"a date in the year {year} is not plausible: expected a year from 1900 to 9999"))
    return day.alias(column)


def plain_numbers(frame: pl.DataFrame, columns: Sequence[str]) -> set[str]:
    """Text columns whose every cell already reads as a plain number: they need no cleaning.

    One cheap cast per column decides; the regular-expression cleaning of
    :func:`number_text` only runs on columns that need it.
    """
    schema = frame.schema  # made anew at each access: once, not once a column
    text = [c for c in columns if schema[c] == pl.String]
    if not text or frame.height == 0:
        return set(text)
    row = frame.select(
        [(pl.col(c).cast(pl.Float64, strict=False).null_count() == pl.col(c).null_count()).alias(c) for c in text]
    ).row(0, named=True)
    return {c for c, plain in row.items() if plain}


# "1.200" in a count: 1200 with a German thousands dot, or 1.2? A count has no fraction,
# so this shape is refused unless the source says how it writes decimals.
THOUSANDS_DOT = r"^[+-]?\d{1,3}(\.\d{3})+$"


def _locale_ambiguous(frame: pl.DataFrame, counts: list[str], locate: Locator, problems: list[Problem]) -> None:
    schema = frame.schema  # made anew at each access: once, not once a column
    text = [c for c in counts if schema[c] == pl.String]
    if not text:
        return
    masks = frame.select([pl.col(c).str.strip_chars().str.contains(THOUSANDS_DOT).fill_null(False).alias(c) for c in text])
    for column in text:
        mask = masks.get_column(column)
        for row in mask.arg_true().head(MAX_ROW_PROBLEMS).to_list():
            value = str(frame.get_column(column)[row]).strip()
            as_thousands = value.replace(".", "")
            problems.append(_at(locate(row, column), (
                f"{value!r} is ambiguous in a count: {int(as_thousands)} with a thousands dot, or {float(value):g}? "
                "set options: {decimal_comma: true} if the file writes 1.234,5, or {decimal_comma: false} if it writes 1,234.5"
            )))


def _percent_counts(frame: pl.DataFrame, counts: list[str], locate: Locator, problems: list[Problem]) -> None:
    """"50%" in a count or money column is a ratio in the wrong column, not 0.5 clicks."""
    schema = frame.schema  # made anew at each access: once, not once a column
    text = [c for c in counts if schema[c] == pl.String]
    if not text:
        return
    masks = frame.select([pl.col(c).str.strip_chars().str.ends_with("%").fill_null(False).alias(c) for c in text])
    for column in text:
        for row in masks.get_column(column).arg_true().head(MAX_ROW_PROBLEMS).to_list():
            value = str(frame.get_column(column)[row]).strip()
            problems.append(_at(locate(row, column), f"expected a count, got a percentage {value!r}; is this a rate in the wrong column?"))


def _negative_or_not_finite(column: str, *, finite: bool = False) -> pl.Expr:
    """Whether a count column has a negative, NaN or infinite cell, as two reductions (a third of
    the time of a mask a cell): a NaN or an infinity makes the sum NaN or infinite, a negative cell
    the minimum negative. A finite sum too large to hold only sends a clean column to its own
    checks, which find nothing. ``finite``: the column cannot hold a NaN or an infinity (integers),
    so only its sign is asked."""
    negative = (pl.col(column).min() < 0).fill_null(False)
    return negative if finite else negative | ~pl.col(column).sum().is_finite()


def _columns_in_doubt(frame: pl.DataFrame, numbers: pl.DataFrame, counts: list[str]) -> list[str]:
    """The count columns with a cell that is unreadable, not finite or negative, from one query
    (each column's own checks below are several small queries, too many on every warm evaluate)."""
    if not counts:
        return []
    # A cell that is a number already reads as one: only text (and null-typed) cells can be unreadable.
    schema = frame.schema  # made anew at each access: once, not once a column
    raw = {c: f"__raw{i}" for i, c in enumerate(counts) if not schema[c].is_numeric()}
    cells = frame.select([pl.col(c).alias(name) for c, name in raw.items()])
    both = pl.concat([numbers.select(counts), cells], how="horizontal") if raw else numbers.select(counts)
    flags = []
    for column in counts:
        bad = _negative_or_not_finite(column)
        if column in raw:
            cell = pl.col(raw[column])
            unread = pl.col(column).is_null() & cell.is_not_null()
            if schema[column] == pl.String:
                unread = unread & ~cell.str.strip_chars().is_in(NULL_TOKENS)
            bad = unread.any() | bad
        flags.append(bad.alias(column))
    row = both.select(flags).row(0, named=True)
    return [column for column in counts if row[column]]


def _numbers(frame: pl.DataFrame, counts: list[str], locate: Locator, problems: list[Problem]) -> pl.DataFrame:
    """All count columns as Float64 (or Float32, as held.py holds whole counts) in one pass,
    checked: numeric, finite, non-negative."""
    plain = plain_numbers(frame, counts)
    schema = frame.schema  # made anew at each access: once, not once a column
    exprs = []
    for column in counts:
        col = pl.col(column)
        if schema[column] == pl.String and column not in plain:
            exprs.append(number_text(col).cast(pl.Float64, strict=False).alias(column))
        elif schema[column] == held.HELD:
            exprs.append(col)  # read as Float32, each value exact in it (held.py)
        else:
            exprs.append(col.cast(pl.Float64, strict=False).alias(column))
    numbers = frame.select(exprs)
    checks = []
    for column in _columns_in_doubt(frame, numbers, counts):
        value = numbers.get_column(column)
        raw = frame.get_column(column)
        unread = value.is_null() & raw.is_not_null()
        if raw.dtype == pl.String:
            unread = unread & ~raw.str.strip_chars().is_in(NULL_TOKENS)
        checks.append((column, unread, value.is_nan() | value.is_infinite(), (value < 0).fill_null(False)))
    for column, unread, invalid, negative in checks:
        for mask, message in (
            (unread, "expected a non-negative number, got {value!r}"),
            (invalid.fill_null(False), "expected a finite number, got {value!r}"),
            (negative, "counts cannot be negative, got {value!r}"),
        ):
            if not mask.any():
                continue
            for row in mask.arg_true().head(MAX_ROW_PROBLEMS).to_list():
                value = frame.get_column(column)[row]
                hint = ""
                if mask is unread and re.fullmatch(r"[\d.]*\d,\d+", str(value).strip()):
                    hint = "; for decimal commas set options: {decimal_comma: true}"
                problems.append(_at(locate(row, column), message.format(value=value) + hint))
    if checks:
        # A cell said here is no value to the row checks that read on (a negative count is not
        # also "below" its part).
        numbers = numbers.with_columns(pl.when(pl.lit(invalid.fill_null(False) | negative)).then(None).otherwise(pl.col(column)).alias(column)
                                       for column, _, invalid, negative in checks)
    return numbers


def in_row_order(problems: list[Problem]) -> list[Problem]:
    """Top to bottom, as a user fixes a file (records and API rows by their place, as their paths
    say: ``data[0].records[3]``); a row's problems in the order they were found."""
    def place(problem: Problem) -> tuple:
        if problem.line is not None:
            return (problem.line,)
        return tuple(int(n) for n in re.findall(r"\d+", problem.path))
    return sorted(problems, key=place)


def _at(problem: Problem, message: str) -> Problem:
    return Problem(message=message, file=problem.file, line=problem.line, path=problem.path)


def check_record_keys(records: Sequence[Any], locate: Locator) -> None:
    """Refuse records that name more different keys than ``data_columns``, before a frame is
    built: the frame is rows x every key any record names, so 2,500 records of 8 keys each
    of their own would be a 2,500 x 20,000 frame. Stops at the first key over the limit."""
    limit = current().data_columns
    keys: set[Any] = set()
    for row, record in enumerate(records):
        if not isinstance(record, Mapping):
            continue
        for key in record:
            if key not in keys:
                if str(key).startswith("__"):
                    raise ConfigError(_at(locate(row, str(key)), "names that start with __ are kpi-advisor's own; rename the key"))
                keys.add(key)
                if len(keys) > limit:
                    raise ConfigError(_at(locate(row, str(key)), f"too many columns: the records name more than {limit} different keys (limit data_columns={limit})"))


def _written_day(records: Sequence[Any]) -> Sequence[Any]:
    """A timestamp with an offset counts for the day written in it, as the same text in a CSV
    does (polars would move it to its UTC day): the offset is dropped, the clock time kept."""
    if not any(isinstance(r, Mapping) and getattr(r.get("date"), "tzinfo", None) is not None for r in records):
        return records
    return [
        {**r, "date": r["date"].replace(tzinfo=None)} if isinstance(r, Mapping) and getattr(r.get("date"), "tzinfo", None) is not None else r
        for r in records
    ]


def _surrogate_cell(records: Sequence[Any]) -> tuple[int, str] | None:
    """The first record and key holding a lone surrogate (JSON's "\\ud800"), which no text
    encoding can carry; only called once building the frame has failed on one."""
    for row, record in enumerate(records):
        if not isinstance(record, Mapping):
            continue
        for key, value in record.items():
            for text in (key, value):
                if isinstance(text, str) and any("\ud800" <= c <= "\udfff" for c in text):
                    return row, printable(str(key), one_line=True)
    return None


def records_frame(records: Sequence[dict[str, Any]], where: str, locate: Locator | None = None) -> pl.DataFrame:
    """Inline records to a frame; values that do not fit one column type stay text, to be named later."""
    try:
        return _records_frame(records)
    except UnicodeEncodeError:
        found = _surrogate_cell(records)
        if found is None:
            raise
        row, key = found
        message = "text with a lone surrogate (such as \\ud800) is not valid Unicode; send the text as UTF-8"
        if locate is not None:
            raise ConfigError(_at(locate(row, key), message)) from None
        raise ConfigError(Problem(message, path=f"{where}[{row}].{key}")) from None


def _records_frame(records: Sequence[dict[str, Any]]) -> pl.DataFrame:
    records = _written_day(records)
    try:
        return pl.from_dicts(list(records), infer_schema_length=None)
    except Exception:  # noqa: BLE001 - mixed types: fall back to text and let normalise() name the cells
        columns = list(dict.fromkeys(key for record in records for key in record))
        return pl.from_dicts(
            [{key: None if record.get(key) is None else str(record.get(key)) for key in columns} for record in records],
            schema={key: pl.String for key in columns},
        )


def _with_constants(frame: pl.DataFrame, options: Mapping[str, Any]) -> pl.DataFrame:
    """``channel: facebook`` (and account, region) in a source's options set that dimension on every row."""
    constants = {dim: str(options[dim]) for dim in CONSTANT_DIMENSIONS if options.get(dim) not in (None, "")}
    return frame.with_columns([pl.lit(value, dtype=pl.String).alias(dim) for dim, value in constants.items()]) if constants else frame


def _recode(frame: pl.DataFrame, options: Mapping[str, Any], source: str) -> pl.DataFrame:
    """``recode: {campaign: {summer_sale: Summer Sale}}`` renames dimension values so sources line up."""
    recode = options.get("recode") or {}
    if not isinstance(recode, Mapping):
        raise ConfigError(Problem(f"{source}: options.recode: expected a mapping of dimension -> {{old value: new value}}"))
    exprs = []
    for dim, mapping in recode.items():
        if dim not in DIMENSIONS or dim == "date" or not isinstance(mapping, Mapping):
            raise ConfigError(Problem(f"{source}: options.recode.{dim}: expected one of {', '.join(d for d in DIMENSIONS if d != 'date')} with a mapping of old -> new values"))
        if dim in frame.columns:
            exprs.append(pl.col(dim).cast(pl.String).replace({str(k): str(v) for k, v in mapping.items()}).cast(pl.Categorical))
    return frame.with_columns(exprs) if exprs else frame


def _aggregations(counts: list[str], catalog: Catalog) -> list[pl.Expr]:
    aggs = []
    for column in counts:
        # Breakdowns of one scope and date are disjoint parts of it: they add up, whatever the count
        # combines like across dates (docs/custom-metrics.md); only a per-row average is averaged.
        col = held.number(column)
        value = col.mean() if catalog.metrics[column].combine == "mean" else col.sum()
        aggs.append(pl.when(col.count() > 0).then(value).otherwise(None).alias(column))
    return aggs


def _places(rows: Sequence[int], locate: Locator) -> str:
    """'lines 4 and 9' where the source has line numbers, else 'rows 1 and 3'."""
    lines = [locate(row, "").line for row in rows]
    if all(line is not None for line in lines):
        return "lines " + " and ".join(str(line) for line in lines)
    return "rows " + " and ".join(str(row + 1) for row in rows)


def _scope_text(row: Mapping[str, Any], dims: Sequence[str]) -> str:
    return ", ".join(f"{d}={'(none)' if row[d] is None else row[d]}" for d in dims) or "all data"


def prepare_source(
    frame: pl.DataFrame,
    catalog: Catalog,
    locate: Locator,
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    repeats: str = "error",
    cells_as_written: bool = True,
    extra_dims: tuple[str, ...] = (),
    takes_options: bool = True,
) -> tuple[Source, list[str]]:
    """Normalise one source, sum its breakdowns, and refuse repeated scopes (``repeats="error"``)
    or add them up with a warning (``"sum"``; ``options.duplicates`` overrides).

    ``cells_as_written``: the count cells are text as the file or record wrote it, so a count
    written ``1.200`` is ambiguous; a platform adapter reads its own locale and may compute
    counts (GA4's bounces from its rate), and says False. ``takes_options``: a file, whose
    ``options:`` a message may point to (records and API rows have none)."""
    options = dict(options or {})
    options.setdefault("duplicates", repeats)
    if options["duplicates"] not in ("error", "sum"):
        raise ConfigError(Problem(f"{name}: options.duplicates must be 'error' or 'sum', got {options['duplicates']!r}"))
    frame = _with_constants(frame, options)
    if LINE_COLUMN in frame.columns:
        locate = _by_line(frame.get_column(LINE_COLUMN), locate, name)
    # Every problem of the source in one run: its cells', then its rows' (a part above its whole,
    # an end date before its start), read on past an unreadable cell (no value there).
    problems: list[Problem] = []
    frame, warnings = normalise(frame, catalog, locate, name, decimal_stated=not cells_as_written or decimal_comma_from(options) is not None,
                                extra_dims=extra_dims, problems=problems)
    # A date that could not be read is no date: the check for undated rows waits until it is.
    warnings += plausibility.check_rows(frame, [c for c in frame.columns if c in catalog.metrics], locate, name, problems=problems,
                                        undated=not problems, takes_options=takes_options)
    frame = _last_days(frame, locate, problems)
    if problems:
        raise ConfigError(in_row_order(problems))
    frame = _recode(frame, options, name)
    # Counts derived from their parts (engagements, replies within the hour), before repeats add up.
    frame, derived = derive_counts(frame)
    warnings += [f"{name}: {note}" for note in derived]
    currency, currency_from = _source_currency(frame, options, name)
    dimensions = DIMENSIONS + tuple(d for d in extra_dims if d not in DIMENSIONS)
    dims = [d for d in dimensions if d in frame.columns and frame.get_column(d).null_count() < frame.height]
    counts = [c for c in frame.columns if c in catalog.metrics]
    breakdowns = [c for c in frame.columns if c.startswith(BREAKDOWN_PREFIX)]

    frame = _drop_subtotals(frame, dims, [d for d in dims if d in SEGMENT_DIMENSIONS or d in extra_dims], name, warnings)
    _check_repeats(frame, dims + breakdowns, locate, name, options, warnings)
    spans = [LAST_DAY_COLUMN] if LAST_DAY_COLUMN in frame.columns else []
    if options.get("duplicates") == "sum" or breakdowns:
        before = frame.height
        aggregations = _aggregations(counts, catalog) + [pl.col(c).max() for c in spans]
        frame = frame.group_by(dims, maintain_order=True).agg(aggregations) if dims else frame.select(aggregations)
        if breakdowns and frame.height < before:
            labels = ", ".join(b.removeprefix(BREAKDOWN_PREFIX) for b in breakdowns)
            warnings.append(f"{name}: summed {before} rows into {frame.height} over {labels} (a breakdown kpi-advisor does not report)")
    frame = held.hold(frame.select(dims + counts + spans), counts, {c: catalog.metrics[c].unit for c in counts})
    return Source(name=name, frame=frame, dims=dims, counts=counts, currency=currency, currency_from=currency_from), warnings


def _last_days(frame: pl.DataFrame, locate: Locator, problems: list[Problem]) -> pl.DataFrame:
    """A reader's last day of each row (``LAST_DAY_COLUMN``) as a date, never before the row's own;
    a blank cell says the row covers its own day. A last day that is no date, or is before the
    row's own, is a problem naming the row: read as the row's day, a quarter's counts would fall
    on one day. Without dated rows there is nothing for it to extend."""
    if LAST_DAY_COLUMN not in frame.columns:
        return frame
    if "date" not in frame.columns:
        return frame.drop(LAST_DAY_COLUMN)
    name = "end date"  # the column a user knows it by: Reporting ends (Meta), End Date (LinkedIn)
    day = _days(frame, LAST_DAY_COLUMN, locate, problems, name)
    # A day outside the years 1900-9999 is said once, above, not again as before its row's first day.
    before = ((day < pl.col("date")) & day.cast(pl.Int32).is_between(FIRST_DAY, LAST_DAY)).fill_null(False)
    if frame.select(before.any()).item():
        bad = frame.with_row_index("__row").filter(before).select("__row", "date", day.alias("__end")).head(MAX_ROW_PROBLEMS)
        for row, start, end in bad.iter_rows():
            problems.append(_at(locate(int(row), name), f"{end} is before the row's first day {start}; expected the last day it covers"))
    return frame.with_columns(pl.max_horizontal(day, pl.col("date")).alias(LAST_DAY_COLUMN))


def _drop_subtotals(frame: pl.DataFrame, dims: list[str], segments: list[str], name: str, warnings: list[str]) -> pl.DataFrame:
    """Rows that are the sum of other rows of the same source: an export that lists an ad's total
    (no age) beside its rows per age, or a gender total beside women and men of one age group.

    A row is a subtotal when another row of the same scope (every dimension that is not a
    segment) agrees on each segment the row names and names a segment the row leaves empty.
    Summing both would count the ad twice, so the subtotal goes. One pass per pattern of empty
    segments (a handful), each a semi-join: no loop over rows.
    """
    if not segments or frame.height < 2:
        return frame
    scope = [d for d in dims if d not in segments]
    frame = frame.with_row_index("__subtotal_row")
    filled = pl.struct([pl.col(d).is_not_null().alias(d) for d in segments])
    patterns = frame.select(filled.alias("p")).unique().get_column("p").to_list()
    dropped: list[pl.Series] = []
    for pattern in patterns:
        named = [d for d in segments if pattern[d]]
        empty = [d for d in segments if not pattern[d]]
        if not empty:
            continue
        mine = pl.all_horizontal([pl.col(d).is_not_null() if pattern[d] else pl.col(d).is_null() for d in segments])
        rows = frame.filter(mine)
        finer = frame.filter(pl.all_horizontal([pl.col(d).is_not_null() for d in named] or [pl.lit(True)])
                             & pl.any_horizontal([pl.col(d).is_not_null() for d in empty]))
        on = scope + named
        if finer.is_empty():
            continue
        hits = rows.join(finer.select(on).unique(), on=on, how="semi", nulls_equal=True) if on else rows
        if hits.height:
            dropped.append(hits.get_column("__subtotal_row"))
    if not dropped:
        return frame.drop("__subtotal_row")
    gone = pl.concat(dropped).unique()
    warnings.append(
        f"{name}: left out {gone.len()} subtotal row{'s' if gone.len() != 1 else ''} (no {' or '.join(segments)} given, where the same "
        f"scope also has rows per {' and '.join(segments)}), so nothing is counted twice"
    )
    return frame.join(gone.to_frame(), on="__subtotal_row", how="anti").sort("__subtotal_row").drop("__subtotal_row")


def _source_currency(frame: pl.DataFrame, options: Mapping[str, Any], name: str) -> tuple[str | None, str]:
    declared = options.get("currency")
    found: list[str] = []
    if CURRENCY_COLUMN in frame.columns:
        found = [c for c in frame.get_column(CURRENCY_COLUMN).drop_nulls().unique().sort().to_list() if c]
    bad = [c for c in found if not re.fullmatch(r"[A-Z]{3}", c)]
    if bad:
        raise ConfigError(Problem(f"{name}: currency {bad[0]!r} is not a three-letter ISO code such as EUR or USD"))
    if len(found) > 1:
        raise ConfigError(Problem(f"{name}: amounts are in several currencies ({', '.join(found)}); export one currency per source"))
    if declared is not None:
        declared = str(declared).strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", declared):
            raise ConfigError(Problem(f"{name}: options.currency {declared!r} is not a three-letter ISO code such as EUR or USD"))
        if found and found[0] != declared:
            raise ConfigError(Problem(f"{name}: options.currency says {declared} but the export's amounts are in {found[0]}"))
        return declared, "options.currency"
    if found:
        return found[0], "the export"
    return None, ""


def _by_line(lines: pl.Series, locate: Locator, name: str) -> Locator:
    """A locator that names the file's own line of a row (readers that skip banner lines know it)."""

    def located(row: int, column: str) -> Problem:
        where = locate(row, column)
        line = lines[row]
        return Problem("", file=where.file or name, line=int(line) if line is not None else where.line, path=column)

    return located


def _check_repeats(
    frame: pl.DataFrame, key: list[str], locate: Locator, name: str, options: Mapping[str, Any], warnings: list[str]
) -> None:
    """Rows that repeat a scope and date would be counted twice: an error, unless summing is asked for."""
    if frame.height < 2:
        return
    if key:
        # As many distinct row hashes as rows proves there is no repeat, at a quarter of the time
        # of hashing a struct of the key (0.05 s against 0.19 s, and 19 MiB against 131 MiB, at 1M
        # rows); equal hashes (a repeat, or a rare collision) get the exact count.
        # Dimensions are hashed by their category codes, one to one with their names within a
        # column, and a fifth cheaper to hash than the names (0.021 s against 0.025 s at 1M rows).
        if frame.select(pl.col(k).to_physical() for k in key).hash_rows().n_unique() == frame.height:
            return
        mask = pl.struct(key).is_duplicated()
        repeats = frame.select(mask.sum()).item()
    else:
        repeats = frame.height
    if not repeats:
        return
    if options.get("duplicates") == "sum":
        warnings.append(f"{name}: {repeats} rows repeat a scope and date and were added up")
        return
    shown = [k for k in key if not k.startswith(BREAKDOWN_PREFIX)]
    if key:
        groups = (
            frame.with_row_index("__row")
            .filter(mask)
            .group_by(key, maintain_order=True)
            .agg(pl.col("__row"))
            .head(MAX_EXAMPLES)
        )
        examples = [(dict(zip(key, row[:-1])), row[-1]) for row in groups.iter_rows()]
    else:
        examples = [({}, list(range(min(frame.height, 5))))]
    problems = []
    for scope, rows in examples:
        where = locate(rows[0], shown[0] if shown else "")
        places = _places(rows[:5], locate)
        label = ", ".join(f"{k.removeprefix(BREAKDOWN_PREFIX)}={'(none)' if v is None else v}" for k, v in scope.items()) or "the whole source (no dimension columns)"
        prefix = "" if where.file else f"{name}: "
        problems.append(
            Problem(
                f"{prefix}{label} appears more than once ({places}); each scope and date must appear once. "
                "Remove the repeats, or set options: {duplicates: sum} if the rows are parts to add up",
                file=where.file,
                line=where.line,
            )
        )
    raise ConfigError(problems)


# --- all sources ------------------------------------------------------------------------


def load_dataset(
    config: ClientConfig,
    catalog: Catalog,
    base_dir: Path,
    *,
    locate_record: Callable[[int, int, str], Problem] | None = None,
    extra: pl.DataFrame | None = None,
) -> Dataset:
    """All sources of a config (plus ``extra`` rows from the API) as one frame."""
    sources: list[Source] = []
    warnings: list[str] = []
    check_count("data_sources", len(config.data) + (extra is not None), "data sources", path="data")
    # Segments the config names beyond the known dimensions: columns kept as dimensions (generic CSV).
    extra_dims = tuple(s for s in config.segments if s not in DIMENSIONS)
    defaults: list[str] = []
    rows = 0
    empty: list[str] = []
    problems: list[Problem] = []
    for index, source in enumerate(config.data):
        # A bad source does not hide the next one's problems: every file's are said in one run.
        try:
            if isinstance(source, RecordsSource):
                name = source.name or f"data[{index}].records"
                if not source.records:
                    continue
                options: Mapping[str, Any] = {}

                def locate(row: int, column: str, index=index) -> Problem:
                    if locate_record is not None:
                        return locate_record(index, row, column)
                    return Problem("", path=f"data[{index}].records[{row}].{column}")

                check_record_keys(source.records, locate)
                frame = records_frame(source.records, name, locate)

            elif isinstance(source, SparkSource):
                raise ConfigError(Problem("a spark source is read by the Spark engine: run with --engine spark, or use kpi_advisor.spark", path=f"data[{index}].spark"))
            else:
                budget = max(current().data_rows - rows, 0)
                frame, name, locate, source_warnings, options = _read_file(source, catalog, base_dir, budget, extra_dims)
                defaults += getattr(catalog.formats[source.format], "segments", ())
                warnings += source_warnings
                if frame.height == 0:
                    # A header without rows: an export of a paused account, say. Nothing to add up.
                    warnings.append(f"{name}: no data rows below the header; skipped")
                    empty.append(name)
                    continue
            files.check_row_count(frame.height, rows, name, partial=not isinstance(source, RecordsSource))
            rows += frame.height
            # Hand-written records and API frames are often assembled from parts: their repeats are
            # summed, with a warning. An export never repeats a row, so a repeat there is an error.
            repeats = "sum" if isinstance(source, RecordsSource) else "error"
            as_written = isinstance(source, RecordsSource) or catalog.origins.get(f"format:{source.format}") == "formats" and source.format == "generic"
            prepared, source_warnings = prepare_source(frame, catalog, locate, name, options, repeats=repeats, cells_as_written=as_written,
                                                       extra_dims=extra_dims, takes_options=not isinstance(source, RecordsSource))
            warnings += source_warnings
            sources.append(prepared if not isinstance(source, RecordsSource) else replace(prepared, from_file=False))
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    if extra is not None:
        files.check_row_count(extra.height, rows, "data")
        prepared, source_warnings = prepare_source(
            extra, catalog, lambda row, column: Problem("", path=f"data row {row}, column {column}"), "data", repeats="sum",
            extra_dims=extra_dims, takes_options=False,
        )
        warnings += source_warnings
        sources.append(replace(prepared, from_file=False))
    if config.period is not None and sources:
        sources = _within_period(sources, config.period.start, config.period.end, warnings)
    if not sources:
        if empty:
            raise ConfigError(Problem(f"no data: {', '.join(empty)} {'has' if len(empty) == 1 else 'have'} a header but no data rows", path="data"))
        raise ConfigError(Problem("no data: add rows under data: (records, csv, parquet or excel)", path="data"))
    sources = _join_the_only_account(sources, warnings)
    sources = _follow_finer_channels(sources, {finer: coarse for fmt in catalog.formats.values() for finer, coarse in fmt.channels}, warnings)
    currency = _check_currencies(sources, config)
    _check_overlaps(sources)
    spanning = [_spans_days(s) for s in sources]  # asked once a source, not once a pair
    warnings += alignment_warnings(sources, spanning)
    warnings += plausibility.undated_sources([(s.name, "date" in s.dims) for s in sources])
    # A day's grace: an account in a time zone ahead of this machine's exports its today as tomorrow.
    warnings += _future_rows(sources, dt.date.today() + dt.timedelta(days=1))
    ends = [s.frame.get_column(LAST_DAY_COLUMN).max() for s in sources if LAST_DAY_COLUMN in s.frame.columns]
    last_day = max((day for day in ends if day is not None), default=None)
    spans = any(spanning)
    frames = [s.frame for s in sources]
    frame = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    dims = [d for d in DIMENSIONS + extra_dims if d in frame.columns]
    # Counts in the catalogue's order, not the order columns happen to come in: the report lists
    # metrics in this order, and the same data must give the same report byte for byte.
    frame = frame.select(dims + [m for m in catalog.metrics if m in frame.columns and m not in dims])
    if len(frames) > 1 or any(d in SEGMENT_DIMENSIONS or d in config.segments for d in dims):
        # One chunk per column where later steps window over every row (segment tables, cells of
        # several sources): a reader leaves several chunks (one per row group or thread), and each
        # such window copied the whole frame into one chunk again. Other data is only grouped,
        # which reads chunks as they are: copying it cost ~25% more peak memory (campaigns at 1M).
        frame = frame.rechunk()
    counts = [c for c in frame.columns if c not in dims]
    warnings += _missing_segments(config.segments, dims)
    return Dataset(frame=frame, dims=dims, counts=counts, warnings=warnings, currency=currency, segments=tuple(config.segments),
                   default_segments=tuple(dict.fromkeys(defaults + list(SEGMENT_DIMENSIONS))), unique_rows=len(frames) == 1,
                   last_day=last_day, spans_days=spans, unnamed=_unnamed(sources, dims))


def _unnamed(sources: list[Source], dims: list[str]) -> dict[str, frozenset[str]]:
    """:attr:`Dataset.unnamed`: per dimension, the counts a source gives only on rows without it.
    A source that names a dimension on every row (most exports) costs no pass over its rows."""
    out: dict[str, set[str]] = {d: set() for d in dims}
    for source in sources:
        frame = source.frame
        nulls = frame.select(pl.col(c).null_count() for c in [*source.dims, *source.counts]).row(0) if frame.width else ()
        partly = [d for d, empty in zip(source.dims, nulls) if empty]
        given = [c for c, empty in zip(source.counts, nulls[len(source.dims):]) if empty < frame.height]  # a column of no values gives nothing
        for d in dims:
            if d not in source.dims:
                out[d].update(given)
        if not partly or not given:
            continue
        named = frame.select(
            (pl.col(c).is_not_null() & pl.col(d).is_not_null()).any().alias(f"{d}\0{c}") for d in partly for c in given
        ).row(0, named=True)
        for key, seen in named.items():
            if not seen:
                d, c = key.split("\0")
                out[d].add(c)
    return {d: frozenset(counts) for d, counts in out.items()}


def _future_rows(sources: list[Source], today: dt.date) -> list[str]:
    """A warning per source with rows dated (or running) past ``today`` (the caller's, with its
    grace): an export holds days that have passed, so such a date is mistyped (2099 for 2026), and
    it stretches the report's period and its trends to it. One pass over the dates where the
    latest is in the future."""
    warnings = []
    for source in sources:
        ends = [c for c in ("date", LAST_DAY_COLUMN) if c in source.frame.columns]
        if not ends:
            continue
        last = pl.max_horizontal([pl.col(c) for c in ends])
        latest = source.frame.select(last.max()).item()
        if latest is None or latest <= today:
            continue
        count = source.frame.select((last > today).sum()).item()
        warnings.append(f"{source.name}: {count} row{'s' if count != 1 else ''} {'are' if count != 1 else 'is'} dated after "
                        f"{today}, up to {latest}: an export holds days that have passed; check those dates (a mistyped year?)")
    return warnings


def _within_period(sources: list[Source], start: dt.date, end: dt.date, warnings: list[str]) -> list[Source]:
    """The sources' rows dated inside the config's period: the report states the period, so its
    totals, findings and money are over that period and no other. Rows outside it are left out
    with a warning naming how many and their dates; undated rows cannot be placed and stay (the
    undated-source warning says so). A period that leaves no row is an error, not an empty report
    (:class:`NoDataInPeriod`, which Spark turns into a skipped group)."""
    kept: list[Source] = []
    outside: list[str] = []
    spans: list[tuple[dt.date, dt.date, float | None]] = []  # per dated source kept: its first and last date inside, its step
    date = pl.col("date")
    for source in sources:
        if "date" not in source.dims:
            kept.append(source)
            continue
        # A row covers its date to its last day (LAST_DAY_COLUMN, where a reader gives it): it
        # belongs to the period when the two overlap, and one that runs across an edge stays whole.
        last_day = pl.col(LAST_DAY_COLUMN) if LAST_DAY_COLUMN in source.frame.columns else date
        overlaps = (date <= end) & (last_day >= start)
        across = overlaps & ((date < start) | (last_day > end))
        (early, late, first, last, first_in, last_in, step, spanning, span_from, span_to, before, after) = source.frame.select(  # one query per source: a service's warm path
            (last_day < start).sum().alias("early"), (date > end).sum().alias("late"), date.min().alias("first"), last_day.max().alias("last"),
            pl.max_horizontal(date, pl.lit(start)).filter(overlaps).min().alias("first_in"),
            pl.min_horizontal(last_day, pl.lit(end)).filter(overlaps).max().alias("last_in"),
            date.filter(overlaps).unique().sort().diff().dt.total_days().median().alias("step"),
            across.sum().alias("spanning"), date.filter(across).min().alias("span_from"), last_day.filter(across).max().alias("span_to"),
            (across & (date < start)).any().alias("before"), (across & (last_day > end)).any().alias("after"),
        ).row(0)
        if spanning:
            # Meta's Reporting starts and ends over a quarter, and a period of one month: the counts
            # cannot be split by day, so they stay whole, and the report says so.
            edge = "edges" if before and after else "start" if before else "end"
            one = spanning == 1
            warnings.append(f"{source.name}: {spanning} row{'' if one else 's'} run{'s' if one else ''} across the period's {edge} "
                            f"({span_from} to {span_to}): {'its' if one else 'their'} counts include days outside {start} to {end}, "
                            "which cannot be split off. Export the period's days alone (a day breakdown, or reporting dates within the period)")
        if early or late:
            outside.append(source.name)
            span = f"{first} to {last}" if first is not None else "no dates"
            left = f"{early} before {start}" if early else ""
            left += (" and " if left and late else "") + (f"{late} after {end}" if late else "")
            if early + late == source.frame.height:
                rows = "its row is" if source.frame.height == 1 else f"all {source.frame.height} rows are"
                warnings.append(f"{source.name}: {rows} dated outside the period {start} to {end} (from {span}): left out")
                continue
            warnings.append(f"{source.name}: {early + late} of {source.frame.height} rows are dated outside the period "
                            f"{start} to {end} ({left}); left out, so totals, trends and comparisons cover the period only "
                            f"(widen period: to compare with earlier months)")
            source = replace(source, frame=source.frame.filter(date.is_null() | overlaps))
        if first_in is not None:
            spans.append((first_in, last_in, step))
        kept.append(source)
    if not kept:  # every source was dated, and wholly outside
        raise NoDataInPeriod(Problem(
            f"no data in the period {start} to {end}: every row of {', '.join(outside)} is dated outside it; "
            "change period: in the config, or give data for it", path="period"))
    warnings += _coverage(spans, start, end)
    return kept


def _join_the_only_account(sources: list[Source], warnings: list[str]) -> list[Source]:
    """Sources without an account (a GA4 property, a CRM export) beside sources that name one
    (an ad platform's Account name): every level under the account would split them from the
    ads, the campaign's clicks under "Acme" and its visits under account "(none)", and no ratio
    across them would meet. Where the others name exactly one account, the rows join it, with a
    note; where they name several, the rows cannot be placed, and a warning says how to."""
    named = [s for s in sources if "account" in s.dims]
    unnamed = [s for s in sources if "account" not in s.dims]
    if not named or not unnamed:
        return sources
    accounts = sorted({str(a) for s in named for a in s.frame.get_column("account").drop_nulls().unique().to_list()})
    names = ", ".join(s.name for s in unnamed)
    one = len(unnamed) == 1
    # Rows of the named sources without an account are one more account ("(none)"): which of
    # the two the others' rows belong to cannot be told.
    blank = any(s.frame.get_column("account").null_count() for s in named)
    if len(accounts) != 1 or blank:
        shown = ", ".join(accounts[:3]) + (", ..." if len(accounts) > 3 else "")
        empty = f" and leave{'s' if len(named) == 1 else ''} it empty on some rows" if blank else ""
        warnings.append(f"{names}: no account, while {', '.join(s.name for s in named)} name{'s' if len(named) == 1 else ''} {len(accounts)} "
                        f"({shown}){empty}: {'its' if one else 'their'} rows stand as account (none), apart from every account's channels and "
                        "campaigns; give each source its account (options: {account: <name>}, or an account key on each record)")
        return sources
    account = accounts[0]
    warnings.append(f"{names}: no account; {'its' if one else 'their'} rows join {account}, the one account the other sources name")
    value = pl.lit(account, dtype=pl.String).cast(pl.Categorical).alias("account")
    return [s if "account" in s.dims else replace(s, frame=s.frame.with_columns(value), dims=["account", *s.dims]) for s in sources]


def _follow_finer_channels(sources: list[Source], finer: Mapping[str, str], warnings: list[str]) -> list[Source]:
    """Rows of a campaign that one source can only name under a coarse channel (GA4's google / cpc
    is google_ads) where another source names the campaign's finer one (Google Ads' Performance Max
    campaigns are google_pmax, ``DataFormat.channels``): the rows take the finer channel, so the
    campaign's visits meet its clicks there, not as a google_ads campaign without clicks. Matched
    by campaign name, and account where the rows name one, against the sources that name finer
    channels; a campaign they name under more than one channel (its type changed, or a type in one
    account and search in another) cannot be placed, and stays, with a note. Where a source's
    coarse rows cannot follow at all (no campaign on one side), the finer channels fold back into
    the coarse one first (``_fold_blind_channels``)."""
    if not finer or len(sources) < 2:
        return sources
    sources = _fold_blind_channels(sources, finer, warnings)
    declaring = _naming_finer(sources, finer)
    if not declaring:
        return sources
    coarse = sorted(set(finer.values()))
    named = [s for s in declaring if "campaign" in s.dims]
    found = pl.collect_all([
        s.frame.lazy().filter(pl.col("channel").is_in([*finer, *coarse]) & pl.col("campaign").is_not_null())
        .select(_account_text(s), pl.col("campaign").cast(pl.String), pl.col("channel").cast(pl.String).alias("__finer")).unique()
        for s in named
    ])
    by_source = {id(s): (s.name, part) for s, part in zip(named, found)}
    out = []
    for source in sources:
        others = [(name, part) for key, (name, part) in by_source.items() if key != id(source)]
        if not others or "campaign" not in source.dims or "channel" not in source.dims \
                or not source.frame.select(pl.col("channel").is_in(coarse).any()).item():
            out.append(source)
            continue
        # What the sources naming finer channels name: a source's own never move its coarse rows.
        keys = ["account", "campaign"] if "account" in source.dims else ["campaign"]
        known = pl.concat([part for _, part in others])
        if "account" in keys:
            known = known.filter(pl.col("account").is_not_null())
        known = known.with_columns(pl.col("__finer").replace(finer).alias("__coarse"))
        grouped = known.group_by([*keys, "__coarse"]).agg(pl.col("__finer").unique().sort())
        categorical = [pl.col(k).cast(pl.Categorical) for k in keys]
        one = grouped.filter((pl.col("__finer").list.len() == 1) & pl.col("__finer").list.first().is_in(list(finer)))
        one = one.with_columns(pl.col("__finer").list.first(), *categorical)
        givers = ", ".join(name for name, _ in others)
        frame = source.frame
        if one.height:
            frame = frame.join(one, on=keys, how="left", maintain_order="left")
            moved = pl.col("__finer").is_not_null() & pl.any_horizontal([(pl.col("channel") == c) & (pl.col("__coarse") == c) for c in coarse])
            rows, campaigns, channels = frame.select(moved.sum().alias("rows"), pl.col("campaign").filter(moved).n_unique(),
                                                     pl.col("__finer").filter(moved).unique().sort().implode()).row(0)
            if rows:
                frame = frame.with_columns(pl.when(moved).then(pl.col("__finer").cast(pl.Categorical)).otherwise(pl.col("channel")).alias("channel"))
                warnings.append(f"{source.name}: {rows} row{'s' if rows != 1 else ''} of {campaigns} campaign{'s' if campaigns != 1 else ''} "
                                f"that {givers} name{'s' if len(others) == 1 else ''} under {', '.join(channels)} moved there from "
                                f"{', '.join(coarse)}, so their visits meet their clicks")
            frame = frame.drop("__finer", "__coarse")
            warnings += _near_finer(source, frame, one, known, keys, coarse, givers, len(others) > 1)
        unplaced = grouped.filter((pl.col("__finer").list.len() > 1) & pl.col("__finer").list.eval(pl.element().is_in(list(finer))).list.any())
        if unplaced.height:
            mine = frame.filter(pl.col("channel").is_in(coarse)).select(keys).unique()
            stuck = mine.join(unplaced.with_columns(categorical), on=keys, how="inner")
            if stuck.height:
                example = stuck.row(0, named=True)
                warnings.append(f"{source.name}: {stuck.height} campaign{'s' if stuck.height != 1 else ''} that {givers} name{'s' if len(others) == 1 else ''} "
                                f"under more than one channel stay{'s' if stuck.height == 1 else ''} under {', '.join(coarse)} (e.g. "
                                f"'{example['campaign']}': {', '.join(example['__finer'])}), so {'its' if stuck.height == 1 else 'their'} "
                                "visits meet no clicks; give the campaign one type, or one name per type")
        out.append(replace(source, frame=frame))
    return out


def _near_finer(source: Source, frame: pl.DataFrame, one: pl.DataFrame, known: pl.DataFrame, keys: list[str], coarse: list[str],
                givers: str, plural: bool) -> list[str]:
    """A campaign left under the coarse channel whose name differs only in case or punctuation
    from one the finer sources place ('remarketing display' in GA4, a UTM written in lower case,
    beside Google Ads' 'Remarketing Display'), and that meets no campaign of the coarse channel
    as written: its visits meet no clicks, and the line-up warning cannot say why, as the two are
    under different channels. Said with the recode that moves it, where one safely does: the
    source takes options, the name is like one campaign only, and no account of the source
    already meets a campaign of that name as written."""
    scope = [k for k in keys if k != "campaign"]
    text = [pl.col(k).cast(pl.String) for k in scope]
    met = known.filter(pl.col("__finer").is_in(coarse)).select(*text, pl.col("campaign").cast(pl.String).alias("__mine")).unique()
    left = (frame.filter(pl.col("channel").is_in(coarse) & pl.col("campaign").is_not_null())
            .select(*text, pl.col("campaign").cast(pl.String).alias("__mine"), _alike("campaign").alias("__key")).unique()
            .join(met, on=[*scope, "__mine"], how="anti", nulls_equal=True))
    right = one.select(*text, pl.col("campaign").cast(pl.String), "__finer", _alike("campaign").alias("__key"))
    left = left.filter(pl.col("__key") != "")
    on = [*scope, "__key"]
    # Names alike by the thousand (crafted, or 'Campaign 1' beside 'campaign-1' in every account)
    # made every pair of a key's names: 8,000 a side were 8 GiB. A name is paired with the first
    # few names of its key, enough for the examples and to tell one match from several; the pairs
    # are counted from the keys' sizes.
    sizes = left.group_by(on).len("left").join(right.group_by(on).len("right"), on=on, nulls_equal=True)
    same = left.join(right, left_on=[*scope, "__key", "__mine"], right_on=[*scope, "__key", "campaign"], nulls_equal=True).height
    count = sizes.select((pl.col("left") * pl.col("right")).sum()).item() - same
    first = right.filter(pl.col("campaign").rank("dense").over(on) <= MAX_EXAMPLES + 1)
    pairs = (left.join(first, on=on, how="inner", nulls_equal=True)
             .filter(pl.col("__mine") != pl.col("campaign")).sort("__mine", "campaign"))
    if pairs.is_empty():
        return []
    campaigns = pairs.select(*scope, "__mine").unique().height
    alike = ", ".join(f"'{mine}' = '{theirs}' ({channel})" for mine, theirs, channel in pairs.head(MAX_EXAMPLES).select("__mine", "campaign", "__finer").iter_rows())
    more = f" and {count - MAX_EXAMPLES} more" if count > MAX_EXAMPLES else ""
    one_each = pairs.group_by("__mine").agg(pl.col("campaign").unique()).filter(pl.col("campaign").list.len() == 1)
    safe = one_each.join(met.select("__mine").unique(), on="__mine", how="anti").sort("__mine").head(MAX_EXAMPLES)
    how = ""
    if source.from_file and safe.height:
        # JSON strings are YAML's flow scalars: a name with a quote or a colon stays one value.
        recode = ", ".join(f"{json.dumps(mine, ensure_ascii=False)}: {json.dumps(theirs[0], ensure_ascii=False)}" for mine, theirs in safe.iter_rows())
        targets = safe.select(pl.col("campaign").list.first()).to_series().to_list()
        # The source writing the campaign both ways (auto-tagged and by a UTM), or two ways that
        # become one name: renamed, its rows repeat, and add up.
        both = len(set(targets)) < len(targets) or frame.select(pl.col("campaign").cast(pl.String).is_in(targets).any()).item()
        how = f" (options: {{recode: {{campaign: {{{recode}}}}}{', duplicates: sum' if both else ''}}} on {source.name} moves {'it' if safe.height == 1 else 'them'})"
    one_word = campaigns == 1
    return [f"{source.name}: {campaigns} campaign{'' if one_word else 's'} under {', '.join(coarse)} look{'s' if one_word else ''} "
            f"like one that {givers} name{'' if plural else 's'} under a channel of its own: {alike}{more}; "
            f"{'its' if one_word else 'their'} visits stay under {', '.join(coarse)} and meet no clicks{how}"]


def _account_text(source: Source) -> pl.Expr:
    """A source's account as text, or none where it names no account."""
    return pl.col("account").cast(pl.String) if "account" in source.dims else pl.lit(None, dtype=pl.String).alias("account")


def _naming_finer(sources: list[Source], finer: Mapping[str, str]) -> list[Source]:
    """The sources with a row under a finer channel: one yes-or-no a source (most data names none)."""
    with_channel = [s for s in sources if "channel" in s.dims]
    flags = pl.collect_all([s.frame.lazy().select(pl.col("channel").is_in(list(finer)).any()) for s in with_channel])
    return [s for s, flag in zip(with_channel, flags) if flag.item()]


def _fold_blind_channels(sources: list[Source], finer: Mapping[str, str], warnings: list[str]) -> list[Source]:
    """Finer channels back under their coarse one where another source's coarse rows cannot follow
    them: that source gives no campaign (GA4 by source / medium only: every Google Ads visit is
    google / cpc), or the finer source itself gives none (a report by campaign type only). Those
    rows could not be told apart, and beside search's clicks alone they would make a visit rate of
    every type's visits over search's clicks (or a CRM's customers over them). Per account, where
    the other source names them; never by a source's own rows."""
    declaring = _naming_finer(sources, finer)
    if not declaring:
        return sources
    coarse_names = sorted(set(finer.values()))
    # (source, coarse channel, its name, account or None: every account, whether it names campaigns)
    holders: list[tuple[int, str, str, str | None, bool]] = []
    with_coarse = [s for s in sources if "channel" in s.dims]
    found = pl.collect_all([
        s.frame.lazy().filter(pl.col("channel").is_in(coarse_names))
        .select(pl.col("channel").cast(pl.String), _account_text(s)).unique()
        for s in with_coarse
    ])
    for source, part in zip(with_coarse, found):
        holders += [(id(source), channel, source.name, account, "campaign" in source.dims) for channel, account in part.iter_rows()]
    declared = {id(s) for s in declaring}
    out = []
    for source in sources:
        # Coarse rows elsewhere that cannot follow this source's campaigns.
        others = [h for h in holders if h[0] != id(source) and (not h[4] or "campaign" not in source.dims)]
        if id(source) not in declared or not others:
            out.append(source)
            continue
        channel = pl.col("channel")
        for coarse in sorted({h[1] for h in others}):
            accounts = {h[3] for h in others if h[1] == coarse}
            these = pl.col("channel").is_in([f for f, c in finer.items() if c == coarse])
            if None not in accounts and "account" in source.dims:
                these = these & pl.col("account").is_in(sorted(accounts))
            channel = pl.when(these.fill_null(False)).then(pl.lit(coarse, dtype=pl.String).cast(pl.Categorical)).otherwise(channel)
        folded = source.frame.filter(channel != pl.col("channel")).select(
            pl.col("channel").cast(pl.String).unique().sort().implode(),
            (pl.col("account").cast(pl.String).unique().sort().implode() if "account" in source.dims else pl.lit([], dtype=pl.List(pl.String)))).row(0)
        if not folded[0]:
            out.append(source)
            continue
        coarse_list = ", ".join(sorted({finer[f] for f in folded[0]}))
        givers = ", ".join(dict.fromkeys(h[2] for h in others if h[1] in coarse_list.split(", ")))
        where = f" in {', '.join(folded[1])}" if folded[1] else ""
        give = f"give{'s' if ', ' not in givers else ''} {coarse_list} rows"
        why = f"{give} with no campaign to tell them apart" if "campaign" in source.dims else f"{give} that its campaigns cannot be matched to (it names none)"
        warnings.append(f"{source.name}: its {', '.join(folded[0])} campaigns{where} stay under {coarse_list}, as {givers} {why}; "
                        f"they are judged as {coarse_list} campaigns: give those rows by campaign to judge each channel on its own")
        out.append(replace(source, frame=source.frame.with_columns(channel.alias("channel"))))
    return out


def _coverage(spans: list[tuple[dt.date, dt.date, float | None]], start: dt.date, end: dt.date) -> list[str]:
    """Said where the data's dates stop well short of the period's ends: the report states the
    period, but its totals and money cover only the dates the data has. "Well short" is more than
    the data's own step between dates (a day, a week, a month: the coarsest of the sources', as a
    monthly source covers a month however finely another is dated), with a tenth and a day to
    spare: months run 28-31 days, and weekday-only rows skip a weekend. So monthly rows dated at
    the month's end or start cover the period without a word."""
    steps = [step for _, _, step in spans if step is not None]
    if not steps:
        return []  # no source has two dates: no step to judge by
    allowed = max(steps) * 1.1 + 1
    first, last = min(span[0] for span in spans), max(span[1] for span in spans)
    late, early = (first - start).days > allowed, (end - last).days > allowed
    if not (late or early):
        return []
    period = f"the period ({start} to {end})"
    short = " and ".join(
        ([f"starting {(first - start).days} days after {period} begins"] if late else [])
        + ([f"ending {(end - last).days} days before {'it' if late else period} ends"] if early else [])
    )
    return [f"period: the data's dates run from {first} to {last}, {short}: totals, findings and money at stake "
            f"cover {first} to {last} only"]


def _missing_segments(segments: Iterable[str], dims: list[str]) -> list[str]:
    """A segment the config names that no source carries: said, with what the data does have."""
    missing = [s for s in segments if s not in dims]
    if not missing:
        return []
    have = [d for d in dims if d in SEGMENT_DIMENSIONS or d in ("ad_set", "region") or d not in DIMENSIONS]
    present = [s for s in segments if s in dims]
    then = f"segments are compared by {' and '.join(present)} only" if present else "no segments are compared"
    return [
        f"segments: the data has no {', '.join(missing)} column, so {then}; "
        f"the data's breakdowns: {', '.join(have) if have else 'none'}"
    ]


def _check_currencies(sources: list[Source], config: ClientConfig) -> str | None:
    known = [s for s in sources if s.currency]
    codes = sorted({s.currency for s in known if s.currency})
    if len(codes) > 1:
        parts = "; ".join(f"{s.name} is in {s.currency} ({s.currency_from})" for s in known)
        raise ConfigError(Problem(f"sources are in different currencies: {parts}; convert them to one currency before adding them up", path="data"))
    if codes and codes[0] != config.currency:
        source = known[0]
        default = "" if "currency" in config.model_fields_set else " (the default)"
        raise ConfigError(
            Problem(
                f"{source.name}: amounts are in {source.currency} ({source.currency_from}) but the config's currency is "
                f"{config.currency}{default}; set currency: {source.currency}, or convert the export",
                path="currency",
            )
        )
    return codes[0] if codes else None


_GIVES, _OTHER = "__gives_", "__other"  # _check_overlaps' columns: a scope gives this count (in the other source)


def _check_overlaps(sources: list[Source]) -> None:
    """Two sources giving the same count for the same scope would be added up: refuse it."""
    problems = []
    # Per source and dimensions compared on: each scope once, and which counts it gives. Made for
    # each pair and count, 100 sources of 53 counts were ~800,000 queries (over 2 minutes).
    given: dict[tuple[int, tuple[str, ...]], pl.DataFrame] = {}

    def scopes_giving(source: Source, shared: list[str]) -> pl.DataFrame:
        key = (id(source), tuple(shared))
        if key not in given:
            given[key] = source.frame.group_by(shared).agg(pl.col(c).is_not_null().any().alias(_GIVES + c) for c in source.counts)
        return given[key]

    for i, a in enumerate(sources):
        for b in sources[i + 1 :]:
            shared = [d for d in DIMENSIONS if d in a.dims and d in b.dims]
            if _complementary(a, b):
                # An ad platform and analytics both reporting revenue for facebook count the same
                # money twice even when their campaign names differ: compare on the dimensions
                # that do not depend on naming.
                shared = [d for d in shared if d not in NAMED_DIMENSIONS]
            # One line per pair of sources and scopes: the counts they both give for the same scopes
            # are named together (two accounts' exports overlap on all of them).
            twice: dict[str, list[str]] = {}
            counts = [c for c in a.counts if c in b.counts]
            met = None
            if shared and counts:
                met = scopes_giving(a, shared).join(scopes_giving(b, shared), on=shared, how="inner", nulls_equal=True, suffix=_OTHER)
                if met.is_empty():
                    counts = []
                else:
                    both_give = met.select((pl.col(_GIVES + c) & pl.col(_GIVES + c + _OTHER)).sum().alias(c) for c in counts).row(0, named=True)
                    counts = [c for c in counts if both_give[c]]
            for count in counts:
                if met is not None:
                    both = met.filter(pl.col(_GIVES + count) & pl.col(_GIVES + count + _OTHER)).select(shared)
                    first = _scope_text(both.sort(shared, nulls_last=True).row(0, named=True), shared)
                    where = first + (f" and {both.height - 1} more" if both.height > 1 else "")
                else:
                    has_a = a.frame.get_column(count).null_count() < a.frame.height
                    has_b = b.frame.get_column(count).null_count() < b.frame.height
                    if not (has_a and has_b):
                        continue
                    where = "all data (they share no dimension)"
                twice.setdefault(where, []).append(count)
            if "account" in shared or _complementary(a, b):
                apart = "or split the sources by a dimension such as channel or date"
            elif a.from_file and b.from_file:  # two accounts' exports of the same campaigns: the usual way this happens
                apart = "or, if they are different accounts, give each its own (options: {account: <name>})"
            else:  # records and API rows take no options: the account goes on each row
                apart = "or, if they are different accounts, give each row its account (an account key or column)"
            for where, counts in twice.items():
                one = len(counts) == 1
                problems.append(
                    Problem(
                        f"{a.name} and {b.name} both give {', '.join(counts)} for {where}: adding them up would count "
                        f"{'it' if one else 'them'} twice. Keep {'it' if one else 'each'} in one source "
                        f"(options: {{ignore: [<its column>]}} on the other), {apart}"
                    )
                )
    if problems:
        raise ConfigError(problems)


def _complementary(a: Source, b: Source) -> bool:
    """Each measures something the other does not (ad clicks vs site sessions): they are meant to meet."""
    return bool(set(a.counts) - set(b.counts) and set(b.counts) - set(a.counts))


def _meant_to_meet(a: Source, b: Source) -> bool:
    """Complementary sources whose scopes should line up. Two that both spend are two ad platforms
    (Meta's adds to cart beside Google's conversions): side by side, on channels of their own.
    (Their double counts are still looked for, as complementary: _check_overlaps.)"""
    return _complementary(a, b) and not ("spend" in a.counts and "spend" in b.counts)


# Finer dimensions are compared within the coarser ones both sources have.
_ALIGN_ORDER = ("account", "channel", "region", "campaign", "ad", "date")


def alignment_warnings(sources: list[Source], spanning: Sequence[bool]) -> list[str]:
    """Where two sources measure different things (ad clicks, site sessions) but their scopes differ.

    Only pairs that complement each other are compared: two exports with the
    same columns (two ad accounts, two months) are expected not to overlap.
    ``spanning``: per source, whether a row covers several days (:func:`_spans_days`).
    """
    warnings = []
    for i, a in enumerate(sources):
        for j in range(i + 1, len(sources)):
            b = sources[j]
            if not _meant_to_meet(a, b):
                continue
            shared = [d for d in _ALIGN_ORDER if d in a.dims and d in b.dims]
            if "date" in shared and (spanning[i] or spanning[j]):
                shared.remove("date")  # a row over a quarter is dated by its first day: no day of it to line up
                warnings += _span_gap(a, b)  # but the days each covers as a whole can be
            for depth, dim in enumerate(shared):
                parents = shared[:depth]
                warnings += _compare_level(a, b, parents, dim)
    return warnings


def _covered(source: Source) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day a source's rows cover (a row over several days to its last)."""
    last = pl.max_horizontal("date", LAST_DAY_COLUMN) if LAST_DAY_COLUMN in source.frame.columns else pl.col("date")
    return source.frame.select(pl.col("date").min(), last.max().alias("last")).row(0)


def _span_gap(a: Source, b: Source) -> list[str]:
    """Where rows span several days, sources that complement each other are compared on the days
    each covers as a whole: sessions over a month beside a week of clicks are no visit rate."""
    if "account" in a.dims and "account" in b.dims and a.frame.select("account").unique().join(
            b.frame.select("account").unique(), on="account", how="semi").is_empty():
        return []  # exports of different accounts never meet, whatever days each covers
    (first_a, last_a), (first_b, last_b) = _covered(a), _covered(b)
    if None in (first_a, last_a, first_b, last_b) or (first_a, last_a) == (first_b, last_b):
        return []
    return [f"{a.name} ({first_a} to {last_a}) and {b.name} ({first_b} to {last_b}) do not cover the same days, and a row "
            f"over several days cannot be split: ratios that combine both (such as sessions per click) set one's days "
            f"against the other's; export both for the same dates"]


def _spans_days(source: Source) -> bool:
    """Whether a row of the source covers several days (LAST_DAY_COLUMN past its date)."""
    return LAST_DAY_COLUMN in source.frame.columns and bool(source.frame.select((pl.col(LAST_DAY_COLUMN) > pl.col("date")).any()).item())


def _compare_level(a: Source, b: Source, parents: list[str], dim: str) -> list[str]:
    cols = parents + [dim]
    keys_a = a.frame.filter(pl.col(dim).is_not_null()).select(cols).unique()
    keys_b = b.frame.filter(pl.col(dim).is_not_null()).select(cols).unique()
    if parents:
        # Only where both sources cover the parent scope: a channel only one source has is no mismatch.
        common = keys_a.select(parents).unique().join(keys_b.select(parents).unique(), on=parents, how="inner", nulls_equal=True)
        keys_a = keys_a.join(common, on=parents, how="semi", nulls_equal=True)
        keys_b = keys_b.join(common, on=parents, how="semi", nulls_equal=True)
        if common.is_empty():
            return []
    if dim == "channel":
        # Platforms rarely share every channel with analytics (which also sees organic, direct and
        # email visits): only no common channel, on the whole or within an account, is a problem.
        met = keys_a.join(keys_b, on=cols, how="inner", nulls_equal=True)
        if not parents and not met.is_empty():
            return []
        lonely = common.join(met.select(parents).unique(), on=parents, how="anti", nulls_equal=True) if parents else None
        if lonely is not None and lonely.is_empty():
            return []
        if lonely is not None:
            keys_a = keys_a.join(lonely, on=parents, how="semi", nulls_equal=True)
            keys_b = keys_b.join(lonely, on=parents, how="semi", nulls_equal=True)
        where = "" if lonely is None else " in " + "; ".join(_scope_text(row, parents) for row in lonely.sort(parents).head(MAX_EXAMPLES).iter_rows(named=True))
        more = f" and {lonely.height - MAX_EXAMPLES} more" if lonely is not None and lonely.height > MAX_EXAMPLES else ""
        both = [c for c in a.counts if c in b.counts]
        twice = (f"; both give {', '.join(both)}, and the totals add both up, twice over where one's channel is the "
                 f"other's under another name (options: {{ignore: [{', '.join(both)}]}} on one source counts them once)") if both else ""
        return [
            f"{a.name} and {b.name} share no channel{where}{more} ({a.name}: {_values(keys_a, dim)}; {b.name}: {_values(keys_b, dim)}), "
            f"so their metrics only meet in the totals{twice}; set options: {{channel: ...}} or recode channel values so they match"
        ]
    only_a = keys_a.join(keys_b, on=cols, how="anti", nulls_equal=True)
    only_b = keys_b.join(keys_a, on=cols, how="anti", nulls_equal=True)
    if only_a.is_empty() and only_b.is_empty():
        return []
    if dim == "account" and not _near_matches(only_a, only_b, dim):
        # Exports per account are the norm (LinkedIn EU beside GA4 US, a CRM of both): an account one
        # source lacks is another file's, not a mismatch. Only names that look alike are one account.
        return []
    if dim == "date":
        return [_date_gap(a, b, only_a, only_b, keys_a, keys_b)]
    parts = []
    for source, only in ((a, only_a), (b, only_b)):
        if not only.is_empty():
            parts.append(f"{only.height} only in {source.name} (e.g. {_examples(only, parents, dim)})")
    hint = _near_matches(only_a, only_b, dim)
    return [
        f"{a.name} and {b.name} do not line up on {dim}: {'; '.join(parts)}. Those scopes show one source's metrics only, "
        f"and ratios that combine both are undefined there{hint}"
    ]


def _values(frame: pl.DataFrame, dim: str, limit: int = 5) -> str:
    values = frame.get_column(dim).unique().sort().to_list()
    more = f", +{len(values) - limit} more" if len(values) > limit else ""
    return ", ".join(str(v) for v in values[:limit]) + more


def _examples(frame: pl.DataFrame, parents: list[str], dim: str) -> str:
    out = []
    for row in frame.sort(parents + [dim]).head(MAX_EXAMPLES).iter_rows(named=True):
        where = f" ({_scope_text(row, parents)})" if parents else ""
        out.append(f"'{row[dim]}'{where}")
    return ", ".join(out)


def _alike(dim: str) -> pl.Expr:
    """A name as two sources may both mean it: 'Summer Sale', 'summer_sale' and 'SUMMER-SALE' alike."""
    return pl.col(dim).cast(pl.String).str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", "")


def _near_matches(only_a: pl.DataFrame, only_b: pl.DataFrame, dim: str) -> str:
    """'Summer Sale' and 'summer_sale' are probably the same campaign: say so."""
    if only_a.is_empty() or only_b.is_empty():
        return ""
    key = _alike(dim)
    left = only_a.select(pl.col(dim).alias("a"), key.alias("k")).unique()
    right = only_b.select(pl.col(dim).alias("b"), key.alias("k")).unique()
    # A name of no letter or digit is like none. Each name meets the first few of its key only: all
    # of them made every pair of a key's names, 16,000 a side 8 GiB, to show three.
    first = right.filter(pl.col("b").rank("dense").over("k") <= MAX_EXAMPLES)
    pairs = left.filter(pl.col("k") != "").join(first, on="k").sort("a", "b").head(MAX_EXAMPLES)
    if pairs.is_empty():
        return ""
    shown = ", ".join(f"'{a}' = '{b}'" for a, b in pairs.select("a", "b").iter_rows())
    return f"; these look alike: {shown} (options: {{recode: {{{dim}: {{old: new}}}}}} makes them match)"


def _date_gap(a: Source, b: Source, only_a: pl.DataFrame, only_b: pl.DataFrame, keys_a: pl.DataFrame, keys_b: pl.DataFrame) -> str:
    def span(frame: pl.DataFrame) -> str:
        dates = frame.get_column("date")
        return f"{dates.min()} to {dates.max()}"

    return (
        f"{a.name} ({span(keys_a)}) and {b.name} ({span(keys_b)}) do not cover the same dates: "
        f"{only_a.height} scope-days only in {a.name}, {only_b.height} only in {b.name}; "
        "ratios that combine both (such as sessions per click) are undefined on those days"
    )


def _read_file(source: FileSource, catalog: Catalog, base_dir: Path, budget: int, extra_dims: tuple[str, ...] = ()):
    """The source's frame, read no further than ``budget + 1`` rows when its reader is lazy,
    so ``data_rows`` bounds memory while reading rather than after."""
    path = Path(source.path)
    if not path.is_absolute():
        path = base_dir / path
    display = source.name or source.path
    fmt = catalog.formats.get(source.format)
    if fmt is None:
        hint = catalog.suggest(source.format, catalog.formats)
        raise ConfigError(Problem(f"unknown format '{source.format}'{hint}; known: {', '.join(sorted(catalog.formats))}", path="format"))
    if path.is_dir():
        raise ConfigError(Problem(f"{display}: is a folder; name a file ({path})"))
    if not path.is_file():
        missing = not path.exists()
        raise ConfigError(Problem(f"{display}: no such file ({path})" if missing else f"{display}: {not_a_file(path)}"))
    builtin = catalog.origins.get(f"format:{source.format}") == "formats"
    files.before_read(path, source.kind, display, sniff=builtin)
    options = {**source.options, "kind": source.kind, "name": display}
    unread = [key for key in WORKBOOK_UNREAD if key in options] if source.kind == "excel" and builtin else []
    for key in unread:
        del options[key]
    separator = str(options.get("separator") or ",")  # for the diagnoses of a CSV polars could not read
    plugin = catalog.origins.get(f"format:{source.format}", "?")
    try:
        answer = fmt.read(path, options)
        warnings: list[str] = []
        if isinstance(answer, tuple) and len(answer) == 2:
            answer, warnings = answer
        if not isinstance(answer, (pl.LazyFrame, pl.DataFrame)):
            raise PluginError(
                f"plugin '{plugin}': data format '{source.format}' returned {type(answer).__name__}; "
                "read() must return a polars LazyFrame or DataFrame (or one with a list of warnings)"
            )
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            raise PluginError(f"plugin '{plugin}': data format '{source.format}' returned warnings as {type(warnings).__name__}; expected a list of text")
        if unread:
            warnings = [*warnings, f"{display}: options {', '.join(unread)} not used: a workbook's number cells are numbers, "
                                   "and its text is read as written (CSV options)"]
        files.check_columns(answer.collect_schema().names(), display)
        if isinstance(answer, pl.LazyFrame):
            # A workbook is not read twice for its counts as numbers: each read is a child process.
            typed = _typed_scan(fmt, path, options, answer, catalog, budget) if source.kind != "excel" else None
            frame = _collect_needed(answer.head(budget + 1), catalog, extra_dims, typed)
        else:
            frame = answer
    except (ConfigError, PluginError):
        raise
    except Exception as exc:  # noqa: BLE001 - a reader's failure is a data problem to report, not a crash
        text = str(exc)
        if source.kind == "csv" and ("utf-8" in text or "utf8" in text) and (where := files.utf8_problem(path, display, options.get("encoding"))):
            raise ConfigError(where) from None
        if source.kind == "csv" and "more fields than" in text and (where := files.ragged_problem(path, display, separator)):
            raise ConfigError(where) from None
        if source.kind == "csv" and source.format == "generic" and (
                where := files.quote_problem(path, display, separator, encoding=options.get("encoding"))):
            raise ConfigError(where) from None
        who = "" if builtin else f" (plugin '{plugin}')"
        raise ConfigError(Problem(f"{display}: cannot be read as {source.format}{who}: {_first_line(exc)}")) from None
    if frame.height == 0 and source.kind == "csv" and source.format == "generic" and (
            where := files.quote_problem(path, display, separator, encoding=options.get("encoding"))):
        raise ConfigError(where)  # polars reads a file whose only row opens a quote as no rows at all
    header_lines = int(options.get("header_line", 1))

    def locate(row: int, column: str) -> Problem:
        # Line numbers assume one line per record, which holds for ad-platform exports;
        # readers that skip banner or comment lines add a __line column instead.
        return Problem("", file=display, line=row + header_lines + 1, path=column)

    return frame, display, locate, list(warnings), options


def _typed_scan(fmt: Any, path: Path, options: Mapping[str, Any], answer: pl.LazyFrame, catalog: Catalog, budget: int) -> pl.LazyFrame | None:
    """The source read again with its text counts parsed as numbers by the reader itself, where its
    format can (``DataFormat.typed``): the text of every count is then never held, and a CSV of 1M
    rows reads ~0.2 s faster. None where there is nothing to parse."""
    if not getattr(fmt, "typed", False):
        return None
    types = {column: pl.Float64 for column, dtype in answer.collect_schema().items() if dtype == pl.String and _base_count(column, catalog)}
    if not types:
        return None
    again = fmt.read(path, options, types)
    again = again[0] if isinstance(again, tuple) and len(again) == 2 else again
    return again.head(budget + 1) if isinstance(again, pl.LazyFrame) else None


def _base_count(column: str, catalog: Catalog) -> bool:
    """Whether a source's column holds a count read from data (not a derived metric)."""
    name = canonical_name(column, catalog)
    return name in catalog.metrics and not catalog.metrics[name].derived


def _read_needed(column: str, catalog: Catalog, extra_dims: tuple[str, ...] = ()) -> bool:
    """Whether normalise() keeps a column: a dimension, a metric (by name or alias), a segment the
    config names, or a helper."""
    return column.startswith("__") or column == CURRENCY_COLUMN or canonical_name(column, catalog, extra_dims) is not None


def _collect_needed(scan: pl.LazyFrame, catalog: Catalog, extra_dims: tuple[str, ...] = (),
                    typed_scan: pl.LazyFrame | None = None) -> pl.DataFrame:
    """Projection pushdown: only the columns the engine uses are read (Parquet skips the
    others, the CSV parser does not convert them). The rest stay as empty columns so that
    normalise() still names them in its warnings.

    Text counts and dates (CSV) are parsed in the same parallel pass (by the reader itself where
    it gives a ``typed_scan``: the same columns, the counts already numbers); a cell that is not
    a plain number or an ISO date fails it, and the text is read again for the engine to clean
    or to name the cell, exactly as without this shortcut.
    """
    schema = scan.collect_schema()
    keep = {c: pl.col(c) if _read_needed(c, catalog, extra_dims) else pl.lit(None).alias(c) for c in schema.names()}
    for column, dtype in schema.items():
        name = canonical_name(column, catalog, extra_dims) if dtype == pl.String else None
        if name is not None and name != "date" and (name in DIMENSIONS or name in extra_dims):
            # Read straight into a Categorical, as the engine keeps text dimensions: each name is
            # then held once, not once a row (at 10M rows, ~0.5 GiB less at the peak of reading).
            keep[column] = pl.col(column).cast(pl.Categorical)
    typed: dict[str, pl.Expr] = {}
    kept_small: list[str] = []
    for column, dtype in schema.items():
        count = _base_count(column, catalog)
        if count and (dtype == pl.String or dtype.is_numeric()) and held.holdable(catalog.metrics[canonical_name(column, catalog)].unit):
            # A whole count is read straight into Float32 where each value is exact in it (at 10M
            # rows the Float64 columns are never all made: ~0.4 GiB less at the peak of reading).
            kept_small.append(column)
        elif (dtype == pl.String or (dtype.is_numeric() and dtype != pl.Float64)) and count:
            # Whole-number counts become Float64 as they are read, so the integers are never
            # held beside their floats (a second copy of every count while a file is checked).
            typed[column] = pl.col(column).cast(pl.Float64)
        elif dtype == pl.String and canonical_name(column, catalog) == "date":
            typed[column] = pl.col(column).str.to_date("%Y-%m-%d", strict=True)
    if typed or kept_small:
        source = typed_scan if typed_scan is not None else scan
        chosen = []
        for column, expr in keep.items():
            chosen += held.held_and_checked(column, pl.col(column).cast(pl.Float64)) if column in kept_small else [typed.get(column, expr)]
        try:
            frame = source.select(chosen).collect()
            frame, lost = held.inexact_after(frame, kept_small)
            if lost:  # a value Float32 would round (above 2**24, a fraction): that count is read again as it is
                frame = frame.with_columns(source.select(pl.col(c).cast(pl.Float64) for c in lost).collect().get_columns())
        except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError):
            frame = None
        # A count that is negative, "inf" or "nan" still parses as a float; such a file takes
        # the text path, which names the cell as it was written.
        schema = frame.schema if frame is not None else {}  # made anew at each access: once
        counts = [c for c in [*typed, *kept_small] if c in schema and schema[c].is_float()]
        # A fraction in a count may be "1.200" written with a thousands dot: the text path decides.
        whole = [c for c in counts if catalog.metrics[canonical_name(c, catalog)].unit == "count"]
        # Whole numbers read as integers are finite and whole: only their sign is in doubt.
        integer = {c for c in counts if schema[c].is_integer()}
        bad = pl.any_horizontal(
            [_negative_or_not_finite(c, finite=c in integer) for c in counts]
            + [(pl.col(c) != pl.col(c).floor()).any() for c in whole if c not in integer]
        ) if counts else None
        if frame is not None and (bad is None or not frame.select(bad).item()):
            return frame
    return scan.select(list(keep.values())).collect()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

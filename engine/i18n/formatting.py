"""Numbers as a client reads them in messages and reports.

English keeps the house style every report and golden file uses (3.2%, EUR 1,250,
12,400): the ISO code before the amount reads the same for any currency. Other
languages follow their locale through babel (German: 3,2 %, 1.250 €, 12.400).

The language comes from the ``locale`` argument or, when that is None, from the
context set by :class:`use_locale`, so rule messages rendered anywhere inside a
``with use_locale("de"):`` block come out German without passing it through.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import re

DEFAULT_LOCALE = "en"
_LOCALE: contextvars.ContextVar[str] = contextvars.ContextVar("kpi_advisor_locale", default=DEFAULT_LOCALE)
NOT_AVAILABLE = {"en": "n/a", "de": "k. A.", "da": "i/t", "id": "t/a"}


class use_locale:  # noqa: N801 - used as a function: ``with use_locale("de"):``
    """Format numbers for ``locale`` inside the block.

    A class, not ``contextlib.contextmanager``: a report words each finding inside one, and the
    generator's set-up was ~0.7 us of each (tens of thousands of findings in a large report)."""

    __slots__ = ("locale", "_token")

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def __enter__(self) -> str:
        self._token = _LOCALE.set(self.locale or DEFAULT_LOCALE)
        return self.locale

    def __exit__(self, *exc: object) -> None:
        _LOCALE.reset(self._token)


def current_locale() -> str:
    return _LOCALE.get()


def _digits(value: float, unit: str) -> int:
    """Decimal places: fewer for big numbers, so 0.45% and 12.3% and EUR 1,250 all read well."""
    if unit == "ratio":
        return 2 if abs(value * 100) < 1 else 1
    if unit == "currency":
        return 2 if abs(value) < 100 else 0
    if unit == "seconds" or float(value).is_integer():
        return 0
    return 2 if abs(value) < 10 else 1


def format_value(value: float | None, unit: str, currency: str = "", locale: str | None = None) -> str:
    """``value`` as text for its unit (ratio, currency, seconds, count, number)."""
    locale = locale or _LOCALE.get()
    if value is None:
        return NOT_AVAILABLE.get(locale, NOT_AVAILABLE["en"])
    digits = _digits(value, unit)
    if locale == DEFAULT_LOCALE:
        return _english(value, unit, currency, digits)
    return _babel(float(value), unit, currency, digits, locale)


def _english(value: float, unit: str, currency: str, digits: int) -> str:
    if unit == "ratio":
        return f"{value * 100:.{digits}f}%"
    if unit == "currency":
        return f"{currency} {value:,.{digits}f}".strip()
    if unit == "seconds":
        return f"{value:,.0f}s"
    return f"{value:,.{digits}f}"


@functools.lru_cache(maxsize=64)
def _pattern(locale: str, kind: str, digits: int) -> str:
    """The locale's own pattern for a percent, currency or decimal, with ``digits`` decimals."""
    from babel import Locale

    loc = Locale.parse(locale)
    if kind == "percent":
        pattern = loc.percent_formats[None].pattern
    elif kind == "currency":
        pattern = loc.currency_formats["standard"].pattern
    else:
        pattern = loc.decimal_formats[None].pattern
    pattern = pattern.split(";")[0]
    pattern = re.sub(r"0\.[0#]+", "0", pattern)
    return re.sub(r"0(?=[^0#]*$)", "0." + "0" * digits if digits else "0", pattern, count=1)


def _babel(value: float, unit: str, currency: str, digits: int, locale: str) -> str:
    from babel import numbers

    if unit == "ratio":
        return numbers.format_percent(value, format=_pattern(locale, "percent", digits), locale=locale)
    if unit == "currency" and currency:
        return numbers.format_currency(value, currency, format=_pattern(locale, "currency", digits), locale=locale, currency_digits=False)
    text = numbers.format_decimal(value, format=_pattern(locale, "decimal", digits), locale=locale)
    return f"{text}\N{NO-BREAK SPACE}s" if unit == "seconds" else text


# CLDR's English abbreviations, as babel writes them ("MMM d, y"): English needs no locale data,
# whose first load was ~15 ms of a report (tests/test_i18n.py holds the two equal).
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(value: dt.date | str, locale: str | None = None) -> str:
    """A date the way the locale writes it in running text: Jul 1, 2026 / 01.07.2026."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    locale = locale or _LOCALE.get()
    if locale == DEFAULT_LOCALE:
        return f"{_EN_MONTHS[value.month - 1]} {value.day}, {value.year}"
    from babel.dates import format_date as babel_date

    return babel_date(value, format="medium", locale=locale)


def singular(noun: str) -> str:
    """An English count noun as one of it reads ("1 customer", "1 inquiry"); a word that is no
    plural (business, add to cart) as it is. The engine's English, which phrases.py parses back."""
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def plural(noun: str) -> str:
    """An English count noun in the plural: countries, campaigns, days."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    return noun + "es" if noun.endswith(("s", "x", "ch", "sh")) else noun + "s"

"""Numbers as a client reads them in messages: 3.2%, EUR 1,250, 12,400."""

from __future__ import annotations


def format_value(value: float | None, unit: str, currency: str = "") -> str:
    if value is None:
        return "n/a"
    if unit == "ratio":
        percent = value * 100
        return f"{percent:.2f}%" if abs(percent) < 1 else f"{percent:.1f}%"
    if unit == "currency":
        amount = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        return f"{currency} {amount}".strip()
    if unit == "seconds":
        return f"{value:,.0f}s"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"

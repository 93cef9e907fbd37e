"""`ga4`: Google Analytics 4 report and exploration downloads.

The download opens with ``#`` comment lines (property, date range) and may hold
several tables separated by blank or comment lines; the one with the most
known columns is read. The channel comes from ``Session primary channel group``
(``Paid Social`` -> ``paid_social``) or, better for joining with ad platforms,
from the source of ``Session source / medium`` (``facebook / cpc`` ->
``facebook``, ``google / cpc`` -> ``google_ads``). Bounces are
``sessions - engaged sessions``, or ``sessions x (1 - engagement rate)`` when only
the rate is there: GA4's bounce rate is 1 - engagement rate.

Segments are kept as dimensions: ``Landing page`` (or ``Landing page + query
string``), ``Device category``, ``Country``, ``Region``, ``Age``, ``Gender`` and
``Interests``. City, browser, operating system, page path and title are summed.
"""

from __future__ import annotations

import re

import polars as pl
from kpi_advisor.problems import ConfigError, Problem

from .reading import Context, Field, Layout, derived_text, snake_value

FIELDS = (
    Field("date", ("Date", "Datum", "Day")),
    Field("_date_hour", ("Date + hour (YYYYMMDDHH)", "Date + hour")),
    Field("_nth_day", ("Nth day", "N-ter Tag")),
    Field("channel", (
        "Session primary channel group (Default Channel Group)", "Session primary channel group",
        "Session default channel group", "Session default channel grouping", "Default channel group",
        "First user primary channel group (Default Channel Group)", "First user primary channel group",
        "First user default channel group", "Primäre Channelgruppe der Sitzung (Standard-Channelgruppe)",
        "Standard-Channelgruppe der Sitzung",
    )),
    Field("_source_medium", ("Session source / medium", "Session source/medium", "First user source / medium",
                             "Source / medium", "Quelle/Medium der Sitzung"), names=True),
    Field("_source", ("Session source", "First user source", "Source", "Quelle der Sitzung"), names=True),
    Field("campaign", ("Session campaign", "Session manual campaign name", "Session campaign name", "Session Google Ads campaign",
                       "First user campaign", "Campaign", "Kampagne der Sitzung")),
    Field("country", ("Country", "Land")),
    Field("region", ("Region",)),
    Field("landing_page", ("Landing page", "Landing page + query string", "Zielseite", "Zielseite + Suchstring")),
    Field("device", ("Device category", "Gerätekategorie")),
    Field("age", ("Age", "Alter")),
    Field("gender", ("Gender", "Geschlecht")),
    Field("interest", ("Interests", "Interessen")),
    Field("sessions", ("Sessions", "Sitzungen")),
    Field("engaged_sessions", ("Engaged sessions", "Sitzungen mit Interaktionen")),
    Field("_engagement_rate", ("Engagement rate", "Interaktionsrate"), number=True),
    Field("_bounce_rate", ("Bounce rate", "Absprungrate"), number=True),
    Field("_average_time", ("Average engagement time per session", "Average session duration",
                            "Durchschnittliche Interaktionsdauer pro Sitzung"), number=True),
    Field("engagement_time", ("User engagement", "Nutzerinteraktion")),
    Field("users", ("Active users", "Total users", "Users", "Aktive Nutzer", "Nutzer insgesamt")),
    Field("pageviews", ("Views", "Screen page views", "Page views", "Aufrufe")),
    Field("conversions", ("Key events", "Conversions", "Schlüsselereignisse")),
    Field("revenue", ("Total revenue", "Purchase revenue", "Gesamtumsatz", "Umsatz aus Käufen")),
    Field("purchases", ("Ecommerce purchases", "Transactions", "Purchases", "E-Commerce-Käufe", "Transaktionen")),
    Field("add_to_cart", ("Add to carts", "Adds to cart", "In den Einkaufswagen")),
    Field("checkouts", ("Checkouts", "Kaufvorgänge")),
)

RECOMPUTED = (
    "Views per session", "Events per session", "Engaged sessions per user", "Sessions per user", "Session key event rate",
    "User key event rate", "Average purchase revenue", "Views per user", "Session conversion rate", "User conversion rate",
    "Aufrufe pro Sitzung", "Ereignisse pro Sitzung",
)
UNUSED = (
    "Event count", "New users", "Returning users", "Average engagement time per active user", "Average engagement time",
    "Ereignisanzahl", "Neue Nutzer", "Event name", "Total purchasers", "First time purchasers",
)
# Summed: no dimension of their own, or a second column for one already taken.
BREAKDOWNS = (
    "Landing page + query string", "Zielseite + Suchstring", "Page path and screen class", "Page title", "Session medium",
    "Session source platform", "City", "Stadt", "Browser", "Operating system", "Betriebssystem", "Device model", "Platform",
)
GERMAN = ("Datum", "Sitzungen", "Sitzungen mit Interaktionen", "Interaktionsrate", "Absprungrate", "Aufrufe", "Gesamtumsatz", "Land")

# Placeholders GA4 writes where there is no campaign: no campaign, not a campaign called "(direct)".
NO_CAMPAIGN = ["(not set)", "(direct)", "(organic)", "(referral)", "(none)", "(cross-network)", "(not provided)", "(data deleted)"]

# Sources as people tag them -> the channel names the ad adapters use.
SOURCES = {
    "facebook": "facebook", "fb": "facebook", "facebook.com": "facebook", "m.facebook.com": "facebook",
    "l.facebook.com": "facebook", "lm.facebook.com": "facebook", "meta": "facebook",
    "instagram": "instagram", "ig": "instagram", "instagram.com": "instagram", "l.instagram.com": "instagram",
    "linkedin": "linkedin", "linkedin.com": "linkedin", "lnkd.in": "linkedin",
    "tiktok": "tiktok", "tiktok.com": "tiktok",
    "twitter": "x", "t.co": "x", "x.com": "x", "x": "x",
    "youtube": "youtube", "youtube.com": "youtube", "m.youtube.com": "youtube",
    "bing": "bing", "(direct)": "direct",
}
PAID_MEDIUMS = ["cpc", "ppc", "paid", "paidsearch", "paid_search", "cpm"]


def _channel_from_source(source: pl.Expr, medium: pl.Expr) -> pl.Expr:
    name = source.cast(pl.String).str.strip_chars().str.to_lowercase()
    paid = medium.cast(pl.String).str.strip_chars().str.to_lowercase().is_in(PAID_MEDIUMS)
    mapped = name.replace_strict(SOURCES, default=None, return_dtype=pl.String)
    return (
        pl.when(name.is_in(["google", "google.com"]) & paid).then(pl.lit("google_ads"))
        .when(name.is_in(["google", "google.com"])).then(pl.lit("google"))
        .otherwise(pl.coalesce(mapped, snake_value(name)))
    )


def _start_date(ctx: Context) -> str:
    for line in ctx.comments:
        match = re.search(r"(?i)(start date|startdatum)\s*:\s*(\d{8})", line)
        if match:
            text = match.group(2)
            return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    raise ConfigError(Problem(f"{ctx.source}: the 'Nth day' column counts from the report's start date, but no '# Start date: YYYYMMDD' line was found"))


def finish(ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
    columns = _date(ctx) + _channel(ctx)
    if ctx.has("campaign"):
        campaign = pl.col("campaign").str.strip_chars()
        columns.append(pl.when(campaign.is_in(NO_CAMPAIGN)).then(None).otherwise(campaign).alias("campaign"))
    sessions = ctx.number("sessions")
    if ctx.has("engaged_sessions"):
        engaged = ctx.number("engaged_sessions")
        # More engaged sessions than sessions leaves no bounces to count; the row check then says
        # what is wrong in the file's own columns (the file has no bounces column to name).
        bounces = derived_text(sessions - engaged, "sessions", "engaged_sessions")
        columns.append(pl.when(engaged > sessions).then(None).otherwise(bounces).alias("bounces"))
        ctx.recomputed += [ctx.found[t] for t in ("_engagement_rate", "_bounce_rate") if ctx.has(t)]
    elif ctx.has("_engagement_rate") or ctx.has("_bounce_rate"):
        # GA4 defines a bounce as a session without engagement: bounce rate = 1 - engagement rate.
        rate = "_engagement_rate" if ctx.has("_engagement_rate") else "_bounce_rate"
        engaged = _rate(ctx.number(rate)) if rate == "_engagement_rate" else 1 - _rate(ctx.number(rate))
        columns.append(derived_text(sessions * engaged, "sessions", rate).alias("engaged_sessions"))
        columns.append(derived_text(sessions * (1 - engaged), "sessions", rate).alias("bounces"))
        ctx.recomputed += [ctx.found[t] for t in ("_bounce_rate",) if ctx.has(t) and t != rate]
    if ctx.has("engagement_time"):
        columns.append(_seconds(pl.col("engagement_time").cast(pl.String)).alias("engagement_time"))
        ctx.recomputed += [ctx.found[t] for t in ("_average_time",) if ctx.has(t)]
    elif ctx.has("_average_time"):
        columns.append(derived_text(sessions * ctx.number("_average_time"), "sessions", "_average_time").alias("engagement_time"))
    return frame.with_columns(columns) if columns else frame


def _date(ctx: Context) -> list[pl.Expr]:
    if ctx.has("date"):
        # A second time column next to Date splits each day (hours) or says nothing new (Nth day).
        if ctx.has("_nth_day"):
            ctx.unused.append(ctx.found["_nth_day"])
        return [ctx.breakdown("_date_hour")] if ctx.has("_date_hour") else []
    if ctx.has("_date_hour"):
        # Hours are summed into days; the hour stays a breakdown so a repeated hour is still caught.
        day = pl.col("_date_hour").str.slice(0, 8).str.to_date("%Y%m%d", strict=False)
        date = pl.when(day.is_not_null()).then(day.dt.to_string("%Y-%m-%d")).otherwise(pl.col("_date_hour"))
        return [date.alias("date"), ctx.breakdown("_date_hour")] + ([] if not ctx.has("_nth_day") else [ctx.breakdown("_nth_day")])
    if ctx.has("_nth_day"):
        start = pl.lit(_start_date(ctx)).str.to_date("%Y-%m-%d")
        n = pl.col("_nth_day").cast(pl.Int64, strict=False)
        day = (start + pl.duration(days=n)).dt.to_string("%Y-%m-%d")
        return [pl.when(n.is_not_null()).then(day).otherwise(pl.col("_nth_day")).alias("date")]
    return []


def _channel(ctx: Context) -> list[pl.Expr]:
    sources = [t for t in ("_source_medium", "_source") if ctx.has(t)]
    if ctx.options.get("channel") or ctx.has("channel"):
        columns = [snake_value(pl.col("channel")).alias("channel")] if ctx.has("channel") and not ctx.options.get("channel") else []
        # The channel is settled: a source / medium column only splits its rows, which are summed.
        return columns + [ctx.breakdown(t) for t in sources]
    if ctx.has("_source_medium"):
        parts = pl.col("_source_medium").str.split_exact("/", 1)
        channel = _channel_from_source(parts.struct.field("field_0"), parts.struct.field("field_1"))
    elif ctx.has("_source"):
        channel = _channel_from_source(pl.col("_source"), pl.lit(""))
    else:
        return []
    # Several sources map to one channel (l.facebook.com and facebook / cpc): summed, as a breakdown.
    return [channel.alias("channel")] + [ctx.breakdown(t) for t in sources]


def _rate(value: pl.Expr) -> pl.Expr:
    # GA4 writes rates as fractions (0.62); a hand-edited file may say 62 for 62%.
    return pl.when(value > 1).then(value / 100).otherwise(value)


def _seconds(text: pl.Expr) -> pl.Expr:
    """'01:02:03' -> '3723'; plain seconds stay as they are."""
    parts = text.str.split(":")
    clock = parts.list.len() == 3
    seconds = (
        parts.list.get(0, null_on_oob=True).cast(pl.Float64, strict=False) * 3600
        + parts.list.get(1, null_on_oob=True).cast(pl.Float64, strict=False) * 60
        + parts.list.get(2, null_on_oob=True).cast(pl.Float64, strict=False)
    )
    return pl.when(clock & seconds.is_not_null()).then(seconds.cast(pl.String)).otherwise(text)


LAYOUT = Layout(
    name="ga4",
    description="Google Analytics 4 report or exploration download (# comment lines, several tables)",
    fields=FIELDS,
    recomputed=RECOMPUTED,
    unused=UNUSED,
    breakdowns=BREAKDOWNS,
    required=(("sessions",), ("channel", "_source_medium", "_source", "campaign", "date", "_date_hour", "_nth_day", "region", "country",
                              "landing_page", "device", "age", "gender", "interest")),
    date_formats=("%Y%m%d", "%Y-%m-%d"),
    comma_headers=GERMAN,
    finish=finish,
    segments=("device", "landing_page", "country", "age", "gender", "interest", "region"),
)

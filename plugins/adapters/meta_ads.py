"""`meta_ads`: Meta Ads Manager exports (Facebook and Instagram ads), English or German.

``Link clicks`` is the canonical ``clicks`` (what reaches the landing page);
``Clicks (all)`` stays the separate ``clicks_all``. The currency comes from the
spend header, e.g. ``Amount spent (USD)``. German headers switch numbers to
decimal commas (1.234,56) unless the options say otherwise.

Breakdowns are kept as segment dimensions: ``Age`` and ``Gender``, ``Placement``
(or ``Platform position``), ``Impression device`` (or ``Device platform``),
``Country`` and ``Region``; the ad set is the ``ad_set`` dimension. The
``Platform`` breakdown names the channel (facebook, instagram, ...). Time of day
is summed. A row that is the total of its scope's breakdown rows is left out.
"""

from __future__ import annotations

import polars as pl

from kpi_advisor.data import LAST_DAY_COLUMN

from .reading import Context, Field, Layout, derived_text, header_key, snake_value

# A row dated by "Reporting starts" covers the days up to its "Reporting ends" (a month, or the
# whole range when the export has no day breakdown).
RANGE_STARTS, RANGE_ENDS = ("Reporting starts", "Berichtsbeginn"), ("Reporting ends", "Berichtsende")

FIELDS = (
    Field("date", ("Day", "Tag", "Reporting starts", "Berichtsbeginn")),
    Field(LAST_DAY_COLUMN, RANGE_ENDS),
    Field("account", ("Account name", "Kontoname", "Name des Werbekontos")),
    Field("campaign", ("Campaign name", "Kampagnenname", "Name der Kampagne")),
    Field("ad_set", ("Ad set name", "Anzeigengruppenname", "Name der Anzeigengruppe")),
    Field("ad", ("Ad name", "Anzeigenname", "Name der Anzeige")),
    Field("_platform", ("Platform", "Plattform", "Publisher platform"), names=True),
    Field("age", ("Age", "Alter")),
    Field("gender", ("Gender", "Geschlecht")),
    Field("placement", ("Placement", "Platzierung", "Platform position", "Plattformposition")),
    Field("device", ("Impression device", "Device platform", "Geräteplattform", "Gerät für Impressionen")),
    Field("country", ("Country", "Land")),
    Field("region", ("Region",)),
    Field("currency", ("Currency", "Währung")),
    Field("reach", ("Reach", "Reichweite")),
    Field("impressions", ("Impressions", "Impressionen")),
    Field("spend", ("Amount spent", "Ausgegebener Betrag", "Betrag ausgegeben")),
    Field("clicks", ("Link clicks", "Link-Klicks", "Linkklicks")),
    Field("clicks_all", ("Clicks (all)", "Klicks (alle)")),
    Field("landing_page_views", ("Landing page views", "Website landing page views", "Aufrufe der Landingpage", "Landingpage-Aufrufe")),
    Field("results", ("Results", "Ergebnisse")),
    Field("_result_kind", ("Result indicator", "Ergebnisindikator", "Result type", "Ergebnistyp")),
    Field("purchases", ("Purchases", "Website purchases", "Käufe", "Website-Käufe")),
    Field("revenue", ("Purchases conversion value", "Website purchases conversion value", "Purchase conversion value",
                      "Conversion-Wert der Käufe", "Conversion-Wert für Käufe")),
    Field("_roas", ("Purchase ROAS (return on ad spend)", "Website purchase ROAS (return on advertising spend)",
                    "Purchase ROAS", "ROAS (Return on Ad Spend) für Käufe", "Kauf-ROAS (Return on Ad Spend)"), number=True),
    Field("leads", ("Leads",)),
    # "Leads" is both; an export without it may carry either part or both, which add up.
    Field("_website_leads", ("Website leads",), number=True),
    Field("_meta_leads", ("Meta leads", "On-Facebook leads"), number=True),
    Field("add_to_cart", ("Adds to cart", "Website adds to cart", "Artikel in den Warenkorb gelegt", "Hinzufügungen zum Warenkorb")),
    Field("checkouts", ("Checkouts initiated", "Website checkouts initiated", "Eingeleitete Bezahlvorgänge")),
    Field("engagements", ("Post engagement", "Post engagements", "Beitragsinteraktionen", "Interaktionen mit dem Beitrag")),
    Field("likes", ("Post reactions", "Beitragsreaktionen", "Reaktionen auf den Beitrag")),
    Field("comments", ("Post comments", "Beitragskommentare", "Kommentare zum Beitrag")),
    Field("shares", ("Post shares", "Geteilte Beiträge")),
    Field("saves", ("Post saves", "Gespeicherte Beiträge")),
    Field("new_followers", ("Follows or likes", "Page likes", "Follows", "Gefällt mir-Angaben für die Seite", "Follower oder „Gefällt mir“-Angaben")),
    Field("video_views", ("3-second video plays", "Video plays", "3-Sekunden-Videowiedergaben", "Videowiedergaben")),
    Field("video_completions", ("Video plays at 100%", "Videowiedergaben zu 100 %", "Videowiedergaben zu 100%")),
    Field("installs", ("App installs", "Mobile app installs", "App-Installationen")),
)

RECOMPUTED = (
    "Frequency", "Frequenz", "CTR (link click-through rate)", "CTR (Link-Klickrate)", "CPC (cost per link click)",
    "CPC (Kosten pro Link-Klick)", "CTR (all)", "CTR (alle)", "CPC (all)", "CPC (alle)",
    "CPM (cost per 1,000 impressions)", "CPM (Kosten pro 1.000 Impressionen)", "Cost per result", "Kosten pro Ergebnis",
    "Cost per landing page view", "Kosten pro Aufruf der Landingpage", "Cost per purchase", "Kosten pro Kauf",
    "Cost per lead", "Kosten pro Lead", "Cost per add to cart", "Cost per checkout initiated", "Cost per 3-second video play",
)
UNUSED = (
    "Reporting starts", "Reporting ends", "Berichtsbeginn", "Berichtsende", "Ad delivery", "Ad set delivery", "Campaign delivery",
    "Delivery", "Auslieferung", "Attribution setting",
    "Attributionseinstellung", "Bid", "Bid type", "Gebot", "Ad set budget", "Ad set budget type", "Budget", "Campaign budget",
    "Budget der Anzeigengruppe", "Ends", "Starts", "Endet", "Beginnt", "Objective", "Ziel", "Campaign ID", "Ad set ID", "Ad ID",
    "Account ID", "Kampagnen-ID", "Anzeigengruppen-ID", "Anzeigen-ID", "Quality ranking", "Engagement rate ranking",
    "Conversion rate ranking", "ThruPlays", "Video plays at 25%", "Video plays at 50%", "Video plays at 75%",
    "Video plays at 95%", "Outbound clicks", "Unique link clicks", "Unique clicks (all)",
)
# Summed: no dimension of their own, or a second column for one already taken (Placement and Platform position).
BREAKDOWNS = (
    "Placement", "Platzierung", "Platform position", "Plattformposition", "Device platform", "Geräteplattform", "Impression device",
    "Gerät für Impressionen", "Time of day (ad account time zone)", "Time of day (viewer's time zone)", "DMA region",
)
# Headers only a German export has: they switch numbers to decimal commas.
GERMAN = (
    "Tag", "Berichtsbeginn", "Berichtsende", "Kontoname", "Name des Werbekontos", "Kampagnenname", "Name der Kampagne",
    "Anzeigengruppenname", "Name der Anzeigengruppe", "Anzeigenname", "Name der Anzeige", "Plattform", "Währung",
    "Reichweite", "Impressionen", "Frequenz", "Ausgegebener Betrag", "Betrag ausgegeben", "Link-Klicks", "Linkklicks",
    "Klicks (alle)", "Aufrufe der Landingpage", "Landingpage-Aufrufe", "Ergebnisse", "Käufe", "Website-Käufe",
    "Beitragsinteraktionen", "Beitragsreaktionen", "Beitragskommentare", "Geteilte Beiträge", "Videowiedergaben",
    "CTR (Link-Klickrate)", "CPC (Kosten pro Link-Klick)", "Kosten pro Ergebnis", "Geschlecht", "Alter",
)

PLATFORMS = {"facebook": "facebook", "instagram": "instagram", "audience_network": "audience_network",
             "messenger": "messenger", "threads": "threads"}


# What a row's Results count, by its Result indicator ("actions:offsite_conversion.fb_pixel_purchase")
# or Result type ("Website purchases"): read as that count where the export has no column for it.
RESULT_COUNTS = (("purchases", "purchase"), ("leads", "lead"))


def _results(ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
    """Results are one number of different things, row by row: link clicks on one campaign,
    purchases on the next. Added up they mean nothing, so where rows name more than one kind
    they are left out; a row whose results are purchases (or leads) gives that count, where the
    export has no column of its own for it."""
    kind = pl.col("_result_kind").cast(pl.String).str.strip_chars().str.to_lowercase()
    kinds = sorted(frame.select(kind.drop_nulls().unique()).collect().to_series().to_list())
    columns = frame.collect_schema().names()  # leads may come from Website and Meta leads (finish)
    for target, word in RESULT_COUNTS:
        rows = kind.str.contains(word).fill_null(False)
        if target not in columns and any(word in k for k in kinds):
            frame = frame.with_columns(pl.when(rows).then(pl.col("results")).otherwise(None).alias(target))
            ctx.warnings.append(f"{ctx.source}: {target} read from Results where the {ctx.found['_result_kind']} names "
                                f"{target} (the export has no {target} column)")
    if len(kinds) > 1:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("results"))
        ctx.warnings.append(f"{ctx.source}: Results count {len(kinds)} different things ({', '.join(kinds[:4])}"
                            f"{', ...' if len(kinds) > 4 else ''}): not added up; each is read from its own column")
    return frame


def finish(ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
    if ctx.has(LAST_DAY_COLUMN) and header_key(ctx.found.get("date", "")) not in {header_key(h) for h in RANGE_STARTS}:
        # Rows dated by the day: the range is the export's, not the row's.
        ctx.unused.append(ctx.found[LAST_DAY_COLUMN])
        frame = frame.drop(LAST_DAY_COLUMN)
    if ctx.has("_platform"):
        if ctx.options.get("channel"):
            frame = frame.with_columns(ctx.breakdown("_platform"))
        else:
            frame = frame.with_columns(snake_value(pl.col("_platform")).replace(PLATFORMS).alias("channel"))
    parts = [target for target in ("_website_leads", "_meta_leads") if ctx.has(target)]
    if parts and ctx.has("leads"):
        ctx.recomputed.extend(ctx.found[target] for target in parts)
    elif parts:
        numbers = [ctx.number(target) for target in parts]
        value = pl.when(pl.any_horizontal([n.is_not_null() for n in numbers])).then(pl.sum_horizontal(numbers))
        frame = frame.with_columns(derived_text(value, *parts).alias("leads"))
    if ctx.has("_result_kind") and ctx.has("results"):
        frame = _results(ctx, frame)
    elif ctx.has("_result_kind"):
        ctx.unused.append(ctx.found["_result_kind"])
    if ctx.has("_roas") and not ctx.has("revenue"):
        # An export without a conversion-value column still says what purchases earned: ROAS x spend.
        value = ctx.number("_roas") * ctx.number("spend")
        frame = frame.with_columns(derived_text(value, "_roas", "spend").alias("revenue"))
    elif ctx.has("_roas"):
        ctx.recomputed.append(ctx.found["_roas"])
    return frame


LAYOUT = Layout(
    name="meta_ads",
    description="Meta Ads Manager export (Facebook, Instagram), English or German headers",
    fields=FIELDS,
    recomputed=RECOMPUTED,
    unused=UNUSED,
    breakdowns=BREAKDOWNS,
    required=(("spend",), ("impressions",)),
    date_formats=("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y"),
    channel="facebook",
    comma_headers=GERMAN,
    finish=finish,
    segments=("age", "gender", "placement", "device", "country", "region"),
)

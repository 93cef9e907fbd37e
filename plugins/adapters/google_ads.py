"""`google_ads`: Google Ads report downloads (campaign or ad group reports).

The download has banner lines above the header (report name, date range) and
``Total: ...`` rows at the bottom; both are skipped. ``Impr.`` is impressions,
``Cost`` the spend and ``Conv. value`` the revenue; the currency comes from the
``Currency code`` column. All campaigns share the channel ``google_ads`` (what
GA4 calls ``google / cpc``) unless ``channel_from: campaign_type`` splits them
into ``google_search``, ``google_display``, ``youtube``, ...

Segments are kept as dimensions: ``Device``, ``Age`` (or ``Age range``),
``Gender``, ``Network`` or ``Placement`` (as ``placement``), ``Country/Territory``,
``Region``, ``Landing page`` (or ``Expanded landing page``, ``Final URL``); the ad
group is the ``ad_set`` dimension and ``Ad`` (an ad report) the ``ad``. ``Top vs.
Other``, ``Click type`` and a city are summed.
"""

from __future__ import annotations

import polars as pl
from kpi_advisor.problems import ConfigError, Problem

from .reading import Context, Field, Layout, snake_value

FIELDS = (
    Field("date", ("Day", "Date", "Tag", "Week", "Woche", "Month", "Monat")),
    Field("account", ("Account name", "Account", "Kontoname", "Konto")),
    Field("campaign", ("Campaign", "Campaign name", "Kampagne")),
    Field("ad_set", ("Ad group", "Ad group name", "Anzeigengruppe")),
    Field("ad", ("Ad", "Ad name", "Anzeige")),
    Field("_campaign_type", ("Campaign type", "Kampagnentyp", "Advertising channel type"), names=True),
    Field("device", ("Device", "Gerät")),
    Field("age", ("Age", "Age range", "Alter", "Altersgruppe")),
    Field("gender", ("Gender", "Geschlecht")),
    Field("placement", ("Placement", "Network (with search partners)", "Network", "Netzwerk (mit Suchnetzwerk-Partnern)", "Netzwerk", "Placement-Typ")),
    Field("country", ("Country/Territory", "Country/Territory (User location)", "Country/Territory (Matching user location)",
                      "Land/Gebiet", "Land/Gebiet (Nutzerstandort)")),
    Field("region", ("Region", "Region (User location)", "Region (Matching user location)", "Region (Nutzerstandort)")),
    Field("landing_page", ("Landing page", "Expanded landing page", "Final URL", "Zielseite", "Finale URL")),
    Field("currency", ("Currency code", "Currency", "Währungscode", "Währung")),
    Field("impressions", ("Impr.", "Impressions", "Impressionen")),
    Field("clicks", ("Clicks", "Klicks")),
    Field("spend", ("Cost", "Kosten")),
    Field("conversions", ("Conversions", "Conv.", "Conversions (Conv.)")),
    Field("revenue", ("Conv. value", "Conversion value", "Conv.-Wert", "Conversion-Wert")),
    Field("video_views", ("Views", "Video views", "Aufrufe")),
    Field("calls", ("Phone calls", "Anrufe")),
    Field("store_visits", ("Store visits", "Besuche im Geschäft")),
)

RECOMPUTED = (
    "CTR", "Avg. CPC", "Avg. cost", "Avg. CPM", "Avg. CPV", "Interaction rate", "Conv. rate", "Cost / conv.",
    "Conv. value / cost", "Value / conv.", "View rate", "Durchschn. CPC", "Durchschn. Kosten", "Kosten/Conv.",
    "Conv.-Rate", "Interaktionsrate", "Conv.-Wert/Kosten",
)
UNUSED = (
    "Campaign state", "Campaign status", "Status", "Status reasons", "Campaign ID", "Ad group ID", "Customer ID",
    "Budget", "Budget name", "Budget type", "Bid strategy type", "Bid strategy", "Target CPA", "Target ROAS",
    "Optimization score", "Interactions", "Interaction types", "All conv.", "All conv. value", "View-through conv.",
    "Search impr. share", "Search top IS", "Search abs. top IS", "Search lost IS (rank)", "Search lost IS (budget)",
    "Ad group state", "Ad group status", "Ad group type", "Default max. CPC", "Labels", "Kampagnenstatus",
    "Anzeigengruppenstatus", "Alle Conv.", "Interaktionen", "Quarter", "Year", "Day of week",
)
# Summed: no dimension of their own, or a second column for one already taken (Network beside Placement).
BREAKDOWNS = (
    "Network", "Network (with search partners)", "Netzwerk", "Netzwerk (mit Suchnetzwerk-Partnern)", "Top vs. Other", "Click type",
    "Ad network type", "City (User location)", "City", "Stadt", "Expanded landing page", "Final URL", "Placement-Typ",
)
GERMAN = ("Tag", "Kampagne", "Anzeigengruppe", "Kampagnentyp", "Währungscode", "Impressionen", "Klicks", "Kosten", "Conv.-Wert", "Konto")

CAMPAIGN_TYPES = {
    "search": "google_search",
    "display": "google_display",
    "video": "youtube",
    "shopping": "google_shopping",
    "performance_max": "google_pmax",
    "demand_gen": "google_demand_gen",
    "discovery": "google_demand_gen",
    "app": "google_app",
    "smart": "google_smart",
    "local": "google_local",
}


def finish(ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
    how = ctx.options.get("channel_from")
    if how not in (None, "campaign_type"):
        raise ConfigError(Problem(f"{ctx.source}: options.channel_from must be 'campaign_type', got {how!r}"))
    if how == "campaign_type" and not ctx.options.get("channel"):
        if not ctx.has("_campaign_type"):
            raise ConfigError(Problem(f"{ctx.source}: channel_from: campaign_type needs the 'Campaign type' column"))
        kind = snake_value(pl.col("_campaign_type"))
        frame = frame.with_columns(
            kind.replace_strict(CAMPAIGN_TYPES, default=pl.lit("google_") + kind, return_dtype=pl.String).alias("channel")
        )
    elif ctx.has("_campaign_type"):
        ctx.unused.append(ctx.found["_campaign_type"])
        if not ctx.options.get("channel"):
            _other_types_warning(ctx, frame)
    return frame


def _other_types_warning(ctx: Context, frame: pl.LazyFrame) -> None:
    """google_ads' benchmarks (CTR, CPC, conversion rate) are search figures: Display, Video or
    Performance Max campaigns held against them look broken when they are not."""
    kind = snake_value(pl.col("_campaign_type"))
    others = sorted(frame.select(kind.filter(kind.is_not_null() & (kind != "search")).unique()).collect().to_series().to_list())
    if others:
        ctx.warnings.append(f"{ctx.source}: {', '.join(others)} campaigns share the channel google_ads with search, whose "
                            f"benchmarks are search figures; options: {{channel_from: campaign_type}} judges each type on its own")


LAYOUT = Layout(
    name="google_ads",
    description="Google Ads campaign or ad group report download (banner and Total rows skipped)",
    fields=FIELDS,
    recomputed=RECOMPUTED,
    unused=UNUSED,
    breakdowns=BREAKDOWNS,
    required=(("impressions",), ("clicks",), ("spend",)),
    date_formats=("%Y-%m-%d", "%b %d, %Y", "%a, %b %d, %Y", "%B %d, %Y", "%d.%m.%Y", "%m/%d/%Y"),
    channel="google_ads",
    comma_headers=GERMAN,
    finish=finish,
    options=("channel_from",),
    segments=("device", "age", "gender", "placement", "country", "region", "landing_page"),
)

"""`google_ads`: Google Ads report downloads (campaign or ad group reports).

The download has banner lines above the header (report name, date range) and
``Total: ...`` rows at the bottom; both are skipped. ``Impr.`` is impressions,
``Cost`` the spend and ``Conv. value`` the revenue; the currency comes from the
``Currency code`` column. All campaigns share the channel ``google_ads`` (what
GA4 calls ``google / cpc``); campaigns of another ``Campaign type`` (Performance
Max, Display, Video, ...) are channels of their own (``google_pmax``,
``google_display``, ``google_video``, ...), as the google_ads benchmarks are search
figures, and GA4's visits of those campaigns follow them. ``channel_from:
campaign_type`` names search ``google_search`` too.

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
    # Not youtube: GA4 names organic YouTube visits so, and paid video would read them as its own.
    "video": "google_video",
    "shopping": "google_shopping",
    "performance_max": "google_pmax",
    "demand_gen": "google_demand_gen",
    "discovery": "google_demand_gen",
    "app": "google_app",
    "smart": "google_smart",
    "local": "google_local",
}
# Campaign types as other languages and the API write them -> the names above.
TYPE_NAMES = {
    "suchnetzwerk": "search", "search_network": "search", "search_network_only": "search",
    "displaynetzwerk": "display", "display_network": "display", "display_network_only": "display",
    "videos": "video", "lokal": "local", "multi_channel": "app", "app_kampagnen": "app",
}


def finish(ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
    how = ctx.options.get("channel_from")
    if how not in (None, "campaign_type"):
        raise ConfigError(Problem(f"{ctx.source}: options.channel_from must be 'campaign_type', got {how!r}"))
    if ctx.options.get("channel"):
        if ctx.has("_campaign_type"):
            ctx.unused.append(ctx.found["_campaign_type"])
        return frame
    if how == "campaign_type" and not ctx.has("_campaign_type"):
        raise ConfigError(Problem(f"{ctx.source}: channel_from: campaign_type needs the 'Campaign type' column"))
    if not ctx.has("_campaign_type"):
        return frame
    kind = snake_value(pl.col("_campaign_type"))
    kind = kind.replace(TYPE_NAMES)
    if ctx.has("campaign"):
        # A campaign is of one type: a row that leaves it blank is the campaign's, not search.
        kind = kind.fill_null(kind.drop_nulls().first().over([c for c in ("account", "campaign") if ctx.has(c)]))
    if how == "campaign_type":
        return frame.with_columns(kind.replace_strict(CAMPAIGN_TYPES, default=pl.lit("google_") + kind, return_dtype=pl.String).alias("channel"))
    # Search stays google_ads, as GA4 names its visits (google / cpc); every other known type is a
    # channel of its own, as google_ads' benchmarks are search figures: a Display or Performance Max
    # campaign held against a search CTR looks broken when it is not. GA4's visits of such a campaign
    # follow it there (load_dataset); a type not known here stays google_ads, as it did.
    split = {name: channel for name, channel in CAMPAIGN_TYPES.items() if name != "search"}
    return frame.with_columns(kind.replace_strict(split, default=pl.lit("google_ads"), return_dtype=pl.String).alias("channel"))


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
    channels=tuple((channel, "google_ads") for channel in sorted(set(CAMPAIGN_TYPES.values()))),
    segments=("device", "age", "gender", "placement", "country", "region", "landing_page"),
)

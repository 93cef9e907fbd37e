"""`tiktok_ads`: TikTok Ads Manager exports (campaign, ad group or ad level).

``Clicks (destination)`` is the canonical ``clicks``; ``Clicks (all)`` is
``clicks_all``. ``Video views`` counts every start of a video; the 2- and
6-second views are not read. The ``Total of ...`` row is skipped.
"""

from __future__ import annotations

import polars as pl

from .reading import Context, Field, Layout, joined_name

FIELDS = (
    Field("date", ("By Day", "Date", "Day", "Stat time", "Time")),
    Field("account", ("Account name", "Advertiser name", "Account")),
    Field("campaign", ("Campaign name", "Campaign")),
    Field("_ad_group", ("Ad group name", "Ad group")),
    Field("_ad", ("Ad name", "Ad")),
    Field("region", ("Country/Region", "Country", "Region", "Location")),
    Field("currency", ("Currency",)),
    Field("spend", ("Cost", "Total cost", "Spend")),
    Field("impressions", ("Impressions",)),
    Field("reach", ("Reach",)),
    Field("clicks", ("Clicks (destination)", "Clicks")),
    Field("clicks_all", ("Clicks (all)",)),
    Field("conversions", ("Conversions", "Total conversions")),
    Field("results", ("Results",)),
    Field("purchases", ("Complete payment", "Purchases", "Total complete payment")),
    Field("revenue", ("Total complete payment value", "Complete payment value", "Purchase value", "Total purchase value")),
    Field("video_views", ("Video views",)),
    Field("video_completions", ("Video views at 100%",)),
    Field("likes", ("Likes", "Paid likes")),
    Field("comments", ("Comments", "Paid comments")),
    Field("shares", ("Shares", "Paid shares")),
    Field("new_followers", ("Follows", "Paid follows")),
    Field("landing_page_views", ("Landing page views", "Landing page view")),
    Field("installs", ("App install", "App installs")),
)

RECOMPUTED = (
    "CTR (destination)", "CPC (destination)", "CPM", "CTR (all)", "CPC (all)", "CTR", "CPC", "Cost per conversion",
    "Conversion rate (CVR)", "Conversion rate", "CVR", "CVR (destination)", "Cost per result", "Result rate", "Frequency",
    "Complete payment ROAS", "Cost per complete payment", "Cost per 1,000 people reached", "Average play time per video view",
    "Average play time per user", "Cost per app install",
)
UNUSED = (
    "Campaign ID", "Ad group ID", "Ad ID", "Advertiser ID", "Primary status", "Status", "Budget", "Objective",
    "Optimization goal", "Bid strategy", "Result type", "2-second video views", "6-second video views",
    "Video views at 25%", "Video views at 50%", "Video views at 75%", "Profile visits", "Profile visits rate",
    "Attribution setting", "Ad text", "Call to action",
)
BREAKDOWNS = ("Age", "Gender", "Placement", "Platform", "Device")


def finish(ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
    if ctx.has("_ad"):
        return frame.with_columns((joined_name("_ad_group", "_ad") if ctx.has("_ad_group") else pl.col("_ad")).alias("ad"))
    if ctx.has("_ad_group"):
        return frame.with_columns(pl.col("_ad_group").alias("ad"))
    return frame


LAYOUT = Layout(
    name="tiktok_ads",
    description="TikTok Ads Manager campaign, ad group or ad export",
    fields=FIELDS,
    recomputed=RECOMPUTED,
    unused=UNUSED,
    breakdowns=BREAKDOWNS,
    required=(("spend",), ("impressions",)),
    date_formats=("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y"),
    channel="tiktok",
    finish=finish,
)

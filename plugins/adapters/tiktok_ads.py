"""`tiktok_ads`: TikTok Ads Manager exports (campaign, ad group or ad level).

``Clicks (destination)`` is the canonical ``clicks``; ``Clicks (all)`` is
``clicks_all``. ``Video views`` counts every start of a video; the 2- and
6-second views are not read. The ``Total of ...`` row is skipped.

Breakdowns are kept as segment dimensions: ``Age``, ``Gender``, ``Placement``,
``Platform`` or ``Device`` (the operating system, as ``device``),
``Country/Region`` (as ``country``), ``Region`` and ``Interest category``; the
ad group is the ``ad_set`` dimension.
"""

from __future__ import annotations

from .reading import Field, Layout

FIELDS = (
    Field("date", ("By Day", "Date", "Day", "Stat time", "Time")),
    Field("account", ("Account name", "Advertiser name", "Account")),
    Field("campaign", ("Campaign name", "Campaign")),
    Field("ad_set", ("Ad group name", "Ad group")),
    Field("ad", ("Ad name", "Ad")),
    Field("country", ("Country/Region", "Country", "Location")),
    Field("region", ("Region", "Province", "Province/State")),
    Field("age", ("Age",)),
    Field("gender", ("Gender",)),
    Field("placement", ("Placement", "Placements")),
    Field("device", ("Platform", "Device", "Operating system", "OS")),
    Field("interest", ("Interest category", "Interest")),
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
# Summed: a second column for a dimension already taken (Device beside Platform), or one without a dimension.
BREAKDOWNS = ("Platform", "Device", "Operating system", "OS", "Device price", "Language", "Languages", "Hour of day")


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
    segments=("age", "gender", "placement", "device", "country", "region", "interest"),
)

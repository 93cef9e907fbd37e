"""`linkedin_ads`: LinkedIn Campaign Manager performance exports.

The export starts with a few report lines (title, report start and end) above
the header; dates are US style (7/1/2026). ``Clicks to Landing Page`` is the
canonical ``clicks``; LinkedIn's ``Clicks`` (every click on the ad) becomes
``clicks_all`` then, and ``clicks`` only when the landing-page column is missing.

A demographics export keeps ``Country/Region`` as ``country`` and ``Location``
as ``region``; its professional breakdowns (``Job Function``, ``Seniority``,
``Company Size``, ``Company Industry``, ``Job Title``) are summed unless the config
names them under ``segments:`` by their snake_case name (``job_function``).
"""

from __future__ import annotations

import polars as pl

from kpi_advisor.data import LAST_DAY_COLUMN

from .reading import Context, Field, Layout

FIELDS = (
    Field("date", ("Start Date (in UTC)", "Start Date", "Date")),
    # A row covers its start to its end date: one day when the export is by day, the whole report
    # when its time granularity is "All".
    Field(LAST_DAY_COLUMN, ("End Date (in UTC)", "End Date")),
    Field("account", ("Account Name", "Account")),
    Field("campaign", ("Campaign Name", "Campaign")),
    Field("ad", ("Creative Name", "Ad Name", "Creative")),
    Field("country", ("Country/Region", "Country")),
    Field("region", ("Location", "Region", "County")),
    Field("currency", ("Currency",)),
    Field("spend", ("Total Spent", "Amount Spent", "Spend")),
    Field("impressions", ("Impressions",)),
    Field("clicks", ("Clicks to Landing Page", "Landing Page Clicks", "Clicks")),
    Field("clicks_all", ("Clicks",)),
    Field("reach", ("Reach", "Approximate Member Reach", "Member Reach")),
    Field("engagements", ("Total Engagements",)),
    Field("likes", ("Reactions", "Likes")),
    Field("comments", ("Comments",)),
    Field("shares", ("Shares",)),
    Field("new_followers", ("Follows",)),
    Field("leads", ("Leads",)),
    Field("conversions", ("Conversions", "Total Conversions")),
    Field("revenue", ("Total Conversion Value", "Conversion Value")),
    Field("video_views", ("Video Views", "Views")),
    Field("video_completions", ("Video Completions",)),
)

RECOMPUTED = (
    "Average CTR", "CTR", "Click Through Rate", "Average CPC", "Average CPM", "Average Frequency", "Frequency",
    "Cost per Lead", "Conversion Rate", "Cost per Conversion", "Lead Form Completion Rate", "Engagement Rate",
    "Return on Ad Spend", "Return On Ad Spend (ROAS)", "Average CPV", "Landing Page CTR",
)
UNUSED = (
    "End Date (in UTC)", "End Date", "Campaign ID", "Campaign Group ID", "Campaign Group Name", "Campaign Group Status",
    "Campaign Type", "Campaign Objective", "Campaign Status", "Campaign Start Date", "Campaign End Date", "Creative ID",
    "Creative Status", "Ad Introduction Text", "Ad Headline", "Ad Description", "Clicks to LinkedIn Page", "Other Clicks",
    "Total Social Actions", "Lead Forms Opened", "Post-Click Conversions", "View-Through Conversions", "Viral Impressions",
    "Viral Clicks", "Video Starts", "Video Views at 25%", "Video Views at 50%", "Video Views at 75%", "Daily Budget",
    "Total Budget", "Bid Strategy", "Bid Amount", "Account ID",
)

# Audience breakdowns of a demographics export, each a column of member groups.
BREAKDOWNS = ("Job Function", "Job Title", "Seniority", "Company Size", "Company Industry", "Industry", "Company Name", "Member Country",
              "County", "Region")

def finish(ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
    """A Lead Gen Form campaign sends no one to a landing page: its 0 clicks to a landing page
    beside its clicks and leads are not a click-through rate of 0, and are read as not given.
    ``clicks_all`` is found only where ``clicks`` is the landing-page column: otherwise LinkedIn's
    ``Clicks`` is ``clicks`` itself."""
    if not (ctx.has("clicks") and ctx.has("clicks_all") and ctx.has("leads")):
        return frame
    landing = ctx.found["clicks"]
    form = (ctx.number("clicks") == 0) & (ctx.number("clicks_all") > 0) & (ctx.number("leads") > 0)
    rows = frame.select(form.fill_null(False).sum()).collect().item()
    if rows:
        ctx.warnings.append(f"{ctx.source}: {rows} row{'s' if rows != 1 else ''} with leads and clicks but 0 {landing} "
                            f"(Lead Gen Form campaigns): read as sending no one to a landing page, so no landing-page "
                            f"click-through rate is judged on {'them' if rows != 1 else 'it'}")
        frame = frame.with_columns(pl.when(form.fill_null(False)).then(None).otherwise(pl.col("clicks")).alias("clicks"))
    return frame


LAYOUT = Layout(
    name="linkedin_ads",
    description="LinkedIn Campaign Manager campaign or creative performance export",
    fields=FIELDS,
    recomputed=RECOMPUTED,
    unused=UNUSED,
    breakdowns=BREAKDOWNS,
    required=(("impressions",), ("spend",), ("clicks",)),
    date_formats=("%m/%d/%Y", "%Y-%m-%d"),
    channel="linkedin",
    finish=finish,
    segments=("country", "region", "job_function", "seniority", "company_size", "company_industry"),
)

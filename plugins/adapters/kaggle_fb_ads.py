"""`kaggle_fb_ads`: the layout of the public Kaggle "Sales conversion optimization"
Facebook ad data set (one row per ad).

``xyz_campaign_id`` is the campaign, ``ad_id`` the ad; ``Total_Conversion``
counts people who enquired (``conversions``) and ``Approved_Conversion`` those
who bought (``purchases``). The data set counts conversions after a view as
well as after a click, so a row may have more conversions than clicks: that
is kept (and said once), not treated as an error. ``age``, ``gender`` and
``interest`` describe each ad's audience and are kept as segment dimensions; the currency is not
in the file (give ``options: {currency: ...}`` if it matters).
"""

from __future__ import annotations

import polars as pl

from .reading import Context, Field, Layout

FIELDS = (
    Field("ad", ("ad_id",)),
    Field("campaign", ("xyz_campaign_id",)),
    Field("impressions", ("Impressions",)),
    Field("clicks", ("Clicks",)),
    Field("spend", ("Spent",)),
    Field("conversions", ("Total_Conversion",)),
    Field("purchases", ("Approved_Conversion",)),
)
# The audience of each ad, kept as segment dimensions (`segments:` in the config picks which to compare).
SEGMENTS = (Field("age", ("age",)), Field("gender", ("gender",)), Field("interest", ("interest",)))
UNUSED = ("fb_campaign_id",)


def finish(ctx: Context, frame: pl.LazyFrame) -> pl.LazyFrame:
    over = frame.select(
        (ctx.number("conversions") > ctx.number("clicks")).sum().alias("over"),
        pl.len().alias("rows"),
    ).collect().row(0)
    if over[0]:
        ctx.warnings.append(
            f"{ctx.source} (kaggle_fb_ads): {over[0]} of {over[1]} ads report more conversions than clicks "
            "(conversions after a view count too), so click_conversion_rate can exceed 100%"
        )
    return frame


LAYOUT = Layout(
    name="kaggle_fb_ads",
    description="Kaggle Facebook ad-conversion data set (ad_id, xyz_campaign_id, Impressions, Clicks, Spent, ...)",
    fields=FIELDS + SEGMENTS,
    unused=UNUSED,
    required=tuple((f.target,) for f in FIELDS),
    channel="facebook",
    finish=finish,
    segments=("age", "gender", "interest"),
)

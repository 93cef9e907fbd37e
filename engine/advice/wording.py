"""The words the advice shares: how a sentence names a metric, a goal and a business model, what
a funnel stage means, and how to start tracking a count the data lacks. KPI ranking and goal checks
both speak through this module, so neither borrows from the other."""

from __future__ import annotations

from ..loading.catalog import Catalog
from ..models.definitions import GoalDef, MetricDef, ProfileDef

STAGE_PHRASES = {
    "awareness": "an early signal, useful for steering",
    "interest": "it shows interest, not yet intent",
    "evaluation": "it shows deep intent",
    "purchase": "it is the last step before the result",
    "loyalty": "it brings customers back",
}

# How to start tracking a base count the data lacks. A profile's tracking_hints win.
METRIC_HINTS = {
    "impressions": "export impressions per channel and campaign from each platform's insights or ads manager",
    "reach": "export reach per channel and campaign from each platform's insights or ads manager",
    "followers": "export the follower count per channel at the end of each month from each platform's insights",
    "new_followers": "export follows gained per channel and month from each platform's insights",
    "video_views": "export video views per channel from each platform's insights",
    "mentions": "count brand mentions per channel with a social listening tool",
    "competitor_mentions": "count competitors' mentions in the same listening tool and period, for share of voice",
    "spend": "export ad spend per channel and campaign from each ad platform",
    "likes": "export likes and reactions per channel from each platform's insights",
    "comments": "export comments per channel from each platform's insights",
    "shares": "export shares per channel from each platform's insights",
    "saves": "export saves per channel from each platform's insights",
    "engagements": "export total engagements per channel from each platform's insights",
    "clicks": "tag each channel's links with their own UTM parameters and export link clicks per channel",
    "sessions": "tag each channel's links with their own UTM parameters (utm_source, utm_medium, utm_campaign) so analytics splits sessions by channel",
    "bounces": "export bounces (or engaged sessions) per source from analytics, with UTM-tagged links per channel",
    "engaged_sessions": "export engaged sessions per source from analytics, with UTM-tagged links per channel",
    "pageviews": "export page views per source from analytics, with UTM-tagged links per channel",
    "landing_page_views": "export landing page views per campaign from the ad platform, or UTM-tagged sessions from analytics",
    "leads": "add a thank-you-page goal in analytics for every lead form, and tag each channel's links with UTM parameters",
    "qualified_leads": "add a lead form field 'how did you hear about us?' (or a hidden UTM field) and count the leads sales accepts per source in the CRM",
    "demo_requests": "add a thank-you-page goal in analytics after the demo request form, and tag each channel's links with UTM parameters",
    "trial_signups": "add a thank-you-page goal in analytics after the trial sign-up, and tag each channel's links with UTM parameters",
    "content_downloads": "add a thank-you-page goal in analytics after each brochure or e-book download form",
    "webinar_signups": "add a thank-you-page goal in analytics after the webinar registration form",
    "newsletter_signups": "add a thank-you-page goal in analytics after the newsletter sign-up form",
    "inquiries": "count product questions by message, mail and phone per channel, and add a 'how did you hear about us?' field to the contact form",
    "product_page_time": "report average engagement time on product pages per source in analytics",
    "configurator_uses": "send an analytics event when a configuration is finished",
    "test_drive_bookings": "add a thank-you-page goal in analytics after the test-drive booking form",
    "calls": "use a call-tracking number per channel in ads and on the Google Business Profile",
    "direction_requests": "export direction requests from Google Business Profile performance every month",
    "gbp_views": "export Google Business Profile performance (views, website clicks, calls, direction requests) every month",
    "gbp_clicks": "export Google Business Profile performance (views, website clicks, calls, direction requests) every month",
    "ad_revenue": "export ad revenue per page and source from the ad server",
    "subscriptions": "send paid subscriptions from billing to analytics with their original source",
    "add_to_cart": "turn on e-commerce tracking in analytics (add to cart, checkout, purchase by product and source)",
    "checkouts": "turn on e-commerce tracking in analytics (add to cart, checkout, purchase by product and source)",
    "purchases": "turn on e-commerce tracking in analytics (orders by product and source), and tag each channel's links with UTM parameters",
    "revenue": "turn on e-commerce tracking in analytics (revenue by product and source), and tag each channel's links with UTM parameters",
    "customers": "add a lead form field 'how did you hear about us?' and count new customers per source in the CRM",
    "conversions": "set up a conversion (thank-you-page goal) in analytics and in each ad platform",
    "store_visits": "count visits with a footfall counter, or turn on the ad platforms' store-visit conversions",
    "coupon_redemptions": "share a discount code only on social (one code per channel) and count its redemptions at the till",
    "installs": "connect App Store Connect and Google Play Console (or a mobile measurement partner) to get installs per campaign",
    "app_store_views": "export store listing visitors per source from App Store Connect and Google Play Console",
    "retained_users": "export 30-day retained users per cohort from product or app analytics",
    "repeat_purchases": "flag orders from returning customers in the shop or CRM export",
    "reviews": "count new reviews on Google and review sites every month",
    "support_requests": "log support requests that arrive on social in the help desk, per channel",
    "support_replied_within_1h": "export first-reply times for social support requests from the help desk",
    "posts": "count posts published per channel",
}
STAGE_HINTS = {
    "awareness": "export it per channel from each platform's insights",
    "interest": "tag each channel's links with UTM parameters so analytics splits it by channel",
    "evaluation": "add a thank-you-page goal in analytics and a 'how did you hear about us?' field on the lead form",
    "purchase": "turn on e-commerce or CRM tracking by source, and tag each channel's links with UTM parameters",
    "loyalty": "export it per month from the CRM or help desk",
}



def _lower_first(text: str) -> str:
    """'Qualified leads' -> 'qualified leads', but 'CTR', 'SaaS company', 'Google Business Profile views' stay."""
    first = text.split(" ", 1)[0]
    return text if any(c.isupper() for c in first[1:]) or first in PROPER_WORDS else text[:1].lower() + text[1:]


PROPER_WORDS = {"Google", "Facebook", "Instagram", "LinkedIn", "TikTok", "YouTube"}


def metric_label(metric: MetricDef) -> str:
    return _lower_first(metric.title)


def metric_labels(catalog: Catalog, metric_ids: list[str]) -> list[str]:
    """Metrics as a sentence names them ("engagement rate"): a client knows no metric ids; an id the
    catalog does not know stays as it is."""
    return [metric_label(catalog.metrics[m]) if m in catalog.metrics else m for m in metric_ids]


def model_noun(profile: ProfileDef) -> str:
    """'a B2B company', 'an online shop': how a sentence names the model."""
    name = _lower_first(profile.name)
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def goal_label(goal: GoalDef) -> str:
    return _lower_first(goal.name)


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def join_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def tracking_hint(catalog: Catalog, metric_id: str, available: set[str], profile: ProfileDef | None = None) -> str:
    """How to start tracking a metric the data lacks; a derived one names the counts it misses."""

    def hint(base: str) -> str:
        if profile is not None and base in profile.tracking_hints:
            return profile.tracking_hints[base]
        return METRIC_HINTS.get(base) or STAGE_HINTS[catalog.metrics[base].stage]

    if profile is not None and metric_id in profile.tracking_hints:
        return profile.tracking_hints[metric_id]
    missing = [m for m in catalog.base_inputs(metric_id) if m not in available]
    if not missing or missing == [metric_id]:
        return hint(metric_id)
    return f"needs {join_and(metric_labels(catalog, missing))}: {hint(missing[0])}"

"""`kpi-advisor init`: a commented starter config for a business model.

The config validates and runs as written: its example rows carry the counts the
model's funnel needs, and one channel (facebook) leaks on purpose so that the
first run shows what a finding looks like. Every section says what to replace.
"""

from __future__ import annotations

from ..loading.catalog import Catalog
from ..models.definitions import ProfileDef

# Example counts for one quarter: facebook brings many clicks that bounce,
# instagram fewer that stay. Only the columns a model uses are written.
DEMO: dict[str, tuple[float, float]] = {
    "impressions": (120000, 90000),
    "reach": (52000, 41000),
    "clicks": (3600, 1500),
    "sessions": (3300, 1400),
    "bounces": (2650, 450),
    "spend": (2400, 1500),
    "pageviews": (5100, 3900),
    "gbp_views": (5200, 4100),
    "gbp_clicks": (310, 260),
    "calls": (24, 31),
    "direction_requests": (40, 46),
    "app_store_views": (1600, 1250),
    "installs": (410, 380),
    "content_downloads": (42, 55),
    "webinar_signups": (14, 21),
    "newsletter_signups": (60, 85),
    "inquiries": (18, 26),
    "leads": (66, 72),
    "qualified_leads": (20, 29),
    "demo_requests": (9, 13),
    "trial_signups": (31, 37),
    "configurator_uses": (150, 125),
    "test_drive_bookings": (12, 16),
    "add_to_cart": (140, 125),
    "checkouts": (71, 82),
    "purchases": (33, 46),
    "revenue": (3150, 4400),
    "subscriptions": (10, 15),
    "customers": (6, 9),
    "store_visits": (210, 265),
    "coupon_redemptions": (38, 57),
    "ad_revenue": (430, 330),
    "retained_users": (120, 150),
    "reviews": (4, 7),
}
ALWAYS = ("impressions", "reach", "clicks", "sessions", "bounces", "spend")
# What a customer is worth to each shipped model, as a starting point to replace.
CUSTOMER_VALUE = {
    "dtc_ecommerce": 100, "b2b": 12000, "saas": 1800, "car_dealership": 3000, "brick_and_mortar": 60,
    "local_business": 80, "publisher": 40, "mobile_app": 25, "consulting": 20000,
}
# Typical shares of people taking a micro action who later buy.
MICRO_RATES = {
    "content_downloads": 0.02, "webinar_signups": 0.3, "newsletter_signups": 0.01, "demo_requests": 0.25,
    "trial_signups": 0.15, "test_drive_bookings": 0.3, "inquiries": 0.2, "calls": 0.2, "direction_requests": 0.1,
    "leads": 0.1, "qualified_leads": 0.3, "configurator_uses": 0.05, "installs": 0.05, "add_to_cart": 0.25,
}


def _columns(profile: ProfileDef, catalog: Catalog) -> list[str]:
    wanted = set(ALWAYS)
    for stage_metrics in profile.stages.values():
        wanted.update(stage_metrics)
    for metric_id in list(profile.macro_kpis) + list(profile.proxies):
        metric = catalog.metrics.get(metric_id)
        if metric is None:
            continue
        wanted.add(metric_id)
        if metric.formula:
            from ..language import expr

            wanted.update(expr.parse(metric.formula).names)
    return [column for column in DEMO if column in wanted]


def _goal_metric(profile: ProfileDef, catalog: Catalog, objective: str, columns: list[str]) -> str:
    """The best-ranked count for the objective that the example rows hold, so the goal passes its SMART check."""
    from ..advice.kpis import rank_kpis

    ranked = [r.metric for r in rank_kpis(catalog, profile, [objective], limit=None) if not r.vanity]
    for metric_id in ranked + list(profile.macro_kpis):
        metric = catalog.metrics.get(metric_id)
        if metric is not None and not metric.derived and metric_id in columns:
            return metric_id
    deepest = [c for c in columns if c not in ALWAYS]
    return deepest[-1] if deepest else "clicks"


def _record(channel: str, index: int, columns: list[str]) -> str:
    values = ", ".join(f"{column}: {DEMO[column][index]:g}" for column in columns)
    return f"      - {{channel: {channel}, {values}}}"


def starter_config(profile: ProfileDef, catalog: Catalog) -> str:
    columns = _columns(profile, catalog)
    objective = next((goal for goal, relevance in profile.goals.items() if relevance == "core"), next(iter(profile.goals), "sales"))
    metric = _goal_metric(profile, catalog, objective, columns)
    baseline = sum(DEMO[metric]) if metric in DEMO else 100
    micro = [c for c in columns if c in MICRO_RATES and c != metric][:2]
    value = CUSTOMER_VALUE.get(profile.id, 100)
    micro_lines = "\n".join(f"    - {{action: {action}, to_customer_rate: {MICRO_RATES[action]:g}}}" for action in micro) or "    []"
    def line(code: str, comment: str = "") -> str:
        return f"{code:<40} # {comment}" if comment else code

    lines = [
        f"# A starter config for a {profile.name}. Replace the example numbers with your client's, then",
        "#   kpi-advisor run THIS_FILE                        (a report in the terminal)",
        "#   kpi-advisor run THIS_FILE -o report.html         (a report to send, with funnel charts)",
        "# Check it with kpi-advisor validate THIS_FILE; every field: kpi-advisor schema config",
        "",
        line("client: Example client", "shown at the top of every report"),
        line(f"business_model: {profile.id}", "what kind of business; kpi-advisor list models"),
        line("currency: EUR", "ISO code for spend, revenue and money at stake"),
        line("period: {start: 2026-07-01, end: 2026-09-30}", "the time the data covers"),
        "",
        "# What the client wants to reach. Each goal gets a SMART check in the report.",
        "goals:",
        line("  - id: main-goal"),
        line(f"    objective: {objective}", "kpi-advisor list goals"),
        line(f"    metric: {metric}", "the number that shows the goal is met"),
        line("    channel: all", "or one channel, e.g. instagram"),
        line(f"    baseline: {baseline:g}", "where it stands today"),
        line('    change: "+20%"', "or an absolute target, e.g. target: 500"),
        line("    by: 2026-12-31", "a goal without a date is not time-bound"),
        "",
        "# What a customer is worth, so findings can say how much money is at stake, and what a",
        "# micro action (a download, a sign-up) is worth: its rate to a customer x that value.",
        "economics:",
        line(f"  customer_value: {value:g}", "or average_order_value / customer_lifetime_value"),
        "  micro_conversions:",
        micro_lines,
        "",
        "# The numbers: inline rows like these, or exports (csv: or parquet: files with a format:",
        "# generic, meta_ads, google_ads, ga4, linkedin_ads, tiktok_ads). One row per channel here;",
        "# add a date column (a row per channel and month) and goals get a status too.",
        "# facebook's row leaks on purpose: most of its visits bounce, so the first run shows a finding.",
        "data:",
        "  - records:",
        _record("facebook", 0, columns),
        _record("instagram", 1, columns),
        line("  # - csv: exports/meta_ads.csv", "relative to this file"),
        "  #   format: meta_ads",
        "",
        "# Rules that look for leaks; every shipped rule runs unless disabled. kpi-advisor list rules",
        "rules:",
        line("  disable: []", "e.g. [low-share-rate]"),
        line("  params: {}", "e.g. {landing-page-leak: {max_bounce_rate: 0.7}}"),
        "",
    ]
    return "\n".join(lines)

"""The built-in metric catalogue: base counts read from data, and derived
metrics as formulas over them. Ratios are always re-derived from summed counts."""

from __future__ import annotations

from kpi_advisor import hookimpl


def _base(id, stage, description, *, name="", unit="count", vanity=False, aliases=(), aggregate="sum", direction="higher"):
    return {
        "id": id,
        "name": name or id.replace("_", " ").capitalize(),
        "stage": stage,
        "unit": unit,
        "direction": direction,
        "description": description,
        "vanity": vanity,
        "aliases": list(aliases),
        "aggregate": aggregate,
    }


def _derived(id, formula, stage, description, *, name="", unit="ratio", direction="higher", vanity=False):
    return {
        "id": id,
        "name": name or id.replace("_", " ").capitalize(),
        "formula": formula,
        "stage": stage,
        "unit": unit,
        "direction": direction,
        "description": description,
        "vanity": vanity,
    }


BASE = [
    # awareness
    _base("impressions", "awareness", "How many times the content or ad was shown.", vanity=True),
    _base("reach", "awareness", "How many different people saw the content or ad at least once.", vanity=True),
    _base("followers", "awareness", "People following the account at the end of the period.", vanity=True, aggregate="last"),
    _base("new_followers", "awareness", "Followers gained during the period.", vanity=True),
    _base("video_views", "awareness", "Times a video was watched past the platform's view threshold.", vanity=True),
    _base("mentions", "awareness", "Times the brand was mentioned by others.", vanity=True),
    _base("competitor_mentions", "awareness", "Times competitors were mentioned in the same period, for share of voice."),
    _base("spend", "awareness", "Money spent on ads.", unit="currency", direction="neutral", aliases=("cost", "amount_spent")),
    # interest
    _base("likes", "interest", "Likes and reactions on the content.", vanity=True, aliases=("reactions",)),
    _base("comments", "interest", "Comments on the content.", vanity=True),
    _base("shares", "interest", "Times people passed the content on to others.", aliases=("reposts",)),
    _base("saves", "interest", "Times people saved the content for later.", vanity=True),
    _base("engagements", "interest", "All interactions reported by the platform (likes, comments, shares, saves, clicks).", vanity=True),
    _base("posts", "interest", "Posts published in the period.", direction="neutral"),
    _base("clicks", "interest", "Link clicks that lead to the website or landing page.", aliases=("link_clicks",)),
    _base("sessions", "interest", "Visits to the website.", aliases=("visits",)),
    _base("bounces", "interest", "Visits that left without a second page or any engagement.", direction="lower"),
    _base("engaged_sessions", "interest", "Visits that lasted, viewed two pages or converted (GA4)."),
    _base("pageviews", "interest", "Pages viewed on the website.", vanity=True, aliases=("page_views",)),
    _base("landing_page_views", "interest", "Landing page loads after an ad click."),
    # evaluation
    _base("leads", "evaluation", "Contacts who left their details (form, call, sign-up).", aliases=("lead",)),
    _base("qualified_leads", "evaluation", "Leads that sales accepted as a real prospect."),
    _base("demo_requests", "evaluation", "Requests for a demo."),
    _base("trial_signups", "evaluation", "Sign-ups for a free trial."),
    _base("content_downloads", "evaluation", "Downloads of a brochure, ebook or white paper.", aliases=("ebook_downloads", "brochure_downloads")),
    _base("webinar_signups", "evaluation", "Sign-ups for a webinar."),
    _base("inquiries", "evaluation", "Questions about a product by message, mail or phone."),
    _base("product_page_time", "evaluation", "Seconds spent on product pages.", unit="seconds"),
    _base("configurator_uses", "evaluation", "Times the online product configurator was used."),
    _base("test_drive_bookings", "evaluation", "Test drives booked online."),
    _base("calls", "evaluation", "Phone calls started from a listing or ad."),
    _base("direction_requests", "evaluation", "Requests for directions to the business."),
    _base("gbp_views", "awareness", "Views of the Google Business Profile.", name="Google Business Profile views"),
    _base("gbp_clicks", "interest", "Website clicks from the Google Business Profile.", name="Google Business Profile clicks"),
    _base("ad_revenue", "purchase", "Advertising revenue earned on the publisher's pages.", unit="currency"),
    _base("subscriptions", "purchase", "Paid subscriptions started."),
    # purchase
    _base("add_to_cart", "purchase", "Times a product was added to the cart.", aliases=("adds_to_cart",)),
    _base("checkouts", "purchase", "Checkouts started."),
    _base("purchases", "purchase", "Orders placed.", aliases=("orders", "conversions_purchase")),
    _base("customers", "purchase", "New customers won (deals closed)."),
    _base("revenue", "purchase", "Money from sales.", unit="currency", aliases=("sales",)),
    _base("conversions", "purchase", "Conversions as counted by the ad platform or analytics goal."),
    _base("store_visits", "purchase", "Visits to a physical store attributed to the campaign."),
    _base("coupon_redemptions", "purchase", "Discount codes shared only on social that were redeemed."),
    _base("installs", "purchase", "App installs."),
    # loyalty and support
    _base("repeat_purchases", "loyalty", "Orders from returning customers."),
    _base("support_requests", "loyalty", "Customer questions or complaints received on social.", direction="neutral"),
    _base("support_replied_within_1h", "loyalty", "Support requests answered within an hour."),
]

DERIVED = [
    _derived("frequency", "impressions / reach", "awareness", "Average times each person saw the ad.", unit="number", direction="neutral"),
    _derived("cpm", "spend / impressions * 1000", "awareness", "Cost per thousand impressions.", name="CPM", unit="currency", direction="lower"),
    _derived("share_of_voice", "mentions / (mentions + competitor_mentions)", "awareness", "The brand's share of all mentions in its market."),
    _derived("engagement_rate", "engagements / impressions", "interest", "Interactions per impression (definition: engagements / impressions)."),
    _derived("share_rate", "shares / impressions", "interest", "Shares per impression: whether people pass the offer on."),
    _derived("ctr", "clicks / impressions", "interest", "Share of impressions that led to a link click.", name="CTR"),
    _derived("cpc", "spend / clicks", "interest", "Cost per link click.", name="CPC", unit="currency", direction="lower"),
    _derived("bounce_rate", "bounces / sessions", "interest", "Share of visits that left without engaging.", direction="lower"),
    _derived("click_to_session_rate", "sessions / clicks", "interest", "Share of ad clicks that arrived as a website visit."),
    _derived("visit_to_lead_rate", "leads / sessions", "evaluation", "Share of visits that became a lead."),
    _derived("lead_to_customer_rate", "customers / leads", "purchase", "Share of leads that became customers."),
    _derived("cost_per_lead", "spend / leads", "evaluation", "Ad spend per lead.", unit="currency", direction="lower"),
    _derived("conversion_rate", "purchases / sessions", "purchase", "Share of visits that ended in an order."),
    _derived("cart_abandonment_rate", "1 - purchases / add_to_cart", "purchase", "Share of carts that did not end in an order.", direction="lower"),
    _derived("cost_per_acquisition", "spend / purchases", "purchase", "Ad spend per order.", unit="currency", direction="lower"),
    _derived("roas", "revenue / spend", "purchase", "Revenue per unit of ad spend.", name="ROAS", unit="number"),
    _derived("average_order_value", "revenue / purchases", "purchase", "Revenue per order.", unit="currency"),
    _derived("cost_per_install", "spend / installs", "purchase", "Ad spend per app install.", unit="currency", direction="lower"),
    _derived("support_response_rate_1h", "support_replied_within_1h / support_requests", "loyalty", "Share of support requests answered within an hour."),
]


# added for profiles (issue 5)
# Base counts and ratios the business-model profiles name that the catalogue
# lacked: reviews and newsletter sign-ups, the app-store step and retention of
# an app, and the rates that link one stage of a model's funnel to the next.
BASE += [
    _base("reviews", "loyalty", "New customer reviews on Google, Facebook or review sites."),
    _base("newsletter_signups", "evaluation", "Sign-ups for the e-mail newsletter."),
    _base("app_store_views", "evaluation", "Views of the app's page in the App Store or Google Play.", name="App store page views"),
    _base("retained_users", "loyalty", "People still active 30 days after they started (installed, subscribed or signed up).",
          name="Users retained at 30 days"),
]
DERIVED += [
    _derived("qualified_lead_rate", "qualified_leads / leads", "evaluation", "Share of leads that sales accepted as a real prospect."),
    _derived("cost_per_qualified_lead", "spend / qualified_leads", "evaluation", "Ad spend per qualified lead.", unit="currency", direction="lower"),
    _derived("cost_per_trial", "spend / trial_signups", "evaluation", "Ad spend per free-trial sign-up.", unit="currency", direction="lower"),
    _derived("trial_to_paid_rate", "subscriptions / trial_signups", "purchase", "Share of free trials that became paid subscriptions."),
    _derived("cost_per_test_drive", "spend / test_drive_bookings", "evaluation", "Ad spend per test drive booked.", unit="currency", direction="lower"),
    _derived("test_drive_to_sale_rate", "purchases / test_drive_bookings", "purchase", "Cars sold per test drive booked."),
    _derived("pages_per_session", "pageviews / sessions", "interest", "Pages read per visit.", unit="number"),
    _derived("page_rpm", "ad_revenue / pageviews * 1000", "purchase", "Ad revenue per thousand page views.", name="Page RPM", unit="currency"),
    _derived("install_rate", "installs / app_store_views", "purchase", "Share of app store page views that ended in an install."),
    _derived("retention_rate", "retained_users / installs", "loyalty", "Share of installs still active 30 days later."),
    _derived("repeat_purchase_rate", "repeat_purchases / purchases", "loyalty", "Share of orders that came from returning customers."),
]
# end of the block added for profiles (issue 5)


@hookimpl
def kpi_advisor_metrics():
    return BASE + DERIVED

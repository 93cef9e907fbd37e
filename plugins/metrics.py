"""The built-in metric catalogue: base counts read from data, and derived
metrics as formulas over them. Ratios are always re-derived from summed counts.

Ids and aliases here are public: rules, profiles, goals and client configs
name them, so an id is never renamed, only added (`kpi-advisor list metrics`).
"""

from __future__ import annotations

from kpi_advisor import hookimpl


def _base(id, stage, description, *, name="", unit="count", vanity=False, aliases=(), combine="sum", direction="higher"):
    return {
        "id": id,
        "name": name or id.replace("_", " ").capitalize(),
        "stage": stage,
        "unit": unit,
        "direction": direction,
        "description": description,
        "vanity": vanity,
        "aliases": list(aliases),
        "combine": combine,
    }


def _derived(id, formula, stage, description, *, name="", unit="ratio", direction="higher", vanity=False, paired=True):
    return {
        "id": id,
        "name": name or id.replace("_", " ").capitalize(),
        "formula": formula,
        "stage": stage,
        "unit": unit,
        "direction": direction,
        "description": description,
        "vanity": vanity,
        **({} if paired else {"paired": False}),
    }


BASE = [
    # --- reach and awareness
    _base("impressions", "awareness", "How many times the content or ad was shown.", vanity=True, aliases=("impr",)),
    _base("reach", "awareness", "How many different people saw the content or ad at least once.", vanity=True, combine="max",
          aliases=("accounts_reached", "approximate_member_reach")),
    _base("followers", "awareness", "People following the account at the end of the period.", vanity=True, combine="latest",
          aliases=("fans", "page_followers", "total_followers")),
    _base("new_followers", "awareness", "Followers gained during the period, after those who left (follower growth).",
          name="Follower growth", vanity=True, aliases=("follower_growth", "net_followers", "followers_gained", "follows")),
    _base("video_views", "awareness", "Times a video was watched past the platform's view threshold.", vanity=True,
          aliases=("video_plays",)),
    _base("video_completions", "awareness", "Times a video was watched to the end.", vanity=True,
          aliases=("video_views_100", "video_plays_100", "completed_views")),
    _base("mentions", "awareness", "Times the brand was mentioned by others.", vanity=True, aliases=("brand_mentions",)),
    _base("competitor_mentions", "awareness", "Times competitors were mentioned in the same period, for share of voice."),
    _base("spend", "awareness", "Money spent on ads.", name="Ad spend", unit="currency", direction="neutral",
          aliases=("cost", "amount_spent", "spent", "total_spent", "ad_spend")),
    _base("gbp_views", "awareness", "Views of the Google Business Profile.", name="Google Business Profile views",
          aliases=("business_profile_views",)),
    # --- interest and engagement
    _base("likes", "interest", "Likes and reactions on the content.", vanity=True, aliases=("reactions", "post_reactions")),
    _base("comments", "interest", "Comments on the content.", vanity=True, aliases=("post_comments",)),
    _base("shares", "interest", "Times people passed the content on to others.", aliases=("reposts", "post_shares", "retweets")),
    _base("saves", "interest", "Times people saved the content for later.", vanity=True, aliases=("post_saves", "bookmarks")),
    _base("engagements", "interest", "All interactions reported by the platform (likes, comments, shares, saves, clicks).",
          vanity=True, aliases=("interactions", "post_engagement", "post_engagements", "total_engagements")),
    _base("posts", "interest", "Posts published in the period.", direction="neutral", aliases=("posts_published",)),
    _base("clicks", "interest", "Link clicks that lead to the website or landing page.", name="Link clicks",
          aliases=("link_clicks", "clicks_to_landing_page", "destination_clicks")),
    _base("clicks_all", "interest", "All clicks on the ad, including clicks on the profile, likes and 'see more', not only those that lead to the website.",
          name="All clicks", vanity=True, aliases=("all_clicks",)),
    _base("sessions", "interest", "Visits to the website.", aliases=("visits",)),
    _base("users", "interest", "People who visited the website, as counted by analytics (the best period counts: a person seen on two days is one person).",
          combine="max", aliases=("active_users", "total_users", "visitors")),
    _base("bounces", "interest", "Visits that left without a second page or any engagement.", direction="lower"),
    _base("engaged_sessions", "interest", "Visits that lasted, viewed two pages or converted (GA4)."),
    _base("engagement_time", "interest", "Seconds visitors spent engaged on the website, added up over all visits.",
          name="Engagement time", unit="seconds", aliases=("user_engagement", "total_engagement_time", "session_duration")),
    _base("pageviews", "interest", "Pages viewed on the website.", vanity=True, aliases=("page_views", "screen_page_views")),
    _base("landing_page_views", "interest", "Landing page loads after an ad click."),
    _base("gbp_clicks", "interest", "Website clicks from the Google Business Profile.", name="Google Business Profile clicks",
          aliases=("business_profile_clicks",)),
    _base("results", "interest", "Outcomes counted for the campaign's objective (Meta's 'Results'); what they are depends on the objective.",
          direction="higher"),
    # --- evaluation
    _base("leads", "evaluation", "Contacts who left their details (form, call, sign-up).", aliases=("lead", "lead_form_submissions")),
    _base("qualified_leads", "evaluation", "Leads that sales accepted as a real prospect.", aliases=("sales_qualified_leads",)),
    _base("demo_requests", "evaluation", "Requests for a demo.", aliases=("demo_bookings",)),
    _base("trial_signups", "evaluation", "Sign-ups for a free trial.", aliases=("trial_requests", "trials", "free_trials")),
    _base("content_downloads", "evaluation", "Downloads of a brochure, ebook or white paper.",
          aliases=("ebook_downloads", "brochure_downloads", "whitepaper_downloads")),
    _base("webinar_signups", "evaluation", "Sign-ups for a webinar.", aliases=("webinar_registrations",)),
    _base("inquiries", "evaluation", "Questions about a product by message, mail or phone.", aliases=("enquiries",)),
    _base("product_page_time", "evaluation", "Seconds spent on product pages.", unit="seconds"),
    _base("configurator_uses", "evaluation", "Times the online product configurator was used."),
    _base("test_drive_bookings", "evaluation", "Test drives booked online."),
    _base("calls", "evaluation", "Phone calls started from a listing or ad.", aliases=("phone_calls",)),
    _base("direction_requests", "evaluation", "Requests for directions to the business.", aliases=("directions",)),
    _base("non_revenue_conversions", "evaluation", "Conversions that carry no sale value, such as sign-ups, downloads or calls."),
    # --- purchase
    _base("ad_revenue", "purchase", "Advertising revenue earned on the publisher's pages.", unit="currency"),
    _base("subscriptions", "purchase", "Paid subscriptions started."),
    _base("add_to_cart", "purchase", "Times a product was added to the cart.", name="Adds to cart",
          aliases=("adds_to_cart", "add_to_carts")),
    _base("checkouts", "purchase", "Checkouts started.", aliases=("checkouts_initiated", "initiate_checkout")),
    _base("purchases", "purchase", "Orders placed in the shop.", aliases=("orders", "conversions_purchase", "transactions", "ecommerce_purchases")),
    _base("customers", "purchase", "New customers won (deals closed).", aliases=("new_customers", "deals_won")),
    _base("revenue", "purchase", "Money from sales.", unit="currency",
          aliases=("sales", "conversion_value", "conv_value", "purchase_value", "total_revenue", "purchase_revenue")),
    _base("conversions", "purchase", "Conversions as counted by the ad platform or analytics goal.",
          aliases=("key_events", "total_conversions", "total_conversion")),
    _base("store_visits", "purchase", "Visits to a physical store attributed to the campaign.", aliases=("footfall",)),
    _base("coupon_redemptions", "purchase", "Discount codes shared only on social that were redeemed.", aliases=("coupons_redeemed",)),
    _base("installs", "purchase", "Times the app was installed.", aliases=("app_installs",)),
    # --- loyalty and support
    _base("repeat_purchases", "loyalty", "Orders from returning customers.", aliases=("repeat_orders",)),
    _base("customer_lifetime_revenue", "loyalty",
          "Revenue the period's new customers are expected to bring over the whole relationship (from the CRM).",
          unit="currency", aliases=("lifetime_revenue",)),
    _base("support_requests", "loyalty", "Customer questions or complaints received on social.", direction="neutral",
          aliases=("support_tickets",)),
    _base("support_replied_within_1h", "loyalty", "Support requests answered within an hour.",
          aliases=("replied_within_1h", "answered_within_1h")),
    _base("first_response_minutes", "loyalty",
          "Minutes until the first reply to a support request: per request, or the average over the row's requests.",
          unit="number", direction="lower", combine="mean", aliases=("first_response_time_minutes", "avg_first_response_minutes")),
    _base("first_response_minutes_total", "loyalty",
          "Minutes until the first reply, added up over all support requests (derived from first_response_minutes where not given).",
          unit="number", direction="lower"),
    _base("resolved_issues", "loyalty", "Support requests that were resolved.", aliases=("resolved_requests", "support_resolved")),
    _base("positive_mentions", "loyalty", "Mentions with a positive tone, as a listening tool classifies them."),
    _base("negative_mentions", "loyalty", "Mentions with a negative tone, as a listening tool classifies them.", direction="lower"),
]

DERIVED = [
    # --- reach and awareness
    _derived("frequency", "impressions / reach", "awareness", "Average times each person saw the ad.", unit="number", direction="neutral"),
    _derived("cpm", "spend / impressions * 1000", "awareness", "Cost per thousand impressions.", name="CPM", unit="currency", direction="lower"),
    _derived("share_of_voice", "mentions / (mentions + competitor_mentions)", "awareness", "The brand's share of all mentions in its market."),
    _derived("follower_growth_rate", "new_followers / (followers - new_followers)", "awareness",
             "Followers gained in the period as a share of the followers at its start.", vanity=True),
    _derived("video_view_rate", "video_views / impressions", "awareness", "Share of impressions that turned into a video view."),
    _derived("video_completion_rate", "video_completions / video_views", "awareness", "Share of video views that lasted to the end."),
    _derived("cost_per_video_view", "spend / video_views", "awareness", "Ad spend per video view.", name="Cost per video view",
             unit="currency", direction="lower"),
    # --- interest and engagement
    _derived("engagement_rate", "engagements / impressions", "interest", "Interactions per impression (definition: engagements / impressions)."),
    _derived("engagement_per_follower", "engagements / followers", "interest",
             "Interactions per follower, the definition some benchmarks use instead of per impression."),
    _derived("average_engagement_per_post", "engagements / posts", "interest", "Interactions each post gets on average.", unit="number"),
    _derived("share_rate", "shares / impressions", "interest", "Shares per impression: whether people pass the offer on."),
    _derived("amplification_rate", "shares / posts / followers", "interest",
             "Shares per post for each follower: how far followers carry each post to their own networks."),
    _derived("ctr", "clicks / impressions", "interest", "Share of impressions that led to a link click.", name="CTR"),
    _derived("ctr_all", "clicks_all / impressions", "interest", "Share of impressions that led to any click on the ad.",
             name="CTR (all clicks)", vanity=True),
    _derived("cpc", "spend / clicks", "interest", "Cost per link click.", name="CPC", unit="currency", direction="lower"),
    _derived("landing_page_view_rate", "landing_page_views / clicks", "interest",
             "Share of link clicks whose landing page finished loading."),
    _derived("bounce_rate", "bounces / sessions", "interest",
             "Share of visits that left without engaging (in GA4: 1 - engagement rate).", direction="lower"),
    _derived("session_engagement_rate", "engaged_sessions / sessions", "interest",
             "Share of visits that engaged: stayed, viewed two pages or converted (GA4's engagement rate)."),
    _derived("time_on_site", "engagement_time / sessions", "interest", "Average engaged seconds per visit.", unit="seconds"),
    _derived("click_to_session_rate", "sessions / clicks", "interest", "Share of ad clicks that arrived as a website visit."),
    _derived("gbp_click_rate", "gbp_clicks / gbp_views", "interest", "Share of Google Business Profile views that led to a website click.",
             name="Google Business Profile click rate"),
    # --- evaluation
    _derived("visit_to_lead_rate", "leads / sessions", "evaluation", "Share of visits that became a lead."),
    _derived("cost_per_lead", "spend / leads", "evaluation", "Ad spend per lead.", unit="currency", direction="lower"),
    _derived("cost_per_result", "spend / results", "evaluation", "Ad spend per result of the campaign's objective.",
             unit="currency", direction="lower"),
    # --- purchase
    _derived("lead_to_customer_rate", "customers / leads", "purchase", "Share of leads that became customers."),
    _derived("conversion_rate", "purchases / sessions", "purchase", "Share of visits that ended in an order."),
    _derived("click_conversion_rate", "conversions / clicks", "purchase",
             "Conversions per link click; it can exceed 100% where the platform also counts conversions after a view."),
    _derived("add_to_cart_rate", "add_to_cart / sessions", "purchase", "Share of visits that added a product to the cart."),
    _derived("cart_abandonment_rate", "1 - purchases / add_to_cart", "purchase", "Share of carts that did not end in an order.", direction="lower"),
    _derived("cost_per_acquisition", "spend / purchases", "purchase", "Ad spend per order.", unit="currency", direction="lower"),
    _derived("cost_per_conversion", "spend / conversions", "purchase", "Ad spend per conversion the platform counted.",
             unit="currency", direction="lower"),
    _derived("roas", "revenue / spend", "purchase", "Revenue per unit of ad spend, from the rows that carry spend (paid only).",
             name="ROAS", unit="number"),
    _derived("mer", "revenue / spend", "purchase",
             "Marketing efficiency ratio: all revenue, paid or not, per unit of ad spend (blended; ROAS is the paid-only figure).",
             name="MER", unit="number", paired=False),
    _derived("average_order_value", "revenue / purchases", "purchase", "Revenue per order.", unit="currency"),
    _derived("cost_per_customer", "spend / customers", "purchase",
             "Ad spend per new paying customer (customer acquisition cost): cost per lead over the lead-to-customer rate.",
             unit="currency", direction="lower"),
    _derived("cost_per_install", "spend / installs", "purchase", "Ad spend per app install.", unit="currency", direction="lower"),
    # --- loyalty and support
    _derived("customer_lifetime_value", "customer_lifetime_revenue / customers", "loyalty",
             "Revenue one customer brings over the whole relationship, on average.", unit="currency"),
    _derived("support_response_rate_1h", "support_replied_within_1h / support_requests", "loyalty",
             "Share of support requests answered within an hour."),
    _derived("average_first_response_minutes", "first_response_minutes_total / support_requests", "loyalty",
             "Average minutes until the first reply to a support request, weighted by requests.", unit="number", direction="lower"),
    _derived("resolution_rate", "resolved_issues / support_requests", "loyalty", "Share of support requests that were resolved."),
    _derived("sentiment", "(positive_mentions - negative_mentions) / (positive_mentions + negative_mentions)", "loyalty",
             "Net tone of mentions from -1 (all negative) to +1 (all positive).", name="Net sentiment", unit="number"),
]

# added for rules (issue 6)
# Ratios whose formulas are the definitions of published benchmarks, so that
# rules compare like with like (see docs/benchmarks.md).
DERIVED += [
    _derived("click_to_lead_rate", "leads / clicks", "evaluation", "Share of ad clicks that became a lead."),
    _derived("engagement_rate_per_post", "engagements / posts / followers", "interest",
             "Engagements per post as a share of followers (the definition Rival IQ's benchmarks use).", vanity=True),
]
# end of the block added for rules (issue 6)


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

"""The social goal objectives: eight from practice, plus app installs and loyalty.

``metrics`` lists how an objective is measured when a business-model profile
says nothing more specific, best measure first. A profile narrows the list to
the metrics it tracks, or replaces it (``goal_kpis``): a local business
measures web traffic by its Google Business Profile clicks before site visits.
"""

from __future__ import annotations

from kpi_advisor import hookimpl

GOALS = [
    {"id": "awareness", "name": "Brand awareness", "stage": "awareness",
     "description": "More of the right people know the brand.",
     "metrics": ["reach", "impressions", "share_of_voice", "new_followers", "followers", "video_views", "frequency", "cpm"]},
    {"id": "engagement", "name": "Engagement", "stage": "interest",
     "description": "People interact with what the brand posts.",
     "metrics": ["engagement_rate", "shares", "comments", "saves", "share_rate", "engagements", "likes"]},
    {"id": "traffic", "name": "Web traffic", "stage": "interest",
     "description": "Social and ads send visitors who stay.",
     "metrics": ["sessions", "clicks", "ctr", "landing_page_views", "bounce_rate", "cpc", "click_to_session_rate", "pages_per_session"]},
    {"id": "reputation", "name": "Reputation", "stage": "awareness",
     "description": "People speak well of the brand.",
     "metrics": ["share_of_voice", "mentions", "reviews", "shares", "comments"]},
    {"id": "leads", "name": "Lead generation", "stage": "evaluation",
     "description": "Prospects leave their details and become qualified leads.",
     "metrics": ["qualified_leads", "demo_requests", "trial_signups", "webinar_signups", "content_downloads", "leads",
                 "cost_per_qualified_lead", "cost_per_lead", "visit_to_lead_rate", "qualified_lead_rate"]},
    {"id": "community", "name": "Community", "stage": "loyalty",
     "description": "A group of customers and fans who talk to the brand and each other.",
     "metrics": ["comments", "engagement_rate", "shares", "new_followers", "followers", "saves"]},
    {"id": "sales", "name": "Revenue and sales", "stage": "purchase",
     "description": "Social and ads lead to orders and revenue.",
     "metrics": ["revenue", "purchases", "roas", "conversion_rate", "cost_per_acquisition", "average_order_value",
                 "checkouts", "add_to_cart"]},
    {"id": "support", "name": "Customer support", "stage": "loyalty",
     "description": "Questions asked on social are answered quickly.",
     "metrics": ["support_response_rate_1h", "support_replied_within_1h", "support_requests"]},
    {"id": "app_installs", "name": "App installs", "stage": "purchase",
     "description": "People install the app at a sustainable cost.",
     "metrics": ["installs", "cost_per_install", "install_rate", "app_store_views", "ctr", "clicks"]},
    {"id": "loyalty", "name": "Loyalty", "stage": "loyalty",
     "description": "Customers come back and buy again.",
     "metrics": ["repeat_purchases", "repeat_purchase_rate", "retention_rate", "retained_users", "reviews", "support_response_rate_1h"]},
]


@hookimpl
def kpi_advisor_goals():
    return GOALS

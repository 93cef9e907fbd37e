"""The social goal objectives: eight from practice, plus app installs and loyalty."""

from __future__ import annotations

from kpi_advisor import hookimpl

GOALS = [
    {"id": "awareness", "name": "Brand awareness", "stage": "awareness",
     "description": "More of the right people know the brand.",
     "metrics": ["reach", "impressions", "followers", "video_views", "share_of_voice", "cpm"]},
    {"id": "engagement", "name": "Engagement", "stage": "interest",
     "description": "People interact with what the brand posts.",
     "metrics": ["engagement_rate", "shares", "comments", "saves", "likes"]},
    {"id": "traffic", "name": "Web traffic", "stage": "interest",
     "description": "Social and ads send visitors who stay.",
     "metrics": ["sessions", "clicks", "ctr", "bounce_rate", "cpc"]},
    {"id": "reputation", "name": "Reputation", "stage": "awareness",
     "description": "People speak well of the brand.",
     "metrics": ["mentions", "share_of_voice", "shares", "comments"]},
    {"id": "leads", "name": "Lead generation", "stage": "evaluation",
     "description": "Prospects leave their details and become qualified leads.",
     "metrics": ["qualified_leads", "leads", "demo_requests", "trial_signups", "content_downloads", "webinar_signups", "cost_per_lead", "visit_to_lead_rate"]},
    {"id": "community", "name": "Community", "stage": "loyalty",
     "description": "A group of customers and fans who talk to the brand and each other.",
     "metrics": ["comments", "engagement_rate", "followers", "shares"]},
    {"id": "sales", "name": "Revenue and sales", "stage": "purchase",
     "description": "Social and ads lead to orders and revenue.",
     "metrics": ["revenue", "purchases", "roas", "conversion_rate", "add_to_cart", "cost_per_acquisition"]},
    {"id": "support", "name": "Customer support", "stage": "loyalty",
     "description": "Questions asked on social are answered quickly.",
     "metrics": ["support_response_rate_1h", "support_requests", "support_replied_within_1h"]},
    {"id": "app_installs", "name": "App installs", "stage": "purchase",
     "description": "People install the app at a sustainable cost.",
     "metrics": ["installs", "cost_per_install", "clicks", "ctr"]},
    {"id": "loyalty", "name": "Loyalty", "stage": "loyalty",
     "description": "Customers come back and buy again.",
     "metrics": ["repeat_purchases", "revenue", "support_response_rate_1h"]},
]


@hookimpl
def kpi_advisor_goals():
    return GOALS

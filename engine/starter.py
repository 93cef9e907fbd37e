"""`kpi-advisor init`: a commented starter config for a business model."""

from __future__ import annotations

from .catalog import Catalog
from .definitions import ProfileDef

TEMPLATE = """\
# yaml-language-server: $schema=https://kpi-advisor.dev/schemas/config.schema.json
# A starter config for a {name} client. Run it with: kpi-advisor run {{this file}}
# Every field is documented by: kpi-advisor schema config
client: Example client
business_model: {model}            # kpi-advisor list models
currency: EUR
period: {{start: 2026-07-01, end: 2026-09-30}}

goals:                             # kpi-advisor list goals
  - id: main-goal
    objective: {objective}
    metric: {metric}
    channel: facebook
    baseline: 100
    change: "+20%"                 # or an absolute target: 120
    by: 2026-12-31

economics:                         # what a customer is worth, for money at stake
  customer_value: 100
  micro_conversions: []            # e.g. {{action: content_downloads, to_customer_rate: 0.02}}

data:                              # inline rows, or csv:/parquet: files with format:
  - records:
      - {{channel: facebook, impressions: 50000, clicks: 600, sessions: 540, bounces: 250, {metric_row}}}
      - {{channel: instagram, impressions: 40000, clicks: 350, sessions: 320, bounces: 120, {metric_row2}}}

rules:
  disable: []                      # kpi-advisor list rules
  params: {{}}                       # e.g. {{landing-page-leak: {{max_bounce_rate: 0.7}}}}
"""


def starter_config(profile: ProfileDef, catalog: Catalog) -> str:
    objective = next((g for g, r in profile.goals.items() if r == "core"), next(iter(profile.goals)))
    base = [m for m in profile.macro_kpis if not catalog.metrics[m].derived]
    metric = (base or ["purchases"])[0]
    return TEMPLATE.format(
        name=profile.name,
        model=profile.id,
        objective=objective,
        metric=metric,
        metric_row=f"{metric}: 12",
        metric_row2=f"{metric}: 9",
    )

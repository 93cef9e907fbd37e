"""The metrics every client report of the agency shows."""

from kpi_advisor import hookimpl


@hookimpl
def kpi_advisor_metrics():
    return [
        {
            "id": "cost_per_engagement",
            "name": "Cost per engagement",
            "formula": "spend / engagements",
            "stage": "interest",
            "unit": "currency",
            "direction": "lower",
            "description": "Ad spend per like, comment, share, save or click.",
        },
        {
            "id": "cost_per_thousand_reached",
            "name": "Cost per thousand people reached",
            "formula": "spend / reach * 1000",
            "stage": "awareness",
            "unit": "currency",
            "direction": "lower",
            "description": "Ad spend per thousand different people who saw the ad.",
        },
    ]

"""Helpers shared by the report-format tests: the bundled example's report and a
report with awkward content (markup characters, no economics, no channels)."""

from __future__ import annotations

import functools
from pathlib import Path

import kpi_advisor
from kpi_advisor.loading.catalog import get_catalog

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "examples" / "acme_outdoor.yaml"
LANGS = ("en", "de", "da", "id")


@functools.cache
def acme(lang: str = "en"):
    return kpi_advisor.evaluate(ACME, lang=lang)


def render(fmt: str, report, **options) -> str:
    catalog = get_catalog()
    return catalog.reporters[fmt].render(report, {"catalog": catalog, **options})


HOSTILE = {
    "client": "<script>alert('x')</script> | *Bold* [link](http://evil.example) [red]",
    "business_model": "dtc_ecommerce",
    "currency": "USD",
    "data": [
        {
            "records": [
                {"channel": "face|book <b>", "impressions": 120000, "clicks": 3600, "sessions": 3300, "bounces": 2650, "purchases": 12},
                {"channel": "insta`gram`", "impressions": 80000, "clicks": 1400, "sessions": 1300, "bounces": 420, "purchases": 40},
            ]
        }
    ],
}

BARE = {"client": "Bare", "business_model": "b2b", "data": [{"records": [{"impressions": 1000, "clicks": 10}]}]}


def hostile():
    return kpi_advisor.evaluate(HOSTILE)


def bare():
    return kpi_advisor.evaluate(BARE)

"""The example client configs find what their header comments say a consultant would find,
and nothing else (the golden reports hold the full text; this states the intent)."""

from pathlib import Path

import pytest
from kpi_advisor import evaluate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

EXPECTED = {
    "acme_outdoor": {("landing-page-leak", "facebook"), ("roas-below-break-even", "facebook")},
    "northwind_coffee": {
        ("landing-page-leak", "facebook/prospecting"), ("ad-fatigue", "facebook/retargeting"),
        ("checkout-step-drop-off", "facebook"), ("roas-below-break-even", "google_search/competitors"),
        ("budget-move", "google_search/competitors"), ("high-cost-per-click", "google_search/competitors"),
        ("weak-call-to-action", "instagram/(none)"), ("slow-support-response", "instagram"),
    },
    "brightwire_sensors": {
        ("unqualified-leads", "facebook/lead-form-ebook"), ("unqualified-leads", "facebook/lead-form-checklist"),
        ("channel-never-closes", "facebook"),
    },
    "tallyo": {
        ("trials-not-converting", "facebook/agencies"), ("trials-not-converting", "facebook/lookalike"),
        ("high-cost-per-click", "google_search/gantt"), ("slow-support-response", "x"),
    },
    "fjord_motors": {("configurator-not-booking", "facebook"), ("conversions-not-tracked", "tiktok")},
    "maple_and_co": {("ad-fatigue", "facebook/weekend-offer"), ("conversions-not-tracked", "tiktok"),
                     ("stalled-follower-growth", "instagram")},
    "harbor_street_dental": {("profile-views-not-acting", "google_business_profile"), ("slow-support-response", "facebook")},
    "alpine_ledger": {("low-pages-per-session", "facebook"), ("traffic-not-attributed", "Unassigned"),
                      ("falling-share-of-voice", "x")},
    "pocket_sprout": {("customer-cost-above-value", ""), ("spend-without-conversions", "facebook/broad-test"), ("rising-cost-per-install", "tiktok/ugc-creators"),
                      ("rising-cost-per-install", "tiktok/plant-hacks")},
    "keel_and_compass": {("unqualified-leads", "facebook/free-checklist"), ("unqualified-leads", "facebook/tax-guide"),
                         ("falling-share-of-voice", "linkedin_page"), ("channel-never-closes", "facebook")},
    "fern_and_pine": {
        ("rising-cost-per-acquisition", "facebook/prospecting"), ("rising-cost-per-acquisition", "facebook/retargeting"),
        ("falling-conversion-rate", "facebook/prospecting"), ("falling-conversion-rate", "facebook/retargeting"),
        ("roas-below-break-even", "facebook/prospecting"), ("roas-below-break-even", "facebook/retargeting"),
    },
    "lumen_candles": {
        ("sudden-drop", ""),  # every channel dropped: said once, on all data, with the channels as members
        ("roas-below-break-even", "facebook"), ("checkout-step-drop-off", "google_search"),
    },
}


def test_there_is_an_example_for_every_business_model():
    models = set()
    for path in EXAMPLES.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        models |= {line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("business_model:")}
    assert models >= {"dtc_ecommerce", "b2b", "saas", "car_dealership", "brick_and_mortar", "local_business",
                      "publisher", "mobile_app", "consulting"}
    assert {p.stem for p in EXAMPLES.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_finds_what_its_header_promises(name):
    report = evaluate(EXAMPLES / f"{name}.yaml")
    found = {(f.rule, "/".join(f.scope.values())) for f in report.findings}
    assert found == EXPECTED[name]
    for finding in report.findings:
        assert finding.thresholds, finding.rule  # every finding states what it was compared with
        if finding.impact is not None and finding.impact.money is not None:
            assert finding.impact.money > 0 and finding.impact.basis

"""Roll-ups: a rule that fires on most ads of a campaign is said once, on the campaign, also
where the ads sit in ad sets (no level of their own), in the report's language."""

from __future__ import annotations

from kpi_advisor import evaluate


def config(lang_rows=None):
    rows = []
    for ad_set in ("Prospecting", "Lookalike"):
        for n in range(3):
            weak = not (ad_set == "Lookalike" and n == 2)
            rows.append({"channel": "facebook", "campaign": "Summer", "ad_set": ad_set, "ad": f"Video {n}",
                         "impressions": 60000 + 1000 * n, "clicks": 90 + n if weak else 1500, "spend": 300 + 10 * n})
    for n in range(3):  # a second campaign whose ads are fine
        rows.append({"channel": "facebook", "campaign": "Autumn", "ad_set": "Broad", "ad": f"Carousel {n}",
                     "impressions": 50000, "clicks": 1400 + n, "spend": 250})
    return {"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": rows}]}


def rolled(report):
    return [f for f in report.findings if f.rule == "creative-not-resonating" and f.members]


def test_ads_inside_ad_sets_roll_up_to_their_campaign():
    report = evaluate(config())
    [finding] = rolled(report)
    assert finding.scope == {"channel": "facebook", "campaign": "Summer"}
    assert finding.evidence["members_fired"] == 5 and finding.evidence["members_total"] == 6
    assert "on 5 of its 6 ads (83%)" in finding.message
    # The worst ads are named with their ad set, and their numbers by the metrics' names.
    assert "ad Prospecting / Video 0 (impressions 60,000, link clicks 90, CTR 0.15%" in finding.message
    assert all("ad_set" in m["scope"] for m in finding.members)
    assert not [f for f in report.findings if f.rule == "creative-not-resonating" and "ad" in f.scope]


def test_the_roll_up_speaks_the_report_language():
    german = rolled(evaluate(config(), lang="de"))[0].message.replace("\xa0", " ")
    assert "bei 5 von 6 Anzeigen (83 %)" in german and "Am stärksten betroffen: Anzeige " in german and "Anzeige Prospecting / Video 0 (Impressionen 60.000" in german
    danish = rolled(evaluate(config(), lang="da"))[0].message
    assert "på 5 af sine 6 annoncer" in danish and "Værst: annonce" in danish
    indonesian = rolled(evaluate(config(), lang="id"))[0].message
    assert "pada 5 dari 6 iklan" in indonesian and "Terburuk: iklan" in indonesian
    for text in (german, danish, indonesian):
        assert " of its " not in text and "Worst" not in text and "at stake" not in text


def test_a_roll_up_is_worded_only_when_shown_and_then_in_its_own_language():
    """Like a rule's own finding, a roll-up leaves its message for later (``run_pipeline(words=False)``):
    a short report of thousands of roll-ups words the few it shows. Worded later, outside the run's
    language, it still speaks German, with German numbers."""
    from kpi_advisor.loading.prepare import load_config, prepare
    from kpi_advisor.pipeline import run_pipeline

    report = run_pipeline(prepare(load_config(config())), lang="de", words=False)
    [finding] = rolled(report)
    assert finding.message == "" and finding.recommendation == ""
    message = finding.worded().message.replace("\xa0", " ")
    assert "bei 5 von 6 Anzeigen (83 %)" in message and "(Impressionen 60.000" in message
    assert finding.recommendation == rolled(evaluate(config(), lang="de"))[0].recommendation != ""


def _losing_campaigns(extra_ads: list[dict]) -> list:
    ads = [{"channel": "facebook", "campaign": f"C{n}", "impressions": 50000, "clicks": 900, "spend": 1000, "revenue": 1200}
           for n in range(3)] + extra_ads
    visits = [{"channel": "facebook", "sessions": 3000, "bounces": 900}]  # analytics: the channel's visits, no campaign
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD",
                       "data": [{"records": ads, "name": "ads"}, {"records": visits, "name": "analytics"}]})
    return [f for f in report.findings if f.rule == "roas-below-break-even"]


def test_a_parent_counts_the_children_a_rule_could_judge():
    """Analytics visits with no campaign made a fourth campaign, "(none)", with no spend to judge:
    the channel said "3 of its 4 campaigns"."""
    [finding] = _losing_campaigns([])
    assert finding.scope == {"channel": "facebook"}
    assert (finding.evidence["members_fired"], finding.evidence["members_total"]) == (3, 3)


def test_a_child_that_could_be_judged_and_did_not_fire_still_counts():
    [finding] = _losing_campaigns([{"channel": "facebook", "campaign": "C9", "impressions": 50000, "clicks": 900, "spend": 1000,
                                    "revenue": 9000}])
    assert (finding.evidence["members_fired"], finding.evidence["members_total"]) == (3, 4)

"""A rule is judged on the first of its levels where what it needs meets on one scope: ad clicks by
campaign beside analytics sessions by channel meet only per channel, and a landing page that loses
the clicks is found there, with a warning that says why. Where they meet on a campaign, the rule
stays per campaign and nothing is said. A source without an account (GA4) joins the one account
the others name, so the account does not split the ads from their visits either."""

from __future__ import annotations

from kpi_advisor import evaluate

ADS = [  # an ad platform's rows, by campaign: clicks, no visits
    {"channel": "facebook", "campaign": "Prospecting", "impressions": 100000, "clicks": 2500, "spend": 500},
    {"channel": "facebook", "campaign": "Retargeting", "impressions": 40000, "clicks": 1200, "spend": 300},
]


def config(visits: list[dict]) -> dict:
    return {"client": "t", "business_model": "dtc_ecommerce", "currency": "USD",
            "data": [{"records": ADS, "name": "ads"}, {"records": visits, "name": "analytics"}]}


def leaks(report) -> list[dict]:
    return [f.scope for f in report.findings if f.rule == "landing-page-leak"]


def test_inputs_that_meet_only_per_channel_are_judged_per_channel():
    report = evaluate(config([{"channel": "facebook", "sessions": 3400, "bounces": 2500}]))
    assert leaks(report) == [{"channel": "facebook"}]
    assert any("landing-page-leak" in w.split(":")[0] and "judged per channel" in w and "meet on no campaign" in w for w in report.warnings)


def test_inputs_that_meet_on_a_campaign_stay_per_campaign():
    visits = [{"channel": "facebook", "campaign": "Prospecting", "sessions": 2300, "bounces": 1800},
              {"channel": "facebook", "campaign": "Retargeting", "sessions": 1100, "bounces": 300}]
    report = evaluate(config(visits))
    assert leaks(report) == [{"channel": "facebook", "campaign": "Prospecting"}]
    assert not any("judged per" in w for w in report.warnings)


def test_a_channel_that_keeps_its_visits_is_not_a_leak_on_any_level():
    report = evaluate(config([{"channel": "facebook", "sessions": 3400, "bounces": 900}]))
    assert leaks(report) == []


META_ADS = [{"channel": "facebook", "campaign": "Prospecting", "ad": f"ad {i}", "impressions": 50000, "clicks": 1000, "spend": 400}
            for i in range(3)]


def creative(report) -> list[dict]:
    return [f.scope for f in report.findings if f.rule == "creative-not-resonating"]


def test_a_campaign_no_source_breaks_down_by_ad_is_named_as_the_campaign():
    display = {"channel": "google_ads", "campaign": "Remarketing Display", "impressions": 900000, "clicks": 3000, "spend": 2500}
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": META_ADS + [display]}]})
    assert creative(report) == [{"channel": "google_ads", "campaign": "Remarketing Display"}]  # was ad: "(none)"


def test_the_unnamed_rest_of_a_campaign_with_named_ads_stays_unnamed():
    rest = {"channel": "facebook", "campaign": "Prospecting", "impressions": 900000, "clicks": 900, "spend": 2500}  # no ad name
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": META_ADS + [rest]}]})
    assert creative(report) == [{"channel": "facebook", "campaign": "Prospecting", "ad": "(none)"}]


LINKEDIN = [{"account": "Acme", "channel": "linkedin", "campaign": "C1", "impressions": 100000, "clicks": 2500, "spend": 900},
            {"account": "Acme", "channel": "linkedin", "campaign": "C2", "impressions": 40000, "clicks": 1200, "spend": 500}]
VISITS = [{"channel": "linkedin", "sessions": 3400, "bounces": 2600}]


def accounts(report) -> list[str]:
    return [m.scope["account"] for m in report.metrics if list(m.scope) == ["account"]]


def test_a_source_without_an_account_joins_the_one_account_the_others_name():
    report = evaluate({"client": "t", "business_model": "b2b", "currency": "USD",
                       "data": [{"records": LINKEDIN, "name": "linkedin"}, {"records": VISITS, "name": "ga4"}]})
    assert accounts(report) == ["Acme"]  # was Acme and (none): the clicks and the visits never met
    assert leaks(report) == [{"account": "Acme", "channel": "linkedin"}]
    assert "ga4: no account; its rows join Acme, the one account the other sources name" in report.warnings


def test_a_source_without_an_account_beside_several_stays_apart_and_says_how_to_place_it():
    rows = LINKEDIN + [{**LINKEDIN[0], "account": "Beta"}]
    report = evaluate({"client": "t", "business_model": "b2b", "currency": "USD",
                       "data": [{"records": rows, "name": "linkedin"}, {"records": VISITS, "name": "ga4"}]})
    assert sorted(accounts(report)) == ["(none)", "Acme", "Beta"]
    assert any(w.startswith("ga4: no account, while linkedin names 2 (Acme, Beta)") and "options: {account: <name>}" in w
               for w in report.warnings)


def test_a_source_whose_rows_leave_the_account_empty_in_part_is_not_joined():
    rows = [{**LINKEDIN[0]}, {**LINKEDIN[1], "account": None}]
    report = evaluate({"client": "t", "business_model": "b2b", "currency": "USD",
                       "data": [{"records": rows, "name": "linkedin"}, {"records": VISITS, "name": "ga4"}]})
    assert any(w.startswith("ga4: no account, while linkedin names 1 (Acme) and leaves it empty on some rows") for w in report.warnings)
    assert not any("join Acme" in w for w in report.warnings)


def test_a_findings_words_are_bounded_whatever_the_names_in_the_data():
    """A template's placeholders take scope names as long as the data_name_chars limit lets them
    (raised here: 2,000 names 6,000 characters long wrote 385 MB of messages)."""
    from kpi_advisor.limits import override

    name = "c" * 6000
    ads = [{"channel": "google_ads", "campaign": name, "impressions": 900000, "clicks": 3000, "spend": 2500}]
    with override(data_name_chars=10_000):
        report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": ads}]})
    [finding] = [f for f in report.findings if f.rule == "creative-not-resonating"]
    assert len(finding.message) == 4000 and finding.message.endswith("\u2026")
    assert finding.scope["campaign"] == name  # the scope itself is the data's, whole

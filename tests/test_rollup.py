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


def test_members_fired_on_a_missing_figure_count_beside_the_children_that_have_it(tmp_path):
    """A rule that fires where a figure is missing (is_null) counted only the children that had
    it: "3 of its 5 campaigns (60%)" where 3 of 8 fired, and a roll-up that should not be."""
    import yaml

    rule = {"id": "untracked-campaign", "title": "Campaign without conversion tracking", "stage": "purchase", "severity": "medium",
            "levels": ["campaign", "channel"], "when": "clicks >= 100 and is_null(conversions)",
            "message": "{scope}: {clicks} clicks and no conversions tracked", "recommendation": "tag it", "rationale": "r", "source": "s"}
    pack = tmp_path / "pack.yaml"
    pack.write_text(yaml.safe_dump({"pack": "t", "rules": [rule]}))
    ads = [{"channel": "facebook", "campaign": f"C{i}", "impressions": 10000, "clicks": 500, "spend": 100, **({"conversions": 10} if i >= 3 else {})}
           for i in range(8)]
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": ads}],
                       "rules": {"packs": [str(pack)]}})
    assert sorted(f.scope["campaign"] for f in report.findings if f.rule == "untracked-campaign") == ["C0", "C1", "C2"]  # 3 of 8: no roll-up


def test_a_parent_without_a_name_counts_its_children():
    """A channel "(none)" was looked up as None: its 10 campaigns counted as the 3 that fired."""
    ads = [{"campaign": f"C{n}", "impressions": 50000, "clicks": 900, "spend": 1000, "revenue": 1200 if n < 3 else 9000} for n in range(10)]
    ads.append({"channel": "facebook", "campaign": "F", "impressions": 50000, "clicks": 900, "spend": 1000, "revenue": 9000})
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": ads}]})
    losing = [f for f in report.findings if f.rule == "roas-below-break-even"]
    assert sorted(f.scope["campaign"] for f in losing) == ["C0", "C1", "C2"]  # 3 of 10: said per campaign


def test_roll_up_takes_the_findings_over_and_lets_rolled_up_members_go(monkeypatch):
    """At agency 10M most of 283,000 findings are rolled up: each goes once its parent holds its
    numbers, not at the end of the run (the parent keeps the few it names in its words)."""
    import gc
    import weakref

    from kpi_advisor import pipeline
    from kpi_advisor.evaluation import rollup

    seen = {}
    original = rollup.roll_up

    def roll_up(findings, *args, **kwargs):
        given = findings
        seen["ads"] = [weakref.ref(f) for f in findings if f.rule == "creative-not-resonating" and "ad" in f.scope]
        out = original(findings, *args, **kwargs)
        seen["emptied"] = given == []
        gc.collect()
        seen["kept"] = [ref for ref in seen["ads"] if ref() is not None]  # while the run goes on
        return out

    monkeypatch.setattr(pipeline, "roll_up", roll_up)
    report = evaluate(config())
    assert seen["emptied"] and len(seen["ads"]) == 5
    kept = seen["kept"]
    assert len(kept) < 5, "every rolled-up member is still held"
    assert len(kept) <= rollup.WORST_NAMED + 1  # the members its words name, and its first
    assert rolled(report)[0].evidence["members_fired"] == 5


def test_a_nested_roll_up_names_whose_basis_it_shows_and_what_its_members_count():
    """An account's roll-up of channel roll-ups: its basis follows the worst channel down to its
    worst campaign, each named (the first member in the JSON and under "Worst:"), and each channel
    counts its campaigns in words."""
    rows = [{"account": "Shop", "channel": channel, "campaign": f"{channel}-{n}", "spend": spend + 10 * n, "revenue": 500 - 100 * n,
             "impressions": 100000, "clicks": 2000}
            for channel, spend in (("facebook", 1000), ("instagram", 3000), ("tiktok", 600)) for n in range(3)]
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": rows}]})
    [account] = [f for f in report.findings if f.rule == "roas-below-break-even" and f.scope == {"account": "Shop"}]
    assert account.members[0]["scope"]["channel"] == "instagram"
    # Every child fired: said as "all", not "3 of its 3 (100%)".
    assert account.message.startswith("Shop: The ads bring in less than they cost, on all 3 of its channels. Worst: ")
    assert "Worst: channel instagram (all 3 campaigns, USD 8,430 at stake)" in account.message
    assert account.impact.basis == ("added up over the 3 channels it fired on, each within its own spend or revenue; the worst, channel "
                                    "instagram: added up over the 3 campaigns it fired on, each within its own spend or revenue; the worst, "
                                    "campaign instagram-2: spend not covered by the gross margin on the revenue it brought (USD)")
    assert account.impact.money == 3 * 3000 + 30 - (500 + 400 + 300) / 2 + 3 * 1000 + 30 - 600 + 3 * 600 + 30 - 600
    german = [f for f in evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": rows}]}, lang="de").findings
              if f.rule == "roas-below-break-even" and f.scope == {"account": "Shop"}][0]
    assert "der schwerste Fall, Kanal instagram:" in german.impact.basis and "bei allen 3 Kampagnen" in german.message


def test_a_roll_up_whose_members_do_not_all_show_an_impact_says_of_how_many_it_adds_up():
    from kpi_advisor.evaluation.rollup import _summed
    from kpi_advisor.i18n.messages import Translator
    from kpi_advisor.models.report import Finding

    def member(name: str, money: float | None) -> Finding:
        impact = None if money is None else {"metric": "spend", "value": money, "money": money, "basis": f"basis of {name}"}
        return Finding(rule="r", severity="medium", stage="purchase", scope={"channel": "facebook", "campaign": name},
                       evidence={}, thresholds={}, message="", recommendation="", impact=impact)

    worst = [member("big", 300.0), member("small", 100.0), member("none", None)]
    impact = _summed(worst, ("campaign",), Translator("en"))
    assert impact.money == 400.0
    assert impact.basis == ("added up over the 2 of the 3 campaigns it fired on that show an impact, each within its own spend or "
                            "revenue; the worst, campaign big: basis of big")
    assert _summed(worst[:2], ("campaign",), Translator("en")).basis.startswith("added up over the 2 campaigns it fired on, each")
    assert "2 der 3 betroffenen Kampagnen" in _summed(worst, ("campaign",), Translator("de")).basis


PACK = """\
pack: test-spend
description: A rule whose recommendation names the scope's own money.
rules:
  - id: pricey-clicks
    title: Clicks cost too much
    stage: interest
    severity: medium
    levels: [ad]
    when: cpc > max_cpc
    params: {max_cpc: 1.0}
    thresholds: {cpc: max_cpc}
    message: "{scope}: a click costs {cpc}"
    recommendation: "Cut this budget ({spend}) by half."
    rationale: Test rule.
    source: Test.
"""


def test_a_roll_up_says_whose_recommendation_it_quotes_where_the_members_differ(tmp_path):
    """"Cut this budget (USD 330) by half" under a campaign read as the campaign's budget: the
    roll-up quotes its worst member's recommendation and names it, where the members' differ;
    where they are the same (a shipped rule's advice), it quotes it as it is."""
    (tmp_path / "pack.yaml").write_text(PACK, encoding="utf-8")
    with_pack = {**config(), "rules": {"packs": [str(tmp_path / "pack.yaml")]}}
    for lang, lead in (("en", "For the worst, ad "), ("de", "Für Anzeige "), ("da", "For den værste, annonce "), ("id", "Untuk yang terburuk, iklan ")):
        [finding] = [f for f in evaluate(with_pack, lang=lang).findings if f.rule == "pricey-clicks"]
        assert finding.members and finding.scope == {"channel": "facebook", "campaign": "Summer"}
        worst = finding.members[0]["scope"]
        assert finding.recommendation.startswith(f"{lead}{worst['ad_set']} / {worst['ad']}"), finding.recommendation
        if lang == "en":  # the worst ad's own budget, as its row has it
            spend = next(r["spend"] for r in config()["data"][0]["records"] if (r["ad_set"], r["ad"]) == (worst["ad_set"], worst["ad"]))
            assert finding.recommendation.endswith(f"Cut this budget (USD {spend:,.0f}) by half."), finding.recommendation
    [shipped] = rolled(evaluate(with_pack))
    assert not shipped.recommendation.startswith("For the worst")


def test_a_nested_roll_up_names_the_ad_whose_budget_its_recommendation_quotes(tmp_path):
    """Campaign A's three ads spend USD 500 each: the same words from each, which a comparison of
    the texts took for advice to all of them. The channel's roll-up of campaigns quoted the
    campaign's, unnamed: 'Cut this budget (USD 500)' under a channel spending USD 2,280."""
    (tmp_path / "pack.yaml").write_text(PACK, encoding="utf-8")
    rows = [{"channel": "facebook", "campaign": c, "ad_set": "S", "ad": f"ad{n}", "impressions": 10000, "clicks": 10, "spend": spend}
            for c, spends in (("A", [500, 500, 500]), ("B", [100, 200, 300]), ("C", [50, 60, 70])) for n, spend in enumerate(spends)]
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": rows}],
                       "rules": {"packs": [str(tmp_path / "pack.yaml")]}})
    [channel] = [f for f in report.findings if f.rule == "pricey-clicks"]
    assert channel.scope == {"channel": "facebook"} and channel.members[0]["scope"] == {"channel": "facebook", "campaign": "A"}
    assert channel.recommendation == "For the worst, ad A / S / ad0: Cut this budget (USD 500) by half.", channel.recommendation


def test_a_client_reads_the_member_counts_in_the_message_not_again_as_evidence():
    from reporting import render

    report = evaluate(config())
    assert "on 5 of its 6 ads" in rolled(report)[0].message
    for fmt in ("markdown", "html"):
        client, consultant = (render(fmt, report, audience=audience) for audience in ("client", "consultant"))
        assert "Members fired" not in client and "Members total" not in client
        assert "Members fired" in consultant and "Members total" in consultant


def test_a_client_roll_up_whose_figures_are_its_member_counts_shows_no_empty_evidence_table():
    """lumen_candles: sudden-drop rolls up its three channels into all data, whose evidence is the
    member counts alone; the client's report says them in the message and draws no empty table."""
    from pathlib import Path

    from reporting import render

    report = evaluate(str(Path(__file__).resolve().parent.parent / "examples" / "lumen_candles.yaml"))
    [rolled_up] = [f for f in report.findings if f.rule == "sudden-drop" and f.members]
    assert set(rolled_up.evidence) == {"members_fired", "members_total"}
    markdown = render("markdown", report, audience="client")
    section = markdown[markdown.index("Results dropped suddenly"):]
    section = section[: section.index("\n### ")]
    assert "| Evidence |" not in section
    html = render("html", report, audience="client")
    part = html[html.index("Results dropped suddenly"):]
    part = part[: part.index("Recommendation")]
    assert 'class="evidence"' not in part


def test_a_roll_up_names_a_shipped_rules_own_figures_by_their_words():
    """lumen_candles: sudden-drop's roll-up named its worst channels' figures by their let names,
    "(outcome last 8, outcome baseline 72, expected 72.3", to a client, and in German not at all.
    A shipped rule's figures read as the words the evidence rows use, in the report's language."""
    from pathlib import Path

    example = str(Path(__file__).resolve().parent.parent / "examples" / "lumen_candles.yaml")
    for lang, words in (("en", "channel facebook (results (last period) 8, results (average of the earlier periods) 72, expected results 72.3"),
                        ("de", "Kanal facebook (Ergebnisse (letzte Periode) 8, Ergebnisse (Durchschnitt der früheren Perioden) 72, Erwartete Ergebnisse 72,3")):
        [rolled_up] = [f for f in evaluate(example, lang=lang).findings if f.rule == "sudden-drop" and f.members]
        assert words in rolled_up.message.replace("\xa0", " "), rolled_up.message
        assert "outcome" not in rolled_up.message


OWN_FIGURE = """\
pack: test-own-figure
description: A consultant's rule whose own figure has a shipped rule's let name.
rules:
  - id: few-clicks
    title: Few clicks
    stage: interest
    severity: medium
    levels: [ad]
    let: {outcome_last: clicks * 1}
    when: outcome_last < 1000
    evidence: [outcome_last]
    message: "{scope}: {outcome_last} clicks"
    recommendation: "Look at the ad."
    rationale: Test rule.
    source: Test.
"""


def test_a_consultants_own_figure_keeps_its_name_in_a_roll_up(tmp_path):
    """A consultant's rule may mean something else by outcome_last: an English report names it as
    written, another language names none of its figures."""
    (tmp_path / "pack.yaml").write_text(OWN_FIGURE, encoding="utf-8")
    with_pack = {**config(), "rules": {"packs": [str(tmp_path / "pack.yaml")]}}
    [english] = [f for f in evaluate(with_pack).findings if f.rule == "few-clicks" and f.members]
    assert "(outcome last 90" in english.message and "results (last period)" not in english.message
    [german] = [f for f in evaluate(with_pack, lang="de").findings if f.rule == "few-clicks" and f.members]
    assert "Ergebnisse" not in german.message and "outcome" not in german.message

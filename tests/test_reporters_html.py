"""The HTML report: self-contained, a funnel per channel with the leak marked, and
every part of the report a client needs (KPI table, findings, goals, values)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.plugins.reports.funnel import build_funnels, funnel_steps, place
from reporting import LANGS, acme, bare, hostile, render


@pytest.fixture(scope="module")
def page():
    return render("html", acme())


def test_self_contained_no_scripts_and_nothing_from_the_network(page):
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, flags=re.I)
    assert "@import" not in page and "url(" not in page
    assert "<link" not in page.lower()
    assert "default-src 'none'" in page  # the CSP forbids loading anything


def funnel_cards(page: str) -> dict[str, str]:
    section = page[page.index('<section id="funnels">'):page.index('<section id="findings">')]
    cards = section.split('<div class="card funnel">')[1:]
    return {re.search(r"<h3><span>([^<]*)</span>", card).group(1): card for card in cards}


def test_one_funnel_chart_per_channel_with_the_leak_on_facebook_only(page):
    charts = funnel_cards(page)
    assert list(charts) == ["Facebook", "Instagram"]  # display names for the client
    facebook, instagram = charts["Facebook"], charts["Instagram"]
    assert facebook.count("#c0392b") == 1 and 'class="pass leak"' in facebook  # the leaking bar and its share
    assert "#c0392b" not in instagram and "leak" not in instagram.replace("No leak flagged", "")
    # A share that went on, not a drop: 2,190 of 11,910 sessions stayed.
    assert '<span class="pill">18.4% went on</span>' in facebook and "↓" not in page
    assert "Leak:</strong> Sessions → Visits without bounce: 18.4% went on." in facebook
    # ROAS below break-even is about money, not a step of the funnel: listed, not drawn.
    assert "Also flagged (high):</strong> The ads bring in less than they cost" in facebook
    assert "No leak flagged on this channel." in instagram


def test_kpi_table_findings_goals_and_values(page):
    for section in ("funnels", "findings", "kpis", "goals", "values", "notes"):
        assert f'<section id="{section}">' in page
    assert page.count('<article class="card finding high">') == len(acme().findings) == 2
    finding = page[page.index('<article class="card finding'):page.index("</article>")]
    for part in ("Evidence", "Recommendation", "At stake per period", "EUR 11,370 (Sessions: about 2,574)"):
        assert part in finding
    assert '<span class="over">81.6%</span>' in finding  # bounce rate past its maximum
    assert '<span class="over">2.9%</span>' not in finding  # a high CTR is not the problem
    kpis = page[page.index('<section id="kpis">'):page.index('<section id="goals">')]
    shown = [kpi for kpi in acme().kpis if not kpi.vanity]  # a client never sees vanity metrics as KPIs
    assert kpis.count('<tr class="kpi-row">') == len(shown) and "Vanity" not in kpis
    assert "EUR 25,040" in kpis  # revenue over all data
    goals = page[page.index('<section id="goals">'):page.index('<section id="values">')]
    assert goals.count('class="smart"') == 2 and 'class="no" title="Achievable: ✗"' in goals
    assert "on track" in goals and "off track" in goals
    assert "Grow Instagram" in goals and "grow-instagram" not in goals
    assert "EUR 50.00" in page[page.index('<section id="values">'):]


def test_the_client_sees_no_ids_notes_or_diagnostics(page):
    text = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    for internal in ("landing-page-leak", "roas-below-break-even", "grow-instagram", "break_even_roas", "rules could not run",
                     "lacked data", "<code>", "facebook:", "never report it as a result", "<details"):
        assert internal not in text, internal
    assert "economics.gross_margin" not in text and "Cut the campaigns and audiences with the lowest ROAS first" in text


def test_the_consultant_gets_everything_with_diagnostics_folded():
    page = render("html", acme(), audience="consultant")
    assert "landing-page-leak" in page and "grow-instagram" in page and "(economics.gross_margin)" in page
    notes = page[page.index('<section id="notes">'):]
    assert '<details class="diagnostics">' in notes and "<details open" not in notes
    assert "rules could not run" in notes and "<code>low-share-rate</code>" in notes
    assert "Vanity" in page  # the KPI table keeps the vanity rows, tagged


def test_branding_from_the_config(tmp_path):
    from kpi_advisor.plugins.reports.branding import resolve_branding

    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 40)
    brand = resolve_branding({"agency": "Fjord & Co <b>", "logo": "logo.png", "colours": {"primary": "#123456"}, "footer": "hello@fjord.example"}, tmp_path)
    page = render("html", acme(), branding=brand)
    assert "Fjord &amp; Co &lt;b&gt;" in page and "hello@fjord.example" in page
    assert 'src="data:image/png;base64,' in page and "--brand: #123456;" in page


def test_a_template_folder_overrides_one_block(tmp_path):
    from kpi_advisor.plugins.reports.branding import resolve_branding

    (tmp_path / "report.html").write_text(
        '{% extends "builtin/report.html" %}{% block footer %}<footer class="mine">{{ report_name }} · {{ _("Notes") }}</footer>{% endblock %}',
        encoding="utf-8",
    )
    page = render("html", hostile(), branding=resolve_branding({"templates": "."}, tmp_path))
    assert '<footer class="mine">&lt;script&gt;' in page  # still escaped inside the consultant's template
    assert '<section id="findings">' in page


@pytest.mark.parametrize(("body", "refused"), [
    ('{{ "a" * 100000000 }}', "a template may not make a text or list of more than 10,000,000 items"),
    ('{{ "a".ljust(300000000) }}', "a template may not ask for a width over 10,000,000"),
    ('{{ "ab"|center(300000000) }}', "a template may not ask for a width over 10,000,000"),
    ('{{ "%300000000d" % 1 }}', "a template may not make a text or list of more than 10,000,000 items"),
    ('{% set ns = namespace(s="ab") %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}',
     "a template may not make a text or list of more than 10,000,000 items"),
    ("{{ 9 ** 999999 }}", "a template may not make a number of more than 4,096 bits"),
    ("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
     "a template may take at most 1,000,000 steps of range() in one report"),
    ('{{ "ab" * 3 }} {{ 2 ** 10 }} {% for i in range(3) %}{{ i }}{% endfor %} {{ "{:,}".format(12345678) }} {{ "x"|center(3) }}', None),
])
def test_a_template_cannot_fill_memory_or_loop_for_hours(body, refused, tmp_path):
    # The sandbox keeps a template from Python's internals, not from its resources: each of these
    # took minutes or gigabytes before.
    from jinja2.exceptions import SecurityError
    from kpi_advisor.plugins.reports.branding import resolve_branding

    (tmp_path / "report.html").write_text('{% extends "builtin/report.html" %}{% block footer %}<footer>' + body
                                          + "</footer>{% endblock %}", encoding="utf-8")
    branding = resolve_branding({"templates": "."}, tmp_path)
    if refused is None:
        assert "<footer>ababab 1024 012 12,345,678  x </footer>" in render("html", acme(), branding=branding)
    else:
        with pytest.raises(SecurityError, match=re.escape(refused)):
            render("html", acme(), branding=branding)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("logo", "missing.png", "logo file 'missing.png' not found"),
        ("logo", "logo.txt", "not an image the report can embed"),
        ("logo", "fake.png", "is not a PNG image"),
        ("templates", "nowhere", "template folder 'nowhere' not found"),
    ],
)
def test_bad_branding_is_a_config_error_naming_the_field(tmp_path, field, value, message):
    from kpi_advisor import ConfigError
    from kpi_advisor.plugins.reports.branding import resolve_branding

    (tmp_path / "logo.txt").write_text("x")
    (tmp_path / "fake.png").write_text("<html>")
    with pytest.raises(ConfigError, match=message) as caught:
        resolve_branding({field: value}, tmp_path)
    assert caught.value.problems[0].path == f"branding.{field}"


def test_print_css(page):
    assert "@media print" in page and "@page" in page and "break-inside: avoid" in page


def test_hostile_text_is_escaped():
    page = render("html", hostile())
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "face|book &lt;b&gt;" in page


def test_a_report_without_channels_findings_or_economics_renders():
    page = render("html", bare())
    assert "No rule fired on this data." in page
    assert page.count('<div class="card funnel">') == 1  # all data as one funnel
    assert "no economics given" in page


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_renders(lang):
    page = render("html", acme(lang), lang=lang)
    assert f'<html lang="{lang}">' in page
    heading = {"en": "Where the funnel leaks", "de": "Wo der Funnel leckt", "da": "Hvor tragten lækker", "id": "Di mana corong bocor"}[lang]
    assert heading in page


def test_leak_is_placed_by_the_ratio_past_its_threshold():
    catalog = get_catalog()
    report = acme()
    funnels = build_funnels(report, catalog)
    facebook = funnels[0]
    assert [s.metric for s in facebook.steps] == ["impressions", "clicks", "sessions", "sessions_without_bounce", "add_to_cart", "purchases"]
    assert facebook.leak_steps == [3]
    finding = report.findings[0]
    # Were CTR the ratio past its threshold, the leak would sit on the click step.
    low_ctr = finding.model_copy(update={"evidence": {"ctr": 0.005, "bounce_rate": 0.3}, "thresholds": {"ctr": 0.009, "bounce_rate": 0.6}})
    assert place(low_ctr, facebook.steps, catalog) == 1


def test_a_reports_funnels_place_each_finding_as_place_does_alone():
    """build_funnels shares what the steps and the evidence's names decide among a report's
    findings (an agency's 37,000 on 5,000 funnels): each lands where place() alone puts it, also
    where two findings share their names but one is past its threshold and the other is not."""
    catalog = get_catalog()
    shared = acme()  # one report for many tests: this one adds its findings to a copy
    first = shared.findings[0]
    past = first.model_copy(update={"evidence": {"ctr": 0.005, "bounce_rate": 0.3}, "thresholds": {"ctr": 0.009, "bounce_rate": 0.6}})
    within = first.model_copy(update={"evidence": {"ctr": 0.02, "bounce_rate": 0.3}, "thresholds": {"ctr": 0.009, "bounce_rate": 0.6}})
    report = shared.model_copy(update={"findings": [*shared.findings, past, within]})
    funnels = build_funnels(report, catalog)
    assert funnels
    for funnel in funnels:
        placed = {id(f): i for i, step in enumerate(funnel.steps) for f in step.leaks}
        for finding in funnel.findings:
            assert placed.get(id(finding)) == place(finding, funnel.steps, catalog)
    facebook = next(f for f in funnels if f.scope.get("channel") == "facebook")
    assert place(past, facebook.steps, catalog) != place(within, facebook.steps, catalog)


def test_zero_counts_below_the_top_stay_in_the_funnel():
    steps = funnel_steps({"impressions": 1000, "clicks": 10, "sessions": 8, "bounces": 8, "purchases": 0})
    assert [(s.metric, s.value) for s in steps] == [("impressions", 1000), ("clicks", 10), ("sessions", 8), ("sessions_without_bounce", 0), ("purchases", 0)]
    assert steps[-1].conversion is None  # nothing to convert from
    assert funnel_steps({"impressions": 0, "clicks": 5})[0].metric == "clicks"


def test_visits_without_bounce_follow_the_paired_bounce_rate():
    # 5,452 sessions, of which 5,420 carry a bounce count (4,336 bounces: a paired rate of 80%):
    # the step's share is the rate the findings quote, not 4,336 of all 5,452 sessions.
    steps = funnel_steps({"impressions": 90000, "clicks": 6000, "sessions": 5452, "bounces": 4336, "bounce_rate": 4336 / 5420, "purchases": 20})
    stayed = next(s for s in steps if s.metric == "sessions_without_bounce")
    assert stayed.value == round(5452 * (1 - 4336 / 5420))
    assert stayed.conversion == pytest.approx(1 - 4336 / 5420, abs=0.0002)


def test_each_funnel_holds_exactly_the_findings_inside_its_channel_scope():
    """Findings on accounts, channels, campaigns and scopes without a channel, over channel scopes
    of both shapes: each channel funnel holds the findings whose scope contains its own, in report
    order, and the funnel of all data holds those no channel scope contains."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from kpi_advisor.models.report import Finding, ScopeMetrics

    report = acme()
    names = st.sampled_from(["a1", "a2"]), st.sampled_from(["facebook", "google_ads"]), st.sampled_from(["c1", "c2"])
    scopes = st.fixed_dictionaries({}, optional={"account": names[0], "channel": names[1], "campaign": names[2]})

    @settings(max_examples=60, deadline=None)
    @given(st.lists(scopes, max_size=12), st.lists(scopes.filter(lambda s: "channel" in s and "campaign" not in s), min_size=1, max_size=6, unique_by=lambda s: tuple(sorted(s.items()))))
    def check(finding_scopes, channel_scopes):
        values = {"impressions": 1000.0, "clicks": 50.0}
        findings = [report.findings[0].model_copy(update={"scope": scope, "rule": f"r{i}"}) for i, scope in enumerate(finding_scopes)]
        metrics = [ScopeMetrics(scope={}, values=values)] + [ScopeMetrics(scope=scope, values=values) for scope in channel_scopes]
        funnels = build_funnels(report.model_copy(update={"findings": findings, "metrics": metrics}), get_catalog())
        channel = {tuple(sorted(f.scope.items())): [x.rule for x in f.findings] for f in funnels if f.scope}
        for scope in channel_scopes:
            assert channel[tuple(sorted(scope.items()))] == [f.rule for f in findings if scope.items() <= f.scope.items()]
        outside = [f.rule for f in findings if not any(scope.items() <= f.scope.items() for scope in channel_scopes)]
        everything = [f for f in funnels if not f.scope]
        assert [x.rule for x in everything[0].findings] == outside if everything else not outside

    assert isinstance(report.findings[0], Finding)
    check()


def test_the_money_headline_counts_the_findings_it_is_estimated_from_also_those_left_out():
    # northwind_coffee: 7 of its 8 findings carry money; the summary's money is from all 7, however many are shown.
    from click.testing import CliRunner
    from kpi_advisor.cli import cli

    config = str(Path(__file__).resolve().parent.parent / "examples" / "northwind_coffee.yaml")
    for shown in ("all", "2"):
        page = CliRunner().invoke(cli, ["run", config, "--format", "html", "--max-findings", shown, "-q"]).stdout
        assert "per period, estimated from 7 findings" in page, shown


def test_a_template_reads_a_dict_as_jinja_does_keys_after_the_dicts_own_attributes():
    # The sandbox reads a dict's keys without jinja's AttributeError on the way (a full agency
    # report reads ~1.7M); a key named like a dict method still gives the method, as in jinja.
    from kpi_advisor.plugins.reports.html_report import environment

    template = environment().from_string("{{ d.rule }}|{{ d.items is callable }}|{{ d.missing is defined }}|{{ d.get('rule') }}")
    assert template.render(d={"rule": "landing-page-leak", "items": 3}) == "landing-page-leak|True|False|landing-page-leak"


def test_the_reports_own_words_skip_the_sandbox_and_nothing_else_does():
    # Templates call `_` ~5 times a finding; the report's own (a translation looked up) is called
    # straight, in a block and a loop as anywhere, and every other callable still meets the sandbox.
    from jinja2.exceptions import SecurityError
    from kpi_advisor.plugins.reports.html_report import HtmlView, environment

    view = HtmlView(acme(), {"lang": "de"})
    template = environment().from_string('{% block b %}{% for i in [1] %}{{ _("Evidence") }}|{{ _(message="Notes") }}{% endfor %}{% endblock %}')
    assert template.render(_=view._) == f"{view._('Evidence')}|{view._('Notes')}" != "Evidence|Notes"

    def unsafe() -> str:
        return "ran"

    unsafe.unsafe_callable = True
    with pytest.raises(SecurityError, match="is not safely callable"):
        environment().from_string("{{ f() }}").render(f=unsafe)


_SENTENCE_PARTS = ["Set break_even_roas.", "Check the config.", "economics.customer_value", "Die Konfiguration.", "konfigurasi",
                   "The page loses them.", "Why?", "Now!", "a_b", "_", "onfig", " ", "  ", "\n", ".", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_SENTENCE_PARTS), max_size=8).map("".join))
def test_a_client_text_keeps_what_it_kept_when_every_sentence_was_searched(text):
    # The fast path (no snake_case name, "config" or "economics." anywhere) must give what the
    # sentence-by-sentence search gives.
    from kpi_advisor.plugins.reports.html_report import HtmlView
    from kpi_advisor.plugins.reports.view import CONSULTANT_SENTENCE

    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    kept = [sentence for sentence in sentences if not CONSULTANT_SENTENCE.search(sentence)]
    expected = (" ".join(kept) if kept else text) if text else text
    assert HtmlView(acme(), {}).client_text(text) == expected

"""The HTML report: self-contained, a funnel per channel with the leak marked, and
every part of the report a client needs (KPI table, findings, goals, values)."""

from __future__ import annotations

import re

import pytest
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


def test_one_funnel_chart_per_channel_with_the_leak_on_facebook_only(page):
    charts = re.findall(r'<div class="card funnel"><h3><span>([^<]*)</span>.*?</svg>(.*?)</div>', page, flags=re.S)
    assert [name for name, _ in charts] == ["facebook", "instagram"]
    facebook, instagram = (re.search(rf'<span>{name}</span>.*?</svg>', page, flags=re.S).group(0) for name in ("facebook", "instagram"))
    assert facebook.count('fill="#c0392b"') >= 2  # the leaking bar and its conversion pill
    assert "#c0392b" not in instagram
    assert "↓ 18.4%" in facebook  # 2,190 of 11,910 sessions stayed
    assert "Leak:" in charts[0][1] and "Sessions → Visits without bounce: 18.4%" in charts[0][1]
    # ROAS below break-even is about money, not a step of the funnel: listed, not drawn.
    assert "Also flagged (high):</strong> The ads bring in less than they cost" in charts[0][1]
    assert "No leak flagged on this channel." in charts[1][1]


def test_kpi_table_findings_goals_and_values(page):
    for section in ("funnels", "findings", "kpis", "goals", "values", "notes"):
        assert f'<section id="{section}">' in page
    assert page.count('<article class="card finding high">') == len(acme().findings) == 2
    finding = page[page.index('<article class="card finding'):page.index("</article>")]
    for part in ("Evidence", "Recommendation", "At stake per period", "EUR 11,370", "landing-page-leak"):
        assert part in finding
    assert '<span class="over">81.6%</span>' in finding  # bounce rate past its maximum
    assert '<span class="over">2.9%</span>' not in finding  # a high CTR is not the problem
    kpis = page[page.index('<section id="kpis">'):page.index('<section id="goals">')]
    assert kpis.count("<tr") == 1 + len(acme().kpis)
    assert "EUR 25,040" in kpis  # revenue over all data
    goals = page[page.index('<section id="goals">'):page.index('<section id="values">')]
    assert goals.count('class="smart"') == 2 and 'class="no" title="Achievable: ✗"' in goals
    assert "on track" in goals and "off track" in goals
    assert "EUR 50.00" in page[page.index('<section id="values">'):]


def test_print_css(page):
    assert "@media print" in page and "@page" in page and "break-inside: avoid" in page


def test_hostile_text_is_escaped():
    page = render("html", hostile())
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
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


def test_zero_counts_below_the_top_stay_in_the_funnel():
    steps = funnel_steps({"impressions": 1000, "clicks": 10, "sessions": 8, "bounces": 8, "purchases": 0})
    assert [(s.metric, s.value) for s in steps] == [("impressions", 1000), ("clicks", 10), ("sessions", 8), ("sessions_without_bounce", 0), ("purchases", 0)]
    assert steps[-1].conversion is None  # nothing to convert from
    assert funnel_steps({"impressions": 0, "clicks": 5})[0].metric == "clicks"

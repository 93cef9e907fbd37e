"""The terminal report: 80 columns, colour only when asked for (a terminal),
plain text when piped, data printed literally."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli
from reporting import ACME, LANGS, acme, hostile, render

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("lang", LANGS)
def test_fits_80_columns_in_every_language(lang):
    text = render("text", acme(lang), lang=lang)
    too_wide = [line for line in text.splitlines() if len(line) > 80]
    assert not too_wide, too_wide
    assert not ANSI.search(text)


def test_colour_only_when_asked():
    plain = render("text", acme())
    coloured = render("text", acme(), color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured).splitlines() == plain.splitlines()
    assert all(len(ANSI.sub("", line)) <= 80 for line in coloured.splitlines())


def test_piped_cli_output_is_plain_and_has_the_funnel_and_the_finding():
    result = CliRunner().invoke(cli, ["run", str(ACME)])
    assert result.exit_code == 0
    assert not ANSI.search(result.output)
    lines = result.output.splitlines()
    assert lines[0] == "Acme Outdoor · DTC e-commerce shop · Jul 1, 2026 – Sep 30, 2026 · EUR"
    assert lines[1] == "2 findings (2 high) · EUR 11,370 at stake per period · goals: 1 of 2 on track"
    assert any(re.fullmatch(r"  Visits without bounce +2,190 +18\.4%  ◀ leak: landing-page-leak", line) for line in lines)
    assert "HIGH landing-page-leak [facebook]" in result.output


def test_money_at_stake_says_how_it_was_worked_out_and_a_client_gets_its_first_clause():
    consultant = " ".join(render("text", acme(), width=400).split())
    assert "Basis: visits kept if the bounce rate fell to the limit" in consultant
    assert "= 139.9 purchases at EUR 100 each; at most what this scope earns (EUR 11,370)" in consultant
    client = " ".join(render("text", acme(), width=400, audience="client").split())
    assert "Basis: Visits kept if the bounce rate fell to the limit, converting like the visits that stay today" in client
    assert "139.9 purchases" not in client


def test_width_option():
    text = render("text", acme(), width=120)
    assert max(len(line) for line in text.splitlines()) > 80


def test_rich_markup_in_data_is_printed_literally():
    text = render("text", hostile())
    assert "[red]" in text and "<script>alert('x')</script>" in text
    assert "face|book <b>" in text


def test_a_finding_off_the_funnel_steps_says_where_it_fired():
    # A finding no funnel step could be tied to is listed under the funnel with its title and the
    # campaign it fired on, as the Markdown and HTML reports do; a bare rule id named no scope
    # (a 1,000-account export printed eight identical "roas-below-break-even" lines).
    result = CliRunner().invoke(cli, ["run", str(ACME.parent / "northwind_coffee.yaml")])
    assert result.exit_code == 0
    assert "  also flagged (high): The ads bring in less than they cost (competitors)" in result.output.splitlines()


def test_a_funnel_share_pairs_its_counts_as_the_findings_do():
    # Two campaigns' clicks, one campaign's visits: 500 of the 600 clicks that have visits went on
    # (83%), not 500 of all 1,000 clicks (50%), which would count the other campaign's clicks as lost.
    from kpi_advisor import evaluate
    from kpi_advisor.loading.catalog import get_catalog
    from kpi_advisor.plugins.reports.funnel import build_funnels

    records = [{"channel": "facebook", "campaign": "A", "impressions": 40000, "clicks": 600, "sessions": 500, "bounces": 200},
               {"channel": "facebook", "campaign": "B", "impressions": 30000, "clicks": 400}]
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": records}]})
    (funnel,) = [f for f in build_funnels(report, get_catalog()) if f.scope]
    sessions = next(step for step in funnel.steps if step.metric == "sessions")
    assert sessions.value == 500 and sessions.conversion == pytest.approx(500 / 600) and sessions.paired
    clicks = next(step for step in funnel.steps if step.metric == "clicks")
    assert clicks.conversion == pytest.approx(1000 / 70000) and not clicks.paired  # every row carries both
    text = render("text", report)
    assert "83.3%*" in text and "* of the rows that carry both counts" in text
    assert "50.0%" not in text


def test_no_row_with_both_counts_shows_no_share_and_no_note():
    from kpi_advisor import evaluate

    records = [{"channel": "facebook", "campaign": "A", "impressions": 40000, "clicks": 600},
               {"channel": "facebook", "campaign": "B", "sessions": 500, "bounces": 200}]
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": records}]})
    text = render("text", report, width=200)
    sessions = next(line for line in text.splitlines() if line.strip().startswith("Sessions"))
    assert sessions.split()[:3] == ["Sessions", "500", "–"]  # not 500 of 600 clicks (83%): no campaign has both
    assert "* of the rows that carry both counts" not in text

"""Reports for every business model in every language: the funnel comes from the model's
profile (branches side by side, never a share over 100% between steps that do not follow
each other), and a translated report carries no English sentence from the engine."""

from __future__ import annotations

import functools
import re

import kpi_advisor
import pytest
import yaml
from kpi_advisor.commands.starter import starter_config
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.loading.profiles import read_profile
from kpi_advisor.plugins.reports.funnel import build_funnels, funnel_steps
from reporting import ROOT, render

MODELS = sorted(get_catalog().profiles)
TRANSLATED = ("de", "da", "id")
# What the engine's English sentences start with; none may reach a translated report.
ENGLISH = ("Macro KPI", "Measures the", "Vanity for", "Proxy for", " step on the way", "achievable:", "progress:", "status:",
           "baseline:", "lead to a customer", "(not in the data)", "the customer value", "export ", "tag each channel",
           "add a thank-you", "turn on e-commerce", " goal of ", "so watch it")


@functools.cache
def starter_report(model: str, lang: str):
    config = yaml.safe_load(starter_config(get_catalog().profiles[model], get_catalog()))
    return kpi_advisor.evaluate(config, lang=lang)


def visible_text(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_every_shipped_model_declares_its_funnel():
    for model, profile in get_catalog().profiles.items():
        assert profile.funnel, f"{model} has no funnel"


def test_parallel_steps_are_measured_against_the_step_before_them():
    spec = [["gbp_views", "impressions"], ["gbp_clicks", "clicks"], {"branches": ["calls", "direction_requests", "store_visits"]}, "customers"]
    steps = funnel_steps({"gbp_views": 5200, "gbp_clicks": 310, "calls": 24, "direction_requests": 40, "store_visits": 3500, "customers": 6}, spec)
    by = {s.metric: s for s in steps}
    assert [s.row for s in steps] == [0, 1, 2, 2, 2, 3]
    assert by["calls"].source == by["direction_requests"].source == by["store_visits"].source == "gbp_clicks"
    assert by["direction_requests"].conversion == pytest.approx(40 / 310)  # not 40 / 24 calls
    assert by["store_visits"].share is None  # 3,500 visits from 310 clicks is no share
    assert by["customers"].source == "gbp_clicks"


@pytest.mark.parametrize("model", MODELS)
def test_no_share_over_100_percent_in_any_model(model):
    report = starter_report(model, "en")
    page = render("html", report)
    shares = [float(x.replace(",", "")) for x in re.findall(r"([\d,.]+)% went on", page)]
    assert all(share <= 100 for share in shares), shares
    for funnel in build_funnels(report, get_catalog()):
        for step in funnel.steps:
            assert step.share is None or step.share <= 1
    markdown = render("markdown", report)
    assert not re.search(r"\| (\d{3,}|[2-9]\d\d|1\d\d)\.\d%", markdown.replace("100.0%", ""))


def test_the_issue_cases_no_longer_chain_parallel_steps():
    # car_dealership: purchases and store visits are not a chain; saas: trials and demos are branches.
    fjord = kpi_advisor.evaluate(ROOT / "examples" / "fjord_motors.yaml")
    for funnel in build_funnels(fjord, get_catalog()):
        assert all(step.share is None or step.share <= 1 for step in funnel.steps)
    tallyo = kpi_advisor.evaluate(ROOT / "examples" / "tallyo.yaml")
    google = next(f for f in build_funnels(tallyo, get_catalog()) if f.scope.get("channel") == "google_search")
    rows = [[google.steps[i].metric for i in row] for row in google.rows]
    assert ["trial_signups", "demo_requests"] in rows


def test_a_plugin_profile_declares_its_funnel_and_bad_ones_are_named():
    from kpi_advisor.loading.profiles import funnel_problems

    catalog = get_catalog()
    profile = read_profile(
        {"id": "franchise", "extends": "local_business", "name": "Franchise outlet", "funnel": ["impressions", {"branches": ["calls", "store_visits"]}]},
        "plugin 'x'", catalog.profiles,
    )
    assert funnel_problems(profile.funnel, catalog.metrics) == []
    steps = funnel_steps({"impressions": 1000, "calls": 10, "store_visits": 2000}, profile.funnel)
    assert [s.row for s in steps] == [0, 1, 1] and steps[2].share is None
    wrong = read_profile({"id": "odd", "extends": "local_business", "name": "Odd", "funnel": ["impresions", "ctr", "clicks", "clicks"]}, "p", catalog.profiles)
    problems = dict(funnel_problems(wrong.funnel, catalog.metrics))
    assert "did you mean 'impressions'" in problems[("funnel", 0)]
    assert "ratio or formula" in problems[("funnel", 1)]
    assert "already a step" in problems[("funnel", 3)]


def run_cli(*args: str):
    from click.testing import CliRunner
    from kpi_advisor.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_a_bad_funnel_in_a_profile_file_is_exit_2(tmp_path):
    profile = (ROOT / "rules" / "profiles" / "publisher.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "publisher.yaml"
    bad.write_text(re.sub(r"^funnel: .*$", "funnel: [impressions, {branches: [calls]}]", profile, flags=re.M), encoding="utf-8")
    result = run_cli("validate", str(bad))
    assert result.exit_code == 2 and "funnel" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("model", MODELS)
def test_a_translated_report_has_no_english_sentence_from_the_engine(model, lang):
    report = starter_report(model, lang)
    for audience in ("client", "consultant"):
        text = visible_text(render("html", report, lang=lang, audience=audience))
        body = text[text.index(" KPI"):]  # past the title
        leftovers = [english for english in ENGLISH if english in body]
        assert not leftovers, (model, lang, audience, leftovers)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_one_locale_for_every_number_in_a_translated_report(lang):
    report = kpi_advisor.evaluate(ROOT / "examples" / "acme_outdoor.yaml", lang=lang)
    text = visible_text(render("html", report, lang=lang, audience="consultant"))
    assert not re.search(r"EUR \d", text)  # money is "13.987 €", not "EUR 13,987"
    assert not re.search(r"\d,\d{3}\b", text.replace("2026", "")), re.findall(r".{30}\d,\d{3}\b.{10}", text)[:3]
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)  # dates the language's way


def test_markdown_for_the_client_leaves_out_ids_and_diagnostics():
    report = kpi_advisor.evaluate(ROOT / "examples" / "acme_outdoor.yaml")
    client = render("markdown", report, audience="client")
    consultant = render("markdown", report)  # Markdown defaults to the consultant
    assert "`landing-page-leak`" in consultant and "## Notes" in consultant and "grow-instagram" in consultant
    for internal in ("landing-page-leak", "## Notes", "grow-instagram", "break_even_roas", "(vanity)"):
        assert internal not in client, internal
    assert "### Facebook" in client and "Grow Instagram" in client


def test_text_for_the_client_leaves_out_ids_and_diagnostics():
    """docs/reports.md: --audience client in every format. The text report printed rule ids,
    consultant sentences ("economics.gross_margin") and the notes to a client."""
    report = kpi_advisor.evaluate(ROOT / "examples" / "acme_outdoor.yaml")
    client = render("text", report, audience="client", width=400)
    consultant = render("text", report, width=400)  # text defaults to the consultant
    assert "landing-page-leak" in consultant and "Notes" in consultant and "grow-instagram" in consultant
    for internal in ("landing-page-leak", "roas-below-break-even", "Notes", "grow-instagram", "economics.gross_margin", "kpi-advisor kpis"):
        assert internal not in client, internal
    assert "HIGH [Facebook]" in client and "Grow Instagram" in client
    assert "Cut the campaigns and audiences with the lowest ROAS first" in client


def test_a_client_reads_the_channels_a_sentence_names_by_their_names():
    """"The best sibling: facebook." named the channel by its id to a client; a campaign that
    holds a channel's id in its name, and a channel id that is an English word, stay as written."""
    from kpi_advisor.plugins.reports.view import ReportView

    records = [{"channel": c, "impressions": 1000, "clicks": 40} for c in ("facebook", "google_ads", "email")]
    report = kpi_advisor.evaluate({"client": "T", "business_model": "dtc_ecommerce", "data": [{"records": records}]})
    client, consultant = ReportView(report, {"audience": "client"}), ReportView(report, {"audience": "consultant"})
    text = "The best sibling: facebook. Move 30% to google_ads, not to alp-facebook-c3 or facebook2; email is fine."
    assert client.client_text(text) == ("The best sibling: Facebook. Move 30% to Google Ads, not to alp-facebook-c3 or facebook2; "
                                        "email is fine.")
    assert consultant.client_text(text) == text
    # Only a word of its own: a path, a host or a config key holding the id is left whole.
    for kept in ("See /offers/facebook now.", "Open facebook.com today.", "Read google_ads.brand first.", "Mail me@facebook."):
        assert client.client_text(kept) == kept
    # A channel the data does not hold is not looked for.
    assert client.client_text("instagram") == "instagram"
    # An id that is an English word is a channel's right after the word "channel" (a roll-up's
    # "Worst: channel email (...)"), in the report's language.
    assert client.client_text("Worst: channel email (4 orders); email is fine.") == "Worst: channel Email (4 orders); email is fine."
    german = ReportView(report, {"audience": "client", "lang": "de"})
    assert german.client_text("Am stärksten betroffen: Kanal email (4).") == "Am stärksten betroffen: Kanal E-Mail (4)."


def test_audience_from_the_command_line_and_the_config(tmp_path):
    config = yaml.safe_load((ROOT / "examples" / "acme_outdoor.yaml").read_text(encoding="utf-8"))
    config["data"] = [{"records": [{"channel": "google_organic", "impressions": 1000, "clicks": 40, "sessions": 38, "bounces": 10}]}]
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    html = tmp_path / "out.html"
    assert run_cli("run", str(path), "-o", str(html), "-q").exit_code == 0
    assert "Google organic" in html.read_text(encoding="utf-8") and "<details" not in html.read_text(encoding="utf-8")
    assert run_cli("run", str(path), "-o", str(html), "-q", "--audience", "consultant").exit_code == 0
    assert '<details class="diagnostics">' in html.read_text(encoding="utf-8")
    config["report"] = {"audience": "consultant"}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert run_cli("run", str(path), "-o", str(html), "-q").exit_code == 0
    assert '<details class="diagnostics">' in html.read_text(encoding="utf-8")
    markdown = run_cli("run", str(path), "--format", "markdown", "--audience", "client").output
    assert "Google organic" in markdown and "## Notes" not in markdown
    config["report"] = {"audience": "everyone"}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    bad = run_cli("run", str(path), "-o", str(html))
    assert bad.exit_code == 2 and "report.audience" in bad.output and "Traceback" not in bad.output


def test_bad_branding_in_a_config_is_exit_2_with_one_line(tmp_path):
    config = yaml.safe_load((ROOT / "examples" / "acme_outdoor.yaml").read_text(encoding="utf-8"))
    config["branding"] = {"logo": "nope.png", "colours": {"primary": "red; background: url(x)"}}
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = run_cli("run", str(path), "-o", str(tmp_path / "out.html"))
    assert result.exit_code == 2 and "branding.colours" in result.output and "Traceback" not in result.output
    config["branding"] = {"logo": "nope.png"}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = run_cli("run", str(path), "-o", str(tmp_path / "out.html"))
    assert result.exit_code == 2 and "branding.logo: logo file 'nope.png' not found" in result.output
    assert result.output.count("\n") == 1


def test_the_step_after_branches_says_what_its_share_is_of():
    page = render("html", kpi_advisor.evaluate(ROOT / "examples" / "tallyo.yaml"))
    google = page[page.index("<h3><span>Google Search</span>"):]
    google = google[:google.index('<div class="card funnel">') if '<div class="card funnel">' in google else None]
    assert '<li class="row branches">' in google
    assert '1.3% went on <span class="from">(of Visits without bounce)</span>' in google
    # A plain step after a plain step needs no such note.
    assert google.count('class="from"') == 1

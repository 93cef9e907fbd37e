"""The short report: text, markdown and html show the findings with the most money at stake,
then the most severe (10 unless --max-findings says otherwise) and count the rest with a line
saying how to show them; JSON stays complete unless --max-findings is given."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli
from kpi_advisor.commands.output import DEFAULT_MAX_FINDINGS


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """30 campaigns of one channel; 12 of them (under half, so no roll-up) have landing pages
    that do not keep visitors, each with a different amount at stake."""
    records = []
    for n in range(30):
        leaky = n < 12
        clicks = 2000 + 100 * n
        sessions = clicks * 9 // 10
        records.append({"channel": "facebook", "campaign": f"c{n:02d}", "impressions": clicks * 50, "clicks": clicks,
                        "sessions": sessions, "bounces": sessions * (85 if leaky else 30) // 100, "spend": 500 + 40 * n,
                        "purchases": sessions // 40})
    path = tmp_path_factory.mktemp("short") / "many.json"
    path.write_text(json.dumps({"client": "Many", "business_model": "dtc_ecommerce", "currency": "USD",
                                "economics": {"customer_value": 100}, "data": [{"records": records}]}), encoding="utf-8")
    return path


def run(config, *args):
    result = CliRunner().invoke(cli, ["run", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_is_complete_and_text_is_short(config):
    report = json.loads(run(config, "--format", "json"))
    total = report["summary"]["findings_total"]
    assert total > DEFAULT_MAX_FINDINGS and len(report["findings"]) == total
    text = run(config)
    shown = text.count("\nHIGH ") + text.count("\nMEDIUM ") + text.count("\nLOW ") + text.count("\nCRITICAL ") + text.count("\nINFO ")
    assert shown == DEFAULT_MAX_FINDINGS
    assert f"Not shown: {total - DEFAULT_MAX_FINDINGS} more findings. Run with --max-findings all" in " ".join(text.split())


def test_the_short_list_keeps_the_most_money_at_stake(config):
    report = json.loads(run(config, "--format", "json"))
    money = sorted((f["impact"]["money"] or 0 for f in report["findings"] if f["impact"]), reverse=True)
    short = json.loads(run(config, "--format", "json", "--max-findings", "3"))
    assert sorted((f["impact"]["money"] for f in short["findings"]), reverse=True) == money[:3]
    assert short["summary"]["findings_total"] == report["summary"]["findings_total"] and short["summary"]["findings_shown"] == 3


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_the_line_under_a_short_list_says_what_the_rest_is_about(config, fmt):
    # Recomputed from the full JSON: the findings not among the N shown, per rule, and their money.
    from kpi_advisor.evaluation.money import top_findings
    from kpi_advisor.models.report import Finding

    full = [Finding.model_validate(f) for f in json.loads(run(config, "--format", "json"))["findings"]]
    kept = {id(f) for f in top_findings(full, 3)}
    left = [f for f in full if id(f) not in kept]
    by_rule: dict[str, list] = {}
    for finding in left:
        by_rule.setdefault(finding.rule, []).append(finding)
    assert by_rule, "the fixture leaves findings out"
    text = " ".join(re.sub(r"<[^>]+>", " ", run(config, "--format", fmt, "--max-findings", "3")).split())
    among = text.split("Not shown, by rule: ", 1)[1]
    for rule, findings in by_rule.items():
        money = sum(f.impact.money for f in findings if f.impact and f.impact.money)  # one campaign each: nothing nests
        title = "Clicks arrive, but the landing page does not keep them"
        assert f"{len(findings)} × {title} (USD {money:,.0f} at stake)" in among, among
    # One finding left out of a rule: named by its scope rather than "1 ×".
    last = [f for f in full if id(f) not in {id(k) for k in top_findings(full, len(full) - 1)}][0]
    text = " ".join(re.sub(r"<[^>]+>", " ", run(config, "--format", fmt, "--max-findings", str(len(full) - 1))).split())
    scope = " / ".join(last.scope.values())  # HTML is for the client, who reads "Facebook"
    expected = f"Not shown, by rule: Clicks arrive, but the landing page does not keep them ({scope}, USD {last.impact.money:,.0f} at stake)."
    assert expected.lower() in text.lower(), text


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_all_shows_every_finding_and_zero_none(config, fmt):
    total = json.loads(run(config, "--format", "json"))["summary"]["findings_total"]
    assert "Not shown" not in run(config, "--format", fmt, "--max-findings", "all")
    none = run(config, "--format", fmt, "--max-findings", "0")
    assert f"{total} more findings" in " ".join(none.split()) and "No rule fired" not in none


def test_max_findings_must_be_a_count_or_all(config):
    result = CliRunner().invoke(cli, ["run", str(config), "--max-findings", "some"])
    assert result.exit_code == 2 and "is not a count (0, 1, 2, ...) or 'all'" in result.output


@pytest.fixture(scope="module")
def channels(tmp_path_factory):
    """Three accounts of five channels (15 channel funnels, more than MAX_FUNNELS); landing pages
    fail on two of them, whose findings are the report's only ones."""
    records = []
    for account in ("a1", "a2", "a3"):
        for channel in ("facebook", "google_ads", "instagram", "linkedin", "tiktok"):
            leaky = (account, channel) in {("a2", "google_ads"), ("a3", "tiktok")}
            clicks = 5000
            sessions = 4500
            impressions = 50000 if channel == "google_ads" else 250000  # search ads have the higher CTR benchmark
            records.append({"date": "2026-07-01", "account": account, "channel": channel, "impressions": impressions, "clicks": clicks,
                            "sessions": sessions, "bounces": sessions * (85 if leaky else 30) // 100, "spend": 2000,
                            "purchases": 120})
    path = tmp_path_factory.mktemp("channels") / "channels.json"
    path.write_text(json.dumps({"client": "Wide", "business_model": "dtc_ecommerce", "currency": "USD",
                                "economics": {"customer_value": 100}, "data": [{"records": records}]}), encoding="utf-8")
    return path


def _drawn(text: str) -> list[str]:
    """The channel funnels a text report draws, by their headings."""
    return [line for line in text.splitlines() if " / " in line and line.split(" / ")[0] in ("a1", "a2", "a3")]


def test_many_channels_draw_only_the_funnels_of_the_findings_shown(channels):
    from kpi_advisor.plugins.reports.view import MAX_FUNNELS

    report = json.loads(run(channels, "--format", "json"))
    fired = {(f["scope"].get("account"), f["scope"].get("channel")) for f in report["findings"]}
    assert fired == {("a2", "google_ads"), ("a3", "tiktok")} and 15 > MAX_FUNNELS
    text = run(channels)
    assert _drawn(text) == ["a2 / google_ads", "a3 / tiktok"]
    assert "Not drawn: the funnels of 13 channels with no finding shown. The JSON report (--format json) has every channel's counts under metrics." in " ".join(text.split())
    markdown = run(channels, "--format", "markdown")
    assert "### a2 / google\\_ads" in markdown and "### a1 / facebook" not in markdown and "_Not drawn: the funnels of 13 channels with no finding shown" in markdown
    html = run(channels, "--format", "html", "--audience", "consultant")
    assert html.count('class="funnel') == run(channels, "--format", "html", "--max-findings", "all").count('class="funnel')
    assert "Not drawn: the funnels of 13 channels" in html and "Funnel of a1 / facebook" not in html
    client = run(channels, "--format", "html")
    assert "Not drawn: the funnels of 13 channels with no finding shown.</p>" in client  # no command line for the client
    assert "and 5 more" in client and "a3 / Instagram" not in client  # the channels card names 10 of 15
    # Every channel's counts stay in the JSON report, which draws no funnels.
    assert {(m["scope"].get("account"), m["scope"].get("channel")) for m in report["metrics"] if "channel" in m["scope"]} == \
        {(a, c) for a in ("a1", "a2", "a3") for c in ("facebook", "google_ads", "instagram", "linkedin", "tiktok")}


def test_a_few_channels_draw_every_funnel(channels, tmp_path):
    doc = json.loads(channels.read_text(encoding="utf-8"))
    doc["data"][0]["records"] = [r for r in doc["data"][0]["records"] if r["account"] != "a1"]  # 10 channels
    path = tmp_path / "ten.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    text = run(path)
    assert len(_drawn(text)) == 10 and "Not drawn" not in text
    assert "No leak flagged on this channel." in text


def test_the_funnel_of_all_data_leads_when_no_channel_has_a_finding_shown(channels):
    """No channel funnel is drawn, so the whole account's is, with the line counting the channels."""
    text = run(channels, "--max-findings", "0")
    section = text[text.index("Where the funnel leaks"):text.index("Findings:")]
    assert _drawn(text) == [] and "\nall data\n" in section and "Impressions" in section
    assert "Not drawn: the funnels of 15 channels with no finding shown." in " ".join(section.split())
    shown = run(channels, "--max-findings", "1")
    assert len(_drawn(shown)) == 1 and "\nall data\n" in shown  # one channel drawn: all data still leads


def test_a_short_report_words_only_the_findings_it_shows(config, monkeypatch):
    """Messages are written for the findings a report shows, not for every one that fired; the
    JSON report, complete, words every finding, and the Python API returns them all worded."""
    import kpi_advisor
    from kpi_advisor.evaluation import rules

    worded = []
    real = rules._Words.__call__
    monkeypatch.setattr(rules._Words, "__call__", lambda words: worded.append(words.rule.id) or real(words))
    text = run(config, "--max-findings", "3")
    assert len(worded) == 3 and text.count("-> ") == 3
    total = json.loads(run(config, "--format", "json"))["summary"]["findings_total"]
    assert len(worded) == 3 + total
    report = kpi_advisor.evaluate(config)
    assert len(worded) == 3 + 2 * total and all(f.message and f.recommendation for f in report.findings)


def _funnel_blocks(text: str) -> dict[str, str]:
    """Each drawn funnel's heading -> what is drawn under it, spaces normalised (text report)."""
    section = text[text.index("Where the funnel leaks"):text.index("Findings:")]
    out: dict[str, list[str]] = {}
    heading = None
    for line in section.splitlines()[1:]:
        if line and not line.startswith(" "):
            heading = line.strip()
            out[heading] = []
        elif heading:
            out[heading].append(line)
    return {heading: " ".join(" ".join(lines).split()) for heading, lines in out.items()}


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_channel_whose_findings_were_cut_never_says_no_leak(channels, tmp_path, fmt):
    """--max-findings 1 keeps one of the two channels' findings: the other channel's funnel says
    its finding is left out of the short report, not that nothing fired there."""
    doc = json.loads(channels.read_text(encoding="utf-8"))
    doc["data"][0]["records"] = [r for r in doc["data"][0]["records"] if r["account"] != "a1"]  # 10 channels: all drawn
    path = tmp_path / "ten.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    kept = json.loads(run(path, "--format", "json", "--max-findings", "1"))["findings"][0]["scope"]
    cut = "a3 / tiktok" if kept["channel"] == "google_ads" else "a2 / google_ads"
    cut_line = "No finding shown here: 1 finding on this channel is left out of this short report."
    output = " ".join(run(path, "--format", fmt, "--max-findings", "1").split())
    assert output.count(cut_line) == 1 and output.count("No leak flagged on this channel.") == 8
    if fmt == "text":
        blocks = _funnel_blocks(run(path, "--max-findings", "1"))
        assert len(blocks) == 10 and cut_line in blocks[cut] and "No leak flagged" not in blocks[cut]
        assert sum("No leak flagged on this channel." in block for block in blocks.values()) == 8
    if fmt == "html":  # the funnel's badge counts the left-out finding too
        assert output.count("0 of 1 finding shown") == 1 and "1 of 1 finding shown" not in output
    # With every finding shown, both channels show their leak and no line counts a cut.
    assert "No finding shown here" not in run(path, "--format", fmt, "--max-findings", "all")


def test_the_funnel_of_all_data_above_the_channels_does_not_say_no_leak(channels):
    """Beyond MAX_FUNNELS the funnel of all data leads; the findings are on the channels below it."""
    text = run(channels)
    section = text[text.index("Where the funnel leaks"):text.index("Findings:")]
    assert "\nall data\n" in section and "No leak flagged" not in section
    cut = run(channels, "--max-findings", "1")
    assert "No finding shown here" not in cut  # the channel whose finding was cut is not drawn; the count line says so


def test_a_cut_channel_still_says_so_when_a_name_holds_a_control_character(channels, tmp_path):
    """Text, Markdown and HTML clean control characters out of the report, left-out scopes too."""
    doc = json.loads(channels.read_text(encoding="utf-8"))
    records = [r for r in doc["data"][0]["records"] if r["account"] != "a1"]
    for record in records:
        if record["channel"] == "facebook":
            record["channel"] = "face\x1b[31mbook"
    doc["data"][0]["records"] = records
    path = tmp_path / "escaped.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    for fmt in ("text", "markdown", "html"):
        output = " ".join(run(path, "--format", fmt, "--max-findings", "1").split())
        assert "\x1b" not in output and output.count("No finding shown here: 1 finding on this channel") == 1, fmt
        assert output.count("No leak flagged on this channel.") == 8, fmt


def test_findings_left_out_on_no_channel_are_counted_under_all_data(channels, tmp_path):
    """An account whose channels mostly leak rolls up to the account, which no channel holds:
    cut by --max-findings 0, the funnel of all data counts it."""
    doc = json.loads(channels.read_text(encoding="utf-8"))
    records = [r for r in doc["data"][0]["records"] if r["account"] == "a2"]
    for record in records:
        if record["channel"] != "facebook":
            record["bounces"] = record["sessions"] * 85 // 100
    doc["data"][0]["records"] = records
    path = tmp_path / "rolled.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = json.loads(run(path, "--format", "json"))
    assert [f["scope"] for f in report["findings"]] == [{"account": "a2"}]  # one roll-up over 4 of 5 channels
    blocks = _funnel_blocks(run(path, "--max-findings", "0"))
    assert "No finding shown here: 1 finding is left out of this short report." in blocks["all data"]
    # The four channels it spoke for say so; the one that did not fire says no leak.
    wider = "1 finding on a wider scope that fired on this channel is left out"
    assert sorted(name for name, block in blocks.items() if wider in block) == [f"a2 / {c}" for c in ("google_ads", "instagram", "linkedin", "tiktok")]
    assert [name for name, block in blocks.items() if "No leak flagged on this channel." in block] == ["a2 / facebook"]


def test_data_without_channels_counts_its_left_out_findings(config, tmp_path):
    """Only the funnel of all data is drawn: its line names no channel."""
    doc = json.loads(config.read_text(encoding="utf-8"))
    for record in doc["data"][0]["records"]:
        del record["channel"]
    path = tmp_path / "no_channel.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert json.loads(run(path, "--format", "json"))["summary"]["findings_total"] == 1
    blocks = _funnel_blocks(run(path, "--max-findings", "0"))
    assert list(blocks) == ["all data"] and "No finding shown here: 1 finding is left out of this short report." in blocks["all data"]
    assert "No leak flagged" not in run(path, "--max-findings", "1")


def _two_accounts(path, unsold: tuple[str, str] | None = None):
    """Two accounts of four channels (eight funnels, all drawn); three of a1's channels fail on
    their landing pages. ``unsold``: an (account, channel) that also sells nothing."""
    records = []
    for account in ("a1", "a2"):
        for channel in ("facebook", "google_ads", "instagram", "tiktok"):
            leaky = account == "a1" and channel != "instagram"
            records.append({"date": "2026-07-01", "account": account, "channel": channel,
                            "impressions": 50000 if channel == "google_ads" else 250000, "clicks": 5000, "sessions": 4500,
                            "bounces": 4500 * (85 if leaky else 30) // 100, "spend": 2000,
                            "purchases": 0 if (account, channel) == unsold else 120})
    path.write_text(json.dumps({"client": "Rolled", "business_model": "dtc_ecommerce", "currency": "USD",
                                "economics": {"customer_value": 100}, "data": [{"records": records}]}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rolled(tmp_path_factory):
    """The landing-page leaks of a1's three channels: the report says it once, on account a1."""
    return _two_accounts(tmp_path_factory.mktemp("rolled") / "rolled.json")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_channel_inside_a_wider_roll_up_never_says_no_leak(rolled, fmt):
    """The channels an account's roll-up speaks for say they were flagged as part of it; the
    account's channel that did not fire, and the other account's, say no leak."""
    findings = json.loads(run(rolled, "--format", "json"))["findings"]
    assert [(f["rule"], f["scope"], len(f["members"])) for f in findings] == [("landing-page-leak", {"account": "a1"}, 3)]
    covered = "Flagged as part of 1 finding on a wider scope: "
    output = " ".join(run(rolled, "--format", fmt).split())
    assert output.count(covered) == 3 and output.count("No leak flagged on this channel.") == 5
    if fmt == "text":
        blocks = _funnel_blocks(run(rolled))
        for channel in ("facebook", "google_ads", "tiktok"):
            assert covered in blocks[f"a1 / {channel}"] and "(a1)." in blocks[f"a1 / {channel}"]
        assert all("No leak flagged on this channel." in blocks[name] for name in ("a1 / instagram", "a2 / facebook", "a2 / tiktok"))


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_channel_inside_a_wider_roll_up_that_was_cut_says_so(rolled, fmt):
    """--max-findings 0 leaves the account's roll-up out: the channels it spoke for say a finding
    on a wider scope that fired there is left out, not that nothing fired."""
    cut = "No finding shown here: 1 finding on a wider scope that fired on this channel is left out of this short report."
    output = " ".join(run(rolled, "--format", fmt, "--max-findings", "0").split())
    assert output.count(cut) == 3 and output.count("No leak flagged on this channel.") == 5
    assert "Flagged as part of" not in output
    if fmt == "text":
        blocks = _funnel_blocks(run(rolled, "--max-findings", "0"))
        assert all(cut in blocks[f"a1 / {channel}"] for channel in ("facebook", "google_ads", "tiktok"))
        assert "No leak flagged on this channel." in blocks["a1 / instagram"]


def test_channels_inside_an_account_that_a_wider_roll_up_holds_say_so(tmp_path):
    """Every channel of three accounts leaks: the channels roll up into their accounts (3 of 3) and
    the accounts into all data, so the one finding's members are accounts. Each channel, inside an
    account all of whose channels fired, says it was flagged as part of that finding (or, cut by
    --max-findings 0, that it is left out)."""
    records = [{"date": "2026-07-01", "account": account, "channel": channel,
                "impressions": 50000 if channel == "google_ads" else 250000, "clicks": 5000, "sessions": 4500,
                "bounces": 4500 * 85 // 100, "spend": 2000, "purchases": 120}
               for account in ("a1", "a2", "a3") for channel in ("facebook", "google_ads", "tiktok")]
    path = tmp_path / "nested.json"
    path.write_text(json.dumps({"client": "Nested", "business_model": "dtc_ecommerce", "currency": "USD",
                                "economics": {"customer_value": 100}, "data": [{"records": records}]}), encoding="utf-8")
    findings = json.loads(run(path, "--format", "json"))["findings"]
    assert [(f["rule"], f["scope"], [m["scope"] for m in f["members"]]) for f in findings] == [
        ("landing-page-leak", {}, [{"account": "a1"}, {"account": "a2"}, {"account": "a3"}])]
    text = run(path)
    blocks = _funnel_blocks(text)
    channels = [name for name in blocks if " / " in name]
    # The one finding speaks for all nine channels: said once above their funnels, not nine times.
    everywhere = "Every channel below is flagged as part of 1 finding on a wider scope: Clicks arrive, but the landing page does not keep them (all data)."
    assert len(channels) == 9 and not any("Flagged as part of" in blocks[name] for name in channels)
    assert " ".join(text.split()).count(everywhere) == 1
    assert all("part of 1 wider finding" not in blocks[name] and "No leak" not in blocks[name] for name in channels)
    for fmt in ("markdown", "html"):
        output = " ".join(run(path, "--format", fmt).split())
        assert output.count(everywhere) == 1 and "Flagged as part of" not in output, fmt
    cut = _funnel_blocks(run(path, "--max-findings", "0"))
    assert all("1 finding on a wider scope that fired on this channel is left out" in cut[name] for name in channels)
    assert not any("No leak flagged" in block for block in list(blocks.values()) + list(cut.values()))


def test_a_covered_channel_with_findings_of_its_own_names_the_wider_one_too(tmp_path):
    """a1's Facebook, TikTok and Google Ads fail on their landing pages (rolled up to account a1), and
    Facebook also spends with no order: its funnel lists its own finding and the account's roll-up,
    in every format. The HTML badge of a1's channel with none of its own counts the roll-up."""
    path = _two_accounts(tmp_path / "own_and_wider.json", unsold=("a1", "facebook"))
    findings = json.loads(run(path, "--format", "json", "--max-findings", "all"))["findings"]
    rolled = [f for f in findings if f["rule"] == "landing-page-leak"]
    assert [(f["scope"], len(f["members"])) for f in rolled] == [({"account": "a1"}, 3)]
    own = [f["rule"] for f in findings if f["scope"] == {"account": "a1", "channel": "facebook"}]
    assert "spend-without-conversions" in own
    covered = "Flagged as part of 1 finding on a wider scope: "
    blocks = _funnel_blocks(run(path, "--max-findings", "all"))
    assert covered in blocks["a1 / facebook"] and "Spend with no results at all" in blocks["a1 / facebook"]
    assert all(covered in blocks[f"a1 / {channel}"] for channel in ("google_ads", "tiktok"))
    for fmt in ("markdown", "html"):
        assert " ".join(run(path, "--format", fmt, "--max-findings", "all").split()).count(covered) == 3, fmt
    html = run(path, "--format", "html", "--max-findings", "all")
    badges = dict(re.findall(r'<h3><span>([^<]*)</span><span class="chip tag">([^<]*)</span>', html))
    assert badges["a1 / Google Ads"] == badges["a1 / TikTok"] == "part of 1 wider finding"
    assert badges["a1 / Instagram"] == "0 findings" and badges["a1 / Facebook"] == f"{len(own)} finding" + ("s" if len(own) > 1 else "")


def test_a_long_list_of_findings_draws_the_funnels_of_the_channels_it_lists_first(tmp_path):
    """Twelve of 30 channels leak: with every finding listed, the report draws MAX_FUNNELS channel
    funnels, those of the findings listed first, and says how many channels not drawn hold findings."""
    from kpi_advisor.plugins.reports.view import MAX_FUNNELS

    records = [{"date": "2026-07-01", "account": f"a{a}", "channel": channel, "impressions": 50000 if channel == "google_ads" else 250000,
                "clicks": 5000, "sessions": 4500, "spend": 2000, "purchases": 120,
                "bounces": 4500 * ((75 + 2 * a + c) if channel in ("facebook", "linkedin") else 30) // 100}
               for a in range(6) for c, channel in enumerate(("facebook", "google_ads", "instagram", "linkedin", "tiktok"))]
    path = tmp_path / "leaky.json"
    path.write_text(json.dumps({"client": "Wide", "business_model": "dtc_ecommerce", "currency": "USD",
                                "economics": {"customer_value": 100}, "data": [{"records": records}]}), encoding="utf-8")
    report = json.loads(run(path, "--format", "json"))
    listed = list(dict.fromkeys(f"{f['scope']['account']} / {f['scope']['channel']}" for f in report["findings"]))
    assert len(listed) == 12 > MAX_FUNNELS
    text = run(path, "--max-findings", "all")
    assert sorted(line.strip() for line in _drawn_any(text)) == sorted(listed[:MAX_FUNNELS])
    assert "Not drawn: the funnels of 20 more channels. 2 of them hold findings listed below. The JSON report" in " ".join(text.split())
    client = " ".join(run(path, "--format", "html", "--max-findings", "all").split())
    assert len(re.findall(r"Funnel of a\d", client)) == MAX_FUNNELS and "Funnel of all data" in client
    assert "Not drawn: the funnels of 20 more channels. 2 of them hold findings listed below.</p>" in client
    german = " ".join(run(path, "--max-findings", "all", "--lang", "de").split())
    assert "Nicht gezeichnet: die Funnels von 20 weiteren Kanälen. 2 davon haben unten aufgeführte Befunde." in german
    # The short report's 10 findings hold 10 channels, all drawn: the rest hold none it shows.
    assert "Not drawn: the funnels of 20 channels with no finding shown." in " ".join(run(path).split())


def _drawn_any(text: str) -> list[str]:
    """The channel funnels a text report draws (accounts a0-a9), by their headings."""
    section = text[text.index("Where the funnel leaks"):text.index("Findings:")]
    return [line for line in section.splitlines() if line[:1] == "a" and " / " in line]


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_a_leak_on_two_campaigns_names_its_rule_once(tmp_path, fmt):
    """Two of facebook's four campaigns lose their visitors: the channel's leak names the rule once
    with both campaigns, where the title was written again for each."""
    rows = [{"channel": "facebook", "campaign": c, "impressions": 100000, "clicks": 3000, "sessions": 2800,
             "bounces": int(2800 * bounce), "purchases": 30, "spend": 900, "revenue": 3000}
            for c, bounce in (("c1", 0.9), ("c2", 0.88), ("c3", 0.3), ("c4", 0.32))]
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": rows}]}),
                    encoding="utf-8")
    output = " ".join(run(path, "--format", fmt).split())
    assert "Clicks arrive, but the landing page does not keep them (c1, c2)" in output
    assert "does not keep them (c1); " not in output and "does not keep them (c2)" not in output


@pytest.mark.parametrize(("audience", "own"), [("client", "Facebook"), ("consultant", "facebook")])
def test_a_rule_on_a_channel_and_on_its_campaigns_is_named_once(audience, own):
    """A rule that fired on the channel itself and on one of its campaigns wrote its title twice
    ("T; T (c1)"); the channel is now named first among the places."""
    from pathlib import Path

    import kpi_advisor
    from kpi_advisor.models.report import Finding
    from kpi_advisor.plugins.reports.funnel import Funnel
    from kpi_advisor.plugins.reports.view import ReportView

    report = kpi_advisor.evaluate(Path(__file__).resolve().parents[1] / "examples" / "acme_outdoor.yaml")
    view = ReportView(report, {"audience": audience})

    def finding(rule: str, **scope: str) -> Finding:
        return Finding(rule=rule, severity="high", stage="purchase", scope=scope, evidence={}, thresholds={}, message="m", recommendation="r")

    funnel = Funnel(scope={"channel": "facebook"}, steps=[])
    leak, roas = view.rule_title("landing-page-leak"), view.rule_title("roas-below-break-even")
    both = [finding("landing-page-leak", channel="facebook"), finding("landing-page-leak", channel="facebook", campaign="c1"),
            finding("roas-below-break-even", channel="facebook")]
    assert view.findings_label(both, funnel) == f"{leak} ({own}, c1); {roas}"
    assert view.findings_label(both[1:2], funnel) == f"{leak} (c1)"


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_a_roll_up_named_above_the_funnels_is_not_listed_again_under_all_data(tmp_path, fmt):
    """Every channel of three accounts spends more than it brings in: the one all-data roll-up is
    named once above the funnels, where the all-data funnel listed it again ("Also flagged")."""
    records = [{"date": "2026-07-01", "account": account, "channel": channel, "impressions": 50000 if channel == "google_ads" else 250000,
                "clicks": 5000, "sessions": 4500, "bounces": 1500, "add_to_cart": 400, "checkouts": 250, "purchases": 120, "spend": 9000, "revenue": 6000}
               for account in ("a1", "a2", "a3") for channel in ("facebook", "google_ads", "tiktok")]
    path = tmp_path / "roas.json"
    path.write_text(json.dumps({"client": "Nested", "business_model": "dtc_ecommerce", "currency": "USD",
                                "economics": {"gross_margin": 0.5}, "data": [{"records": records}]}), encoding="utf-8")
    findings = json.loads(run(path, "--format", "json"))["findings"]
    assert [(f["rule"], f["scope"]) for f in findings] == [("roas-below-break-even", {})]
    output = " ".join(run(path, "--format", fmt).split())
    assert output.count("Every channel below is flagged as part of 1 finding on a wider scope: The ads bring in less than they cost (all data).") == 1
    assert "also flagged" not in output.lower()
    # Beside its scope ("all data"), a client's message does not begin with it again.
    client = " ".join(run(path, "--format", fmt, "--audience", "client").split())
    assert "The ads bring in less than they cost, on all 3 of its accounts" in client and "all data: The ads" not in client

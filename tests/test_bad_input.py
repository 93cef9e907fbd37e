"""Every kind of bad input gets exit 2 and a line naming the file and line or
field, runs no code, and prints no traceback."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli

GOOD_HEAD = "client: X\nbusiness_model: dtc_ecommerce\n"

CASES = {
    "syntax error": ("client: [unclosed\n", r"bad.yaml:\d+: "),
    "unknown key": ("client: X\nbusines_model: b2b\n", r"bad.yaml:2: busines_model: unknown field 'busines_model' \(did you mean 'business_model'\?\)"),
    "wrong type": (GOOD_HEAD + "goals:\n  - {id: g, objective: sales, baseline: lots}\n", r"bad.yaml:4: goals\[0\]\.baseline: "),
    "negative count": (GOOD_HEAD + "data:\n  - records:\n      - {channel: fb, clicks: -5}\n", r"bad.yaml:5: data\[0\]\.records\[0\]\.clicks: counts cannot be negative, got -5"),
    "non-numeric count": (GOOD_HEAD + "data:\n  - records:\n      - {channel: fb, clicks: 10}\n      - {channel: fb, clicks: many}\n", r"bad.yaml:6: data\[0\]\.records\[1\]\.clicks: expected a non-negative number, got 'many'"),
    "formula injection": (GOOD_HEAD + "metrics:\n  - {id: evil, formula: \"__import__('os').system('touch PWNED')\", stage: interest}\n" + "data: [{records: [{clicks: 1}]}]\n", r"bad.yaml:4: metrics\[0\]\.formula: names may not start with an underscore"),
    "python tag": (GOOD_HEAD + "data: !!python/object/apply:os.system ['touch PWNED']\n", r"bad.yaml:3: data: tag '!!python/object/apply:os.system' is not allowed"),
    "empty file": ("", r"bad.yaml: file is empty"),
    "unknown model": ("client: X\nbusiness_model: dtc\ndata: [{records: [{clicks: 1}]}]\n", r"bad.yaml:2: business_model: unknown business model 'dtc'"),
    "unknown rule param": (GOOD_HEAD + "rules:\n  params: {landing-page-leak: {min_ctrr: 0.1}}\ndata: [{records: [{clicks: 1}]}]\n", r"bad.yaml:4: rules\.params\[\"landing-page-leak\"\]\.min_ctrr: rule 'landing-page-leak' has no param 'min_ctrr' \(did you mean 'min_ctr'\?\)"),
    "missing data file": (GOOD_HEAD + "data:\n  - {csv: nowhere.csv}\n", r"nowhere.csv: no such file"),
    "no data": (GOOD_HEAD, r"data: no data"),
    "bad date": (GOOD_HEAD + "data:\n  - records:\n      - {date: 31/07/2026, clicks: 3}\n", r"bad.yaml:5: data\[0\]\.records\[0\]\.date: expected a date like 2026-07-01, got '31/07/2026'"),
    "list instead of mapping": ("- client: X\n", r"bad.yaml:1: expected a mapping"),
    "duplicate key": (GOOD_HEAD + "client: Y\n", r"bad.yaml:3: client: duplicate key 'client'"),
    "change in words": (GOOD_HEAD + "goals:\n  - {id: g, objective: sales, baseline: 60, change: 25 percent}\n",
                        r"bad.yaml:4: goals\[0\]\.change: expected a change such as \"\+20%\", \"-15%\" or \"\+500\" .*\(got '25 percent'\)"),
    "currency in lower case": ("client: X\nbusiness_model: dtc_ecommerce\ncurrency: eur\n",
                               r"bad.yaml:3: currency: expected a three-letter currency code in capitals, such as EUR or USD \(got 'eur'\)"),
    # pydantic reads true as 1: a CTR floor of 100%, a margin of 100%, five peers from `true`.
    "param given as true": (GOOD_HEAD + "rules:\n  params: {landing-page-leak: {min_ctr: true}}\ndata: [{records: [{clicks: 1}]}]\n",
                            r"bad.yaml:4: rules\.params\[\"landing-page-leak\"\]\.min_ctr: expected a number, not true or false"),
    "margin given as true": (GOOD_HEAD + "economics: {gross_margin: true}\ndata: [{records: [{clicks: 1}]}]\n",
                             r"bad.yaml:3: economics\.gross_margin: expected a number, not true or false"),
    # pydantic reads a number as seconds since 1970: `by: 0` was 1970-01-01.
    "date given as a number": (GOOD_HEAD + "goals:\n  - {id: g, objective: sales, metric: purchases, target: 10, by: 0}\ndata: [{records: [{clicks: 1}]}]\n",
                               r"bad.yaml:4: goals\[0\]\.by: expected a date like 2026-07-01 \(got 0\)"),
    "benchmark given as false": (GOOD_HEAD + "benchmarks: {ctr: {facebook: false}}\ndata: [{records: [{clicks: 1}]}]\n",
                                 r"bad.yaml:3: benchmarks\.ctr\.facebook: expected a number, not true or false"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_exits_2_with_a_located_message(name, tmp_path, monkeypatch):
    text, pattern = CASES[name]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(text)
    result = CliRunner().invoke(cli, ["run", "bad.yaml"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert all(line.startswith("error: ") for line in lines), result.output
    assert any(re.search(pattern, line) for line in lines), result.output
    assert not (tmp_path / "PWNED").exists()


def test_bad_csv_names_file_row_and_column(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ads.csv").write_text("date,channel,impressions,clicks\n2026-07-01,facebook,1000,20\n2026-07-02,facebook,1200,n/a\n2026-07-03,facebook,-4,3\n")
    (tmp_path / "c.yaml").write_text(GOOD_HEAD + "data:\n  - {csv: ads.csv}\n")
    result = CliRunner().invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 2
    assert "error: ads.csv:3: clicks: expected a non-negative number, got 'n/a'" in result.output
    assert "error: ads.csv:4: impressions: counts cannot be negative, got '-4'" in result.output


def test_api_raises_config_error_naming_the_field():
    import kpi_advisor

    with pytest.raises(kpi_advisor.ConfigError, match=r"business_model: missing required field") as info:
        kpi_advisor.evaluate({"client": "x"})
    assert isinstance(info.value, ValueError)


def test_every_kind_of_problem_in_a_file_is_said_in_one_run(tmp_path, monkeypatch):
    """A bad date does not hide the bad counts beside it, nor one file the next one's problems:
    a user fixes every file in one pass, top to bottom."""
    monkeypatch.chdir(tmp_path)
    rows = "date,channel,impressions,clicks,spend\n2026-07-01,facebook,1000,abc,10\n2026-07-02,facebook,1000,10,10\n2026-13-03,facebook,-5,10,xyz\n"
    (tmp_path / "a.csv").write_text(rows)
    (tmp_path / "b.csv").write_text("date,channel,impressions,clicks\n2026-07-01,facebook,12%,3\n2026-07-02,facebook,1.200,3\n")
    (tmp_path / "c.yaml").write_text(GOOD_HEAD + "data:\n  - {csv: a.csv}\n  - {csv: nowhere.csv}\n  - {csv: b.csv}\n")
    result = CliRunner().invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        "error: a.csv:2: clicks: expected a non-negative number, got 'abc'",
        "error: a.csv:4: date: expected a date like 2026-07-01, got '2026-13-03'",
        "error: a.csv:4: impressions: counts cannot be negative, got '-5'",
        "error: a.csv:4: spend: expected a non-negative number, got 'xyz'",
        f"error: nowhere.csv: no such file ({tmp_path / 'nowhere.csv'})",
        # A count refused as a percentage or as ambiguous is said once, not again as unreadable.
        "error: b.csv:2: impressions: expected a count, got a percentage '12%'; is this a rate in the wrong column?",
        "error: b.csv:3: impressions: '1.200' is ambiguous in a count: 1200 with a thousands dot, or 1.2? "
        "set options: {decimal_comma: true} if the file writes 1.234,5, or {decimal_comma: false} if it writes 1,234.5",
    ]


def test_an_unknown_business_model_is_said_beside_the_schemas_problems(tmp_path, monkeypatch):
    """A misspelt model is not hidden behind a bad goal: both are said in one run, top to bottom.
    Where the config loads plugins of its own, one may add the model, so it waits for them."""
    monkeypatch.chdir(tmp_path)
    goal = "goals:\n  - {id: g, objective: leads, metric: leads, baseline: 10, change: 25 percent, by: 2026-06-30}\n"
    (tmp_path / "c.yaml").write_text("client: X\nbusiness_model: b2bb\n" + goal + "data: [{records: [{clicks: 1}]}]\n")
    for command in ("run", "validate"):
        result = CliRunner().invoke(cli, [command, "c.yaml"])
        assert result.exit_code == 2, result.output
        lines = result.output.splitlines()
        assert lines[0].startswith("error: c.yaml:2: business_model: unknown business model 'b2bb' (did you mean 'b2b'?)"), lines
        assert lines[1].startswith("error: c.yaml:4: goals[0].change: expected a change such as"), lines
        assert len(lines) == 2
    (tmp_path / "p.py").write_text("")
    (tmp_path / "c.yaml").write_text("client: X\nbusiness_model: b2bb\nplugins: [p.py]\n" + goal + "data: [{records: [{clicks: 1}]}]\n")
    result = CliRunner().invoke(cli, ["validate", "c.yaml"])
    assert result.exit_code == 2 and "business model" not in result.output and "goals[0].change" in result.output, result.output


def test_a_name_the_size_of_a_file_is_refused_naming_its_row(tmp_path, monkeypatch):
    """Every finding on a scope writes its names into the report: a 1 MB campaign name in 800
    findings was 800 MB of JSON. A longer limit is one option away."""
    monkeypatch.chdir(tmp_path)
    long = "Summer sale " * 100  # 1,200 characters
    (tmp_path / "ads.csv").write_text(f"channel,campaign,impressions,clicks\nfacebook,Brand,1000,20\nfacebook,{long},1000,20\n")
    (tmp_path / "c.yaml").write_text(GOOD_HEAD + "data:\n  - {csv: ads.csv}\n")
    result = CliRunner().invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 2, result.output
    assert result.output.strip().startswith("error: ads.csv:3: campaign: a name of 1,200 characters (limit data_name_chars=1,000): "
                                            "Summer sale Summer sale Summer sale Summ...; is this the right column?")
    assert CliRunner().invoke(cli, ["--limit", "data_name_chars=2000", "run", "c.yaml"]).exit_code == 0


def test_a_files_row_problems_come_with_its_cells_and_none_twice(tmp_path, monkeypatch):
    """A percentage does not hide the bad cells below it in its column; a part above its whole and
    an end date before its start are said in the same run; a date past 9999 once."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pct.csv").write_text("channel,impressions,clicks,sessions,bounces\nfacebook,12%,5,100,50\nfacebook,abc,5,100,150\n"
                                      "facebook,-7,5,100,50\n")
    (tmp_path / "meta.csv").write_text('"Reporting starts","Reporting ends","Campaign name","Amount spent (EUR)","Impressions","Link clicks"\n'
                                       "2026-07-01,2026-06-30,Summer,100.00,5000,120\n2026-07-01,1826-09-30,Winter,100.00,5000,120\n")
    (tmp_path / "c.yaml").write_text(GOOD_HEAD + "currency: EUR\ndata:\n  - {csv: pct.csv}\n  - {csv: meta.csv, format: meta_ads}\n")
    result = CliRunner().invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        "error: pct.csv:2: impressions: expected a count, got a percentage '12%'; is this a rate in the wrong column?",
        "error: pct.csv:3: impressions: expected a non-negative number, got 'abc'",
        "error: pct.csv:3: bounces: 150 bounces but only 100 sessions on this row (bounce_rate over 100%); every bounce is a session",
        "error: pct.csv:4: impressions: counts cannot be negative, got '-7'",
        "error: meta.csv:2: end date: 2026-06-30 is before the row's first day 2026-07-01; expected the last day it covers",
        "error: meta.csv:3: end date: a date in the year 1826 is not plausible: expected a year from 1900 to 9999",
    ]


def test_records_problems_come_in_the_order_of_their_rows():
    import kpi_advisor

    rows = [{"channel": "fb", "impressions": 100, "clicks": 1}, {"channel": "fb", "impressions": "abc", "clicks": 1},
            {"channel": "fb", "impressions": 100, "clicks": 1}, {"channel": "fb", "impressions": 100, "clicks": "1.200"}]
    with pytest.raises(kpi_advisor.ConfigError) as info:
        kpi_advisor.evaluate({"client": "x", "business_model": "dtc_ecommerce", "data": [{"records": rows}]})
    assert [p.path for p in info.value.problems] == ["data[0].records[1].impressions", "data[0].records[3].clicks"]


def test_every_pattern_a_user_can_break_is_said_in_words():
    """A field whose value must match a pattern (a change, an id, a colour, a currency) says what it
    expects in words (validation.PATTERN_WORDS), never the regular expression: every model a user
    writes (config, rule pack, profile, plugin definitions) is walked for its patterns."""
    import json

    from kpi_advisor.loading.validation import PATTERN_WORDS
    from kpi_advisor.models import config, definitions

    models = [config.ClientConfig, definitions.RulePack, definitions.ProfileDef, definitions.MetricDef]
    found = set()
    for model in models:
        text = json.dumps(model.model_json_schema())
        found |= set(re.findall(r'"pattern": "((?:[^"\\\\]|\\\\.)*)"', text))
    patterns = {json.loads(f'"{p}"') for p in found}
    assert patterns and patterns <= set(PATTERN_WORDS), patterns - set(PATTERN_WORDS)


@pytest.mark.parametrize(("bad", "counted"), [(7, True), (5, False), (2, False)])
def test_bad_dates_past_the_listed_ones_are_counted(tmp_path, monkeypatch, bad, counted):
    """Five bad dates are listed; where there are more, how many in all: one mistyped row, or the whole file?"""
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"{'3/2/26' if i < bad else '2026-03-02'},{i},10\n" for i in range(9))
    (tmp_path / "d.csv").write_text("date,campaign,clicks\n" + rows)
    (tmp_path / "c.yaml").write_text(GOOD_HEAD + "data:\n  - {csv: d.csv}\n")
    result = CliRunner().invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len([line for line in lines if "expected a date like 2026-07-01, got '3/2/26'" in line]) == min(bad, 5)
    assert any(f"d.csv:6: date: {bad} rows in all with a date not like 2026-07-01; the first 5 are listed" in line for line in lines) == counted


@pytest.mark.parametrize(("options", "expected"), [
    ("{locale: xx_YY}", r"options\.locale: unknown locale 'xx_YY'; expected a language and country such as de_DE"),
    ('{separator: ""}', r"options\.separator: expected one character such as ';', ',', '\|' or a tab \(got ''\)"),
    ('{separator: ";;"}', r"options\.separator: expected one character .*\(got ';;'\)"),
    ("{decimal_comma: maybe}", r"options\.decimal_comma: expected true or false \(got 'maybe'\)"),
])
def test_a_reader_option_that_says_nothing_usable_is_refused(options, expected, tmp_path, monkeypatch):
    # Each was read as its default before: an unknown locale as decimal points, an empty
    # separator as a comma, "maybe" as false.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ads.csv").write_text("date,channel,impressions,clicks\n2026-07-01,facebook,1000,20\n")
    (tmp_path / "c.yaml").write_text(GOOD_HEAD + f"data:\n  - {{csv: ads.csv, options: {options}}}\n")
    result = CliRunner().invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 2, result.output
    assert re.search(r"^error: ads\.csv: " + expected, result.output, re.M), result.output


@pytest.mark.parametrize(("locale", "comma"), [("de_DE", True), ("de-CH", False), ("es_ES", True), ("es_MX", False),
                                               ("pt_BR", True), ("en_US", False), ("fr", True), ("id", True)])
def test_a_locale_writes_decimals_as_its_country_does(locale, comma):
    from kpi_advisor.data import decimal_comma_from

    assert decimal_comma_from({"locale": locale}) is comma


QUOTES = {
    "never closed": ('2026-07-02,"facebook,1000,10\n2026-07-03,instagram,500,5\n', r"ads\.csv:3: a quoted cell here has no closing quote"),
    "text after the closing quote": ('2026-07-02,"facebook" ads,1000,10\n', r"ads\.csv:3: a quoted cell here has no closing quote, or text after it"),
    # polars reads a file whose only row opens a quote as no rows: "has a header but no data rows".
    "never closed in the only row": ('', r"ads\.csv:2: a quoted cell here has no closing quote"),
    "inside an unquoted cell": ('2026-07-02,"multi\nline",1,1\n2026-07-03,12" pizza,1000,10\n',
                                r"ads\.csv:5: a quote inside a cell that does not start with one \(12\" pizza\); quote the whole cell"),
}


@pytest.mark.parametrize("case", sorted(QUOTES))
def test_a_quote_polars_cannot_read_is_located(case, tmp_path, monkeypatch):
    # polars said "CSV malformed: expected 0 rows, actual 1 rows, in chunk starting at row_offset 1".
    rows, expected = QUOTES[case]
    monkeypatch.chdir(tmp_path)
    first = '2026-07-01,"facebook,1000,20\n' if not rows else '2026-07-01,"face, ""book""",1000,20\n'
    (tmp_path / "ads.csv").write_text("date,channel,impressions,clicks\n" + first + rows)
    (tmp_path / "c.yaml").write_text(GOOD_HEAD + "data:\n  - {csv: ads.csv}\n")
    result = CliRunner().invoke(cli, ["run", "c.yaml", "--format", "json"])
    if result.exit_code == 0 and case == "inside an unquoted cell":
        # polars 1.34 (the lowest pyproject allows) reads a stray quote as a character: no
        # error to locate, and the cell is read as written.
        assert '"channel": "12\\" pizza"' in result.output
        return
    assert result.exit_code == 2, result.output
    assert re.search("^error: " + expected, result.output, re.M), result.output


@pytest.mark.parametrize(("export", "fmt", "line", "name", "quoted"), [
    ("meta_ads/ads_daily_en.csv", "meta_ads", 3, "Summer Sale", 'Summer 12" Sale'),
    # LinkedIn's banner quotes its dates (Report Start: "7/1/2026, 12:00 AM"): not a data row.
    ("linkedin_ads/campaign_performance.csv", "linkedin_ads", 7, "Demo request", 'Demo 12" request - Retarget'),
])
def test_a_quote_inside_a_cell_of_a_platform_export_is_located(export, fmt, line, name, quoted, tmp_path, monkeypatch):
    from reporting import ROOT

    lines = (ROOT / "tests" / "data" / export).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].replace(name, name.replace(" ", ' 12" ', 1), 1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export.csv").write_text("".join(lines), encoding="utf-8")
    (tmp_path / "c.yaml").write_text(GOOD_HEAD + f"data:\n  - {{csv: export.csv, format: {fmt}}}\n")
    result = CliRunner().invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 2, result.output
    assert f"error: export.csv:{line}: a quote inside a cell that does not start with one ({quoted})" in result.output


@pytest.mark.parametrize(("encoding", "head"), [("utf-8-sig", '"date","channel","impressions","clicks"'), ("utf-16", "date,channel,impressions,clicks")])
def test_a_quote_is_located_in_a_file_with_a_byte_order_mark(encoding, head, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ads.csv").write_text(head + '\n2026-07-01,"facebook",1000,20\n2026-07-02,"instagram,1000,20\n2026-07-03,x,1,1\n',
                                      encoding=encoding)
    (tmp_path / "c.yaml").write_text(GOOD_HEAD + "data:\n  - {csv: ads.csv}\n")
    result = CliRunner().invoke(cli, ["run", "c.yaml"])
    assert result.exit_code == 2, result.output
    assert "error: ads.csv:3: a quoted cell here has no closing quote" in result.output


def test_a_close_match_is_offered_for_the_first_hundred_unknown_fields():
    # A typo gets "did you mean"; a document of thousands of unknown fields (a flood sent to the
    # service) is told each is unknown, without a fuzzy match a field.
    from kpi_advisor import ConfigError, evaluate
    from kpi_advisor.loading.validation import MAX_SUGGESTIONS

    config = {"client": "x", "business_model": "dtc_ecommerce", "data": [{"records": [{"clicks": 1}]}]}
    config |= {f"goal{'s' * (i % 2)}_{i}": 1 for i in range(MAX_SUGGESTIONS + 50)}
    config["golas"] = []
    try:
        evaluate(config)
    except ConfigError as exc:
        messages = [problem.message for problem in exc.problems]
    else:
        raise AssertionError("unknown fields were accepted")
    unknown = [m for m in messages if m.startswith("unknown field")]
    assert len(unknown) == MAX_SUGGESTIONS + 51
    assert unknown[-1] == "unknown field 'golas'"  # past the first hundred: no match offered
    assert any("(did you mean" in m for m in unknown[:MAX_SUGGESTIONS])
    assert not any("(did you mean" in m for m in unknown[MAX_SUGGESTIONS:])

"""Names from a client's data cannot drive a terminal or a renderer (issue 18): control
characters are escaped in every report format but JSON (which escapes them itself) and in
every problem line on stderr; Markdown cells carry no HTML; HTML isolates bidi overrides."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

import kpi_advisor
from kpi_advisor.cli import cli
from kpi_advisor.problems import Problem, printable

OSC_TITLE = "\x1b]0;owned\x07"
OSC_CLIPBOARD = "\x1b]52;c;ZWNobyBwd24=\x07"
OSC_LINK = "\x1b]8;;https://evil.example/\x1b\\"
DCS = "\x1bP1$r\x1b\\"
CSI_C1 = "\x9b31m"
CONTROLS = ("\x1b", "\x07", "\x9b", "\x90", "\x9d", "\x00", "\x7f")


def _config(tmp_path):
    config = {
        "client": f"Evil{OSC_TITLE} Inc",
        "business_model": "dtc_ecommerce",
        "data": [{"records": [{
            "channel": f"face{OSC_CLIPBOARD}book",
            "campaign": f"c{CSI_C1}{DCS}{OSC_LINK}<img src=x onerror=alert(1)>|x\u202eevil\x00\x7f",
            "impressions": 100000, "clicks": 3000, "sessions": 2900, "bounces": 2500,
        }]}],
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_no_control_character_reaches_a_report(tmp_path, fmt):
    result = CliRunner().invoke(cli, ["run", str(_config(tmp_path)), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert not [c for c in CONTROLS if c in result.stdout], fmt
    assert "\\x1b]52;c;ZWNobyBwd24=" in result.stdout.replace("\\\\", "\\").replace("\\]", "]")  # visible, not silent


def test_json_keeps_names_as_they_are_escaped_by_json(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(_config(tmp_path)), "--format", "json"])
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\\u001b" in result.stdout
    assert json.loads(result.stdout)["client"] == f"Evil{OSC_TITLE} Inc"


def test_markdown_cells_carry_no_html_or_links():
    from kpi_advisor.plugins.reports.markdown_report import cell

    assert cell("<img src=x onerror=alert(1)>|[x](javascript:1)") == "\\<img src=x onerror=alert(1)\\>\\|\\[x\\](javascript:1)"
    assert cell("**12%**") == "**12%**"


def test_html_isolates_bidi_overrides_and_wraps_long_names(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(_config(tmp_path)), "--format", "html"])
    html = result.stdout
    start = html.index("x\u202eevil")
    isolate = html.rindex("\u2068", 0, start)
    assert "\u2069" in html[start: start + 40] and "\u202c" in html[start: start + 40]
    assert start - isolate < 200
    assert "overflow-wrap: anywhere" in html


def test_problem_lines_escape_control_characters_and_newlines():
    line = str(Problem(f"expected a number, got 'x{OSC_TITLE}\ny'", file="ads.csv", line=2, path="clicks"))
    assert line == "ads.csv:2: clicks: expected a number, got 'x\\x1b]0;owned\\x07\\x0ay'"
    assert printable("tab\tand\nnewline") == "tab\tand\nnewline"
    assert printable("lone \ud800") == "lone \\ud800"


def test_stderr_never_carries_a_control_character_from_data(tmp_path):
    csv = tmp_path / "ads.csv"
    csv.write_text(f"channel,impressions,clicks\nfacebook,1000,twenty{OSC_TITLE}\n")
    config = tmp_path / "config.yaml"
    config.write_text("client: X\nbusiness_model: dtc_ecommerce\ndata:\n  - csv: ads.csv\n")
    result = CliRunner().invoke(cli, ["run", str(config)])
    assert result.exit_code == 2
    assert not [c for c in CONTROLS if c in result.stderr]
    assert "\\x1b]0;owned\\x07" in result.stderr


# Text that tries the JSON check's edges: escapes JSON writes short (\b, \f, \r, \t, \n), runs of
# backslashes before letters that would read as an escape, "u00" spelt out, DEL, C1 and plain text.
_EDGES = st.text(alphabet=st.sampled_from(["\\", "b", "f", "r", "t", "n", "u", "0", "1", "a", '"', "\x00", "\x08", "\t", "\n",
                                           "\x0b", "\x0c", "\r", "\x1b", "\x1f", " ", "\x7e", "\x7f", "\x80", "\x9f", "\xa0", "é"]),
                 max_size=12)


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(_EDGES, min_size=1, max_size=4))
def test_the_json_check_misses_no_text_printable_would_change(texts):
    import pydantic_core

    from kpi_advisor.problems import json_may_hold_control

    changed = any(printable(text) != text for text in texts)
    found = json_may_hold_control(pydantic_core.to_json({text: [text] for text in texts}))
    assert found or not changed
    if not any("\\" in text for text in texts):  # only a backslash of a name's own can look like an escape
        assert found is changed


def test_a_report_is_walked_and_cleaned_only_where_a_text_needs_it():
    from kpi_advisor.models.report import Report
    from kpi_advisor.plugincalls import printable_report

    def report(client: str, left_out: str = "spring") -> Report:
        made = Report.model_validate({"client": client, "business_model": "dtc_ecommerce", "currency": "EUR", "kpis": [], "findings": [],
                                      "summary": {"findings_total": 0, "by_rule": {}, "by_severity": {}, "rules_evaluated": 0}})
        made._not_shown = [{"campaign": left_out}]
        return made

    for plain in (report("Acme"), report("Acme \\u001b \\b")):  # escapes spelt out in a name are text
        assert printable_report(plain) is plain
    for hostile in (report(f"Evil{OSC_TITLE}", f"spring{CSI_C1}"), report(f"Evil{CSI_C1}"), report("Evil\x7f"), report("lone \ud800"),
                    report("Acme", f"spring{OSC_TITLE}")):  # a left-out scope alone: the short report's last line names it
        cleaned = printable_report(hostile)
        assert cleaned is not hostile
        assert not [c for c in CONTROLS if c in cleaned.client + cleaned._not_shown[0]["campaign"]]

"""Names from a client's data cannot drive a terminal or a renderer (issue 18): control
characters are escaped in every report format but JSON (which escapes them itself) and in
every problem line on stderr; Markdown cells carry no HTML; HTML isolates bidi overrides."""

from __future__ import annotations

import json

import pytest
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

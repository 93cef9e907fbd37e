"""Options of `kpi-advisor run`: --fail-on, --max-findings with counts of everything
that fired, --quiet, and the progress bar that only a terminal sees."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli
from kpi_advisor.commands import progress as progress_mod
from reporting import ACME

TWO_LEAKS = """
client: Two leaks
business_model: dtc_ecommerce
economics: {customer_value: 50}
data:
  - records:
      - {channel: facebook, impressions: 120000, clicks: 3600, sessions: 3300, bounces: 2650, purchases: 12}
      - {channel: tiktok, impressions: 90000, clicks: 2500, sessions: 2300, bounces: 1900, purchases: 5}
      - {channel: instagram, impressions: 80000, clicks: 1400, sessions: 1300, bounces: 420, purchases: 40}
"""


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, ["run", *args], catch_exceptions=False, **kwargs)


@pytest.fixture
def two_leaks(write):
    return str(write("two.yaml", TWO_LEAKS))


@pytest.mark.parametrize(("fail_on", "status"), [("critical", 0), ("high", 1), ("medium", 1), ("info", 1)])
def test_fail_on_counts_every_finding_even_those_not_shown(two_leaks, fail_on, status):
    assert run(two_leaks, "--fail-on", fail_on, "--max-findings", "0", "--format", "json").exit_code == status


def test_max_findings_shows_fewer_and_counts_all(two_leaks):
    report = json.loads(run(two_leaks, "--max-findings", "1", "--format", "json").output)
    assert len(report["findings"]) == 1
    assert report["summary"]["findings_total"] == 2 and report["summary"]["findings_shown"] == 1
    assert report["summary"]["by_rule"] == {"landing-page-leak": 2} and report["summary"]["by_severity"] == {"high": 2}
    text = run(two_leaks, "--max-findings", "1").output
    assert "2 findings (2 high); 1 shown" in text
    markdown = run(two_leaks, "--max-findings", "1", "--format", "markdown").output
    assert markdown.count("### 1.") == 1 and "### 2." not in markdown


def test_summary_line_on_stderr_unless_quiet(two_leaks, tmp_path):
    out = tmp_path / "r.html"
    loud = run(two_leaks, "-o", str(out), "--max-findings", "1")
    assert loud.output == f"wrote {out}: 2 findings (2 high), 1 shown\n"
    quiet = run(two_leaks, "-o", str(out), "-q")
    assert quiet.output == ""
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_quiet_stdout_is_the_report_only():
    assert run(str(ACME), "--format", "json", "--quiet").output.startswith("{")


def test_format_follows_the_extension(tmp_path):
    for name, start in (("r.md", "# Marketing KPI report"), ("r.html", "<!DOCTYPE html>"), ("r.json", "{"), ("r.txt", "Acme Outdoor")):
        assert run(str(ACME), "-o", str(tmp_path / name), "-q").exit_code == 0
        assert (tmp_path / name).read_text().startswith(start)


def test_unknown_format_lists_the_known_ones():
    result = CliRunner().invoke(cli, ["run", str(ACME), "--format", "pdf"])
    assert result.exit_code == 2 and "html, json, markdown, text" in result.output


def test_progress_bar_only_for_large_input_on_a_terminal(monkeypatch, write, tmp_path):
    from kpi_advisor.loading.prepare import load_config

    big = write("big.csv", "campaign,impressions,clicks\n" + "".join(f"c{i},100,3\n" for i in range(2000)))
    loaded = load_config(write("big.yaml", "client: x\nbusiness_model: dtc_ecommerce\ndata: [{csv: big.csv}]\n"))
    assert progress_mod.input_size(loaded) == big.stat().st_size
    monkeypatch.setenv("KPI_ADVISOR_PROGRESS_BYTES", "10000")
    monkeypatch.setattr(progress_mod, "stderr_is_terminal", lambda: True)
    assert progress_mod.Progress.for_run(loaded).enabled
    assert not progress_mod.Progress.for_run(loaded, quiet=True).enabled
    monkeypatch.setattr(progress_mod, "stderr_is_terminal", lambda: False)
    assert not progress_mod.Progress.for_run(loaded).enabled
    monkeypatch.delenv("KPI_ADVISOR_PROGRESS_BYTES")
    monkeypatch.setattr(progress_mod, "stderr_is_terminal", lambda: True)
    assert not progress_mod.Progress.for_run(loaded).enabled


def _run_with_terminal_stderr(args: list[str], env: dict[str, str]) -> tuple[str, bytes]:
    """Run the command line with stderr on a pseudo-terminal; returns (stdout, what the terminal got)."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "kpi_advisor", *args], stdout=subprocess.PIPE, stderr=slave,
                                   env={**os.environ, **env, "TERM": "xterm", "COLUMNS": "100"})
        os.close(slave)
        slave = -1
        terminal = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the pty closes when the process ends
                break
            if not chunk:
                break
            terminal += chunk
        stdout = process.stdout.read().decode()
        process.wait(timeout=60)
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)
    return stdout, terminal


def test_progress_bar_on_a_terminal_and_never_in_the_report(write):
    write("big.csv", "campaign,impressions,clicks,sessions,bounces\n" + "".join(f"c{i},100,3,3,2\n" for i in range(500)))
    config = str(write("big.yaml", "client: x\nbusiness_model: dtc_ecommerce\ndata: [{csv: big.csv}]\n"))
    stdout, terminal = _run_with_terminal_stderr(["run", config, "--format", "json"], {"KPI_ADVISOR_PROGRESS_BYTES": "1000"})
    assert json.loads(stdout)["client"] == "x"
    assert any(name.encode() in terminal for name in progress_mod.STEPS), terminal  # which steps are drawn depends on timing
    _, quiet = _run_with_terminal_stderr(["run", config, "--format", "json", "-q"], {"KPI_ADVISOR_PROGRESS_BYTES": "1000"})
    assert quiet == b""
    _, small = _run_with_terminal_stderr(["run", config, "--format", "json"], {})
    assert small == b""  # 10 kB is not a long run
    # -o - as well: the report reaches stdout once the bar is gone, never the bar's terminal.
    dash, terminal = _run_with_terminal_stderr(["run", config, "--format", "json", "-o", "-"], {"KPI_ADVISOR_PROGRESS_BYTES": "1000"})
    assert json.loads(dash) == json.loads(stdout) and b'"client"' not in terminal

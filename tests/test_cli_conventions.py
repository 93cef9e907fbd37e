"""The command line behaves like the Unix tools around it: version, exit statuses, pipes,
options in either place, machine-readable output, completion, colour switches."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import EXIT_BROKEN_PIPE, cli, use_color

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "acme_outdoor.yaml"
ESC = "\x1b["


def kpi(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "KPI_ADVISOR_DEBUG")}
    return subprocess.run([sys.executable, "-m", "kpi_advisor", *args], env={**base, **(env or {})}, capture_output=True,
                          text=True, timeout=120, **kwargs)


def invoke(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), **kwargs)


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag):
    from importlib.metadata import version

    result = invoke(flag)
    assert result.exit_code == 0 and result.output == f"kpi-advisor, version {version('kpi-advisor')}\n"


def test_help_names_every_exit_status_and_the_docs_explain_them():
    result = invoke("--help")
    for status in ("0 done", "1 a finding", "2 bad usage", "3 internal error", "130 interrupted", "141 stdout closed"):
        assert status in result.output
    readme = (ROOT / "README.md").read_text()
    for status in ("`0`", "`1`", "`2`", "`3`", "`130`", "`141`"):
        assert status in readme


def test_a_closed_pipe_exits_141_without_a_word():
    # The reader has gone before the first byte: the write fails with EPIPE at once.
    process = subprocess.Popen([sys.executable, "-m", "kpi_advisor", "list", "metrics", "--format", "json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == EXIT_BROKEN_PIPE
    assert stderr == b""


def test_head_closing_the_pipe_midway_is_silent():
    script = f'"{sys.executable}" -m kpi_advisor run "{EXAMPLE}" --format json | head -c 10 > /dev/null; echo "${{PIPESTATUS[0]}}"'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() in ("0", str(EXIT_BROKEN_PIPE))  # 0 when the report fitted the pipe before head left
    assert result.stderr == ""


def test_global_options_work_after_the_command_too(tmp_path):
    before = invoke("--limit", "data_rows=1", "run", str(EXAMPLE))
    after = invoke("run", str(EXAMPLE), "--limit", "data_rows=1")
    assert before.exit_code == after.exit_code == 2
    assert "limit data_rows=1" in after.stderr and after.stderr == before.stderr
    listed = invoke("list", "limits", "--format", "json", "--limit", "data_rows=5e7")
    assert {row["id"]: row["value"] for row in json.loads(listed.stdout)}["data_rows"] == 50_000_000
    assert invoke("validate", str(EXAMPLE), "--limit", "yaml_bytes=10").exit_code == 2


def test_a_bad_limit_after_the_command_is_one_line():
    result = invoke("kpis", "--model", "b2b", "--limit", "nonsense=1")
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_says_what_happens_on_stderr(where, tmp_path):
    args = ["run", str(EXAMPLE), "-o", str(tmp_path / "r.json")]
    result = invoke(*(["-v", *args] if where == "before" else [*args, "--verbose"]))
    assert result.exit_code == 0
    for step in ("config ", "reading data:", "evaluating rules:", "writing:", "done in"):
        assert f"kpi-advisor: {step}" in result.stderr
    quiet = invoke(*args)
    assert "kpi-advisor:" not in quiet.stderr


def boom(*args, **kwargs):
    raise RuntimeError("a bug")


@pytest.mark.parametrize("args", [["list", "metrics", "--debug"], ["--debug", "list", "metrics"]])
def test_debug_shows_the_traceback_of_an_internal_error(monkeypatch, args):
    monkeypatch.delenv("KPI_ADVISOR_DEBUG", raising=False)
    monkeypatch.setattr("kpi_advisor.commands.listing.listing", boom)
    plain = invoke("list", "metrics")
    assert plain.exit_code == 3 and "Traceback" not in plain.stderr
    assert plain.stderr.strip().splitlines() == [
        "error: internal error: RuntimeError: a bug (run again with --debug for details; please report it)"]
    debug = invoke(*args)
    assert debug.exit_code == 3 and "Traceback" in debug.stderr and "RuntimeError: a bug" in debug.stderr


def test_the_environment_variable_still_turns_debugging_on(monkeypatch):
    monkeypatch.setattr("kpi_advisor.commands.listing.listing", boom)
    monkeypatch.setenv("KPI_ADVISOR_DEBUG", "1")
    result = invoke("list", "metrics")
    assert result.exit_code == 3 and "Traceback" in result.stderr


def test_an_interrupt_exits_130(monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("kpi_advisor.commands.listing.listing", interrupted)
    result = invoke("list", "metrics")
    assert result.exit_code == 130 and result.stderr == "error: interrupted\n"


def test_a_real_ctrl_c_exits_130(tmp_path):
    import signal
    import time

    # A config on stdin that never ends keeps the command waiting, like a long run.
    # A job started in the background inherits an ignored SIGINT; a user's shell gives the default.
    process = subprocess.Popen([sys.executable, "-m", "kpi_advisor", "run", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    process.stdin.write(b"client: Shop\n")
    process.stdin.flush()
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    finally:
        process.kill()
    stderr = process.stderr.read().decode()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr


def test_validate_json_lists_every_file():
    result = invoke("validate", "--format", "json", str(EXAMPLE), str(ROOT / "rules" / "funnel.yaml"),
                    str(ROOT / "rules" / "profiles" / "b2b.yaml"))
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [(r["kind"], r["ok"], r["problems"]) for r in rows] == [("config", True, []), ("rules", True, []), ("profile", True, [])]


def test_validate_json_reports_problems_with_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("client: Shop\nbusiness_model: dtc_ecomerce\n")
    result = invoke("validate", "--format", "json", str(bad), str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    first, second = json.loads(result.stdout)
    assert not first["ok"] and first["problems"][0]["line"] == 2 and first["problems"][0]["path"] == "business_model"
    assert first["problems"][0]["text"].startswith(f"{bad}:2: business_model: ")
    assert second == {"file": str(tmp_path / "missing.yaml"), "kind": "unknown", "ok": False,
                      "problems": [{"message": f"no such file: {tmp_path / 'missing.yaml'}", "file": None, "line": None, "path": "",
                                    "text": f"no such file: {tmp_path / 'missing.yaml'}"}], "warnings": []}
    assert result.stderr == ""  # JSON mode keeps stderr for real failures


@pytest.mark.parametrize("item, kind", [("ctr", "metric"), ("landing-page-leak", "rule"), ("b2b", "model"), ("support", "goal")])
def test_explain_json(item, kind):
    result = invoke("explain", item, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == kind and data["id"] == item and data["definition"]["id"] == item
    assert data["text"] == invoke("explain", item).stdout.rstrip("\n")
    if kind == "rule":
        assert "when" in data["definition"] and data["provided_by"].endswith("funnel.yaml")


def test_explain_json_of_an_unknown_id_is_exit_2():
    result = invoke("explain", "landing-page-lek", "--format", "json")
    assert result.exit_code == 2 and "landing-page-leak" in result.stderr and result.stdout == ""


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F"), ("zsh", "#compdef kpi-advisor"), ("fish", "complete --no-files --command kpi-advisor")])
def test_shell_completion_scripts_and_their_documentation(shell, marker):
    result = kpi(env={"_KPI_ADVISOR_COMPLETE": f"{shell}_source"})
    assert result.returncode == 0 and marker in result.stdout
    docs = (ROOT / "docs" / "getting-started.md").read_text()
    assert f"_KPI_ADVISOR_COMPLETE={shell}_source kpi-advisor" in docs


def test_completion_offers_commands_and_choices():
    env = {"_KPI_ADVISOR_COMPLETE": "bash_complete", "COMP_WORDS": "kpi-advisor list ", "COMP_CWORD": "2"}
    result = kpi(env=env)
    assert "plain,metrics" in result.stdout and "plain,rules" in result.stdout


@pytest.mark.parametrize("env, tty, expected", [
    ({}, True, True),
    ({}, False, False),
    ({"NO_COLOR": "1"}, True, False),
    ({"TERM": "dumb"}, True, False),
    ({"FORCE_COLOR": "1"}, False, True),
    ({"FORCE_COLOR": "1", "TERM": "dumb"}, False, True),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, True, False),  # an explicit no wins
    ({"NO_COLOR": ""}, True, True),  # empty means unset (no-color.org)
])
def test_colour_switches(monkeypatch, env, tty, expected):
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty, raising=False)
    assert use_color() is expected
    assert use_color("report.txt") is False  # files never get escape codes


def test_force_color_through_a_pipe_and_term_dumb_on_a_terminal():
    forced = kpi("run", str(EXAMPLE), env={"FORCE_COLOR": "1"})
    assert forced.returncode == 0 and ESC in forced.stdout
    assert ESC not in kpi("run", str(EXAMPLE)).stdout
    for term, coloured in (("xterm", True), ("dumb", False)):
        master, slave = pty.openpty()
        try:
            env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
            process = subprocess.Popen([sys.executable, "-m", "kpi_advisor", "run", str(EXAMPLE)], stdout=slave,
                                       stderr=subprocess.DEVNULL, env={**env, "TERM": term, "COLUMNS": "100"})
            os.close(slave)
            slave = -1
            screen = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                screen += chunk
            process.wait(timeout=60)
        finally:
            os.close(master)
            if slave != -1:
                os.close(slave)
        assert (ESC.encode() in screen) is coloured, term
        assert b"Acme Outdoor" in screen


def test_every_subcommand_help_lists_the_global_options():
    for name in cli.commands:
        text = invoke(name, "--help").output
        assert all(option in text for option in ("--limit", "--verbose", "--debug")), name
        assert re.search(r"-h, --help", text)

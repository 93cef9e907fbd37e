"""`kpi-advisor run -`: a config (YAML or JSON) on stdin, the report on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme_outdoor.yaml"


def run(args: list[str], stdin: str | bytes) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def example_as_json() -> str:
    from kpi_advisor.loading.yamlsafe import load_yaml_file

    return json.dumps(load_yaml_file(EXAMPLE).data, default=str)


def test_yaml_and_json_on_stdin_give_the_report_of_the_file():
    code, from_file, _ = run(["run", str(EXAMPLE), "--format", "json"], "")
    assert code == 0
    code, from_yaml, err = run(["run", "-", "--format", "json"], EXAMPLE.read_text(encoding="utf-8"))
    assert (code, err) == (0, "")
    code, from_json, err = run(["run", "-", "--format", "json"], example_as_json())
    assert (code, err) == (0, "")
    assert json.loads(from_yaml) == json.loads(from_json) == json.loads(from_file)
    assert json.loads(from_yaml)["client"] == "Acme Outdoor"


def test_text_report_and_fail_on():
    code, out, _ = run(["run", "-"], EXAMPLE.read_text(encoding="utf-8"))
    assert code == 0 and "Acme Outdoor" in out
    findings = json.loads(run(["run", "-", "--format", "json"], example_as_json())[1])["findings"]
    assert findings, "the example has a leak"
    code, _, _ = run(["run", "-", "--format", "json", "--fail-on", findings[0]["severity"]], example_as_json())
    assert code == 1


def test_problems_name_stdin_and_the_line():
    config = "client: X\nbusiness_model: dtc_ecommerce\ngoals:\n  - id: g\n    objective: sales\n    target: -5\n"
    code, out, err = run(["run", "-"], config)
    assert (code, out) == (2, "")
    assert "error: <stdin>:6: goals[0].target:" in err
    assert "Traceback" not in err
    code, _, err = run(["run", "-"], '{"client": "X", "business_model": "dtc_ecommerce", "data": [{"records": [{"clicks": "many"}]}]}')
    assert code == 2 and "<stdin>:1: data[0].records[0].clicks: expected a non-negative number, got 'many'" in err
    code, _, err = run(["run", "-"], "")
    assert code == 2 and "<stdin>: file is empty" in err
    code, _, err = run(["run", "-"], b"\xff\xfe not text")
    assert code == 2 and "not valid UTF-8" in err


def test_a_real_pipe_from_another_process(tmp_path):
    """As a script in another language would call it: a subprocess with pipes."""
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "kpi_advisor", "run", "-", "--format", "json", "--max-findings", "0"],
        input=example_as_json().encode(),
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(proc.stdout)
    assert report["findings"] == []
    assert report["summary"]["findings_shown"] == 0 and report["summary"]["findings_total"] >= 1


def test_output_file_from_stdin(tmp_path):
    target = tmp_path / "report.json"
    code, out, err = run(["run", "-", "-o", str(target)], EXAMPLE.read_text(encoding="utf-8"))
    assert (code, out) == (0, "")
    assert err == f"wrote {target}: 2 findings (2 high)\n"  # the one-line receipt; --quiet drops it
    code, out, err = run(["run", "-", "-o", str(target), "--quiet"], EXAMPLE.read_text(encoding="utf-8"))
    assert (code, out, err) == (0, "", "")
    assert json.loads(target.read_text(encoding="utf-8"))["client"] == "Acme Outdoor"


@pytest.mark.parametrize("relative", [True, False])
def test_relative_files_in_a_stdin_config_resolve_against_the_working_directory(tmp_path, monkeypatch, relative):
    (tmp_path / "rows.csv").write_text("channel,impressions,clicks\nfacebook,1000,20\n", encoding="utf-8")
    path = "rows.csv" if relative else str(tmp_path / "rows.csv")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["run", "-", "--format", "json"], json.dumps({"client": "X", "business_model": "dtc_ecommerce", "data": [{"csv": path}]}))
    assert code == 0, err
    assert json.loads(out)["summary"]["rows"] == 1

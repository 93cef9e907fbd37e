"""docs/embedding.md runs as written, and the pre-commit hooks it describes work."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli
from kpi_advisor.loading.yamlsafe import load_yaml_file, load_yaml_text

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "embedding.md"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
DOC_PORT = "127.0.0.1:8000"


def blocks(kind: str | None = None) -> list[tuple[str, str]]:
    found = [(m.group(1), m.group(2)) for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))]
    return [b for b in found if kind is None or b[0] == kind]


@pytest.fixture
def doc_env(monkeypatch):
    """The repository's top folder, with this interpreter's kpi-advisor first on PATH."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("NO_COLOR", "1")


def test_every_block_is_a_known_kind():
    kinds = {kind for kind, _ in blocks()}
    assert kinds <= {"python", "sh", "json", "yaml", "text"}, kinds
    assert len(blocks("python")) >= 6 and len(blocks("sh")) >= 4


def test_python_examples_run(doc_env):
    namespace: dict = {"__name__": "embedding_doc"}
    for index, (_, code) in enumerate(blocks("python")):
        try:
            exec(compile(code, f"docs/embedding.md python block {index + 1}", "exec"), namespace)  # noqa: S102
        except Exception as exc:  # pragma: no cover - the message is for whoever broke the docs
            pytest.fail(f"docs/embedding.md python block {index + 1} failed: {type(exc).__name__}: {exc}\n{code}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"kpi-advisor serve exited with {proc.returncode}: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"kpi-advisor serve did not answer {url} within {seconds} s")


def test_shell_examples_run_against_a_real_server(doc_env):
    pytest.importorskip("uvicorn", reason="the server extra is not installed")
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    port = _free_port()
    server = None
    documents = blocks()
    try:
        for index, (kind, code) in enumerate(documents):
            if kind != "sh":
                continue
            code = code.replace(DOC_PORT, f"127.0.0.1:{port}")
            if code.strip().startswith("kpi-advisor serve"):
                command = code.strip().replace("--port 8000", f"--port {port}").split()
                server = subprocess.Popen(command + ["--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                _wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
                continue
            result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, f"sh block failed:\n{code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
            following = documents[index + 1] if index + 1 < len(documents) else None
            if following is not None and following[0] == "json":
                # A JSON block right after a command is what that command answers.
                assert json.loads(result.stdout) == json.loads(following[1])
        assert server is not None, "the docs start the server before calling it"
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def test_the_pre_commit_config_in_the_docs_names_real_hooks():
    hooks = {hook["id"] for hook in load_yaml_file(HOOKS).data}
    (_, example), = blocks("yaml")
    named = {hook["id"] for repo in load_yaml_text(example).data["repos"] for hook in repo["hooks"]}
    assert named == hooks


# --- the pre-commit hooks ---------------------------------------------------------------------


def hook(hook_id: str) -> dict:
    return next(h for h in load_yaml_file(HOOKS).data if h["id"] == hook_id)


def test_hooks_are_python_hooks_running_our_commands():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    for entry in load_yaml_file(HOOKS).data:
        assert {"id", "name", "entry", "language", "files"} <= set(entry)
        assert entry["language"] == "python"
        program, command = entry["entry"].split()
        assert program in scripts
        assert command in cli.commands


@pytest.mark.parametrize(
    ("hook_id", "path", "checked"),
    [
        ("kpi-advisor-validate", "clients/acme.yaml", True),
        ("kpi-advisor-validate", "accounts/configs/acme.json", True),
        ("kpi-advisor-validate", "rules/agency.yaml", True),
        ("kpi-advisor-validate", "rules/profiles/dealer.yaml", True),
        ("kpi-advisor-validate", ".github/workflows/ci.yml", False),
        ("kpi-advisor-validate", ".pre-commit-config.yaml", False),
        ("kpi-advisor-test-rules", "rules/agency.yaml", True),
        ("kpi-advisor-test-rules", "rules/profiles/dealer.yaml", False),
        ("kpi-advisor-test-rules", "clients/acme.yaml", False),
    ],
)
def test_hook_file_patterns(hook_id, path, checked):
    # pre-commit matches `files` with re.search against the path from the repository root.
    assert bool(re.search(hook(hook_id)["files"], path)) is checked


def test_validate_hook_passes_good_files_and_stops_bad_ones(tmp_path):
    clients = tmp_path / "clients"
    clients.mkdir()
    good = clients / "acme.yaml"
    good.write_text((ROOT / "examples" / "acme_outdoor.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    bad = clients / "broken.yaml"
    bad.write_text("client: Broken\nbusiness_model: dtc_ecomerce\n", encoding="utf-8")
    args = hook("kpi-advisor-validate")["entry"].split()[1:]
    passed = CliRunner().invoke(cli, args + [str(good), str(ROOT / "rules" / "funnel.yaml")])
    assert passed.exit_code == 0 and passed.stdout.count(": ok") == 2
    failed = CliRunner().invoke(cli, args + [str(good), str(bad)])
    assert failed.exit_code != 0
    assert f"{bad}:2: business_model: unknown business model 'dtc_ecomerce'" in failed.stderr


def test_test_rules_hook_runs_pack_examples():
    args = hook("kpi-advisor-test-rules")["entry"].split()[1:]
    result = CliRunner().invoke(cli, args + [str(ROOT / "rules" / "funnel.yaml")])
    assert result.exit_code == 0 and " 0 failed" in result.stdout

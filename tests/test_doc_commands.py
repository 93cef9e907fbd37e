"""Every shell command in README.md and docs/*.md runs, through a real shell, as written.

Three other tests already run some blocks, and this one leaves those to them:
``sh run`` blocks (tests/test_docs.py, in process), docs/embedding.md's shell blocks
(tests/test_embedding_docs.py, against a real server) and docs/rules.md's console blocks
(tests/test_docs_rules.py). Every other ``sh``/``console``/``bash`` block is run here, line by
line, with bash, in a folder holding a copy of the repository's examples/ and rules/, and the
installed ``kpi-advisor`` first on PATH. A line must exit 0, or N when it ends in ``# exit N``.

What cannot run here is skipped by an explicit rule below with its reason, never silently:
setting up a virtual environment and installing (the Quick start runs verbatim, in a new
folder, in tests/test_packaging.py), the test suite itself, a YARN cluster. Spark lines run when
pyspark and Java are there, marked slow (CI installs the spark extra for the slow run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", flags=re.S | re.M)
SHELLS = ("sh", "console", "bash", "shell")
# Run by other tests (see the module docstring).
COVERED_ELSEWHERE = {("embedding.md", "sh"), ("rules.md", "console")}
SETUP = re.compile(r"^(python3? -m venv \S+|\. \S+/bin/activate|pip install .*)$")


@dataclass
class Line:
    page: str
    number: int
    text: str

    def __str__(self) -> str:
        return f"{self.page}:{self.number}: {self.text}"


def shell_lines(path: Path) -> list[Line]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        info = match.group(1).split()
        if not info or info[0] not in SHELLS or "run" in info[1:] or (path.name, info[0]) in COVERED_ELSEWHERE:
            continue
        first = text.count("\n", 0, match.start()) + 2
        pending, start = "", first
        for number, raw in enumerate(match.group(2).splitlines(), first):
            if info[0] == "console" and not raw.startswith("$ ") and not pending:
                continue  # console output, not a command
            line = raw.removeprefix("$ ") if not pending else raw
            if not pending:
                start = number
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            command = (pending + line).strip()
            pending = ""
            if command and not command.startswith("#"):
                found.append(Line(path.name, start, command))
    return found


ALL = [line for page in PAGES for line in shell_lines(page)]


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def plan(line: Line) -> tuple[str | None, str]:
    """(the command to run, or None to skip; why): setup steps are dropped from a line."""
    parts = [part.strip() for part in re.split(r"\s&&\s", line.text.split("  #")[0].strip())]
    installs = [part for part in parts if part.startswith("pip install")]
    rest = [part for part in parts if not SETUP.match(part)]
    if not rest:
        return None, "installs only: tests/test_packaging.py installs the checkout in a new virtual environment"
    command = " && ".join(rest)
    if command == "pytest":
        return None, "the test suite itself: .ci/run runs it"
    if command.startswith("spark-submit"):
        return None, "needs a YARN cluster"
    if "--engine spark" in command or any("spark" in part for part in installs):
        if not (_has("pyspark") and _has("pyarrow") and shutil.which("java")):
            return None, "needs the spark extra and Java (pip install -e '.[spark]')"
    if "zsh_source" in command and not shutil.which("zsh"):
        return None, "zsh is not installed"
    if "fish_source" in command and not shutil.which("fish"):
        return None, "fish is not installed"
    return command, ""


def is_slow(line: Line) -> bool:
    return "--engine spark" in line.text


PARAMS = [pytest.param(line, id=f"{line.page}:{line.number}", marks=[pytest.mark.slow] if is_slow(line) else []) for line in ALL]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("doc-commands")
    for name in ("examples", "rules"):
        shutil.copytree(ROOT / name, work / name)
    return work


def test_every_page_with_commands_is_seen():
    pages = {line.page for line in ALL}
    assert {"README.md", "getting-started.md", "scaling.md"} <= pages
    assert len(ALL) >= 15


@pytest.mark.parametrize("line", PARAMS)
def test_doc_command(line: Line, folder: Path):
    command, why = plan(line)
    if command is None:
        pytest.skip(f"{line}: {why}")
    expected = 0
    status = re.search(r"#\s*exit\s+(\d+)\s*$", line.text)
    if status:
        expected = int(status.group(1))
    shell = "bash"
    if "zsh_source" in command:
        shell = "zsh"
    if "fish_source" in command:
        shell = "fish"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    env.pop("KPI_ADVISOR_DEBUG", None)
    result = subprocess.run([shell, "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == expected, f"{line}\nexit {result.returncode}, expected {expected}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr


def test_the_quick_start_is_two_commands_that_make_their_own_virtual_environment():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(quick) == 2
    for line in quick:
        assert line.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install ")
    assert quick[0].endswith("kpi-advisor run examples/acme_outdoor.yaml")
    assert quick[1].endswith("pip install -e '.[test]' && pytest")


def test_the_spark_example_exists_and_validates(folder):
    line = next(line for line in ALL if line.page == "README.md" and "--engine spark" in line.text)
    config = re.search(r"kpi-advisor run (\S+)", line.text).group(1)
    assert (ROOT / config).is_file()
    result = subprocess.run([sys.executable, "-m", "kpi_advisor", "validate", config], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

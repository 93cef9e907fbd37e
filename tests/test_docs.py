"""Every runnable example in docs/*.md runs, and prints what the page says it prints.

The convention, for anyone writing docs:

- A fenced block whose info string is ``<language> run`` is run by this test:
  - ```` ```sh run ````: each line is a ``kpi-advisor`` command (a leading ``$ `` is allowed,
    ``#`` starts a comment). It runs through the real command line, in process, and must exit
    0, or N when the line ends with ``# exit N``. Any other program is an error, so a page
    cannot depend on what a machine happens to have.
  - ```` ```python run ````: the block runs as a script.
- A block whose info string holds ``file=NAME`` (```` ```yaml file=client.yaml ````) is
  written to NAME before the next block runs, so a page can show a config or a plugin and
  then use it.
- A ```` ```text expect ```` block right after a run block lists lines that must appear, in
  that order, in what the last command of that block printed (stdout and stderr).
- Every page runs in a fresh folder holding a copy of ``examples/``, so the commands read
  like a user's in a clone of the repository. Blocks without ``run``, ``file=`` or
  ``expect`` are only shown.
"""

from __future__ import annotations

import re
import runpy
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", flags=re.S | re.M)


@dataclass
class Block:
    page: str
    line: int
    language: str
    words: list[str]
    body: str

    @property
    def runs(self) -> bool:
        return "run" in self.words

    @property
    def file(self) -> str | None:
        return next((w.removeprefix("file=") for w in self.words if w.startswith("file=")), None)

    @property
    def expects(self) -> bool:
        return "expect" in self.words

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        info = match.group(1).split()
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(path.name, line, info[0] if info else "", info[1:], match.group(2)))
    return found


def acted_on(path: Path) -> list[Block]:
    return [b for b in blocks(path) if b.runs or b.file or b.expects]


PAGES = [path for path in DOCS if acted_on(path)]


def run_shell(block: Block) -> str:
    output = ""
    for number, raw in enumerate(block.body.splitlines(), block.line + 1):
        expected = 0
        status = re.search(r"#\s*exit\s+(\d+)\s*$", raw)
        if status:
            expected = int(status.group(1))
        words = shlex.split(raw.removeprefix("$ "), comments=True)
        if not words:
            continue
        assert words[0] == "kpi-advisor", f"{block.page}:{number}: only kpi-advisor commands can run in docs, got {words[0]!r}"
        result = CliRunner().invoke(cli, words[1:], catch_exceptions=False)
        output = result.output
        assert result.exit_code == expected, f"{block.page}:{number}: {raw.strip()} exited {result.exit_code}, expected {expected}:\n{output}"
    return output


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_runnable_examples(page, tmp_path, monkeypatch, fresh_plugins, capsys):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KPI_ADVISOR_CACHE_DIR", str(tmp_path / ".cache"))
    last_output: str | None = None
    for block in acted_on(page):
        if block.file:
            target = tmp_path / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")
        if block.runs and block.language in ("sh", "console", "bash"):
            last_output = run_shell(block)
        elif block.runs and block.language == "python":
            script = tmp_path / f"_doc_{block.line}.py"
            script.write_text(block.body, encoding="utf-8")
            capsys.readouterr()
            runpy.run_path(str(script), run_name="__main__")
            last_output = capsys.readouterr().out
        elif block.runs:
            pytest.fail(f"{block}: cannot run a '{block.language}' block")
        if block.expects:
            assert last_output is not None, f"{block}: an expect block must follow a run block"
            position = 0
            for wanted in (line for line in block.body.splitlines() if line.strip()):
                found = last_output.find(wanted, position)
                assert found >= 0, f"{block}: expected {wanted!r} in:\n{last_output}"
                position = found + len(wanted)


def test_the_reports_and_getting_started_pages_have_runnable_examples():
    names = {page.name for page in PAGES}
    assert {"reports.md", "getting-started.md"} <= names
    for name in ("reports.md", "getting-started.md"):
        assert sum(b.runs for b in blocks(ROOT / "docs" / name)) >= 3


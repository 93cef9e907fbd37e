"""The hostile-input corpus (tests/hostile/): every case is refused through the
command line with exit 2 and exactly the lines in its ``expect.txt``, prints no
traceback, writes or changes no file, and runs no code.

A case is a folder: the input files, ``expect.txt`` (the exact stderr;
``{dir}`` stands for the case's folder, ``{rules}`` for the shipped rule
packs' folder), and optionally ``args.txt`` (the
command line after ``kpi-advisor``; default ``run config.yaml -o report.json``),
``env.txt`` (KEY=VALUE lines) and ``stdin.txt``. tests/hostile/README.md lists
what the cases cover.

Canary modules are added to every copy (``canary.py``, and ``yaml.py`` and
``polars.py`` that would shadow the real modules if the working folder were
ever on the import path); each writes a CANARY file when imported, so "no
file was written" also proves that none of them ran.

Most cases run inside the test process through click's runner, one after another (a process
per case made this file most of the suite's time). A fixed sample, every case with stdin and
every SUBPROCESS_EVERY-th of the others and the first of each kind, runs as separate ``kpi-advisor`` processes in parallel
as well, so a real process keeps proving that nothing prints a traceback, the exit status is
the process's own, and no module is shadowed from the working folder.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

HOSTILE = Path(__file__).resolve().parent / "hostile"
CASES = sorted(p.name for p in HOSTILE.iterdir() if p.is_dir())
SIDECARS = {"expect.txt", "args.txt", "env.txt", "stdin.txt"}
DEFAULT_ARGS = "run config.yaml -o report.json"
SUBPROCESS_EVERY = 6
# Every SUBPROCESS_EVERY-th case and the first of each kind (prefix), so that adding a case
# never drops a kind from the sample.
SAMPLED = frozenset(
    [name for index, name in enumerate(CASES) if index % SUBPROCESS_EVERY == 0]
    + list({name.split("-")[0]: name for name in reversed(CASES)}.values())
)
CANARIES = {
    name: f"import pathlib\npathlib.Path('CANARY-{name}').write_text('imported')\n"
    for name in ("canary.py", "yaml.py", "polars.py")
}


def command() -> list[str]:
    script = Path(sys.executable).parent / "kpi-advisor"
    if script.exists():
        return [str(script)]
    # -P: never put the working folder on the import path (what the console script does too).
    return [sys.executable, "-P", "-m", "kpi_advisor"]


def placeholders(folder: Path) -> dict[str, str]:
    """What expect.txt may write for paths that differ between machines."""
    from importlib.resources import files

    return {"{dir}": str(folder), "{rules}": str(files("kpi_advisor.rules"))}


@dataclass
class Outcome:
    folder: Path
    status: int
    stdout: str
    stderr: str
    before: dict[str, object]
    after: dict[str, object]


def snapshot(folder: Path) -> dict[str, object]:
    """Every file under folder: its bytes, or where a symlink points."""
    files: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            files[key] = ("symlink", os.readlink(path))
        elif path.is_file():
            files[key] = path.read_bytes()
        elif path.is_dir():
            files[key] = "dir"
    return files


@dataclass
class Case:
    name: str
    folder: Path
    args: list[str]
    env: dict[str, str]
    stdin: bytes

    @property
    def in_subprocess(self) -> bool:
        return bool(self.stdin) or self.name in SAMPLED


def prepare_case(name: str, root: Path) -> Case:
    source = HOSTILE / name
    folder = root / name
    shutil.copytree(source, folder, symlinks=True, ignore=shutil.ignore_patterns(*SIDECARS))
    for canary, code in CANARIES.items():
        if not (folder / canary).exists():
            (folder / canary).write_text(code)
    args_file = source / "args.txt"
    args = shlex.split(args_file.read_text() if args_file.exists() else DEFAULT_ARGS)
    env = {"NO_COLOR": "1", "COLUMNS": "200"}
    env_file = source / "env.txt"
    if env_file.exists():
        env.update(line.split("=", 1) for line in env_file.read_text().splitlines() if line.strip())
    stdin_file = source / "stdin.txt"
    return Case(name, folder, args, env, stdin_file.read_bytes() if stdin_file.exists() else b"")


def run_in_subprocess(case: Case) -> Outcome:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPI_ADVISOR_LIMIT_", "KPI_ADVISOR_DEBUG", "PYTHON"))}
    env.update({"PYTHONDONTWRITEBYTECODE": "1", "LC_ALL": "C.UTF-8", **case.env})
    before = snapshot(case.folder)
    done = subprocess.run(command() + case.args, cwd=case.folder, env=env, input=case.stdin, capture_output=True, timeout=120, check=False)
    return Outcome(case.folder, done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"),
                   before, snapshot(case.folder))


def run_in_process(case: Case) -> Outcome:
    from click.testing import CliRunner
    from kpi_advisor.cli import cli

    try:
        runner = CliRunner(mix_stderr=False)  # click 8.1
    except TypeError:
        runner = CliRunner()  # click 8.2+ keeps stderr apart by itself
    unset = {k: None for k in os.environ if k.startswith(("KPI_ADVISOR_LIMIT_", "KPI_ADVISOR_DEBUG"))}
    before = snapshot(case.folder)
    with contextlib.chdir(case.folder), _without_working_folder_on_path(case.folder):
        result = runner.invoke(cli, case.args, input=case.stdin, env={**unset, **case.env}, prog_name="kpi-advisor")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(case.folder, result.exit_code, result.stdout, result.stderr, before, snapshot(case.folder))


@contextlib.contextmanager
def _without_working_folder_on_path(folder: Path):
    """What the console script does: the case's folder is never a place to import from."""
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if p not in ("", ".", str(folder))]
    try:
        yield
    finally:
        sys.path[:] = saved


@pytest.fixture(scope="session")
def outcomes(request, tmp_path_factory) -> dict[str, Outcome]:
    """All selected cases: the subprocess sample in parallel, the rest in this process."""
    selected = [
        item.callspec.params["name"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_hostile_case" and hasattr(item, "callspec")
    ]
    root = tmp_path_factory.mktemp("hostile")
    cases = [prepare_case(name, root) for name in selected]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        sampled = pool.map(lambda case: (case.name, run_in_subprocess(case)), [c for c in cases if c.in_subprocess])
        results = {case.name: run_in_process(case) for case in cases if not case.in_subprocess}
        results.update(sampled)
    return results


def test_the_subprocess_sample_covers_every_kind_of_case():
    sampled = {name.split("-")[0] for name in SAMPLED}
    assert len(SAMPLED) >= 20
    assert {"yaml", "plugin", "csv", "output", "expr", "limit"} <= sampled, sampled


def test_corpus_is_large_and_every_case_says_what_it_expects():
    assert len(CASES) >= 40
    for name in CASES:
        expect = HOSTILE / name / "expect.txt"
        assert expect.is_file(), f"{name}: no expect.txt"
        assert expect.read_text().strip(), f"{name}: expect.txt is empty"


@pytest.mark.parametrize("name", CASES)
def test_hostile_case(name, outcomes):
    outcome = outcomes[name]
    expected = (HOSTILE / name / "expect.txt").read_text()
    for key, value in placeholders(outcome.folder).items():
        expected = expected.replace(key, value)
    assert "Traceback" not in outcome.stderr
    assert outcome.stderr == expected
    assert outcome.status == 2, outcome.stderr
    assert outcome.stdout == ""
    lines = outcome.stderr.splitlines()
    usage = lines[:1] and lines[0].startswith("Usage: ") and sum(line.startswith("Error: ") for line in lines) == 1
    assert usage or all(line.startswith("error: ") for line in lines), outcome.stderr
    assert outcome.after == outcome.before, "a file was written, changed or removed (a canary ran, or output was written)"


def test_the_canaries_would_sing(tmp_path):
    """The proof above only holds if a canary writes its file when it is imported: check that,
    with a config that does name it as a plugin."""
    (tmp_path / "canary.py").write_text(CANARIES["canary.py"])
    (tmp_path / "config.yaml").write_text(
        "client: X\nbusiness_model: dtc_ecommerce\nplugins: [./canary.py]\ndata: [{records: [{clicks: 1, impressions: 10}]}]\n"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command() + ["run", "config.yaml", "-o", "report.json"], cwd=tmp_path, env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "CANARY-canary.py").read_text() == "imported"
    assert (tmp_path / "report.json").is_file()


def test_python_dash_m_does_not_import_from_the_working_folder(tmp_path):
    """`python -m` puts the working folder first on the import path; kpi_advisor takes it off
    before importing yaml, polars or click, so a client's folder cannot shadow them."""
    for canary, code in CANARIES.items():
        (tmp_path / canary).write_text(code + "raise ImportError('shadowed')\n")
    (tmp_path / "config.yaml").write_text("client: X\nbusiness_model: dtc_ecommerce\ndata: [{records: [{clicks: 1, impressions: 10}]}]\n")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONSAFEPATH", None)
    done = subprocess.run([sys.executable, "-m", "kpi_advisor", "run", "config.yaml", "--format", "json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob("CANARY*"))

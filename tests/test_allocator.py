"""The command line asks polars' jemalloc for one arena before polars is loaded, unless the
user set its options (engine/allocator.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from kpi_advisor.allocator import JEMALLOC_OPTIONS, ONE_ARENA, one_arena

ROOT = Path(__file__).resolve().parent.parent


def test_one_arena_is_asked_for_before_polars_is_loaded(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(JEMALLOC_OPTIONS, raising=False)
    monkeypatch.delitem(sys.modules, "polars", raising=False)
    one_arena()
    assert os.environ[JEMALLOC_OPTIONS] == ONE_ARENA


@pytest.mark.parametrize("given", ["", "dirty_decay_ms:0,muzzy_decay_ms:0"])
def test_the_users_own_options_win(given: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(JEMALLOC_OPTIONS, given)
    monkeypatch.delitem(sys.modules, "polars", raising=False)
    one_arena()
    assert os.environ[JEMALLOC_OPTIONS] == given


def test_nothing_is_set_once_polars_is_loaded(monkeypatch: pytest.MonkeyPatch):
    import polars  # noqa: F401 - loaded, it has read the variable (and set its own options in it)

    monkeypatch.delenv(JEMALLOC_OPTIONS, raising=False)
    one_arena()
    assert JEMALLOC_OPTIONS not in os.environ


def test_the_command_line_sets_it_before_it_loads_polars():
    probe = (
        "import os, sys\n"
        "from kpi_advisor import cli\n"
        "assert 'polars' not in sys.modules\n"
        "sys.argv = ['kpi-advisor', 'run', 'examples/acme_outdoor.yaml', '-q', '-o', '-']\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(os.environ.get({JEMALLOC_OPTIONS!r}), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != JEMALLOC_OPTIONS}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    # polars puts its own options first as it loads (dirty_decay_ms:500,...); the one arena stays.
    assert ONE_ARENA in result.stderr.strip().splitlines()[-1].split(",")

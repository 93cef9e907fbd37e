"""Golden reports: the whole JSON report of every bundled example, byte for byte.

After an intended change, rewrite them with ``UPDATE_GOLDEN=1 pytest tests/test_golden.py``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_golden_report(example, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["run", str(example.relative_to(ROOT)), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"{example.stem}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(result.output, encoding="utf-8")
    assert golden.exists(), f"no golden report for {example.name}; run with UPDATE_GOLDEN=1"
    assert result.output == golden.read_text(encoding="utf-8")


def test_every_golden_report_has_an_example():
    assert {p.stem for p in GOLDEN.glob("*.json")} == {p.stem for p in EXAMPLES}

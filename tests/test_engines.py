"""Small data is grouped by polars' in-memory engine, large data by its streaming one
(engine/data/engines.py): the same report either way."""

from __future__ import annotations

from pathlib import Path

import kpi_advisor
import pytest
from kpi_advisor.data import engines
from kpi_advisor.data.engines import IN_MEMORY_ROWS, engine_for
from kpi_advisor.models.report import to_json

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def test_few_rows_run_in_memory_and_many_stream():
    assert engine_for(0) == engine_for(IN_MEMORY_ROWS) == "in-memory"
    assert engine_for(IN_MEMORY_ROWS + 1) == engine_for(10_000_000) == "streaming"
    # A query of reductions stays in memory longer (data/plausibility.py's checks).
    assert engine_for(IN_MEMORY_ROWS + 1, in_memory_up_to=999_999) == "in-memory"
    assert engine_for(1_000_000, in_memory_up_to=999_999) == "streaming"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_either_engine_writes_the_same_report(example: Path, monkeypatch: pytest.MonkeyPatch):
    # The examples are all small: streamed, they take the path of a large account's data.
    in_memory = to_json(kpi_advisor.evaluate(example))
    monkeypatch.setattr(engines, "IN_MEMORY_ROWS", -1)
    assert engine_for(0) == "streaming"
    assert to_json(kpi_advisor.evaluate(example)) == in_memory

"""The data's rows are let go before the findings are built beside them (at 10M rows the rows are
~1.9 GiB and the findings as many again), and before any level's rules fire: the rules read
the rows only for their trends, which every level takes first. What reads rows (the notes on
empty counts, the goals, the KPIs' latest periods) runs before; the report is the same."""

from __future__ import annotations

import weakref
from pathlib import Path

import polars as pl
import pytest
from kpi_advisor import pipeline
from kpi_advisor.data.sources import Dataset
from kpi_advisor.evaluation import rules
from kpi_advisor.loading.prepare import load_config, prepare

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Plain data (acme_outdoor), cells summed per grain and counts combined over dates (brightwire_sensors),
# and an agency client with trends on a single view.
CONFIGS = ["acme_outdoor.yaml", "brightwire_sensors.yaml", "agency/clients/coastline_motors.yaml"]


def _traced(monkeypatch) -> list:
    """Events of a run, in order: each level firing, the rows let go (and whether the frame they were
    in was then freed, and the dataset holds no frame in its caches), each level's findings built."""
    events: list = []
    original = pipeline.evaluate_rules

    def evaluate(*args, rows_read, **kwargs):
        dataset = rows_read.__self__

        def let_go():
            held = dataset.frame
            # Already let go once the tables were built where no trend rule reads the rows again.
            frame = weakref.ref(held) if isinstance(held, pl.DataFrame) else (lambda: None)
            del held
            rows_read()
            events.append(("let go", frame() is None and not _frames_in(dataset.__dict__)))

        return original(*args, rows_read=let_go, **kwargs)

    read, fire, findings = rules._LevelRun.read_trends, rules._LevelRun.fire, rules._LevelRun.findings
    monkeypatch.setattr(pipeline, "evaluate_rules", evaluate)
    monkeypatch.setattr(rules._LevelRun, "read_trends", lambda self: events.append("trends") or read(self))
    monkeypatch.setattr(rules._LevelRun, "fire", lambda self: events.append("fire") or fire(self))
    monkeypatch.setattr(rules._LevelRun, "findings", lambda self, fired: events.append("findings") or findings(self, fired))
    return events


def _frames_in(value, depth: int = 0) -> list:
    """The polars frames a dataset still holds, however deep in its caches (a select of the rows
    shares their columns: it keeps them as the rows themselves would)."""
    if isinstance(value, (pl.DataFrame, pl.LazyFrame, pl.Series)):
        return [value]
    if depth > 6:
        return []
    if isinstance(value, Dataset):
        value = vars(value)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [frame for item in value for frame in _frames_in(item, depth + 1)]
    return []


def _prepared(config: str, trends: bool):
    loaded = load_config(EXAMPLES / config)
    prepared = prepare(loaded)
    if not trends:
        loaded.config.rules.disable = sorted({*loaded.config.rules.disable, *(s.rule.id for s in prepared.specs if s.uses_trends)})
        prepared = prepare(loaded)
    assert any(s.uses_trends for s in prepared.specs) == trends
    return prepared


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("trends", [True, False], ids=["trends", "no-trends"])
def test_the_rows_are_freed_before_any_finding_is_built(monkeypatch, config, trends):
    expected = pipeline.run_pipeline(_prepared(config, trends), words=True)
    events = _traced(monkeypatch)
    report = pipeline.run_pipeline(_prepared(config, trends), words=True)
    assert events.count(("let go", True)) == 1, events  # once, and the frame it held is gone
    # Every level's trends are read, the rows go, every level fires, then the findings are built:
    # no level's rule queries run with the rows beside them, trends or not.
    gone = events.index(("let go", True))
    levels = events.count("trends")
    assert levels > 0 and events[:gone] == ["trends"] * levels, events
    assert events[gone + 1:] == ["fire"] * levels + ["findings"] * levels, events
    assert report.model_dump() == expected.model_dump()
    assert report.summary.rows == expected.summary.rows > 0


def test_reading_rows_after_let_go_says_what_happened():
    prepared = prepare(load_config(EXAMPLES / "brightwire_sensors.yaml"))
    dataset = pipeline.load_dataset(prepared.loaded.config, prepared.catalog, prepared.loaded.base_dir)
    pipeline.build_tables(dataset, prepared)
    rows, pairing = dataset.rows, dataset.__dict__["_pairing"]
    assert {"_cells", "_combined"} <= set(dataset.__dict__)  # what the tables keep beside the rows
    dataset.let_go()
    assert dataset.rows == rows
    assert dataset.__dict__["_pairing"] is pairing  # the findings still read it
    assert not {"_cells", "_combined", "_memo", "_views"} & set(dataset.__dict__)
    with pytest.raises(AttributeError, match=r"rows were let go \(Dataset.let_go\); read them \(frame.height\) before that"):
        dataset.frame.height  # noqa: B018
    assert not hasattr(dataset.frame, "__deepcopy__")  # probes find nothing, they do not fail
    assert isinstance(dataset, Dataset)


@pytest.mark.parametrize("config", CONFIGS)
def test_without_trends_the_rows_go_before_the_levels_are_added_up(monkeypatch, config):
    """No rule reads the rows again once they are grouped: they are not kept beside the levels."""
    from kpi_advisor.evaluation import tables

    held_then = []
    original = tables._regrouped

    def regrouped(dataset, *args, **kwargs):
        held_then.append(isinstance(dataset.frame, pl.DataFrame))
        return original(dataset, *args, **kwargs)

    monkeypatch.setattr(tables, "_regrouped", regrouped)
    pipeline.run_pipeline(_prepared(config, trends=False), words=True)
    assert held_then and not any(held_then)
    held_then.clear()
    pipeline.run_pipeline(_prepared(config, trends=True), words=True)
    assert held_then and all(held_then)  # the trends read them after

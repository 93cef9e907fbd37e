"""The parse stored beside each shipped rule pack and profile (engine/loading/yamlcache.py): it
is used only while it is the file's, it gives exactly what a fresh parse does, and a missing,
stale or damaged one costs a parse, never a wrong document. Nothing is written at run time."""

from __future__ import annotations

import datetime
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_advisor.commands.regenerate import shipped_yaml
from kpi_advisor.loading import yamlcache, yamlsafe
from kpi_advisor.loading.yamlsafe import DEFAULT_LIMITS, load_yaml_file

TEXT = """\
pack: sample
when: 2026-08-31
at: 2026-07-01T09:30:00
2: one key that is a number
true: a key that is a boolean
2026-01-02: a key that is a date
"\\0date": a key that looks like the stored form's own tag
rules:
  - id: a
    values: [1, 2.5, .inf, null, "text", no]
    nested: {deep: [{x: 1}]}
"""


@pytest.fixture
def parses(monkeypatch):
    """How many times a file was parsed (not read from its stored parse)."""
    count = [0]
    original = yamlsafe._load

    def counting(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(yamlsafe, "_load", counting)
    return count


def _store(path, limits=DEFAULT_LIMITS):
    doc = load_yaml_file(path, limits=limits)
    yamlcache.parsed_path(path).write_text(yamlcache.dumps(yamlcache.cache_key(path.read_bytes(), limits), doc.data, doc.lines))
    return doc


def test_a_stored_parse_is_the_fresh_parse(tmp_path, parses):
    path = tmp_path / "pack.yaml"
    path.write_text(TEXT)
    fresh = _store(path)
    assert yamlcache.parsed_path(path) == tmp_path / "pack.parsed.json"
    stored = load_yaml_file(path, cached=True, limits=DEFAULT_LIMITS)
    assert parses[0] == 1  # only the fresh parse
    assert stored.data == fresh.data and stored.lines == fresh.lines and stored.file == fresh.file
    assert stored.data["when"] == datetime.date(2026, 8, 31)
    assert stored.data[datetime.date(2026, 1, 2)] == "a key that is a date"
    assert stored.data[2] == "one key that is a number" and stored.data[True] == "a key that is a boolean"
    assert stored.data["\0date"] == "a key that looks like the stored form's own tag"
    assert math.isinf(stored.data["rules"][0]["values"][2])
    assert stored.line_of(("rules", 0, "nested", "deep")) == 11


def test_the_line_table_is_read_only_when_a_line_is_asked_for(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text(TEXT)
    fresh = _store(path)
    assert isinstance(json.loads(yamlcache.parsed_path(path).read_text())["lines"], str)
    stored = load_yaml_file(path, cached=True, limits=DEFAULT_LIMITS)
    assert isinstance(stored.lines, yamlcache.Lines) and stored.lines._text is not None  # a valid pack asks for none
    assert stored.line_of((datetime.date(2026, 1, 2),)) == fresh.line_of((datetime.date(2026, 1, 2),)) == 6
    assert stored.lines._text is None and dict(stored.lines) == fresh.lines


def test_a_damaged_line_table_loses_the_lines_not_the_document(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text(TEXT)
    key = yamlcache.cache_key(path.read_bytes(), DEFAULT_LIMITS)
    yamlcache.parsed_path(path).write_text(json.dumps({"key": key, "data": {"pack": "sample"}, "lines": "[[[\"pack\"],1"}))
    stored = load_yaml_file(path, cached=True, limits=DEFAULT_LIMITS)
    assert stored.data == {"pack": "sample"} and stored.line_of(("pack",)) is None


def test_a_parse_stored_in_the_first_form_costs_a_parse(tmp_path, parses):
    path = tmp_path / "pack.yaml"
    path.write_text(TEXT)
    key = yamlcache.cache_key(path.read_bytes(), DEFAULT_LIMITS)
    yamlcache.parsed_path(path).write_text(json.dumps({"key": key, "data": {"pack": "stale"}, "lines": [[["pack"], 1]]}))
    assert load_yaml_file(path, cached=True, limits=DEFAULT_LIMITS).data["pack"] == "sample"
    assert parses[0] == 1


def test_an_edited_file_is_parsed_again(tmp_path, parses):
    path = tmp_path / "pack.yaml"
    path.write_text("a: 1\n")
    _store(path)
    path.write_text("a: 2\n")
    assert load_yaml_file(path, cached=True).data == {"a": 2}
    assert parses[0] == 2


def test_a_stricter_limit_is_checked_again(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n")
    _store(path)
    with pytest.raises(yamlsafe.ConfigError):
        load_yaml_file(path, cached=True, limits=yamlsafe.YamlLimits(max_nodes=5))


@pytest.mark.parametrize("damage", ['{"key": "x", "data": {"pack": "som', "[]", '{"data": 1}', ""])
def test_a_damaged_or_foreign_parse_costs_a_parse(tmp_path, parses, damage):
    path = tmp_path / "pack.yaml"
    path.write_text(TEXT)
    yamlcache.parsed_path(path).write_text(damage)
    assert load_yaml_file(path, cached=True).data["pack"] == "sample"
    assert parses[0] == 1


def test_every_shipped_file_has_its_current_parse_beside_it():
    stale = [str(path) for path in shipped_yaml()
             if yamlcache.read(path, yamlcache.cache_key(path.read_bytes(), DEFAULT_LIMITS)) is None]
    assert not stale, f"stale or missing parses: {stale}; run python -m kpi_advisor.commands.regenerate"


def test_the_catalogue_reads_the_stored_parses(parses, fresh_plugins):
    from kpi_advisor.loading.catalog import get_catalog

    assert get_catalog().rules and parses[0] == 0


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
    st.dates(), st.datetimes(),
)
_keys = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.dates())
_documents = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4), max_leaves=20)


@given(_documents)
def test_the_stored_form_round_trips(document):
    assert json.loads(json.dumps(yamlcache._encode(document)), object_hook=yamlcache._decode_object) == document

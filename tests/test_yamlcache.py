"""The parsed-YAML cache the catalogue is built through (engine/loading/yamlcache.py): a cached
read returns exactly what a fresh parse does, and a cache that is off, damaged or unwritable
costs a parse, never a wrong document."""

from __future__ import annotations

import datetime
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_advisor.loading import yamlcache, yamlsafe
from kpi_advisor.loading.yamlsafe import load_yaml_file

TEXT = """\
pack: sample
when: 2026-08-31
at: 2026-07-01T09:30:00
2: one key that is a number
true: a key that is a boolean
2026-01-02: a key that is a date
"\\0date": a key that looks like the cache's own tag
rules:
  - id: a
    values: [1, 2.5, .inf, null, "text", no]
    nested: {deep: [{x: 1}]}
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(yamlcache.CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def parses(monkeypatch):
    """How many times the file was parsed (not read from the cache)."""
    count = [0]
    original = yamlsafe._load

    def counting(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(yamlsafe, "_load", counting)
    return count


def test_cached_read_is_the_fresh_parse(tmp_path, cache, parses):
    path = tmp_path / "pack.yaml"
    path.write_text(TEXT)
    fresh = load_yaml_file(path)
    first = load_yaml_file(path, cached=True)
    second = load_yaml_file(path, cached=True)
    assert parses[0] == 2  # the uncached read and the first cached one; the second is a hit
    assert len(list(cache.glob("*.json"))) == 1
    for doc in (first, second):
        assert doc.data == fresh.data and doc.lines == fresh.lines and doc.file == fresh.file
    assert second.data["when"] == datetime.date(2026, 8, 31)
    assert second.data[datetime.date(2026, 1, 2)] == "a key that is a date"
    assert second.data[2] == "one key that is a number" and second.data[True] == "a key that is a boolean"
    assert second.data["\0date"] == "a key that looks like the cache's own tag"
    assert math.isinf(second.data["rules"][0]["values"][2])
    assert second.line_of(("rules", 0, "nested", "deep")) == 11


def test_an_edited_file_is_parsed_again(tmp_path, cache, parses):
    path = tmp_path / "pack.yaml"
    path.write_text("a: 1\n")
    assert load_yaml_file(path, cached=True).data == {"a": 1}
    path.write_text("a: 2\n")
    assert load_yaml_file(path, cached=True).data == {"a": 2}
    assert parses[0] == 2


def test_a_stricter_limit_is_checked_again(tmp_path, cache):
    path = tmp_path / "pack.yaml"
    path.write_text("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n")
    load_yaml_file(path, cached=True)
    strict = yamlsafe.YamlLimits(max_nodes=5)
    with pytest.raises(yamlsafe.ConfigError):
        load_yaml_file(path, cached=True, limits=strict)


def test_a_damaged_cache_file_costs_a_parse(tmp_path, cache, parses):
    path = tmp_path / "pack.yaml"
    path.write_text(TEXT)
    load_yaml_file(path, cached=True)
    (stored,) = cache.glob("*.json")
    stored.write_text('{"data": {"pack": "som')
    assert load_yaml_file(path, cached=True).data["pack"] == "sample"
    assert parses[0] == 2


def test_off_and_unwritable_caches_still_load(tmp_path, monkeypatch):
    path = tmp_path / "pack.yaml"
    path.write_text(TEXT)
    monkeypatch.setenv(yamlcache.CACHE_ENV, "off")
    assert yamlcache.cache_dir() is None
    assert load_yaml_file(path, cached=True).data["pack"] == "sample"
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv(yamlcache.CACHE_ENV, str(blocked / "cache"))
    assert load_yaml_file(path, cached=True).data["pack"] == "sample"


def test_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv(yamlcache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert yamlcache.cache_dir() == tmp_path / "kpi-advisor"


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
    st.dates(), st.datetimes(),
)
_keys = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.dates())
_documents = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4), max_leaves=20)


@given(_documents)
def test_encoding_round_trips(document):
    import json

    assert json.loads(json.dumps(yamlcache._encode(document)), object_hook=yamlcache._decode_object) == document

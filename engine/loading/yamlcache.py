"""The shipped rule packs and profiles, parsed ahead of time.

Every run reads the same ~20 shipped YAML files; parsing them with the safe, line-keeping loader
(:mod:`.yamlsafe`) was the largest single step of a small run's start. So each one has its parse
beside it, ``funnel.yaml`` -> ``funnel.parsed.json``, written by the maintainer's
``python -m kpi_advisor.commands.regenerate`` and shipped in the wheel, as the compiled message
catalogs are: nothing is written at run time.

A parse is used only while it is the file's: it records a key made of the YAML file's SHA-256,
the limits it was checked against and the loader's own version (this format and the source of
yamlsafe.py), and a file whose key differs (an edited pack, a stricter limit, another loader) is
parsed afresh. It is JSON, never pickle, so reading it runs no code. A client's config and a
third-party plugin's packs have no parse beside them and are always parsed.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

# Bumped when the stored form or what the loader returns changes.
FORMAT = 2  # 2: the line table is a JSON text, decoded when asked (Lines)
SUFFIX = ".parsed.json"

# A tagged object has one key starting with NUL; a document's own mapping with such a key (a
# quoted "\0" escape) is stored in the tagged mapping form, so the two never meet.
_TAG = "\0"


def parsed_path(path: str | Path) -> Path:
    """Where the parse of a YAML file is kept: beside it, ``name.parsed.json``."""
    path = Path(path)
    return path.with_name(path.name.rsplit(".", 1)[0] + SUFFIX)


def cache_key(raw: bytes, limits: Any) -> str:
    digest = hashlib.sha256()
    digest.update(f"{_loader_version()}|{limits!r}|".encode())
    digest.update(raw)
    return digest.hexdigest()


@functools.cache
def _loader_version() -> str:
    """What shapes a parse besides the file: this format and the loader's own source (so a
    changed loader never reads a parse made by an older one)."""
    loader = hashlib.sha256(Path(__file__).with_name("yamlsafe.py").read_bytes()).hexdigest()[:16]
    return f"{FORMAT}|{loader}"


def read(path: str | Path, key: str) -> tuple[Any, Mapping[tuple, int]] | None:
    """The stored data and line table of the file at ``path`` if its parse is there and has
    ``key``; else None (no parse, another key, or unreadable)."""
    try:
        stored = json.loads(parsed_path(path).read_text("utf-8"), object_hook=_decode_object)
        if stored.get("key") != key or not isinstance(stored["lines"], str):
            return None
        return stored["data"], Lines(stored["lines"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


class Lines(Mapping):
    """A stored line table, decoded when a line is first asked for. The lines name where a problem
    is, and a shipped pack has none: read as JSON each run, its ~5,000 paths were half the time
    the parses took to load. So they are stored as one JSON text inside the parse, read as a text."""

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._table: dict[tuple, int] = {}

    def _decoded(self) -> dict[tuple, int]:
        if self._text is not None:
            try:
                self._table = {tuple(path): line for path, line in json.loads(self._text, object_hook=_decode_object)}
            except (ValueError, TypeError):  # a damaged table: problems are told without their lines, never a traceback
                self._table = {}
            self._text = None
        return self._table

    def __getitem__(self, path: tuple) -> int:
        return self._decoded()[path]

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())


def dumps(key: str, data: Any, lines: Mapping[tuple, int]) -> str:
    """A document's parse as stored beside its file (``regenerate`` writes it)."""
    table = json.dumps([[_encode(list(path)), line] for path, line in lines.items()], ensure_ascii=False, separators=(",", ":"))
    body = {"key": key, "data": _encode(data), "lines": table}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"


def _encode(value: Any) -> Any:
    """JSON for a YAML document: dates and mappings with other than text keys are tagged."""
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith(_TAG) for key in value):
            return {key: _encode(item) for key, item in value.items()}
        return {_TAG + "map": [[_encode(key), _encode(item)] for key, item in value.items()]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, datetime.datetime):
        return {_TAG + "datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {_TAG + "date": value.isoformat()}
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__}")


def _decode_object(obj: dict) -> Any:
    if len(obj) == 1:
        (key, value), = obj.items()
        if key == _TAG + "date":
            return datetime.date.fromisoformat(value)
        if key == _TAG + "datetime":
            return datetime.datetime.fromisoformat(value)
        if key == _TAG + "map":
            return {_hashable(k): v for k, v in value}
    return obj


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        raise TypeError("a mapping key cannot be a list")
    return key

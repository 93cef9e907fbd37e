"""A cache of parsed YAML documents, keyed by the file's bytes.

Every run reads the same ~20 shipped rule packs and profiles; parsing them with the safe,
line-keeping loader (:mod:`.yamlsafe`) was the largest single step of a small run's start. A
document is cached as JSON (never pickle: reading the cache runs no code) under a key made of the
file's SHA-256, the limits it was checked against and the versions that shape the result, so an
edited file, a stricter limit or an upgrade is parsed again. Only files the catalogue is built
from use it; a client's config is always parsed afresh.

Where: ``KPI_ADVISOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/kpi-advisor``, else
``~/.cache/kpi-advisor``; ``KPI_ADVISOR_CACHE_DIR=off`` turns it off. A cache that cannot be read
or written (a read-only home, a damaged file) is passed over: the file is parsed as without it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_ENV = "KPI_ADVISOR_CACHE_DIR"
# Bumped when the cached form or what the loader returns changes.
FORMAT = 1

# A tagged object has one key starting with NUL; a document's own mapping with such a key (a
# quoted "\0" escape) is stored in the tagged mapping form, so the two never meet.
_TAG = "\0"


def cache_dir() -> Path | None:
    """The folder documents are cached in, or None when caching is off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no", "false") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kpi-advisor"


def cache_key(raw: bytes, limits: Any) -> str:
    digest = hashlib.sha256()
    digest.update(f"{_loader_version()}|{limits!r}|".encode())
    digest.update(raw)
    return digest.hexdigest()


@functools.cache
def _loader_version() -> str:
    """What shapes a parse besides the file: this format, PyYAML, and the loader's own source (so
    an edited checkout never reads a parse made by an older loader)."""
    import yaml

    loader = hashlib.sha256(Path(__file__).with_name("yamlsafe.py").read_bytes()).hexdigest()[:16]
    return f"{FORMAT}|{yaml.__version__}|{loader}"


def read(key: str) -> tuple[Any, dict[tuple, int]] | None:
    """The cached data and line table for ``key``, or None (not cached, or unreadable)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        stored = json.loads((folder / f"{key}.json").read_text("utf-8"), object_hook=_decode_object)
        return stored["data"], {tuple(path): line for path, line in stored["lines"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(key: str, data: Any, lines: dict[tuple, int]) -> None:
    """Store a document, whole or not at all (a temporary file renamed into place)."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        text = json.dumps({"data": _encode(data), "lines": [[_encode(list(path)), line] for path, line in lines.items()]})
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, folder / f"{key}.json")
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, ValueError, TypeError):
        pass  # a cache that cannot be written costs a parse next time, nothing else


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
    raise TypeError(f"cannot cache a {type(value).__name__}")


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

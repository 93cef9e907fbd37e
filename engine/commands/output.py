"""Writing output files: atomically, and never over an input."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

from ..problems import ConfigError, Problem


def write_atomic(path: Path, text: str, *, inputs: Iterable[Path] = ()) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder.

    A reader never sees a half-written file, and a failure leaves the old file
    (or no file) in place.
    """
    target = path.resolve()
    for source in inputs:
        try:
            same = source.exists() and target.exists() and os.path.samefile(source, target)
        except OSError:
            same = False
        if same or source.resolve() == target:
            raise ConfigError(Problem(f"output {path} is an input of this run; choose another file", path="-o"))
    if target.is_dir():
        raise ConfigError(Problem(f"output {path} is a folder; give a file name", path="-o"))
    if not target.parent.is_dir():
        raise ConfigError(Problem(f"output folder {target.parent} does not exist", path="-o"))
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

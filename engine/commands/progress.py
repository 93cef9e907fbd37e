"""A progress bar on stderr for long runs of ``kpi-advisor run``.

It shows only when stderr is a terminal, ``--quiet`` is not given and the input
is large enough for the run to take a noticeable time (about a second per
20 MB of CSV on a laptop; ``KPI_ADVISOR_PROGRESS_BYTES`` sets another size),
so that pipes, CI logs and quick runs stay clean.
The bar advances once per pipeline step and disappears when the run ends.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..loading.prepare import LoadedConfig

LARGE_INPUT_BYTES = 20_000_000
ROW_BYTES = 80  # an inline record is about as big as a CSV line
STEPS = ("reading data", "computing metrics", "checking goals", "evaluating rules", "rendering", "writing")


def large_input_bytes() -> int:
    """The input size from which a run shows its progress; KPI_ADVISOR_PROGRESS_BYTES overrides it."""
    try:
        return int(os.environ["KPI_ADVISOR_PROGRESS_BYTES"])
    except (KeyError, ValueError):
        return LARGE_INPUT_BYTES


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def input_size(loaded: "LoadedConfig") -> int:
    """Bytes of data a config reads: its files, plus its inline records."""
    size = 0
    for source in loaded.config.data:
        path = getattr(source, "path", None)
        if path:
            try:
                size += (loaded.base_dir / Path(path)).stat().st_size
            except OSError:
                pass  # the reader will report the missing file properly
        else:
            size += len(getattr(source, "records", ()) or ()) * ROW_BYTES
    return size


class Progress:
    """A context manager; ``step(name)`` marks the start of a pipeline step."""

    def __init__(self, enabled: bool, steps: tuple[str, ...] = STEPS) -> None:
        self.enabled = enabled
        self.steps = steps
        self.seen: list[str] = []
        self._bar: Any = None
        self._task: Any = None

    @classmethod
    def for_run(cls, loaded: "LoadedConfig", *, quiet: bool = False) -> "Progress":
        return cls(not quiet and stderr_is_terminal() and input_size(loaded) >= large_input_bytes())

    def __enter__(self) -> "Progress":
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description:<18}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("starting", total=len(self.steps))
        return self

    def resize(self, steps: tuple[str, ...]) -> None:
        """Say how many steps there are once it is known (a portfolio run: one per config)."""
        self.steps = steps
        if self._bar is not None:
            self._bar.update(self._task, total=len(steps))

    def step(self, name: str) -> None:
        if self.seen:
            self._advance()
        self.seen.append(name)
        if self._bar is not None:
            self._bar.update(self._task, description=name)

    def _advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            if exc_info[0] is None:
                self._bar.update(self._task, completed=len(self.steps))
            self._bar.stop()

"""Python's cyclic garbage collector, held off while a report is built.

A large report is tens of thousands of findings, each a few small dicts and models with no
cycles among them; every automatic collection of the oldest generation walks all of them
again, which was a third of the rendering and roll-up time of a 1M-row run. Evaluations may
run on several threads at once (an Advisor in a service), so the pause is counted: the
collector comes back, if it was on, when the last evaluation ends, and collects then.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False
_starting = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()


def pause_for_start() -> None:
    """Hold the collector off while the command line starts: importing polars, pydantic and the
    plugins, and building the catalogue, make ~145 collections (~65 ms of a small run) and no
    garbage. :func:`start_done` ends it; a process that never gets there ends soon anyway."""
    global _starting
    with _lock:
        if gc.isenabled():
            gc.disable()
            _starting = True


def start_done() -> None:
    """The start-up's objects live as long as the process: move them out of the collector's
    sight (gc.freeze), so later full collections walk only what the work allocates, and bring
    the collector back (at the end of the last pause, where one is held)."""
    global _starting, _was_enabled
    with _lock:
        if not _starting:
            return
        _starting = False
        gc.freeze()
        if _holders:
            _was_enabled = True
        else:
            gc.enable()

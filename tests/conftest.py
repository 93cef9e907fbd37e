"""Shared fixtures. Tests see only kpi-advisor's own plugins, never whatever
third-party plugins happen to be installed on the machine."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _builtin_entry_points() -> str:
    names = [
        ep.name
        for ep in importlib.metadata.entry_points(group="kpi_advisor")
        if getattr(ep, "dist", None) is not None and ep.dist.name == "kpi-advisor"
    ]
    return ",".join(sorted(set(names)))


os.environ["KPI_ADVISOR_LOAD_PLUGINS"] = _builtin_entry_points()

# Property tests explore new inputs on every run on a developer's machine; under CI (.ci/run
# sets CI=true) they replay a fixed sequence, so a commit that passed once passes again and a
# failure found locally is fixed with an @example instead of landing by luck.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")


@pytest.fixture
def fresh_plugins():
    """Forget cached plugin managers and catalogs before and after a test."""
    from kpi_advisor.loading.catalog import clear_caches

    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write

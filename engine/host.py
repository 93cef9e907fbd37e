"""The plugin host: one cached plugin manager for installed plugins, plus
throw-away managers for configs that name local plugin files.

Environment switches for debugging plugins:
``KPI_ADVISOR_LOAD_PLUGINS=a,b`` loads only those entry points (empty: none),
``KPI_ADVISOR_DISABLE_PLUGINS=a,b`` skips them, and
``KPI_ADVISOR_TRACE_PLUGINS=1`` traces every hook call to stderr.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import pluggy

from . import hookspecs
from .problems import PluginError

ENTRY_POINT_GROUP = "kpi_advisor"


@dataclass(frozen=True)
class PluginInfo:
    """A registered plugin as ``kpi-advisor list plugins`` shows it: its name, hooks and origin."""

    name: str
    hooks: tuple[str, ...]

    @property
    def origin(self) -> str:
        """The distribution's name and version, or a file path."""
        return _origin_of(self.name)


def _env_names(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def _new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("kpi_advisor")
    pm.add_hookspecs(hookspecs)
    if os.environ.get("KPI_ADVISOR_TRACE_PLUGINS"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return pm


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    try:
        pm.register(plugin, name=name)
        # A misspelt hook (kpi_advisor_metric) fails here, not silently later.
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        pm.unregister(name=name)
        raise PluginError(f"plugin '{name}': {_validation_message(exc)}") from None


def _validation_message(exc: pluggy.PluginValidationError) -> str:
    """pluggy's message without the module's repr (which holds a private module name)."""
    text = str(exc)
    unknown = re.match(r"unknown hook '([^']+)'", text)
    if unknown:
        import difflib

        known = sorted(name for name in dir(hookspecs) if name.startswith("kpi_advisor_"))
        close = difflib.get_close_matches(unknown.group(1), known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown hook '{unknown.group(1)}'{hint}; hooks: {', '.join(known)}"
    return re.sub(r" in plugin <module [^>]*>", "", text)


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    only = _env_names("KPI_ADVISOR_LOAD_PLUGINS")
    skip = _env_names("KPI_ADVISOR_DISABLE_PLUGINS") or set()
    seen: set[str] = set()
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in seen or ep.name in skip or (only is not None and ep.name not in only):
            continue
        seen.add(ep.name)
        try:
            plugin = ep.load()
        except Exception as exc:  # noqa: BLE001 - any import failure is the plugin's, and must name it
            raise PluginError(f"plugin '{ep.name}' ({ep.value}) failed to import: {type(exc).__name__}: {exc}") from None
        _register(pm, plugin, ep.name)
        _ORIGINS[ep.name] = ep


# A plugin's origin: a file path, or the entry point it was loaded from. An entry point's
# distribution is read only when asked (``kpi-advisor list plugins``): parsing the METADATA of the
# ten shipped entry points was ~3 ms of every run's start-up, which no report reads.
_ORIGINS: dict[str, "str | importlib.metadata.EntryPoint"] = {}


_DISTRIBUTIONS: dict[object, str] = {}


def _origin_of(name: str) -> str:
    """"name version" of the distribution a plugin comes from, its metadata read once per
    distribution; a local plugin's file path; "registered" for one registered in code."""
    origin = _ORIGINS.get(name, "registered")
    if isinstance(origin, str):
        return origin
    dist = getattr(origin, "dist", None)
    if dist is None:
        return origin.value
    key = getattr(dist, "_path", None) or id(dist)
    if key not in _DISTRIBUTIONS:
        metadata = dist.metadata
        _DISTRIBUTIONS[key] = f"{metadata['Name']} {metadata['Version']}"
    return _DISTRIBUTIONS[key]


@functools.cache
def get_plugin_manager() -> pluggy.PluginManager:
    """The manager of installed plugins; ``get_plugin_manager.cache_clear()`` purges it."""
    pm = _new_manager()
    _load_entry_points(pm)
    return pm


def load_plugin_file(path: Path) -> object:
    """Import one local plugin file named in a config, under a private module name."""
    if path.suffix != ".py":
        raise PluginError(f"plugin file {path}: expected a .py file")
    if path.is_dir():
        raise PluginError(f"plugin file {path}: is a folder; name the .py file itself")
    if not path.is_file():
        raise PluginError(f"plugin file {path}: no such file")
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    # Only letters, digits and _ : a dotted stem ("a.b.py") would name a submodule of a package.
    stem = re.sub(r"\W", "_", path.stem, flags=re.ASCII)
    module_name = f"kpi_advisor_local_{stem}_{digest}"
    cached = sys.modules.get(module_name)
    if cached is not None and getattr(cached, "__kpi_mtime__", None) == path.stat().st_mtime_ns:
        return cached
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"plugin file {path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise PluginError(f"{path}:{exc.lineno}: plugin file has a syntax error: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001
        raise PluginError(f"plugin file {path} failed to import: {type(exc).__name__}: {exc}") from None
    module.__kpi_mtime__ = path.stat().st_mtime_ns  # type: ignore[attr-defined]
    sys.modules[module_name] = module
    return module


def manager_with(files: Iterable[Path] = (), plugins: Mapping[str, object] | None = None) -> pluggy.PluginManager:
    """The installed plugins plus local plugin files and plugin objects (by name).

    With nothing to add this is the shared, cached manager; otherwise a fresh
    copy, so that nothing is ever registered into the shared one.
    """
    # The same file named twice (or by two paths) is one plugin.
    files = list({path.resolve(): path for path in files}.values())
    plugins = dict(plugins or {})
    base = get_plugin_manager()
    if not files and not plugins:
        return base
    pm = _new_manager()
    for name, plugin in base.list_name_plugin():
        if name is not None:
            pm.register(plugin, name=name)
    for path in files:
        module = load_plugin_file(path)
        _register(pm, module, str(path))
        _ORIGINS[str(path)] = "local file"
    for name, plugin in plugins.items():
        _register(pm, plugin, name)
    return pm


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    infos = []
    for name, plugin in pm.list_name_plugin():
        hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))
        infos.append(PluginInfo(name=str(name), hooks=hooks))
    return sorted(infos, key=lambda info: info.name)

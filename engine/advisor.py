"""The embedding entry point: an :class:`Advisor` loads plugins, the catalog and
rule packs once, then evaluates many configs, from many threads at once.

Everything an evaluation needs that does not depend on the config (the plugin
manager, every metric, rule, profile and benchmark, each rule checked) is built
in the constructor. The per-config path validates the config, checks the names
it uses and runs the pipeline; parsed formulas are memoised by
:func:`kpi_advisor.language.expr.parse_cached`, so nothing is parsed twice.

Thread safety: an Advisor holds only immutable state after construction (the
catalog is never changed in place; each evaluation works on its own copies).
The one mutable part, the cache of catalogs for configs that name their own
plugin files, is guarded by a lock.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .hookspecs import hookimpl
from .problems import ConfigError, Problem, format_path

if TYPE_CHECKING:
    import pluggy

    from .loading.catalog import Catalog
    from .loading.prepare import LoadedConfig
    from .models.config import ClientConfig
    from .models.report import Kpi, Report

__all__ = ["Advisor", "file_references"]

# Catalogs kept for configs that name their own plugin files (keyed by file and mtime).
PLUGIN_CATALOGS_KEPT = 8
# What a mapping config is called in messages ("config: goals[0].target: ...").
MAPPING_NAME = "config"


class _RulePacks:
    """Extra rule packs handed to an Advisor, registered like any plugin's packs."""

    def __init__(self, paths: tuple[Path, ...]) -> None:
        self.paths = paths

    @hookimpl
    def kpi_advisor_rule_packs(self) -> list[Path]:
        return list(self.paths)


def _manager(plugin_files: tuple[Path, ...], rule_packs: tuple[Path, ...]) -> "pluggy.PluginManager":
    """The installed plugins, plus local plugin files and extra rule packs when given."""
    from .host import manager_with

    extra = {"advisor rule packs": _RulePacks(rule_packs)} if rule_packs else None
    return manager_with(plugin_files, extra)


def file_references(config: Mapping[str, Any] | "ClientConfig") -> list[Problem]:
    """Every place a config names a file or plugin on this machine, as problems.

    Works on a raw mapping (before validation, so the complaint is the first
    thing a sender sees) or on a validated config.
    """
    from .models.config import ClientConfig, FileSource

    # Every field of a file source that is not a reading option names a file.
    path_fields = [name for name in FileSource.model_fields if name not in ("format", "name", "options")]
    problems: list[Problem] = []

    def refuse(path: tuple, message: str) -> None:
        problems.append(Problem(message, path=format_path(path)))

    if isinstance(config, ClientConfig):
        plugins: Any = config.plugins
        packs: Any = config.rules.packs
        sources: list[Any] = [source.model_dump(exclude_none=True) if isinstance(source, FileSource) else {} for source in config.data]
    else:
        plugins = config.get("plugins")
        rules = config.get("rules")
        packs = rules.get("packs") if isinstance(rules, Mapping) else None
        data = config.get("data")
        sources = list(data) if isinstance(data, list) else []
    if plugins:
        refuse(("plugins",), "not allowed here: a config cannot load plugin files; the plugins this service was started with are used")
    if packs:
        refuse(("rules", "packs"), "not allowed here: a config cannot load rule-pack files; the rule packs this service was started with are used")
    for index, source in enumerate(sources):
        if not isinstance(source, Mapping):
            continue
        for kind in path_fields:
            if kind in source:
                refuse(("data", index, kind), f"not allowed here: a config cannot read files on the server; send the rows inline as data[{index}].records")
    return problems


class Advisor:
    """Plugins, catalog and rule packs loaded once; many configs evaluated quickly.

    :param plugins: local plugin files (``.py``) to load besides the installed plugins.
    :param rule_packs: extra rule-pack YAML files, checked once here.
    :param allow_files: when false, configs may not name data files, plugin files
        or rule packs (what a service taking configs from others needs); each such
        field is reported as a problem.
    :raises ConfigError: a rule pack is invalid.
    :raises PluginError: a plugin fails to load or returns a bad definition.

    Safe to share between threads: ``evaluate`` and ``recommend_kpis`` may run
    concurrently.
    """

    def __init__(
        self,
        *,
        plugins: Iterable[str | os.PathLike[str]] = (),
        rule_packs: Iterable[str | os.PathLike[str]] = (),
        allow_files: bool = True,
    ) -> None:
        from .language.chance import prefer_arrays
        from .loading.catalog import get_catalog

        prefer_arrays()  # evaluated again and again: chance tests on numpy's arrays, loaded once here

        self.plugin_files = tuple(Path(p).resolve() for p in plugins)
        self.rule_packs = tuple(Path(p).resolve() for p in rule_packs)
        for path in self.rule_packs:
            if not path.is_file():
                raise ConfigError(Problem(f"no such rule pack: {path}", path="rule_packs"))
        self.allow_files = allow_files
        self._catalog = get_catalog(_manager(self.plugin_files, self.rule_packs))
        self._lock = threading.Lock()
        self._plugin_catalogs: OrderedDict[tuple, Catalog] = OrderedDict()

    def __repr__(self) -> str:
        return (
            f"Advisor(plugins={[str(p) for p in self.plugin_files]}, rule_packs={[str(p) for p in self.rule_packs]}, "
            f"allow_files={self.allow_files})"
        )

    @property
    def catalog(self) -> "Catalog":
        """Every metric, rule, business model, goal and format this advisor knows."""
        return self._catalog

    # --- the per-config path ---------------------------------------------------

    def evaluate(self, config: Any, *, data: Any = None) -> "Report":
        """Evaluate one client config and return the report.

        :param config: a path to a YAML or JSON file, a mapping, a
            :class:`~kpi_advisor.ClientConfig`, or a parsed YAML document.
        :param data: optional rows added to the config's own: a polars or pandas
            DataFrame, or a list of dicts with canonical column names.
        :raises ConfigError: one problem per bad field, each naming the field.
        """
        return self._evaluate(config, data)

    def _evaluate(self, config: Any, data: Any = None, *, words: bool = True) -> "Report":
        """:meth:`evaluate`; ``words=False`` leaves each finding's message and recommendation to be
        written when it is shown (``Finding.worded()``), as the service does after ``max_findings``."""
        from .limits import pinned
        from .loading.prepare import prepare
        from .pipeline import run_pipeline

        with pinned():
            loaded = self._load(config)
            return run_pipeline(prepare(loaded, self._catalog_for(loaded)), data, words=words)

    def _load(self, config: Any) -> "LoadedConfig":
        """Read and validate a config, refusing files when this advisor must."""
        from .loading.prepare import LoadedConfig, config_from_document, load_config
        from .loading.yamlsafe import Document
        from .models.config import ClientConfig

        if isinstance(config, Mapping):
            # A document without lines gives the same clean field paths as a file.
            config = Document(data=dict(config), file=MAPPING_NAME)
        if isinstance(config, Document):
            if isinstance(config.data, Mapping):
                self._refuse_files(config.data)
            loaded = config_from_document(config, Path.cwd())
        elif isinstance(config, (ClientConfig, LoadedConfig, str, os.PathLike)):
            loaded = load_config(config)
        else:
            raise ConfigError(
                Problem(f"config must be a path, a mapping or a ClientConfig, got {type(config).__name__}", path="config")
            )
        self._refuse_files(loaded.config)
        return loaded

    def recommend_kpis(self, model: str, goals: Iterable[str] | str = ()) -> list["Kpi"]:
        """The KPIs that matter for a business model and its goal objectives, ranked."""
        from .advice.kpis import recommend

        goal_list = [goals] if isinstance(goals, str) else list(goals)
        return recommend(self._catalog, model, goal_list)

    def listing(self, kind: str) -> list[dict[str, Any]]:
        """What ``kpi-advisor list KIND --format json`` prints: models, goals, metrics, rules, ..."""
        from .commands.listing import listing

        return listing(self._catalog, kind)

    # --- helpers -----------------------------------------------------------------

    def _refuse_files(self, config: Any) -> None:
        if self.allow_files:
            return
        problems = file_references(config)
        if problems:
            raise ConfigError(problems)

    def _catalog_for(self, loaded: "LoadedConfig") -> "Catalog":
        """This advisor's catalog, or one that adds the plugin files the config names."""
        from .loading.catalog import get_catalog

        if not loaded.config.plugins:
            return self._catalog
        files = []
        for index, name in enumerate(loaded.config.plugins):
            path = Path(name) if Path(name).is_absolute() else loaded.base_dir / name
            if not path.is_file():
                raise ConfigError(loaded.problem(("plugins", index), f"no such plugin file: {path}"))
            files.append(path.resolve())
        key = tuple((str(path), path.stat().st_mtime_ns) for path in files)
        with self._lock:
            catalog = self._plugin_catalogs.get(key)
            if catalog is None:
                everything = tuple(dict.fromkeys(self.plugin_files + tuple(files)))
                catalog = get_catalog(_manager(everything, self.rule_packs))
                self._plugin_catalogs[key] = catalog
                while len(self._plugin_catalogs) > PLUGIN_CATALOGS_KEPT:
                    self._plugin_catalogs.popitem(last=False)
            else:
                self._plugin_catalogs.move_to_end(key)
            return catalog

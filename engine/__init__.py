"""kpi-advisor: which marketing KPIs matter for a business, and where its funnel leaks.

Public API (``__all__``, and nothing else is promised): :func:`evaluate`,
:func:`recommend_kpis`, :class:`Advisor`, :class:`ConfigError`, :data:`hookimpl`,
and the config, report and definition models. Heavy modules (polars) load on
first use, so importing the package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .hookspecs import hookimpl
from .problems import ConfigError, PluginError, Problem

__version__ = "0.1.0"

__all__ = [
    "Advisor",
    "ConfigError",
    "PluginError",
    "Problem",
    "hookimpl",
    "evaluate",
    "recommend_kpis",
    "Report",
    "Kpi",
    "Finding",
    "ClientConfig",
    "MetricDef",
    "RuleDef",
    "ProfileDef",
    "DataFormat",
    "ReportFormat",
    "__version__",
]

_LAZY = {
    "Advisor": "advisor",
    "Report": "models.report",
    "Kpi": "models.report",
    "Finding": "models.report",
    "ClientConfig": "models.config",
    "MetricDef": "models.definitions",
    "RuleDef": "models.definitions",
    "ProfileDef": "models.definitions",
    "DataFormat": "models.definitions",
    "ReportFormat": "models.definitions",
}

if TYPE_CHECKING:
    from .advisor import Advisor
    from .models.config import ClientConfig
    from .models.definitions import DataFormat, MetricDef, ProfileDef, ReportFormat, RuleDef
    from .models.report import Finding, Kpi, Report


def evaluate(config: Any, *, data: Any = None, lang: str = "en") -> "Report":
    """Evaluate a client config (a path, a mapping or a ClientConfig) and return the report.

    ``data`` optionally adds rows: a polars or pandas DataFrame, or a list of dicts.
    ``lang`` (en, de, da, id) is the language of rule messages and recommendations.
    Raises :class:`ConfigError` naming the field and problem for bad input.
    """
    from .pipeline import evaluate as _evaluate

    return _evaluate(config, data=data, lang=lang)


def recommend_kpis(model: str, goals: list[str] | tuple[str, ...] = ()) -> list["Kpi"]:
    """The KPIs that matter for a business model and its goal objectives, ranked."""
    from .advice.kpis import recommend
    from .loading.catalog import get_catalog

    if isinstance(goals, str):
        goals = [goals]
    return recommend(get_catalog(), model, list(goals))


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kpi_advisor' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)

"""Hook specifications: the whole plugin surface of kpi-advisor.

Every hook returns a list (or ``None``) of definitions; the host collects the
answers of all plugins, validates each one and names the plugin that gave a bad
one. Built-in providers in ``kpi_advisor.plugins`` implement these hooks through
the same ``kpi_advisor`` entry-point group a third-party package uses.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("kpi_advisor")
hookimpl = pluggy.HookimplMarker("kpi_advisor")


@hookspec
def kpi_advisor_metrics():
    """Metric definitions this plugin provides.

    :return: a list of mappings or :class:`kpi_advisor.MetricDef` objects. A base
        count has no ``formula``; a derived metric has ``formula`` (an expression
        over other metric ids) or ``polars`` (a callable taking a mapping of metric
        id to ``polars.Expr`` and returning a ``polars.Expr``). Example::

            {"id": "cost_per_store_visit", "formula": "spend / store_visits",
             "stage": "purchase", "unit": "currency", "description": "..."}
    """


@hookspec
def kpi_advisor_rule_packs():
    """Rule packs this plugin provides.

    :return: a list of paths to YAML rule-pack files, or of mappings with the
        same shape (see ``kpi-advisor schema rules``).
    """


@hookspec
def kpi_advisor_profiles():
    """Business-model profiles this plugin provides or overrides.

    :return: a list of paths to YAML profile files, or of mappings with the same
        shape (see ``kpi-advisor schema profile``). A profile whose ``id`` already
        exists replaces the earlier one; the replacement is reported by
        ``kpi-advisor list models``.
    """


@hookspec
def kpi_advisor_goals():
    """Goal objectives (awareness, leads, ...) this plugin provides.

    :return: a list of mappings ``{"id", "name", "description", "stage",
        "metrics": [metric ids that measure it]}``.
    """


@hookspec
def kpi_advisor_benchmarks():
    """Public benchmark figures this plugin provides.

    :return: a list of mappings ``{"metric", "value", "platform", "source",
        "year", ...}``; optional keys ``industry``, ``objective``, ``low``,
        ``high``, ``definition``, ``currency``.
    """


@hookspec
def kpi_advisor_data_formats():
    """Readers for data sources (``format:`` in a client config).

    :return: a list of :class:`kpi_advisor.DataFormat` objects (or mappings
        with ``name``, ``description`` and ``read``). ``read(path, options)``
        returns a ``polars.LazyFrame`` with canonical column names.
    """


@hookspec
def kpi_advisor_report_formats():
    """Renderers for reports (``--format`` on the command line).

    :return: a list of :class:`kpi_advisor.ReportFormat` objects (or mappings
        with ``name``, ``description``, ``render`` and optionally ``extension`` and ``pieces``).
        ``render(report, options)`` returns ``str``; ``pieces(report, options)``, where given,
        yields the same text in pieces, which ``run -o FILE`` writes as they are made.
    """

"""Ships the rule packs in ``kpi_advisor/rules/*.yaml``."""

from __future__ import annotations

from importlib.resources import files

from kpi_advisor import hookimpl


@hookimpl
def kpi_advisor_rule_packs():
    folder = files("kpi_advisor.rules")
    return sorted(str(entry) for entry in folder.iterdir() if entry.name.endswith(".yaml"))

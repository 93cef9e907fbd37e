"""Ships the business-model profiles in ``kpi_advisor/rules/profiles/*.yaml``."""

from __future__ import annotations

from importlib.resources import files

from kpi_advisor import hookimpl


@hookimpl
def kpi_advisor_profiles():
    folder = files("kpi_advisor.rules.profiles")
    return sorted(str(entry) for entry in folder.iterdir() if entry.name.endswith(".yaml"))

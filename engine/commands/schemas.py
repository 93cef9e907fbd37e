"""JSON Schemas, generated from the pydantic models (the one source of truth).

The files in ``schemas/`` are these schemas written out for editors and other
tools; ``python -m kpi_advisor.schemas`` rewrites them and a test keeps them in step.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

SCHEMA_FILES = {
    "config": "config.schema.json",
    "report": "report.schema.json",
    "rules": "rules.schema.json",
    "profile": "profile.schema.json",
    "overview": "overview.schema.json",
}


def _model(name: str):
    from ..models.config import ClientConfig
    from ..models.definitions import ProfileDef, RulePack
    from ..models.overview import Overview
    from ..models.report import Report

    return {"config": ClientConfig, "report": Report, "rules": RulePack, "profile": ProfileDef, "overview": Overview}[name]


def schema_dict(name: str) -> dict:
    schema = _model(name).model_json_schema(mode="validation" if name not in ("report", "overview") else "serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"kpi-advisor/{SCHEMA_FILES[name]}", **schema}


def schema_text(name: str) -> str:
    return json.dumps(schema_dict(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def shipped_schema(name: str) -> str:
    return files("kpi_advisor.schemas").joinpath(SCHEMA_FILES[name]).read_text(encoding="utf-8")


def write_schemas(folder: Path) -> None:
    for name, filename in SCHEMA_FILES.items():
        (folder / filename).write_text(schema_text(name), encoding="utf-8")

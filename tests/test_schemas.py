"""The JSON Schemas in schemas/ are generated from the pydantic models and stay in step."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from kpi_advisor.commands.schemas import SCHEMA_FILES, schema_dict, schema_text, shipped_schema
from kpi_advisor.loading.yamlsafe import load_yaml_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_shipped_schema_matches_the_models(name):
    assert shipped_schema(name) == schema_text(name), "run: python -m kpi_advisor.commands.regenerate"


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_schema_is_valid_json_schema(name):
    jsonschema.Draft202012Validator.check_schema(schema_dict(name))


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.name)
def test_examples_validate_against_the_config_schema(path):
    data = json.loads(json.dumps(load_yaml_file(path).data, default=str))
    jsonschema.validate(data, schema_dict("config"))


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.yaml")), ids=lambda p: p.name)
def test_rule_packs_validate_against_the_rules_schema(path):
    jsonschema.validate(load_yaml_file(path).data, schema_dict("rules"))


@pytest.mark.parametrize("path", sorted((ROOT / "rules" / "profiles").glob("*.yaml")), ids=lambda p: p.name)
def test_profiles_validate_against_the_profile_schema(path):
    jsonschema.validate(load_yaml_file(path).data, schema_dict("profile"))


def test_report_validates_against_the_report_schema():
    import kpi_advisor

    report = kpi_advisor.evaluate(ROOT / "examples" / "acme_outdoor.yaml")
    jsonschema.validate(report.model_dump(mode="json"), schema_dict("report"))


def test_unknown_keys_are_rejected_by_the_schema_too():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"client": "x", "business_model": "b2b", "busines_model": "b2b"}, schema_dict("config"))

"""`kpi-advisor init`: for every business model, a commented starter config that
validates, runs, shows a finding, and whose goal passes its SMART check."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.loading.yamlsafe import load_yaml_text

MODELS = sorted(get_catalog().profiles)


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("model", MODELS)
def test_starter_validates_and_runs(model, tmp_path):
    target = tmp_path / "client.yaml"
    made = invoke("init", "--model", model, str(target))
    assert made.exit_code == 0 and f"wrote {target}" in made.output
    assert invoke("validate", str(target)).output.strip() == f"{target}: ok"
    result = invoke("run", str(target), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["business_model"] == model
    assert "landing-page-leak" in report["summary"]["by_rule"]  # facebook leaks on purpose
    (goal,) = report["goals"]
    assert all(goal["smart"].values()), goal["notes"]
    assert report["warnings"] == []


@pytest.mark.parametrize("model", MODELS)
def test_starter_is_commented(model):
    text = invoke("init", "--model", model).output
    lines = text.splitlines()
    assert sum(1 for line in lines if line.lstrip().startswith("#")) >= 8
    assert sum(1 for line in lines if " # " in line and not line.lstrip().startswith("#")) >= 10  # fields explained where they stand
    config = load_yaml_text(text).data
    assert set(config) == {"client", "business_model", "currency", "period", "goals", "economics", "data", "rules"}
    profile = get_catalog().profiles[model]
    assert profile.name in lines[0]


def test_stdout_without_a_path_and_default_model():
    result = invoke("init")
    assert result.exit_code == 0
    assert "business_model: dtc_ecommerce" in result.output


def test_refuses_to_overwrite(tmp_path):
    target = tmp_path / "client.yaml"
    target.write_text("mine")
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 2 and "exists" in result.output
    assert target.read_text() == "mine"


def test_unknown_model_is_one_clear_line():
    result = CliRunner().invoke(cli, ["init", "--model", "b2c"])
    assert result.exit_code == 2
    assert "b2c" in result.output and "Traceback" not in result.output

"""The public Python API: exactly the names in ``kpi_advisor.__all__``, and their promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import kpi_advisor
import polars as pl
import pytest
from click.testing import CliRunner
from kpi_advisor.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "acme_outdoor.yaml"

# The promised public names. Adding one is a decision: change this list on purpose.
PUBLIC = [
    "Advisor",
    "ClientConfig",
    "ConfigError",
    "DataFormat",
    "Finding",
    "Kpi",
    "MetricDef",
    "PluginError",
    "Problem",
    "ProfileDef",
    "Report",
    "ReportFormat",
    "RuleDef",
    "__version__",
    "evaluate",
    "hookimpl",
    "recommend_kpis",
]

ROWS = [
    {"channel": "facebook", "impressions": 100000, "clicks": 3000, "sessions": 2800, "bounces": 2300, "purchases": 20},
    {"channel": "instagram", "impressions": 90000, "clicks": 1500, "sessions": 1400, "bounces": 420, "purchases": 35},
]


def test_all_lists_exactly_the_public_names():
    assert sorted(kpi_advisor.__all__) == sorted(PUBLIC)
    namespace: dict = {}
    exec("from kpi_advisor import *", namespace)  # noqa: S102 - the star import is what users write
    assert sorted(name for name in namespace if name != "__builtins__") == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(kpi_advisor, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        kpi_advisor.nope  # noqa: B018


def test_models_are_pydantic_and_errors_are_value_errors():
    from pydantic import BaseModel

    for name in ("ClientConfig", "Report", "Kpi", "Finding", "MetricDef", "RuleDef", "ProfileDef"):
        assert issubclass(getattr(kpi_advisor, name), BaseModel), name
    assert issubclass(kpi_advisor.ConfigError, ValueError)


def test_importing_the_package_stays_cheap():
    code = "import sys, kpi_advisor; print(json.dumps(sorted(m for m in ('polars', 'fastapi', 'pandas') if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_evaluate_stays_the_function_after_the_first_call():
    # A fresh interpreter: a first call imports the engine's modules, and none of
    # them may be a submodule named like a public function (it would replace it).
    code = f"""
import kpi_advisor
first = kpi_advisor.evaluate({str(EXAMPLE)!r})
kpis = kpi_advisor.recommend_kpis("b2b")
assert callable(kpi_advisor.evaluate) and kpi_advisor.evaluate.__module__ == "kpi_advisor", kpi_advisor.evaluate
assert callable(kpi_advisor.recommend_kpis), kpi_advisor.recommend_kpis
assert kpi_advisor.evaluate({str(EXAMPLE)!r}) == first
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
    engine = ROOT / "engine"
    assert not {name for name in kpi_advisor.__all__ if (engine / f"{name}.py").exists() or (engine / name).is_dir()}


def test_evaluate_a_path_a_mapping_or_a_model_gives_the_cli_report():
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    cli_report = json.loads(result.output)

    report = kpi_advisor.evaluate(EXAMPLE)
    assert isinstance(report, kpi_advisor.Report)
    report.summary.findings_shown = len(report.findings)  # the CLI fills it in
    assert report.model_dump(mode="json") == cli_report

    config = kpi_advisor.ClientConfig.model_validate(_yaml(EXAMPLE))
    assert kpi_advisor.evaluate(config) == kpi_advisor.evaluate(_yaml(EXAMPLE)) == kpi_advisor.evaluate(str(EXAMPLE))


def test_data_may_be_polars_pandas_or_a_list_of_dicts():
    config = {"client": "Frames", "business_model": "dtc_ecommerce"}
    from_list = kpi_advisor.evaluate(config, data=ROWS)
    assert from_list.summary.rows == 2
    assert kpi_advisor.evaluate(config, data=pl.DataFrame(ROWS)) == from_list
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ROWS)
    assert kpi_advisor.evaluate(config, data=frame) == from_list
    # Missing values in pandas (NaN, <NA>) are missing, not numbers.
    gappy = frame.astype({"purchases": "Int64"})
    gappy.loc[1, "purchases"] = pd.NA
    gappy.loc[1, "clicks"] = float("nan")
    report = kpi_advisor.evaluate(config, data=gappy)
    instagram = next(m for m in report.metrics if m.scope == {"channel": "instagram"})
    assert "clicks" not in instagram.values or instagram.values["clicks"] is None
    assert "purchases" not in instagram.values or instagram.values["purchases"] is None


def test_bad_input_raises_config_error_naming_the_field():
    bad_goal = {"client": "X", "business_model": "dtc_ecommerce", "goals": [{"id": "g", "objective": "sales", "target": -1}], "data": [{"records": ROWS}]}
    with pytest.raises(kpi_advisor.ConfigError, match=r"goals\[0\]\.target"):
        kpi_advisor.evaluate(bad_goal)
    with pytest.raises(ValueError, match="client"):
        kpi_advisor.evaluate({"business_model": "dtc_ecommerce", "data": [{"records": ROWS}]})
    with pytest.raises(kpi_advisor.ConfigError, match="data must be"):
        kpi_advisor.evaluate({"client": "X", "business_model": "dtc_ecommerce"}, data=42)
    with pytest.raises(kpi_advisor.ConfigError, match="columns 'sessions' and 'visits' both mean 'sessions'"):
        kpi_advisor.evaluate({"client": "X", "business_model": "dtc_ecommerce"}, data=[{**ROWS[0], "visits": 10}])
    with pytest.raises(kpi_advisor.ConfigError, match=r"data row 1, column clicks: counts cannot be negative"):
        kpi_advisor.evaluate({"client": "X", "business_model": "dtc_ecommerce"}, data=[ROWS[0], {**ROWS[1], "clicks": -3}])


def test_recommend_kpis():
    kpis = kpi_advisor.recommend_kpis("b2b", ["leads"])
    assert kpis and all(isinstance(k, kpi_advisor.Kpi) for k in kpis)
    assert [k.rank for k in kpis] == list(range(1, len(kpis) + 1))
    assert kpi_advisor.recommend_kpis("b2b", "leads") == kpis
    assert kpi_advisor.recommend_kpis("b2b") == kpi_advisor.recommend_kpis("b2b", [])
    with pytest.raises(kpi_advisor.ConfigError, match="unknown business model 'b2c'.*did you mean 'b2b'"):
        kpi_advisor.recommend_kpis("b2c", [])
    with pytest.raises(kpi_advisor.ConfigError, match="unknown goal"):
        kpi_advisor.recommend_kpis("b2b", ["world-domination"])


def _yaml(path: Path) -> dict:
    from kpi_advisor.loading.yamlsafe import load_yaml_file

    return load_yaml_file(path).data

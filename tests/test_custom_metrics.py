"""Custom metrics, three ways: config formulas, local plugin files, installed packages.

The examples of docs/custom-metrics.md are extracted and run here, and the
template package in examples/plugins/ is installed (as a dist-info with its
entry point, on sys.path) and found through the entry-point group.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import sys
import tomllib
from pathlib import Path

import kpi_advisor
import pytest
import yaml
from click.testing import CliRunner
from kpi_advisor.cli import cli
from kpi_advisor.data.sources import load_dataset
from kpi_advisor.evaluation.tables import metric_table
from kpi_advisor.loading.catalog import clear_caches, get_catalog
from kpi_advisor.loading.prepare import load_config, prepare

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "custom-metrics.md"
TEMPLATE = ROOT / "examples" / "plugins"
PACKAGE = "kpi_advisor_agency_metrics"


def doc_blocks() -> dict[str, str]:
    """Fenced blocks of the doc keyed by their '# file: NAME' or '# expect' first line."""
    blocks = {}
    for body in re.findall(r"```[a-z]*\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S):
        first, _, rest = body.partition("\n")
        if first.startswith("# file: "):
            blocks[first.removeprefix("# file: ").strip()] = rest
        elif first.strip() == "# expect":
            blocks["expect"] = rest
    return blocks


@pytest.fixture
def agency_package(tmp_path, monkeypatch):
    """The template package installed the way pip leaves it: code plus a dist-info with entry_points.txt."""
    site = tmp_path / "site"
    shutil.copytree(TEMPLATE / PACKAGE, site / PACKAGE)
    project = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    entry_points = project["entry-points"]["kpi_advisor"]
    (dist / "entry_points.txt").write_text("[kpi_advisor]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items()))
    monkeypatch.syspath_prepend(str(site))
    # The suite loads only kpi-advisor's own entry points (conftest.py); let this one in too.
    loaded = [name for name in os.environ.get("KPI_ADVISOR_LOAD_PLUGINS", "").split(",") if name]
    if loaded:
        monkeypatch.setenv("KPI_ADVISOR_LOAD_PLUGINS", ",".join(loaded + list(entry_points)))
    clear_caches()
    yield project
    clear_caches()
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


@pytest.fixture
def worked_example(tmp_path):
    blocks = doc_blocks()
    for name in ("bergblick.yaml", "nordlicht_metrics.py"):
        (tmp_path / name).write_text(blocks[name], encoding="utf-8")
    return tmp_path / "bergblick.yaml"


def by_scope(report) -> dict[str, dict[str, float]]:
    return {", ".join(f"{k}={v}" for k, v in m.scope.items()) or "all data": m.values for m in report.metrics}


# --- the installed package ---------------------------------------------------------------


def test_package_with_entry_point_is_found(agency_package):
    catalog = get_catalog()
    assert catalog.origins["metric:cost_per_engagement"] == "agency_metrics"
    plugin = next(p for p in catalog.plugins if p.name == "agency_metrics")
    assert plugin.origin == "kpi-advisor-agency-metrics 0.1.0"
    assert plugin.hooks == ("kpi_advisor_metrics",)
    result = CliRunner().invoke(cli, ["list", "plugins"])
    assert "agency_metrics" in result.output and "kpi-advisor-agency-metrics 0.1.0" in result.output
    result = CliRunner().invoke(cli, ["explain", "cost_per_engagement"])
    assert result.exit_code == 0, result.output
    assert "formula: spend / engagements" in result.output and "provided by: agency_metrics" in result.output


def test_package_is_not_there_without_install():
    assert "cost_per_engagement" not in get_catalog().metrics


def test_template_package_passes_its_own_tests(agency_package):
    spec = importlib.util.spec_from_file_location("template_tests", TEMPLATE / "tests" / "test_plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [getattr(module, name) for name in dir(module) if name.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        test()


# --- the worked example of docs/custom-metrics.md ---------------------------------------


def test_doc_example_values_on_every_scope(agency_package, worked_example):
    report = kpi_advisor.evaluate(worked_example)
    values = by_scope(report)
    lines = [line.split() for line in doc_blocks()["expect"].strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert header[0] == "scope"
    for row in rows:
        scope = row[0] if row[0] != "all" else "all data"
        numbers = row[2:] if row[0] == "all" else row[1:]
        for metric, expected in zip(header[1:], numbers, strict=True):
            assert values[scope][metric] == pytest.approx(float(expected), abs=5e-7 + 1e-12), (scope, metric)  # the doc rounds to 6 decimals
    assert set(values) == {"all data", "channel=facebook", "channel=instagram"}


def test_doc_example_values_are_the_formulas(agency_package, worked_example):
    """The doc's numbers, recomputed here from the records by hand."""
    config = yaml.safe_load(worked_example.read_text())
    records = config["data"][0]["records"]
    values = by_scope(kpi_advisor.evaluate(worked_example))
    for scope, rows in (("all data", records), ("channel=facebook", records[:2]), ("channel=instagram", records[2:])):
        total = {key: sum(r[key] for r in rows) for key in ("impressions", "reach", "clicks", "engagements", "spend", "store_visits")}
        ctr = total["clicks"] / total["impressions"]
        margin = 1.96 * math.sqrt(ctr * (1 - ctr) / total["impressions"])
        got = values[scope]
        assert got["store_visit_rate"] == pytest.approx(total["store_visits"] / total["clicks"], abs=1e-6)
        assert got["cost_per_store_visit"] == pytest.approx(total["spend"] / total["store_visits"], abs=1e-6)
        assert got["ctr_margin_95"] == pytest.approx(margin, abs=1e-6)
        assert got["ctr_low_bound"] == pytest.approx(ctr - margin, abs=1e-6)
        assert got["cost_per_engagement"] == pytest.approx(total["spend"] / total["engagements"], abs=1e-6)
        assert got["cost_per_thousand_reached"] == pytest.approx(total["spend"] / total["reach"] * 1000, abs=1e-6)


def test_doc_example_on_finer_scopes(agency_package, worked_example):
    prepared = prepare(load_config(worked_example))
    dataset = load_dataset(prepared.loaded.config, prepared.catalog, prepared.loaded.base_dir)
    table = metric_table(dataset, prepared.catalog, "campaign")
    rows = {(r["channel"], r["campaign"]): r for r in table.frame.iter_rows(named=True)}
    assert rows[("facebook", "spring")]["store_visit_rate"] == pytest.approx(96 / 1600)
    assert rows[("facebook", "summer")]["cost_per_store_visit"] == pytest.approx(650 / 35)
    assert rows[("instagram", "spring")]["cost_per_engagement"] == pytest.approx(800 / 3100)
    for metric in ("store_visit_rate", "ctr_low_bound", "cost_per_store_visit", "ctr_margin_95", "cost_per_engagement"):
        assert metric in table.available


def test_doc_example_runs_from_the_command_line(agency_package, worked_example):
    result = CliRunner().invoke(cli, ["run", str(worked_example), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"cost_per_store_visit": 14.324324' in result.output
    result = CliRunner().invoke(cli, ["validate", str(worked_example)])
    assert result.exit_code == 0 and "ok" in result.output


def test_doc_pyproject_matches_the_template():
    doc = tomllib.loads(doc_blocks()["pyproject.toml"])["project"]
    template = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert doc["entry-points"] == template["entry-points"]
    assert (doc["name"], doc["version"]) == (template["name"], template["version"])


def test_doc_error_lines_are_what_the_engine_says(worked_example):
    """The three mistakes the doc shows, made in the worked example."""
    text = worked_example.read_text()
    variants = [
        text.replace("formula: store_visits / clicks", "formula: store_visits / clicks_total"),
        text.replace("formula: ctr - ctr_margin_95", "formula: ctr - store_visit_rate")
        .replace("formula: store_visits / clicks", "formula: store_visits / clicks * ctr_low_bound"),
        text.replace("id: store_visit_rate", "id: ctr"),
    ]
    doc = DOC.read_text(encoding="utf-8")
    for variant in variants:
        worked_example.write_text(variant)
        with pytest.raises(kpi_advisor.ConfigError) as err:
            kpi_advisor.evaluate(worked_example)
        assert "error: " + str(err.value).replace(str(worked_example), "bergblick.yaml") in doc


# --- way 1: formulas in a config or rule pack -------------------------------------------

RECORDS = [
    {"channel": "facebook", "campaign": "a", "impressions": 1000, "clicks": 30, "leads": 3, "qualified_leads": 1, "spend": 60},
    {"channel": "facebook", "campaign": "b", "impressions": 3000, "clicks": 30, "leads": 1, "qualified_leads": 1, "spend": 40},
    {"channel": "linkedin", "campaign": "a", "impressions": 2000, "clicks": 10, "leads": 4, "qualified_leads": 2, "spend": 200},
]


def config_with(metrics, **extra):
    return {"client": "t", "business_model": "b2b", "metrics": metrics, "data": [{"records": RECORDS}], **extra}


def test_config_formula_on_every_scope_including_dependency_order():
    metrics = [
        # listed before the metric it reads: the order in the file does not matter
        {"id": "qualified_cost_index", "formula": "cost_per_sql / cpc", "stage": "evaluation", "unit": "number"},
        {"id": "cost_per_sql", "formula": "spend / qualified_leads", "stage": "evaluation", "unit": "currency"},
    ]
    values = by_scope(kpi_advisor.evaluate(config_with(metrics)))
    assert values["all data"]["cost_per_sql"] == pytest.approx(300 / 4)
    assert values["channel=facebook"]["cost_per_sql"] == pytest.approx(100 / 2)
    assert values["channel=linkedin"]["qualified_cost_index"] == pytest.approx((200 / 2) / (200 / 10))
    assert values["all data"]["qualified_cost_index"] == pytest.approx((300 / 4) / (300 / 70))


def test_config_metric_needs_a_formula():
    with pytest.raises(kpi_advisor.ConfigError, match="metric 'webinar_attendees' needs a formula over other metrics"):
        kpi_advisor.evaluate(config_with([{"id": "webinar_attendees", "stage": "evaluation"}]))


def test_cycle_is_a_load_error_naming_the_metrics():
    metrics = [{"id": "a_rate", "formula": "b_rate * 2", "stage": "interest"}, {"id": "b_rate", "formula": "a_rate / 2", "stage": "interest"}]
    with pytest.raises(kpi_advisor.ConfigError, match=r"cycle: (a_rate -> b_rate -> a_rate|b_rate -> a_rate -> b_rate)"):
        kpi_advisor.evaluate(config_with(metrics))


def test_unknown_name_is_a_load_error_naming_the_metric():
    with pytest.raises(kpi_advisor.ConfigError, match=r"metrics\[0\].formula: unknown name 'clickz' \(did you mean 'clicks'\?\)"):
        kpi_advisor.evaluate(config_with([{"id": "lead_rate", "formula": "leads / clickz", "stage": "evaluation"}]))


def test_a_metric_that_compares_a_count_with_text_is_a_load_error_naming_the_field():
    # The parser alone sees a name; the metric's inputs are known to be numbers before any data is read.
    with pytest.raises(kpi_advisor.ConfigError, match=r"metrics\[0\].formula: '==' cannot compare a number with a string"):
        kpi_advisor.evaluate(config_with([{"id": "odd", "formula": 'clicks == "x"', "stage": "interest"}]))


def test_taking_a_built_in_id_is_an_error():
    with pytest.raises(kpi_advisor.ConfigError, match="metric 'ctr' is already defined by metrics"):
        kpi_advisor.evaluate(config_with([{"id": "ctr", "formula": "clicks / impressions", "stage": "interest"}]))


def test_formula_cannot_run_code():
    with pytest.raises(kpi_advisor.ConfigError, match=r"metrics\[0\].formula: names may not start with an underscore"):
        kpi_advisor.evaluate(config_with([{"id": "evil", "formula": "__import__('os').system('true')", "stage": "interest"}]))


def test_rule_pack_metrics(tmp_path):
    pack = {
        "pack": "lead-quality",
        "metrics": [{"id": "sql_share", "formula": "qualified_leads / leads", "stage": "evaluation", "description": "Leads sales accepted."}],
        "rules": [{
            "id": "weak-lead-quality", "title": "Few leads qualify", "stage": "evaluation", "severity": "medium",
            "levels": ["channel"], "when": "sql_share < max_share and leads >= 3", "params": {"max_share": 0.4},
            "message": "{scope}: only {sql_share} of leads qualify", "recommendation": "Tighten the targeting.",
            "rationale": "Cheap leads that never qualify cost sales time.", "source": "practice",
        }],
    }
    (tmp_path / "pack.yaml").write_text(yaml.safe_dump(pack))
    (tmp_path / "client.yaml").write_text(yaml.safe_dump({**config_with([]), "rules": {"packs": ["pack.yaml"]}}))
    report = kpi_advisor.evaluate(tmp_path / "client.yaml")
    values = by_scope(report)
    assert values["channel=facebook"]["sql_share"] == pytest.approx(2 / 4)
    assert values["channel=linkedin"]["sql_share"] == pytest.approx(2 / 4)
    assert values["all data"]["sql_share"] == pytest.approx(4 / 8)


# --- way 2: a local plugin file ----------------------------------------------------------


def write_plugin(tmp_path, body: str) -> Path:
    (tmp_path / "practice.py").write_text("import polars as pl\nfrom kpi_advisor import hookimpl\n\n\n@hookimpl\ndef kpi_advisor_metrics():\n" + body)
    path = tmp_path / "client.yaml"
    path.write_text(yaml.safe_dump({**config_with([]), "plugins": ["./practice.py"]}))
    return path


def test_local_plugin_formula_and_polars_metrics(tmp_path):
    path = write_plugin(tmp_path, """    return [
        {"id": "leads_per_100_clicks", "formula": "leads / clicks * 100", "stage": "evaluation", "unit": "number"},
        {"id": "log_impressions", "polars": lambda m: m["impressions"].log10(), "requires": ["impressions"], "stage": "awareness", "unit": "number"},
        {"id": "lead_share_of_best", "polars": lambda m: m["leads_per_100_clicks"] / 40, "requires": ["leads_per_100_clicks"], "stage": "evaluation"},
    ]
""")
    values = by_scope(kpi_advisor.evaluate(path))
    assert values["all data"]["leads_per_100_clicks"] == pytest.approx(8 / 70 * 100)
    assert values["channel=linkedin"]["log_impressions"] == pytest.approx(math.log10(2000))
    assert values["channel=facebook"]["lead_share_of_best"] == pytest.approx(4 / 60 * 100 / 40, abs=1e-6)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_local_plugin_polars_metric_requiring_unknown_metric(tmp_path):
    path = write_plugin(tmp_path, """    return [{"id": "odd", "polars": lambda m: m["nope"], "requires": ["nope"], "stage": "interest"}]\n""")
    with pytest.raises(kpi_advisor.ConfigError, match="metric 'odd': requires unknown metric 'nope'"):
        kpi_advisor.evaluate(path)


def test_local_plugin_cycle_names_the_metrics(tmp_path):
    path = write_plugin(tmp_path, """    return [{"id": "x_rate", "formula": "y_rate + 1", "stage": "interest"},
            {"id": "y_rate", "formula": "x_rate - 1", "stage": "interest"}]\n""")
    with pytest.raises(kpi_advisor.ConfigError, match="cycle: (x_rate -> y_rate -> x_rate|y_rate -> x_rate -> y_rate)"):
        kpi_advisor.evaluate(path)


def test_plugin_metric_cannot_read_a_config_metric(tmp_path):
    """Plugins load before any config, so a plugin formula naming a config's metric is unknown."""
    path = write_plugin(tmp_path, """    return [{"id": "x_rate", "formula": "y_rate + 1", "stage": "interest"}]\n""")
    config = yaml.safe_load(path.read_text())
    config["metrics"] = [{"id": "y_rate", "formula": "clicks / impressions", "stage": "interest"}]
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(kpi_advisor.ConfigError, match=r"metric 'x_rate' \(.*practice.py\): formula 'y_rate \+ 1': unknown name 'y_rate'"):
        kpi_advisor.evaluate(path)


def test_local_plugin_bad_definition_names_the_file(tmp_path):
    path = write_plugin(tmp_path, """    return [{"id": "cost_per_visit", "formula": "spend / sessions", "stage": "buy"}]\n""")
    with pytest.raises(kpi_advisor.PluginError, match=r"practice.py': metric 'cost_per_visit' \(item 0\): stage"):
        kpi_advisor.evaluate(path)

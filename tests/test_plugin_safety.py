"""Plugins that misbehave are named, the built-ins keep working, and only the
plugin files a config names are ever imported."""

from __future__ import annotations

import dataclasses
import inspect
import sys

import kpi_advisor
import polars as pl
import pytest
from click.testing import CliRunner
from kpi_advisor import DataFormat, ReportFormat, hookimpl
from kpi_advisor.cli import cli
from kpi_advisor.host import get_plugin_manager, load_plugin_file, manager_with
from kpi_advisor.loading import catalog as catalog_mod
from kpi_advisor.loading.catalog import build_catalog, get_catalog
from kpi_advisor.plugincalls import polars_metric, render_report, with_metric_columns
from kpi_advisor.problems import PluginError

GOOD = {"client": "t", "business_model": "dtc_ecommerce", "data": [{"records": [{"channel": "facebook", "impressions": 1000, "clicks": 30}]}]}


def test_a_failing_local_plugin_leaves_the_builtins_working(write):
    before = get_catalog()
    plugin = write("bad.py", "from kpi_advisor import hookimpl\n\n@hookimpl\ndef kpi_advisor_goals():\n    raise OSError('disk on fire')\n")
    config = write("c.yaml", "client: t\nbusiness_model: b2b\nplugins: [./bad.py]\ndata: [{records: [{clicks: 1, impressions: 10}]}]\n")
    with pytest.raises(PluginError, match=rf"plugin '{plugin}': kpi_advisor_goals\(\) raised OSError: disk on fire"):
        kpi_advisor.evaluate(config)
    assert get_catalog() is before
    assert {name for name, _ in get_plugin_manager().list_name_plugin()} == {p.name for p in before.plugins}
    assert kpi_advisor.evaluate(GOOD).metrics


def test_a_failing_installed_plugin_is_named_and_the_rest_still_build():
    class Broken:
        @hookimpl
        def kpi_advisor_benchmarks(self):
            return "not a list"

    local = manager_with(plugins={"acme-benchmarks": Broken()})
    with pytest.raises(PluginError, match=r"plugin 'acme-benchmarks': kpi_advisor_benchmarks\(\) must return a list, got str"):
        build_catalog(local)
    local.unregister(name="acme-benchmarks")
    assert build_catalog(local).rules.keys() == get_catalog().rules.keys()


def _with_reporter(monkeypatch, render, pieces=None):
    catalog = get_catalog()
    reporters = {**catalog.reporters, "boom": ReportFormat(name="boom", render=render, description="test", extension=".boom", pieces=pieces)}
    patched = dataclasses.replace(catalog, reporters=reporters, origins={**catalog.origins, "report format:boom": "acme-reports"})
    monkeypatch.setattr(catalog_mod, "_installed_catalog", lambda: patched)
    return patched


def _half_written(report, options):
    yield "the first half"
    raise RuntimeError("the second half failed")


def _bytes_pieces(report, options):
    yield "text"
    yield b"bytes"


@pytest.mark.parametrize(
    ("render", "pieces", "message"),
    [(lambda report, options: 1 / 0, None, "plugin 'acme-reports': report format 'boom' raised ZeroDivisionError: division by zero"),
     (lambda report, options: b"bytes", None, "plugin 'acme-reports': report format 'boom' returned bytes; render() must return str"),
     # A file is written piece by piece: a failure after the first piece still leaves the old file whole.
     (str, _half_written, "plugin 'acme-reports': report format 'boom' raised RuntimeError: the second half failed"),
     (str, _bytes_pieces, "plugin 'acme-reports': report format 'boom' gave a piece of bytes; pieces() must yield str")],
    ids=["raises", "bytes", "pieces-raise", "pieces-bytes"],
)
def test_a_failing_reporter_is_named_and_writes_nothing(tmp_path, monkeypatch, write, render, pieces, message):
    _with_reporter(monkeypatch, render, pieces)
    config = write("c.yaml", "client: t\nbusiness_model: dtc_ecommerce\ndata: [{records: [{clicks: 1, impressions: 10}]}]\n")
    (tmp_path / "old.boom").write_text("old report")
    result = CliRunner().invoke(cli, ["run", str(config), "-o", str(tmp_path / "old.boom")])
    assert result.exit_code == 2
    assert result.output == f"error: {message}\n"
    assert (tmp_path / "old.boom").read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml", "old.boom"]


def test_render_report_passes_text_through():
    catalog = get_catalog()
    report = kpi_advisor.evaluate(GOOD)
    assert render_report(catalog, "json", report, {}).startswith("{")


def test_a_polars_metric_that_fails_on_the_data_is_named():
    metric = kpi_advisor.MetricDef(id="odd", polars=lambda m: pl.col("no_such_column") * 2, requires=["clicks"], stage="interest")
    expression = polars_metric(metric, {"clicks": pl.col("clicks")}, {"metric:odd": "acme"})
    frame = pl.DataFrame({"clicks": [1.0]})
    with pytest.raises(PluginError, match=r"plugin 'acme': metric 'odd': polars formula failed on the data: ColumnNotFoundError"):
        with_metric_columns(frame, [expression.alias("odd")], [metric], {"metric:odd": "acme"})
    ours = kpi_advisor.MetricDef(id="ours", formula="clicks * 2", stage="interest")
    with pytest.raises(pl.exceptions.ColumnNotFoundError):  # not a plugin's: our own bug, raised as it is
        with_metric_columns(frame, [pl.col("missing").alias("ours")], [ours], {})


def test_plugin_files_with_dots_in_their_name_load_as_one_module(write):
    path = write("agency.metrics.v2.py", "from kpi_advisor import hookimpl\n\n@hookimpl\ndef kpi_advisor_metrics():\n    return []\n")
    module = load_plugin_file(path)
    assert "." not in module.__name__
    assert module.__name__ in sys.modules


def test_a_plugin_named_twice_is_imported_once_and_nothing_joins_the_import_path(tmp_path, write):
    counter = tmp_path / "imports.txt"
    write("counted.py", inspect.cleandoc(f'''
        from pathlib import Path
        path = Path({str(counter)!r})
        path.write_text(path.read_text() + "x" if path.exists() else "x")
    '''))
    path_before = list(sys.path)
    config = write("c.yaml", "client: t\nbusiness_model: b2b\nplugins: [./counted.py, counted.py, ./sub/../counted.py]\n"
                             "data: [{records: [{clicks: 1, impressions: 10}]}]\n")
    (tmp_path / "sub").mkdir()
    kpi_advisor.evaluate(config)
    assert counter.read_text() == "x"
    assert sys.path == path_before


def test_a_reader_that_returns_warnings_that_are_not_a_list_is_named(tmp_path, write):
    csv = write("leads.csv", "channel,leads\nfacebook,3\n")
    write("crm.py", inspect.cleandoc('''
        import polars as pl
        from kpi_advisor import DataFormat, hookimpl

        @hookimpl
        def kpi_advisor_data_formats():
            return [DataFormat(name="crm", read=lambda path, options: (pl.read_csv(path), "oops"))]
    '''))
    config = write("c.yaml", f"client: t\nbusiness_model: b2b\nplugins: [./crm.py]\ndata: [{{csv: {csv.name}, format: crm}}]\n")
    with pytest.raises(PluginError, match=r"crm.py': data format 'crm' returned warnings as str; expected a list of text"):
        kpi_advisor.evaluate(config)
    assert DataFormat  # the public name a plugin uses


def test_a_formula_that_fails_on_its_values_is_bad_input_not_an_internal_error():
    ours = kpi_advisor.MetricDef(id="ours", formula="clicks * 2", stage="interest")
    frame = pl.DataFrame({"clicks": [1.0]})
    with pytest.raises(kpi_advisor.ConfigError, match=r"metric 'ours' \(config\): formula 'clicks \* 2' cannot be computed on the data: conversion"):
        with_metric_columns(frame, [pl.lit("a").cast(pl.Float64, strict=True).alias("ours")], [ours], {"metric:ours": "config"})

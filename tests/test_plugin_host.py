"""The plugin host: hooks documented, built-ins via entry points, and plugin
failures named instead of crashing."""

from __future__ import annotations

import inspect
from pathlib import Path

import pluggy
import pytest
from kpi_advisor import hookimpl, hookspecs
from kpi_advisor.host import get_plugin_manager, manager_with
from kpi_advisor.loading.catalog import build_catalog
from kpi_advisor.problems import PluginError

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
HOOKS = [name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("kpi_advisor_")]


def test_there_are_hooks_for_every_kind_of_definition():
    assert set(HOOKS) == {
        "kpi_advisor_metrics", "kpi_advisor_rule_packs", "kpi_advisor_profiles", "kpi_advisor_goals",
        "kpi_advisor_benchmarks", "kpi_advisor_data_formats", "kpi_advisor_report_formats",
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring_and_is_documented(hook):
    assert getattr(hookspecs, hook).__doc__.strip()
    assert f"`{hook}" in DOCS.read_text()


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_implemented_by_a_builtin(hook):
    assert getattr(get_plugin_manager().hook, hook).get_hookimpls(), f"no built-in implements {hook}"


def _manager(*plugins) -> pluggy.PluginManager:
    return manager_with(plugins={f"test-plugin-{index}": plugin for index, plugin in enumerate(plugins)})


class GoodMetric:
    @hookimpl
    def kpi_advisor_metrics(self):
        return [{"id": "cost_per_store_visit", "formula": "spend / store_visits", "stage": "purchase", "unit": "currency"}]


def test_a_plugin_metric_joins_the_catalog():
    catalog = build_catalog(_manager(GoodMetric()))
    assert catalog.metrics["cost_per_store_visit"].formula == "spend / store_visits"
    assert "cost_per_store_visit" in catalog.order


def test_a_raising_hook_is_named():
    class Raises:
        @hookimpl
        def kpi_advisor_metrics(self):
            raise RuntimeError("boom")

    with pytest.raises(PluginError, match=r"plugin 'test-plugin-0': kpi_advisor_metrics\(\) raised RuntimeError: boom"):
        build_catalog(_manager(Raises()))


def test_a_bad_definition_is_named():
    class Bad:
        @hookimpl
        def kpi_advisor_metrics(self):
            return [{"id": "x_rate", "formula": "x / y", "stage": "buy"}]

    with pytest.raises(PluginError, match=r"plugin 'test-plugin-0': metric 'x_rate'.*stage"):
        build_catalog(_manager(Bad()))


def test_wrong_return_type_is_named():
    class NotAList:
        @hookimpl
        def kpi_advisor_goals(self):
            return "awareness"

    with pytest.raises(PluginError, match="must return a list"):
        build_catalog(_manager(NotAList()))


def test_duplicate_id_names_both_providers():
    class Dup:
        @hookimpl
        def kpi_advisor_metrics(self):
            return [{"id": "ctr", "formula": "clicks / impressions", "stage": "interest"}]

    with pytest.raises(PluginError, match=r"metric 'ctr' is already provided by metrics"):
        build_catalog(_manager(Dup()))


def test_formula_with_unknown_metric_or_cycle_is_named():
    class Unknown:
        @hookimpl
        def kpi_advisor_metrics(self):
            return [{"id": "foo_rate", "formula": "foo / clickz", "stage": "interest"}]

    with pytest.raises(Exception, match=r"metric 'foo_rate'.*unknown name 'foo'"):
        build_catalog(_manager(Unknown()))

    class Cycle:
        @hookimpl
        def kpi_advisor_metrics(self):
            return [
                {"id": "a_rate", "formula": "b_rate * 2", "stage": "interest"},
                {"id": "b_rate", "formula": "a_rate / 2", "stage": "interest"},
            ]

    with pytest.raises(Exception, match="cycle"):
        build_catalog(_manager(Cycle()))


def test_misspelt_hook_fails_fast(write):
    path = write("typo.py", "from kpi_advisor import hookimpl\n\n@hookimpl\ndef kpi_advisor_metric():\n    return []\n")
    with pytest.raises(PluginError, match="kpi_advisor_metric"):
        manager_with([path])


def test_local_plugin_file_errors_are_named(write):
    broken = write("broken.py", "def oops(:\n")
    with pytest.raises(PluginError, match=r"broken.py:1: plugin file has a syntax error"):
        manager_with([broken])
    failing = write("failing.py", "raise ImportError('missing dependency agency_lib')\n")
    with pytest.raises(PluginError, match="failing.py failed to import: ImportError: missing dependency agency_lib"):
        manager_with([failing])
    with pytest.raises(PluginError, match="expected a .py file"):
        manager_with([write("plugin.txt", "")])


def test_local_plugin_from_config_provides_a_metric(write):
    write("my_metrics.py", inspect.cleandoc('''
        from kpi_advisor import hookimpl

        @hookimpl
        def kpi_advisor_metrics():
            return [{"id": "cost_per_store_visit", "formula": "spend / store_visits",
                     "stage": "purchase", "unit": "currency", "description": "Spend per store visit."}]
    '''))
    config = write("client.yaml", inspect.cleandoc('''
        client: Corner Shop
        business_model: dtc_ecommerce
        plugins: [./my_metrics.py]
        data:
          - records:
              - {channel: facebook, spend: 500, store_visits: 40}
              - {channel: instagram, spend: 300, store_visits: 10}
    '''))
    import kpi_advisor

    report = kpi_advisor.evaluate(config)
    values = {tuple(m.scope.values()): m.values for m in report.metrics}
    assert values[()]["cost_per_store_visit"] == 16.0
    assert values[("facebook",)]["cost_per_store_visit"] == 12.5
    assert values[("instagram",)]["cost_per_store_visit"] == 30.0


def test_only_named_entry_points_load(monkeypatch, fresh_plugins):
    monkeypatch.setenv("KPI_ADVISOR_LOAD_PLUGINS", "metrics,goals")
    from kpi_advisor.loading.catalog import clear_caches

    clear_caches()
    names = {name for name, _ in get_plugin_manager().list_name_plugin()}
    assert names == {"metrics", "goals"}


def test_tracing_shows_every_hook_call_of_every_plugin():
    """KPI_ADVISOR_TRACE_PLUGINS=1 traces each hook call, because the catalogue calls hooks
    through pluggy even when it calls one plugin at a time."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "KPI_ADVISOR_TRACE_PLUGINS": "1"}
    done = subprocess.run([sys.executable, "-m", "kpi_advisor", "list", "models"], capture_output=True, text=True, env=env,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    for hook in HOOKS:
        callers = [impl.plugin_name for impl in getattr(get_plugin_manager().hook, hook).get_hookimpls()]
        traced = [line for line in done.stderr.splitlines() if line.strip().startswith(hook + " [hook]")]
        assert len(traced) == len(callers), (hook, callers, traced)


def test_a_hook_wrapper_sees_every_call():
    seen = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def kpi_advisor_metrics(self):
            result = yield
            seen.append(len(result))
            return result

    class Extra:
        @hookimpl
        def kpi_advisor_metrics(self):
            return [{"id": "wrapped_metric", "formula": "clicks / impressions", "stage": "interest", "unit": "ratio"}]

    catalog = build_catalog(_manager(Wrapper(), Extra()))
    assert "wrapped_metric" in catalog.metrics
    builtins = len(get_plugin_manager().hook.kpi_advisor_metrics.get_hookimpls())
    assert seen == [1] * (builtins + 1)  # one call per implementing plugin, each through the wrapper

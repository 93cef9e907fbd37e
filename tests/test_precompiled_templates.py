"""The HTML report's built-in templates, compiled to Python ahead of time
(plugins/reports/precompiled.py): shipped current, used only while their stamp is the one a run
would write, and the page is the same text whichever way its templates were compiled."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import kpi_advisor
import pytest
from kpi_advisor.plugins.reports import precompiled
from kpi_advisor.plugins.reports.html_report import environment, render_html

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _builtin(env) -> object:
    return next(loader for loader in env.loader.loaders if not isinstance(loader, jinja2.PrefixLoader))


def test_the_shipped_compiled_templates_are_current():
    shipped = json.loads(precompiled.STAMP.read_text(encoding="utf-8"))
    if shipped["jinja"] != jinja2.__version__:
        # Another Jinja release writes its own code: the shipped modules are left unused.
        assert type(_builtin(environment(None))) is jinja2.FileSystemLoader
        pytest.skip(f"compiled with Jinja {shipped['jinja']}, this is {jinja2.__version__}")
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in precompiled.COMPILED.iterdir() if path.is_file()}
    assert on_disk == precompiled.compiled(environment(None)), "stale: run python -m kpi_advisor.commands.regenerate"
    assert type(_builtin(environment(None))).__name__ == "Compiled"


def test_the_compiled_templates_leave_nothing_in_sys_modules():
    """Jinja's ModuleLoader left a weak proxy in sys.modules that died with its environment, and a
    reader of sys.modules (hypothesis) then failed with ReferenceError."""
    import gc
    import sys

    report = kpi_advisor.evaluate(EXAMPLES / "acme_outdoor.yaml")
    gc.collect()
    before = set(sys.modules)
    assert "<html" in render_html(report, {"branding": None})  # its environment, a cycle, is left for the collector
    seen = list(sys.modules.values())  # as a reader of sys.modules holds them, while the collector runs
    gc.collect()
    for module in seen:
        getattr(module, "__file__", None)  # a dead proxy raises ReferenceError here
    assert set(sys.modules) - before == set()


@pytest.mark.parametrize("damage", ["an edited template", "another Jinja", "another setting", "not JSON", "no stamp"])
def test_a_stamp_that_is_not_current_compiles_from_the_text_and_the_page_is_the_same(tmp_path, monkeypatch, damage):
    report = kpi_advisor.evaluate(EXAMPLES / "acme_outdoor.yaml")
    page = render_html(report, {"branding": None})
    stamp = json.loads(precompiled.STAMP.read_text(encoding="utf-8"))
    if damage == "an edited template":
        stamp["templates"]["finding.html"] = "0" * 64
    elif damage == "another Jinja":
        stamp["jinja"] = "0.0"
    elif damage == "another setting":
        stamp["settings"] = stamp["settings"].replace("True", "False", 1)
    path = tmp_path / "stamp.json"
    if damage == "not JSON":
        path.write_text("{", encoding="utf-8")
    elif damage != "no stamp":
        path.write_text(json.dumps(stamp), encoding="utf-8")
    monkeypatch.setattr(precompiled, "STAMP", path)
    assert type(_builtin(environment(None))) is jinja2.FileSystemLoader
    assert render_html(report, {"branding": None}) == page


def test_a_consultant_template_still_replaces_a_compiled_one_and_extends_it(tmp_path):
    (tmp_path / "footer.html").write_text('{% extends "builtin/footer.html" %}', encoding="utf-8")
    (tmp_path / "cover.html").write_text("<p>Our own cover for {{ report_name }}</p>", encoding="utf-8")
    env = environment(tmp_path)
    assert env.get_template("cover.html").render(report_name="Acme") == "<p>Our own cover for Acme</p>"
    context = {"footer": "made here", "brand": {"footer": "", "agency": "Fern & Co"}}
    extended = env.get_template("footer.html").render(**context)
    assert extended == environment(None).get_template("footer.html").render(**context)
    assert "Fern &amp; Co · made here" in extended
    assert env.loader.get_source(env, "style.css")[0] == (precompiled.TEMPLATES / "style.css").read_text(encoding="utf-8")

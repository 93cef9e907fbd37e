"""The house: engine/ in rooms with no import loop, faces at the top, and the module paths
promised to plugin authors kept."""

from __future__ import annotations

import ast
import graphlib
import importlib
import pkgutil
from pathlib import Path

import kpi_advisor
import pytest

ENGINE = Path(kpi_advisor.__file__).resolve().parent
ROOMS = {"models", "loading", "language", "data", "evaluation", "advice", "i18n", "commands"}
FACES = {"cli", "server", "spark", "advisor", "pipeline", "hookspecs", "host", "limits"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ENGINE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["kpi_advisor", *parts])


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in ENGINE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of kpi_advisor that a module imports anywhere in its body (lazy imports too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Imports for type checkers only never run, so they make no loop.
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
                   for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module in known and module != name}


def test_engine_has_no_import_loop():
    modules = _modules()
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
    # A package's own __init__ is imported before any of its modules anyway; an edge to it says nothing.
    graph = {name: {dep for dep in deps if not name.startswith(dep + ".")} for name, deps in graph.items()}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail("import loop: " + " -> ".join(exc.args[1]))


def test_rooms_and_faces_are_where_a_reader_looks():
    subpackages = {info.name for info in pkgutil.iter_modules([str(ENGINE)]) if info.ispkg}
    assert ROOMS <= subpackages
    top = {info.name for info in pkgutil.iter_modules([str(ENGINE)]) if not info.ispkg}
    assert FACES <= top


def test_no_room_is_named_like_a_public_function():
    """`kpi_advisor.evaluate` is a function: no module may shadow it or any other public name."""
    names = {info.name for info in pkgutil.iter_modules([str(ENGINE)])}
    assert not names & set(kpi_advisor.__all__)
    assert callable(kpi_advisor.evaluate) and kpi_advisor.evaluate.__module__ == "kpi_advisor"


@pytest.mark.parametrize(("old", "new", "names"), [
    ("kpi_advisor.catalog", "kpi_advisor.loading.catalog", ["get_catalog", "Catalog", "clear_caches"]),
    ("kpi_advisor.plugins.report_view", "kpi_advisor.plugins.reports.view", ["ReportView"]),
    ("kpi_advisor.plugins.report_funnel", "kpi_advisor.plugins.reports.funnel", ["build_funnels", "Funnel", "Step"]),
    ("kpi_advisor.plugins.reports", "kpi_advisor.plugins.reports.view", ["ReportView"]),
    ("kpi_advisor.plugins.reports", "kpi_advisor.plugins.reports.funnel", ["build_funnels"]),
    ("kpi_advisor.data", "kpi_advisor.data.sources", ["number_text", "check_options", "CURRENCY_COLUMN", "LINE_COLUMN"]),
])
def test_paths_promised_to_plugin_authors_still_work(old, new, names):
    for name in names:
        assert getattr(importlib.import_module(old), name) is getattr(importlib.import_module(new), name)

"""Every name the package imports from itself exists, also where the import sits inside a function
beside a broad ``except``: such an import failing is no error, only a silent fallback (a rule's own
figures shown without their units for a month, after the function they imported was renamed)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"engine": "kpi_advisor", "plugins": "kpi_advisor.plugins"}


def _modules() -> list[tuple[Path, str]]:
    found = []
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append((path, ".".join((package, *parts))))
    return found


def _own_imports(path: Path, module: str) -> list[tuple[int, str, str]]:
    """(line, module, name) of each ``from X import name`` of the package's own modules."""
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if target == "kpi_advisor" or target.startswith("kpi_advisor."):
            out += [(node.lineno, target, alias.name) for alias in node.names if alias.name != "*"]
    return out


@pytest.mark.parametrize(("path", "module"), _modules(), ids=[module for _, module in _modules()])
def test_every_name_imported_from_the_package_exists(path, module):
    missing = []
    for line, target, name in _own_imports(path, module):
        try:
            imported = importlib.import_module(target)
        except ImportError as exc:
            if getattr(exc, "name", None) and not exc.name.startswith("kpi_advisor"):
                continue  # an optional dependency of that module (pyspark, fastapi), not a wrong name
            missing.append(f"{path.relative_to(ROOT)}:{line}: module {target} not found")
            continue
        if not hasattr(imported, name):
            try:
                importlib.import_module(f"{target}.{name}")
            except ImportError:
                missing.append(f"{path.relative_to(ROOT)}:{line}: {target} has no {name}")
    assert not missing, "\n".join(missing)

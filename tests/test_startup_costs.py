"""Habits that keep the command line's start-up short, checked in the source: each was a few
milliseconds of every ``kpi-advisor run`` (bench/NOTES.md, sessions 35 and 39), paid again by
whoever adds the next class or field the old way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(path for folder in ("engine", "plugins") for path in (ROOT / folder).rglob("*.py"))
BUILTIN_FACTORIES = {"list", "dict", "set"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _problems(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    where = path.relative_to(root)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    postponed = any(isinstance(node, ast.ImportFrom) and node.module == "__future__" and any(a.name == "annotations" for a in node.names)
                    for node in tree.body)
    for node in ast.walk(tree):
        if postponed and isinstance(node, ast.ClassDef) and any(_name(base) == "BaseModel" for base in node.bases):
            # pydantic compiles and evaluates each field's annotation written as text (~280 in our
            # models, ~4 ms of every run); written as objects, Python has them already.
            found.append(f"{where}:{node.lineno}: pydantic model {node.name} in a module with 'from __future__ import annotations'")
        if isinstance(node, ast.ClassDef) and any(_name(d) == "dataclass" for d in node.decorator_list):
            if ast.get_docstring(node) is None:
                # Without one, dataclass() writes "Name(field: type, ...)" from inspect.signature.
                found.append(f"{where}:{node.lineno}: dataclass {node.name} has no docstring")
        if isinstance(node, ast.Call) and _name(node.func) in ("Field", "PrivateAttr"):
            for keyword in node.keywords:
                if keyword.arg == "default_factory" and isinstance(keyword.value, ast.Name) and keyword.value.id in BUILTIN_FACTORIES:
                    # pydantic reads a factory's signature; a builtin's is parsed from its text.
                    found.append(f"{where}:{node.lineno}: default_factory={keyword.value.id}; use new_{keyword.value.id}")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_no_class_or_field_pays_for_a_signature_at_start_up(path):
    assert _problems(path) == []


def test_the_check_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from __future__ import annotations\nfrom dataclasses import dataclass\n@dataclass(frozen=True)\nclass A:\n    x: int\n"
                      "class M(BaseModel):\n    y: list = Field(default_factory=list)\n    _z: dict = PrivateAttr(default_factory=dict)\n")
    assert len(_problems(sample, tmp_path)) == 4


def test_a_run_imports_the_layout_of_the_format_it_writes_only(tmp_path):
    """Every run registers the four built-in formats; the layouts, funnels and terminal tables of
    those it does not write stay unimported (~8 ms of a JSON run's start)."""
    import json
    import subprocess
    import sys

    layouts = ["text_report", "markdown_report", "html_report", "terminal", "funnel", "view"]
    code = ("import json, sys; from kpi_advisor.cli import main; "
            "sys.argv = ['kpi-advisor', 'run', 'examples/acme_outdoor.yaml', '-q', '--format', sys.argv[1], '-o', sys.argv[2]]\n"
            "try: main()\nexcept SystemExit: pass\n"
            f"print(json.dumps(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('kpi_advisor.plugins.reports.') "
            f"and m.rsplit('.', 1)[1] in {layouts!r})))")

    def imported(fmt: str) -> list[str]:
        target = tmp_path / f"report.{fmt}"
        result = subprocess.run([sys.executable, "-c", code, fmt, str(target)], capture_output=True, text=True, cwd=ROOT, check=True)
        assert target.stat().st_size > 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    assert imported("json") == []
    assert imported("markdown") == ["funnel", "markdown_report", "view"]

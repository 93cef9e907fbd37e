"""The maintainer's one entry for generated files: ``python -m kpi_advisor.commands.regenerate``.

Run it from a checkout after changing the models, a profile, a rule pack or a report string:
it rewrites the JSON Schemas in schemas/, the ranked-KPI table in docs/kpis.md, the message
template (locales/kpi_advisor.pot) merged into every .po file, the parse stored beside each
shipped rule pack and profile (``*.parsed.json``, engine/loading/yamlcache.py), and the HTML report's
templates compiled to Python (plugins/reports/precompiled.py). Tests fail while any of them is
stale, naming this command. Each file is rewritten only when its content changes.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path


def regenerate(docs: Path) -> list[str]:
    """Rewrite every generated file; returns one line per file saying what happened."""
    from ..advice.kpis import write_docs
    from ..i18n.messages import LOCALE_DIR, extract
    from ..loading.catalog import get_catalog
    from .schemas import write_schemas

    lines = []
    write_schemas(Path(str(files("kpi_advisor.schemas"))))
    lines.append("schemas: written")
    lines.append(f"{docs}: {'rewritten' if write_docs(docs, get_catalog()) else 'up to date'}")
    lines += [f"wrote {path}" for path in extract(LOCALE_DIR.parents[2])]
    lines += [f"wrote {path}" for path in write_parsed()]
    lines += [f"wrote {path}" for path in write_templates()]
    return lines


def write_templates() -> list[Path]:
    """Compile the HTML report's built-in templates ahead of time (plugins/reports/precompiled.py);
    returns the files that changed, a module of a template no longer shipped among them."""
    from ..plugins.reports import precompiled
    from ..plugins.reports.html_report import environment

    made = precompiled.compiled(environment(None))
    precompiled.COMPILED.mkdir(exist_ok=True)
    gone = [path for path in precompiled.COMPILED.glob(f"{precompiled.MODULE_PREFIX}*.py") if path.name not in made]
    for path in gone:
        path.unlink()
    return gone + [path for name, text in sorted(made.items()) if _write_changed(path := precompiled.COMPILED / name, text)]


def _write_changed(target: Path, text: str) -> bool:
    """Write ``text`` to ``target`` unless it holds it already; whether it was written."""
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return False
    target.write_text(text, encoding="utf-8")
    return True


def shipped_yaml() -> list[Path]:
    """The shipped YAML files the catalogue is built from: rule packs and profiles."""
    rules = Path(str(files("kpi_advisor.rules")))
    return sorted(rules.glob("*.yaml")) + sorted((rules / "profiles").glob("*.yaml"))


def write_parsed() -> list[Path]:
    """Store each shipped YAML file's parse beside it; returns the files that changed."""
    from ..loading import yamlcache
    from ..loading.yamlsafe import DEFAULT_LIMITS, load_yaml_file

    written = []
    for path in shipped_yaml():
        doc = load_yaml_file(path, limits=DEFAULT_LIMITS)
        text = yamlcache.dumps(yamlcache.cache_key(path.read_bytes(), DEFAULT_LIMITS), doc.data, doc.lines)
        target = yamlcache.parsed_path(path)
        if _write_changed(target, text):
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or args[:1] in (["-h"], ["--help"]):
        print("usage: python -m kpi_advisor.commands.regenerate [DOCS_KPIS_MD]  (default docs/kpis.md)", file=sys.stderr)
        return 2
    for line in regenerate(Path(args[0] if args else "docs/kpis.md")):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The built-in HTML templates, compiled to Python ahead of time.

Jinja parses a template and writes its Python in Python: for the built-in templates, ~40 ms of
every HTML report (a tenth of a small report's run). The maintainer's
``python -m kpi_advisor.commands.regenerate`` writes them compiled into ``templates_compiled/``
(Jinja's own ``compile_templates``), with a stamp of what they were made from: Jinja's version,
the environment's settings that shape the code it writes, and each template's text. A run loads
them only while the stamp is still the one it would write; anything else (another Jinja release,
an edited template, a changed setting) compiles the templates from their text as before. Their
text stays the source of every template, and of ``style.css``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

from .branding import TEMPLATES

COMPILED = Path(__file__).resolve().parent / "templates_compiled"
STAMP = COMPILED / "stamp.json"
MODULE_PREFIX = "tmpl_"  # Jinja's name for a compiled template's module


def stamp(env: Any) -> dict[str, Any]:
    """What the compiled templates of ``env`` are made from: a changed one, and they are not used."""
    import jinja2

    settings = (
        env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
        env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
        env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized,
        env.autoescape if isinstance(env.autoescape, bool) else "callable", env.finalize is not None, env.is_async,
        env.sandboxed, sorted(getattr(env, "intercepted_binops", ())), sorted(getattr(env, "intercepted_unops", ())),
        sorted(env.extensions),
        # Jinja writes a call of a filter or test, and of finalize, with the context or environment
        # first where the function is marked to take it.
        _passes(env.finalize), sorted((name, _passes(run)) for name, run in env.filters.items()),
        sorted((name, _passes(run)) for name, run in env.tests.items()),
    )
    return {
        "jinja": jinja2.__version__,
        "settings": repr(settings),
        "templates": {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in _templates()},
    }


def _passes(function: Any) -> str:
    return str(getattr(function, "jinja_pass_arg", ""))


def _templates() -> list[Path]:
    return sorted(TEMPLATES.glob("*.html"))


def builtin_loader(env: Any) -> Any:
    """The loader of the built-in templates for ``env``: the compiled ones while their stamp holds,
    else one that compiles each from its text."""
    import jinja2

    source = jinja2.FileSystemLoader(str(TEMPLATES))
    try:
        fresh = json.loads(STAMP.read_text(encoding="utf-8")) == stamp(env)
    except (OSError, ValueError):
        fresh = False
    if not fresh:
        return source

    class Compiled(jinja2.BaseLoader):
        """Templates from their compiled modules; a text asked for as text (style.css) from its file.

        Each module is loaded on its own, in no registry, with Python's cached bytecode beside it.
        Not Jinja's ModuleLoader: it puts a weak proxy to its package into sys.modules, which
        whatever reads sys.modules can find dead once the environment is gone (hypothesis did:
        ReferenceError). The module's namespace becomes the template's, so it is not shared."""

        def load(self, environment: Any, name: str, globals: Any = None) -> Any:
            path = COMPILED / jinja2.ModuleLoader.get_module_filename(name)
            if not path.is_file():
                raise jinja2.TemplateNotFound(name)
            spec = importlib.util.spec_from_file_location(f"kpi_advisor_template_{path.stem}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return environment.template_class.from_module_dict(environment, module.__dict__, globals or {})

        def get_source(self, environment: Any, template: str) -> Any:
            return source.get_source(environment, template)

    return Compiled()


def compiled(env: Any) -> dict[str, str]:
    """The files ``templates_compiled/`` holds for ``env``: each built-in template compiled to Python
    from its text (Jinja's own ``compile_templates``), and their stamp."""
    import tempfile

    import jinja2

    env.loader = jinja2.FileSystemLoader(str(TEMPLATES))  # compiled from their text, whatever is there now
    names = [path.name for path in _templates()]
    with tempfile.TemporaryDirectory() as folder:
        env.compile_templates(folder, zip=None, filter_func=names.__contains__, ignore_errors=False)
        made = {path.name: path.read_text(encoding="utf-8") for path in Path(folder).glob(f"{MODULE_PREFIX}*.py")}
    made[STAMP.name] = json.dumps(stamp(env), indent=1, sort_keys=True) + "\n"
    return made


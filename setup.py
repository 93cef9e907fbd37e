"""Build step that pyproject.toml cannot express: compile the message catalogs.

The report languages live as gettext ``.po`` files in engine/i18n/locales/. The wheel ships
them compiled to ``.mo`` beside them, so an installed kpi-advisor reads its translations
without compiling anything or writing to the user's home at run time. Fuzzy entries are left
out, as kpi_advisor.i18n.messages.compile_po does (a test checks the two agree).

An editable install (``pip install -e .``) gets no ``.mo`` files: a checkout compiles the
``.po`` files in memory when a language is first used, so an edited catalog shows at once.
"""

from __future__ import annotations

import io
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALES = Path("engine") / "i18n" / "locales"
TARGET = ("kpi_advisor", "i18n", "locales")


def compile_po(po_text: bytes, lang: str) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(po_text), locale=lang, domain="kpi_advisor")
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


class build_py_with_catalogs(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib, *TARGET)
        target.mkdir(parents=True, exist_ok=True)
        for po in sorted(LOCALES.glob("*.po")):
            (target / f"{po.stem}.mo").write_bytes(compile_po(po.read_bytes(), po.stem))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        target = Path(self.build_lib, *TARGET)
        return outputs + [str(target / f"{po.stem}.mo") for po in sorted(LOCALES.glob("*.po"))]


setup(cmdclass={"build_py": build_py_with_catalogs})

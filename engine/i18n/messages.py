"""Report languages: English (the message ids), German, Danish and Indonesian.

Translations live as gettext ``.po`` catalogs in ``locales/``, one per language,
shipped with the package. The wheel also ships each one compiled to ``.mo``
(setup.py compiles them at build time), which is what an installed copy reads. A
checkout or an editable install has no ``.mo`` files and compiles the ``.po`` in
memory when a language is first used, so an edited catalog shows on the next run.
Nothing is written at run time.

Rule messages and recommendations are translated by their English template
(the msgid): a template the catalog does not know stays English, so a rule pack
from a plugin, or a rule added after the catalog was last updated, still reads
correctly. A translation that uses a placeholder the English template lacks is
ignored, since filling it would fail.

Maintainers: ``python -m kpi_advisor.commands.regenerate`` rewrites ``locales/kpi_advisor.pot``
from the report modules and the shipped rule packs and merges new ids into every
``.po`` file (existing translations are kept; changed ones are marked fuzzy).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gettext
import io
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..problems import ConfigError, Problem
from .formatting import DEFAULT_LOCALE, format_date, format_value

if TYPE_CHECKING:
    from ..language.rulespec import RuleSpec
    from ..loading.catalog import Catalog
    from ..models.definitions import RuleDef

DOMAIN = "kpi_advisor"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "da": "Dansk", "id": "Bahasa Indonesia"}
# Source files whose _(), N_() and ngettext() strings are report text.
SOURCE_GLOBS = ("plugins/reports/*.py", "plugins/reports/templates/*.html", "engine/i18n/messages.py", "engine/i18n/phrases.py")


def N_(message: str) -> str:
    """Mark a string for the catalog without translating it yet (tables of labels)."""
    return message


def check_lang(lang: str | None) -> str:
    """``de``, ``de_DE`` and ``de-DE`` all mean German; anything unknown is a ConfigError."""
    if not lang:
        return DEFAULT_LOCALE
    code = lang.replace("-", "_").split("_")[0].lower()
    if code not in LANGUAGES:
        known = ", ".join(f"{key} ({name})" for key, name in LANGUAGES.items())
        raise ConfigError(Problem(f"unknown language '{lang}'; known: {known}", path="--lang"))
    return code


def po_path(lang: str) -> Path:
    return LOCALE_DIR / f"{lang}.po"


def compile_po(po_text: bytes, lang: str) -> bytes:
    """A ``.po`` catalog compiled to ``.mo`` bytes; fuzzy entries are left out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(po_text), locale=lang, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def mo_path(lang: str) -> Path:
    """The compiled catalog a built wheel ships beside the ``.po`` file (absent in a checkout)."""
    return LOCALE_DIR / f"{lang}.mo"


def _compiled(lang: str) -> bytes:
    try:
        return mo_path(lang).read_bytes()
    except OSError:
        return compile_po(po_path(lang).read_bytes(), lang)


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    lang = check_lang(lang)
    if lang == DEFAULT_LOCALE:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(_compiled(lang)))


@dataclass(frozen=True)
class Translator:
    """Everything a report needs to speak one language: words, numbers, dates."""

    lang: str = DEFAULT_LOCALE

    @property
    def _catalog(self) -> gettext.NullTranslations:
        return translations(self.lang)

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message) if message else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def template(self, text: str) -> str:
        """A rule template in this language, or the English one if it has no (usable) translation."""
        if not text:
            return text
        translated = self.gettext(text)
        if translated == text or not _same_fields(text, translated):
            return text
        return translated

    def number(self, value: float | None, unit: str = "number", currency: str = "") -> str:
        return format_value(value, unit, currency, locale=self.lang)

    def date(self, value) -> str:
        return format_date(value, locale=self.lang)

    def sentence(self, text: str) -> str:
        """An English sentence the engine wrote (a KPI's reason, a SMART note, a data warning) in this
        language, with its numbers written the language's way; English when no phrase matches."""
        if not text or self.lang == DEFAULT_LOCALE:
            return text
        from .phrases import translate

        return translate(text, self)

    def basis(self, text: str) -> str:
        """A finding's impact basis with its valuation part in this language."""
        if not text or self.lang == DEFAULT_LOCALE:
            return text
        from .phrases import translate_basis

        return translate_basis(text, self)


def _fields(text: str) -> set[tuple[str, str, str]]:
    """Each field of a template as the value it reads, with its format and conversion: a translation
    may give a count's word its own plural ({purchases|Bestellung|Bestellungen} reads purchases), and
    no more. A template str.format cannot fill (a word with "." in it) is "invalid"."""
    import string

    from ..language.rulespec import plural_problem, read_name

    try:
        parsed = [(name, spec or "", conversion or "") for _, name, spec, conversion in string.Formatter().parse(text) if name]
    except ValueError:
        return {("\0invalid", "", "")}
    if any(plural_problem(name) for name, _, _ in parsed):
        return {("\0invalid", "", "")}
    return {(read_name(name), spec, conversion) for name, spec, conversion in parsed}


def _same_fields(original: str, translated: str) -> bool:
    fields = _fields(translated)
    return fields <= _fields(original) and ("\0invalid", "", "") not in fields


# Rule evaluation caches its compiled work per rule object, so a rule keeps one
# translated copy per language for the life of the process.
# (id of a rule, language) -> (the rule, its translation); bounded, since a long-lived Advisor
# sees new rule objects from every config that brings its own rule pack.
_LOCALIZED: "OrderedDict[tuple[int, str], tuple[RuleDef, RuleDef]]" = OrderedDict()
_LOCALIZED_MAX = 4096


def localize_rules(rules: Iterable["RuleDef"], lang: str) -> list["RuleDef"]:
    """Rules whose title, message, recommendation and impact basis are in ``lang``."""
    tr = Translator(check_lang(lang))
    rules = list(rules)
    if tr.lang == DEFAULT_LOCALE:
        return rules
    out = []
    for rule in rules:
        cached = _LOCALIZED.get((id(rule), tr.lang))
        if cached is None or cached[0] is not rule:
            update = {"title": tr.template(rule.title), "message": tr.template(rule.message), "recommendation": tr.template(rule.recommendation)}
            if rule.impact is not None:
                update["impact"] = rule.impact.model_copy(update={"basis": tr.template(rule.impact.basis)})
            cached = _LOCALIZED[(id(rule), tr.lang)] = (rule, rule.model_copy(update=update))
            if len(_LOCALIZED) > _LOCALIZED_MAX:
                _LOCALIZED.popitem(last=False)
        else:
            with contextlib.suppress(KeyError):  # another thread may just have evicted it
                _LOCALIZED.move_to_end((id(rule), tr.lang))  # least recently used goes first
        out.append(cached[1])
    return out


def localize_specs(specs: Iterable["RuleSpec"], lang: str) -> list["RuleSpec"]:
    """Analysed rules whose texts are in ``lang``; the analysis is the same in every language."""
    specs = list(specs)
    rules = localize_rules([spec.rule for spec in specs], lang)
    return [spec if rule is spec.rule else dataclasses.replace(spec, rule=rule) for spec, rule in zip(specs, rules)]


# --- keeping the catalogs in step ------------------------------------------------


def rule_messages(catalog: "Catalog") -> list[tuple[str, str, str]]:
    """(msgid, file, what) for the text of every rule the installed plugins provide."""
    out = []
    for rule in sorted(catalog.rules.values(), key=lambda r: r.id):
        origin = catalog.origins.get("rule:" + rule.id, "?")
        where = f"rules/{Path(origin).name}" if origin.endswith(".yaml") else origin
        texts = [rule.title, rule.message, rule.recommendation] + ([rule.impact.basis] if rule.impact else [])
        out += [(text, where, f"rule {rule.id}") for text in texts]
    return out


def metric_titles(catalog: "Catalog") -> list[tuple[str, str, str]]:
    return [(m.title, "metrics", f"metric {m.id}") for m in sorted(catalog.metrics.values(), key=lambda m: m.id)]


def model_names(catalog: "Catalog") -> list[tuple[str, str, str]]:
    return [(p.name, "models", f"model {p.id}") for p in sorted(catalog.profiles.values(), key=lambda p: p.id)]


KEYWORDS = {"_": 1, "N_": 1, "gettext": 1, "ngettext": 2}


TEMPLATE_CALL = r"""\b_\(\s*"((?:[^"\\]|\\.)*)"\s*\)"""


def template_messages(source: str) -> list[tuple[int, str | tuple[str, str]]]:
    """Strings passed to _("...") in a Jinja2 template."""
    import re

    found: list[tuple[int, str | tuple[str, str]]] = []
    for match in re.finditer(TEMPLATE_CALL, source):
        text = match.group(1).replace('\\"', '"')
        found.append((source.count("\n", 0, match.start()) + 1, text))
    return found


def source_messages(source: str) -> list[tuple[int, str | tuple[str, str]]]:
    """Strings passed to _(), N_(), gettext() and ngettext() in Python source, f-strings included."""
    import ast

    if source.lstrip().startswith(("{#", "<", "{%")):
        return template_messages(source)

    found: list[tuple[int, str | tuple[str, str]]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        count = KEYWORDS.get(name or "")
        if not count or len(node.args) < count:
            continue
        args = node.args[:count]
        if all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
            values = [a.value for a in args]  # type: ignore[attr-defined]
            found.append((node.lineno, values[0] if count == 1 else (values[0], values[1])))
    return sorted(found, key=lambda item: item[0])


def build_template(root: Path, catalog: "Catalog"):
    """The message template (.pot) as a babel Catalog: report strings, rule texts, metric names."""
    from babel.messages.catalog import Catalog as MessageCatalog

    pot = MessageCatalog(project="kpi-advisor", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for pattern in SOURCE_GLOBS:
        for path in sorted(root.glob(pattern)):
            rel = path.relative_to(root).as_posix()
            for lineno, message in source_messages(path.read_text(encoding="utf-8")):
                text = message if isinstance(message, str) else message[0]
                existing = pot.get(message)
                locations = (existing.locations if existing else []) + [(rel, lineno)]
                pot.add(message, None, locations, flags=("python-brace-format",) if "{" in text else ())
    from .phrases import clauses

    for text, where, what in rule_messages(catalog) + metric_titles(catalog) + model_names(catalog) + clauses(catalog):
        flags = ("python-brace-format",) if "{" in text else ()
        existing = pot.get(text)
        locations = (existing.locations if existing else []) + [(where, None)]
        comments = (existing.auto_comments if existing else []) + [what]
        pot.add(text, None, list(dict.fromkeys(locations)), auto_comments=comments, flags=flags)
    return pot


def _write_catalog(path: Path, message_catalog) -> None:
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, message_catalog, width=100, omit_header=False, sort_output=False, include_lineno=False, ignore_obsolete=True)

    def content(data: bytes) -> list[bytes]:
        return [line for line in data.splitlines() if not line.startswith(b'"POT-Creation-Date:')]

    # Rewriting only a new date would make every run a diff.
    if not path.exists() or content(path.read_bytes()) != content(out.getvalue()):
        path.write_bytes(out.getvalue())


def extract(root: Path) -> list[Path]:
    """Rewrite the .pot from the sources and merge it into every .po; returns the files written."""
    from babel.messages.catalog import Catalog as MessageCatalog
    from babel.messages.pofile import read_po

    from ..loading.catalog import get_catalog

    pot = build_template(root, get_catalog())
    written = [LOCALE_DIR / f"{DOMAIN}.pot"]
    _write_catalog(written[0], pot)
    for lang in LANGUAGES:
        if lang == DEFAULT_LOCALE:
            continue
        path = po_path(lang)
        if path.exists():
            with path.open("rb") as stream:
                po = read_po(stream, locale=lang, domain=DOMAIN)
        else:
            po = MessageCatalog(locale=lang, domain=DOMAIN, project="kpi-advisor", fuzzy=False)
        po.update(pot, update_header_comment=False)
        _write_catalog(path, po)
        written.append(path)
    return written

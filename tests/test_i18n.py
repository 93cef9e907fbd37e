"""Languages: complete catalogs in step with the sources, compiled on first use,
rule texts by their English template with English as the fallback, and numbers
written the way each language writes them."""

from __future__ import annotations

import datetime
import io
import os
import string

import pytest
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_advisor import ConfigError
from kpi_advisor.i18n import messages as i18n
from kpi_advisor.i18n.formatting import current_locale, format_date, format_value, use_locale
from kpi_advisor.loading.catalog import get_catalog
from reporting import ROOT, acme, render

TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != "en"]


def fields(text: str) -> set[str]:
    # {purchases|Bestellung|Bestellungen} is the count's field with the language's own words for it.
    return {name.split("|")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def po(lang: str):
    with i18n.po_path(lang).open("rb") as stream:
        return read_po(stream, locale=lang, domain=i18n.DOMAIN)


def ids(messages) -> set:
    return {m.id for m in messages if m.id}


def test_template_is_in_step_with_the_sources():
    built = i18n.build_template(ROOT, get_catalog())
    with (i18n.LOCALE_DIR / "kpi_advisor.pot").open("rb") as stream:
        shipped = read_po(stream)
    assert ids(built) == ids(shipped), "run: python -m kpi_advisor.commands.regenerate"


def must_translate() -> set:
    """Everything: the report's own words, metric, model and goal names, every shipped rule's
    texts, the profiles' notes and hints and the phrase frames of the engine's sentences."""
    catalog = get_catalog()
    wanted = set()
    for pattern in i18n.SOURCE_GLOBS:
        for path in ROOT.glob(pattern):
            wanted |= {message for _, message in i18n.source_messages(path.read_text(encoding="utf-8"))}
    wanted |= {text for text, _, _ in i18n.metric_titles(catalog) + i18n.model_names(catalog)}
    wanted |= {text for text, _, _ in i18n.rule_messages(catalog)}
    from kpi_advisor.i18n.phrases import clauses

    wanted |= {text for text, _, _ in clauses(catalog)}
    return wanted


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_is_complete_where_it_must_be_and_placeholders_match(lang):
    catalog = po(lang)
    with (i18n.LOCALE_DIR / "kpi_advisor.pot").open("rb") as stream:
        assert ids(catalog) == ids(read_po(stream)), "run: python -m kpi_advisor.commands.regenerate, then translate"
    required = must_translate()
    assert len(required) > 500
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        pairs = zip(message.id, message.string) if isinstance(message.id, tuple) else [(message.id, message.string)]
        for original, translated in pairs:
            if not translated:
                # Every entry, required or not: a catalog with a hole shows half the report in English.
                problems.append(f"untranslated: {original!r}")
            elif fields(translated) != fields(original):
                problems.append(f"placeholders differ: {original!r} -> {translated!r}")
    forms = {"de": 2, "da": 2, "id": 1}[lang]
    assert all(len(m.string) == forms for m in catalog if isinstance(m.id, tuple))
    assert not problems, problems


def test_an_untranslated_rule_text_shows_in_english():
    # A plugin's rule text the catalog does not know stays English rather than vanishing.
    text = "{scope}: a plugin's own message nobody translated"
    assert i18n.Translator("de").template(text) == text


def test_extract_finds_strings_inside_f_strings():
    found = i18n.source_messages('x = f"<p>{e(_(\'Leak\'))}</p>"\ny = view.ngettext("{n} a", "{n} b", 2)\nz = N_("mark")\n')
    assert [message for _, message in found] == ["Leak", ("{n} a", "{n} b"), "mark"]


def test_a_shipped_mo_file_is_read_and_nothing_is_written(tmp_path, monkeypatch):
    # A built wheel has de.mo beside de.po (setup.py); that file is what gets used, as is.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    locales = tmp_path / "locales"
    locales.mkdir()
    text = i18n.po_path("de").read_text(encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", locales)
    (locales / "de.po").write_text(text, encoding="utf-8")
    (locales / "de.mo").write_bytes(i18n.compile_po(text.replace('msgstr "Befunde"', 'msgstr "Ergebnisse"').encode(), "de"))
    import gettext

    assert gettext.GNUTranslations(io.BytesIO(i18n._compiled("de"))).gettext("Findings") == "Ergebnisse"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["de.mo", "de.po", "locales"]


def test_a_checkout_compiles_in_memory_and_sees_an_edited_po(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    locales = tmp_path / "locales"
    locales.mkdir()
    text = i18n.po_path("da").read_text(encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", locales)
    (locales / "da.po").write_text(text, encoding="utf-8")
    assert i18n._compiled("da") == i18n.compile_po(text.encode(), "da")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["da.po", "locales"]


def test_fuzzy_entries_are_not_used():
    text = i18n.po_path("de").read_bytes().replace(b'msgid "Findings"', b'#, fuzzy\nmsgid "Findings"')
    import gettext

    catalog = gettext.GNUTranslations(io.BytesIO(i18n.compile_po(text, "de")))
    assert catalog.gettext("Findings") == "Findings"
    assert catalog.gettext("Goals") == "Ziele"


def test_rule_templates_fall_back_to_english():
    tr = i18n.Translator("de")
    rule = get_catalog().rules["landing-page-leak"]
    assert tr.template(rule.message).startswith("{scope}: Die Anzeigen bringen Besucher ({clicks} Klicks bei {ctr} CTR")
    assert tr.template("A rule from a plugin: {ctr}") == "A rule from a plugin: {ctr}"


def test_a_translation_with_a_foreign_placeholder_is_ignored(monkeypatch):
    class Broken:
        def gettext(self, message):
            return "{unknown} " + message

    monkeypatch.setattr(i18n.Translator, "_catalog", property(lambda self: Broken()))
    assert i18n.Translator("de").template("{ctr} CTR") == "{ctr} CTR"


def test_localize_rules_translates_title_message_recommendation_and_basis():
    rule = get_catalog().rules["landing-page-leak"]
    (german,) = i18n.localize_rules([rule], "de")
    assert german.title == "Klicks kommen an, aber die Landingpage hält sie nicht"
    assert german.recommendation.startswith("Die Landingpage muss halten")
    assert german.impact.basis.startswith("Besuche, die blieben, wenn die Absprungrate auf die Grenze fiele")
    assert german.when == rule.when and german.params == rule.params
    assert i18n.localize_rules([rule], "en") == [rule]
    assert i18n.localize_rules([rule], "de")[0] is german  # one copy per language, so compiled rules are reused


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "facebook: the ads bring people (12,850 clicks at 2.9% CTR against a 0.90% benchmark"),
        ("de", "facebook: Die Anzeigen bringen Besucher (12.850 Klicks bei 2,9\u00a0% CTR gegenüber einem Benchmark von 0,90\u00a0%"),
        ("da", "facebook: annoncerne bringer folk ind (12.850 klik ved 2,9\u00a0% CTR mod en benchmark på 0,90\u00a0%"),
        ("id", "facebook: iklan mendatangkan orang (12.850 klik dengan CTR 2,9% dibanding tolok ukur 0,90%"),
    ],
)
def test_rule_messages_in_four_languages(lang, message):
    assert acme(lang).findings[0].message.startswith(message)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["2.9%", "0.45%", "EUR 13,987", "EUR 2.50", "12,850", "3.46", "118.3", "95s", "n/a"]),
        ("de", ["2,9\u00a0%", "0,45\u00a0%", "13.987\u00a0€", "2,50\u00a0€", "12.850", "3,46", "118,3", "95\u00a0s", "k. A."]),
        ("da", ["2,9\u00a0%", "0,45\u00a0%", "13.987\u00a0€", "2,50\u00a0€", "12.850", "3,46", "118,3", "95\u00a0s", "i/t"]),
        ("id", ["2,9%", "0,45%", "€13.987", "€2,50", "12.850", "3,46", "118,3", "95\u00a0s", "t/a"]),
    ],
)
def test_format_value_per_locale(lang, expected):
    values = [(0.029, "ratio"), (0.0045, "ratio"), (13987.4, "currency"), (2.5, "currency"), (12850, "count"),
              (3.456, "number"), (118.33, "number"), (95, "seconds"), (None, "ratio")]
    assert [format_value(v, unit, "EUR", locale=lang) for v, unit in values] == expected


def test_other_currencies_use_their_own_symbol():
    assert format_value(1250, "currency", "DKK", locale="da") == "1.250\u00a0kr."
    assert format_value(1250000, "currency", "IDR", locale="id") == "Rp1.250.000"
    assert format_value(1250, "currency", "USD", locale="en") == "USD 1,250"


def test_the_locale_context_sets_the_default_and_is_restored():
    assert current_locale() == "en"
    with use_locale("de"):
        assert format_value(0.5, "ratio") == "50,0\u00a0%"
        assert format_date("2026-07-01") == "01.07.2026"
    assert current_locale() == "en" and format_value(0.5, "ratio") == "50.0%"


def test_locale_contexts_nest_and_are_restored_after_an_error():
    with use_locale("de") as outer:
        with use_locale("da") as inner:
            assert (outer, inner, current_locale()) == ("de", "da", "da")
        assert current_locale() == "de"
        with pytest.raises(ValueError), use_locale("id"):
            raise ValueError
        assert current_locale() == "de"
    with use_locale(""):  # no language given: the default
        assert current_locale() == "en"
    assert current_locale() == "en"


def test_language_names_are_checked():
    assert i18n.check_lang("de_DE") == "de" and i18n.check_lang("da-DK") == "da" and i18n.check_lang(None) == "en"
    with pytest.raises(ConfigError, match="unknown language 'fr'; known: en"):
        i18n.check_lang("fr")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_english_report_words_left_in_a_translated_html_report(lang):
    page = render("html", acme(lang), lang=lang)
    for english in ("Where the funnel leaks", "Recommendation", "KPIs that matter", "What a micro action is worth", "Visits without bounce"):
        assert english not in page
    assert os.environ.get("KPI_ADVISOR_LANG") in (None, "en")


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)))
def test_english_dates_are_written_as_babel_writes_them(day):
    from babel.dates import format_date as babel_date

    assert format_date(day, "en") == babel_date(day, format="medium", locale="en")
    assert format_date(day.isoformat(), "en") == format_date(day, "en")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_benchmark_without_a_published_figure_is_said_in_the_report_s_language(lang):
    """A platform no published CTR figure covers is judged on the rule's default; the message
    names that source in its own language, not in English."""
    import kpi_advisor

    records = [{"date": "2026-07-01", "channel": "tiktok", "impressions": 250000, "clicks": 5000, "sessions": 4500,
                "bounces": 3825, "spend": 2000, "purchases": 120}]
    config = {"client": "T", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": records}]}
    english = next(f.message for f in kpi_advisor.evaluate(config).findings if f.rule == "landing-page-leak")
    assert "no published figure for this platform" in english
    message = next(f.message for f in kpi_advisor.evaluate(config, lang=lang).findings if f.rule == "landing-page-leak")
    wanted = i18n.Translator(lang).gettext("no published figure for this platform; the rule's default")
    assert wanted in message and "no published figure" not in message


def test_a_translation_str_format_cannot_fill_safely_falls_back_to_english():
    """A translator's plural word with "." in it, a format spec, or a malformed plural would fail or
    pad every finding: the English template is used instead; a well-formed plural is taken."""
    from kpi_advisor.i18n.messages import _same_fields

    assert _same_fields("{x} orders", "{x} {x|Bestellung|Bestellungen}")
    assert _same_fields("{x} {x|order|orders}", "{x} Bestellungen")
    for bad in ("{x} {x|Std.|Std.}", "{x:>99}", "{x} {x|a}", "{x} {x||b}", "{x} {x|a|b|c}", "{y} {y|a|b}"):
        assert not _same_fields("{x} {x|order|orders}", bad), bad


def test_a_sentence_longer_than_the_frames_take_stays_english(monkeypatch):
    """The frames' lazy parts backtrack polynomially on a crafted sentence (a goal's metric label
    or a file's header is the client's text): past MAX_FRAMED the sentence is left as it is,
    below it the same frame still translates."""
    from kpi_advisor.i18n import phrases
    from kpi_advisor.i18n.phrases import MAX_FRAMED

    tr = i18n.Translator("de")
    real = "Measures the lead generation goal of a B2B company directly"
    assert tr.sentence(real) != real
    crafted = "Measures the a" + " goal of an y directly: x;" * (MAX_FRAMED // 25) + "\x00"
    assert len(crafted) > MAX_FRAMED
    monkeypatch.setattr(phrases, "_compiled_frames", lambda: pytest.fail("a sentence over MAX_FRAMED was matched"))
    assert tr.sentence(crafted) == crafted

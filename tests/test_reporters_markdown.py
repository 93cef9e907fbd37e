"""The Markdown report: well-formed tables, the leak marked, nothing in the data
able to break the page's structure."""

from __future__ import annotations

import re

import pytest
from kpi_advisor.plugins.reports.markdown_report import cell, inline
from reporting import LANGS, ROOT, acme, bare, hostile, render


def tables(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks


def cells(row: str) -> list[str]:
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


@pytest.mark.parametrize("report", [acme(), hostile(), bare()], ids=["acme", "hostile", "bare"])
def test_every_table_row_has_as_many_cells_as_its_header(report):
    text = render("markdown", report)
    found = tables(text)
    assert found
    for table in found:
        width = len(cells(table[0]))
        assert re.fullmatch(r"\|( -{3}:? \|| ---:? \|)+", table[1].replace("---:", "---")), table[1]
        assert all(len(cells(row)) == width for row in table), table


def test_sections_funnel_and_leak():
    text = render("markdown", acme())
    headings = re.findall(r"^(#+) (.*)$", text, flags=re.M)
    assert [h for level, h in headings if level == "##"] == [
        "Where the funnel leaks", "Findings", "KPIs that matter", "Goals", "What a micro action is worth", "Notes"]
    assert "| Visits without bounce | 2,190 | **18.4%** | ⚠ leak: `landing-page-leak` |" in text
    assert "**Leak:** Sessions → Visits without bounce: 18.4% went on." in text
    assert "> **Recommendation:** Make the landing page keep the ad's promise" in text
    assert "**At stake per period:** EUR 11,370 (Sessions: 2,574)" in text
    assert "| grow-instagram (Followers) | ✓ | ✓ | ✓ | ✓ | ✓ | on track | 13,350 / 14,400 |" in text


def test_markdown_characters_in_the_data_are_escaped():
    text = render("markdown", hostile())
    assert text.startswith("# Marketing KPI report: \\<script\\>alert('x')\\</script\\> | \\*Bold\\* \\[link\\](http://evil.example)")
    assert "### face|book \\<b\\>" in text
    assert cell("a|b\nc") == "a\\|b c"
    assert inline("*x* _y_ `z` <b>") == "\\*x\\* \\_y\\_ \\`z\\` \\<b\\>"


@pytest.mark.parametrize("lang", LANGS)
def test_languages(lang):
    text = render("markdown", acme(lang), lang=lang)
    title = {"en": "# Marketing KPI report", "de": "# Marketing-KPI-Bericht", "da": "# Marketing-KPI-rapport", "id": "# Laporan KPI pemasaran"}[lang]
    assert text.startswith(title)


def test_a_rule_that_leaks_on_several_campaigns_is_named_once_on_the_step():
    import kpi_advisor

    rows = [{"channel": "linkedin", "campaign": c, "impressions": 100000, "clicks": 2000, "sessions": 1900, "bounces": 1500}
            for c in ("c1", "c2")]
    report = kpi_advisor.evaluate({"client": "X", "business_model": "b2b", "currency": "USD", "data": [{"records": rows}]})
    assert [f.scope.get("campaign") for f in report.findings if f.rule == "landing-page-leak"] == ["c1", "c2"]
    flags = [line for line in render("markdown", report).splitlines() if "⚠ leak" in line and "landing-page-leak" in line]
    assert flags and all(line.count("`landing-page-leak`") == 1 for line in flags), flags


def test_a_rules_own_figures_are_shown_in_the_units_its_analysis_gives_them():
    # Let values are no metrics of the catalogue: their unit is the one the rule's analysis worked
    # out (a cost in money, a conversion rate as a share), not a guess from the name.
    import kpi_advisor

    page = render("markdown", kpi_advisor.evaluate(ROOT / "examples" / "pocket_sprout.yaml"))
    assert "| Cost per paying customer | USD 87.46 | USD 36.00 |" in page
    assert "| Loss per customer | USD 51.46 |  |" in page
    page = render("markdown", kpi_advisor.evaluate(ROOT / "examples" / "fern_and_pine.yaml"))
    assert "| Conversion rate (first period) | 5.1% |  |" in page  # cr_first, a period of a metric


def test_a_metric_of_its_own_is_not_read_as_another_metric_in_a_period():
    # cpa_good reads as the cost per acquisition of the better quarter of its peers; a metric the
    # catalogue holds under a name like that keeps its own title and unit.
    from dataclasses import replace

    from kpi_advisor.loading.catalog import get_catalog
    from kpi_advisor.plugins.reports.view import ReportView

    catalog = get_catalog()
    view = ReportView(acme(), {"catalog": catalog})
    assert view.metric_title("cpa_good") == "Cost per acquisition (better quarter of its peers)"
    assert view.metric_title("cr_fall") == "Conversion rate (fall since the first period)" and view.unit("cr_fall") == "ratio"
    own = catalog.metrics["ctr"].model_copy(update={"id": "ctr_good", "name": "Good CTR of my own", "unit": "number"})
    mine = replace(catalog, metrics={**catalog.metrics, "ctr_good": own})
    view = ReportView(acme(), {"catalog": mine})
    assert view.metric_title("ctr_good") == "Good CTR of my own" and view.unit("ctr_good") == "number"


def test_every_figure_a_shipped_rule_shows_has_a_name_a_client_reads():
    # A rule's own figure (a let value) is shown by a label in the report's language, or as a
    # metric in a period; never as its id ("cpa_good", "outcome_last").
    from kpi_advisor.loading.catalog import get_catalog
    from kpi_advisor.plugins.reports.view import EVIDENCE_LABELS, STAYED, _period_of

    catalog = get_catalog()
    unnamed = sorted({f"{rule}: {name}" for rule, spec in catalog.specs.items() for name in spec.evidence
                      if name not in catalog.metrics and name not in EVIDENCE_LABELS and name != STAYED
                      and _period_of(name, catalog.metrics)[1] is None})
    assert not unnamed


def test_a_label_names_a_shipped_rules_figure_and_no_other_rules():
    # "drop" is sudden-drop's fall against the expected results; a consultant's rule may mean
    # something else by it, and reads as its own name.
    from dataclasses import replace

    from kpi_advisor.loading.catalog import get_catalog
    from kpi_advisor.plugins.reports.view import ReportView

    catalog = get_catalog()
    mine = replace(catalog, origins={**catalog.origins, "rule:my-drop": str(ROOT / "my_rules.yaml")})
    view = ReportView(acme(), {"catalog": mine})
    assert view.evidence_title("sudden-drop", "drop") == "Fall against the expected results"
    assert view.evidence_title("my-drop", "drop") == "Drop"
    assert view.evidence_title("my-drop", "ctr_first") == "CTR (first period)"

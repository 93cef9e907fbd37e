"""docs/rules.md and docs/benchmarks.md stay true: every rule pack on the page passes its
own examples, every config fragment is accepted, every command prints what the page shows,
and the tables list exactly what is shipped."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpi_advisor import evaluate
from kpi_advisor.cli import cli
from kpi_advisor.commands.ruletest import run_examples
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.plugins.benchmarks import BENCHMARKS

DOCS = Path(__file__).resolve().parents[1] / "docs"
RULES_DOC = (DOCS / "rules.md").read_text(encoding="utf-8")
BENCH_DOC = (DOCS / "benchmarks.md").read_text(encoding="utf-8")


def blocks(text, language):
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


PACKS = [b for b in blocks(RULES_DOC, "yaml") if re.search(r"^pack:", b, flags=re.M)]
FRAGMENTS = [b for b in blocks(RULES_DOC, "yaml") + blocks(BENCH_DOC, "yaml") if b.startswith("# config fragment") or b.startswith("benchmarks:")]
CONSOLE = blocks(RULES_DOC, "console")


def test_the_page_has_examples_of_each_kind():
    assert len(PACKS) >= 5 and len(FRAGMENTS) >= 3 and len(CONSOLE) >= 2


@pytest.mark.parametrize("pack", PACKS, ids=lambda b: re.search(r"^pack: (\S+)", b, flags=re.M).group(1))
def test_doc_rule_pack_passes_its_examples(pack, tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text(pack, encoding="utf-8")
    results = run_examples([path], get_catalog())
    assert results and all(r.passed for r in results), [(r.rule, r.kind, r.name, r.detail) for r in results if not r.passed]
    assert {r.kind for r in results} == {"fire", "quiet"}


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_doc_config_fragment_is_accepted(fragment, tmp_path):
    config = tmp_path / "client.yaml"
    config.write_text(
        "client: Doc\nbusiness_model: dtc_ecommerce\ncurrency: USD\n"
        "data: [{records: [{channel: facebook, impressions: 1000, clicks: 20, spend: 30, purchases: 1}]}]\n" + fragment,
        encoding="utf-8",
    )
    evaluate(str(config))


@pytest.mark.parametrize("console", CONSOLE)
def test_doc_commands_print_what_the_page_shows(console, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_rules.yaml").write_text(PACKS[0], encoding="utf-8")
    lines = console.strip().splitlines()
    command = lines[0].removeprefix("$ kpi-advisor ").split()
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    shown = lines[1:]
    assert shown == result.output.splitlines()[: len(shown)]


def test_shipped_rules_table_lists_every_rule():
    catalog = get_catalog()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (\w+) \| (\w+) \| (\w+) \|$", RULES_DOC, flags=re.M)
    listed = {rule_id: (stage, severity, Path(catalog.origins["rule:" + rule_id]).stem) for rule_id, stage, severity, _ in rows}
    assert len(rows) == len(listed)
    assert listed == {r.id: (r.stage, r.severity, Path(catalog.origins["rule:" + r.id]).stem) for r in catalog.rules.values()}
    assert {rule_id: pack for rule_id, _, _, pack in rows} == {rule_id: v[2] for rule_id, v in listed.items()}


def _number(text, unit_is_ratio):
    if not text:
        return None
    return float(text.rstrip("%")) / 100 if text.endswith("%") else float(text)


def test_benchmark_table_matches_the_shipped_figures():
    rows = re.findall(r"^\| `(\w+)` \| (.*) \|$", BENCH_DOC, flags=re.M)
    documented = []
    for metric, rest in rows:
        platform, objective, industry, value, spread, currency, source, year, definition = [c.strip() for c in rest.split(" | ")]
        low, high = spread.split("-") if spread else ("", "")
        documented.append({
            "metric": metric, "platform": platform, "objective": objective, "industry": industry,
            "value": pytest.approx(_number(value, True)), "low": _number(low, True), "high": _number(high, True),
            "currency": currency or None, "source": source, "year": int(year), "definition": definition,
        })
    shipped = [{**b, "low": pytest.approx(b["low"]) if b["low"] is not None else None,
                "high": pytest.approx(b["high"]) if b["high"] is not None else None} for b in BENCHMARKS]
    assert documented == shipped


def test_doc_money_example_arithmetic(tmp_path):
    from kpi_advisor.commands.ruletest import _rules_from, example_findings
    from kpi_advisor.evaluation.rules import Economy

    pack = next(b for b in PACKS if "pack: money_checks" in b)
    path = tmp_path / "money.yaml"
    path.write_text(pack, encoding="utf-8")
    rules, catalog = _rules_from([path], get_catalog())
    records = rules[0].rule.examples.fire[0].records
    findings, _ = example_findings(rules, records, catalog, economy=Economy(currency="USD", customer_value=100))
    impact = findings[0].impact
    assert "600 more visits at 2% visit-to-order are 12 orders" in " ".join(RULES_DOC.split())
    assert (impact.value, impact.money) == (600, 12 * 100)

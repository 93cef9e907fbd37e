"""Inputs inside every limit, crafted so that work grows faster than they do.

A red team found configs and data of a few hundred kilobytes that took 20-60 s: each finding
looking at every data question, the columns of hundreds of let values each made against all of
them, every report of a portfolio checked against every config again. Each case runs in a child
process whose CPU time is bounded several times above what it needs now and several times below
what it took, so a quadratic step that comes back ends the child instead of passing slowly; the
portfolio's checks are counted instead.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHILD = """
import resource
resource.setrlimit(resource.RLIMIT_CPU, ({seconds}, {seconds}))
import kpi_advisor
{body}
print("ok")
"""


def run_bounded(body: str, seconds: int, tmp_path) -> None:
    pytest.importorskip("resource", reason="the CPU bound needs POSIX resource limits")
    code = CHILD.format(seconds=seconds, body=textwrap.dedent(body))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-2000:] or f"killed (status {done.returncode})"


def test_findings_find_their_data_question_by_scope(tmp_path):
    # 10,000 accounts, each with an implausible CTR (a data question) and findings judged on it:
    # 22 s when each finding looked at every question, ~1.5 s now.
    run_bounded("""
        rows = [{"account": f"a{i}", "channel": "facebook", "date": "2026-07-01", "impressions": 2_000_000, "clicks": 20,
                 "spend": 100} for i in range(10_000)]
        report = kpi_advisor.evaluate({"client": "X", "business_model": "dtc_ecommerce", "currency": "EUR", "data": [{"records": rows}]})
        questions = [f for f in report.findings if f.rule == "implausible-platform-figures"]
        assert len(questions) == 10_000 and all(f.members for f in questions)
    """, seconds=8, tmp_path=tmp_path)


def test_hundreds_of_let_values_are_staged_in_linear_time(tmp_path):
    # 120 rules of 200 let values each: ~22 s when every column's reads were taken against a set
    # made again for it, ~2.5 s now.
    rules = []
    for j in range(120):
        lets = "".join(f"      l{i}: '{'clicks + 1' if i == 0 else f'l{i - 1} + clicks'}'\n" for i in range(200))
        rules.append(f"  - id: r{j}\n    title: T\n    stage: interest\n    severity: low\n    levels: [campaign, channel]\n"
                     f"    let:\n{lets}    when: 'l199 < -{j}'\n    message: m\n    recommendation: r\n    rationale: r\n    source: s\n")
    (tmp_path / "pack.yaml").write_text("pack: lets\nrules:\n" + "".join(rules))
    run_bounded("""
        rows = [{"channel": "facebook", "campaign": f"c{i}", "impressions": 10000, "clicks": 300} for i in range(10)]
        report = kpi_advisor.evaluate({"client": "X", "business_model": "dtc_ecommerce", "rules": {"packs": ["pack.yaml"]},
                                       "data": [{"records": rows}]})
        assert not [f for f in report.findings if f.rule.startswith("r")]
    """, seconds=10, tmp_path=tmp_path)


def test_a_portfolio_looks_at_each_config_once(tmp_path, monkeypatch):
    """Each report is checked against every config of the portfolio (none may be written over), and
    each config is looked at once for all of them: 500 clients were a million looks and 20 s."""
    from click.testing import CliRunner

    from kpi_advisor.cli import cli
    from kpi_advisor.commands import output

    clients = 40
    folder = tmp_path / "clients"
    folder.mkdir()
    for n in range(clients):
        (folder / f"c{n}.yaml").write_text(f"client: C{n}\nbusiness_model: dtc_ecommerce\ndata:\n"
                                           "  - records: [{channel: facebook, impressions: 1000, clicks: 20}]\n")
    looks = []
    real = output._file_keys
    monkeypatch.setattr(output, "_file_keys", lambda path: looks.append(path) or real(path))
    result = CliRunner().invoke(cli, ["run", str(folder), "-o", str(tmp_path / "out"), "--format", "json", "-q", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").glob("c*.json"))) == clients
    assert len(looks) <= 10 * clients, len(looks)


def test_names_alike_by_the_thousand_are_counted_not_paired(tmp_path):
    # 4,000 campaigns a side that all read alike ('x-.' and 'x--'), under google_ads in the
    # analytics and google_pmax in the ads: every pair was made, 16 million, 9 s and 2.2 GiB.
    def name(i: int, end: str) -> str:
        return "x" + format(i, "b").replace("0", "-").replace("1", "_") + end

    (tmp_path / "ads.csv").write_text("date,channel,campaign,impressions,clicks,spend\n"
                                      + "".join(f"2026-07-01,google_pmax,{name(i, '-')},1000,10,5\n" for i in range(4000)))
    (tmp_path / "ga.csv").write_text("date,channel,campaign,sessions\n" + "".join(f"2026-07-01,google_ads,{name(i, '.')},9\n" for i in range(4000)))
    run_bounded("""
        report = kpi_advisor.evaluate({"client": "X", "business_model": "dtc_ecommerce", "data": [{"csv": "ads.csv"}, {"csv": "ga.csv"}]})
        [warning] = [w for w in report.warnings if "look like one that" in w]
        assert "4000 campaigns under google_ads" in warning and "and 15999997 more" in warning, warning
    """, seconds=5, tmp_path=tmp_path)


def test_hundreds_of_metrics_that_read_the_ones_before_are_worked_out_in_linear_time(tmp_path):
    # 880 config metrics, each a 1,000-character max() over the five before it: their base counts
    # took seconds (each metric walked every metric under it, and the memo of 512 kept emptying
    # and parsing the formulas again: `validate` 7.4 s, `run` 28 s), ~1.5 s now.
    lines = []
    for j in range(880):
        previous = [f"m{k}" for k in range(max(0, j - 5), j)] or ["clicks"]
        terms: list[str] = []
        while len("max(" + ", ".join(terms) + ")") < 980:
            terms.append(previous[len(terms) % len(previous)])
        lines.append(f"  - {{id: m{j}, formula: 'max({', '.join(terms[:-1])})', stage: interest}}\n")
    (tmp_path / "config.yaml").write_text("client: X\nbusiness_model: dtc_ecommerce\ndata:\n"
                                          "  - records: [{channel: facebook, impressions: 1000, clicks: 20}]\nmetrics:\n" + "".join(lines))
    run_bounded("""
        from kpi_advisor.loading.prepare import load_config, prepare
        catalog = prepare(load_config("config.yaml")).catalog
        assert all(catalog.base_inputs(f"m{j}") == ["clicks"] for j in range(880))  # what the metric tables ask
    """, seconds=5, tmp_path=tmp_path)


def test_many_sources_are_compared_pair_by_pair_not_count_by_count(tmp_path):
    # 40 sources of 20 rows, each giving every summed count of the catalogue on a channel of its
    # own: the double-count check ran 3 queries per pair of sources and count they share (~40 s at
    # 40 sources, over 2 minutes at the limit of 100), now a join per pair (~2 s).
    from kpi_advisor.loading.catalog import get_catalog

    counts = sorted(m.id for m in get_catalog().metrics.values() if not m.derived and m.combine == "sum" and m.unit == "count")[:60]
    data = []
    for k in range(40):
        rows = "".join(f"2026-07-{1 + i % 28:02d},ch{k},c{i}," + ",".join("10" for _ in counts) + "\n" for i in range(20))
        (tmp_path / f"s{k}.csv").write_text("date,channel,campaign," + ",".join(counts) + "\n" + rows)
        data.append({"csv": f"s{k}.csv"})
    run_bounded(f"""
        report = kpi_advisor.evaluate({{"client": "X", "business_model": "dtc_ecommerce", "data": {data!r}}})
        assert report.client == "X"  # the sources meet on no scope: nothing is counted twice
    """, seconds=12, tmp_path=tmp_path)


def test_a_report_names_a_bounded_number_of_overlapping_findings(tmp_path):
    # 950 valued rules on one account with a 1,000-character name, and a valued campaign rule on a
    # third of 1,500 campaigns: each campaign finding listed all 950 account findings, each naming
    # the account (508 MB of JSON, 1.1 GiB, 3.9 s). Now 20 names each and a count: 14 MB, 1.8 s.
    rule = ("  - id: {id}\n    title: T\n    stage: interest\n    severity: low\n    levels: [{level}]\n    when: {when}\n"
            "    evidence: [spend]\n    impact: {{metric: spend, formula: spend * 0.1, basis: b}}\n    message: m\n"
            "    recommendation: r\n    rationale: r\n    source: s\n")
    rules = [rule.format(id=f"t{j}", level="account", when="spend > 0") for j in range(950)]
    (tmp_path / "pack.yaml").write_text("pack: overlaps\nrules:\n" + "".join(rules) + rule.format(id="camp", level="campaign", when="clicks > 300"))
    run_bounded("""
        rows = [{"account": "A" * 1000, "channel": "facebook", "campaign": f"c{i}", "impressions": 10000,
                 "clicks": 301 if i % 3 == 0 else 300, "spend": 500} for i in range(1500)]
        report = kpi_advisor.evaluate({"client": "X", "business_model": "dtc_ecommerce", "currency": "EUR",
                                       "rules": {"packs": ["pack.yaml"]}, "data": [{"records": rows}]})
        campaigns = [f for f in report.findings if f.rule == "camp"]
        assert len(campaigns) == 500 and all(len(f.impact.overlaps) == 20 and f.impact.overlaps_more == 930 for f in campaigns)
        assert len(report.model_dump_json()) < 50_000_000
    """, seconds=20, tmp_path=tmp_path)

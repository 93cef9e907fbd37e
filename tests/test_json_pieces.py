"""A JSON report written in pieces (``ReportFormat.pieces``: its findings and its scopes' metrics)
is the same text as the report written whole, wherever the pieces break; ``-o`` writes a file
piece by piece, and a stream gets the whole text or nothing."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import kpi_advisor
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from kpi_advisor.cli import cli
from kpi_advisor.commands.output import write_output
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.models.report import json_pieces, to_json
from kpi_advisor.plugincalls import render_pieces, render_report

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "examples" / "northwind_coffee.yaml"
# Names that spell the findings' key, quotes, a line break and a control character: all escaped
# inside their strings, so the report's own key is still found once.
ODD = {
    "client": 'odd "findings": [] client',
    "business_model": "dtc_ecommerce",
    "currency": "EUR",
    "data": [{"records": [
        {"channel": f'c{i} "findings": []\n', "campaign": f'x\n  "findings": [] {i}\x1b', "impressions": 100000, "clicks": 3000,
         "sessions": 2900, "bounces": 2600 - 10 * i, "purchases": 3, "spend": 900.0, "revenue": 100.0}
        for i in range(12)
    ]}],
}


@functools.cache
def _report(source):
    return kpi_advisor.evaluate(source if isinstance(source, Path) else dict(ODD))


@pytest.mark.parametrize("source", [SHOP, "odd"], ids=["shop", "odd-names"])
def test_the_pieces_are_the_report_wherever_they_break(source):
    report = _report(source)
    whole = to_json(report)
    lists = [report.findings, report.metrics]
    assert len(report.findings) > 3 and len(report.metrics) > 3
    longest = max(map(len, lists))
    for per_piece in sorted({1, 2, 3, *(len(entries) + d for entries in lists for d in (-1, 0, 1))}):
        pieces = list(json_pieces(report, per_piece))
        assert "".join(pieces) == whole
        # whole, or per list its opening and its pieces, then the rest of the report
        assert len(pieces) == (1 if per_piece >= longest else 1 + sum(1 + -(-len(entries) // per_piece) for entries in lists))


@given(st.integers(min_value=1, max_value=60))
def test_any_piece_size_gives_the_same_text(per_piece):
    report = _report("odd")
    assert "".join(json_pieces(report, per_piece)) == to_json(report)


def test_no_findings_is_one_piece():
    report = kpi_advisor.evaluate({"client": "quiet", "business_model": "dtc_ecommerce", "data": [{"records": [{"clicks": 1, "impressions": 10}]}]})
    assert report.findings == []
    assert list(json_pieces(report, 1)) == [to_json(report)]


def test_metrics_alone_are_written_in_pieces():
    rows = [{"channel": f"c{i}", "clicks": 1, "impressions": 10} for i in range(5)]
    report = kpi_advisor.evaluate({"client": "quiet", "business_model": "dtc_ecommerce", "data": [{"records": rows}]})
    assert report.findings == [] and len(report.metrics) == 6
    pieces = list(json_pieces(report, 2))
    assert "".join(pieces) == to_json(report)
    assert len(pieces) == 1 + 1 + 3  # the report up to its metrics, three pieces of them, the rest


def test_the_pieces_word_the_findings_a_run_left_unworded():
    from kpi_advisor.loading.prepare import load_config, prepare
    from kpi_advisor.pipeline import run_pipeline

    prepared = prepare(load_config(SHOP))
    later, now = run_pipeline(prepared, words=False), run_pipeline(prepared, words=True)
    assert "".join(json_pieces(later, 2)) == to_json(now)


def test_the_command_line_writes_a_file_in_pieces_with_the_same_text(tmp_path, monkeypatch):
    import kpi_advisor.models.report as report_module

    monkeypatch.setattr(report_module.json_pieces, "__defaults__", (2,))  # pieces of two findings
    target = tmp_path / "report.json"
    written = CliRunner().invoke(cli, ["run", str(SHOP), "--format", "json", "-o", str(target), "-q"])
    printed = CliRunner().invoke(cli, ["run", str(SHOP), "--format", "json", "-q"])  # stdout: the same pieces, held until all are made
    assert written.exit_code == printed.exit_code == 0, written.output
    assert target.read_text() == printed.stdout
    catalog = get_catalog()
    report = kpi_advisor.evaluate(SHOP)
    assert len(list(render_pieces(catalog, "json", report, {}))) > 3
    assert "".join(render_pieces(catalog, "json", report, {})) == render_report(catalog, "json", report, {})


def test_a_stream_gets_the_whole_text_or_nothing():
    def pieces():
        yield "first half, "
        raise RuntimeError("made no second half")

    out = io.StringIO()
    with pytest.raises(RuntimeError):
        write_output("-", pieces(), stdout=out)
    assert out.getvalue() == ""
    write_output("-", iter(["one, ", "two"]), stdout=out)
    assert out.getvalue() == "one, two"

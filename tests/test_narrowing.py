"""At scale the engine lets go of what it no longer reads: the rows' counts that no trend reads
once the level tables are summed, and the campaign and ad tables' columns no roll-up reads once
every level has fired (bench/NOTES.md, session 24). Letting go must not change a report."""

from __future__ import annotations

import datetime as dt
import json

import kpi_advisor.pipeline as pipeline
import pytest
from kpi_advisor import evaluate
from kpi_advisor.data.sources import Dataset
from kpi_advisor.models.report import to_json


def _records() -> list[dict]:
    """Three campaigns of five ads over six weeks: every ad of C0 is seen and not clicked (its ads'
    findings roll up into the campaign), C1's visits bounce, and C2's conversion rate falls in
    the last three weeks (a trend rule, read from the rows)."""
    out = []
    for campaign in range(3):
        for ad in range(5):
            for day in range(42):
                impressions = 2000 + (day * 37 + ad * 11) % 200
                clicks = int(impressions * (0.002 if campaign == 0 else 0.02))
                sessions = int(clicks * 0.9)
                purchases = int(sessions * (0.01 if campaign == 2 and day >= 21 else 0.05))
                out.append({"date": (dt.date(2026, 7, 1) + dt.timedelta(day)).isoformat(), "channel": "facebook",
                            "campaign": f"C{campaign}", "ad": f"C{campaign}-A{ad}", "impressions": impressions, "clicks": clicks,
                            "spend": round(impressions * 0.01, 2), "sessions": sessions,
                            "bounces": int(sessions * (0.9 if campaign == 1 else 0.4)), "purchases": purchases,
                            "revenue": purchases * 40.0, "likes": 3, "comments": 1, "shares": 0, "video_views": 100})
    return out


CONFIG = {"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR", "economics": {"customer_value": 80},
          "goals": [{"id": "sales", "objective": "sales", "metric": "purchases", "channel": "facebook", "target": 9000,
                     "by": "2026-12-31"}],
          "data": [{"records": _records()}]}


def test_letting_go_of_what_is_no_longer_read_changes_no_report(monkeypatch):
    kept: list[list[str]] = []
    narrowed: list[tuple[str, int, int]] = []
    keep_counts, narrow = Dataset.keep_counts, pipeline._narrow_unreported

    def record_keep(self, counts):
        keep_counts(self, counts)
        kept.append([c for c in self.frame.columns if c not in self.dims])

    def record_narrow(tables, specs, catalog):
        before = {level: table.frame.width for level, table in tables.items() if table is not None}
        narrow(tables, specs, catalog)
        narrowed.extend((level, before[level], table.frame.width) for level, table in tables.items() if table is not None)

    monkeypatch.setattr(Dataset, "keep_counts", record_keep)
    monkeypatch.setattr(pipeline, "_narrow_unreported", record_narrow)
    report = evaluate(CONFIG)
    fired = {(f.rule, tuple(f.scope.values()), bool(f.members)) for f in report.findings}
    # What the case is for: a roll-up of ads into their campaign, and a trend rule read from the rows.
    assert ("creative-not-resonating", ("facebook", "C0"), True) in fired
    assert ("falling-conversion-rate", ("facebook", "C2"), False) in fired
    # The rows kept the counts the trends read, and no more (10 counts were read).
    assert kept and set(kept[0]) < {"impressions", "clicks", "spend", "sessions", "bounces", "purchases", "revenue", "likes", "comments",
                                     "shares", "video_views"}
    assert "purchases" in kept[0]
    # The campaign and ad tables were narrowed; the reported levels were not.
    widths = {level: (before, after) for level, before, after in narrowed}
    assert widths["campaign"][1] < widths["campaign"][0] and widths["ad"][1] < widths["ad"][0]
    assert widths["channel"][0] == widths["channel"][1]

    monkeypatch.setattr(Dataset, "keep_counts", lambda self, counts: None)
    monkeypatch.setattr(pipeline, "_narrow_unreported", lambda tables, specs, catalog: None)
    for finding in report.findings:
        finding.worded()
    whole = evaluate(CONFIG)
    for finding in whole.findings:
        finding.worded()
    assert to_json(report) == to_json(whole)


@pytest.mark.parametrize("compare_previous", [False, True])
def test_the_rows_keep_every_count_where_the_kpi_comparison_reads_them(compare_previous):
    from kpi_advisor.loading.prepare import load_config, prepare

    prepared = prepare(load_config(CONFIG))
    read = pipeline._rows_read_later(prepared, compare_previous)
    if compare_previous:
        assert read is None
    else:
        # falling-conversion-rate and the other trend rules read these; the reach and likes no trend reads
        assert {"purchases", "sessions", "spend"} <= read and not {"likes", "comments"} & read


def test_findings_hold_what_they_share_once():
    """An agency's findings repeat their account's and channel's names and a rule's thresholds:
    each is held once, not once a finding (bench/NOTES.md, session 24)."""
    rows = [{"channel": "facebook", "campaign": f"C{c}", "impressions": 50000, "clicks": 1000, "spend": 500.0, "sessions": 900,
             "bounces": 800 if c in (1, 3) else 300} for c in range(6)]  # two of six campaigns leak: no roll-up
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR", "data": [{"records": rows}]})
    first, second = [f for f in report.findings if f.rule == "landing-page-leak"]
    assert (first.scope["campaign"], second.scope["campaign"]) in {("C1", "C3"), ("C3", "C1")}
    assert first.thresholds == second.thresholds and first.thresholds is second.thresholds
    assert first.scope["channel"] is second.scope["channel"]


def _same_with_and_without_letting_go(monkeypatch, config) -> dict:
    """The report's JSON with the rows and tables narrowed, checked against it without; the report."""
    narrowed = evaluate(config)
    with monkeypatch.context() as patched:
        patched.setattr(Dataset, "keep_counts", lambda self, counts: None)
        patched.setattr(pipeline, "_narrow_unreported", lambda tables, specs, catalog: None)
        whole = evaluate(config)
    assert to_json(narrowed) == to_json(whole)
    return json.loads(to_json(narrowed))


PACK_HEAD = "pack: custom\ndescription: test\nrules:\n"
RULE_TAIL = "    message: \"{scope}: {video_view_rate} view rate.\"\n    recommendation: Fix it.\n    rationale: test\n    source: test\n"


def test_a_roll_up_keeps_the_counts_of_a_paired_ratio_in_its_evidence(tmp_path, monkeypatch):
    """A custom rule showing only a ratio: its campaign roll-up shows the counts the ratio is
    paired from (C0-X has no video views), which no rule names; they must stay in the ad table."""
    (tmp_path / "pack.yaml").write_text(PACK_HEAD + "  - id: ad-video-rate\n    title: Low video views\n    stage: awareness\n"
                                        "    severity: medium\n    levels: [ad, campaign]\n    when: video_view_rate <= max_rate\n"
                                        "    params: {max_rate: 0.2}\n    thresholds: {video_view_rate: max_rate}\n"
                                        "    evidence: [video_view_rate]\n" + RULE_TAIL)
    rows = [{"channel": "facebook", "campaign": f"C{c}", "ad": f"C{c}-A{a}", "impressions": 10000, "clicks": 300,
             "video_views": 1000 if c == 0 else 5000} for c in range(2) for a in range(5)]
    rows.append({"channel": "facebook", "campaign": "C0", "ad": "C0-X", "impressions": 40000, "clicks": 10})
    config = {"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR", "rules": {"packs": [str(tmp_path / "pack.yaml")]},
              "data": [{"records": rows}]}
    report = _same_with_and_without_letting_go(monkeypatch, config)
    [rolled] = [f for f in report["findings"] if f["rule"] == "ad-video-rate"]
    assert rolled["scope"] == {"channel": "facebook", "campaign": "C0"} and rolled["members"]
    assert rolled["evidence"]["video_views"] == 5000.0 and rolled["evidence"]["impressions"] == 50000.0


def test_a_trend_that_names_a_dimension_reads_the_rows_it_kept(tmp_path, monkeypatch):
    (tmp_path / "pack.yaml").write_text(PACK_HEAD + "  - id: dim-trend\n    title: A trend that names the channel\n"
                                        "    stage: interest\n    severity: medium\n    levels: [channel]\n"
                                        "    when: change(if_else(one_of(channel, \"facebook\"), ctr, cpc)) > 0.1\n"
                                        "    message: \"{scope}: rising.\"\n    recommendation: Fix it.\n    rationale: test\n    source: test\n")
    rows = [{"date": (dt.date(2026, 1, 1) + dt.timedelta(d)).isoformat(), "channel": channel, "impressions": 10000,
             "clicks": 100 + d, "spend": 50.0, "likes": 5, "sessions": 90} for channel in ("facebook", "instagram") for d in range(120)]
    config = {"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR", "rules": {"packs": [str(tmp_path / "pack.yaml")]},
              "data": [{"records": rows}]}
    report = _same_with_and_without_letting_go(monkeypatch, config)
    assert "dim-trend" in report["summary"]["by_rule"]


def test_data_without_dimensions_keeps_its_row_count(monkeypatch):
    report = _same_with_and_without_letting_go(monkeypatch, {"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR",
                                                             "data": [{"records": [{"likes": 10, "comments": 2, "shares": 1}]}]})
    assert report["summary"]["rows"] == 1

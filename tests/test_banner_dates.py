"""An export without a date column is dated by the days its banner or comment lines name
(Google Ads' "July 1, 2026 - July 31, 2026", LinkedIn's "Report Start:" and "Report End:",
GA4's "# Start date:" and "# End date:"): every row covers that range, as a Meta row covers
"Reporting starts" to "Reporting ends". The report then states the period the numbers are
from, a config period inside the range is told the rows cannot be split, and one outside it
finds no data, where before the rows counted for whatever period the config named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kpi_advisor import ConfigError, evaluate
from kpi_advisor.plugins.adapters.reading import banner_range

DATA = Path(__file__).parent / "data"
GOOGLE = DATA / "google_ads" / "campaign_report.csv"
LINKEDIN = DATA / "linkedin_ads" / "demographics_job_function.csv"
GA4 = DATA / "ga4" / "landing_page_device.csv"
META = DATA / "meta_ads" / "ads_daily_en.csv"
JULY = {"start": "2026-07-01", "end": "2026-07-31"}


def run(*sources, period=None, model="dtc_ecommerce", currency="USD"):
    config = {"client": "t", "business_model": model, "currency": currency, "data": list(sources)}
    if period:
        config["period"] = period
    return evaluate(config)


def source(path, fmt, **options):
    return {"csv": str(path), "format": fmt, "name": Path(path).name, **({"options": options} if options else {})}


@pytest.mark.parametrize(("path", "fmt", "model", "currency"), [
    (GOOGLE, "google_ads", "dtc_ecommerce", "USD"),
    (LINKEDIN, "linkedin_ads", "b2b", "USD"),
    (GA4, "ga4", "dtc_ecommerce", "USD"),
])
def test_an_undated_export_covers_the_days_its_banner_names(path, fmt, model, currency):
    report = run(source(path, fmt), model=model, currency=currency)
    assert report.period == JULY
    assert f"{path.name}: no date column; every row covers 2026-07-01 to 2026-07-31, the days named above the header" in report.warnings


def test_the_banners_days_change_no_number(tmp_path):
    path = tmp_path / GOOGLE.name
    path.write_text(GOOGLE.read_text(encoding="utf-8").replace('"July 1, 2026 - July 31, 2026"\n', ""), encoding="utf-8")
    dated, undated = run(source(GOOGLE, "google_ads")), run(source(path, "google_ads"))
    assert undated.period is None and dated.period == JULY
    assert [m.values for m in dated.metrics] == [m.values for m in undated.metrics]
    assert [(f.rule, f.scope, f.evidence) for f in dated.findings] == [(f.rule, f.scope, f.evidence) for f in undated.findings]
    assert dated.metrics[0].values["impressions"] == 45678 + 98120 + 210400 + 154300 + 88210


def test_a_config_period_inside_the_banners_days_is_told_the_rows_cannot_be_split():
    report = run(source(GOOGLE, "google_ads"), period={"start": "2026-07-01", "end": "2026-07-21"})
    assert report.period == {"start": "2026-07-01", "end": "2026-07-21"}
    assert any("5 rows run across the period's end (2026-07-01 to 2026-07-31)" in w for w in report.warnings), report.warnings


def test_a_config_period_outside_the_banners_days_finds_no_data():
    # Before, the July rows were evaluated as August's.
    with pytest.raises(ConfigError, match=r"no data in the period 2026-08-01 to 2026-08-31: every row of campaign_report.csv is dated outside it"):
        run(source(GOOGLE, "google_ads"), period={"start": "2026-08-01", "end": "2026-08-31"})


def test_a_date_column_wins_over_the_banner(tmp_path):
    text = GOOGLE.read_text(encoding="utf-8").replace("Campaign status,", "Day,Campaign status,")
    lines = text.splitlines()
    lines = lines[:3] + ["2026-07-05," + line for line in lines[3:8]]  # the five campaigns, without the Total rows
    path = tmp_path / "daily.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run(source(path, "google_ads"))
    assert report.period == {"start": "2026-07-05", "end": "2026-07-05"}
    assert not any("no date column" in w for w in report.warnings)


def test_a_banner_without_days_leaves_the_rows_undated(tmp_path):
    path = tmp_path / "all_time.csv"
    path.write_text(GOOGLE.read_text(encoding="utf-8").replace('"July 1, 2026 - July 31, 2026"', "All time"), encoding="utf-8")
    report = run(source(path, "google_ads"))
    assert report.period is None
    assert not any("no date column" in w for w in report.warnings)


def test_range_rows_beside_daily_rows_of_other_days_are_named():
    # GA4's sessions over July beside two days of Meta's clicks: no visit rate to be had.
    report = run(source(META, "meta_ads"), source(GA4, "ga4", ignore=["Total revenue", "Key events"]))
    gap = [w for w in report.warnings if "do not cover the same days" in w]
    assert gap == ["ads_daily_en.csv (2026-07-01 to 2026-07-02) and landing_page_device.csv (2026-07-01 to 2026-07-31) do not "
                   "cover the same days, and a row over several days cannot be split: ratios that combine both (such as "
                   "sessions per click) set one's days against the other's; export both for the same dates"]


def test_range_rows_beside_daily_rows_of_the_same_days_are_not_named(tmp_path):
    # The must-not twin: GA4 exported for exactly the two days the Meta file has.
    path = tmp_path / "landing.csv"
    path.write_text(GA4.read_text(encoding="utf-8").replace("# End date: 20260731", "# End date: 20260702"), encoding="utf-8")
    report = run(source(META, "meta_ads"), source(path, "ga4", ignore=["Total revenue", "Key events"]))
    assert not any("do not cover the same days" in w for w in report.warnings), report.warnings


@pytest.mark.parametrize(("lines", "formats", "expected"), [
    (["Campaign report", '"July 1, 2026 - July 31, 2026"'], (), ("2026-07-01", "2026-07-31")),
    (["Jul 1, 2026 \u2013 Jul 31, 2026"], (), ("2026-07-01", "2026-07-31")),
    # A sheet saved as CSV (or read from a workbook): the empty cells under the header's follow.
    (["Campaign report,,,,", '"July 1, 2026 - July 31, 2026",,,,'], (), ("2026-07-01", "2026-07-31")),
    (['Report Start: "7/1/2026, 12:00 AM";;', 'Report End: "7/2/2026, 11:59 PM"\t\t'], ("%m/%d/%Y",), ("2026-07-01", "2026-07-02")),
    (["1 July 2026 - 31 July 2026"], (), ("2026-07-01", "2026-07-31")),
    (["Kampagnenbericht", "1. M\u00e4rz 2026 - 31. M\u00e4rz 2026"], (), ("2026-03-01", "2026-03-31")),
    (['Report Start: "7/1/2026, 12:00 AM"', 'Report End: "7/2/2026, 11:59 PM"', 'Date Generated: "8/3/2026, 9:14 AM"'],
     ("%m/%d/%Y",), ("2026-07-01", "2026-07-02")),
    (["# Start date: 20260701", "# End date: 20260731"], ("%Y%m%d",), ("2026-07-01", "2026-07-31")),
    (["Campaign report", "All time"], (), None),
    (["July 31, 2026 - July 1, 2026"], (), None),  # backwards: no range
    (["Report Start: 7/1/2026"], ("%m/%d/%Y",), None),  # no end
    (["Campaign report - 2026"], (), None),
    ([], (), None),
])
def test_banner_range(lines, formats, expected):
    found = banner_range(lines, formats)
    assert (found and tuple(day.isoformat() for day in found)) == expected


@given(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), st.integers(0, 400),
       st.sampled_from(["{:%B} {}, {:%Y}", "{:%b} {}, {:%Y}", "{} {:%B} {:%Y}"]))
def test_banner_range_reads_back_what_a_banner_writes(first, days, pattern):
    last = first + dt.timedelta(days=days)

    def written(day: dt.date) -> str:
        return pattern.format(day, day.day, day) if pattern.startswith("{:") else pattern.format(day.day, day, day)

    assert banner_range([f"{written(first)} - {written(last)}"], ()) == (first, last)


@pytest.mark.parametrize("lang", ["de", "da", "id"])
def test_the_notes_on_days_read_in_the_reports_language(lang):
    """The notes this reading adds (and the one on reach over several dates) are translated, their
    dates written the language's way, as every other note of a translated report."""
    import re

    from kpi_advisor.i18n.messages import Translator
    from kpi_advisor.i18n.phrases import translate

    report = run(source(META, "meta_ads"), source(GA4, "ga4", ignore=["Total revenue", "Key events"]))
    notes = [w for w in report.warnings if "no date column" in w or "do not cover the same days" in w]
    notes += [w for w in run({"records": [{"date": f"2026-07-0{d}", "impressions": 900, "reach": 300 + d} for d in (1, 2)]}).warnings
              if w.startswith("reach:")]
    assert len(notes) == 3, report.warnings
    for note in notes:
        text = translate(note, Translator(lang))
        assert text != note and not re.search(r"\d{4}-\d{2}-\d{2}", text), text


def test_range_rows_of_another_account_are_not_compared_on_their_days(tmp_path):
    """GA4's July for the EU account beside two days of Meta's US account: they never meet."""
    report = run(source(META, "meta_ads", account="Acme US"),
                 source(GA4, "ga4", account="Acme EU", ignore=["Total revenue", "Key events"]))
    assert not any("do not cover the same days" in w for w in report.warnings), report.warnings


def test_a_date_the_adapter_makes_wins_over_the_banner(tmp_path):
    """GA4's 'Nth day' (or 'Date + hour') column gives each row its day: the comment lines' range
    does not turn the rows into rows over the whole report."""
    path = tmp_path / "nth_day.csv"
    path.write_text("# Start date: 20260701\n# End date: 20260703\nNth day,Session source / medium,Sessions,Engaged sessions\n"
                    "0000,facebook / cpc,100,60\n0001,facebook / cpc,120,70\n0002,facebook / cpc,90,50\n", encoding="utf-8")
    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.loading.prepare import load_config, prepare

    prepared = prepare(load_config({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [source(path, "ga4")]}))
    dataset = load_dataset(prepared.loaded.config, prepared.catalog, Path.cwd())
    assert not dataset.spans_days and dataset.dates() == (dt.date(2026, 7, 1), dt.date(2026, 7, 3))
    assert not any("no date column" in w for w in dataset.warnings)

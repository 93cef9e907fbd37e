"""Breakdowns kept as segment dimensions by every adapter, each on a small export written the
way the platform writes it (tests/data/<format>/): the rows per breakdown stay apart, totals
and subtotal rows are never added to them, and `segments:` picks what is compared."""

from __future__ import annotations

from pathlib import Path

import pytest
from kpi_advisor import ConfigError, evaluate

DATA = Path(__file__).parent / "data"
META = DATA / "meta_ads" / "adsets_age_gender_en.csv"
GOOGLE = DATA / "google_ads" / "adgroup_device_report.csv"
GA4 = DATA / "ga4" / "landing_page_device.csv"
LINKEDIN = DATA / "linkedin_ads" / "demographics_job_function.csv"
TIKTOK = DATA / "tiktok_ads" / "ads_age_gender.csv"


def run(path, fmt, segments=None, model="dtc_ecommerce", currency="USD", **options):
    source = {"csv": str(path), "format": fmt}
    if options:
        source["options"] = options
    config = {"client": "t", "business_model": model, "currency": currency, "data": [source],
              "economics": {"customer_value": 90}}
    if segments is not None:
        config["segments"] = segments
    return evaluate(config)


def values(report):
    return {tuple(sorted(m.scope.items())): m.values for m in report.metrics}


def scope(**dims):
    return tuple(sorted(dims.items()))


def test_meta_age_and_gender_rows_stay_apart_and_the_dear_group_is_named():
    report = run(META, "meta_ads", segments=["age", "gender"])
    got = values(report)
    assert got[scope()]["spend"] == pytest.approx(820 + 780 + 700 + 690 + 1900 + 1850 + 30)
    assert got[scope()]["purchases"] == 41 + 36 + 30 + 28 + 19 + 18
    assert got[scope(channel="facebook", age="45-54", gender="female")]["spend"] == pytest.approx(1900)
    assert got[scope(channel="facebook", age="25-34", gender="male")]["cost_per_acquisition"] == pytest.approx(780 / 36)
    gaps = [f for f in report.findings if f.rule == "segment-cost-gap"]
    assert {(f.scope["age"], f.scope["gender"]) for f in gaps} == {("45-54", "female"), ("45-54", "male")}
    assert "per order" in gaps[0].message and gaps[0].impact.money <= gaps[0].evidence["spend"]
    assert not any("summed" in w for w in report.warnings)


def test_meta_without_segments_compares_the_formats_first_default_age():
    got = values(run(META, "meta_ads"))
    assert got[scope(channel="facebook", age="45-54")]["spend"] == pytest.approx(1900 + 1850 + 30)
    assert not any("gender" in dict(k) for k in got)


def test_meta_subtotal_row_beside_its_breakdown_rows_is_left_out(tmp_path):
    lines = META.read_text(encoding="utf-8").splitlines()
    # The ad set's own total (no age, no gender), and a gender total inside one age group.
    subtotal = "2026-07-01,2026-07-31,Summer Sale,Broad 25-54,,,60000,\"91,260\",\"6,770.00\",\"2,117\",2.32%,172,\"15,480.00\",39.36"
    age_total = "2026-07-01,2026-07-31,Summer Sale,Broad 25-54,25-34,,\"19,990\",\"28,700\",\"1,600.00\",590,2.06%,77,\"6,930.00\",20.78"
    path = tmp_path / "with_subtotals.csv"
    path.write_text("\n".join(lines[:1] + [subtotal] + lines[1:3] + [age_total] + lines[3:]) + "\n", encoding="utf-8")
    report = run(path, "meta_ads", segments=["age", "gender"])
    assert values(report)[scope()]["spend"] == pytest.approx(6770)
    assert any("left out 2 subtotal rows" in w for w in report.warnings)


def test_a_row_without_the_breakdown_that_is_no_subtotal_stays(tmp_path):
    lines = META.read_text(encoding="utf-8").splitlines()
    other = "2026-07-01,2026-07-31,Retargeting,Site visitors,,,900,\"1,200\",80.00,30,2.50%,4,360.00,20.00"
    path = tmp_path / "other_campaign.csv"
    path.write_text("\n".join(lines + [other]) + "\n", encoding="utf-8")
    report = run(path, "meta_ads", segments=["age"])
    assert values(report)[scope()]["spend"] == pytest.approx(6770 + 80)
    assert not any("subtotal" in w for w in report.warnings)


def test_google_ads_device_rows_and_total_rows():
    report = run(GOOGLE, "google_ads")
    got = values(report)
    assert got[scope()]["impressions"] == 117800  # the two Total rows are not added
    assert got[scope(channel="google_ads", device="Mobile phones")]["clicks"] == 1420 + 1610
    assert any("skipped 2 total rows" in w for w in report.warnings)


def test_google_ads_ad_group_is_the_ad_set():
    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.loading.prepare import load_config, prepare

    config = {"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"csv": str(GOOGLE), "format": "google_ads"}]}
    prepared = prepare(load_config(config))
    dataset = load_dataset(prepared.loaded.config, prepared.catalog, Path.cwd())
    assert {"campaign", "ad_set", "device"} <= set(dataset.dims) and "ad" not in dataset.dims
    assert set(dataset.frame.get_column("ad_set")) == {"Brand exact", "Hiking boots"}


def test_ga4_landing_page_and_device_and_the_grand_total():
    report = run(GA4, "ga4", segments=["landing_page"])
    got = values(report)
    assert got[scope()]["sessions"] == 2100 + 3400 + 240 + 1800 + 2400  # Grand total skipped
    assert got[scope(channel="facebook", landing_page="/summer-sale")]["sessions"] == 2100 + 3400 + 240
    assert got[scope(channel="facebook", landing_page="/summer-sale")]["bounces"] == pytest.approx(2100 - 1470 + 3400 - 1700 + 240 - 120)
    default = values(run(GA4, "ga4"))
    assert default[scope(channel="google_ads", device="mobile")]["sessions"] == 2400


def test_linkedin_country_kept_and_job_function_summed_unless_named():
    report = run(LINKEDIN, "linkedin_ads", model="b2b")
    got = values(report)
    assert got[scope(channel="linkedin", country="Germany")]["spend"] == pytest.approx(2900 + 2600 + 1300)
    assert any("Job Function" in w and "summed" in w for w in report.warnings)
    named = values(run(LINKEDIN, "linkedin_ads", model="b2b", segments=["job_function"]))
    assert named[scope(channel="linkedin", job_function="Marketing")]["leads"] == 11 + 2
    assert named[scope()]["spend"] == pytest.approx(2900 + 850 + 2600 + 610 + 1300)


def test_tiktok_age_and_gender_and_the_total_row():
    report = run(TIKTOK, "tiktok_ads")
    got = values(report)
    assert got[scope()]["spend"] == pytest.approx(3710) and got[scope()]["purchases"] == 97
    assert got[scope(channel="tiktok", age="35+")]["purchases"] == 17
    gap = [f for f in report.findings if f.rule == "segment-cost-gap"]
    assert [f.scope for f in gap] == [{"channel": "tiktok", "age": "35+"}]


def test_generic_csv_keeps_a_column_the_config_names_as_a_segment(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(
        "channel,audience,spend,purchases\n"
        "facebook,lookalike,3000,90\nfacebook,interest,2000,55\nfacebook,broad,2700,37\nfacebook,retired,4000,30\n",
        encoding="utf-8",
    )
    report = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "segments": ["audience", "age"],
                       "data": [{"csv": str(path)}]})
    got = values(report)
    assert got[scope(channel="facebook", audience="retired")]["spend"] == 4000
    assert [f.scope for f in report.findings if f.rule == "segment-cost-gap"] == [{"channel": "facebook", "audience": "retired"}]
    assert any("segments: the data has no age column, so segments are compared by audience only" in w for w in report.warnings)


def test_a_segment_the_data_lacks_is_a_warning_naming_what_it_has():
    report = run(META, "meta_ads", segments=["device"])
    warning = next(w for w in report.warnings if w.startswith("segments:"))
    assert "no device column, so no segments are compared" in warning and "age" in warning and "gender" in warning


def test_a_scope_dimension_is_no_segment():
    with pytest.raises(ConfigError, match="channel is part of every scope's path, not a segment"):
        evaluate({"client": "t", "business_model": "dtc_ecommerce", "segments": ["channel"], "data": [{"records": [{"channel": "x", "clicks": 1}]}]})


def test_google_ads_age_report_leads_with_the_dear_age_group(tmp_path):
    """A Google Ads demographics download (Age range by campaign, banner and Total rows): the
    55-64 group takes the most spend at three times the cost per conversion of 25-34."""
    lines = ["Age report", '"July 1, 2026 - July 31, 2026"', "Campaign,Age range,Currency code,Impr.,Clicks,Cost,Conversions,Cost / conv."]
    spend = {"18-24": (900.0, 30), "25-34": (1800.0, 72), "35-44": (1500.0, 50), "45-54": (1200.0, 36), "55-64": (3600.0, 40)}
    total_spend = total_conv = 0
    for campaign, share in (("Search - Boots", 0.6), ("Search - Jackets", 0.4)):
        for age, (cost, conversions) in spend.items():
            c, v = round(cost * share, 2), round(conversions * share)
            total_spend += c
            total_conv += v
            lines.append(f'{campaign},{age},USD,"{int(c * 40):,}",{int(c * 1.5)},"{c:,.2f}",{v}.00,{c / v:.2f}')
    lines.append(f'Total: Account,--,USD,--,--,"{total_spend:,.2f}",{total_conv}.00,--')
    path = tmp_path / "age_report.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run(path, "google_ads")
    assert values(report)[scope()]["spend"] == pytest.approx(total_spend)
    first = report.findings[0]
    assert first.rule == "segment-conversion-cost-gap" and first.scope == {"channel": "google_ads", "age": "55-64"}
    assert first.evidence["cost_per_conversion"] == pytest.approx(3600 / 40, rel=0.02)
    assert "Move 30.0% of this segment's budget" in first.recommendation
    # The move's worth: conversions gained at the better segments' cost, never above the moved spend.
    good = first.evidence["cost_good"]
    gained = 0.6 * 0.3 * 3600 * (1 / good - 1 / first.evidence["cost_per_conversion"])
    assert first.impact.money == pytest.approx(gained * good, rel=1e-3) and first.impact.money <= 0.3 * first.evidence["spend"]

"""An export's rows read the way the platforms write them: total rows (labelled, or a nameless
summary that is the sum of the rest), leads split in parts, results of different kinds, a
conversion value the account does not track, a lead-gen form, a row whose cells are shifted, ad
copy over several lines, Display campaigns under search benchmarks, dates written day first
(01/07/2026 in British English), and rows that cover a range of days (Meta's Reporting starts and
ends). Each case has its must-not twin."""

from __future__ import annotations

from pathlib import Path

import pytest
from kpi_advisor import ConfigError, evaluate

META_HEADER = '"Reporting starts","Reporting ends","Campaign name","Reach","Amount spent (EUR)","Impressions","Link clicks"\n'


def run(tmp_path: Path, name: str, text: str, fmt: str, currency: str = "EUR", model: str = "dtc_ecommerce", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return evaluate({"client": "t", "business_model": model, "currency": currency, "data": [{"csv": str(path), "format": fmt}]})


def total(report) -> dict:
    return next(m.values for m in report.metrics if not m.scope)


def test_meta_summary_row_without_a_name_is_not_counted_twice(tmp_path):
    text = META_HEADER + (
        '2026-07-01,2026-07-31,,"15,000","3,412.55","84,512","1,903"\n'  # Meta's summary row: no name, the sum
        '2026-07-01,2026-07-31,Prospecting,"10,000","2,000.00","50,000","1,200"\n'
        '2026-07-01,2026-07-31,Retargeting,"6,000","1,412.55","34,512",703\n'
    )
    report = run(tmp_path, "meta.csv", text, "meta_ads")
    assert total(report)["spend"] == pytest.approx(3412.55)
    assert total(report)["impressions"] == 84512 and total(report)["clicks"] == 1903
    assert report.summary.rows == 2
    assert any("meta.csv (meta_ads)" in w and "skipped 1 total row" in w for w in report.warnings)


def test_a_nameless_row_that_is_not_the_sum_stays(tmp_path):
    text = META_HEADER + (
        '2026-07-01,2026-07-31,,"1,000",50.00,"4,000",40\n'  # no name, but not the others' sum: data, kept
        '2026-07-01,2026-07-31,Prospecting,"10,000","2,000.00","50,000","1,200"\n'
        '2026-07-01,2026-07-31,Retargeting,"6,000","1,412.55","34,512",703\n'
    )
    report = run(tmp_path, "meta.csv", text, "meta_ads")
    assert total(report)["spend"] == pytest.approx(3462.55)
    assert report.summary.rows == 3
    assert not any("total row" in w for w in report.warnings)


def test_ga4_totals_row_with_empty_dimensions_is_skipped(tmp_path):
    text = (
        "Session default channel group,Sessions,Engaged sessions,Bounce rate,Key events,Total revenue\n"
        ",1800,1000,0.4444,30,2000\n"
        "Organic Search,1000,600,0.4,20,1400\n"
        "Paid Social,800,400,0.5,10,600\n"
    )
    report = run(tmp_path, "ga4.csv", text, "ga4")
    assert total(report)["sessions"] == 1800 and total(report)["revenue"] == 2000
    assert {m.scope.get("channel") for m in report.metrics if m.scope} == {"organic_search", "paid_social"}


@pytest.mark.parametrize("name", ["Total Wine - Brand", "Totals Reset Promo", "Summe Kampagne", "Gesamt-Sortiment"])
def test_a_campaign_whose_name_starts_like_a_total_is_a_campaign(tmp_path, name):
    text = (
        "Campaign report\n\"July 1, 2026 - July 31, 2026\"\n"
        "Campaign,Currency code,Impr.,Clicks,Cost,Conversions,Conv. value\n"
        f"{name},EUR,\"12,345\",\"1,234\",\"1,000.50\",45.50,\"2,275.00\"\n"
        "Generic,EUR,\"45,678\",\"1,500\",\"2,250.00\",12.33,616.50\n"
        "Total: Account,EUR,\"58,023\",\"2,734\",\"3,250.50\",57.83,\"2,891.50\"\n"
        "Total - Search,EUR,\"58,023\",\"2,734\",\"3,250.50\",57.83,\"2,891.50\"\n"
    )
    report = run(tmp_path, "gads.csv", text, "google_ads")
    assert report.summary.rows == 2
    assert total(report)["spend"] == pytest.approx(3250.50) and total(report)["impressions"] == 58023
    assert any("skipped 2 total rows" in w for w in report.warnings)


def test_meta_website_and_meta_leads_add_up_where_no_leads_column(tmp_path):
    header = '"Reporting starts","Reporting ends","Campaign name","Amount spent (EUR)","Impressions","Link clicks","Website leads","Meta leads"\n'
    text = header + (
        "2026-07-01,2026-07-31,Forms,500.00,50000,600,,120\n"
        "2026-07-01,2026-07-31,Site,1000.00,100000,1200,30,\n"
    )
    report = run(tmp_path, "meta.csv", text, "meta_ads", model="b2b")
    assert total(report)["leads"] == 150 and total(report)["cost_per_lead"] == pytest.approx(1500 / 150)


def test_meta_leads_column_is_the_whole_and_its_parts_are_not_added(tmp_path):
    header = '"Reporting starts","Reporting ends","Campaign name","Amount spent (EUR)","Impressions","Link clicks","Leads","Website leads","Meta leads"\n'
    text = header + "2026-07-01,2026-07-31,Forms,500.00,50000,600,150,30,120\n"
    report = run(tmp_path, "meta.csv", text, "meta_ads", model="b2b")
    assert total(report)["leads"] == 150


LINKEDIN_HEADER = "Start Date (in UTC),Account Name,Campaign Name,Currency,Total Spent,Impressions,Clicks,Leads,Conversions,Total Conversion Value\n"


def test_a_conversion_value_of_zero_everywhere_is_not_tracked(tmp_path):
    text = LINKEDIN_HEADER + (
        "7/1/2026,Acme,Ops Managers,USD,1200.00,60000,300,20,8,0\n"
        "7/1/2026,Acme,Plant Engineers,USD,1035.00,62320,250,18,4,0\n"
    )
    report = run(tmp_path, "linkedin.csv", text, "linkedin_ads", currency="USD", model="b2b")
    assert total(report).get("revenue") is None
    assert not [f for f in report.findings if f.rule == "roas-below-break-even"]
    assert any("Total Conversion Value is 0 on every row while 12 conversions are counted" in w for w in report.warnings)


def test_a_conversion_value_of_zero_is_not_tracked_where_its_conversions_are_read_as_leads(tmp_path):
    # A lead-gen account reads Google Ads' Conversions as leads; its Conv. value is 0 on every row.
    text = "Day,Campaign,Currency code,Cost,Impr.,Clicks,Conversions,Conv. value\n" + (
        "2026-07-01,Office Chairs,EUR,900.00,40000,800,14,0.00\n"
        "2026-07-02,Office Chairs,EUR,880.00,39000,790,11,0.00\n"
    )
    path = tmp_path / "gads.csv"
    path.write_text(text)
    report = evaluate({"client": "t", "business_model": "b2b", "currency": "EUR",
                       "data": [{"csv": str(path), "format": "google_ads", "options": {"columns": {"Conversions": "leads"}}}]})
    assert total(report)["leads"] == 25 and total(report).get("revenue") is None
    assert not [f for f in report.findings if f.rule == "roas-below-break-even"]
    assert any("Conv. value is 0 on every row while 25 leads are counted" in w for w in report.warnings)


def test_a_conversion_value_of_zero_with_no_conversions_is_zero(tmp_path):
    text = LINKEDIN_HEADER + "7/1/2026,Acme,Ops Managers,USD,1200.00,60000,300,20,0,0\n"
    report = run(tmp_path, "linkedin.csv", text, "linkedin_ads", currency="USD", model="b2b")
    assert total(report)["revenue"] == 0
    assert not any("not tracked" in w for w in report.warnings)


TIKTOK_HEADER = "Campaign name,Date,Currency,Cost,Impressions,Clicks (destination),Conversions,Video views\n"


def test_a_row_with_more_cells_than_the_header_is_an_error_naming_its_line(tmp_path):
    text = TIKTOK_HEADER + (
        "Summer Sale,2026-07-01,EUR,250.40,100000,1200,45,\"30,500\"\n"
        "Summer Sale,2026-07-02,EUR,250.40,100000,1200,45,30,500\n"  # unquoted: 30 and 500 are two cells
    )
    with pytest.raises(ConfigError, match=r"/tiktok.csv:3: 9 cells where the header has 8: a number written with a comma \(1,234.56\) must be quoted"):
        run(tmp_path, "tiktok.csv", text, "tiktok_ads")


def test_quoted_commas_and_empty_trailing_cells_are_not_extra_cells(tmp_path):
    text = TIKTOK_HEADER + (
        "\"Sale, summer\",2026-07-01,EUR,250.40,\"100,000\",1200,45,\"30,500\",,\n"
        "Sale,2026-07-02,EUR,250.40,100000,1200,45,\n"
    )
    report = run(tmp_path, "tiktok.csv", text, "tiktok_ads")
    assert total(report)["impressions"] == 200000 and total(report)["video_views"] == 30500


LEAD_GEN_HEADER = "Start Date (in UTC),Account Name,Campaign Name,Currency,Total Spent,Impressions,Clicks,Clicks to Landing Page,Leads\n"


def test_a_lead_gen_form_campaign_has_no_landing_page_click_through_rate(tmp_path):
    text = LEAD_GEN_HEADER + (
        "7/1/2026,Acme,Sponsored Content,USD,1200.00,80320,440,390,24\n"
        "7/1/2026,Acme,Lead Gen,USD,1035.00,42000,250,0,14\n"  # a form, no landing page: 0 is not a CTR
    )
    report = run(tmp_path, "linkedin.csv", text, "linkedin_ads", currency="USD", model="b2b")
    assert total(report)["ctr"] == pytest.approx(390 / 80320)
    assert not [f for f in report.findings if f.rule == "creative-not-resonating"]
    assert any("1 row with leads and clicks but 0 Clicks to Landing Page" in w for w in report.warnings)


def test_zero_landing_page_clicks_without_leads_stay_zero(tmp_path):
    text = LEAD_GEN_HEADER + (
        "7/1/2026,Acme,Sponsored Content,USD,1200.00,80320,440,390,24\n"
        "7/1/2026,Acme,Awareness,USD,1035.00,42000,250,0,0\n"
    )
    report = run(tmp_path, "linkedin.csv", text, "linkedin_ads", currency="USD", model="b2b")
    assert total(report)["ctr"] == pytest.approx(390 / (80320 + 42000))
    assert not any("Lead Gen Form" in w for w in report.warnings)


RESULTS_HEADER = '"Reporting starts","Reporting ends","Campaign name","Results","Result indicator","Amount spent (EUR)","Impressions","Link clicks"\n'


def test_results_of_different_kinds_are_not_added_up_and_purchases_are_read_from_theirs(tmp_path):
    text = RESULTS_HEADER + (
        "2026-07-01,2026-07-31,Traffic,1234,actions:link_click,1049.90,18765,1234\n"
        "2026-07-01,2026-07-31,Sales,12,actions:offsite_conversion.fb_pixel_purchase,99.00,2580,101\n"
    )
    report = run(tmp_path, "meta.csv", text, "meta_ads")
    assert total(report).get("results") is None and total(report)["purchases"] == 12
    assert not [f for f in report.findings if f.rule == "conversions-not-tracked"]
    assert any("Results count 2 different things" in w for w in report.warnings)


def test_results_of_one_kind_add_up(tmp_path):
    text = RESULTS_HEADER + (
        "2026-07-01,2026-07-31,Traffic,1234,actions:link_click,1049.90,18765,1234\n"
        "2026-07-01,2026-07-31,More traffic,100,actions:link_click,99.00,2580,100\n"
    )
    report = run(tmp_path, "meta.csv", text, "meta_ads")
    assert total(report)["results"] == 1334 and total(report).get("purchases") is None
    assert not any("different things" in w for w in report.warnings)


BODY_HEADER = '"Reporting starts","Reporting ends","Campaign name","Ad name","Body","Amount spent (EUR)","Impressions","Link clicks"\n'


def test_ad_copy_over_several_lines_with_a_blank_line_and_a_hashtag_is_one_cell(tmp_path):
    text = BODY_HEADER + (
        '2026-07-01,2026-07-31,A,Ad 1,"Summer is here!\n\n#summer #sale\n50% off",100.00,10000,100\n'
        '2026-07-01,2026-07-31,A,Ad 2,"Plain",50.00,5000,50\n'
    )
    report = run(tmp_path, "meta.csv", text, "meta_ads")
    assert total(report)["spend"] == 150 and total(report)["impressions"] == 15000
    assert report.summary.rows == 2


def test_a_bad_cell_after_ad_copy_over_several_lines_names_its_own_line(tmp_path):
    text = BODY_HEADER + (
        '2026-07-01,2026-07-31,A,Ad 1,"Summer is here!\n\n50% off",100.00,10000,100\n'
        '2026-07-01,2026-07-31,A,Ad 2,"Plain",xx,5000,50\n'
    )
    with pytest.raises(ConfigError, match=r"/meta.csv:5: spend: expected a non-negative number, got 'xx'"):
        run(tmp_path, "meta.csv", text, "meta_ads")


TYPES_HEADER = "Campaign,Campaign type,Currency code,Impr.,Clicks,Cost\n"


def test_display_campaigns_are_not_judged_against_search_benchmarks(tmp_path):
    """A Display campaign's 0.3% CTR is no creative failure: google_ads' CTR benchmark is a search
    figure. Display is a channel of its own, judged against its own figures (none shipped: not
    judged), where search campaigns still are held against search's."""
    text = TYPES_HEADER + "Brand,Search,EUR,40000,640,500.00\nBanner,Display,EUR,200000,600,300.00\n"
    report = run(tmp_path, "gads.csv", text, "google_ads")
    assert {m.scope.get("channel") for m in report.metrics} == {None, "google_ads", "google_display"}
    fired = {(f.rule, f.scope.get("channel")) for f in report.findings}
    assert ("creative-not-resonating", "google_ads") in fired  # search: 1.6% against 6.4%
    assert not any(channel == "google_display" and rule == "creative-not-resonating" for rule, channel in fired)


def test_search_campaigns_alone_need_no_word(tmp_path):
    text = TYPES_HEADER + "Brand,Search,EUR,10000,640,500.00\nGeneric,Search,EUR,20000,600,300.00\n"
    report = run(tmp_path, "gads.csv", text, "google_ads")
    assert {m.scope.get("channel") for m in report.metrics} == {None, "google_ads"}


SLASH_HEADER = "Day,Campaign name,Amount spent (GBP),Impressions,Link clicks\n"


def test_a_day_over_12_in_front_makes_every_date_of_the_file_day_first(tmp_path):
    text = SLASH_HEADER + "01/07/2026,Summer,100.50,10000,200\n02/07/2026,Summer,110.00,11000,210\n13/07/2026,Summer,90.00,9000,150\n"
    report = run(tmp_path, "meta.csv", text, "meta_ads", currency="GBP")
    assert report.period == {"start": "2026-07-01", "end": "2026-07-13"}  # 1 July, not 7 January
    assert not any("read either way" in w for w in report.warnings)


def test_a_day_over_12_in_second_place_keeps_the_month_first(tmp_path):
    text = SLASH_HEADER + "07/01/2026,Summer,100.50,10000,200\n07/13/2026,Summer,90.00,9000,150\n"
    report = run(tmp_path, "meta.csv", text, "meta_ads", currency="GBP")
    assert report.period == {"start": "2026-07-01", "end": "2026-07-13"}
    assert not any("read either way" in w for w in report.warnings)


def test_dates_that_read_both_ways_keep_the_platforms_order_and_say_how_to_switch(tmp_path):
    text = SLASH_HEADER + "01/07/2026,Summer,100.50,10000,200\n02/07/2026,Summer,110.00,11000,210\n"
    report = run(tmp_path, "meta.csv", text, "meta_ads", currency="GBP")
    assert report.period == {"start": "2026-01-07", "end": "2026-02-07"}
    assert any("dates such as 01/07/2026 read either way" in w and 'date_format: "%d/%m/%Y"' in w for w in report.warnings)
    path = tmp_path / "meta.csv"
    switched = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "GBP",
                         "data": [{"csv": str(path), "format": "meta_ads", "options": {"date_format": "%d/%m/%Y"}}]})
    assert switched.period == {"start": "2026-07-01", "end": "2026-07-02"}
    assert not any("read either way" in w for w in switched.warnings)


RANGE_TEXT = META_HEADER + '2026-07-01,2026-09-30,Prospecting,"10,000","2,000.00","50,000","1,200"\n2026-07-01,2026-09-30,Retargeting,"6,000","1,412.55","34,512",703\n'


def test_rows_over_a_range_of_days_give_the_report_the_whole_range(tmp_path):
    report = run(tmp_path, "meta.csv", RANGE_TEXT, "meta_ads")
    assert report.period == {"start": "2026-07-01", "end": "2026-09-30"}  # was 2026-07-01 to 2026-07-01
    assert not any("Reporting ends" in w for w in report.warnings)


def test_rows_over_a_range_across_the_periods_edges_stay_and_are_said_to_include_those_days(tmp_path):
    path = tmp_path / "meta.csv"
    path.write_text(RANGE_TEXT)
    config = {"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR", "data": [{"csv": str(path), "format": "meta_ads"}]}
    july = evaluate({**config, "period": {"start": "2026-07-01", "end": "2026-07-31"}})
    assert any("2 rows run across the period's end (2026-07-01 to 2026-09-30): their counts include days outside 2026-07-01 to 2026-07-31"
               in w for w in july.warnings)
    quarter = evaluate({**config, "period": {"start": "2026-07-01", "end": "2026-09-30"}})
    assert not any("across the period" in w for w in quarter.warnings)
    # A period that starts inside the rows keeps them too (they were left out, and no data was left).
    august = evaluate({**config, "period": {"start": "2026-08-01", "end": "2026-09-30"}})
    assert total(august)["spend"] == pytest.approx(3412.55)
    assert any("2 rows run across the period's start" in w for w in august.warnings)


def test_an_end_date_that_is_no_date_or_before_the_start_is_a_problem_naming_its_row(tmp_path):
    """Read as the row's own day, a quarter's counts would fall on July 1: the row is named instead."""
    text = (META_HEADER + '2026-07-01,2026-09-30,Prospecting,"10,000","2,000.00","50,000","1,200"\n'
            '2026-07-01,2026-06-30,Retargeting,"6,000","1,412.55","34,512",703\n'
            '2026-07-01,soon,Brand,"6,000","1,412.55","34,512",703\n'
            '2026-07-01,,Search,"6,000","1,412.55","34,512",703\n')  # blank: the row's own day
    path = tmp_path / "meta.csv"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR", "data": [{"csv": str(path), "format": "meta_ads"}]})
    assert [str(p).removeprefix(f"{tmp_path}/") for p in info.value.problems] == [
        "meta.csv:3: end date: 2026-06-30 is before the row's first day 2026-07-01; expected the last day it covers",
        "meta.csv:4: end date: expected a date like 2026-07-01, got 'soon'",
    ]
    fixed = text.replace("2026-06-30", "2026-09-30").replace(",soon,", ",2026-09-30,")
    report = run(tmp_path, "meta.csv", fixed, "meta_ads")
    assert report.period == {"start": "2026-07-01", "end": "2026-09-30"}


def test_a_row_dated_after_today_is_said_to_be_a_likely_typo(tmp_path):
    typo = RANGE_TEXT.replace("2026-09-30,Retargeting", "2099-09-30,Retargeting")
    report = run(tmp_path, "meta.csv", typo, "meta_ads")
    assert report.period == {"start": "2026-07-01", "end": "2099-09-30"}  # what the export says, and the warning says why
    assert any("meta.csv: 1 row is dated after " in w and "up to 2099-09-30" in w and "mistyped year" in w
               for w in report.warnings)
    report = run(tmp_path, "meta.csv", RANGE_TEXT, "meta_ads")
    assert not any("is dated after" in w for w in report.warnings)


def test_tomorrow_is_a_day_an_account_ahead_of_this_machine_may_export(tmp_path):
    import datetime as dt

    tomorrow, later = dt.date.today() + dt.timedelta(days=1), dt.date.today() + dt.timedelta(days=3)
    text = RANGE_TEXT.replace("2026-09-30,Retargeting", f"{tomorrow},Retargeting")
    assert not any("is dated after" in w for w in run(tmp_path, "meta.csv", text, "meta_ads").warnings)
    text = RANGE_TEXT.replace("2026-09-30,Retargeting", f"{later},Retargeting")
    assert any(f"is dated after {tomorrow}, up to {later}" in w for w in run(tmp_path, "meta.csv", text, "meta_ads").warnings)


def test_daily_rows_keep_their_day_whatever_the_exports_range(tmp_path):
    text = ('"Day","Reporting starts","Reporting ends","Campaign name","Amount spent (EUR)","Impressions","Link clicks"\n'
            '2026-07-01,2026-07-01,2026-09-30,Prospecting,100.00,5000,120\n2026-07-02,2026-07-01,2026-09-30,Prospecting,90.00,4000,100\n')
    report = run(tmp_path, "meta.csv", text, "meta_ads")
    assert report.period == {"start": "2026-07-01", "end": "2026-07-02"}
    assert any("not used:" in w and "Reporting ends" in w for w in report.warnings)


LINKEDIN_ALL = ('"Campaign Performance Report"\n"Report Start: 7/1/2026"\n"Report End: 7/31/2026"\n'
                "Start Date (in UTC),End Date (in UTC),Account Name,Campaign Name,Impressions,Clicks,Clicks to Landing Page,Total Spent\n")


def test_linkedin_rows_over_the_whole_report_give_its_range_and_its_end_decides_the_order(tmp_path):
    text = LINKEDIN_ALL + "7/1/2026,7/31/2026,Acme,Awareness,100000,900,700,1500.00\n7/1/2026,7/31/2026,Acme,Demo,50000,800,650,1200.00\n"
    report = run(tmp_path, "li.csv", text, "linkedin_ads", currency="USD", model="b2b")
    assert report.period == {"start": "2026-07-01", "end": "2026-07-31"}  # was 2026-07-01 to 2026-07-01
    uk = LINKEDIN_ALL + "1/7/2026,31/7/2026,Acme,Awareness,100000,900,700,1500.00\n"  # the end date shows the day comes first
    report = run(tmp_path, "li_uk.csv", uk, "linkedin_ads", currency="USD", model="b2b")
    assert report.period == {"start": "2026-07-01", "end": "2026-07-31"}


GA4_DAILY = "Date,Session source / medium,Sessions,Engaged sessions\n"


def _meta_and_ga4(tmp_path: Path, meta: str, ga4: str):
    (tmp_path / "meta.csv").write_text(meta)
    (tmp_path / "ga4.csv").write_text(ga4)
    return evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "EUR",
                     "data": [{"csv": str(tmp_path / "meta.csv"), "format": "meta_ads"}, {"csv": str(tmp_path / "ga4.csv"), "format": "ga4"}]})


def test_a_quarters_clicks_meet_the_quarters_visits_not_its_first_days(tmp_path):
    """Meta's rows over a quarter are dated by its first day: paired by day, its 1,903 clicks met
    July 1's 100 visits alone, and click-to-visit-loss fired on a 5% rate that was 95%."""
    ga4 = GA4_DAILY + "".join(f"202607{d:02d},facebook / paid,100,60\n" for d in range(1, 19))  # 1,800 visits
    report = _meta_and_ga4(tmp_path, RANGE_TEXT.replace("2026-09-30", "2026-07-18"), ga4)
    assert total(report)["click_to_session_rate"] == pytest.approx(1800 / 1903)
    assert not any(f.rule == "click-to-visit-loss" for f in report.findings)
    assert not any("that carry clicks, sessions" in w for w in report.warnings)


def test_daily_clicks_still_meet_visits_day_by_day(tmp_path):
    meta = ('"Day","Campaign name","Amount spent (EUR)","Impressions","Link clicks"\n'
            "2026-07-01,Prospecting,100.00,50000,1000\n2026-07-02,Prospecting,100.00,50000,1000\n")
    report = _meta_and_ga4(tmp_path, meta, GA4_DAILY + "20260701,facebook / paid,900,600\n")  # no visits on July 2
    assert total(report)["click_to_session_rate"] == pytest.approx(0.9)  # July 1's clicks alone
    assert any("click_to_session_rate uses the 1 of 2 days that carry clicks, sessions" in w for w in report.warnings)  # days: the cells summed


def test_a_pairing_note_counts_the_cells_the_rows_were_summed_into():
    # Ads by day beside analytics by campaign and day meet on the campaign's day: the note counts
    # those (6 campaign-days, 5 with visits), not the 17 rows, nor calls the cells rows.
    ads = [{"date": f"2026-07-0{day}", "channel": "facebook", "campaign": campaign, "ad": ad, "impressions": 10000, "clicks": 300}
           for campaign in "AB" for day in (1, 2, 3) for ad in "xy"]
    visits = [{"date": f"2026-07-0{day}", "channel": "facebook", "campaign": campaign, "sessions": 500}
              for campaign in "AB" for day in (1, 2, 3) if (campaign, day) != ("B", 3)]
    report = evaluate({"client": "x", "business_model": "dtc_ecommerce", "data": [{"records": ads}, {"records": visits}]})
    notes = [w for w in report.warnings if "that carry clicks, sessions" in w]
    assert notes == ["channel=facebook: click_to_session_rate uses the 5 of 6 campaign-days that carry clicks, sessions "
                     "(17% left out: sessions empty in 1)"]

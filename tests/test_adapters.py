"""Adapters for real exports, the generic reader, and how several sources meet.

The sample exports in tests/data/<format>/ are written to the platforms' real
layouts (banner lines, Total rows, `--`, percent strings, thousands separators,
a byte-order mark, German headers with decimal commas, GA4 comment lines).
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_advisor import ConfigError, evaluate
from kpi_advisor.data.sources import decimal_comma_from, number_text
from kpi_advisor.loading.catalog import get_catalog
from kpi_advisor.plugins.adapters import ADAPTERS
from kpi_advisor.plugins.formats import read_generic

DATA = Path(__file__).parent / "data"
META_EN = DATA / "meta_ads" / "ads_daily_en.csv"
META_DE = DATA / "meta_ads" / "campaigns_platform_age_de.csv"
GOOGLE = DATA / "google_ads" / "campaign_report.csv"
GA4_DAILY = DATA / "ga4" / "source_medium_daily.csv"
GA4_CHANNELS = DATA / "ga4" / "traffic_acquisition_channels.csv"
LINKEDIN = DATA / "linkedin_ads" / "campaign_performance.csv"
TIKTOK = DATA / "tiktok_ads" / "ads_daily.csv"
KAGGLE = DATA / "kaggle_fb_ads" / "KAG_conversion_data.csv"


def run(*sources, currency="USD", model="dtc_ecommerce"):
    return evaluate({"client": "t", "business_model": model, "currency": currency, "data": list(sources)})


def source(path, fmt, **options):
    entry = {"csv": str(path), "format": fmt}
    if options:
        entry["options"] = options
    return entry


def scopes(report):
    return {", ".join(f"{k}={v}" for k, v in m.scope.items()) or "all": m.values for m in report.metrics}


def copy_with(tmp_path, path: Path, old: str, new: str, count: int = 1) -> Path:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    target = tmp_path / path.name
    target.write_text(text.replace(old, new, count), encoding="utf-8")
    return target


# --- the catalogue of formats -------------------------------------------------------------


def test_every_adapter_is_a_format():
    formats = get_catalog().formats
    assert {"generic", "meta_ads", "google_ads", "ga4", "linkedin_ads", "tiktok_ads", "kaggle_fb_ads"} <= set(formats)
    assert get_catalog().origins["format:meta_ads"] == "formats"
    assert len(ADAPTERS) == 6


# --- each adapter, end to end -------------------------------------------------------------


def test_meta_ads_english():
    report = run(source(META_EN, "meta_ads"))
    total = scopes(report)["all"]
    # Link clicks are the clicks; Clicks (all) stays separate.
    assert total["clicks"] == 512 + 141 + 188 + 77 + 488 + 126 + 171 + 70
    assert total["clicks_all"] == 1004 + 388 + 251 + 102 + 973 + 350 + 240 + 95
    # Reach is people: each ad's best day counts (July 1 here), never the two days added up (62,810).
    assert total["impressions"] == 90515 and total["reach"] == 18420 + 9310 + 3020 + 1130
    assert total["spend"] == pytest.approx(1499.10)
    # No conversion-value column: revenue is Purchase ROAS x spend, row by row.
    roas_spend = [(3.12, 422.50), (2.05, 198.75), (7.40, 96.40), (9.85, 41.10), (2.71, 415.20), (6.02, 94.80), (8.10, 40.30)]
    assert total["revenue"] == pytest.approx(sum(r * s for r, s in roas_spend), abs=1e-4)
    assert total["purchases"] == 50 and total["results"] == 50
    assert total["ctr"] == pytest.approx(1773 / 90515, abs=1e-6)
    assert report.summary.rows == 8
    assert set(scopes(report)) == {"all", "channel=facebook"}
    note = next(w for w in report.warnings if "(meta_ads)" in w)
    assert "CTR (link click-through rate)" in note and "recomputed" in note and "Attribution setting" in note


def test_meta_ads_currency_comes_from_the_header():
    with pytest.raises(ConfigError, match=r"amounts are in USD \(the export\) but the config's currency is EUR; set currency: USD"):
        run(source(META_EN, "meta_ads"), currency="EUR")


def test_meta_ads_ad_names_keep_their_ad_set():
    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.loading.prepare import load_config, prepare

    prepared = prepare(load_config({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [source(META_EN, "meta_ads")]}))
    dataset = load_dataset(prepared.loaded.config, prepared.catalog, Path.cwd())
    # The ad set is a dimension of its own: the same ad name in two ad sets stays two ads.
    ads = set(dataset.frame.select("ad_set", "ad").unique().iter_rows())
    assert {("Site visitors 30d", "Catalog"), ("Cart abandoners 7d", "Catalog"), ("Prospecting US", "Video A")} <= ads
    assert dataset.frame.schema["date"] == pl.Date and dataset.currency == "USD"


def test_meta_ads_german_decimal_commas_platform_and_age():
    report = run(source(META_DE, "meta_ads"), currency="EUR")
    values = scopes(report)
    assert values["all"]["spend"] == pytest.approx(311.45 + 204.10 + 455.90 + 150.25 + 120.00 + 138.60)
    assert values["all"]["reach"] == 14210 + 9870 + 21030 + 7420 + 5120 + 6200
    assert values["all"]["revenue"] == pytest.approx(2480.50 + 1610.00 + 3920.80 + 860.40)
    assert values["channel=instagram"]["clicks"] == 618 + 170 + 131
    assert values["channel=facebook"]["clicks_all"] == 760 + 512 + 188
    # The age breakdown is kept as a segment dimension (the format's first default segment).
    assert values["channel=instagram, age=25-34"]["clicks"] == 618 + 131  # both campaigns
    assert values["channel=facebook, age=35-44"]["spend"] == pytest.approx(204.10)
    assert not any("summed" in w for w in report.warnings)


def test_meta_ads_german_without_decimal_commas_is_an_error_naming_the_cell():
    with pytest.raises(ConfigError, match=r"campaigns_platform_age_de.csv:2: spend: expected a non-negative number, got '311,45'; for decimal commas set options: \{decimal_comma: true\}"):
        run(source(META_DE, "meta_ads", decimal_comma=False), currency="EUR")


def test_google_ads_banner_and_total_rows_skipped():
    report = run(source(GOOGLE, "google_ads"))
    total = scopes(report)["all"]
    assert total["impressions"] == 45678 + 98120 + 210400 + 154300 + 88210  # not counted twice by Total rows
    assert total["clicks"] == 6022 and total["spend"] == pytest.approx(8622.20)
    assert total["conversions"] == pytest.approx(168.5) and total["revenue"] == pytest.approx(14320.85)
    assert report.summary.rows == 5
    # Search is google_ads; Display, Performance Max and Video are channels of their own.
    assert set(scopes(report)) == {"all", "channel=google_ads", "channel=google_display", "channel=google_pmax", "channel=google_video"}
    assert scopes(report)["channel=google_ads"]["clicks"] == 1234 + 2310
    assert any("skipped 3 total rows" in w for w in report.warnings)


def test_google_ads_channel_from_campaign_type():
    values = scopes(run(source(GOOGLE, "google_ads", channel_from="campaign_type")))
    assert values["channel=google_search"]["clicks"] == 1234 + 2310
    assert values["channel=google_video"]["spend"] == pytest.approx(610.0)
    assert {"channel=google_display", "channel=google_pmax"} <= set(values)


def test_google_ads_excel_csv_utf16_with_tabs(tmp_path):
    rows = list(csv.reader(io.StringIO(GOOGLE.read_text(encoding="utf-8"))))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(rows)
    target = tmp_path / "campaign_report_excel.csv"
    target.write_bytes(buffer.getvalue().encode("utf-16"))  # with a byte-order mark, as Google Ads writes it
    assert scopes(run(source(target, "google_ads")))["all"]["impressions"] == 596708


def test_google_ads_bad_cell_names_the_file_line(tmp_path):
    path = copy_with(tmp_path, GOOGLE, '"98,120"', "lots")
    with pytest.raises(ConfigError, match=r"campaign_report.csv:5: impressions: expected a non-negative number, got 'lots'"):
        run(source(path, "google_ads"))


def test_ga4_source_medium_daily():
    report = run(source(GA4_DAILY, "ga4"))
    values = scopes(report)
    facebook = values["channel=facebook"]
    assert facebook["sessions"] == 601 + 241 + 88 + 559 + 224 + 52  # facebook / cpc and the referral hosts
    assert facebook["bounces"] == facebook["sessions"] - (157 + 148 + 41 + 140 + 139 + 22)
    assert facebook["bounce_rate"] == pytest.approx(1 - facebook["session_engagement_rate"], abs=1e-6)
    assert values["channel=google"]["sessions"] == 2210 + 2302
    assert values["channel=direct"]["conversions"] == 22 + 19
    assert facebook["time_on_site"] == pytest.approx(
        (601 * 31.4 + 241 * 74.9 + 88 * 52.0 + 559 * 29.8 + 224 * 71.3 + 52 * 40.1) / facebook["sessions"], abs=1e-5
    )


def test_ga4_report_with_two_tables_reads_the_channel_table():
    report = run(source(GA4_CHANNELS, "ga4"))
    values = scopes(report)
    assert values["channel=paid_social"]["sessions"] == 7350
    assert values["channel=organic_search"]["bounces"] == 12410 - 8204
    assert values["all"]["users"] == 9810 + 6120 + 5430 + 980 + 712 + 140
    assert report.summary.rows == 6


def test_ga4_bounce_rate_is_one_minus_engagement_rate(tmp_path):
    text = GA4_CHANNELS.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines()]
    header_at = next(i for i, line in enumerate(lines) if line.startswith("Session primary channel group"))
    table = list(csv.reader(lines[header_at:header_at + 7]))
    keep = [table[0].index(name) for name in ("Session primary channel group (Default Channel Group)", "Sessions", "Engagement rate")]
    target = tmp_path / "rate_only.csv"
    target.write_text("\n".join(lines[:9]) + "\n" + "\n".join(",".join(f'"{row[i]}"' for i in keep) for row in table) + "\n")
    values = scopes(run(source(target, "ga4")))
    assert values["channel=paid_social"]["bounce_rate"] == pytest.approx(1 - 0.2600, abs=1e-6)
    assert values["channel=paid_social"]["bounces"] == pytest.approx(7350 * (1 - 0.26), abs=1e-6)


def test_ga4_nth_day_counts_from_the_start_date_comment(tmp_path):
    lines = GA4_CHANNELS.read_text(encoding="utf-8").splitlines()
    first_table = lines[: lines.index("") ]
    target = tmp_path / "users_by_day.csv"
    # Only users by day: sessions are required, so give the series a Sessions column.
    target.write_text("\n".join(first_table[:9] + ["Nth day,Users,Sessions"] + [f"{row},{int(row.split(',')[1]) + 100}" for row in first_table[10:]]) + "\n")
    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.loading.prepare import load_config, prepare

    prepared = prepare(load_config({"client": "t", "business_model": "dtc_ecommerce", "data": [source(target, "ga4")]}))
    dataset = load_dataset(prepared.loaded.config, prepared.catalog, Path.cwd())
    dates = dataset.frame.get_column("date").cast(pl.String).to_list()
    assert dates[0] == "2026-07-01" and dates[-1] == "2026-07-07"


def test_linkedin_ads():
    report = run(source(LINKEDIN, "linkedin_ads"), currency="EUR", model="b2b")
    values = scopes(report)["all"]
    assert values["clicks"] == 142 + 96 + 131 + 88  # Clicks to Landing Page
    assert values["clicks_all"] == 219 + 131 + 201 + 120  # LinkedIn's Clicks: every click on the ad
    assert values["spend"] == pytest.approx(412.30 + 188.90 + 398.75 + 179.40)
    assert values["leads"] == 27 and values["cost_per_lead"] == pytest.approx(1179.35 / 27, abs=1e-6)
    assert set(scopes(report)) == {"all", "account=Acme B2B", "account=Acme B2B, channel=linkedin"}  # scopes nest under the account


def test_linkedin_dates_are_us_style(tmp_path):
    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.loading.prepare import load_config, prepare

    prepared = prepare(load_config({"client": "t", "business_model": "b2b", "data": [source(LINKEDIN, "linkedin_ads")]}))
    frame = load_dataset(prepared.loaded.config, prepared.catalog, Path.cwd()).frame
    assert sorted(frame.get_column("date").cast(pl.String).unique()) == ["2026-07-01", "2026-07-02"]


def test_tiktok_ads():
    report = run(source(TIKTOK, "tiktok_ads"))
    values = scopes(report)["channel=tiktok"]
    assert values["clicks"] == 498 + 351 + 476 + 330 and values["spend"] == pytest.approx(794.75)
    assert values["video_views"] == 117142 and values["video_completions"] == 14020
    assert values["video_completion_rate"] == pytest.approx(14020 / 117142, abs=1e-6)
    assert report.summary.rows == 4
    assert any("skipped 1 total row" in w and "6-second video views" in w for w in report.warnings)


def test_kaggle_fb_ads_conversions_may_exceed_clicks():
    report = run(source(KAGGLE, "kaggle_fb_ads"), model="dtc_ecommerce")
    values = scopes(report)["all"]
    assert values["impressions"] == 5242573 and values["clicks"] == 834
    assert values["conversions"] == 88 and values["purchases"] == 30
    assert any("4 of 18 ads report more conversions than clicks" in w for w in report.warnings)
    assert not any("not a known" in w for w in report.warnings)


def test_kaggle_click_conversion_rate_above_one_per_ad():
    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.evaluation.tables import metric_table
    from kpi_advisor.loading.prepare import load_config, prepare

    prepared = prepare(load_config({"client": "t", "business_model": "dtc_ecommerce", "data": [source(KAGGLE, "kaggle_fb_ads")]}))
    dataset = load_dataset(prepared.loaded.config, prepared.catalog, Path.cwd())
    table = metric_table(dataset, prepared.catalog, "ad")
    row = table.frame.filter(pl.col("ad") == "708746").row(0, named=True)
    assert row["click_conversion_rate"] == 2.0 and row["campaign"] == "916"


# --- bad input ------------------------------------------------------------------------------


def test_unknown_column_is_a_warning_naming_it(tmp_path):
    path = copy_with(tmp_path, META_EN, "Reporting ends\n", "Reporting ends,Mood score\n")
    text = path.read_text().splitlines()
    path.write_text("\n".join([text[0]] + [line + ",high" for line in text[1:]]) + "\n")
    report = run(source(path, "meta_ads"))
    assert any("column 'Mood score' is not a known metric or dimension and is ignored" in w for w in report.warnings)


def test_header_that_is_a_metric_id_is_read(tmp_path):
    path = copy_with(tmp_path, META_EN, "Reporting ends\n", "Reporting ends,Store visits\n")
    text = path.read_text().splitlines()
    path.write_text("\n".join([text[0]] + [line + ",3" for line in text[1:]]) + "\n")
    assert scopes(run(source(path, "meta_ads")))["all"]["store_visits"] == 24


def test_missing_required_column_lists_the_expected_headers(tmp_path):
    path = copy_with(tmp_path, GOOGLE, "Cost,", "Spend money,")
    with pytest.raises(ConfigError) as err:
        run(source(path, "google_ads"))
    message = str(err.value)
    assert "missing a column for spend: a google_ads export names it 'Cost', 'Kosten'" in message
    assert "the file's headers are: Campaign status, Campaign, Campaign type" in message


def test_no_header_row_found():
    with pytest.raises(ConfigError, match="no header row found that looks like a kaggle_fb_ads export; expected headers such as 'ad_id'"):
        run(source(TIKTOK, "kaggle_fb_ads"))


def test_column_options_rename_and_ignore(tmp_path):
    path = copy_with(tmp_path, META_EN, "Landing page views", "LPV (custom)")
    values = scopes(run(source(path, "meta_ads", columns={"LPV (custom)": "landing_page_views"}, ignore=["Results"])))["all"]
    assert values["landing_page_views"] == 1517 and "results" not in values
    with pytest.raises(ConfigError, match="options.ignore: no column 'Nope'"):
        run(source(path, "meta_ads", ignore=["Nope"]))


def test_misspelt_option_is_a_warning():
    report = run(source(META_EN, "meta_ads", decimal_coma=True))
    assert any("option 'decimal_coma' is not used by this format (did you mean 'decimal_comma'?)" in w for w in report.warnings)


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "comma", "expected"),
    [
        ("1,234", False, "1234.0"), ("12,345,678.9", False, "12345678.9"), ("2.5%", False, "0.025"), ("--", False, None),
        ("", False, None), ("  7 ", False, "7.0"), ("$1,517.82", False, "1517.82"), ("1e3", False, "1000.0"),
        ("1.234,5", True, "1234.5"), ("0,5 €", True, "0.5"), ("2,01 %", True, "0.0201"), ("1\u00a0234,5", True, "1234.5"),
        ("1,5", False, "1,5"), ("abc", False, "abc"), ("1.5", True, "1.5"), ("n/a", True, "n/a"), ("1'234.5", False, "1234.5"),
    ],
)
def test_number_text(raw, comma, expected):
    value = pl.select(number_text(pl.lit(raw, dtype=pl.String), decimal_comma=comma)).item()
    if expected is None or expected == raw:  # empty, or not a number: left for the engine to name
        assert value == expected
    else:
        assert float(value) == pytest.approx(float(expected))


@pytest.mark.parametrize(("options", "expected"), [({"decimal_comma": True}, True), ({"locale": "de_DE"}, True), ({"locale": "de-CH"}, False),
                                                   ({"locale": "en_US"}, False), ({"locale": "fr"}, True), ({}, None)])
def test_decimal_comma_from_locale(options, expected):
    assert decimal_comma_from(options) is expected


def test_generic_csv_quirks(tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text("\ufeffdate;channel;impressions;clicks;spend;ctr\n2026-07-01;facebook;1.234.567;12.345;1.234,50;1,0 %\n2026-07-02;facebook;--;;99,5;\n",
                    encoding="utf-8")
    report = run(source(path, "generic", separator=";", locale="de_DE"), currency="EUR")
    values = scopes(report)["all"]
    assert values["impressions"] == 1234567 and values["clicks"] == 12345 and values["spend"] == pytest.approx(1334.0)
    assert any("'ctr' is ignored: ctr is derived" in w for w in report.warnings)


def test_generic_csv_thousands_and_percent_without_options(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text('channel,Impressions,Link clicks,Amount spent\nfacebook,"12,000",360,"$1,200.00"\n')
    values = scopes(run(source(path, "generic"), currency="EUR"))["all"]
    assert values == pytest.approx({**values, "impressions": 12000, "clicks": 360, "spend": 1200.0})


def test_parquet_is_read_lazily(tmp_path):
    path = tmp_path / "rows.parquet"
    pl.DataFrame({"date": ["2026-07-01", "2026-07-02"], "channel": ["facebook"] * 2, "clicks": [10, 20], "impressions": [1000, 1500]}).write_parquet(path)
    frame, _ = read_generic(path, {"kind": "parquet"})
    assert isinstance(frame, pl.LazyFrame)
    report = run({"parquet": str(path)}, currency="EUR")
    assert scopes(report)["all"]["ctr"] == pytest.approx(30 / 2500)


def test_adapter_reads_parquet_with_the_platforms_headers(tmp_path):
    frame = pl.read_csv(META_EN, infer_schema=False)
    typed = frame.with_columns(pl.col("Impressions").str.replace_all(",", "").cast(pl.Int64), pl.col("Day").str.to_date())
    path = tmp_path / "meta.parquet"
    typed.write_parquet(path)
    values = scopes(run({"parquet": str(path), "format": "meta_ads"}))["all"]
    assert values["impressions"] == 90515 and values["clicks"] == 1773


# --- several sources --------------------------------------------------------------------------

GA4_FIXED = {"ignore": ["Total revenue"], "recode": {"campaign": {"summer_sale": "Summer Sale", "retargeting": "Retargeting"}}}


def test_meta_and_ga4_join_on_date_channel_and_campaign():
    report = run(source(META_EN, "meta_ads"), source(GA4_DAILY, "ga4", **GA4_FIXED))
    facebook = scopes(report)["channel=facebook"]
    # Clicks and spend from Meta, sessions and bounces from GA4, on the same scope.
    assert facebook["clicks"] == 1773 and facebook["sessions"] == 1765
    # Visits per ad click pairs the campaigns' visits with their clicks: the 88 + 52 visits from
    # facebook.com referrals (no campaign: nobody clicked an ad) are the channel's, not the ads'.
    assert facebook["click_to_session_rate"] == pytest.approx((1765 - 88 - 52) / 1773, abs=1e-6)
    assert facebook["bounce_rate"] == pytest.approx(1118 / 1765, abs=1e-6)
    assert not any("line up" in w for w in report.warnings)

    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.evaluation.tables import metric_table
    from kpi_advisor.loading.prepare import load_config, prepare

    prepared = prepare(load_config({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD",
                                    "data": [source(META_EN, "meta_ads"), source(GA4_DAILY, "ga4", **GA4_FIXED)]}))
    dataset = load_dataset(prepared.loaded.config, prepared.catalog, Path.cwd())
    table = metric_table(dataset, prepared.catalog, "campaign")
    summer = table.frame.filter(pl.col("campaign") == "Summer Sale").row(0, named=True)
    assert summer["clicks"] == 512 + 141 + 488 + 126 and summer["sessions"] == 601 + 559
    assert summer["bounce_rate"] == pytest.approx((601 - 157 + 559 - 140) / (601 + 559))


def test_campaign_names_that_do_not_line_up_are_a_warning():
    report = run(source(META_EN, "meta_ads"), source(GA4_DAILY, "ga4", ignore=["Total revenue"]))
    warning = next(w for w in report.warnings if "do not line up on campaign" in w)
    assert "'Summer Sale' = 'summer_sale'" in warning and "recode" in warning


def test_same_count_from_two_sources_is_an_error():
    with pytest.raises(ConfigError, match=r"ads_daily_en.csv and \S*source_medium_daily.csv both give revenue for date=2026-07-01, channel=facebook"):
        run(source(META_EN, "meta_ads"), source(GA4_DAILY, "ga4", recode=GA4_FIXED["recode"]))


def test_two_accounts_exports_of_the_same_campaigns_name_their_counts_together_and_point_at_account(tmp_path):
    # Two clients' Meta exports, same campaign names: every count overlaps, and the way out is
    # telling the files apart by account, not dropping columns. Counts overlapping on the same
    # scopes share a line; each line names scopes where all of its counts overlap.
    second = tmp_path / "second_account.csv"
    shutil.copy(META_EN, second)
    with pytest.raises(ConfigError) as raised:
        run(source(META_EN, "meta_ads"), source(second, "meta_ads"))
    lines = str(raised.value).splitlines()
    given = [line.split(" both give ", 1)[1].split(" for ", 1)[0].split(", ") for line in lines]
    assert {"impressions", "clicks", "spend", "purchases", "revenue"} <= {c for counts in given for c in counts}
    assert len(lines) < sum(len(counts) for counts in given)  # not one line per count
    assert all("{account: <name>}" in line for line in lines)
    report = run(source(META_EN, "meta_ads", account="first"), source(second, "meta_ads", account="second"))
    accounts = {m.scope.get("account") for m in report.metrics} - {None}
    assert accounts == {"first", "second"}


def test_an_overlap_names_each_count_with_its_own_scopes():
    rows_a = [{"date": "2026-07-01", "channel": "facebook", "clicks": 10}, {"date": "2026-07-01", "channel": "google_ads", "revenue": 5.0}]
    rows_b = [{"date": "2026-07-01", "channel": "facebook", "clicks": 12}, {"date": "2026-07-01", "channel": "google_ads", "revenue": 7.0}]
    with pytest.raises(ConfigError) as raised:
        evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": [{"records": rows_a}, {"records": rows_b}]})
    lines = str(raised.value).splitlines()
    assert any("both give clicks for date=2026-07-01, channel=facebook:" in line for line in lines), lines
    assert any("both give revenue for date=2026-07-01, channel=google_ads:" in line for line in lines), lines
    # Records take no options: the hint is an account on each row.
    assert all("give each row its account" in line and "options: {account" not in line for line in lines)


def test_sources_with_no_common_channel_are_a_warning():
    report = run(source(META_EN, "meta_ads"), source(GA4_CHANNELS, "ga4", ignore=["Total revenue"]))
    assert any("share no channel" in w and "paid_social" in w for w in report.warnings)
    # recoding GA4's channel group to the ad platform's channel makes them meet
    report = run(source(META_EN, "meta_ads"), source(GA4_CHANNELS, "ga4", ignore=["Total revenue"], recode={"channel": {"paid_social": "facebook"}}))
    assert not any("share no channel" in w for w in report.warnings)
    assert scopes(report)["channel=facebook"]["sessions"] == 7350


def test_dates_that_do_not_line_up_are_a_warning(tmp_path):
    path = copy_with(tmp_path, GA4_DAILY, "20260702", "20260703", count=5)
    report = run(source(META_EN, "meta_ads"), source(path, "ga4", **GA4_FIXED))
    assert any("do not cover the same dates" in w and "2026-07-03" in w for w in report.warnings)


def test_different_currencies_are_an_error():
    with pytest.raises(ConfigError, match=r"different currencies: .*campaigns_platform_age_de.csv is in EUR \(the export\); .*ads_daily.csv is in USD"):
        run(source(META_DE, "meta_ads"), source(TIKTOK, "tiktok_ads"), currency="EUR")


def test_three_platforms_and_analytics_together():
    report = run(
        source(META_EN, "meta_ads"), source(GOOGLE, "google_ads"), source(TIKTOK, "tiktok_ads"),
        source(GA4_DAILY, "ga4", **GA4_FIXED, currency="USD"),
    )
    values = scopes(report)
    assert values["all"]["spend"] == pytest.approx(1499.10 + 8622.20 + 794.75)
    assert values["channel=tiktok"]["clicks"] == 1655 and values["channel=google_ads"]["clicks"] == 1234 + 2310
    assert sum(values[f"channel={c}"]["clicks"] for c in ("google_ads", "google_display", "google_pmax", "google_video")) == 6022
    assert values["channel=facebook"]["sessions"] == 1765


def test_repeated_records_are_summed_with_a_warning(tmp_path):
    config = tmp_path / "client.yaml"
    config.write_text(
        "client: t\nbusiness_model: dtc_ecommerce\ndata:\n  - records:\n"
        "      - {date: 2026-07-01, channel: facebook, clicks: 10}\n"
        "      - {date: 2026-07-01, channel: instagram, clicks: 5}\n"
        "      - {date: 2026-07-01, channel: facebook, clicks: 10}\n"
    )
    report = evaluate(config)
    assert scopes(report)["channel=facebook"]["clicks"] == 20
    assert "data[0].records: 2 rows repeat a scope and date and were added up" in report.warnings


def test_repeated_records_can_be_refused(tmp_path):
    frame = pl.DataFrame({"channel": ["facebook", "facebook"], "clicks": [1, 2]})
    from kpi_advisor.data.sources import prepare_source

    with pytest.raises(ConfigError, match=r"data: channel=facebook appears more than once \(rows 1 and 2\)"):
        prepare_source(frame, get_catalog(), lambda row, column: __import__("kpi_advisor").Problem(""), "data", repeats="error")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a1", "a2", None]), st.sampled_from(["facebook", "tiktok", None]),
                          st.sampled_from(range(3))), min_size=2, max_size=12))
def test_a_repeat_is_refused_exactly_when_two_rows_share_their_scope_and_date(keys):
    """The row-hash shortcut never lets a repeat through, with null scopes too."""
    import datetime as dt

    from kpi_advisor.data.sources import prepare_source

    frame = pl.DataFrame({"account": [k[0] for k in keys], "channel": [k[1] for k in keys],
                          "date": [dt.date(2026, 7, 1 + k[2]) for k in keys],
                          "clicks": list(range(len(keys)))}, schema_overrides={"date": pl.Date})
    repeated = len(set(keys)) < len(keys)
    try:
        prepare_source(frame, get_catalog(), lambda row, column: __import__("kpi_advisor").Problem(""), "data", repeats="error")
    except ConfigError as exc:
        assert repeated and "appears more than once" in str(exc)
    else:
        assert not repeated


def test_repeated_rows_in_a_file_and_the_sum_option(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("date,channel,clicks\n2026-07-01,facebook,10\n2026-07-01,facebook,15\n2026-07-02,facebook,5\n")
    with pytest.raises(ConfigError, match=r"export.csv:2: date=2026-07-01, channel=facebook appears more than once \(lines 2 and 3\)"):
        run(source(path, "generic"))
    report = run(source(path, "generic", duplicates="sum"))
    assert scopes(report)["all"]["clicks"] == 30
    assert any("export.csv: 2 rows repeat a scope and date and were added up" in w for w in report.warnings)


def test_repeated_export_rows_are_caught_before_breakdowns_are_summed(tmp_path):
    text = META_DE.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "twice.csv"
    path.write_text("\n".join(text + [text[1]]) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"twice.csv:2: .*age=25-34 appears more than once \(lines 2 and 8\)"):
        run(source(path, "meta_ads"), currency="EUR")


# --- speed --------------------------------------------------------------------------------------


def test_reading_stays_fast(tmp_path):
    """100,000 rows of a generic CSV, and every sample export, read without a loop over rows."""
    rows = 100_000
    frame = pl.DataFrame({
        "date": pl.date_range(pl.date(2020, 1, 1), pl.date(2020, 1, 1) + pl.duration(days=rows - 1), eager=True).cast(pl.String),
        "channel": ["facebook", "instagram", "linkedin", "tiktok"] * (rows // 4),
        "impressions": [f"{1000 + i % 977:,}" for i in range(rows)],
        "clicks": [str(10 + i % 37) for i in range(rows)],
        "spend": [f"{5 + i % 13}.50" for i in range(rows)],
    })
    path = tmp_path / "big.csv"
    frame.write_csv(path)
    start = time.perf_counter()
    report = run(source(path, "generic"), currency="EUR")
    elapsed = time.perf_counter() - start
    assert report.summary.rows == rows
    assert elapsed < 10, f"100k rows took {elapsed:.2f}s"


# --- docs/data-formats.md stays in step ---------------------------------------------------------

FORMATS_DOC = Path(__file__).resolve().parents[1] / "docs" / "data-formats.md"


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: a.layout.name)
def test_doc_lists_every_header_of_each_adapter(adapter):
    import re

    layout = adapter.layout
    text = FORMATS_DOC.read_text(encoding="utf-8")
    section = re.search(rf"<!-- columns:{layout.name} -->\n(.*?)<!-- /columns -->", text, flags=re.S)
    assert section, f"docs/data-formats.md has no column table for {layout.name}"
    body = section.group(1)
    headers = [h for f in layout.fields for h in f.headers] + list(layout.recomputed + layout.unused + layout.breakdowns)
    assert [h for h in headers if f"`{h}`" not in body] == []
    assert [f.target for f in layout.fields if not f.target.startswith("_") and f"`{f.target}`" not in body] == []
    assert f"### {layout.name}" in text


def test_doc_join_example_runs(tmp_path):
    import re

    import yaml

    block = next(b for b in re.findall(r"```yaml\n(.*?)```", FORMATS_DOC.read_text(encoding="utf-8"), flags=re.S) if "meta_july.csv" in b and "ignore: [Total revenue]" in b)
    shutil.copy(META_EN, tmp_path / "meta_july.csv")
    shutil.copy(GA4_DAILY, tmp_path / "ga4_source_medium.csv")
    config = {"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", **yaml.safe_load(block)}
    (tmp_path / "client.yaml").write_text(yaml.safe_dump(config))
    report = evaluate(tmp_path / "client.yaml")
    facebook = scopes(report)["channel=facebook"]
    assert facebook["clicks"] == 1773 and facebook["sessions"] == 1765
    assert not any("line up" in w for w in report.warnings)


def test_doc_repeated_rows_message_is_the_engines(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("date,channel,clicks\n2026-07-01,facebook,10\n2026-07-01,facebook,15\n")
    (tmp_path / "client.yaml").write_text("client: t\nbusiness_model: b2b\ndata:\n  - csv: export.csv\n")
    with pytest.raises(ConfigError) as err:
        evaluate(tmp_path / "client.yaml")
    assert f"error: {err.value}" in FORMATS_DOC.read_text(encoding="utf-8")


# --- columns that split rows without being a dimension -------------------------------------------


def test_ga4_channel_group_and_source_medium_together_are_summed(tmp_path):
    path = tmp_path / "explore.csv"
    path.write_text(
        "# Start date: 20260701\n"
        "Session default channel group,Session source / medium,Sessions,Engaged sessions,User engagement\n"
        "Paid Social,facebook / cpc,100,40,00:10:00\n"
        "Paid Social,ig / paid,50,30,00:05:30\n"
        "Organic Search,google / organic,200,150,3600\n"
    )
    report = run(source(path, "ga4"))
    values = scopes(report)["channel=paid_social"]
    assert values["sessions"] == 150 and values["bounces"] == 80
    assert values["engagement_time"] == 600 + 330 and values["time_on_site"] == pytest.approx(930 / 150, abs=1e-6)
    assert any("summed 3 rows into 2 over Session source / medium" in w for w in report.warnings)


def test_ga4_engaged_sessions_above_sessions_are_said_in_the_files_own_columns(tmp_path):
    """The file has no bounces column: "bounces: counts cannot be negative" named one it lacks."""
    path = tmp_path / "ga4.csv"
    path.write_text("Date,Session source / medium,Sessions,Engaged sessions\n20260701,google / cpc,100,120\n20260702,google / cpc,100,60\n")
    with pytest.raises(ConfigError) as info:
        run(source(path, "ga4"))
    assert str(info.value).endswith("ga4.csv:2: engaged_sessions: 120 engaged_sessions but only 100 sessions on this row "
                                    "(session_engagement_rate over 100%); engaged sessions are sessions")
    path.write_text("Date,Session source / medium,Sessions,Engaged sessions\n20260701,google / cpc,100,100\n20260702,google / cpc,100,60.5\n")
    assert scopes(run(source(path, "ga4")))["all"]["bounces"] == pytest.approx(39.5)


def test_ga4_hours_are_summed_into_days(tmp_path):
    path = tmp_path / "hourly.csv"
    path.write_text("Date + hour (YYYYMMDDHH),Session source,Sessions,Engaged sessions\n2026070109,facebook,10,4\n2026070110,facebook,12,6\n2026070209,facebook,7,1\n")
    from kpi_advisor.data.sources import load_dataset
    from kpi_advisor.loading.prepare import load_config, prepare

    prepared = prepare(load_config({"client": "t", "business_model": "dtc_ecommerce", "data": [source(path, "ga4")]}))
    frame = load_dataset(prepared.loaded.config, prepared.catalog, Path.cwd()).frame.sort("date")
    assert frame.get_column("sessions").to_list() == [22, 7]
    assert frame.get_column("date").cast(pl.String).to_list() == ["2026-07-01", "2026-07-02"]


def test_meta_platform_rows_are_summed_when_the_channel_is_given():
    report = run(source(META_DE, "meta_ads", channel="meta"), currency="EUR")
    values = scopes(report)
    assert {k for k in values if "age=" not in k} == {"all", "channel=meta"} and values["channel=meta"]["clicks"] == 1668


def test_google_ads_campaign_type_splits_the_channel_unless_one_is_given():
    report = run(source(GOOGLE, "google_ads"))
    assert any("not used: Campaign status, Budget, Budget type, Interactions;" in w for w in report.warnings)
    assert {"channel=google_display", "channel=google_pmax", "channel=google_video"} <= set(scopes(report))
    report = run(source(GOOGLE, "google_ads", channel="google_ads"))
    assert set(scopes(report)) == {"all", "channel=google_ads"}
    assert any("not used: Campaign status, Budget, Budget type, Interactions, Campaign type;" in w for w in report.warnings)


def test_a_header_is_looked_for_near_the_top_only(tmp_path, monkeypatch):
    """Rows separated by blank lines made every row a header candidate (9 s per 10 MB)."""
    from kpi_advisor.plugins.adapters import reading

    calls = []
    original = reading._split
    monkeypatch.setattr(reading, "_split", lambda line, separator: calls.append(1) or original(line, separator))
    rows = ["Campaign name,Reach,Impressions,Link clicks,Amount spent (EUR)"] + [f"Camp {i},100,1000,20,5.5" for i in range(5000)]
    path = tmp_path / "meta.csv"
    path.write_text("\n\n".join(rows) + "\n")
    with pytest.raises(ConfigError):
        evaluate({"client": "X", "business_model": "dtc_ecommerce", "data": [{"csv": str(path), "format": "meta_ads"}]})
    assert len(calls) <= 3 * reading.HEADER_SEARCH_BLOCKS + 1  # each candidate's separators, and the chosen header once more


def test_the_main_table_after_a_year_of_chart_rows_is_found(tmp_path):
    """GA4's download of a year: the chart's table (a row per day and channel) comes first."""
    channels = ["Organic Search", "Paid Social", "Direct", "Referral", "Email"]
    chart = ["Nth day,Session primary channel group (Default Channel Group),Sessions"]
    chart += [f"{day:04d},{channel},100" for day in range(365) for channel in channels]
    main = ["Session primary channel group (Default Channel Group),Sessions,Engaged sessions,Key events,Total revenue"]
    main += [f"{channel},36500,18250,{100 + i},{1000 * (i + 1)}" for i, channel in enumerate(channels)]
    path = tmp_path / "ga4.csv"
    path.write_text("# Start date: 20250701\n# End date: 20260630\n" + "\n".join(chart) + "\n\n" + "\n".join(main) + "\n")
    report = run(source(path, "ga4"))
    total = scopes(report)["all"]
    assert total["sessions"] == 5 * 36500 and total["revenue"] == 15000 and total["conversions"] == 510


def _warnings_of(*sources: list[dict]) -> list[str]:
    data = [{"records": rows, "name": name} for name, rows in zip(("meta", "google", "ga4"), sources)]
    return evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD", "data": data}).warnings


META_ROWS = [{"account": "Acme", "channel": "facebook", "campaign": "Summer", "impressions": 5000, "clicks": 90, "spend": 50, "add_to_cart": 4}]
GOOGLE_ROWS = [{"account": "Acme", "channel": "google_ads", "campaign": "Brand", "impressions": 900, "clicks": 80, "spend": 40, "conversions": 3}]


def test_two_ad_platforms_on_channels_of_their_own_are_not_said_to_misalign():
    """Meta's adds to cart beside Google's conversions made them 'complementary', and each
    account's facebook and google_ads were said not to line up."""
    assert not any("line up" in w or "share no channel" in w for w in _warnings_of(META_ROWS, GOOGLE_ROWS))


def test_analytics_with_more_channels_than_the_ads_within_one_account_is_no_misalignment():
    visits = [{"account": "Acme", "channel": c, "sessions": 300, "bounces": 100} for c in ("facebook", "google", "direct")]
    assert not any("line up on channel" in w for w in _warnings_of(META_ROWS, GOOGLE_ROWS, visits))


def test_exports_per_account_are_not_said_to_misalign():
    """LinkedIn's EU account beside GA4's US property and a CRM of both: an account one file lacks
    is another file's. Seven such warnings on a two-account client said ratios were undefined where
    they were not."""
    ads = [{**META_ROWS[0], "account": "Ledgerly EU"}]
    visits = [{"account": "Ledgerly US", "channel": "facebook", "campaign": "Summer", "sessions": 80, "bounces": 30}]
    crm = [{"account": a, "channel": "facebook", "campaign": "Summer", "leads": 5} for a in ("Ledgerly EU", "Ledgerly US")]
    assert not any("line up on account" in w for w in _warnings_of(ads, visits, crm))


def test_account_names_that_only_look_different_are_a_warning():
    ads = [{**META_ROWS[0], "account": "Ledgerly EU"}]
    visits = [{"account": "ledgerly-eu", "channel": "facebook", "campaign": "Summer", "sessions": 80, "bounces": 30}]
    warning = next(w for w in _warnings_of(ads, visits) if "line up on account" in w)
    assert "'Ledgerly EU' = 'ledgerly-eu'" in warning


def test_analytics_sharing_no_channel_with_the_ads_of_its_account_is_a_warning():
    visits = [{"account": "Acme", "channel": "paid_social", "sessions": 300, "bounces": 100}]
    [warning] = [w for w in _warnings_of(META_ROWS, GOOGLE_ROWS, visits) if w.startswith("meta and ga4 share no channel")]
    assert "both give" not in warning  # nothing they both count: nothing added up twice


def test_counts_both_give_on_channels_that_never_meet_are_said_to_add_up_twice():
    visits = [{"account": "Acme", "channel": "paid_social", "sessions": 300, "bounces": 100, "add_to_cart": 3}]
    [warning] = [w for w in _warnings_of(META_ROWS, GOOGLE_ROWS, visits) if w.startswith("meta and ga4 share no channel")]
    assert "both give add_to_cart, and the totals add both up" in warning and "options: {ignore: [add_to_cart]}" in warning


def test_an_account_whose_channels_meet_none_of_the_analytics_is_named_though_another_account_meets():
    ads = [{"account": a, "channel": "facebook", "campaign": "S", "impressions": 5000, "clicks": 90, "spend": 50} for a in ("Acme", "Beta")]
    visits = [{"account": "Acme", "channel": "facebook", "sessions": 80, "bounces": 30},
              {"account": "Beta", "channel": "paid_social", "sessions": 80, "bounces": 30}]
    warnings = evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": "USD",
                         "data": [{"records": ads, "name": "ads"}, {"records": visits, "name": "ga4"}]}).warnings
    assert any(w.startswith("ads and ga4 share no channel in account=Beta (ads: facebook; ga4: paid_social)") for w in warnings)


GADS_TYPES = (
    "Day,Campaign,Campaign type,Currency code,Impr.,Clicks,Cost,Conversions\n"
    "2026-07-01,Brand,Search,USD,4000,400,300.00,12\n"
    "2026-07-01,PMax - All,Performance Max,USD,90000,900,700.00,20\n"
    "2026-07-02,Brand,Search,USD,4200,420,310.00,13\n"
    "2026-07-02,PMax - All,Performance Max,USD,95000,950,720.00,22\n"
)
GA4_CAMPAIGNS = (
    "Date,Session source / medium,Session campaign,Sessions,Engaged sessions\n"
    "20260701,google / cpc,Brand,380,250\n"
    "20260701,google / cpc,PMax - All,810,400\n"
    "20260701,google / cpc,Old Promo,40,20\n"
    "20260701,google / organic,(organic),2000,1300\n"
    "20260702,google / cpc,Brand,400,260\n"
    "20260702,google / cpc,PMax - All,860,420\n"
    "20260702,google / organic,(organic),2100,1350\n"
)


def test_ga4_visits_follow_a_campaign_to_its_finer_channel(tmp_path):
    """GA4 calls every Google Ads campaign google / cpc; Google Ads names Performance Max apart
    (google_pmax). The PMax campaign's visits follow it there, so its visits per click are its
    own, and search's are search's; a campaign Google Ads does not name stays google_ads."""
    (tmp_path / "gads.csv").write_text(GADS_TYPES)
    (tmp_path / "ga4.csv").write_text(GA4_CAMPAIGNS)
    report = run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4"))
    values = scopes(report)
    assert values["channel=google_pmax"]["sessions"] == 810 + 860 and values["channel=google_pmax"]["clicks"] == 900 + 950
    assert values["channel=google_ads"]["sessions"] == 380 + 400 + 40 and values["channel=google_ads"]["clicks"] == 400 + 420
    assert any("ga4.csv: 2 rows of 1 campaign that " in w and "gads.csv names under google_pmax moved there from google_ads" in w
               for w in report.warnings), report.warnings
    # Named under two finer channels by the others (a Display and a PMax campaign of one name): not placed.
    (tmp_path / "gads.csv").write_text(GADS_TYPES + "2026-07-02,PMax - All,Display,USD,1000,10,5.00,0\n")
    report = run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4"))
    assert scopes(report)["channel=google_ads"]["sessions"] == 380 + 400 + 40 + 810 + 860
    assert not any("moved there" in w for w in report.warnings)


def test_a_campaign_written_otherwise_than_its_finer_channel_is_said_with_the_recode_that_moves_it(tmp_path):
    """A UTM written in lower case ('pmax - all') is not Google Ads' 'PMax - All': its visits stay
    under google_ads beside search's clicks. The line-up warning cannot say why (the two are under
    different channels): a note names the pair and the recode, and the recode moves them."""
    (tmp_path / "gads.csv").write_text(GADS_TYPES)
    (tmp_path / "ga4.csv").write_text(GA4_CAMPAIGNS.replace("PMax - All", "pmax_all"))
    report = run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4"))
    assert scopes(report)["channel=google_ads"]["sessions"] == 380 + 400 + 40 + 810 + 860
    [note] = [w for w in report.warnings if "look" in w and "like one" in w]
    assert "ga4.csv: 1 campaign under google_ads looks like one that " in note and ("gads.csv names under a channel of its own: "
                                                                              "'pmax_all' = 'PMax - All' (google_pmax)") in note, note
    assert '(options: {recode: {campaign: {"pmax_all": "PMax - All"}}} on ' in note and note.endswith("ga4.csv moves it)")
    report = run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4", recode={"campaign": {"pmax_all": "PMax - All"}}))
    assert scopes(report)["channel=google_pmax"]["sessions"] == 810 + 860
    assert not any("like one" in w for w in report.warnings)
    # 'Old Promo' is like nothing Google Ads places: no note for it, and none where the names agree.
    (tmp_path / "ga4.csv").write_text(GA4_CAMPAIGNS)
    assert not any("like one" in w for w in run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4")).warnings)


def test_no_campaign_alike_is_said_where_the_names_meet_as_written_or_share_no_letter():
    """Search 'brand' meets Google Ads' search 'brand' as written: PMax 'Brand' beside it is no
    reason to move its visits. Names of other scripts are compared by their letters (Cyrillic is
    not "no letters"), and a name of no letter or digit is like none."""
    ads = [{"account": "A", "channel": "google_ads", "campaign": "brand", "clicks": 400, "impressions": 4000},
           {"account": "A", "channel": "google_pmax", "campaign": "Brand", "clicks": 900, "impressions": 90000},
           {"account": "A", "channel": "google_pmax", "campaign": "Распродажа", "clicks": 500, "impressions": 50000},
           {"account": "A", "channel": "google_pmax", "campaign": "★★", "clicks": 50, "impressions": 5000}]
    visits = [{"account": "A", "channel": "google_ads", "campaign": c, "sessions": 100} for c in ("brand", "Бренд", "Акция", "☆")]
    warnings = run({"records": ads, "name": "ads"}, {"records": visits, "name": "analytics"}).warnings
    assert not any("like one" in w for w in warnings), warnings


def test_a_campaign_alike_gives_a_recode_that_reads_as_yaml_and_sums_a_name_written_both_ways(tmp_path):
    """A name with a quote stays one YAML value; where the source also writes the campaign as Google
    Ads does (auto-tagged rows beside a UTM), the recode adds the two up; a records source, which
    takes no options, gets the pair named without a recode."""
    from kpi_advisor.loading.yamlsafe import load_yaml_text

    def safe_load(text: str):
        return load_yaml_text(text).data

    gads = GADS_TYPES.replace("PMax - All", "Mom's Day - PMax")
    ga4 = GA4_CAMPAIGNS.replace("20260701,google / cpc,PMax - All", "20260701,google / cpc,moms_day_pmax").replace("PMax - All", "Mom's Day - PMax")
    (tmp_path / "gads.csv").write_text(gads)
    (tmp_path / "ga4.csv").write_text(ga4)
    [note] = [w for w in run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4")).warnings if "like one" in w]
    options = note[note.index("(options: ") + len("(options: "):note.rindex(" on ")]
    assert safe_load(options) == {"recode": {"campaign": {"moms_day_pmax": "Mom's Day - PMax"}}, "duplicates": "sum"}, note
    report = run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4", **safe_load(options)))
    assert scopes(report)["channel=google_pmax"]["sessions"] == 810 + 860
    ads = [{"channel": "google_pmax", "campaign": "PMax - All", "clicks": 900, "impressions": 90000}]
    [note] = [w for w in run({"records": ads, "name": "ads"}, {"records": [{"channel": "google_ads", "campaign": "pmax_all", "sessions": 800}],
                                                              "name": "analytics"}).warnings if "like one" in w]
    assert "'pmax_all' = 'PMax - All' (google_pmax)" in note and "recode" not in note


def test_a_finer_channel_is_followed_within_its_account_only():
    """Two accounts run a campaign of one name: in A it is Performance Max, in B search. Only A's
    visits follow it to google_pmax; a source's own google_ads rows never move by its own names."""
    ads = [{"account": "A", "channel": "google_pmax", "campaign": "Always On", "clicks": 500, "impressions": 40000},
           {"account": "B", "channel": "google_ads", "campaign": "Always On", "clicks": 300, "impressions": 6000},
           {"account": "A", "channel": "google_ads", "campaign": "Brand", "clicks": 200, "impressions": 3000}]
    visits = [{"account": "A", "channel": "google_ads", "campaign": "Always On", "sessions": 450},
              {"account": "B", "channel": "google_ads", "campaign": "Always On", "sessions": 280},
              {"account": "A", "channel": "google_ads", "campaign": "Brand", "sessions": 190}]
    report = run({"records": ads, "name": "ads"}, {"records": visits, "name": "analytics"})
    values = scopes(report)
    assert values["account=A, channel=google_pmax"]["sessions"] == 450
    assert values["account=A, channel=google_ads"]["sessions"] == 190
    assert values["account=B, channel=google_ads"]["sessions"] == 280
    assert any(w.startswith("analytics: 1 row of 1 campaign that ads names under google_pmax moved there") for w in report.warnings)


def test_finer_channels_fold_back_where_visits_come_without_campaigns(tmp_path):
    """GA4 by source / medium only: its google / cpc visits are every campaign type's. Beside search's
    clicks alone they would make a visit rate of all visits over some clicks, so the types stay
    under google_ads, with a note saying how to judge them apart."""
    (tmp_path / "gads.csv").write_text(GADS_TYPES)
    (tmp_path / "ga4.csv").write_text(
        "Date,Session source / medium,Sessions,Engaged sessions\n"
        "20260701,google / cpc,1230,670\n20260702,google / cpc,1260,680\n")
    report = run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4"))
    values = scopes(report)
    assert "channel=google_pmax" not in values
    assert values["channel=google_ads"]["clicks"] == 400 + 900 + 420 + 950 and values["channel=google_ads"]["sessions"] == 1230 + 1260
    assert any("gads.csv: its google_pmax campaigns stay under google_ads, as" in w and "ga4.csv gives google_ads rows with no campaign" in w
               for w in report.warnings), report.warnings
    # Per account: another account's Performance Max keeps its channel.
    ads = [{"account": "A", "channel": "google_pmax", "campaign": "P", "clicks": 500},
           {"account": "B", "channel": "google_pmax", "campaign": "P", "clicks": 300}]
    visits = [{"account": "A", "channel": "google_ads", "sessions": 450}]
    values = scopes(run({"records": ads, "name": "ads"}, {"records": visits, "name": "analytics"}))
    assert values["account=A, channel=google_ads"]["clicks"] == 500 and values["account=B, channel=google_pmax"]["clicks"] == 300


def test_campaign_types_in_german_unknown_or_blank_keep_search_with_its_visits(tmp_path):
    """Suchnetzwerk is search: it stays google_ads beside GA4's google / cpc visits. A type not
    known here stays google_ads too, as before types were read; a blank type is its campaign's."""
    (tmp_path / "gads.csv").write_text(
        "Tag,Kampagne,Kampagnentyp,Währungscode,Impressionen,Klicks,Kosten\n"
        "2026-07-01,Marke,Suchnetzwerk,EUR,4000,400,300\n"
        "2026-07-01,Banner,Displaynetzwerk,EUR,90000,300,100\n"
        "2026-07-01,Hotels,Hotel,EUR,5000,100,80\n"
        "2026-07-02,Banner,,EUR,80000,250,90\n")
    (tmp_path / "ga4.csv").write_text(
        "Date,Session source / medium,Session campaign,Sessions,Engaged sessions\n"
        "20260701,google / cpc,Marke,380,250\n20260701,google / cpc,Banner,200,40\n20260701,google / cpc,Hotels,90,50\n")
    values = scopes(run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4"), currency="EUR"))
    assert values["channel=google_ads"]["clicks"] == 400 + 100 and values["channel=google_ads"]["sessions"] == 380 + 90
    assert values["channel=google_display"]["clicks"] == 300 + 250 and values["channel=google_display"]["sessions"] == 200
    assert set(values) == {"all", "channel=google_ads", "channel=google_display"}


def test_organic_youtube_is_no_video_campaign(tmp_path):
    """Video campaigns are google_video, not youtube: GA4's youtube.com referrals are organic
    visits, and neither follow a campaign nor fold into google_ads."""
    (tmp_path / "gads.csv").write_text(GADS_TYPES.replace("PMax - All,Performance Max", "Story,Video"))
    (tmp_path / "ga4.csv").write_text(
        "Date,Session source / medium,Sessions,Engaged sessions\n"
        "20260701,google / cpc,1230,670\n20260701,youtube.com / referral,610,300\n")
    values = scopes(run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4")))
    assert values["channel=youtube"]["sessions"] == 610 and values["channel=youtube"].get("clicks") is None
    assert values["channel=google_ads"]["clicks"] == 400 + 900 + 420 + 950  # folded: GA4 has no campaigns


def test_a_source_never_folds_or_moves_by_its_own_rows():
    """A Google Ads report by campaign type only (no campaign) beside an unrelated source keeps its
    types apart; a campaign that is Performance Max in one account and search in another is not
    placed for a source that names no account."""
    ads = [{"channel": "google_ads", "clicks": 400}, {"channel": "google_pmax", "clicks": 900}]
    values = scopes(run({"records": ads, "name": "ads"}, {"records": [{"channel": "facebook", "clicks": 50}], "name": "meta"}))
    assert values["channel=google_pmax"]["clicks"] == 900 and values["channel=google_ads"]["clicks"] == 400
    ads = [{"account": "A", "channel": "google_pmax", "campaign": "X", "clicks": 500},
           {"account": "B", "channel": "google_ads", "campaign": "X", "clicks": 300}]
    visits = [{"channel": "google_ads", "campaign": "X", "sessions": 700}]
    report = run({"records": ads, "name": "ads"}, {"records": visits, "name": "analytics"})
    assert not any("moved there" in w for w in report.warnings)


def test_every_source_of_google_ads_rows_by_campaign_follows(tmp_path):
    """GA4 in two monthly files, and a shop's orders by campaign: each source's google_ads rows of
    a Performance Max campaign follow it; plain google_ads rows elsewhere make no campaign
    ambiguous, only another finer name for it does (its type changed), which is said."""
    (tmp_path / "gads.csv").write_text(GADS_TYPES)
    (tmp_path / "ga4_a.csv").write_text(GA4_CAMPAIGNS)
    (tmp_path / "ga4_b.csv").write_text(GA4_CAMPAIGNS.replace("2026070", "2026080"))
    orders = [{"date": "2026-07-01", "channel": "google_ads", "campaign": "PMax - All", "purchases": 9},
              {"date": "2026-07-01", "channel": "google_ads", "campaign": "Brand", "purchases": 4}]
    report = run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4_a.csv", "ga4"), source(tmp_path / "ga4_b.csv", "ga4"),
                 {"records": orders, "name": "orders"})
    values = scopes(report)
    assert values["channel=google_pmax"]["sessions"] == 2 * (810 + 860) and values["channel=google_pmax"]["purchases"] == 9
    assert values["channel=google_ads"]["sessions"] == 2 * (380 + 400 + 40) and values["channel=google_ads"]["purchases"] == 4
    assert sum(1 for w in report.warnings if "names under google_pmax moved there" in w) == 3
    # The campaign ran as Shopping, then as Performance Max: not placed, and said.
    (tmp_path / "gads.csv").write_text(GADS_TYPES.replace("2026-07-01,PMax - All,Performance Max", "2026-07-01,PMax - All,Shopping"))
    report = run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4_a.csv", "ga4"))
    assert any("ga4_a.csv: 1 campaign that" in w and "under more than one channel stays under google_ads (e.g. 'PMax - All': "
               "google_pmax, google_shopping)" in w for w in report.warnings), report.warnings


def test_a_report_by_campaign_type_only_folds_beside_visits_by_campaign(tmp_path):
    """Google Ads by campaign type (no campaign) beside GA4 by campaign: GA4's visits cannot be
    matched to a type, so the types fold back under google_ads, where all of them meet."""
    (tmp_path / "gads.csv").write_text("Day,Campaign type,Currency code,Impr.,Clicks,Cost\n"
                                       "2026-07-01,Search,USD,4000,400,300\n2026-07-01,Performance Max,USD,90000,900,700\n")
    (tmp_path / "ga4.csv").write_text(GA4_CAMPAIGNS)
    report = run(source(tmp_path / "gads.csv", "google_ads"), source(tmp_path / "ga4.csv", "ga4"))
    values = scopes(report)
    assert "channel=google_pmax" not in values and values["channel=google_ads"]["clicks"] == 1300
    assert any("gads.csv: its google_pmax campaigns stay under google_ads, as" in w and "that its campaigns cannot be matched to" in w
               for w in report.warnings), report.warnings

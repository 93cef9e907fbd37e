"""Excel workbooks as data sources (``excel:``): a platform's .xlsx export reads as its CSV export
does, through the same adapter; a sheet is chosen by name or number; what is no workbook, or a
zip bomb saved as one, is refused with one line."""

from __future__ import annotations

import datetime as dt
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from kpi_advisor import ConfigError, evaluate, limits

from workbooks import csv_as_cells, with_part, write_xlsx

DATA = Path(__file__).parent / "data"
EXPORTS = sorted(DATA.glob("*/*.csv"))
EURO = {"campaigns_platform_age_de.csv", "campaign_performance.csv"}


def run(entry: dict, currency: str = "USD"):
    return evaluate({"client": "t", "business_model": "dtc_ecommerce", "currency": currency, "data": [entry]})


@pytest.mark.parametrize("export", EXPORTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_platform_s_workbook_reads_as_its_csv_export(tmp_path, export):
    """The cells the platform's .xlsx holds (numbers as numbers, dates as dates; 2.70% and 1,234
    as the text it writes there), read by the same adapter: the same scopes, values and warnings."""
    fmt, currency = export.parent.name, "EUR" if export.name in EURO else "USD"
    book = write_xlsx(tmp_path / "export.xlsx", csv_as_cells(export, decimal_comma=export.stem.endswith("_de")))
    from_csv = run({"csv": str(export), "format": fmt, "name": "export"}, currency)
    from_book = run({"excel": str(book), "format": fmt, "name": "export"}, currency)
    assert from_book.metrics and [m.model_dump() for m in from_book.metrics] == [m.model_dump() for m in from_csv.metrics]
    assert from_book.warnings == from_csv.warnings
    assert from_book.findings == from_csv.findings


ROWS = [["date", "channel", "campaign", "impressions", "clicks", "spend"],
        [dt.date(2026, 9, 1), "facebook", 'Spring, "Sale"', 12000, 240, 180.5],
        [dt.datetime(2026, 9, 2), "facebook", "Line\nbreak", 9000, 150, 120.0],
        [],
        [dt.date(2026, 9, 3), "google_ads", "Brand", 4000, 200, 90]]


def test_a_generic_workbook_reads_its_dates_numbers_and_names(tmp_path):
    from kpi_advisor.plugins.formats import read_generic

    book = write_xlsx(tmp_path / "book.xlsx", ROWS)
    report = run({"excel": str(book)})
    values = {tuple(m.scope.values()): m.values for m in report.metrics}
    assert values[("facebook",)]["impressions"] == 21000 and values[("facebook",)]["spend"] == 300.5
    assert report.period == {"start": "2026-09-01", "end": "2026-09-03"}
    # A cell's comma and quotes stay in the name; a line break inside a cell is a space; the empty
    # row is no row, and each row keeps its sheet row.
    frame, _ = read_generic(book, {"kind": "excel", "name": "book"})
    rows = frame.collect().select("date", "campaign", "__line").rows()
    assert rows == [("2026-09-01", 'Spring, "Sale"', 2), ("2026-09-02", "Line break", 3), ("2026-09-03", "Brand", 5)]


def test_csv_options_of_numbers_do_not_reread_a_workbook_s_number_cells(tmp_path):
    """decimal_comma read the number cell 12.345 as 12345 (the text fastexcel writes for it)."""
    rows = [["channel", "impressions", "clicks", "spend"], ["facebook", 1000, 10, 12.345], ["instagram", 1000, 10, 0.125]]
    book = write_xlsx(tmp_path / "book.xlsx", rows)
    for options in ({"decimal_comma": True}, {"locale": "de_DE", "separator": ";"}):
        report = run({"excel": str(book), "name": "book", "options": options})
        assert report.metrics[0].values["spend"] == pytest.approx(12.47)
        assert f"book: options {', '.join(options)} not used: a workbook's number cells are numbers" in " ".join(report.warnings)


def test_a_workbook_is_read_once(tmp_path, monkeypatch):
    """The generic format reads a CSV again with its counts as numbers; a workbook's read is a
    child process, and was started twice."""
    import kpi_advisor.data.workbook as workbook

    started = []
    real = workbook.subprocess.run
    monkeypatch.setattr(workbook.subprocess, "run", lambda *a, **k: started.append(1) or real(*a, **k))
    assert run({"excel": str(write_xlsx(tmp_path / "book.xlsx", ROWS))}).metrics
    assert len(started) == 1


def test_a_bad_cell_is_named_by_its_sheet_row(tmp_path):
    rows = [row[:] for row in ROWS]
    rows[2][3] = "lots"
    with pytest.raises(ConfigError, match=r"book.xlsx:3: impressions: expected a non-negative number, got 'lots'"):
        run({"excel": str(write_xlsx(tmp_path / "book.xlsx", rows)), "name": "book.xlsx"})


def test_a_sheet_is_chosen_by_name_or_number_and_the_others_are_said(tmp_path):
    book = write_xlsx(tmp_path / "book.xlsx", {"Data": ROWS, "Notes": [["made by hand"]], "Old": [["2025"]]})
    first = run({"excel": str(book), "name": "book"})
    assert "book: read the sheet 'Data' of 3 (not 'Notes', 'Old'); options: {sheet: NAME} reads another" in first.warnings
    notes_first = write_xlsx(tmp_path / "notes.xlsx", {"Notes": [["made by hand"]], "Data": ROWS})
    for sheet in ("Data", 2):
        chosen = run({"excel": str(notes_first), "options": {"sheet": sheet}})
        assert chosen.metrics == first.metrics and not any("sheet" in w for w in chosen.warnings)
    with pytest.raises(ConfigError, match=r"options.sheet: no sheet 'Daten'; the workbook's sheets: 'Notes', 'Data'"):
        run({"excel": str(notes_first), "options": {"sheet": "Daten"}})
    with pytest.raises(ConfigError, match=r"options.sheet: no sheet 3: the workbook has 2"):
        run({"excel": str(notes_first), "options": {"sheet": 3}})
    with pytest.raises(ConfigError, match=r"options.sheet: a sheet is chosen in an Excel workbook \(excel:\)"):
        run({"csv": str(DATA / "meta_ads" / "ads_daily_en.csv"), "format": "meta_ads", "options": {"sheet": "Data"}})


def test_what_is_no_workbook_is_refused_with_one_line(tmp_path):
    book = write_xlsx(tmp_path / "book.xlsx", ROWS)
    with pytest.raises(ConfigError, match=r"book.xlsx: is a zip archive or an Excel workbook \(.xlsx\), not CSV text; for a workbook write excel: instead of csv:"):
        run({"csv": str(book), "name": "book.xlsx"})
    text = tmp_path / "rows.csv"
    text.write_text("channel,impressions\nfacebook,100\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"is not an Excel workbook \(.xlsx or .xlsm\); for CSV text write csv: instead of excel:"):
        run({"excel": str(text)})
    archive = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("photo.txt", "not a sheet")
    with pytest.raises(ConfigError, match=r"is a zip archive, not an Excel workbook \(.xlsx\)"):
        run({"excel": str(archive)})
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(ConfigError, match=r"old.xls: is an old Excel workbook \(.xls\); save it as .xlsx"):
        run({"excel": str(old), "name": "old.xls"})
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(book.read_bytes()[:300])
    with pytest.raises(ConfigError, match=r"is not a readable Excel workbook"):
        run({"excel": str(broken)})


def test_by_default_the_first_visible_sheet_with_cells_is_read(tmp_path):
    book = write_xlsx(tmp_path / "book.xlsx", {"Lookup": [["channel", "name"], ["fb", "Facebook"]], "Empty": [], "Data": ROWS,
                                               "2026": ROWS[:2]}, hidden=("Lookup",))
    report = run({"excel": str(book), "name": "book"})
    assert report.metrics and "book: read the sheet 'Data' of 4 (not 'Lookup', 'Empty', '2026'); options: {sheet: NAME} reads another" in report.warnings
    # A sheet named like a number: YAML reads sheet: 2026 as one.
    assert run({"excel": str(book), "options": {"sheet": 2026}}).metrics[0].values["impressions"] == 12000
    with pytest.raises(ConfigError, match=r"options.sheet: sheet 'Empty' is empty"):
        run({"excel": str(book), "options": {"sheet": "Empty"}})
    nothing = write_xlsx(tmp_path / "nothing.xlsx", {"A": [], "B": [["x"]]}, hidden=("B",))
    with pytest.raises(ConfigError, match=r"no visible sheet of the workbook has cells \('A', 'B'\)"):
        run({"excel": str(nothing)})


def test_cells_far_apart_end_the_reader_s_process_not_this_one(tmp_path):
    """fastexcel holds a sheet as a grid from its first cell to its last: two cells, A1 and
    XFD1048576, in a 2 KB file asked for 512 GiB and aborted the process. calamine reads the
    reference in spellings a check in front of it missed (r='XFD1048576', r = "...", lower case,
    leading zeros): the sheet is read in a child process with bounded memory instead."""
    book = write_xlsx(tmp_path / "book.xlsx", [["channel", "impressions"], ["facebook", 100]])
    for n, far in enumerate(('r="XFD1048576"', "r='XFD1048576'", 'r = "xfd1048576"', 'r="XFD0001048576"')):
        cell = f'<row r="1048576"><c {far}><v>1</v></c></row></sheetData>'.encode()
        sparse = with_part(book, tmp_path / f"far{n}.xlsx", "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"</sheetData>", cell))
        assert sparse.stat().st_size < 3000
        with pytest.raises(ConfigError, match=rf"far{n}.xlsx: the sheet cannot be read within \d+ bytes of memory \(limit data_bytes="):
            run({"excel": str(sparse), "name": f"far{n}.xlsx"})


def test_a_part_that_claims_a_small_size_is_counted_as_it_unpacks(tmp_path):
    """A zip's sizes are claims: a sheet whose header says 1,000 bytes (with the checksum of its
    first 1,000) was let through and read whole, every one of its 60 MB."""
    rows = [ROWS[0]] + [[dt.date(2026, 9, 1), "facebook", f"c{i}", 100, 2, 1.5] for i in range(20000)]
    book = write_xlsx(tmp_path / "book.xlsx", rows)
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        crc = zlib.crc32(archive.read(info)[:1000])
    struct.pack_into("<II", data, info.header_offset + 14, crc, info.compress_size)
    struct.pack_into("<I", data, info.header_offset + 22, 1000)
    central = data.index(b"PK\x01\x02")
    while (central := data.find(b"PK\x01\x02", central)) >= 0:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46:central + 46 + length]) == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, central + 16, crc)
            struct.pack_into("<I", data, central + 24, 1000)
        central += 4
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(bytes(data))
    with zipfile.ZipFile(liar) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    with limits.override(data_bytes=500_000), pytest.raises(ConfigError, match=r"liar.xlsx: unpacks to more than 500000 bytes"):
        run({"excel": str(liar), "name": "liar.xlsx"})


def test_a_damaged_part_is_one_line(tmp_path):
    book = write_xlsx(tmp_path / "book.xlsx", ROWS)
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + 10
    data[start:start + 40] = bytes(40)
    (tmp_path / "damaged.xlsx").write_bytes(bytes(data))
    with pytest.raises(ConfigError, match=r"damaged.xlsx: is not a readable Excel workbook"):
        run({"excel": str(tmp_path / "damaged.xlsx"), "name": "damaged.xlsx"})


def test_a_zip_bomb_saved_as_a_workbook_is_refused_before_it_is_read(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.xlsx"
    write_xlsx(bomb, ROWS)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin", b"\0" * (3 << 20))
    assert bomb.stat().st_size < 20_000
    import kpi_advisor.data.workbook as workbook

    monkeypatch.setattr(workbook, "workbook_text", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    with limits.override(data_bytes=2 << 20), pytest.raises(ConfigError, match=r"bomb.xlsx: unpacks to more than 2097152 bytes"):
        run({"excel": str(bomb), "name": "bomb.xlsx"})


def test_without_the_excel_extra_a_workbook_says_how_to_read_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fastexcel", None)
    with pytest.raises(ConfigError, match=r"needs the excel extra \(pip install 'kpi-advisor\[excel\]'\); or save the sheet as CSV"):
        run({"excel": str(write_xlsx(tmp_path / "book.xlsx", ROWS))})


def test_a_config_names_one_file_per_source():
    with pytest.raises(ConfigError, match="give exactly one of csv, parquet or excel"):
        run({"csv": "a.csv", "excel": "a.xlsx"})

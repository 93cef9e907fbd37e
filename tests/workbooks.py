"""A minimal .xlsx writer for the workbook tests (no writer is a dependency): sheets of rows;
strings inline, numbers as numbers, dates as Excel serial numbers with a date format, as Excel
stores them. ``csv_as_cells`` turns a platform's CSV export into the cells its .xlsx export holds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

_EPOCH = dt.date(1899, 12, 30)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _column(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f'<c r="{ref}" s="2"><v>{(value - dt.datetime(1899, 12, 30)).total_seconds() / 86400!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="1"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _sheet(rows) -> str:
    body = "".join(
        f'<row r="{i + 1}">' + "".join(_cell(f"{_column(j)}{i + 1}", v) for j, v in enumerate(row)) + "</row>"
        for i, row in enumerate(rows)
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_MAIN}"><sheetData>{body}</sheetData></worksheet>'


def write_xlsx(path: Path, sheets, hidden=()) -> Path:
    """``sheets``: rows (one sheet named Sheet1), or {name: rows}; ``hidden``: names of hidden sheets."""
    sheets = sheets if isinstance(sheets, dict) else {"Sheet1": sheets}
    parts = {f"xl/worksheets/sheet{n}.xml": _sheet(rows) for n, rows in enumerate(sheets.values(), 1)}
    overrides = "".join(f'<Override PartName="/{name}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                        for name in parts)
    state = {name: ' state="hidden"' for name in hidden}
    listed = "".join(f'<sheet name="{escape(name)}" sheetId="{n}"{state.get(name, "")} r:id="rId{n}"/>' for n, name in enumerate(sheets, 1))
    links = "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>' for n in range(1, len(sheets) + 1))
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f"<sheets>{listed}</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG}">{links}'
        f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{_MAIN}">'
        '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf/><xf numFmtId="14" applyNumberFormat="1"/>'
        '<xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>',
        **parts,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def csv_as_cells(path: Path, *, decimal_comma: bool = False) -> list[list]:
    """The rows of a CSV export as the cells of the platform's .xlsx export: plain numbers (with
    decimal commas where the export writes them) as numbers, ISO dates as dates, the rest (1,234,
    2.70%, --) as the text the platform writes there."""
    text = path.read_bytes().decode("utf-8-sig")
    separator = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    rows = []
    for row in csv.reader(io.StringIO(text), delimiter=separator):
        cells = []
        for cell in row:
            if _ISO.match(cell):
                cells.append(dt.date.fromisoformat(cell))
            elif decimal_comma and _COMMA.match(cell):
                cells.append(float(cell.replace(".", "").replace(",", ".")))
            elif not decimal_comma and _PLAIN.match(cell):
                cells.append(float(cell) if "." in cell else int(cell))
            else:
                cells.append(cell or None)
        rows.append(cells)
    return rows


def with_part(path: Path, target: Path, name: str, change) -> Path:
    """A copy of the workbook at ``path`` with part ``name``'s bytes changed by ``change``."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            copy.writestr(info.filename, change(data) if info.filename == name else data)
    return target

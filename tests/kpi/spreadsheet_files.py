"""Spreadsheet files for upload tests: XLSX cells with types and formats, hostile zips."""

from __future__ import annotations

import csv
import io
import struct
import zipfile

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from kpi.exports import CSV_COLUMNS

PLAN_SLUG = "hokkaido-smart-docho-3"
HEADER = [label for _, label in CSV_COLUMNS]
KEYS = [key for key, _ in CSV_COLUMNS]


def col(key: str) -> str:
    """The column letter of a key in our layout ("value" → "S")."""
    return get_column_letter(KEYS.index(key) + 1)


def row(**values) -> dict:
    out = {"plan": PLAN_SLUG, "fiscal_year": "2024", "value_status": "速報値"}
    out.update(values)
    return out


def xlsx(rows: list[dict], *, formats: dict | None = None, edit=None) -> bytes:
    """An XLSX in our layout. rows: {key: cell value (any type)}; formats: {(row index, key):
    number format}; edit(ws): a last change (hide rows, merge, add sheets…)."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "実績値"
    ws.append(HEADER)
    for i, values in enumerate(rows):
        for key, value in values.items():
            cell = ws.cell(row=i + 2, column=KEYS.index(key) + 1, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # a text, as a person types it in a text cell
            fmt = (formats or {}).get((i, key))
            if fmt:
                cell.number_format = fmt
    if edit:
        edit(workbook, ws)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows: list[dict], encoding: str = "utf-8-sig", header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow([str(values.get(k, "")) for k in KEYS])
    return buffer.getvalue().encode(encoding)


def patch(content: bytes, changes: dict[str, object]) -> bytes:
    """Rewrite members of a zip: {name: new text or bytes, or a function of the old text}."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        for name in names:
            data = source.read(name)
            change = changes.get(name)
            if callable(change):
                data = change(data.decode()).encode()
            elif change is not None:
                data = change.encode() if isinstance(change, str) else change
            target.writestr(name, data)
        for name, change in changes.items():
            if name not in names:
                target.writestr(name, change.encode() if isinstance(change, str) else change)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def lying_sizes(content: bytes, member: str, declared: int) -> bytes:
    """The zip with `member`'s declared uncompressed size set to `declared` in both headers,
    while its data still unpacks to the real size: a header that lies."""
    data = bytearray(content)
    name = member.encode()
    # Local file header: signature PK\x03\x04, uncompressed size at offset 22.
    at = data.find(b"PK\x03\x04" + b"\x00" * 0)
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 26)[0]
        if bytes(data[at + 30 : at + 30 + name_len]) == name:
            struct.pack_into("<I", data, at + 22, declared)
        at = data.find(b"PK\x03\x04", at + 4)
    # Central directory header: signature PK\x01\x02, uncompressed size at offset 24.
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, declared)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def bomb(member_bytes: int, pattern: bytes = b"<row/>") -> bytes:
    """A workbook whose sheet XML unpacks to `member_bytes` of `pattern` inside sheetData,
    written as a stream so the test itself stays small."""
    base = zipfile.ZipFile(io.BytesIO(xlsx([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name in base.namelist():
            if name != SHEET:
                target.writestr(name, base.read(name))
                continue
            head, _, tail = base.read(name).decode().partition("<sheetData>")
            with target.open(name, "w", force_zip64=True) as stream:
                stream.write((head + "<sheetData>").encode())
                block = pattern * (65536 // len(pattern))
                written = 0
                while written < member_bytes:
                    stream.write(block)
                    written += len(block)
                stream.write(("</sheetData>" + tail.partition("</sheetData>")[2]).encode())
    return out.getvalue()


def confirm_data(client) -> dict:
    """The confirm form of the newest upload preview in the client's session (its token)."""
    from kpi.entry_views import UPLOAD_SESSION_KEY

    pending = client.session.get(UPLOAD_SESSION_KEY) or {}
    return {"confirm": "1", "token": next(reversed(pending), "")}

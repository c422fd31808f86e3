"""Hostile uploads: never a 5xx, always a message, nothing written, memory bounded."""

from __future__ import annotations

import codecs
import functools
import io
import re
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi import value_upload
from kpi.models import KpiValue
from tests.kpi.spreadsheet_files import HEADER, SHEET, bomb, csv_file, lying_sizes, patch, row, xlsx

pytestmark = pytest.mark.django_db

UPLOAD = "/plans/hokkaido-smart-docho-3/entry/2024/upload/"
GOOD = [row(code="2-1", value=5)]


def _huge_dimension() -> bytes:
    # The file: a dimension of the whole sheet and one row at the last row number.
    return patch(
        xlsx([]),
        {
            SHEET: lambda x: x.replace(
                '<dimension ref="A1:Z1" />', '<dimension ref="A1:XFD1048576" />'
            ).replace(
                "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
            )
        },
    )


def _billion_cells() -> bytes:
    return patch(
        xlsx([]),
        {
            SHEET: lambda x: x.replace(
                '<dimension ref="A1:Z1" />', '<dimension ref="A1:XFD1048576" />'
            )
        },
    )


def _wide_row() -> bytes:
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(20_000))
    return patch(
        xlsx([]),
        {SHEET: lambda x: x.replace("</sheetData>", f'<row r="2">{cells}</row></sheetData>')},
    )


def _truncated() -> bytes:
    content = xlsx(GOOD)
    return content[: len(content) // 2]


def _corrupt_member() -> bytes:
    content = bytearray(xlsx(GOOD))
    at = content.find(b"sheet1.xml") + 40
    content[at : at + 20] = b"\x00" * 20
    return bytes(content)


def _entity_bomb() -> bytes:
    lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    return patch(xlsx(GOOD), {"xl/sharedStrings.xml": lol + "<sst><si><t>&lol2;</t></si></sst>"})


def _many_members() -> bytes:
    return patch(xlsx(GOOD), {f"xl/media/junk{i}.bin": b"x" for i in range(400)})


def _many_styles() -> bytes:
    xfs = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * 60_000
    return patch(
        xlsx(GOOD),
        {"xl/styles.xml": lambda x: re.sub(r"(<cellXfs[^>]*>)", lambda m: m.group(1) + xfs, x)},
    )


def _many_strings() -> bytes:
    strings = "<si><t>a</t></si>" * 400_000
    return patch(xlsx(GOOD), {"xl/sharedStrings.xml": f"<sst>{strings}</sst>"})


def _hidden_only() -> bytes:
    return patch(
        xlsx(GOOD),
        {
            "xl/workbook.xml": lambda x: x.replace(
                '<sheet name="実績値"', '<sheet state="hidden" name="実績値"'
            )
        },
    )


def _bad_style_index() -> bytes:
    return patch(
        xlsx(GOOD), {SHEET: lambda x: x.replace('<c r="S2" t="n">', '<c r="S2" s="99999" t="n">')}
    )


def _lying_header() -> bytes:
    # The sheet unpacks to 40 MB while both zip headers say 2 KB.
    return lying_sizes(bomb(40 * 1024 * 1024, b" " * 64), SHEET, 2048)


HOSTILE = {
    "huge-dimension.xlsx": _huge_dimension,
    "billion-cells.xlsx": _billion_cells,
    "zip-bomb.xlsx": lambda: bomb(200 * 1024 * 1024, b" " * 64),
    "many-rows.xlsx": lambda: bomb(8 * 1024 * 1024, b"<row/>"),
    "lying-header.xlsx": _lying_header,
    "wide-row.xlsx": _wide_row,
    "truncated.xlsx": _truncated,
    "corrupt-member.xlsx": _corrupt_member,
    "entity-bomb.xlsx": _entity_bomb,
    "many-members.xlsx": _many_members,
    "many-styles.xlsx": _many_styles,
    "many-strings.xlsx": _many_strings,
    "only-hidden-sheets.xlsx": _hidden_only,
    "bad-style-index.xlsx": _bad_style_index,
    "junk.xlsx": lambda: b"\x00\xff" * 1000,
    "old-excel.xlsx": lambda: (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000
    ),  # .xls / encrypted
    "empty.xlsx": lambda: b"",
    "empty.csv": lambda: b"",
    "binary.csv": lambda: bytes(range(256)) * 20,
    "utf16.csv": lambda: codecs.BOM_UTF16_LE + csv_file(GOOD, "utf-8").decode().encode("utf-16-le"),
    "utf16-no-bom.csv": lambda: csv_file(GOOD, "utf-8").decode().encode("utf-16-be"),
    "double-bom.csv": lambda: codecs.BOM_UTF8 + csv_file(GOOD, "utf-8-sig"),
    "lone-surrogate.csv": lambda: csv_file(GOOD, "utf-8").replace(b"2-1", b"\xed\xa0\x80"),
    "nul-bytes.csv": lambda: csv_file([row(code="2-1", value="5\x00", note="a\x00b")]),
    "huge-cell.csv": lambda: csv_file([row(code="2-1", value=5, note="x" * 300_000)]),
    "huge-code.csv": lambda: csv_file([row(code="1" * 100_000, value=5)]),
    "open-quote.csv": lambda: csv_file(GOOD) + b'"never closed,' + b"x" * 200_000,
    "too-many-rows.csv": lambda: csv_file([row(code="2-1", value=5)] * (value_upload.MAX_ROWS + 1)),
    "wrong-header.csv": lambda: csv_file(GOOD, header=["a", "b", "c"]),
    "duplicate-header.csv": lambda: csv_file(GOOD, header=[*HEADER, "実績値"]),
    "header-only.csv": lambda: csv_file([]),
    "formulas.csv": lambda: csv_file([row(code="=1+1", value="=2+3", note='=HYPERLINK("x")')]),
    "duplicate-codes.csv": lambda: csv_file([row(code="2-1", value=5), row(code="2-1", value="x")]),
    "markup.csv": lambda: csv_file([row(code="2-1", value=5, note="<img src=x onerror=alert(1)>")]),
    "long-source.csv": lambda: csv_file([row(code="2-1", value=5, source="s" * 1000)]),
    "control-chars.csv": lambda: csv_file([row(code="2-1", value=5, note="a\x1bb")]),
    "nan.csv": lambda: csv_file([row(code="2-1", value="NaN")]),
    "huge-number.csv": lambda: csv_file([row(code="2-1", value="9" * 39)]),
    "exponent.csv": lambda: csv_file([row(code="2-1", value="1e999999999")]),
    "other-plan.csv": lambda: csv_file([row(code="2-1", value=5, plan="other")]),
    "cp932-junk.csv": lambda: "コード,実績値\n".encode("cp932") + b"\x81\x00\x82",
    "no-extension": lambda: csv_file(GOOD),
}


@functools.cache
def _content(name: str) -> bytes:
    return HOSTILE[name]()


def _dump():
    return (
        sorted(
            KpiValue.objects.values_list("kpi__code", "fiscal_year", "value", "note", "version")
        ),
        KpiValue.history.count(),
    )


def test_the_table_has_enough_hostile_files():
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_upload_gets_a_message_and_writes_nothing(client, editor, name):
    client.force_login(editor)
    before = _dump()
    content = _content(name)
    tracemalloc.start()
    started = time.monotonic()
    try:
        response = client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    assert response.status_code in (200, 400), response.status_code
    body = response.content.decode()
    if response.status_code == 400:
        assert 'class="form-error"' in body  # the message is on the page
    else:
        preview = response.context["preview"]
        assert all(r.state != "invalid" or r.reason for r in preview)
    assert peak < 100 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert elapsed < 20, f"{elapsed:.1f} s"
    assert _dump() == before


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_for_the_command_gets_a_message_and_writes_nothing(editor, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(_content(name))
    before = _dump()
    out = io.StringIO()
    try:
        call_command(
            "import_values",
            "hokkaido-smart-docho-3",
            "R6",
            str(path),
            "--user",
            "editor",
            stdout=out,
        )
    except CommandError as err:
        assert str(err)
    else:
        assert "取り込める行" in out.getvalue()
    assert _dump() == before


@pytest.mark.parametrize(
    "name",
    [
        "huge-dimension.xlsx",
        "zip-bomb.xlsx",
        "lying-header.xlsx",
        "many-rows.xlsx",
        "billion-cells.xlsx",
    ],
)
def test_reading_a_hostile_xlsx_stays_under_100_mb(name):
    content = HOSTILE[name]()
    tracemalloc.start()
    try:
        value_upload.read_table(content, name)
    except value_upload.UploadError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, f"{peak / 1e6:.0f} MB"


def test_a_full_sized_real_upload_stays_under_100_mb():
    rows = [
        row(code="2-1", value=i, note="備考" * 20, source="出典")
        for i in range(value_upload.MAX_ROWS)
    ]
    content = xlsx(rows)
    tracemalloc.start()
    try:
        table = value_upload.read_table(content, "big.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(table) == value_upload.MAX_ROWS
    assert peak < 100 * 1024 * 1024, f"{peak / 1e6:.0f} MB"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=3000),
    name=st.sampled_from(["f.csv", "f.xlsx"]),
)
def test_random_bytes_never_raise_anything_but_upload_error(data, name):
    try:
        value_upload.read_table(data, name)
    except value_upload.UploadError:
        pass


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(min_size=1, max_size=400), st.integers(min_value=0, max_value=10**6))
def test_a_valid_xlsx_with_random_damage_never_raises_anything_but_upload_error(junk, at):
    content = bytearray(_VALID)
    at %= len(content)
    content[at : at + len(junk)] = junk
    try:
        value_upload.read_table(bytes(content), "f.xlsx")
    except value_upload.UploadError:
        pass


_VALID = xlsx(GOOD)


def test_zip_member_sizes_are_checked_before_decompressing():
    content = bomb(1024 * 1024, b" " * 64)
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(SHEET)
    assert info.file_size > 1024 * 1024 > info.compress_size
    lied = lying_sizes(content, SHEET, 10)
    with pytest.raises(value_upload.UploadError):
        value_upload.read_table(lied, "f.xlsx")

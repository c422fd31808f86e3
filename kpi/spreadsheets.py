"""Reading an uploaded XLSX with bounded memory and time, and with what it hides from view.

Free of Django. An XLSX is a zip of XML files. A 1.7 KB file can declare a sheet of
16,384 × 1,048,576 cells, and a zip member can unpack to gigabytes, so before openpyxl reads
anything every member is decompressed as a stream (its declared size checked first, its real
size counted, so a lying header cannot pass) and its XML scanned with defusedxml's expat parser
(no DTDs, no entities) against limits on rows, cells, characters and elements. Only then does
openpyxl read the workbook, lazily (read_only), and only the first visible sheet.

The result keeps what a person cannot see: hidden and filtered rows, hidden columns, merged
cells, hidden sheets, formulas whose result the file does not hold. The caller decides.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

from defusedxml.expatreader import DefusedExpatParser
from openpyxl import load_workbook
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._reader import WorkSheetParser

log = logging.getLogger(__name__)

# Limits. Our layout has 26 columns and an upload at most 5,000 rows; Excel holds at most
# 32,767 characters in a cell. A real 5,000-row file unpacks to about 10 MB.
MAX_MEMBERS = 300
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_ROW_ELEMENTS = 12_000
MAX_ROW_NUMBER = 12_000
MAX_COLUMN = 256
MAX_CELLS = 300_000
MAX_CELL_CHARS = 32_767
MAX_SHARED_STRINGS = 300_000
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
MAX_OTHER_ELEMENTS = 20_000  # styles, workbook, relationships: openpyxl builds objects of each
MAX_SHEET_OTHER_ELEMENTS = 50_000  # merges, validations, conditional formats in a sheet
_CHUNK = 256 * 1024

NOT_XLSX = "XLSX ファイルとして開けません（壊れているか、パスワード付き・別の形式のファイルです）。"
TOO_BIG = "XLSX ファイルの中身が大きすぎます（展開後 {mb} MB まで）。"
TOO_MANY_MEMBERS = "XLSX ファイルの構成が多すぎます（{n} 個まで）。"
TOO_MANY_ROWS = "シートの行が多すぎます（{n:,} 行まで）。"
ROW_TOO_FAR = "シートの {row:,} 行目にデータがあります。{n:,} 行目までにしてください。"
TOO_MANY_COLUMNS = "シートの列が多すぎます（{n:,} 列まで）。"
TOO_MANY_CELLS = "シートのセルが多すぎます（{n:,} 個まで）。"
CELL_TOO_LONG = "{n:,} 文字を超えるセルがあります（Excel の1セルの上限です）。"
TOO_COMPLEX = "XLSX ファイルの書式・文字列・定義が多すぎます（{part}）。"
NO_VISIBLE_SHEET = "表示されているシートがありません。"


class SheetError(ValueError):
    """The file cannot be read within the limits; the message says why (Japanese)."""


@dataclass(frozen=True)
class Cell:
    """One cell as stored. kind: "text", "number", "bool", "date", "error", or "no_result"
    (a formula whose result the file does not hold). number_format: the format code."""

    value: object
    kind: str
    number_format: str = "General"


@dataclass
class Row:
    line: int  # the row number the spreadsheet shows
    cells: dict[int, Cell]  # by column number, 1 = A
    hidden: bool = False
    filtered: bool = False  # hidden by an autofilter


@dataclass
class Sheet:
    title: str
    rows: list[Row]
    hidden_columns: set[int] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # min_col, min_row, max_col, max_row
    hidden_sheets: list[str] = field(default_factory=list)

    def merge_of(self, column: int, line: int) -> tuple[int, int, int, int] | None:
        for rng in self.merged:
            if rng[0] <= column <= rng[2] and rng[1] <= line <= rng[3]:
                return rng
        return None


class _Stop(SAXException):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _SheetScan(ContentHandler):
    """Counts rows, cells and characters of a worksheet without building it."""

    def __init__(self, sheet: str):
        super().__init__()
        self.sheet, self.rows, self.cells, self.others = sheet, 0, 0, 0
        self.row_number = 0
        self.row_has_value = False
        self.chars = None

    def startElement(self, name, attrs):
        tag = _local(name)
        if tag == "row":
            self.rows += 1
            if self.rows > MAX_ROW_ELEMENTS:
                raise _Stop(TOO_MANY_ROWS.format(sheet=self.sheet, n=MAX_ROW_ELEMENTS))
            r = attrs.get("r")
            self.row_number = int(r) if r and r.isdigit() else self.row_number + 1
            self.row_cells = 0
            self.row_has_value = False
        elif tag == "c":
            self.cells += 1
            self.row_cells = getattr(self, "row_cells", 0) + 1
            if self.cells > MAX_CELLS:
                raise _Stop(TOO_MANY_CELLS.format(sheet=self.sheet, n=MAX_CELLS))
            ref = attrs.get("r") or ""
            letters = re.match(r"^([A-Za-z]{1,3})", ref)
            column = _column_number(letters.group(1)) if letters else self.row_cells
            if column > MAX_COLUMN or self.row_cells > MAX_COLUMN:
                raise _Stop(TOO_MANY_COLUMNS.format(sheet=self.sheet, n=MAX_COLUMN))
        elif tag in ("v", "t", "f", "is"):
            self.row_has_value = True
            if tag != "is":
                self.chars = 0
        else:
            self.others += 1
            if self.others > MAX_SHEET_OTHER_ELEMENTS:
                raise _Stop(TOO_COMPLEX.format(part=self.sheet))

    def characters(self, content):
        if self.chars is not None:
            self.chars += len(content)
            if self.chars > MAX_CELL_CHARS:
                raise _Stop(CELL_TOO_LONG.format(n=MAX_CELL_CHARS))

    def endElement(self, name):
        tag = _local(name)
        if tag in ("v", "t", "f"):
            self.chars = None
        elif tag == "row" and self.row_has_value and self.row_number > MAX_ROW_NUMBER:
            raise _Stop(ROW_TOO_FAR.format(sheet=self.sheet, row=self.row_number, n=MAX_ROW_NUMBER))


_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


class _CountScan(ContentHandler):
    def __init__(self, part: str):
        super().__init__()
        self.part, self.elements = part, 0

    def startElement(self, name, attrs):
        self.elements += 1
        if self.elements > MAX_OTHER_ELEMENTS:
            raise _Stop(TOO_COMPLEX.format(part=self.part))


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _scanner(name: str) -> ContentHandler | None:
    lower = name.lower()
    if not lower.endswith((".xml", ".rels", ".vml")):
        return None
    if re.match(r"^xl/worksheets/[^/]+\.xml$", lower):
        return _SheetScan(name.rsplit("/", 1)[-1])
    if lower == "xl/sharedstrings.xml":
        return None  # counted by bytes in check_archive: a SAX pass over it is too slow
    return _CountScan(name)


def check_archive(content: bytes) -> None:
    """Refuse an XLSX whose unpacked contents exceed the limits, before anything is parsed.

    Raises SheetError. Declared sizes are checked first; then each member is decompressed as a
    stream, its real size counted (a header may lie) and its XML scanned, so that memory stays
    at one chunk and the scanners' counters.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except Exception:  # BadZipFile, NotImplementedError ("zip file version 6.4"), struct errors…
        raise SheetError(NOT_XLSX) from None
    if len(members) > MAX_MEMBERS:
        raise SheetError(TOO_MANY_MEMBERS.format(n=MAX_MEMBERS))
    mb = MAX_UNPACKED_BYTES // (1024 * 1024)
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise SheetError(TOO_BIG.format(mb=mb))
    for m in members:
        if m.filename.lower() == "xl/sharedstrings.xml" and m.file_size > MAX_SHARED_STRINGS_BYTES:
            raise SheetError(TOO_BIG.format(mb=mb))
    total = 0
    for member in members:
        handler = _scanner(member.filename)
        parser = None
        if handler is not None:
            parser = DefusedExpatParser(forbid_dtd=True)
            parser.setContentHandler(handler)
        seen = strings = 0
        counting = member.filename.lower() == "xl/sharedstrings.xml"
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    seen += len(chunk)
                    total += len(chunk)
                    if seen > member.file_size or total > MAX_UNPACKED_BYTES:
                        raise SheetError(TOO_BIG.format(mb=mb))
                    if parser is not None:
                        parser.feed(chunk)
                    if counting:
                        strings += len(_SHARED_STRING.findall(chunk))
                        if strings > MAX_SHARED_STRINGS:
                            raise SheetError(TOO_COMPLEX.format(part="sharedStrings"))
            if parser is not None:
                parser.close()
        except _Stop as stop:
            raise SheetError(stop.message) from None
        except SheetError:
            raise
        except Exception:
            # BadZipFile (a bad CRC), zlib.error, EOFError (truncated), NotImplementedError (a
            # compression zipfile lacks), RuntimeError (encrypted), SAX and defusedxml errors
            # (DTDs, entities, malformed XML): all are a damaged or hostile file, never a 500.
            raise SheetError(NOT_XLSX) from None


class _Parser(WorkSheetParser):
    """openpyxl's streaming sheet parser, noting which cells hold a formula."""

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        cell["formula"] = (
            element.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}f") is not None
        )
        return cell


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true")


def _cell(ws, raw: dict) -> Cell | None:
    value, data_type = raw["value"], raw["data_type"]
    if value is None or value == "":
        return Cell(None, "no_result") if raw.get("formula") and value is None else None
    style = ReadOnlyCell(ws, raw["row"], raw["column"], value, data_type, raw["style_id"])
    number_format = style.number_format or "General"
    if data_type == "n":
        return Cell(value, "number", number_format)
    if data_type == "d" or isinstance(value, (datetime, date, time, timedelta)):
        return Cell(value, "date", number_format)
    if data_type == "b":
        return Cell(bool(value), "bool", number_format)
    if data_type == "e":
        return Cell(str(value), "error", number_format)
    return Cell(str(value), "text", number_format)


def row_is_hidden(parser, line: int) -> bool:
    """Whether row `line` of the sheet openpyxl's parser has read is hidden: marked hidden, of
    height 0, or (the sheet's rows being hidden by default, zeroHeight) without a height of its
    own. Call after the parser has read the row."""
    attrs = parser.row_dimensions.get(str(line), {})
    if _truthy(attrs.get("hidden", "0")) or attrs.get("ht") in ("0", "0.0"):
        return True
    fmt = getattr(parser, "sheet_format", None)
    if fmt is not None and fmt.zeroHeight:  # rows hidden unless given a height of their own
        return not (attrs.get("customHeight") and attrs.get("ht") not in (None, "0"))
    return False


def read_first_visible_sheet(content: bytes) -> Sheet:
    """The first visible sheet of an XLSX, with its hidden rows, columns and merges.

    Raises SheetError (Japanese message) for a file beyond the limits or one openpyxl cannot
    read. Cells of formulas carry the result Excel saved (data_only); a formula without one is
    kind "no_result".
    """
    check_archive(content)
    try:
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=True, keep_links=False
        )
    except Exception as err:  # openpyxl raises many kinds on malformed parts; none may be a 500
        log.info("XLSX refused by openpyxl: %r", err)
        raise SheetError(NOT_XLSX) from None
    try:
        visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
        hidden = [ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"]
        if not visible:
            raise SheetError(NO_VISIBLE_SHEET)
        ws = visible[0]
        rows: list[Row] = []
        with ws._get_source() as source:
            parser = _Parser(
                source,
                ws._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for line, raw_cells in parser.parse():
                cells = {}
                for raw in raw_cells:
                    cell = _cell(ws, raw)
                    if cell is not None:
                        cells[raw["column"]] = cell
                rows.append(Row(line=line, cells=cells, hidden=row_is_hidden(parser, line)))
            hidden_columns: set[int] = set()
            for attrs in parser.column_dimensions.values():
                if _truthy(attrs.get("hidden", "0")) or attrs.get("width") in ("0", "0.0"):
                    low = int(attrs.get("min", 1))
                    high = min(int(attrs.get("max", low)), MAX_COLUMN)
                    hidden_columns.update(range(low, high + 1))
            merged = []
            if parser.merged_cells is not None:
                for merge in parser.merged_cells.mergeCell:
                    merged.append(range_boundaries(merge.ref))
            auto_filter = getattr(parser, "auto_filter", None)
            if auto_filter is not None and auto_filter.ref:
                _, top, _, bottom = range_boundaries(auto_filter.ref)
                for row in rows:
                    if row.hidden and top < row.line <= (bottom or row.line):
                        row.filtered = True
        return Sheet(ws.title, rows, hidden_columns, merged, hidden)
    except SheetError:
        raise
    except Exception as err:  # malformed sheet XML, styles out of range…
        log.info("XLSX sheet refused: %r", err)
        raise SheetError(NOT_XLSX) from None
    finally:
        workbook.close()

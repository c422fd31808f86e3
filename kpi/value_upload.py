"""Yearly values from a spreadsheet (CSV in UTF-8 or cp932, or XLSX), in our CSV export's layout.

A preview marks each row new / changed / unchanged / invalid (with the reason) / other year;
applying it saves the valid rows through the same service as the entry form: the same checks,
permissions, versions and history.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext
from openpyxl.utils import get_column_letter

from initiatives.models import Plan
from smartdocho.display import fy_text
from smartdocho.fiscal import FiscalYearError, parse_fy

from . import mangled_codes, number_formats, permissions, services, spreadsheets
from .exports import CSV_COLUMNS, TEXT_FORMAT, to_csv, to_xlsx, unguard
from .forms import normalize_text, validate_value_row
from .models import Kpi, KpiValue, ValueStatus

# The values template adds each row's 版 (the value's version when the file was made) at the
# end, so that an upload can tell a row left as it was from one a colleague has changed since.
TEMPLATE_COLUMNS = [*CSV_COLUMNS, ("version", "版")]
LABEL = dict(TEMPLATE_COLUMNS)
REQUIRED = ("code", "fiscal_year", "value")
STATUS_WORDS = {
    "": ValueStatus.PRELIMINARY,
    "速報値": ValueStatus.PRELIMINARY,
    "速報": ValueStatus.PRELIMINARY,
    "preliminary": ValueStatus.PRELIMINARY,
    "確定値": ValueStatus.FINAL,
    "確定": ValueStatus.FINAL,
    "final": ValueStatus.FINAL,
}
MAX_ROWS = 5000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
FILE_TOO_BIG = "ファイルが大きすぎます（5MBまで）。"

NEW, CHANGED, UNCHANGED, INVALID, OTHER_YEAR = (
    "new",
    "changed",
    "unchanged",
    "invalid",
    "other_year",
)
STATE_LABELS = {
    NEW: "新規",
    CHANGED: "変更",
    UNCHANGED: "変更なし",
    INVALID: "取り込めません",
    OTHER_YEAR: "対象外（別の年度）",
}


READ_KEYS = (
    "plan",
    "code",
    "name",
    "fiscal_year",
    "value",
    "value_status",
    "note",
    "source",
    "version",
)
MAX_CELL_CHARS = spreadsheets.MAX_CELL_CHARS

# Messages: what the spreadsheet did, and what to do about it.
HIDDEN_ROW = "この行は非表示になっています。行を表示して内容を確かめてから保存し直してください。"
FILTERED_ROW = (
    "この行はフィルターで隠れています。フィルターを解除して内容を確かめてから保存し直してください。"
)
HIDDEN_COLUMN = "「{label}」の列（{ref}）が非表示になっています。列を表示して内容を確かめてから保存し直してください。"
MERGED_HIDDEN = "「{label}」のセル（{ref}）は結合セル {range} に隠れていて値が見えません。結合を解除してください。"
MERGED_ROWS = "「{label}」のセル（{ref}）は複数の行にまたがる結合セル {range} の一部です。結合を解除して、行ごとに入力してください。"
ROUNDED = "「{label}」のセル（{ref}）は {stored} ですが、表示形式「{code}」により「{text}」と表示されています。表示されている値と保存される値が違うため取り込みません。表示どおりの値を入力してください。"
SCALED = "「{label}」のセル（{ref}）は {stored} ですが、表示形式「{code}」で桁を省いて「{text}」と表示されています。単位どおりの値を入力してください。"
NOT_SHOWN = "「{label}」のセル（{ref}）は {stored} ですが、表示形式「{code}」のため数値が表示されていません（表示:「{text}」）。"
DATE_VALUE = "「{label}」のセル（{ref}）が日付・時刻になっています（{text}）。数値を入力し、表示形式を「標準」か「数値」にしてください。"
DATE_TEXT = (
    "「{label}」のセル（{ref}）が日付になっています（{text}）。文字列として入力してください。"
)
BOOL_VALUE = (
    "「{label}」のセル（{ref}）が TRUE/FALSE（論理値）になっています。数値を入力してください。"
)
ERROR_VALUE = "「{label}」のセル（{ref}）は計算式のエラー（{text}）です。"
NO_RESULT = "「{label}」のセル（{ref}）は計算式ですが、計算結果がファイルに保存されていません。Excel で開いて保存し直すか、値として貼り付けてください。"
CELL_TOO_LONG = "「{label}」のセル（{ref}）が長すぎます（{n:,}文字まで）。"
DATE_CODE = "コード「{shown}」は、表計算ソフトがコードを日付に変えたものです{guess}。コードの列の表示形式を「文字列」にして入力し直すか、XLSX の入力用テンプレートを使ってください。"
NUMERIC_CODE = "コード「{shown}」が数値として保存されています{guess}。コードは文字列として入力してください（セルの表示形式を「文字列」にするか、XLSX の入力用テンプレートを使ってください）。"
GUESS = "（元のコードは「{codes}」と思われます）"
DUPLICATE_HEADER = "見出し「{label}」の列が2つ以上あります（{cols}列目）。1つにしてください。"
TOO_MANY_ROWS = "一度に取り込めるのは {n} 行までです。"
CSV_BROKEN = "CSV の {line} 行目を読み取れません（引用符の閉じ忘れや、長すぎるセルがないか確かめてください）。"
EMPTY_ROW = "実績値が空欄です（取り込みません）。"
NOTE_WITHOUT_VALUE = "実績値が空欄です。備考・出典だけを取り込むことはできません。"
OTHER_YEAR_ROW = "{row_year}の行です（この画面では{year}の値を取り込みます）。"
BAD_VERSION = (
    "「版」の列には、テンプレートに書かれていた数をそのまま残してください（0以上の整数）。"
)
EMPTY_VERSION = (
    "「版」が空欄です。テンプレートに書かれていた数をそのまま残してください"
    "（まだ値のない成果指標の行は 0）。"
)
VERSION_AHEAD = (
    "「版」（{written}）が、保存されている値の版（{current}）と合いません。"
    "入力用テンプレートをダウンロードし直して入力してください。"
)
NAME_MISMATCH = (
    "コード「{code}」の成果指標は「{name}」ですが、この行の成果指標名は「{written}」です。"
    "コードか行が入れ替わっていないか確かめてください。"
)


class UploadError(ValueError):
    pass


@dataclass
class SheetRow:
    """One data row of an upload, as the spreadsheet shows it.

    cells: {column key: shown text}; problems: {column key: why that cell cannot be read as
    shown}; code_kind: "text", "number" or "date" (the code cell's type in an XLSX);
    code_raw: the number or date an XLSX code cell holds.
    """

    line: int
    cells: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)
    code_kind: str = "text"
    code_raw: object = None


def _decode(content: bytes) -> str:
    # Excel in Japan saves CSV as cp932 (not shift_jis, which lacks ①, ㈱, 髙, ～).
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadError(
        "文字コードを読み取れません。UTF-8 または Excel の CSV（cp932）で保存してください。"
    )


def _header_keys(labels: list[str]) -> dict[str, int]:
    """{column key: 0-based position} from the header labels of our CSV export."""
    by_label = {label: key for key, label in TEMPLATE_COLUMNS}
    positions: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        key = by_label.get(label.strip().lstrip("\ufeff"), label.strip())
        positions.setdefault(key, []).append(i)
    for key, cols in positions.items():
        if key in READ_KEYS and len(cols) > 1:
            raise UploadError(
                DUPLICATE_HEADER.format(label=LABEL[key], cols="、".join(str(c + 1) for c in cols))
            )
    missing = [LABEL[k] for k in REQUIRED if k not in positions]
    if missing:
        raise UploadError(
            "必要な列がありません: "
            + "、".join(missing)
            + "（テンプレートの見出しを使ってください）"
        )
    return {key: cols[0] for key, cols in positions.items() if key in READ_KEYS}


def _csv_rows(text: str) -> list[SheetRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[SheetRow] = []
    header = None
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                header = _header_keys(cells)
                continue
            if not any(c.strip() for c in cells):
                continue
            row = SheetRow(line=start, cells={})
            for key, i in header.items():
                value = unguard(cells[i]) if i < len(cells) else ""
                if len(value) > MAX_CELL_CHARS:
                    row.problems[key] = CELL_TOO_LONG.format(
                        label=LABEL[key], ref=f"{i + 1}列目", n=MAX_CELL_CHARS
                    )
                    value = ""
                row.cells[key] = value if key in ("note", "source") else value.strip()
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise UploadError(TOO_MANY_ROWS.format(n=MAX_ROWS))
    except csv.Error:
        raise UploadError(CSV_BROKEN.format(line=line)) from None
    if header is None:
        raise UploadError("ファイルが空です。")
    return rows


def _date_text(value) -> str:
    """A date as Excel shows one in Japan ("2025/2/3"), with the time only when it has one."""
    if not hasattr(value, "year"):
        return str(value)
    text = f"{value.year}/{value.month}/{value.day}"
    if isinstance(value, datetime) and (value.hour, value.minute, value.second) != (0, 0, 0):
        text += f" {value:%H:%M:%S}"
    return text


def _shown_text(cell: spreadsheets.Cell, key: str, ref: str) -> tuple[str, str]:
    """(shown text, problem) of one XLSX cell in column `key`."""
    label = LABEL[key]
    if cell.kind == "text":
        return str(cell.value), ""
    if cell.kind == "no_result":
        return "", NO_RESULT.format(label=label, ref=ref)
    if cell.kind == "error":
        return "", ERROR_VALUE.format(label=label, ref=ref, text=cell.value)
    if cell.kind == "bool":
        if key == "value":
            return "", BOOL_VALUE.format(label=label, ref=ref)
        return ("TRUE" if cell.value else "FALSE"), ""
    if cell.kind == "date":
        text = _date_text(cell.value)
        if key == "code":
            return text, ""  # recognised, with the code it probably was, in the preview
        problem = DATE_VALUE if key == "value" else DATE_TEXT
        return "", problem.format(label=label, ref=ref, text=text)
    # A number: read the way the format shows it.
    try:
        shown = number_formats.shown(cell.value, cell.number_format)
    except number_formats.FormatError as err:
        return "", f"「{label}」のセル（{ref}）: {err}"
    stored = f"{number_formats.excel_value(cell.value).normalize():f}"
    args = dict(label=label, ref=ref, stored=stored, code=cell.number_format, text=shown.text)
    if shown.number is None:
        return "", NOT_SHOWN.format(**args)
    if not shown.exact:
        scaled = re.search(r"[0#?],+(?![0#?])", cell.number_format.split(";")[0].replace('"', ""))
        return "", (SCALED if scaled else ROUNDED).format(**args)
    if key == "value":
        return f"{shown.number.normalize():f}" + ("%" if shown.percent else ""), ""
    return shown.text.strip(), ""


def _xlsx_rows(content: bytes) -> list[SheetRow]:
    try:
        sheet = spreadsheets.read_first_visible_sheet(content)
    except spreadsheets.SheetError as err:
        raise UploadError(str(err)) from None
    header = None
    rows: list[SheetRow] = []
    by_line = {r.line: r for r in sheet.rows}
    for raw in sheet.rows:
        if not raw.cells:
            continue
        if header is None:
            last = max(raw.cells)
            labels = [
                _shown_text(raw.cells[c], "name", "")[0] if c in raw.cells else ""
                for c in range(1, last + 1)
            ]
            header = _header_keys(labels)
            continue
        row = SheetRow(line=raw.line, cells={})
        for key, i in header.items():
            column = i + 1
            ref = f"{get_column_letter(column)}{raw.line}"
            cell = raw.cells.get(column)
            merge = sheet.merge_of(column, raw.line)
            if merge is not None and (merge[0], merge[1]) != (column, raw.line):
                # A covered cell of a merge: Excel shows the top-left cell's value over it.
                span = f"{get_column_letter(merge[0])}{merge[1]}:{get_column_letter(merge[2])}{merge[3]}"
                top = by_line.get(merge[1])
                if cell is not None:
                    row.problems[key] = MERGED_HIDDEN.format(label=LABEL[key], ref=ref, range=span)
                elif raw.line > merge[1] and top is not None and merge[0] in top.cells:
                    row.problems[key] = MERGED_ROWS.format(label=LABEL[key], ref=ref, range=span)
                row.cells[key] = ""
                continue
            if cell is None:
                row.cells[key] = ""
                continue
            if column in sheet.hidden_columns:
                row.problems[key] = HIDDEN_COLUMN.format(
                    label=LABEL[key], ref=get_column_letter(column)
                )
            text, problem = _shown_text(cell, key, ref)
            if problem and key != "name":
                row.problems.setdefault(key, problem)
            if key == "code" and cell.kind in ("number", "date"):
                row.code_kind, row.code_raw = cell.kind, cell.value
            row.cells[key] = text if key in ("note", "source") else text.strip()
        if not any(row.cells.values()) and not row.problems:
            continue
        if raw.hidden:
            row.problems["row"] = FILTERED_ROW if raw.filtered else HIDDEN_ROW
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise UploadError(TOO_MANY_ROWS.format(n=MAX_ROWS))
    if header is None:
        raise UploadError("ファイルが空です。")
    return rows


def read_table(content: bytes, filename: str) -> list[SheetRow]:
    """The data rows of an upload, as shown, keyed by the header labels of our CSV export.

    CSV: UTF-8 (with or without a BOM) or cp932; our formula guard is removed again. XLSX: the
    first visible sheet, read within spreadsheets' limits, each cell as its format shows it.
    Raises UploadError for a file that cannot be read at all; a row that cannot be read as
    shown carries its problems and is refused in the preview.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(content)
    if name.endswith(".csv"):
        return _csv_rows(_decode(content))
    raise UploadError("ファイルの種類は CSV（.csv）か Excel（.xlsx）にしてください。")


def _echo(text: str, limit: int = 40) -> str:
    """A cell's text fit to repeat in a message: no control characters, not too long."""
    clean = "".join("?" if (ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF) else c for c in text)
    return clean if len(clean) <= limit else clean[:limit] + "…"


def _unknown_code(row: SheetRow, codes: set[str]) -> str:
    """Why no KPI has this code: a date or a number a spreadsheet made of it, or unknown."""
    code = row.cells.get("code", "")
    parts = None
    if row.code_kind == "date" or (
        row.code_kind == "text" and (parts := mangled_codes.date_in_text(code))
    ):
        parts = parts or mangled_codes.date_of_value(row.code_raw)
    elif row.code_kind == "number":
        zeros = mangled_codes.codes_from_number(code, codes)
        if zeros:
            return NUMERIC_CODE.format(
                shown=_echo(code), guess=GUESS.format(codes="」か「".join(zeros))
            )
        serial = mangled_codes.date_of_value(row.code_raw)
        if serial is not None:
            found = [c for c in mangled_codes.codes_from_date(*serial) if c in codes]
            if found:
                return DATE_CODE.format(
                    shown=_echo(code), guess=GUESS.format(codes="」か「".join(found))
                )
        return NUMERIC_CODE.format(shown=_echo(code), guess="")
    elif mangled_codes.looks_numeric(code):
        zeros = mangled_codes.codes_from_number(code, codes)
        if zeros:
            return NUMERIC_CODE.format(
                shown=_echo(code), guess=GUESS.format(codes="」か「".join(zeros))
            )
    if parts is not None:
        found = [c for c in mangled_codes.codes_from_date(*parts) if c in codes]
        guess = GUESS.format(codes="」か「".join(found)) if found else ""
        return DATE_CODE.format(shown=_echo(code), guess=guess)
    return f"コード「{_echo(code)}」の成果指標はこの方針にありません。"


@dataclass
class PreviewRow:
    line: int  # the spreadsheet's row number, header = 1
    code: str
    name: str
    state: str
    reason: str = ""
    value: Decimal | None = None
    status: str = ValueStatus.PRELIMINARY
    note: str = ""
    source: str = ""
    version: int = 0
    current: str = ""
    shown: str = ""  # the value to save, formatted as the unit shows it (like `current`)
    changes: list[str] = field(default_factory=list)  # what a changed row changes, in words

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    def to_session(self) -> dict:
        return {
            "line": self.line,
            "code": self.code,
            "value": str(self.value) if self.value is not None else None,
            "status": self.status,
            "note": self.note,
            "source": self.source,
            "version": self.version,
        }


def preview(user, plan: Plan, fiscal_year: int, rows: list[SheetRow]) -> list[PreviewRow]:
    """Each row's state: new, changed, unchanged, other year, or invalid with the reason.

    Values are checked by the entry form itself (forms.validate_value_row), so an upload is
    held to every rule the form applies. Fixed number of queries.
    """
    kpis = {
        k.code: k
        for k in Kpi.objects.filter(plan=plan)
        .select_related("unit", "plan")
        .prefetch_related("steps")
    }
    # Last year's values: a cumulative KPI's decrease is questioned (forms.CUMULATIVE_DECREASE).
    previous = dict(
        KpiValue.objects.filter(kpi__plan=plan, fiscal_year=fiscal_year - 1).values_list(
            "kpi__code", "value"
        )
    )
    current = {
        v.kpi.code: v
        for v in KpiValue.objects.filter(kpi__plan=plan, fiscal_year=fiscal_year).select_related(
            "kpi__unit", "entered_by"
        )
    }
    seen: dict[str, int] = {}
    result = []
    for row in rows:
        cells = row.cells
        code = cells.get("code", "")
        kpi = kpis.get(code)
        out = PreviewRow(
            line=row.line,
            code=_echo(code),
            name=kpi.name if kpi else _echo(cells.get("name", ""), 80),
            state=INVALID,
        )
        result.append(out)
        for key in ("row", "plan", "fiscal_year"):
            if key in row.problems:
                out.reason = row.problems[key]
                break
        if out.reason:
            continue
        if cells.get("plan") and cells["plan"] != plan.slug:
            out.reason = f"別の方針（{_echo(cells['plan'])}）の行です。"
            continue
        if not cells.get("fiscal_year") and not cells.get("value"):
            out.state, out.reason = UNCHANGED, EMPTY_ROW  # a KPI without values, in our export
            continue
        try:
            fy = parse_fy(cells.get("fiscal_year", ""))
        except FiscalYearError as err:
            out.reason = str(err)
            continue
        if fy != fiscal_year:
            out.state, out.reason = (
                OTHER_YEAR,
                OTHER_YEAR_ROW.format(row_year=fy_text(fy), year=fy_text(fiscal_year)),
            )
            continue
        if row.problems:
            out.reason = next(iter(row.problems.values()))
            continue
        if kpi is None:
            out.reason = _unknown_code(row, set(kpis))
            continue
        if not permissions.can_enter(user, kpi):
            out.reason = gettext(services.NOT_ALLOWED)
            continue
        written_name = cells.get("name", "")
        if written_name and _same_words(written_name) != _same_words(kpi.name):
            # A code edited (or rows shifted) in a sheet: the value would land on another KPI.
            out.reason = NAME_MISMATCH.format(
                code=_echo(code), name=kpi.name, written=_echo(written_name, 80)
            )
            continue
        if code in seen:
            out.reason = f"{seen[code]}行目と同じ成果指標・年度です。"
            continue
        seen[code] = row.line
        status = STATUS_WORDS.get(cells.get("value_status", "").strip())
        if status is None:
            out.reason = "区分は「速報値」か「確定値」にしてください。"
            continue
        existing = current.get(code)
        cleaned, error = validate_value_row(
            kpi,
            value=cells.get("value", ""),
            status=status,
            note=cells.get("note", ""),
            source=cells.get("source", ""),
            version=existing.version if existing else 0,
            previous=previous.get(code),
        )
        if cleaned is None:
            out.reason = error
            continue
        value = cleaned["value"]
        out.status, out.note, out.source = status, cleaned["note"], cleaned["source"]
        same = existing is not None and (
            existing.value == value
            and existing.status == status
            and normalize_text(existing.note) == out.note
            and normalize_text(existing.source) == out.source
        )
        stale = _stale(cells.get("version", ""), existing, has_column="version" in cells)
        if stale is not None and not same and (existing is not None or value is not None):
            out.reason = stale  # the row reverts, or overwrites unseen, a colleague's save
            continue
        if value is None:
            if existing is not None:
                out.reason = gettext(services.CANNOT_CLEAR)
            elif out.note or out.source:
                out.reason = NOTE_WITHOUT_VALUE
            else:
                out.state, out.reason = UNCHANGED, EMPTY_ROW
            continue
        out.value = value
        out.shown = kpi.unit.format(value)
        if existing is None:
            out.state = NEW
            continue
        out.version = existing.version
        out.current = f"{kpi.unit.format(existing.value)}（{existing.get_status_display()}）"
        if same:
            out.state = UNCHANGED
        elif existing.status == ValueStatus.FINAL:
            out.reason = (
                gettext(services.FINAL_LOCKED_ADMIN)
                if permissions.is_admin(user, kpi)
                else gettext(services.FINAL_LOCKED)
            )
        else:
            out.state = CHANGED
            out.changes = _changes(existing, out, kpi)
    return result


def _quoted(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"「{text if len(text) <= limit else text[: limit - 1] + '…'}」" if text else "（なし）"


def _changes(existing: KpiValue, row: PreviewRow, kpi: Kpi) -> list[str]:
    """Each field a changed row changes, old → new, so that a note or source overwritten by a
    file is seen before it is saved (not only the value)."""
    out = []
    if existing.value != row.value:
        out.append(f"実績値：{kpi.unit.format(existing.value)} → {kpi.unit.format(row.value)}")
    if existing.status != row.status:
        new_status = ValueStatus(row.status).label
        out.append(f"区分：{existing.get_status_display()} → {new_status}")
    for label, old, new in (
        ("備考", normalize_text(existing.note), row.note),
        ("出典", normalize_text(existing.source), row.source),
    ):
        if old != new:
            out.append(f"{label}：{_quoted(old)} → {_quoted(new)}")
    return out


def _same_words(text: str) -> str:
    """A name as words: width, spacing and line breaks that a spreadsheet may change ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _stale(written: str, existing: KpiValue | None, *, has_column: bool = True) -> str | None:
    """Why a row's 版 does not match the value saved now, or None.

    `written`: the row's 版 as the file has it; `has_column`: whether the file has a 版 column
    at all (a hand-made file without it is read as before, unchecked). In a file with the
    column, an empty 版 is refused (EMPTY_VERSION): the row could overwrite a colleague's save
    unseen. A 版 below the current version, or a 版 for a value deleted since, means someone
    saved after the file was made: services.CONFLICT names who, when and what. A 版 above the
    current one was never handed out (VERSION_AHEAD). A 版 that is not a whole number is
    refused (BAD_VERSION).
    """
    written = written.strip()
    if written == "":
        return EMPTY_VERSION if has_column else None
    if not re.fullmatch(r"[0-9]{1,9}", written):
        return BAD_VERSION
    version = int(written)
    if existing is None:
        if version == 0:
            return None
        return gettext(services.GONE)
    if version < existing.version:
        return services.conflict_message(existing)
    if version > existing.version:
        return VERSION_AHEAD.format(written=version, current=existing.version)
    return None


def apply(user, plan: Plan, fiscal_year: int, saved: list[dict]) -> services.SaveResult:
    """Save the rows that the preview found new or changed, all or nothing."""
    kpis = {k.code: k for k in Kpi.objects.filter(plan=plan, code__in=[r["code"] for r in saved])}
    inputs = [
        services.ValueInput(
            kpi=kpis[r["code"]],
            value=Decimal(r["value"]),
            status=r["status"],
            note=r["note"],
            source=r["source"],
            version=r["version"],
        )
        for r in saved
    ]
    return services.values_save(user=user, fiscal_year=fiscal_year, rows=inputs)


def template_rows(user, plan: Plan, fiscal_year: int) -> list[list]:
    """One row per KPI the user may enter, in TEMPLATE_COLUMNS order, current values filled,
    each with its sample flag and 版 (the value's version; 0 where there is no value)."""
    kpis = [
        k
        for k in Kpi.objects.filter(plan=plan)
        .select_related("unit", "pillar", "parent")
        .order_by("pillar__number", "order", "code")
        if permissions.can_enter(user, k)
    ]
    values = {v.kpi_id: v for v in KpiValue.objects.filter(kpi__in=kpis, fiscal_year=fiscal_year)}
    rows = []
    for k in kpis:
        v = values.get(k.id)
        row = {key: "" for key, _ in TEMPLATE_COLUMNS}
        row.update(
            plan=plan.slug,
            code=k.code,
            name=k.name,
            pillar=k.pillar.number,
            unit=k.unit.label,
            fiscal_year=str(fiscal_year),
            value=f"{v.value.normalize():f}" if v else "",
            value_status=v.get_status_display() if v else "速報値",
            note=v.note if v else "",
            source=v.source if v else "",
            sample=("はい" if v.is_sample else "いいえ") if v else "",  # as the export writes it
            version=str(v.version if v else 0),
        )
        rows.append([row[key] for key, _ in TEMPLATE_COLUMNS])
    return rows


def template_csv(user, plan: Plan, fiscal_year: int) -> bytes:
    """The template for machines: our CSV export's layout, UTF-8 with a BOM."""
    return to_csv(template_rows(user, plan, fiscal_year), TEMPLATE_COLUMNS)


_VALUE_COLUMN = [key for key, _ in TEMPLATE_COLUMNS].index("value")


def template_xlsx(user, plan: Plan, fiscal_year: int) -> bytes:
    """The template for people: every text column, the codes first, is typed as text, so that
    Excel keeps 1-2 and 0101 as typed; the value column holds numbers in the General format."""
    rows = template_rows(user, plan, fiscal_year)
    for row in rows:
        if row[_VALUE_COLUMN] != "":
            row[_VALUE_COLUMN] = Decimal(row[_VALUE_COLUMN])
    formats = {i: TEXT_FORMAT for i in range(len(TEMPLATE_COLUMNS)) if i != _VALUE_COLUMN}
    formats[_VALUE_COLUMN] = "General"
    header = [label for _, label in TEMPLATE_COLUMNS]
    return to_xlsx([("実績値", header, rows)], column_formats=[formats])

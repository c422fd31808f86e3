"""Plans as an Excel KPI table: read a workbook into plan records, and write a plan back.

The workbook has a sheet 計画 (rows 項目 | 値) and a sheet 成果指標 (one row per KPI, columns
in HEADERS, optional override columns in OVERRIDES, optional columns named by fiscal year for
年度別目標値). Reading gives the same records a YAML plan fixture holds (natural keys), so that
kpi/plan_io.py checks and loads them all or nothing, with the same report.

A row whose 目標 or 基準値 cannot be read in one way only is never guessed: the whole workbook is
refused with each such row, its text and what it could mean, and the person corrects the cell
or fills the override columns (目標の種類, 目標値, 目標値（上限）, 条件). Nor is a code Excel
turned into a date, nor a formula whose result the file does not hold: each is a problem
naming its cell. A range merged down several rows fills each of them (its first column).

Units are made per plan from the distinct 単位 texts (UNIT_RULES): "%" is a percentage with one
decimal; 人, 件, 団体, 回 are counts; 円, 千円, 百万円, 億円 amounts in yen with their scale; any
other text a count with no decimals. A unit the plan already has with that label keeps its code
and settings. 所管課 are found by name, or created with a code made from the name (stable).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from initiatives.models import Organization, Plan
from smartdocho.fiscal import FiscalYearError, era_label, parse_fy

from . import mangled_codes, number_formats, target_text
from .models import (
    Department,
    Direction,
    Kpi,
    TargetBasis,
    TargetKind,
    Unit,
    validate_kpi_code,
)
from .numbers import MAX_INTEGER_DIGITS, NumberError, OutOfRange, parse_number

logger = logging.getLogger(__name__)

SHEET_HELP, SHEET_PLAN, SHEET_KPIS = "説明", "計画", "成果指標"
PLAN_ITEMS = {  # 項目 on the 計画 sheet → Plan field; all but 報告先 are required
    "識別子": "slug",
    "団体名": "government",
    "計画名": "title",
    "開始年度": "first_fy",
    "終了年度": "last_fy",
    "報告先": "report_to",
}
PLAN_OPTIONAL = {"報告先"}
HEADERS = [
    "取組方針番号",
    "取組方針",
    "取組項目番号",
    "取組項目",
    "指標コード",
    "成果指標",
    "単位",
    "基準年度",
    "基準値",
    "目標年度",
    "目標",
    "累計",
    "所管課",
    "備考",
]
OVERRIDES = ["目標の種類", "目標値", "目標値（上限）", "条件"]
# Optional columns: which way is better where the kind of target does not say it ("0件を維持":
# lower is better), and the item's めざす姿. Export writes them after the overrides.
EXTRAS = ["望ましい方向", "めざす姿"]
DIRECTION_WORDS = {
    "高いほど良い": Direction.HIGHER,
    "低いほど良い": Direction.LOWER,
    "中立": Direction.NEUTRAL,
}
DIRECTION_WORDS_IN = {
    target_text.word_key(word): direction
    for word, direction in {
        **DIRECTION_WORDS,
        **{d.value: d for d in Direction},
        "高い": Direction.HIGHER,
        "多いほど良い": Direction.HIGHER,
        "大きいほど良い": Direction.HIGHER,
        "低い": Direction.LOWER,
        "少ないほど良い": Direction.LOWER,
        "小さいほど良い": Direction.LOWER,
        "なし": Direction.NEUTRAL,
    }.items()
}
# Words for 目標の種類 (and what export writes there); "/年" after one means a yearly flow.
KIND_WORDS = {
    "以上": TargetKind.AT_LEAST,
    "以下": TargetKind.AT_MOST,
    "維持": TargetKind.MAINTAIN,
    "上げる": TargetKind.INCREASE,
    "下げる": TargetKind.DECREASE,
    "範囲": TargetKind.RANGE,
    "実施スケジュール": TargetKind.MILESTONE,
    "未設定": TargetKind.NONE,
}
KIND_WORDS_IN = {
    target_text.word_key(word): kind  # compared after the same normalization as the cell
    for word, kind in {
        **KIND_WORDS,
        **{k.value: k for k in TargetKind},
        "増加": TargetKind.INCREASE,
        "向上": TargetKind.INCREASE,
        "減少": TargetKind.DECREASE,
        "削減": TargetKind.DECREASE,
        "スケジュール": TargetKind.MILESTONE,
        "なし": TargetKind.NONE,
    }.items()
}
YES = {"○", "〇", "◯", "●", "✓", "✔", "1", "true", "はい", "累計", "yes"}
NO = {"", "×", "-", "—", "0", "false", "いいえ", "no"}
# text → (code, kind, decimals, base label, scale)
UNIT_RULES = {
    "%": ("percent", "percent", 1, "%", 1),
    "人": ("persons", "count", 0, "人", 1),
    "件": ("cases", "count", 0, "件", 1),
    "団体": ("organizations", "count", 0, "団体", 1),
    "回": ("times", "count", 0, "回", 1),
    "円": ("yen", "amount", 0, "円", 1),
    "千円": ("thousand-yen", "amount", 0, "円", 1_000),
    "百万円": ("million-yen", "amount", 0, "円", 1_000_000),
    "億円": ("hundred-million-yen", "amount", 0, "円", 100_000_000),
}

# A baseline year may lie this many years before the plan's first year, a target year this many
# after its last year; further out is taken for a typing slip (R20 for R2, 1999 for 2019).
YEARS_AROUND = 10
MAX_ROWS = 2000  # KPI rows read; the page bounds records further (MAX_PLAN_RECORDS)
MAX_COLUMNS = 80
MAX_EMPTY_ROWS = 10_000  # rows of nothing (formatting) read before giving up
MAX_UNZIPPED = 50 * 1024 * 1024  # the sum of the members' declared sizes
MAX_RATIO = 200  # a member's declared size over its compressed size
MAX_MEMBERS = 500


@dataclass(frozen=True)
class SheetProblem:
    sheet: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        sheet = "計画シート" if self.sheet == SHEET_PLAN else self.sheet
        where = f"{sheet} {self.row}行目" if self.row else sheet
        return (
            f"{where}「{self.column}」：{self.message}"
            if self.column
            else f"{where}：{self.message}"
        )


class WorkbookError(Exception):
    def __init__(self, problems: list[SheetProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _whole_file(message: str) -> WorkbookError:
    return WorkbookError([SheetProblem("", None, "", message)])


# --- opening ---------------------------------------------------------------------------------


def _open(content: bytes):
    """The workbook, read-only, after checking the zip it is: members, sizes, ratios."""
    import openpyxl  # imported here: pages that never read a workbook need not load it

    not_xlsx = _(
        "Excel のブック（.xlsx）として読めません。Excel で「.xlsx」形式で保存してください。"
    )
    if not content:
        raise _whole_file(_("ファイルが空です。"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _whole_file(not_xlsx) from None
    too_big = _("ファイルを展開すると大きすぎます（圧縮を解いて%(mb)sMBまで）。") % {
        "mb": MAX_UNZIPPED // (1024 * 1024)
    }
    if len(members) > MAX_MEMBERS:
        raise _whole_file(not_xlsx)
    if sum(m.file_size for m in members) > MAX_UNZIPPED:
        raise _whole_file(too_big)
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise _whole_file(too_big)
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise _whole_file(not_xlsx)
    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file; none may become a 500
        raise _whole_file(not_xlsx) from None


class _Uncached:
    """A formula cell whose result the file does not hold (written by a program, or never
    recalculated): openpyxl reads it as empty, so it is reported rather than taken as blank."""

    value = None
    number_format = "General"

    def __init__(self, sheet: str, row: int, column: int):
        from openpyxl.utils import get_column_letter

        self.where = f"{sheet}!{get_column_letter(column)}{row}"


@dataclass
class _SheetExtras:
    formulas: set  # (row, column) of formula cells, bounded
    merges: dict  # (row, column) of a merged range's top-left cell → last row of the range
    hidden: set = frozenset()  # rows hidden in Excel (kpi/spreadsheets.py decides which)


def _sheet_extras(ws) -> _SheetExtras:
    """Formula cells and merged ranges, which the values-only read-only sheet does not give: one
    more streaming pass over the sheet's XML, keeping only coordinates (bounded in number)."""
    from openpyxl.worksheet._reader import WorkSheetParser  # openpyxl is pinned exactly

    from .spreadsheets import row_is_hidden

    formulas: set = set()
    hidden: set = set()
    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=False)
        for number, cells in parser.parse():
            if len(hidden) <= MAX_ROWS and row_is_hidden(parser, number):
                hidden.add(number)
            for c in cells:
                if (
                    c.get("data_type") == "f"
                    and c["column"] <= MAX_COLUMNS
                    and len(formulas) < MAX_ROWS * MAX_COLUMNS
                ):
                    formulas.add((c["row"], c["column"]))
        ranges = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
    merges = {}
    for merged in ranges:
        from openpyxl.worksheet.cell_range import CellRange

        r = CellRange(merged.ref)
        if r.max_row > r.min_row and r.min_col <= MAX_COLUMNS:
            merges[(r.min_row, r.min_col)] = r.max_row
    return _SheetExtras(formulas, merges, hidden)


def _is_blank(cell) -> bool:
    v = cell.value
    return v is None or (isinstance(v, str) and not v.strip())


def _rows(ws, sheet: str, extras: _SheetExtras | None = None):
    """(row number, cells) of the rows that hold something, bounded in rows and columns.

    A range merged down several rows fills each row it spans in its first column with its
    top-left value (取組項目 merged over its KPIs); its other columns stay empty (a range merged
    across columns is one value in its first column). A formula cell with no stored result comes
    as an _Uncached cell."""
    extras = extras or _SheetExtras(set(), {})
    carried: dict[int, tuple[object, int]] = {}  # column → (top-left cell, last row)
    empty = kept = 0
    for number, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), start=1):
        cells = list(row)
        for i, cell in enumerate(cells):
            column = i + 1
            if cell.value is None and (number, column) in extras.formulas:
                cells[i] = cell = _Uncached(sheet, number, column)
            last = extras.merges.get((number, column))
            if last is not None:
                carried[column] = (cell, last)
            elif column in carried:
                source, until = carried[column]
                if number > until:
                    del carried[column]
                elif _is_blank(cell):
                    cells[i] = source
        if all(_is_blank(c) and not isinstance(c, _Uncached) for c in cells):
            empty += 1
            if empty > MAX_EMPTY_ROWS:
                break
            continue
        kept += 1
        if kept > MAX_ROWS + 1:
            raise WorkbookError(
                [
                    SheetProblem(
                        sheet,
                        None,
                        "",
                        _("行が多すぎます（%(n)s行まで）。") % {"n": f"{MAX_ROWS:,}"},
                    )
                ]
            )
        yield number, cells


def _uncached_message(cell: _Uncached) -> str:
    return _(
        "%(cell)s は数式で、計算結果が保存されていません。"
        "Excelで開いて保存し直すか、値を入力してください。"
    ) % {"cell": cell.where}


# --- reading cells ---------------------------------------------------------------------------


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _dec_text(Decimal(repr(value)))
    if isinstance(value, int | Decimal):
        return _dec_text(Decimal(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _dec_text(d: Decimal) -> str:
    """1000, 52.5: no exponent, no trailing zeros."""
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _is_percent_cell(cell) -> bool:
    return isinstance(cell.value, int | float) and "%" in (getattr(cell, "number_format", "") or "")


def _written(cell) -> str:
    """The cell as a person sees it: a percent-formatted 0.8 is "80%"."""
    if _is_percent_cell(cell):
        return _dec_text(Decimal(repr(cell.value)) * 100) + "%"
    return _plain(cell.value)


def _cell_number(cell) -> Decimal:
    """A number cell or a number written as text ("1,000", "52.5%"). Raises NumberError."""
    value = cell.value
    if isinstance(value, bool):
        raise NumberError(_("数値を書いてください。"))
    if isinstance(value, int | float):
        _check_shown(value, cell)
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        d = d * 100 if _is_percent_cell(cell) else d
        if not d.is_finite() or d.adjusted() >= MAX_INTEGER_DIGITS:
            raise OutOfRange(_too_large_message())
        return d
    return parse_number(_plain(value))


class ShownDifferently(NumberError):
    """A number cell whose format shows another number ("5千" for 5000, "53" for 52.5)."""


def _check_shown(value: float | int, cell) -> None:
    """Refuse a number shown otherwise than it is stored, as the values upload does: what the
    admin read in Excel is what would be loaded. Raises ShownDifferently."""
    code = getattr(cell, "number_format", None) or "General"
    try:
        shown = number_formats.shown(value, code)
    except number_formats.FormatError:
        return  # a format we cannot render (dates, conditions): nothing to compare with
    if shown.number is not None and shown.exact:
        return
    stored = f"{number_formats.excel_value(value).normalize():f}"
    raise ShownDifferently(
        _(
            "セルの値は %(stored)s ですが、表示形式「%(code)s」により「%(text)s」と表示されています。"
            "表示と違う値は読み込みません。表示形式を「標準」にして、計画のとおりの値を入力してください。"
        )
        % {"stored": stored, "code": code, "text": shown.text.strip()}
    )


def _too_large_message() -> str:
    return _(
        "数値が大きすぎます（整数部分は%(n)s桁まで、%(max)sまで）。単位を確かめてください。"
    ) % {
        "n": MAX_INTEGER_DIGITS,
        "max": f"{10**MAX_INTEGER_DIGITS - 1:,}",
    }


def _fy(cell) -> int | None:
    value = cell.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        raise FiscalYearError(_("年度が日付になっています。R6 や 2024 のように書いてください。"))
    return parse_fy(value if isinstance(value, int) else str(value))


def _code(cell) -> tuple[str, list[str]]:
    """A code as written, or for a cell Excel turned into a date ("3-1" typed becomes 3月1日 or
    1月3日), no code and the codes it may have been: never a guess, since which part is the
    month depends on how the plan numbers its codes, which the sheet cannot tell."""
    value = cell.value
    found = mangled_codes.date_of_value(value) if isinstance(value, dt.datetime | dt.date) else None
    if found is None:
        return target_text.width_normal(_plain(value)), []
    candidates = mangled_codes.codes_from_date(*found)
    two_parts = [c for c in candidates if c.count("-") == 1]  # the year is usually Excel's own
    return "", two_parts + [c for c in candidates if c not in two_parts]


# --- reading the sheets ----------------------------------------------------------------------


def _header_key(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _plain(value)))


_HEADER_KEYS = {_header_key(h): h for h in HEADERS + OVERRIDES + EXTRAS}


def _read_plan(ws, extras: _SheetExtras) -> tuple[dict, list[SheetProblem]]:
    problems, found = [], {}
    for number, cells in _rows(ws, SHEET_PLAN, extras):
        label = _header_key(cells[0].value) if cells else ""
        value = cells[1] if len(cells) > 1 else None
        if label in ("項目", ""):
            continue
        if label not in PLAN_ITEMS:
            problems.append(SheetProblem(SHEET_PLAN, number, label, _unknown(label, PLAN_ITEMS)))
            continue
        found[label] = value
    fields: dict = {}
    for label, name in PLAN_ITEMS.items():
        cell = found.get(label)
        if isinstance(cell, _Uncached):
            problems.append(SheetProblem(SHEET_PLAN, None, label, _uncached_message(cell)))
            continue
        text = _plain(cell.value) if cell is not None else ""
        if not text:
            if label not in PLAN_OPTIONAL:
                problems.append(SheetProblem(SHEET_PLAN, None, label, _("値を書いてください。")))
            else:
                fields[name] = ""  # the sheet is the whole plan: an empty cell clears the field
            continue
        f = Plan._meta.get_field(name)
        if getattr(f, "max_length", None) and len(text) > f.max_length:
            problems.append(SheetProblem(SHEET_PLAN, None, label, _too_long(Plan, name)))
            continue
        if name == "slug" and not re.fullmatch(r"[-a-zA-Z0-9_]+", text):
            problems.append(
                SheetProblem(
                    SHEET_PLAN,
                    None,
                    label,
                    _(
                        "識別子「%(text)s」は、半角の英字・数字・ハイフン（-）・アンダースコア（_）"
                        "だけで書いてください（例: example-city-dx-1）。"
                    )
                    % {"text": text},
                )
            )
            continue
        if name in ("first_fy", "last_fy"):
            try:
                fields[name] = _fy(cell)
            except FiscalYearError as err:
                problems.append(SheetProblem(SHEET_PLAN, None, label, str(err)))
        else:
            fields[name] = text
    first, last = fields.get("first_fy"), fields.get("last_fy")
    if isinstance(first, int) and isinstance(last, int) and first > last:
        problems.append(
            SheetProblem(
                SHEET_PLAN,
                None,
                "終了年度",
                _("終了年度（%(last)s）が開始年度（%(first)s）より前です。")
                % {"last": era_label(last), "first": era_label(first)},
            )
        )
    return fields, problems


def _unknown(text: str, known) -> str:
    close = difflib.get_close_matches(text, list(known), n=1, cutoff=0.5)
    if close:
        return _("知らない名前です: 「%(text)s」（「%(close)s」の誤りではありませんか）") % {
            "text": text,
            "close": close[0],
        }
    return _("知らない名前です: 「%(text)s」") % {"text": text}


@dataclass
class _Row:
    number: int
    cells: dict  # header → cell
    years: dict  # fiscal year → cell

    def text(self, header: str) -> str:
        cell = self.cells.get(header)
        return _plain(cell.value) if cell is not None else ""


class _Empty:
    value = None
    number_format = "General"


HIDDEN_ROW = gettext_lazy(
    "この行は Excel で非表示になっています。行を再表示して内容を確かめるか、"
    "読み込まない行なら削除してから、もう一度読み込んでください。"
)
HEADER_SEARCH_ROWS = 10  # rows searched for the header row (titles above it are skipped)


def _header_count(cells) -> int:
    return sum(1 for c in cells if _HEADER_KEYS.get(_header_key(c.value)) in HEADERS)


def _read_header(number: int, cells) -> tuple[dict[int, str], dict[int, int], list[SheetProblem]]:
    problems: list[SheetProblem] = []
    columns: dict[int, str] = {}
    year_columns: dict[int, int] = {}
    for i, cell in enumerate(cells):
        key = _header_key(cell.value)
        if not key:
            continue
        if key in _HEADER_KEYS:
            name = _HEADER_KEYS[key]
            if name in columns.values():
                problems.append(
                    SheetProblem(SHEET_KPIS, number, name, _("同じ名前の列が2つあります。"))
                )
            columns[i] = name
            continue
        try:
            fy = _fy(cell)
        except FiscalYearError:
            fy = None
        if fy is not None and not isinstance(cell.value, dt.date):
            if fy in year_columns.values():
                problems.append(
                    SheetProblem(SHEET_KPIS, number, key, _("同じ年度の列が2つあります。"))
                )
            year_columns[i] = fy
            continue
        message = _unknown(key, HEADERS + OVERRIDES + EXTRAS)
        if re.search(r"[0-9０-９]", key):
            message += _("（年度の列は R6、令和6年度、2024 のように書いてください）")
        problems.append(SheetProblem(SHEET_KPIS, number, key, message))
    missing = [h for h in HEADERS if h not in columns.values()]
    for h in missing:
        problems.append(SheetProblem(SHEET_KPIS, number, h, _("この列がありません。")))
    return columns, year_columns, problems


def _read_kpi_rows(ws, extras: _SheetExtras) -> tuple[list[_Row], list[SheetProblem]]:
    """The KPI rows under the header row, and the problems of the header and of formula cells
    with no stored result. The header row is the first of the first HEADER_SEARCH_ROWS rows
    that holds at least three of the column names (a title row above it is common)."""
    lines = _rows(ws, SHEET_KPIS, extras)
    seen: list[tuple[int, list]] = []
    for number, cells in lines:
        seen.append((number, cells))
        if _header_count(cells) >= 3 or len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return [], [SheetProblem(SHEET_KPIS, None, "", _("見出しの行がありません。"))]
    found = [(n, c) for n, c in seen if _header_count(c) >= 3]
    header_number, header_cells = found[0] if found else seen[0]
    columns, year_columns, problems = _read_header(header_number, header_cells)
    if not found:
        problems.append(
            SheetProblem(
                SHEET_KPIS,
                None,
                "",
                _(
                    "見出しの行が見つかりません（最初の%(n)s行に「取組方針番号」「成果指標」"
                    "「目標」などの列名が並んだ行がありません）。表の上に題名の行があるときは、"
                    "見出しの行をその下に置いてください。"
                )
                % {"n": HEADER_SEARCH_ROWS},
            )
        )
    if problems:
        return [], problems
    below = [(n, c) for n, c in [*seen, *lines] if n > header_number]
    for n, _cells in below:
        if n in extras.hidden:  # loaded unseen otherwise: the person decides (show or delete)
            problems.append(SheetProblem(SHEET_KPIS, n, "", str(HIDDEN_ROW)))
    rows = [
        _kpi_row(n, c, columns, year_columns, problems)
        for n, c in below
        if not _only_helper_formulas(c, columns, year_columns)
    ]
    if not rows:
        problems.append(SheetProblem(SHEET_KPIS, None, "", _("成果指標の行がありません。")))
    return rows, problems


def _only_helper_formulas(cells, columns: dict, year_columns: dict) -> bool:
    """A row whose only content is formulas with no result in columns the table does not read
    (a helper column filled down by a program): not a KPI row."""
    read = set(columns) | set(year_columns)
    if any(
        i in read and (not _is_blank(c) or isinstance(c, _Uncached)) for i, c in enumerate(cells)
    ):
        return False
    return all(_is_blank(c) for c in cells)  # an _Uncached cell is blank: no value anywhere


def _kpi_row(number: int, cells, columns: dict, year_columns: dict, problems: list) -> _Row:
    by_name = {name: cells[i] for i, name in columns.items() if i < len(cells)}
    years = {fy: cells[i] for i, fy in year_columns.items() if i < len(cells)}
    for name, cell in [*by_name.items(), *((era_label(fy), c) for fy, c in years.items())]:
        if isinstance(cell, _Uncached):
            problems.append(SheetProblem(SHEET_KPIS, number, name, _uncached_message(cell)))
    return _Row(number, by_name, years)


def _sheet_key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def read_workbook(content: bytes, organization_id: int | None = None) -> list[dict]:
    """The plan records a workbook holds, in loading order, or WorkbookError with every problem
    (bad file, sheets, headers, and each row whose 目標 or 基準値 is not settled).

    `organization_id`: the importing admin's organization. A 所管課 is matched by name among the
    departments of the plan's organization (the one the plan already has, else this one, else
    the one registered under the plan's 団体名) and never another organization's: two governments may each have a 情報政策課 (issue 14)."""
    wb = _open(content)
    try:
        names = {_sheet_key(n): n for n in wb.sheetnames}  # "成果指標 " is 成果指標
        missing = [s for s in (SHEET_PLAN, SHEET_KPIS) if s not in names]
        if missing:
            raise _whole_file(
                _("シート「%(missing)s」がありません（あるシート: %(names)s）。")
                % {
                    "missing": "」「".join(missing),
                    "names": "、".join(f"「{n}」" for n in wb.sheetnames) or "なし",
                }
            )
        plan_ws, kpi_ws = wb[names[SHEET_PLAN]], wb[names[SHEET_KPIS]]
        plan, problems = _read_plan(plan_ws, _sheet_extras(plan_ws))
        rows, found = _read_kpi_rows(kpi_ws, _sheet_extras(kpi_ws))
        problems += found
        if not rows:
            raise WorkbookError(problems)
        builder = _Builder(plan, problems, organization_id)
        return builder.build(rows)  # every row checked, with the problems so far
    except WorkbookError:
        raise
    except Exception as err:  # a broken sheet's XML, a bad cell: a message, never a 500
        logger.warning("plan workbook not readable: %r", err)
        raise _whole_file(
            _("ブックを読み取れません: %(err)s") % {"err": type(err).__name__}
        ) from None
    finally:
        wb.close()


def _unit_text(row: _Row) -> str:
    """The row's 単位 with its width folded ("％" is "%"); "" for none, and for a dash ("—")."""
    text = target_text.width_normal(row.text("単位"))
    return "" if text in target_text.NO_VALUE else text


def _too_long(model, name: str) -> str:
    return _("長すぎます（%(n)s文字まで）。") % {"n": model._meta.get_field(name).max_length}


def _stable_code(prefix: str, text: str) -> str:
    return f"{prefix}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"


class _Builder:
    def __init__(
        self,
        plan: dict,
        problems: list[SheetProblem] | None = None,
        organization_id: int | None = None,
    ):
        self.plan = plan
        self.slug = plan.get("slug", "")
        existing = Plan.objects.filter(slug=self.slug).values_list("organization_id", flat=True)
        # The organization the plan will belong to, as plan_organizations.with_organizations
        # decides it: the plan's own, the importing admin's, else the one of its 団体名.
        named = Organization.objects.filter(name=str(plan.get("government") or "").strip())
        self.organization_id = (
            existing.first()
            or organization_id
            or named.order_by("pk").values_list("pk", flat=True).first()
        )
        self.problems: list[SheetProblem] = list(problems or [])
        self.departments: dict[str, dict] = {}
        self.units: dict[str, dict] = {}  # width-normalized 単位 → its record
        self.unit_kinds: dict[str, str] = {}  # the kind of a unit already in the plan
        self.pillars: dict[int, dict] = {}
        self.items: dict[tuple[int, str], dict] = {}
        self.kpis: list[dict] = []
        self.yearly: list[dict] = []
        self.steps: list[dict] = []
        self.rows: dict[int, int] = {}  # id(fields) → its row

    def _period(self) -> str:
        years = (self.plan.get("first_fy"), self.plan.get("last_fy"))
        return "～".join(era_label(y) for y in years if isinstance(y, int))

    def problem(self, row: _Row, column: str, message: str) -> None:
        if isinstance(row.cells.get(column), _Uncached):
            return  # reported as a formula with no stored result
        self.problems.append(SheetProblem(SHEET_KPIS, row.number, column, message))

    def build(self, rows: list[_Row]) -> list[dict]:
        codes: dict[str, int] = {}
        order: dict[int, int] = {}
        for row in rows:
            kpi = self._row(row, order)
            if kpi is None:
                continue
            code = kpi["code"]
            if code in codes:
                self.problem(
                    row, "指標コード", _("%(n)s行目と同じコードです。") % {"n": codes[code]}
                )
            codes[code] = row.number
        if self.problems:
            raise WorkbookError(self.problems)
        plan = {"model": "initiatives.plan", "fields": self.plan, "sheet": SHEET_PLAN}
        records = [self._record("kpi.department", d) for d in self.departments.values()]
        records.append(plan)
        records += [self._record("kpi.unit", u) for u in self.units.values()]
        records += [self._record("initiatives.pillar", p) for p in self.pillars.values()]
        records += [self._record("initiatives.initiativeitem", i) for i in self.items.values()]
        records += [self._record("kpi.kpi", k) for k in self.kpis]
        records += [self._record("kpi.yearlytarget", y) for y in self.yearly]
        records += [self._record("kpi.schedulestep", s) for s in self.steps]
        return records

    def _record(self, model: str, fields: dict) -> dict:
        """A record, with `row`: the sheet row it comes from (first row, for shared ones)."""
        return {"model": model, "fields": fields, "row": self.rows.get(id(fields))}

    def _at(self, row: _Row, fields: dict) -> dict:
        self.rows.setdefault(id(fields), row.number)
        return fields

    def _pillar(self, row: _Row) -> int | None:
        text = target_text.normalize(row.text("取組方針番号"))
        if not re.fullmatch(r"[0-9]{1,4}", text):
            self.problem(row, "取組方針番号", _("取組方針番号は整数で書いてください（例: 1）。"))
            return None
        number = int(text)
        title = row.text("取組方針")
        pillar = self.pillars.get(number)
        if pillar is None:
            if not title:
                self.problem(row, "取組方針", _("取組方針を書いてください。"))
                return None
            self.pillars[number] = self._at(
                row, {"plan": [self.slug], "number": number, "title": title}
            )
        elif title and title != pillar["title"]:
            self.problem(
                row,
                "取組方針",
                _("同じ取組方針番号に別の名前が書かれています（「%(title)s」）。")
                % {"title": pillar["title"]},
            )
        return number

    def _item(self, row: _Row, pillar: int) -> list | None:
        cell = row.cells.get("取組項目番号", _Empty())
        label, candidates = _code(cell)
        if candidates:
            self.problem(row, "取組項目番号", _mangled(candidates))
            return None
        title = row.text("取組項目")
        if not label and not title:
            return None
        if not title:
            self.problem(row, "取組項目", _("取組項目を書いてください。"))
            return None
        key = (pillar, label or title)
        item = self.items.get(key)
        goal = row.text("めざす姿")
        if item is None:
            number = 1 + sum(1 for p, _k in self.items if p == pillar)
            item = {"pillar": [self.slug, pillar], "number": number, "label": label, "title": title}
            if "めざす姿" in row.cells:
                # With the column, the table is the whole truth: an empty cell clears it.
                item["goal"] = goal
            self.items[key] = self._at(row, item)
        elif goal and item.get("goal") and item["goal"] != goal:
            self.problem(
                row,
                "めざす姿",
                _("同じ取組項目に別のめざす姿が書かれています（「%(goal)s」）。")
                % {"goal": item["goal"]},
            )
        elif goal:
            item["goal"] = goal
        if item["title"] != title:
            self.problem(
                row,
                "取組項目",
                _("同じ取組項目番号に別の名前が書かれています（「%(title)s」）。")
                % {"title": item["title"]},
            )
        return [self.slug, pillar, item["number"]]

    def unit_kind(self, text: str) -> str:
        """The kind of the row's unit in words (件数・人数…), for messages."""
        from .models import UnitKind

        unit = self.units.get(text)
        kind = self.unit_kinds.get(text) or (unit or {}).get("kind") or "count"
        return str(UnitKind(kind).label)

    def _unit(self, row: _Row) -> list | None:
        text = _unit_text(row)
        if not text:
            written = row.text("単位")
            if written:  # "—": no unit, said as such
                message = _(
                    "単位「%(text)s」は単位として使えません。単位を書いてください（例: %%、件、人。"
                    "実施スケジュールの指標は「段階」など）。"
                ) % {"text": written}
            else:
                message = _(
                    "単位を書いてください（例: %、件、人。実施スケジュールの指標は「段階」など）。"
                )
            self.problem(row, "単位", message)
            return None
        if len(text) > Unit._meta.get_field("label").max_length:
            self.problem(row, "単位", _too_long(Unit, "label"))
            return None
        if text not in self.units:
            existing = next(
                (
                    u
                    for u in Unit.objects.filter(plan__slug=self.slug).order_by("code")
                    if target_text.width_normal(u.label) == text
                ),
                None,
            )
            if existing is not None:
                self.unit_kinds[text] = existing.kind
                self.units[text] = self._at(
                    row, {"plan": [self.slug], "code": existing.code, "label": existing.label}
                )
            else:
                code, kind, decimals, base, scale = UNIT_RULES.get(
                    target_text.normalize(text), (_stable_code("u", text), "count", 0, text, 1)
                )
                self.units[text] = self._at(
                    row,
                    {
                        "plan": [self.slug],
                        "code": code,
                        "label": text,
                        "base_label": base,
                        "scale": str(scale),
                        "decimals": decimals,
                        "kind": kind,
                    },
                )
        return [self.slug, self.units[text]["code"]]

    def _department(self, row: _Row) -> list | None:
        name = row.text("所管課")
        if not name:
            return None
        if len(name) > Department._meta.get_field("name").max_length:
            self.problem(row, "所管課", _too_long(Department, "name"))
            return None
        if name not in self.departments:
            existing = None
            if self.organization_id is not None:
                existing = (
                    Department.objects.filter(name=name, organization_id=self.organization_id)
                    .order_by("code")
                    .first()
                )
            code = existing.code if existing else _stable_code("dept", name)
            self.departments[name] = self._at(row, {"code": code, "name": name})
        return [self.departments[name]["code"]]

    def _lengths(self, row: _Row) -> bool:
        """Whether every text cell fits its field; each one that does not is a problem here,
        so that it is said once, by its column, and not by the loader for every row using it."""
        from initiatives.models import InitiativeItem, Pillar

        fits = True
        for column, model, name in (
            ("取組方針", Pillar, "title"),
            ("取組項目番号", InitiativeItem, "label"),
            ("取組項目", InitiativeItem, "title"),
            ("指標コード", Kpi, "code"),
            ("成果指標", Kpi, "name"),
            ("基準値", Kpi, "baseline_text"),
            ("目標", Kpi, "target_text"),
            ("条件", Kpi, "target_condition"),
        ):
            if len(row.text(column)) > model._meta.get_field(name).max_length:
                self.problem(row, column, _too_long(model, name))
                fits = False
        return fits

    def _row(self, row: _Row, order: dict[int, int]) -> dict | None:
        # A row with a problem is still checked to its end: every problem in one pass.
        self._lengths(row)
        pillar = self._pillar(row)
        item = self._item(row, pillar) if pillar is not None else None
        code, candidates = _code(row.cells.get("指標コード", _Empty()))
        if candidates:
            self.problem(row, "指標コード", _mangled(candidates))
        elif not code:
            self.problem(row, "指標コード", _("指標コードを書いてください。"))
        else:
            try:
                validate_kpi_code(code)
            except ValidationError as err:
                self.problem(row, "指標コード", " ".join(err.messages))
        if not row.text("成果指標"):
            self.problem(row, "成果指標", _("成果指標の名前を書いてください。"))
        unit = self._unit(row)
        unit_text = _unit_text(row)
        fields: dict = {
            "plan": [self.slug],
            "pillar": [self.slug, pillar],
            "item": item,
            "code": code,
            "name": row.text("成果指標"),
            "unit": unit,
            "department": self._department(row),
            "note": row.text("備考"),
            "cumulative": self._cumulative(row),
        }
        order[pillar] = order.get(pillar, 0) + 1
        fields["order"] = order[pillar]
        self._baseline(row, unit_text, fields)
        target = self._target(row, unit_text, fields)
        if unit is None or target is None or pillar is None or not code:
            return None
        self.kpis.append(self._at(row, fields))
        yearly, steps = target
        key = [self.slug, code]
        for fy, value in sorted(yearly.items()):
            yearly_fields = {"kpi": key, "fiscal_year": fy, "value": _dec_text(value)}
            self.yearly.append(self._at(row, yearly_fields))
        for n, step in enumerate(steps, start=1):
            step_fields = {"kpi": key, "order": n, "label": step.label, "due_fy": step.due_fy}
            self.steps.append(self._at(row, step_fields))
        return fields

    def _cumulative(self, row: _Row) -> bool:
        text = target_text.normalize(row.text("累計")).lower()
        if text in YES:
            return True
        if text not in NO:
            self.problem(row, "累計", _("累計は ○ か空欄で書いてください。"))
        return False

    def _baseline(self, row: _Row, unit_text: str, fields: dict) -> None:
        cell = row.cells.get("基準値", _Empty())
        fy_written = True
        try:
            fy = _fy(row.cells.get("基準年度", _Empty()))
        except FiscalYearError as err:
            self.problem(row, "基準年度", str(err))
            fy, fy_written = None, False
        fields.update(baseline_fy=None, baseline_value=None, baseline_approximate=False)
        fields["baseline_text"] = ""
        if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
            try:
                value = _cell_number(cell)
            except OutOfRange:
                self.problem(row, "基準値", _too_large_message())
                return
            except ShownDifferently as err:
                self.problem(row, "基準値", str(err))
                return
            reading = target_text.BaselineReading(
                value=value, ambiguous=target_text.NEGATIVE if value < 0 else ""
            )
        else:
            reading = target_text.read_baseline(_written(cell), unit_text)
        if reading.ambiguous == target_text.TOO_LARGE:
            self.problem(row, "基準値", _too_large_message())
            return
        if reading.ambiguous == target_text.NEGATIVE:
            kind = self.unit_kind(unit_text)
            self.problem(
                row,
                "基準値",
                _(
                    "基準値「%(text)s」は負の数です。単位「%(unit)s」（%(kind)s）では"
                    "負の値は使えません。"
                )
                % {"text": _written(cell), "unit": unit_text, "kind": kind},
            )
            return
        if not reading.settled:
            self.problem(
                row,
                "基準値",
                _(
                    "基準値「%(text)s」を数値として読めません（例: 30、約30、平均52.5、新規は「—」）。"
                    "セルを書き直してください。"
                )
                % {"text": _written(cell)},
            )
            return
        if reading.value is None:
            return  # 新規: no baseline, its year left empty too
        if fy is None:
            if fy_written:  # else its year is already reported as unreadable
                self.problem(row, "基準年度", _("基準値があるときは基準年度を書いてください。"))
            return
        first = self.plan.get("first_fy")
        if isinstance(first, int) and fy < first - YEARS_AROUND:
            self.problem(
                row,
                "基準年度",
                _(
                    "基準年度（%(fy)s）が計画期間（%(period)s）の初年度より%(n)s年以上前です。"
                    "年度を確かめてください。"
                )
                % {"fy": era_label(fy), "period": self._period(), "n": YEARS_AROUND + 1},
            )
            return
        fields.update(
            baseline_fy=fy,
            baseline_value=_dec_text(reading.value),
            baseline_approximate=reading.approximate,
            baseline_text=_written(cell) if reading.keep_text else "",
        )

    def _target(self, row: _Row, unit_text: str, fields: dict):
        """Sets the target fields; returns (yearly targets, steps), or None on a problem."""
        written = _written(row.cells.get("目標", _Empty()))
        ok = True
        try:
            target_fy = _fy(row.cells.get("目標年度", _Empty()))
        except FiscalYearError as err:
            self.problem(row, "目標年度", str(err))
            target_fy, ok = None, False
        kind_text = target_text.word_key(row.text("目標の種類"))
        if kind_text:
            reading = self._override(row, kind_text, written, unit_text)
        else:
            reading = target_text.read_target(written, unit_text)
            if not reading.settled:
                baseline = fields.get("baseline_value")
                relative = _relative_meanings(
                    written, reading, Decimal(baseline) if baseline else None, unit_text
                )
                self.problem(row, "目標", _unsettled(written, reading, relative))
                return None
        if reading is None:
            return None
        if reading.target_fy is not None:
            later = reading.kind == TargetKind.MILESTONE and (target_fy or 0) > reading.target_fy
            if later:
                pass  # a schedule may reach its target year after its last step
            elif target_fy is not None and target_fy != reading.target_fy:
                self.problem(
                    row,
                    "目標年度",
                    _("目標に書かれた年度（%(text)s）と目標年度が違います。")
                    % {"text": era_label(reading.target_fy)},
                )
                return None
            else:
                target_fy = reading.target_fy
        last = self.plan.get("last_fy")
        if target_fy is not None and isinstance(last, int) and target_fy > last + YEARS_AROUND:
            self.problem(
                row,
                "目標年度",
                _(
                    "目標年度（%(fy)s）が計画期間（%(period)s）の最終年度より%(n)s年以上後です。"
                    "年度を確かめてください。"
                )
                % {"fy": era_label(target_fy), "period": self._period(), "n": YEARS_AROUND + 1},
            )
            return None
        if reading.kind != TargetKind.NONE and target_fy is None and ok:
            self.problem(row, "目標年度", _("目標があるときは目標年度を書いてください。"))
            return None
        yearly = dict(reading.yearly)
        for fy, cell in row.years.items():
            if cell.value is None or _plain(cell.value) == "":
                continue
            if reading.kind == TargetKind.MILESTONE:
                self.problem(
                    row,
                    era_label(fy),
                    _(
                        "実施スケジュールの段階は目標の欄に書いてください（年度の列は数値の目標だけ）。"
                    ),
                )
                return None
            try:
                value = _cell_number(cell)
            except OutOfRange:
                self.problem(row, era_label(fy), _too_large_message())
                return None
            except ShownDifferently as err:
                self.problem(row, era_label(fy), str(err))
                return None
            except NumberError:
                self.problem(row, era_label(fy), _("年度別目標値は数値で書いてください。"))
                return None
            if value < 0:
                self.problem(row, era_label(fy), self._negative_message(_written(cell), unit_text))
                return None
            if fy in yearly and yearly[fy] != value:
                self.problem(row, era_label(fy), _("目標に書かれた同じ年度の値と違います。"))
                return None
            yearly[fy] = value
        if reading.cumulative:  # "75人（累計）"
            if target_text.normalize(row.text("累計")) == "":
                fields["cumulative"] = True
            elif not fields.get("cumulative"):
                self.problem(
                    row,
                    "累計",
                    _("目標に「累計」と書かれていますが、累計の列は累計でないとしています。"),
                )
                return None
        condition = row.text("条件") or reading.condition
        direction = direction_of(reading.kind).value
        written_direction = row.text("望ましい方向")
        if written_direction:
            chosen = DIRECTION_WORDS_IN.get(target_text.word_key(written_direction))
            if chosen is None:
                self.problem(
                    row,
                    "望ましい方向",
                    _("望ましい方向は「%(words)s」のどれかで書いてください。")
                    % {"words": "」「".join(DIRECTION_WORDS)},
                )
                return None
            direction = chosen.value
        fields.update(
            direction=direction,
            target_fy=target_fy,
            target_kind=reading.kind,
            target_value=None if reading.value is None else _dec_text(reading.value),
            target_value_high=None if reading.high is None else _dec_text(reading.high),
            target_basis=(TargetBasis.ANNUAL if reading.annual else TargetBasis.LEVEL).value,
            target_text=written,
            target_condition=condition,
        )
        if not self._years_fit(row, fields, target_fy, yearly):
            return None
        return yearly, reading.steps

    def _years_fit(self, row: _Row, fields: dict, target_fy: int | None, yearly: dict) -> bool:
        """The year rules the loader would check (kpi.models Kpi and YearlyTarget), checked here
        so that they are listed with the other rows' problems in the same pass."""
        first = self.plan.get("first_fy")
        fits = True
        if target_fy is not None and isinstance(first, int) and target_fy < first:
            self.problem(
                row,
                "目標年度",
                _("目標年度（%(fy)s）が計画期間（%(period)s）の初年度より前です。")
                % {"fy": era_label(target_fy), "period": self._period()},
            )
            fits = False
        baseline_fy = fields.get("baseline_fy")
        for fy in sorted(yearly):
            if (baseline_fy is not None and fy <= baseline_fy) or (
                target_fy is not None and fy > target_fy
            ):
                self.problem(
                    row,
                    era_label(fy) if fy in row.years else "目標",
                    _(
                        "年度別目標値の年度（%(fy)s）は、基準年度より後、目標年度までにしてください。"
                    )
                    % {"fy": era_label(fy)},
                )
                fits = False
        return fits

    def _negative_message(self, text: str, unit_text: str) -> str:
        """No unit kind allows a negative number: a target below zero is refused, as a baseline."""
        return _(
            "「%(text)s」は負の数です。単位「%(unit)s」（%(kind)s）では負の値は使えません。"
        ) % {"text": text, "unit": unit_text, "kind": self.unit_kind(unit_text)}

    def _override(self, row: _Row, kind_text: str, written: str, unit_text: str):
        annual = kind_text.endswith(("/年", "/年度"))
        kind = KIND_WORDS_IN.get(re.sub(r"/年度?$", "", kind_text))
        if kind is None:
            self.problem(row, "目標の種類", _unknown(row.text("目標の種類"), KIND_WORDS))
            return None
        values = {}
        for column in ("目標値", "目標値（上限）"):
            cell = row.cells.get(column, _Empty())
            if _plain(cell.value) == "":
                values[column] = None
                continue
            try:
                values[column] = _cell_number(cell)
            except OutOfRange:
                self.problem(row, column, _too_large_message())
                return None
            except ShownDifferently as err:
                self.problem(row, column, str(err))
                return None
            except NumberError:
                self.problem(row, column, _("数値で書いてください。"))
                return None
            if values[column] < 0:
                self.problem(row, column, self._negative_message(_written(cell), unit_text))
                return None
        steps: tuple = ()
        if kind == TargetKind.MILESTONE:
            reading = target_text.read_schedule(written)  # one step, or several
            if reading.kind != TargetKind.MILESTONE:
                self.problem(row, "目標", _unsettled(written, reading))
                return None
            steps = reading.steps
        return target_text.TargetReading(
            kind=kind,
            value=values["目標値"],
            high=values["目標値（上限）"],
            annual=annual,
            steps=steps,
            target_fy=steps[-1].due_fy if steps else None,
        )


def _mangled(candidates: list[str]) -> str:
    return _(
        "Excel が番号を日付に変えています（元は%(codes)sのどれかと思われます）。"
        "列の書式を「文字列」にして、番号を計画に書かれたとおりに入力し直してください。"
    ) % {"codes": "、".join(f"「{c}」" for c in candidates)}


def _reason(reason: str) -> str:
    return {
        target_text.NUMBER_WITH_DIRECTION: _("数値と増減の向きが両方書かれています"),
        target_text.BAD_STEP: _("実施スケジュールの段階に年度がないか、読めません"),
        target_text.BAD_YEAR: _("「…まで」の年度が読めません"),
        target_text.RANGE_ORDER: _("範囲の下限が上限以上です"),
        target_text.UNKNOWN_UNIT: _("数値の後ろが単位の列と違います"),
        target_text.TOO_LARGE: _("数値が大きすぎます。整数部分は%(n)s桁（%(max)s）までです")
        % {"n": MAX_INTEGER_DIGITS, "max": f"{10**MAX_INTEGER_DIGITS - 1:,}"},
        target_text.STRICT: _(
            "「超」「未満」はその値を含みませんが、目標の種類の以上・以下は値を含みます"
        ),
    }.get(reason, _("決まった書き方のどれにも当たりません"))


def _meaning(kind: str, value: Decimal | None) -> str:
    label = str(TargetKind(kind).label)
    return f"{_dec_text(value)}{label}" if value is not None else label


def _shown_number(d: Decimal) -> str:
    """12,000; 36.4: grouped, at most two decimals, no trailing zeros."""
    text = f"{d.quantize(Decimal('0.01')):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_RELATIVE = re.compile(
    r"([0-9]+(?:\.[0-9]+)?)%(?:の)?("
    + "|".join(target_text.DECREASE_WORDS + target_text.INCREASE_WORDS + ("減", "増"))
    + ")"
)


def _relative_meanings(
    written: str, reading: target_text.TargetReading, baseline: Decimal | None, unit: str
) -> tuple[list[str], bool]:
    """For "20%削減" or "10%増" with a numeric baseline: the level that change reaches, with the
    arithmetic shown ("15,000の20%減 → 12,000以下"); where the unit is % itself, also the change
    in points ("50から20ポイント減 → 30以下"). (meanings, whether the level reading of the bare
    percentage still makes sense, i.e. only when the unit is %)."""
    m = _RELATIVE.search(target_text.normalize(written))
    if m is None or baseline is None:
        return [], True
    n = Decimal(m.group(1))
    down = m.group(2) in target_text.DECREASE_WORDS or m.group(2) == "減"
    word, kind = ("減", _("以下")) if down else ("増", _("以上"))
    factor = 1 - n / 100 if down else 1 + n / 100
    relative = _("%(base)sの%(n)s%%%(word)s → %(value)s%(kind)s") % {
        "base": _shown_number(baseline),
        "n": _shown_number(n),
        "word": word,
        "value": _shown_number(baseline * factor),
        "kind": kind,
    }
    if unit != "%":
        return [relative], False
    points = _("%(base)sから%(n)sポイント%(word)s → %(value)s%(kind)s") % {
        "base": _shown_number(baseline),
        "n": _shown_number(n),
        "word": word,
        "value": _shown_number(baseline - n if down else baseline + n),
        "kind": kind,
    }
    return [points, relative], True


def _unsettled(
    written: str, reading: target_text.TargetReading, relative: tuple[list[str], bool] = ([], True)
) -> str:
    text = _("目標「%(text)s」を一通りに読めません（%(reason)s）。") % {
        "text": written,
        "reason": _reason(reading.ambiguous),
    }
    extra, level_too = relative
    meanings = [
        _meaning(k, v)
        for k, v in reading.meanings
        if level_too or k in ("increase", "decrease") or v is None
    ]
    if extra or meanings:
        text += _("考えられる意味: %(meanings)s。") % {"meanings": " / ".join(extra + meanings)}
    return text + _(
        "目標のセルを書き直すか、目標の種類・目標値の列で指定してから、もう一度読み込んでください。"
    )


# --- writing ---------------------------------------------------------------------------------

HELP_LINES = [
    "成果指標の表（Excel）から方針を読み込むためのブックです。",
    "シート「計画」と「成果指標」を書き、管理画面の「方針の読み込み」で選ぶか、"
    "manage.py import_plan ファイル.xlsx で読み込みます。誤りや読み方が決まらない行があれば"
    "一覧にして、何も書き込みません。",
    "",
    "■ シート「計画」（A列が項目、B列が値）",
    "識別子: 方針のアドレスに使う英数字（例: example-city-dx-1）。同じ識別子で読み込むと更新します。",
    "団体名 / 計画名: 計画に書かれたとおり。",
    "開始年度 / 終了年度: R6、令和6年度、2024、2024年度 などの書き方で。",
    "報告先: 毎年度の進捗を報告する会議体（省略可。空欄にして読み込み直すと空欄になります）。",
    "",
    "■ シート「成果指標」（見出しの行の下に、1行に1つの成果指標）",
    "見出しの行の上に題名の行があってもかまいません（最初の10行から見出しの行を探します）。",
    "縦に結合したセル（取組項目など）は、結合したどの行にも同じ値が書かれたものとして読みます。"
    "横に結合したセルは、左端の列の値です。",
    "計算結果が保存されていない数式のセル（プログラムで作ったブックなど）は誤りとして示します。"
    "Excel で開いて保存し直すか、値を入力してください。",
    "取組方針番号: 整数（1、2…）。取組方針: その名前（同じ番号の2行目以降は空欄でも可）。",
    "取組項目番号: 計画に書かれたとおりの番号（例: 2-8-2、(1)）。取組項目: その名前。"
    "両方空欄なら取組項目なし。取組項目の順序は、取組方針ごとに現れた順です。",
    "指標コード: 計画に書かれたとおり（例: 1-2、3.1、①）。方針の中で重ならないように。"
    "全角の英数字・記号は半角と同じに扱います（３－１－１ は 3-1-1）。"
    "Excel が 1-2 を日付に変えないよう、列の書式は「文字列」にしてあります。"
    "日付に変わった番号は推測せず、考えられる番号を示して誤りとします。",
    "成果指標: 指標の名前。",
    "単位: %、件、人、団体、回、円、千円、百万円、億円 など。% は割合（小数1桁）、"
    "人・件・団体・回は件数（整数）、円・千円・百万円・億円は金額（円に換算する倍率つき）、"
    "それ以外は件数（整数）として登録します。全角と半角は同じ単位です（％ は %）。"
    "「—」は単位になりません（実施スケジュールの指標は「段階」など）。",
    "基準年度 / 基準値: 基準値は 30、約30（概数）、平均52.5（書かれたとおりに表示）。"
    "基準値がない新規の指標は「—」「-」「新規」か空欄（基準年度も空欄に）。"
    "負の値（-5、▲5）と13桁を超える数値は使えません。"
    "基準年度が計画の開始年度より11年以上前なら、書き誤りとして示します。",
    "目標年度: 目標の年度。計画期間の後の年度（例: 2030）も、終了年度の10年後まで書けます。",
    "目標: 計画に書かれたとおり。読める書き方は次のとおりです（書かれた文はそのまま表示します）。",
    "　288、288件、80%以上 → 以上（その値以上をめざす）／ 10%以下 → 以下",
    "　維持、予算規模維持 → 維持（80%を維持 なら 80 を維持）",
    "　上げる、向上、増加 → 上げる ／ 下げる、減少、削減 → 下げる（数値を書かない場合）",
    "　80～90、80~90、80-90 → 範囲（下限～上限）",
    "　1,000人/年、年間1,000人 → 毎年度 1,000 以上（年度ごとの目標）",
    "　再構築後に80%以上 → 条件「再構築後」つきの 80% 以上",
    "　1,000団体（2024年度まで）、1,500団体（2027年度まで）"
    " → 2024年度の年度別目標値 1,000、最終目標 1,500（2027年度）",
    "　検討(R6)→導入(R7)→運用(R8) → 実施スケジュール（段階と予定年度。目標年度は最後の段階の年度）",
    "　運用開始(R8) → 実施スケジュール（1段階）",
    "　85%以上（R8年度）、R8年度に85%以上 → 目標年度 R8（目標年度の列が空欄なら使い、違えば誤り）",
    "　75人（累計）、累計75人 → 75 以上で累計の指標（累計の列が空欄なら累計にします）",
    "　1,000人/年以上 → 毎年度 1,000 以上 ／ 約80% → 80 以上（書かれた文はそのまま表示）",
    "　空欄、— → 目標なし（未設定）",
    "累計: 計画期間の初めからの累計の指標なら ○、そうでなければ空欄。",
    "所管課: 課の名前。同じ名前の課がなければ作成します。",
    "備考: 注記（空欄にして読み込み直すと空欄になります）。",
    "非表示の行は読み込みません（誤りとして示します）。再表示して確かめるか、削除してください。",
    "年度の列（任意）: 見出しを R6、R7…（または 2024、2025…）にすると、その年度の年度別目標値を書けます。",
    "この説明にない名前の列は読み込めません（見出しの誤字に気づけるように）。",
    "望ましい方向は目標の種類から決めます（以下・下げる: 低いほど良い、維持: 中立、それ以外: 高いほど良い）。",
    "望ましい方向（任意の列）: 目標の種類で決まらないとき（例: 「0件を維持」で少ないほど良い）に、"
    "高いほど良い・低いほど良い・中立 のどれかを書きます。",
    "めざす姿（任意の列）: 取組項目のめざす姿。同じ取組項目の行のどれか1行に書けば足ります。"
    "列があって空欄なら、めざす姿はなしになります。",
    "",
    "■ 読み方が決まらない目標",
    "上のどれにも当たらない目標（例: 20%削減 は水準か減らす割合か決まりません。"
    "80%超・5%未満 は値を含まず、以上・以下とは違います）は、"
    "読み込みの確認画面にその行と考えられる意味を示し、何も書き込みません。"
    "目標のセルを書き直すか、次の列（任意）に書いてから、もう一度読み込んでください。",
    "目標の種類: 以上、以下、維持、上げる、下げる、範囲、実施スケジュール、未設定"
    "（全角・半角、長音「ー」とハイフンの違いは問いません）"
    "（年度ごとの目標は 以上/年 のように /年 をつける）。"
    "書くと、目標のセルは表示用の文としてそのまま残り、種類と値はこれらの列から取ります。",
    "目標値: 以上・以下・維持の値、範囲の下限。目標値（上限）: 範囲の上限。",
    "条件: 目標の条件（例: 再構築後）。",
]
_KIND_WORD_OF = {v: k for k, v in KIND_WORDS.items()}
_FIXED_TIME = dt.datetime(2026, 1, 1)


def _cell_value(d: Decimal | None):
    if d is None:
        return None
    d = Decimal(d)
    return int(d) if d == d.to_integral_value() else float(_dec_text(d))


def write_layout(
    plan_rows: list[tuple[str, object]], kpi_rows: list[list], years: list[int]
) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    help_ws = wb.active
    help_ws.title = SHEET_HELP
    for line in HELP_LINES:
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 120
    plan_ws = wb.create_sheet(SHEET_PLAN)
    plan_ws.append(["項目", "値"])
    for label, value in plan_rows:
        plan_ws.append([label, value])
    plan_ws.column_dimensions["A"].width = 14
    plan_ws.column_dimensions["B"].width = 50
    ws = wb.create_sheet(SHEET_KPIS)
    headers = HEADERS + OVERRIDES + EXTRAS + [era_label(fy) for fy in years]
    ws.append(headers)
    for row in kpi_rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    text_columns = {"取組項目番号", "指標コード", "基準年度", "目標年度"}
    for i, header in enumerate(headers, start=1):
        letter = openpyxl.utils.get_column_letter(i)
        ws.column_dimensions[letter].width = (
            30 if header in ("成果指標", "目標", "取組項目") else 12
        )
        if header in text_columns:
            for (cell,) in ws.iter_rows(
                min_row=2, min_col=i, max_col=i, max_row=max(ws.max_row, 200)
            ):
                cell.number_format = "@"
                cell.alignment = Alignment(horizontal="left")
    ws.freeze_panes = "A2"
    wb.properties.creator = "smartdocho"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def direction_of(kind: str) -> Direction:
    """The better direction a kind of target says: 以下・下げる lower, 維持 neutral, else higher."""
    return {
        TargetKind.AT_MOST: Direction.LOWER,
        TargetKind.DECREASE: Direction.LOWER,
        TargetKind.MAINTAIN: Direction.NEUTRAL,
    }.get(kind, Direction.HIGHER)


def _direction_cell(kpi: Kpi) -> str | None:
    """望ましい方向 where it differs from what the target's kind says, else empty."""
    if kpi.direction == direction_of(kpi.target_kind).value:
        return None
    return next(word for word, d in DIRECTION_WORDS.items() if d.value == kpi.direction)


def _generated_target(kpi: Kpi, steps: list) -> str:
    v = None if kpi.target_value is None else _dec_text(Decimal(kpi.target_value))
    annual = kpi.target_basis == TargetBasis.ANNUAL
    kind = kpi.target_kind
    if kind in (TargetKind.AT_LEAST, TargetKind.AT_MOST):
        word = "以上" if kind == TargetKind.AT_LEAST else "以下"
        return f"年間{v}{word}" if annual else f"{v}{word}"
    if kind == TargetKind.RANGE:
        return f"{v}～{_dec_text(Decimal(kpi.target_value_high))}"
    if kind == TargetKind.MAINTAIN:
        return f"{v}を維持" if v is not None else "維持"
    if kind == TargetKind.MILESTONE:
        return "→".join(f"{s.label}({era_label(s.due_fy)})" for s in steps)
    return {TargetKind.INCREASE: "上げる", TargetKind.DECREASE: "下げる"}.get(kind, "")


def _same_decimal(a: Decimal | None, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Decimal(a) == Decimal(b)


def _reads_back(text: str, kpi: Kpi, yearly: dict, steps: list) -> bool:
    r = target_text.read_target(text, kpi.unit.label)
    return (
        r.settled
        and r.kind == kpi.target_kind
        and _same_decimal(r.value, kpi.target_value)
        and _same_decimal(r.high, kpi.target_value_high)
        and r.annual == (kpi.target_basis == TargetBasis.ANNUAL)
        and (r.condition == kpi.target_condition or kpi.target_condition != "")
        and r.target_fy in (None, kpi.target_fy)
        and all(fy in yearly and _same_decimal(v, yearly[fy]) for fy, v in r.yearly.items())
        and [(s.label, s.due_fy) for s in r.steps] == [(s.label, s.due_fy) for s in steps]
    )


def _target_cells(kpi: Kpi, yearly: dict, steps: list) -> tuple[str, list]:
    """目標 and the four override cells: the text as written when it reads back to the KPI's
    target, else the text as written with the override columns filled (a KPI with no text, or
    a schedule whose text does not say its steps, gets a text we write that does)."""
    condition = kpi.target_condition
    candidates = [kpi.target_text]
    if not kpi.target_text or kpi.target_kind == TargetKind.MILESTONE:
        candidates.append(_generated_target(kpi, steps))  # steps need a text that says them
    for text in candidates:
        if (text or kpi.target_kind == TargetKind.NONE) and _reads_back(text, kpi, yearly, steps):
            r = target_text.read_target(text, kpi.unit.label)
            return text, [None, None, None, condition if condition != r.condition else None]
    word = _KIND_WORD_OF[TargetKind(kpi.target_kind)]
    if kpi.target_basis == TargetBasis.ANNUAL:
        word += "/年"
    text = kpi.target_text or _generated_target(kpi, steps)
    return text, [
        word,
        _cell_value(kpi.target_value),
        _cell_value(kpi.target_value_high),
        condition or None,
    ]


def _baseline_cell(kpi: Kpi):
    if kpi.baseline_value is None:
        return "—"
    value = Decimal(kpi.baseline_value)
    if kpi.baseline_text:
        r = target_text.read_baseline(kpi.baseline_text, kpi.unit.label)
        if (
            r.settled
            and r.keep_text
            and _same_decimal(r.value, value)
            and r.approximate == kpi.baseline_approximate
        ):
            return kpi.baseline_text
    if kpi.baseline_approximate:
        return f"約{_dec_text(value)}"
    return _cell_value(value)


def _plan_rows(plan: Plan) -> list[tuple[str, object]]:
    return [
        ("識別子", plan.slug),
        ("団体名", plan.government),
        ("計画名", plan.title),
        ("開始年度", era_label(plan.first_fy)),
        ("終了年度", era_label(plan.last_fy)),
        ("報告先", plan.report_to or None),
    ]


def write_workbook(slug: str) -> bytes:
    """The plan as a workbook that read_workbook reads back to the same KPI table."""
    plan = Plan.objects.get(slug=slug)
    kpis = list(
        Kpi.objects.filter(plan=plan)
        .select_related("pillar", "item", "unit", "department")
        .prefetch_related("yearly_targets", "steps")
        .order_by("pillar__number", "order", "code")
    )
    years = sorted({y.fiscal_year for k in kpis for y in k.yearly_targets.all()})
    rows = []
    for kpi in kpis:
        yearly = {y.fiscal_year: y.value for y in kpi.yearly_targets.all()}
        steps = sorted(kpi.steps.all(), key=lambda s: s.order)
        text, overrides = _target_cells(kpi, yearly, steps)
        item = kpi.item
        rows.append(
            [
                kpi.pillar.number,
                kpi.pillar.title,
                (item.label or None) if item else None,
                item.title if item else None,
                kpi.code,
                kpi.name,
                kpi.unit.label,
                era_label(kpi.baseline_fy) if kpi.baseline_value is not None else None,
                _baseline_cell(kpi),
                era_label(kpi.target_fy) if kpi.target_fy else None,
                text or None,
                "○" if kpi.cumulative else None,
                kpi.department.name if kpi.department else None,
                kpi.note or None,
                *overrides,
                _direction_cell(kpi),
                (item.goal or None) if item else None,
                *[_cell_value(yearly.get(fy)) for fy in years],
            ]
        )
    return write_layout(_plan_rows(plan), rows, years)


TEMPLATE_PLAN = [
    ("識別子", "example-city-dx-1"),
    ("団体名", "例示市"),
    ("計画名", "例示市DX推進計画（第1期）"),
    ("開始年度", "R6"),
    ("終了年度", "R9"),
    ("報告先", "例示市DX推進委員会"),
]
# fmt: off
TEMPLATE_ROWS = [
    [1, "行政手続のオンライン化", "1-1", "オンライン申請の拡大", "1-1",
     "オンライン申請できる手続の割合", "%", "R5", 45, "R9", "80%以上", None, "デジタル推進課",
     "（例）"],
    [1, None, "1-1", "オンライン申請の拡大", "1-2", "電子申請の件数", "件", "R5", "約1,200", "R9",
     "1,500件（R7年度まで）、2,000件（R9年度まで）", "○", "デジタル推進課", None],
    [2, "職員のデジタル人材育成", "(1)", "研修の充実", "2-1", "デジタル研修の受講者数", "人", None,
     "—", "R9", "300人/年", None, "人事課", None],
    [2, None, "(1)", "研修の充実", "2-2", "業務システムの標準化", "段階", None, "新規", None,
     "検討(R6)→移行(R7)→運用(R8)", None, "デジタル推進課", None],
]
# fmt: on


def template_workbook(government: str | None = None) -> bytes:
    """A workbook to fill in: instructions (説明), and a small example plan that loads as is.

    `government`: the downloading admin's organization's registered name, put in 団体名 (and in
    the example 計画名 and 報告先) so that the file loads for them as it is: an organization's
    admin loads a plan only under that name (plan_organizations.identity_problems). None keeps
    the invented 例示市.
    """
    plan = TEMPLATE_PLAN
    if government:
        example = dict(TEMPLATE_PLAN)["団体名"]
        plan = [(k, str(v).replace(example, government)) for k, v in TEMPLATE_PLAN]
    rows = [r + [None] * (len(OVERRIDES) + len(EXTRAS)) for r in TEMPLATE_ROWS]
    return write_layout(plan, rows, [])

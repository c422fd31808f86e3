"""Yearly values from a spreadsheet (CSV in UTF-8 or cp932, or XLSX), in our CSV export's layout.

A preview marks each row new / changed / unchanged / invalid (with the reason) / other year;
applying it saves the valid rows through the same service as the entry form: the same checks,
permissions, versions and history.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from initiatives.models import Plan

from . import numbers, permissions, services
from .exports import CSV_COLUMNS, to_csv
from .fiscal import FiscalYearError, parse_fy
from .models import Kpi, KpiValue, ValueStatus

LABEL = dict(CSV_COLUMNS)
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


class UploadError(ValueError):
    pass


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


def read_table(content: bytes, filename: str) -> list[dict[str, str]]:
    """Rows as {column key: text}, from the header labels of our CSV export."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError):
            raise UploadError("XLSX ファイルとして開けません。") from None
        table = [
            ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    elif name.endswith(".csv"):
        table = list(csv.reader(io.StringIO(_decode(content))))
    else:
        raise UploadError("ファイルの種類は CSV（.csv）か Excel（.xlsx）にしてください。")
    if not table:
        raise UploadError("ファイルが空です。")
    by_label = {label: key for key, label in CSV_COLUMNS}
    header = [by_label.get(h.strip(), h.strip()) for h in table[0]]
    missing = [LABEL[k] for k in REQUIRED if k not in header]
    if missing:
        raise UploadError(
            "必要な列がありません: "
            + "、".join(missing)
            + "（テンプレートの見出しを使ってください）"
        )
    rows = []
    for cells in table[1:]:
        if not any(c.strip() for c in cells):
            continue
        rows.append(
            {key: (cells[i].strip() if i < len(cells) else "") for i, key in enumerate(header)}
        )
    if len(rows) > MAX_ROWS:
        raise UploadError(f"一度に取り込めるのは {MAX_ROWS} 行までです。")
    return rows


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


def preview(user, plan: Plan, fiscal_year: int, rows: list[dict[str, str]]) -> list[PreviewRow]:
    kpis = {k.code: k for k in Kpi.objects.filter(plan=plan).select_related("unit", "plan")}
    current = {
        v.kpi.code: v
        for v in KpiValue.objects.filter(kpi__plan=plan, fiscal_year=fiscal_year).select_related(
            "kpi__unit"
        )
    }
    seen: dict[str, int] = {}
    result = []
    for line, row in enumerate(rows, start=2):
        code = row.get("code", "")
        kpi = kpis.get(code)
        out = PreviewRow(
            line=line, code=code, name=kpi.name if kpi else row.get("name", ""), state=INVALID
        )
        result.append(out)
        if row.get("plan") and row["plan"] != plan.slug:
            out.reason = f"別の方針（{row['plan']}）の行です。"
            continue
        try:
            fy = parse_fy(row.get("fiscal_year", ""))
        except FiscalYearError as err:
            out.reason = str(err)
            continue
        if fy != fiscal_year:
            out.state, out.reason = OTHER_YEAR, f"{fy}年度の行です。"
            continue
        if kpi is None:
            out.reason = f"コード「{code}」の成果指標はこの方針にありません。"
            continue
        if not permissions.can_enter(user, kpi):
            out.reason = services.NOT_ALLOWED
            continue
        if code in seen:
            out.reason = f"{seen[code]}行目と同じ成果指標・年度です。"
            continue
        seen[code] = line
        status = STATUS_WORDS.get(row.get("value_status", "").strip())
        if status is None:
            out.reason = "区分は「速報値」か「確定値」にしてください。"
            continue
        try:
            value = numbers.parse_number(row.get("value", ""))
            numbers.check_for_unit(value, kind=kpi.unit.kind, decimals=kpi.unit.decimals)
        except numbers.NumberError as err:
            out.reason = str(err)
            continue
        out.value, out.status = value, status
        out.note, out.source = row.get("note", ""), row.get("source", "")
        existing = current.get(code)
        if existing is None:
            out.state = NEW
            continue
        out.version = existing.version
        out.current = f"{kpi.unit.format(existing.value)}（{existing.get_status_display()}）"
        same = (existing.value, existing.status, existing.note, existing.source) == (
            value,
            status,
            out.note,
            out.source,
        )
        if same:
            out.state = UNCHANGED
        elif existing.status == ValueStatus.FINAL and not permissions.is_admin(user):
            out.reason = services.FINAL_LOCKED
        else:
            out.state = CHANGED
    return result


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


def template_csv(user, plan: Plan, fiscal_year: int) -> bytes:
    """A spreadsheet to fill in: one row per KPI the user may enter, current values filled."""
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
        row = {key: "" for key, _ in CSV_COLUMNS}
        row.update(
            plan=plan.slug,
            code=k.code,
            name=k.name,
            pillar=k.pillar.number,
            unit=k.unit.label,
            fiscal_year=fiscal_year,
            value=f"{v.value.normalize():f}" if v else "",
            value_status=v.get_status_display() if v else "速報値",
            note=v.note if v else "",
            source=v.source if v else "",
        )
        rows.append([row[key] for key, _ in CSV_COLUMNS])
    return to_csv(rows)

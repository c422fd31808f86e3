"""Open-data exports of a plan: JSON (the documented shape), CSV for Excel, and XLSX.

All three are built from the same rows, so that they never disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from initiatives.models import Plan
from smartdocho.fiscal import format_fy

from .evaluation import Assessment
from .models import Kpi, TargetKind
from .progress import METHOD_VERSION


def _num(value: Decimal | float | None) -> float | int | None:
    """A JSON number: integral values as integers, others as floats."""
    if value is None:
        return None
    value = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def item_record(kpi: Kpi) -> dict | None:
    """The initiative item (取組項目) a KPI is listed under, or None.

    {"pillar": 2, "number": 8, "label": "2-8-2"}: pillar and number are the keys of
    `initiative_items[]`; label is the number as the plan writes it, "(8)" when it writes none.
    """
    item = kpi.item
    if item is None:
        return None
    # An item belongs to the KPI's pillar (Kpi.clean), which for_display() has already fetched.
    pillar = kpi.pillar if item.pillar_id == kpi.pillar_id else item.pillar
    return {"pillar": pillar.number, "number": item.number, "label": item.number_label}


def baseline_record(kpi: Kpi) -> dict | None:
    """The baseline, or None for a new KPI (新規) that has none."""
    if kpi.no_baseline:
        return None
    return {
        "fy": kpi.baseline_fy,
        "value": _num(kpi.baseline_value),
        "approximate": kpi.baseline_approximate,
        "as_written": kpi.baseline_text,
    }


def _steps(kpi: Kpi) -> list:
    """A milestone KPI's schedule steps in order; none for any other kind of target."""
    if kpi.target_kind != TargetKind.MILESTONE:
        return []
    return sorted(kpi.steps.all(), key=lambda s: s.order)


def target_record(kpi: Kpi) -> dict:
    """The target as the plan sets it; `value` is a range's lower bound and `high` its upper."""
    return {
        "fy": kpi.target_fy,
        "kind": kpi.target_kind,
        "value": _num(kpi.target_value),
        "high": _num(kpi.target_value_high),
        "basis": kpi.target_basis,
        "as_written": kpi.target_text,
        "condition": kpi.target_condition or None,
        "condition_fy": kpi.target_condition_fy,
        "yearly": [
            {"fy": t.fiscal_year, "value": _num(t.value)}
            for t in sorted(kpi.yearly_targets.all(), key=lambda t: t.fiscal_year)
        ],
        "steps": [{"order": s.order, "label": s.label, "fy": s.due_fy} for s in _steps(kpi)],
    }


def kpi_record(a: Assessment, *, final_only: bool = False) -> dict:
    kpi, p = a.kpi, a.progress
    values = [v for v in kpi.values.all() if not final_only or v.status == v.Status.FINAL]
    return {
        "code": kpi.code,
        "name": kpi.name,
        "pillar": kpi.pillar.number,
        "item": item_record(kpi),
        "parent": kpi.parent.code if kpi.parent_id else None,
        "unit": kpi.unit.label,
        "direction": kpi.direction,
        "cumulative": kpi.cumulative,
        "baseline": baseline_record(kpi),
        "target": target_record(kpi),
        "target_revisions": [
            {
                "effective_fy": r.effective_fy,
                "kind": r.kind,
                "value": _num(r.value),
                "decided_on": r.decided_on.isoformat(),
                "reason": r.reason,
            }
            for r in kpi.target_revisions.all()
        ],
        "values": [
            {"fy": v.fiscal_year, "value": _num(v.value), "status": v.status} for v in values
        ],
        "progress": {
            "as_of_fy": p.as_of_fy,
            "value_fy": p.value_fy,
            "value": _round(p.value),
            "expected_value": _round(p.expected_value),
            "ratio": _round(p.ratio),
            "achievement_rate": _round(p.achievement_rate),
            "status": p.status,
            "status_if_condition_met": p.status_if_condition_met,
            "stale_value": p.stale_value,
            "projected_value": _round(p.projected_value),
            "projected_status": p.projected_status,
            "flags": sorted(p.flags),
            "method_version": p.method_version,
        },
    }


def plan_record(plan: Plan, *, sample: bool) -> dict:
    return {
        "slug": plan.slug,
        "title": plan.title,
        "first_fy": plan.first_fy,
        "last_fy": plan.last_fy,
        "sample_data": sample,
    }


def export_document(
    plan: Plan,
    assessments: Sequence[Assessment],
    generated_at: datetime,
    *,
    final_only: bool = False,
    initiative_items: list[dict] | None = None,
    commentary: dict[str, list[dict]] | None = None,
) -> dict:
    """The JSON export (README "Exports", kpi/schemas/export.schema.json).

    `initiative_items` and `commentary` ({KPI code: [per year]}) are the approved narratives
    (narratives/open_data.py); a KPI without any has `"commentary": []`.
    """
    records = [kpi_record(a, final_only=final_only) for a in assessments]
    for record in records:
        record["commentary"] = (commentary or {}).get(record["code"], [])
    sample = any(v.is_sample for a in assessments for v in a.kpi.values.all())
    return {
        "plan": plan_record(plan, sample=sample),
        "generated_at": generated_at.isoformat(),
        "method_version": METHOD_VERSION,
        "kpis": records,
        "initiative_items": initiative_items or [],
    }


# One row per KPI and fiscal year with a value (one row with no year for a KPI without values).
# The upload of yearly values (issue: admins) reads this same layout back.
CSV_COLUMNS = [
    ("plan", "方針"),
    ("code", "コード"),
    ("name", "成果指標"),
    ("pillar", "取組方針"),
    ("parent", "親指標"),
    ("unit", "単位"),
    ("direction", "望ましい方向"),
    ("baseline_fy", "基準年度"),
    ("baseline_value", "基準値"),
    ("baseline_approximate", "基準値は概数"),
    ("baseline_as_written", "基準値（原文）"),
    ("target_fy", "目標年度"),
    ("target_kind", "目標の種類"),
    ("target_value", "目標値"),
    ("target_as_written", "目標（原文）"),
    ("target_revisions", "目標の再設定"),
    ("fiscal_year", "年度"),
    ("fiscal_year_label", "年度（和暦）"),
    ("value", "実績値"),
    ("value_status", "区分"),
    ("sample", "サンプル値"),
    ("note", "備考"),
    ("source", "出典"),
    ("as_of_fy", "評価年度"),
    ("status", "判定"),
    ("achievement_rate", "進捗率"),
    ("status_if_condition_met", "条件を満たした場合の判定"),
    ("stale_value", "2年以上前の実績で判定"),
    ("method_version", "判定方法の版"),
    # Added with issue 12; appended so that files made with the columns above still read.
    ("item", "取組項目"),
    ("cumulative", "累計"),
    ("target_basis", "目標の単位期間"),
    ("target_value_high", "目標値（範囲の上限）"),
    ("yearly_targets", "年度別目標値"),
    ("steps", "実施スケジュール"),
]


def _cell(value) -> object:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return "" if value is None else value


def table_rows(plan: Plan, assessments: Sequence[Assessment], *, final_only: bool = False):
    """The rows shared by the CSV and the XLSX exports, as lists in CSV_COLUMNS order."""
    for a in assessments:
        kpi: Kpi = a.kpi
        revisions = "；".join(
            f"{format_fy(r.effective_fy)}から{r.text or r.value}（{r.reason}）"
            for r in kpi.target_revisions.all()
        )
        yearly = "；".join(
            f"{format_fy(t.fiscal_year)}: {_num(t.value)}"
            for t in sorted(kpi.yearly_targets.all(), key=lambda t: t.fiscal_year)
        )
        steps = "；".join(f"{s.order}. {s.label}（{format_fy(s.due_fy)}）" for s in _steps(kpi))
        common = {
            "plan": plan.slug,
            "code": kpi.code,
            "name": kpi.name,
            "pillar": kpi.pillar.number,
            "parent": kpi.parent.code if kpi.parent_id else "",
            "unit": kpi.unit.label,
            "direction": kpi.direction,
            "baseline_fy": kpi.baseline_fy,
            "baseline_value": _num(kpi.baseline_value),
            "baseline_approximate": kpi.baseline_approximate,
            "baseline_as_written": kpi.baseline_text,
            "target_fy": kpi.target_fy,
            "target_kind": kpi.target_kind,
            "target_value": _num(kpi.target_value),
            "target_as_written": kpi.target_text,
            "target_revisions": revisions,
            "as_of_fy": a.progress.as_of_fy,
            "status": a.label,
            "achievement_rate": _round(a.progress.achievement_rate),
            "status_if_condition_met": a.if_met_label or None,
            "stale_value": a.progress.stale_value,
            "method_version": a.progress.method_version,
            "item": kpi.item.number_label if kpi.item_id else "",
            "cumulative": kpi.cumulative,
            "target_basis": kpi.target_basis,
            "target_value_high": _num(kpi.target_value_high),
            "yearly_targets": yearly,
            "steps": steps,
        }
        values = [v for v in kpi.values.all() if not final_only or v.status == v.Status.FINAL]
        for v in values or [None]:
            row = dict(common)
            if v is not None:
                row.update(
                    fiscal_year=v.fiscal_year,
                    fiscal_year_label=format_fy(v.fiscal_year),
                    value=_num(v.value),
                    value_status=v.get_status_display(),
                    sample=v.is_sample,
                    note=v.note,
                    source=v.source,
                )
            yield [_cell(row.get(key)) for key, _ in CSV_COLUMNS]


# Characters that make Excel or LibreOffice read a CSV field as a formula (OWASP "CSV
# injection"), with their full-width forms, which a Japanese IME types and Excel also accepts.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
GUARD = "'"


def _safe_text(value: object) -> object:
    """A CSV field that no spreadsheet runs as a formula: "+5件" → "'+5件".

    The guard is undone by `unguard` on upload, so the text reads back unchanged. To keep that
    exact, a text that itself starts with the guard before a formula character (or another
    guard) is guarded too: "'+5" → "''+5" → "'+5".
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_STARTS or (value[0] == GUARD and value[1:2] in FORMULA_STARTS | {GUARD}):
        return GUARD + value
    return value


def unguard(text: str) -> str:
    """The text a CSV field guarded by `_safe_text` stood for; other texts unchanged."""
    if text[:1] == GUARD and text[1:2] in FORMULA_STARTS | {GUARD}:
        return text[1:]
    return text


def to_csv(rows, columns=CSV_COLUMNS) -> bytes:
    """UTF-8 with a BOM, so that Excel in Japanese opens it as UTF-8, not as cp932.

    columns: the (key, header label) pairs the rows follow (the values template adds 版)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([label for _, label in columns])
    for row in rows:
        writer.writerow([_safe_text(c) for c in row])
    return buffer.getvalue().encode("utf-8-sig")


TEXT_FORMAT = "@"


def write_cell(sheet, row: int, column: int, value: object, number_format: str | None = None):
    """Write one cell; a text is always a text cell (type "s", format "@"), never a formula.

    openpyxl turns a string starting with "=" into a formula; Excel and LibreOffice never run a
    text cell, so no guard character is needed and the text reads back exactly.
    """
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        cell.number_format = TEXT_FORMAT
    elif number_format:
        cell.number_format = number_format
    return cell


def to_xlsx(
    sheets: Sequence[tuple[str, list[str], list[list]]],
    *,
    column_formats: Sequence[dict[int, str]] | None = None,
) -> bytes:
    """A workbook with one sheet per (title, header, rows); texts are text cells.

    column_formats, one dict per sheet: {0-based column: number format} for the whole column,
    so that what a person types later keeps the type ("@" keeps codes such as 1-2 as text).
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, (title, header, rows) in enumerate(sheets):
        formats = (column_formats[index] if column_formats else None) or {}
        sheet = workbook.create_sheet(title)
        for col, name in enumerate(header, start=1):
            write_cell(sheet, 1, col, name).font = Font(bold=True)
        for r, row in enumerate(rows, start=2):
            for col, value in enumerate(row, start=1):
                write_cell(sheet, r, col, value, formats.get(col - 1))
        sheet.freeze_panes = "A2"
        for i, name in enumerate(header, start=1):
            letter = get_column_letter(i)
            sheet.column_dimensions[letter].width = max(10, min(40, len(name) * 2 + 4))
            if i - 1 in formats:
                sheet.column_dimensions[letter].number_format = formats[i - 1]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan_xlsx(
    plan: Plan,
    assessments: Sequence[Assessment],
    *,
    final_only: bool = False,
    extra_sheets: Sequence[tuple[str, list[str], list[list]]] = (),
) -> bytes:
    """実績値 (the CSV's rows), then `extra_sheets` (title, header, rows), e.g. the narratives."""
    rows = list(table_rows(plan, assessments, final_only=final_only))
    return to_xlsx([("実績値", [label for _, label in CSV_COLUMNS], rows), *extra_sheets])

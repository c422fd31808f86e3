"""Workbooks for the plan import tests, written with openpyxl directly (not with the code under
test), so that what a person's Excel file holds is what the tests feed in."""

from __future__ import annotations

import io

import openpyxl

PLAN = [
    ("項目", "値"),
    ("識別子", "test-town-dx"),
    ("団体名", "試験町"),
    ("計画名", "試験町DX推進計画"),
    ("開始年度", "R6"),
    ("終了年度", "令和8年度"),
    ("報告先", "試験町DX推進会議"),
]


def plan_of(government: str, plan=PLAN) -> list[tuple]:
    """The 計画 sheet `plan` with its 団体名 `government`: an organization's admin loads a plan
    only under their organization's registered name (kpi/plan_organizations.identity_problems)."""
    return [(k, government) if k == "団体名" else (k, v) for k, v in plan]


HEADERS = [
    "取組方針番号", "取組方針", "取組項目番号", "取組項目", "指標コード", "成果指標", "単位",
    "基準年度", "基準値", "目標年度", "目標", "累計", "所管課", "備考",
]  # fmt: skip


def kpi_row(code="1-1", target="80%以上", baseline=50, unit="%", **cells) -> dict:
    row = {
        "取組方針番号": 1,
        "取組方針": "手続のオンライン化",
        "取組項目番号": "1-1",
        "取組項目": "オンライン申請",
        "指標コード": code,
        "成果指標": f"指標{code}",
        "単位": unit,
        "基準年度": "R5",
        "基準値": baseline,
        "目標年度": "R8",
        "目標": target,
        "所管課": "情報政策課",
    }
    row.update(cells)
    return row


def book(rows: list[dict], *, headers=None, plan=PLAN, sheets=("計画", "成果指標")) -> bytes:
    """A workbook: the 計画 sheet, and the 成果指標 sheet with `headers` (HEADERS and whatever
    extra keys the rows use, in order of first use) and one line per row dict."""
    if headers is None:
        headers = list(HEADERS)
        for row in rows:
            headers += [k for k in row if k not in headers]
    wb = openpyxl.Workbook()
    plan_ws = wb.active
    plan_ws.title = sheets[0]
    for line in plan:
        plan_ws.append(list(line))
    ws = wb.create_sheet(sheets[1])
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cell_values(content: bytes) -> dict[str, list[list]]:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    finally:
        wb.close()

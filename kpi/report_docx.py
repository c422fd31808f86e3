"""The annual report as a Word document (DOCX), for the secretariat to edit before the meeting.

Built from the same plain dict as the page and the XLSX (kpi/reports.py), so the three never
disagree: cover, summary (KPI statuses and item ratings per pillar), per pillar its KPIs and
one 検証票 block per item (department, actions, 実績, 成果, 課題, 今後の方向性, rating, budget,
its KPIs with value, status, the chart's numbers as a table, and commentary), notes.
Charts are given as their data tables (the page draws them; a table is editable). A4 portrait.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from . import reports

FONT = "游明朝"  # present on the secretariat's Windows machines; Word substitutes elsewhere


def _table(doc, header: list[str] | None, rows: list[list[str]], caption: str):
    """A captioned table; the header row, when given, repeats on every page."""
    doc.add_paragraph(caption, style="Caption")
    table = doc.add_table(rows=0, cols=len(header or rows[0]))
    table.style = "Table Grid"
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(str(text)).bold = True
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = "" if text is None else str(text)
    return table


def _facts(doc, rows: list[tuple[str, str]], caption: str) -> None:
    """A two-column table whose first column names the row (a 検証票's layout)."""
    table = _table(doc, None, [list(r) for r in rows], caption)
    for row in table.rows:
        for run in row.cells[0].paragraphs[0].runs:
            run.bold = True
        row.cells[0].width = Mm(35)
        row.cells[1].width = Mm(145)


def _kpi(doc, r: dict, sample: bool, level: int) -> None:
    doc.add_heading(f"成果指標 {r['code']}　{r['name']}", level=level)
    if r["value"]:
        kind = "速報値" if r["preliminary"] else "確定値"
        value = f"{r['value']}{r['unit']}（{r['value_fy']}・{kind}）"
        if r["sample"] or sample:
            value += "【サンプル】"
    else:
        value = "未入力"
    facts = [("実績値（年度）", value), ("目標（年度）", r["target"])]
    facts.append(("判定", reports.status_text(r)))
    c = r.get("commentary")
    if c:
        mark = "【サンプル】" if c["sample"] and "サンプル" not in c["reason"] else ""
        facts += [("要因分析", mark + (c["reason"] or "（記入なし）"))]
        facts += [("今後の取組", c["next_actions"] or "（記入なし）")]
    elif "commentary" in r:
        facts.append(("要因分析・今後の取組", "承認済みの説明はありません。"))
    _facts(doc, facts, f"成果指標 {r['code']} の実績と判定")
    chart = r.get("chart")
    if chart and chart["rows"]:
        _table(doc, chart["columns"], chart["rows"], f"{chart['title']}（グラフの数値）")


def _item(doc, pillar: dict, item: dict, fiscal_year_label: str, sample: bool) -> None:
    doc.add_heading(f"取組項目 {item['label']}　{item['title']}", level=2)
    p = item["progress"]
    rows = [
        ("担当課", "、".join(item["departments"]) or "（未登録）"),
        ("取組内容", reports.carried_out_text(item) or "（なし）"),
    ]
    if p:
        rating = f"{p['rating']} {p['rating_label']}" if p["rating"] else "（評価なし）"
        if p["sample"]:  # per entry, as the page marks it
            rating += "【サンプル】"
        rows += [
            ("取組実績", p["done"] or "（記入なし）"),
            ("成果", p["results"] or "（記入なし）"),
            ("課題", p["issues"] or "（記入なし）"),
            ("今後の方向性", p["next_steps"] or "（記入なし）"),
            ("進捗の評価", rating),
            ("予算額", p["budget_text"] or "—"),
            ("決算額", p["settled_text"] or "—"),
        ]
    else:
        rows.append(("進捗", f"{fiscal_year_label}の承認済みの進捗はありません。"))
    _facts(doc, rows, f"取組項目 {item['label']} の検証（{fiscal_year_label}）")
    for r in item["kpis"]:
        _kpi(doc, r, sample, level=3)
    if not item["kpis"]:
        doc.add_paragraph(
            "この取組項目に結び付けられた成果指標はありません"
            + (
                f"（取組方針{pillar['number']}の成果指標を参照）。"
                if pillar["other_kpis"]
                else "。"
            )
        )


def report_docx(report: dict, publication: dict | None = None) -> bytes:
    """The report (kpi/reports.py's dict) as DOCX bytes; `publication` as for report_xlsx.

    A sample report says 【サンプル】 in its title, on the cover, in every page header and in
    the notes, and by each sample value, rating and commentary.
    """
    sample = reports.is_sample(report, publication)
    mark = reports.SAMPLE_TITLE if sample else ""
    plan = report["plan"]
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin = section.bottom_margin = Mm(15)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    title = f"{plan['title']} {report['fiscal_year_label']} 進捗状況報告"
    section.header.paragraphs[0].text = mark + title
    doc.core_properties.title = mark + title

    # Cover
    doc.add_paragraph(plan["government"])
    if plan.get("report_to"):
        doc.add_paragraph(f"{plan['report_to']} 報告資料")
    doc.add_heading(mark + title, level=0)
    _table(doc, ["項目", "内容"], reports.cover_rows(report, publication), "報告書の情報")
    if sample:
        doc.add_paragraph(reports.SAMPLE_TITLE + reports.SAMPLE_WARNING)

    # Summary
    pillars = report["pillars"]
    doc.add_heading("概要", level=1)
    if pillars:
        _table(
            doc,
            ["取組方針"] + [f"{c['icon']} {c['label']}" for c in pillars[0]["counts"]],
            [[f"{p['number']} {p['title']}"] + [c["count"] for c in p["counts"]] for p in pillars],
            f"成果指標の判定の件数（取組方針別、{report['fiscal_year_label']}時点）",
        )
        if "ratings" in pillars[0]:
            _table(
                doc,
                ["取組方針"] + [f"{c['key']} {c['label']}".strip() for c in pillars[0]["ratings"]],
                [
                    [f"{p['number']} {p['title']}"] + [c["count"] for c in p["ratings"]]
                    for p in pillars
                ],
                f"取組項目の進捗の評価の件数（取組方針別、{report['fiscal_year_label']}、承認済みのもの）",
            )

    # Pillars
    for p in pillars:
        doc.add_page_break()
        doc.add_heading(f"取組方針{p['number']}　{p['title']}", level=1)
        _table(
            doc,
            ["コード", "成果指標", "実績値（年度）", "判定"],
            [
                [
                    r["code"],
                    r["name"],
                    f"{r['value']}{r['unit']}（{r['value_fy']}）" if r["value"] else "未入力",
                    reports.status_text(r),
                ]
                for r in p["kpis"]
            ],
            f"成果指標の状況（取組方針{p['number']}、{report['fiscal_year_label']}時点）",
        )
        if "item_blocks" not in p:
            continue
        others = [r for r in p["kpis"] if r["code"] in p["other_kpis"]]
        if others:
            doc.add_heading(f"取組方針{p['number']}の成果指標", level=2)
            for r in others:
                _kpi(doc, r, sample, level=3)
        for item in p["item_blocks"]:
            _item(doc, p, item, report["fiscal_year_label"], sample)

    # Notes
    doc.add_heading("注記", level=1)
    if sample:
        doc.add_paragraph(reports.SAMPLE_TITLE + reports.SAMPLE_WARNING, style="List Bullet")
    for n in report["notes"]:
        doc.add_paragraph(n, style="List Bullet")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()

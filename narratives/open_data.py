"""Narratives in the open-data exports (export.json, the item and commentary CSVs, export.xlsx).

Approved text only, for every reader: the newest approved version of each entry (reads.py),
never a draft, a submission or a returned entry. Amounts are integers in 千円; fiscal years
are Western integers (2024 = R6).

JSON shapes:
    initiative_items: [{"pillar": 1, "number": 2, "title": str,
                        "departments": [{"name": "情報政策課", "lead": true}],
                        "actions": [{"order": 1, "text": str}],
                        "progress": [{"fy": 2024, "rating": "A" | null,
                                      "rating_label": str | null, "done": str, "results": str,
                                      "issues": str, "next_steps": str,
                                      "budget": int | null, "settled": int | null,
                                      "actions_carried_out": [1, 2], "sample": bool}]}]
    each KPI's "commentary": [{"fy": 2024, "reason": str, "next_actions": str, "sample": bool}]
"""

from __future__ import annotations

from collections.abc import Sequence

from initiatives.models import Plan
from kpi.models import Kpi
from smartdocho.fiscal import format_fy

from . import reads
from .models import scale_for
from .report import plan_items

ITEM_COLUMNS = [
    ("plan", "方針"),
    ("pillar", "取組方針"),
    ("number", "取組項目の番号"),
    ("title", "取組項目"),
    ("departments", "担当課"),
    ("actions", "取組内容"),
    ("fiscal_year", "年度"),
    ("fiscal_year_label", "年度（和暦）"),
    ("actions_carried_out", "実施した取組内容"),
    ("done", "取組実績"),
    ("results", "成果"),
    ("issues", "課題"),
    ("next_steps", "今後の方向性"),
    ("rating", "評価"),
    ("rating_label", "評価の名称"),
    ("budget", "予算額（千円）"),
    ("settled", "決算額（千円）"),
    ("sample", "サンプル"),
]
COMMENTARY_COLUMNS = [
    ("plan", "方針"),
    ("code", "コード"),
    ("name", "成果指標"),
    ("fiscal_year", "年度"),
    ("fiscal_year_label", "年度（和暦）"),
    ("reason", "要因分析"),
    ("next_actions", "今後の取組"),
    ("sample", "サンプル"),
]


def initiative_items(plan: Plan) -> list[dict]:
    """The plan's items with their approved progress per year: six queries."""
    items = plan_items(plan)
    scale = scale_for(plan)
    progress = reads.progress_by_year(items, scale, drafts=False)
    records = []
    for item in items:
        years = []
        for fy in plan.fiscal_years:
            view = progress.get((item.id, fy))
            if view is None:
                continue
            years.append(
                {
                    "fy": fy,
                    "rating": view.rating or None,
                    "rating_label": view.rating_label or None,
                    "done": view.done,
                    "results": view.results,
                    "issues": view.issues,
                    "next_steps": view.next_steps,
                    "budget": view.budget,
                    "settled": view.settled,
                    "actions_carried_out": sorted(view.carried_out),
                    "sample": view.is_sample,
                }
            )
        records.append(
            {
                "pillar": item.pillar.number,
                "number": item.number,
                "title": item.title,
                "departments": [
                    {"name": link.department.name, "lead": link.is_lead}
                    for link in item.department_links.all()
                ],
                "actions": [{"order": a.order, "text": a.text} for a in item.actions.all()],
                "progress": years,
            }
        )
    return records


def commentary_by_kpi(plan: Plan, kpis: Sequence[Kpi]) -> dict[str, list[dict]]:
    """{KPI code: [approved commentary per fiscal year, oldest first]}: one query."""
    found = reads.commentary_by_year(kpis, drafts=False)
    code_of = {k.id: k.code for k in kpis}
    by_code: dict[str, list[dict]] = {k.code: [] for k in kpis}
    for (kpi_id, fy), c in sorted(found.items(), key=lambda kv: kv[0][1]):
        by_code[code_of[kpi_id]].append(
            {"fy": fy, "reason": c.reason, "next_actions": c.next_actions, "sample": c.is_sample}
        )
    return by_code


def _yes(value: bool) -> str:
    return "はい" if value else "いいえ"


def item_rows(plan: Plan, records: list[dict]):
    """Rows in ITEM_COLUMNS order: one per item and year with approved progress, one without a
    year for an item that has none."""
    for item in records:
        common = {
            "plan": plan.slug,
            "pillar": item["pillar"],
            "number": item["number"],
            "title": item["title"],
            "departments": "、".join(
                d["name"] + ("（主担当）" if d["lead"] else "") for d in item["departments"]
            ),
            "actions": "\n".join(f"{a['order']}. {a['text']}" for a in item["actions"]),
        }
        for p in item["progress"] or [None]:
            row = dict(common)
            if p is not None:
                row.update(
                    {k: p[k] for k in ("done", "results", "issues", "next_steps")},
                    fiscal_year=p["fy"],
                    fiscal_year_label=format_fy(p["fy"]),
                    actions_carried_out="、".join(str(o) for o in p["actions_carried_out"]),
                    rating=p["rating"],
                    rating_label=p["rating_label"],
                    budget=p["budget"],
                    settled=p["settled"],
                    sample=_yes(p["sample"]),
                )
            yield ["" if row.get(key) is None else row[key] for key, _ in ITEM_COLUMNS]


def commentary_rows(plan: Plan, kpis: Sequence[Kpi], by_code: dict[str, list[dict]]):
    """Rows in COMMENTARY_COLUMNS order: one per KPI and year with approved commentary."""
    for kpi in kpis:
        for c in by_code.get(kpi.code, []):
            yield [
                plan.slug,
                kpi.code,
                kpi.name,
                c["fy"],
                format_fy(c["fy"]),
                c["reason"],
                c["next_actions"],
                _yes(c["sample"]),
            ]

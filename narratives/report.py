"""The narrative part of the annual report (検証票): one block per initiative item, and the
commentary of each KPI, for the year reported. Approved text only, for every reader.

The report is the committee's document, so staff see in it exactly what the public sees: the
newest approved text of each entry (reads.py), never a draft, a submission or a returned entry.

`add_narratives` adds to the plain, JSON-ready report dict that kpi/reports.py builds, so the
page, the XLSX, the DOCX and the frozen copy of a publication all read the same thing. Shapes
(all texts in Japanese; amounts are integers in 千円):

    pillar["kpis"][i]["commentary"]: {"reason": str, "next_actions": str, "sample": bool} | None
    pillar["ratings"]: [{"key": "A", "label": "計画どおり進んでいる", "count": 3}, …,
                        {"key": "", "label": "評価なし", "count": 1}]
    pillar["item_blocks"]: [{"pillar": 1, "number": 2, "label": "1-(2)", "title": str,
                       "departments": ["情報政策課（主担当）", …],
                       "actions": [{"order": 1, "text": str, "carried_out": bool | None}],
                       "progress": {"fy": 2024, "fy_label": "R6（2024年度）", "rating": "A",
                                    "rating_label": str, "done": str, "results": str,
                                    "issues": str, "next_steps": str, "budget": int | None,
                                    "settled": int | None, "budget_text": "1,250千円" | "",
                                    "settled_text": str, "sample": bool} | None,
                       "kpis": [a copy of the KPI row (chart ids made unique), …]}]
    pillar["other_kpis"]: codes of the pillar's KPIs (not components) linked to no item
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from django.db.models import Prefetch

from initiatives.models import InitiativeItem, Plan
from kpi.models import Kpi
from smartdocho.fiscal import format_fy

from . import reads
from .models import ItemDepartment, scale_for

NO_RATING = "評価なし"


def amount_text(value: int | None) -> str:
    """1250 → "1,250千円"; None → ""."""
    return "" if value is None else f"{value:,}千円"


def plan_items(plan: Plan) -> list[InitiativeItem]:
    """The plan's items with actions, departments and KPI links: four queries."""
    return list(
        InitiativeItem.objects.filter(pillar__plan=plan)
        .select_related("pillar")
        .prefetch_related(
            "actions",
            Prefetch(
                "department_links", queryset=ItemDepartment.objects.select_related("department")
            ),
            "kpi_links",
        )
        .order_by("pillar__number", "number")
    )


def departments(item: InitiativeItem) -> list[str]:
    """["情報政策課（主担当）", "…課"]: the lead first (the links' ordering)."""
    return [
        f"{link.department.name}（主担当）" if link.is_lead else link.department.name
        for link in item.department_links.all()
    ]


def progress_record(view: reads.ProgressView | None) -> dict | None:
    if view is None:
        return None
    return {
        "fy": view.fiscal_year,
        "fy_label": format_fy(view.fiscal_year),
        "rating": view.rating,
        "rating_label": view.rating_label,
        "done": view.done,
        "results": view.results,
        "issues": view.issues,
        "next_steps": view.next_steps,
        "budget": view.budget,
        "settled": view.settled,
        "budget_text": amount_text(view.budget),
        "settled_text": amount_text(view.settled),
        "sample": view.is_sample,
    }


def _item_kpi_row(row: dict, label: str) -> dict:
    """A copy of a KPI row for an item's block; its chart's ids made unique on the page."""
    item_row = copy.deepcopy(row)
    if item_row.get("chart"):
        prefix = f"item{label.replace('(', '').replace(')', '')}-"
        item_row["chart"]["dom_id"] = prefix + item_row["chart"]["dom_id"]
        item_row["chart"]["data_id"] = prefix + item_row["chart"]["data_id"]
    return item_row


def add_narratives(report: dict, plan: Plan, fiscal_year: int, kpis: Sequence[Kpi]) -> None:
    """Add the items, their approved progress of `fiscal_year`, rating counts and each KPI's
    approved commentary of that year to `report` (kpi/reports.py's dict), in place.

    Seven queries whatever the number of items and KPIs: items, actions, departments, KPI
    links, the rating scale, approved progress, approved commentary. Sets
    `report["sample_narratives"]` when any text shown is a sample.
    """
    items = plan_items(plan)
    scale = scale_for(plan)
    progress = reads.progress_by_year(items, scale, drafts=False)
    commentary = reads.commentary_by_year(kpis, drafts=False)
    code_of = {k.id: k.code for k in kpis}
    id_of = {k.code: k.id for k in kpis}
    sample = False
    # An item may be measured by a KPI of another pillar: rows are looked up plan-wide.
    rows = {r["code"]: r for pillar in report["pillars"] for r in pillar["kpis"]}
    for code, r in rows.items():
        c = commentary.get((id_of.get(code), fiscal_year))
        r["commentary"] = (
            None
            if c is None
            else {"reason": c.reason, "next_actions": c.next_actions, "sample": c.is_sample}
        )
        sample = sample or bool(c and c.is_sample)
    for pillar in report["pillars"]:
        blocks, linked = [], set()
        for item in (i for i in items if i.pillar.number == pillar["number"]):
            label = item.label or f"{item.pillar.number}-({item.number})"
            view = progress.get((item.id, fiscal_year))
            sample = sample or bool(view and view.is_sample)
            # The KPIs linked to the item and those the plan lists under it (Kpi.item), as on
            # the item's page.
            codes = [code_of.get(link.kpi_id) for link in item.kpi_links.all()]
            codes += [k.code for k in kpis if k.item_id == item.id and k.code not in codes]
            linked.update(codes)
            blocks.append(
                {
                    "pillar": item.pillar.number,
                    "number": item.number,
                    "label": label,
                    "title": item.title,
                    "departments": departments(item),
                    "actions": [
                        {
                            "order": a.order,
                            "text": a.text,
                            "carried_out": None if view is None else a.order in view.carried_out,
                        }
                        for a in item.actions.all()
                    ],
                    "progress": progress_record(view),
                    "kpis": [_item_kpi_row(rows[c], label) for c in codes if c in rows],
                }
            )
        pillar["item_blocks"] = blocks
        pillar["other_kpis"] = [
            r["code"] for r in pillar["kpis"] if not r["is_component"] and r["code"] not in linked
        ]
        counts = {r.key: 0 for r in scale}
        unrated = 0
        for block in blocks:
            key = (block["progress"] or {}).get("rating", "")
            if key in counts:
                counts[key] += 1
            else:
                unrated += 1
        pillar["ratings"] = [
            {"key": r.key, "label": r.label, "count": counts[r.key]} for r in scale
        ] + [{"key": "", "label": NO_RATING, "count": unrated}]
    report["sample_narratives"] = sample

"""The annual committee report: built from live data, or frozen as it was published.

A report is a plain, JSON-ready dict, so that the page, the XLSX download and the frozen copy
kept at publication all read the same thing; a published report is shown from its copy, and
compared with today's data to say what has changed since it was presented.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.utils import translation

from initiatives.models import Pillar, Plan

from . import exports, progress
from .evaluation import Assessment, assess, explain, status_counts
from .figures import kpi_block
from .fiscal import format_fy
from .models import Kpi

XLSX_HEADER = [
    "取組方針",
    "コード",
    "成果指標",
    "単位",
    "基準値（年度）",
    "目標（年度）",
    "実績値",
    "実績の年度",
    "区分",
    "進捗率",
    "判定",
    "判定の根拠",
]


def _row(a: Assessment, chart: bool) -> dict:
    kpi, p = a.kpi, a.progress
    row = {
        "code": kpi.code,
        "name": kpi.name,
        "is_component": bool(kpi.parent_id),
        "unit": kpi.unit.label,
        "baseline": kpi.baseline_label,
        "target": kpi.target_label,
        "value": kpi.unit.format(p.value) if p.value is not None else None,
        "value_fy": format_fy(p.value_fy) if p.value_fy else None,
        "preliminary": progress.FLAG_PRELIMINARY_VALUE in p.flags,
        "derived": a.derived,
        "sample": a.sample,
        "achievement": None if p.achievement_rate is None else round(p.achievement_rate, 4),
        "status": p.status,
        "label": a.label,
        "icon": a.icon,
        "flags": a.flag_labels,
        # Progress rules v2 (rules 5 and 6); absent from reports published before them.
        "status_if_condition_met": p.status_if_condition_met,
        "if_met_label": a.if_met_label,
        "if_met_icon": a.if_met_icon,
        "stale": a.stale_label,
        "explanation": explain(a),
        "chart": None,
    }
    if chart:
        block = kpi_block(a, small=True)
        row["chart"] = {
            "dom_id": f"report-{block.dom_id}",
            "data_id": f"report-{block.data_id}",
            "title": block.title,
            "figure": block.figure,
            "columns": block.columns,
            "rows": block.rows,
            "summary": block.summary,
        }
    return row


def build_report(plan: Plan, fiscal_year: int, today: date, *, final_only: bool = False) -> dict:
    """The report for a fiscal year from today's data: the content a committee is shown.

    Always in Japanese, whatever the reader's interface language: it is the document presented
    to the committee, and the frozen copy of a published report must read the same for all.
    """
    with translation.override("ja"):
        return _build_report(plan, fiscal_year, today, final_only)


def _build_report(plan: Plan, fiscal_year: int, today: date, final_only: bool) -> dict:
    pillars: Sequence[Pillar] = list(plan.pillars.all())
    kpis = list(Kpi.objects.for_display().filter(plan=plan))
    by_id = assess(kpis, plan, fiscal_year, final_only=final_only)
    sample = any(v.is_sample for k in kpis for v in k.values.all())
    sections = []
    for pillar in pillars:
        rows = [by_id[k.id] for k in kpis if k.pillar_id == pillar.id]
        sections.append(
            {
                "number": pillar.number,
                "title": pillar.title,
                "counts": [
                    {"status": s, "label": label, "icon": icon, "count": n}
                    for s, label, icon, n in status_counts(rows, plan)
                ],
                "kpis": [_row(a, chart=not a.kpi.parent_id) for a in rows],
            }
        )
    notes = [
        "判定は、基準値から目標値への直線上の期待値と実績値を比べる方法によります（判定方法の説明を参照）。",
        f"判定方法 v{progress.METHOD_VERSION}：目標年度以降の実績は目標を満たしたかどうかで"
        "「達成」か「未達成」とし、基準年度より後の実績がない指標は「判定不能」とします。",
        "「速報値」は今後の確定により変わることがあります。",
    ]
    if any(k.is_provisional for k in kpis):
        notes.append("「暫定」の指標は、今後策定する計画において目標が改めて設定される予定です。")
    if sample:
        notes.insert(
            0,
            "この報告書の実績値はサンプル値（説明用の架空の値）です。北海道の実際の実績ではありません。",
        )
    return {
        "plan": {
            "slug": plan.slug,
            "title": plan.title,
            "government": plan.government,
            "term": plan.term,
            "period": plan.period_label,
        },
        "fiscal_year": fiscal_year,
        "fiscal_year_label": format_fy(fiscal_year),
        "as_of_date": today.isoformat(),
        # Which progress rules judged the statuses; a report published without it used v1.
        "method_version": progress.METHOD_VERSION,
        "sample_data": sample,
        "pillars": sections,
        "notes": notes,
    }


def method_version(report: dict) -> int:
    """The progress method that judged a report: v1 for one published before it was recorded."""
    return report.get("method_version", 1)


def differences(presented: dict, today: dict) -> list[dict]:
    """What today's data say differently from the report as it was presented."""
    now = {r["code"]: r for p in today["pillars"] for r in p["kpis"]}
    changes = []
    then_method, now_method = method_version(presented), method_version(today)
    if then_method != now_method:
        changes.append(
            {
                "code": "—",
                "name": "（すべての指標）",
                "what": "判定方法",
                "then": f"v{then_method}",
                "now": f"v{now_method}",
            }
        )
    for pillar in presented["pillars"]:
        for then in pillar["kpis"]:
            current = now.get(then["code"])
            if current is None:
                changes.append(
                    {
                        "code": then["code"],
                        "name": then["name"],
                        "what": "指標",
                        "then": "あり",
                        "now": "なし",
                    }
                )
                continue
            for field, what in (("value", "実績値"), ("value_fy", "実績の年度"), ("label", "判定")):
                if then[field] != current[field]:
                    changes.append(
                        {
                            "code": then["code"],
                            "name": then["name"],
                            "what": what,
                            "then": then[field] or "—",
                            "now": current[field] or "—",
                        }
                    )
            if then["preliminary"] != current["preliminary"]:
                changes.append(
                    {
                        "code": then["code"],
                        "name": then["name"],
                        "what": "区分",
                        "then": "速報値" if then["preliminary"] else "確定値",
                        "now": "速報値" if current["preliminary"] else "確定値",
                    }
                )
    return changes


def _status_text(r: dict) -> str:
    """ "… 条件待ち（条件を満たせば ■ 未達成）／R5の実績で判定", as the page shows it."""
    text = f"{r['icon']} {r['label']}"
    if r.get("if_met_label"):
        text += f"（条件を満たせば {r['if_met_icon']} {r['if_met_label']}）"
    if r.get("stale"):
        text += f"／{r['stale']}"
    return text


def report_xlsx(report: dict) -> bytes:
    rows = []
    for pillar in report["pillars"]:
        for r in pillar["kpis"]:
            kind = "" if r["value"] is None else ("速報値" if r["preliminary"] else "確定値")
            rows.append(
                [
                    f"{pillar['number']} {pillar['title']}",
                    r["code"],
                    r["name"],
                    r["unit"],
                    r["baseline"],
                    r["target"],
                    r["value"] or "",
                    r["value_fy"] or "",
                    kind + ("（サンプル）" if r["sample"] else ""),
                    "" if r["achievement"] is None else r["achievement"],
                    _status_text(r),
                    r["explanation"],
                ]
            )
    notes = [[n] for n in report["notes"]]
    cover = [
        ["方針", report["plan"]["title"]],
        ["団体", report["plan"]["government"]],
        ["対象年度", report["fiscal_year_label"]],
        ["作成日", report["as_of_date"]],
        ["判定方法", f"v{method_version(report)}"],
    ]
    return exports.to_xlsx(
        [
            ("表紙", ["項目", "内容"], cover),
            ("成果指標", XLSX_HEADER, rows),
            ("注記", ["注記"], notes),
        ]
    )

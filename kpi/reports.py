"""The annual committee report: built from live data, or frozen as it was published.

A report is a plain, JSON-ready dict, so that the page, the XLSX download and the frozen copy
kept at publication all read the same thing; a published report is shown from its copy, and
compared with today's data to say what has changed since it was presented. The KPI part is
built here; pages/reports.py adds the narratives' part (検証票), which kpi does not import.

What the public may see of a published report, and of the changes since: final values
(確定値), and the preliminary values (速報値) an admin published knowingly (listed on the
confirmation page, kept in the copy as `preliminary_values`) for as long as they stand
unchanged. A preliminary value entered or edited after publication is not public until it is
final, so it shows neither in the report nor in the table of changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Prefetch, Q
from django.utils import translation

from initiatives.models import Pillar, Plan
from smartdocho.fiscal import format_fy

from . import exports, progress
from .evaluation import Assessment, assess, explain, status_counts, step_label
from .figures import kpi_block
from .models import TARGET_PREFETCH, Kpi, KpiValue, TargetKind

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

COMMENTARY_XLSX_HEADER = ["取組方針", "コード", "成果指標", "要因分析", "今後の取組", "区分"]

ITEMS_XLSX_HEADER = [
    "取組方針",
    "取組項目の番号",
    "取組項目",
    "担当課",
    "取組内容（実施したもの）",
    "取組実績",
    "成果",
    "課題",
    "今後の方向性",
    "評価",
    "評価の名称",
    "予算額（千円）",
    "決算額（千円）",
    "関連する成果指標",
    "区分",
]
AMOUNT_FORMAT = "#,##0"

SAMPLE_TITLE = "【サンプル】"

# A published preliminary value: (KPI code, fiscal year, the number as published).
PublishedValue = tuple[str, int, Decimal]


def _row(a: Assessment, chart: bool) -> dict:
    kpi, p = a.kpi, a.progress
    row = {
        "code": kpi.code,
        "name": kpi.name,
        "is_component": bool(kpi.parent_id),
        "parent": kpi.parent.code if kpi.parent_id else None,
        "unit": kpi.unit_text,
        "cumulative": kpi.cumulative,
        "baseline": kpi.baseline_label,
        "target": kpi.target_label,
        "value": _value_text(kpi, p.value),
        # The number itself, for the workbook's number cell (not for a schedule's step).
        "value_number": None
        if p.value is None or kpi.target_kind == TargetKind.MILESTONE
        else round(p.value, kpi.unit.decimals),
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


def _value_text(kpi: Kpi, value: float | None) -> str | None:
    """The value as the report shows it: "1,234.5", or a schedule's step "導入（2/3段階）"."""
    if value is None:
        return None
    if kpi.target_kind == TargetKind.MILESTONE:
        return step_label(kpi, value)
    return kpi.unit.format(value)


def build_kpi_report(
    plan: Plan,
    fiscal_year: int,
    today: date,
    *,
    final_only: bool = False,
    published_preliminary: Iterable[PublishedValue] = (),
) -> tuple[dict, list[Kpi]]:
    """The KPI part of the report for a fiscal year from today's data, and the KPIs it shows.

    The report as presented adds the 検証票 part to it (pages/reports.py's build_report).
    With `final_only` (the public's view), preliminary values are left out except those in
    `published_preliminary` that still stand with the number they were published with.
    Values of later years than `fiscal_year` are not part of the report (nor of its charts).

    Always in Japanese, whatever the reader's interface language: it is the document presented
    to the committee, and the frozen copy of a published report must read the same for all.
    The report has `sample_values`, and `sample_data` when it has sample values.
    """
    with translation.override("ja"):
        return _build_report(plan, fiscal_year, today, final_only, list(published_preliminary))


def _kpis(plan: Plan, final_only: bool, published: list[PublishedValue]) -> list[Kpi]:
    kpis = Kpi.objects.for_display().filter(plan=plan)
    if final_only:
        visible = [Q(status=KpiValue.Status.FINAL)] + [
            Q(kpi__code=code, fiscal_year=fy, value=value, status=KpiValue.Status.PRELIMINARY)
            for code, fy, value in published
        ]
        kpis = kpis.prefetch_related(None).prefetch_related(
            Prefetch(
                "values",
                queryset=KpiValue.objects.filter(reduce(or_, visible)).order_by("fiscal_year"),
            ),
            *TARGET_PREFETCH,
        )
    return list(kpis)


def _preliminary_values(assessments: Iterable[Assessment]) -> list[dict]:
    """Every preliminary value the report shows (rows and charts), by KPI."""
    listed = []
    for a in assessments:
        unit = a.kpi.unit
        for o in a.observations:
            if o.preliminary:
                listed.append(
                    {
                        "code": a.kpi.code,
                        "name": a.kpi.name,
                        "fiscal_year": o.fy,
                        "fiscal_year_label": format_fy(o.fy),
                        "value": f"{unit.format(o.value)}{unit.label}",
                        "raw": str(o.value),
                        "derived": a.derived,
                    }
                )
    return listed


def _build_report(
    plan: Plan, fiscal_year: int, today: date, final_only: bool, published: list[PublishedValue]
) -> tuple[dict, list[Kpi]]:
    pillars: Sequence[Pillar] = list(plan.pillars.all())
    kpis = _kpis(plan, final_only, published)
    by_id = {
        kpi_id: replace(a, observations=tuple(o for o in a.observations if o.fy <= fiscal_year))
        for kpi_id, a in assess(kpis, plan, fiscal_year).items()
    }
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
    report = {
        "plan": {
            "slug": plan.slug,
            "title": plan.title,
            "government": plan.government,
            "term": plan.term,
            "period": plan.period_label,
            "report_to": plan.report_to,
        },
        "fiscal_year": fiscal_year,
        "fiscal_year_label": format_fy(fiscal_year),
        "as_of_date": today.isoformat(),
        # Which progress rules judged the statuses; a report published without it used v1.
        "method_version": progress.METHOD_VERSION,
        "sample_data": sample,
        "pillars": sections,
        "preliminary_values": _preliminary_values(by_id[k.id] for k in kpis),
        "notes": notes,
    }
    if sample:
        notes.insert(
            0,
            "この報告書の実績値はサンプル値（説明用の架空の値）です。"
            f"{plan.government}の実際の実績ではありません。",
        )
    report["sample_values"] = sample
    report["sample_data"] = sample
    return report, kpis


def method_version(report: dict) -> int:
    """The progress method that judged a report: v1 for one published before it was recorded."""
    return report.get("method_version", 1)


def published_preliminary(snapshot: dict) -> list[PublishedValue]:
    """The entered preliminary values a published copy made public (means of components are
    derived from them, so they are not listed)."""
    return [
        (v["code"], v["fiscal_year"], Decimal(v["raw"]))
        for v in snapshot.get("preliminary_values", [])
        if not v.get("derived")
    ]


def pending_codes(
    snapshot: dict,
    current_preliminary: Iterable[PublishedValue],
    public: Iterable[PublishedValue] = (),
) -> set[str]:
    """KPIs whose published preliminary value has since been edited but is still preliminary,
    and whose new number has not been published (by any version in `public`) either.

    For the public, such a KPI shows no change until the value is final: the edited number is
    not public, and telling that it moved would tell something about it. A parent judged on
    the mean of its components is pending when one of them is.
    """
    known = set(public) | set(published_preliminary(snapshot))
    now = {(code, fy): value for code, fy, value in current_preliminary}
    codes = {
        code
        for code, fy, value in published_preliminary(snapshot)
        if (code, fy) in now and (code, fy, now[(code, fy)]) not in known
    }
    parents = {
        r["parent"]
        for p in snapshot["pillars"]
        for r in p["kpis"]
        if r.get("parent") and r["code"] in codes
    }
    return codes | parents


def _state(row: dict) -> str:
    if row["value"] is None:
        return "未入力"
    kind = "速報値" if row["preliminary"] else "確定値"
    return f"{row['value']}{row['unit']}（{row['value_fy']}・{kind}）"


def differences(presented: dict, today: dict, *, pending: Iterable[str] = ()) -> list[dict]:
    """What today's data say differently from the report as it was presented, one row per KPI.

    Compares the value (as displayed, with its year) and the status; a preliminary value made
    final with the same number is not a change. `today` must be built for the same reader
    (pages/reports.py's build_report: `final_only`, `published_preliminary`); KPIs in `pending`
    are skipped.

    Returns dicts with code, name, what (the kind of change), then and now (text).
    """
    skip = set(pending)
    now = {r["code"]: r for p in today["pillars"] for r in p["kpis"]}
    seen = set()
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
            code = then["code"]
            seen.add(code)
            current = now.get(code)
            base = {"code": code, "name": then["name"]}
            if current is None:
                changes.append(
                    {**base, "what": "指標の削除", "then": _state(then), "now": "（指標なし）"}
                )
                continue
            if code in skip:
                continue
            value_changed = (then["value"], then["value_fy"]) != (
                current["value"],
                current["value_fy"],
            )
            label_changed = then["label"] != current["label"]
            if not (value_changed or label_changed):
                continue
            if not value_changed:
                what = "判定の変更"
            elif then["value"] is None:
                what = "実績値の追加"
            elif current["value"] is None:
                what = "実績値の削除"
            elif then["value_fy"] != current["value_fy"]:
                what = "実績値の年度の変更"
            else:
                what = "実績値の変更"
            changes.append(
                {
                    **base,
                    "what": what,
                    "then": f"{_state(then)}　判定：{then['label']}",
                    "now": f"{_state(current)}　判定：{current['label']}",
                }
            )
    for pillar in today["pillars"]:
        for current in pillar["kpis"]:
            if current["code"] not in seen:
                changes.append(
                    {
                        "code": current["code"],
                        "name": current["name"],
                        "what": "指標の追加",
                        "then": "（指標なし）",
                        "now": f"{_state(current)}　判定：{current['label']}",
                    }
                )
    return changes


def status_text(r: dict) -> str:
    """ "… 条件待ち（条件を満たせば ■ 未達成）／R5の実績で判定", as the page shows it."""
    text = f"{r['icon']} {r['label']}"
    if r.get("if_met_label"):
        text += f"（条件を満たせば {r['if_met_icon']} {r['if_met_label']}）"
    if r.get("stale"):
        text += f"／{r['stale']}"
    return text


def report_xlsx(report: dict, publication: dict | None = None) -> bytes:
    """The report as a workbook: 表紙 (cover), 成果指標 (one row per KPI), 取組項目 (one row
    per item: its approved progress of the year), 成果指標の説明 (approved commentary, one row
    per KPI that has one), 注記 (notes). A report published before items were part of it has
    no 取組項目 or 成果指標の説明 sheet. Texts are text cells; amounts are numbers in 千円.

    `publication` (from `publication_facts`) describes the published version shown; a
    sample publication says so on every sheet.
    """
    sample = is_sample(report, publication)
    mark = SAMPLE_TITLE if sample else ""
    rows, commentary = [], []
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
                    # A number cell where the report carries the number (from issue 12 on),
                    # so that the committee's spreadsheet can compute with it.
                    r["value"] or "" if r.get("value_number") is None else r["value_number"],
                    r["value_fy"] or "",
                    kind + ("（サンプル）" if r["sample"] or sample else ""),
                    "" if r["achievement"] is None else r["achievement"],
                    status_text(r),
                    r["explanation"],
                ]
            )
            if r.get("commentary"):
                commentary.append(
                    [
                        f"{pillar['number']} {pillar['title']}",
                        r["code"],
                        r["name"],
                        *commentary_texts(r),
                        "承認済み" + ("（サンプル）" if r["commentary"]["sample"] else ""),
                    ]
                )
    items = [_item_xlsx_row(pillar, item) for pillar, item in report_items(report)]
    notes = [[n] for n in report["notes"]]
    cover = cover_rows(report, publication)
    if sample:
        notes.insert(0, [SAMPLE_TITLE + SAMPLE_WARNING])
    sheets = [("表紙", ["項目", "内容"], cover), ("成果指標", XLSX_HEADER, rows)]
    formats: list[dict[int, str]] = [{}, {}]
    if any("item_blocks" in p for p in report["pillars"]):
        sheets.append(("取組項目", ITEMS_XLSX_HEADER, items))
        formats.append({11: AMOUNT_FORMAT, 12: AMOUNT_FORMAT})
        sheets.append(("成果指標の説明", COMMENTARY_XLSX_HEADER, commentary))
        formats.append({})
    sheets.append(("注記", ["注記" + mark], notes))
    formats.append({})
    return exports.to_xlsx(sheets, column_formats=formats)


SAMPLE_WARNING = (
    "この報告書はサンプル値・サンプルの記入例（説明用の架空の値と文章）によるもので、"
    "実際の報告書ではありません。"
)


def is_sample(report: dict, publication: dict | None) -> bool:
    return bool(report["sample_data"] or (publication and publication["is_sample"]))


def cover_rows(report: dict, publication: dict | None) -> list[list[str]]:
    """[項目, 内容] rows of the cover, shared by the XLSX and the DOCX."""
    cover = [
        ["方針", report["plan"]["title"]],
        ["団体", report["plan"]["government"]],
        *([["報告先", report["plan"]["report_to"]]] if report["plan"].get("report_to") else []),
        ["対象年度", report["fiscal_year_label"]],
        ["作成日", report["as_of_date"]],
        ["判定方法", f"v{method_version(report)}"],
    ]
    if publication:
        state = "公表中（最新の版）" if publication["in_force"] else "訂正版により置き換え済み"
        cover += [
            ["公表", f"第{publication['version']}版（{publication['published_on']}）・{state}"],
            ["公表した部署", publication["office"]],
        ]
        if publication["correction_reason"]:
            cover.append(["訂正の理由", publication["correction_reason"]])
    else:
        cover.append(["公表", "未公表（現在のデータから作成）"])
    if is_sample(report, publication):
        cover.insert(0, ["サンプル", SAMPLE_WARNING])
    return cover


def report_items(report: dict) -> list[tuple[dict, dict]]:
    """(pillar, item) for every item block of the report, in order; none in a report published
    before items were part of it."""
    return [(p, item) for p in report["pillars"] for item in p.get("item_blocks", [])]


def commentary_texts(row: dict) -> list[str]:
    """[要因分析, 今後の取組] of a KPI row's approved commentary, "" when there is none."""
    c = row.get("commentary")
    if not c:
        return ["", ""]
    return [c["reason"], c["next_actions"]]


def carried_out_text(item: dict) -> str:
    """The actions of an item, one a line, each marked 実施 or 未実施 when progress says."""
    marks = {True: "【実施】", False: "【未実施】", None: ""}
    return "\n".join(marks[a["carried_out"]] + a["text"] for a in item["actions"])


def _item_xlsx_row(pillar: dict, item: dict) -> list:
    p = item["progress"] or {}
    kind = "承認済み" if item["progress"] else "承認済みの進捗なし"
    # Per entry, as the page marks it: a real entry in a report that also holds sample data
    # is not a sample (the cover and notes say the report holds samples).
    if p.get("sample"):
        kind += "（サンプル）"
    return [
        f"{pillar['number']} {pillar['title']}",
        item["label"],
        item["title"],
        "、".join(item["departments"]),
        carried_out_text(item),
        p.get("done", ""),
        p.get("results", ""),
        p.get("issues", ""),
        p.get("next_steps", ""),
        p.get("rating", ""),
        p.get("rating_label", ""),
        p.get("budget"),
        p.get("settled"),
        "、".join(r["code"] for r in item["kpis"]) or "（取組方針の成果指標を参照）",
        kind,
    ]

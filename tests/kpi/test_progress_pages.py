"""Where progress shows: overview counts, KPI page's judgement block, methodology page."""

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

from kpi import progress as pr
from kpi.models import KpiValue, PublishedReport

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


def test_overview_counts_statuses_per_pillar_with_text_and_icon(client, sample_values):
    html = client.get(PLAN + "?as_of=2025").content.decode()
    assert "取組方針ごとの進捗（R7（2025年度）時点）" in html
    for label, icon in (
        ("達成", "◎"),
        ("順調", "○"),
        ("やや遅れ", "△"),
        ("悪化", "×"),
        ("条件待ち", "…"),
    ):
        assert f'aria-hidden="true">{icon}</span>{label}' in html


def test_as_of_selector_changes_the_judgement(viewer_client, sample_values):
    client = viewer_client
    r7 = client.get(PLAN + "kpis/2-2/?as_of=R7").content.decode()
    r5 = client.get(PLAN + "kpis/2-2/?as_of=R5").content.decode()
    assert "判定は「達成」です" in r7
    assert "判定は「順調」です" in r5
    assert '<option value="2023" selected>' in r5


def test_bad_as_of_is_a_clear_400_in_japanese(client, policy):
    response = client.get(PLAN + "?as_of=R12")
    assert response.status_code == 400
    assert (
        "評価年度はR4（2022年度）～R7（2025年度）の中で指定してください。"
        in response.content.decode()
    )
    response = client.get(PLAN + "kpis/1-2/?as_of=%3Cscript%3E")
    assert response.status_code == 400
    assert "<script>" not in response.content.decode()


def test_kpi_page_explains_how_its_status_was_judged(client, sample_values):
    html = client.get(PLAN + "kpis/2-1/?as_of=2023").content.decode()
    assert "判定の根拠" in html
    # B, t_B, T, t_T, E, A, t_A, r and the thresholds, then the status in words.
    for text in (
        "31件（R2（2020年度））",
        "200（R7（2025年度））",
        '<td class="num">132</td>',  # E at the unit's decimals, not 132.40
        "105件（R5（2023年度））",
        "0.730",
        "0.950",
    ):
        assert text in html, text
    assert "判定は「やや遅れ」です" in html


def test_every_kpi_page_explains_its_status(client, sample_values):
    for kpi in sample_values.kpis.all():
        html = client.get(kpi.get_absolute_url()).content.decode()
        assert "判定の根拠" in html
        assert "判定は「" in html or "「条件待ち」とし" in html, kpi.code


def test_parent_page_lists_its_components_with_their_own_statuses(client, sample_values):
    html = client.get(PLAN + "kpis/1-3/?as_of=2025").content.decode()
    assert "構成要素の平均" in html
    assert html.count('class="status status-') >= 7  # the parent twice, five components


def test_methodology_page_explains_the_rules_with_a_worked_example(client, policy):
    html = client.get("/methodology/").content.decode()
    assert "Open SDG" in html and "Eurostat" in html
    assert "E = 258 + (288 − 258) × (2023 − 2020) ÷ (2025 − 2020) = 276.0" in html
    assert "0.667" in html
    assert "「やや遅れ」" in html
    assert policy.title in html


def test_revised_target_shows_beside_the_original(client, sample_values):
    import datetime as dt
    from decimal import Decimal

    from kpi.models import Kpi, TargetRevision

    kpi = Kpi.objects.get(plan=sample_values, code="3-1")
    TargetRevision.objects.create(
        kpi=kpi,
        effective_fy=2024,
        target_fy=2025,
        kind="at_least",
        value=Decimal("60"),
        text="60",
        decided_on=dt.date(2023, 3, 31),
        reason="デジタル人材育成に関する計画の策定による再設定",
        source_document="デジタル人材育成に関する計画",
    )
    before = client.get(PLAN + "kpis/3-1/?as_of=2023").content.decode()
    after = client.get(PLAN + "kpis/3-1/?as_of=2025").content.decode()
    assert "適用中の目標" not in before
    assert "判定は「遅れ」です" in before  # against the original 80
    assert "適用中の目標 T（再設定）" in after
    assert "80（R7（2025年度））" in after  # the original stays visible
    assert "目標は再設定後" in after
    assert "判定は「やや遅れ」です" in after  # r = (58 − 30) / (60 − 30) ≈ 0.93
    assert "デジタル人材育成に関する計画の策定による再設定" in after


# --- progress rules v2 (issue 11) on the pages and in the exports -------------------------

NOT_ACHIEVED_HTML = (
    '<span class="status status-not_achieved"><span class="status-icon" aria-hidden="true">■'
    "</span>未達成</span>"
)
STALE_HTML = '<span class="tag tag-stale">R5の実績で判定</span>'


def _row(html, name):
    return html.split(name, 1)[1].split("</tr>", 1)[0]


def test_overview_shows_not_achieved_the_stale_flag_and_what_pending_hides(
    viewer_client, sample_values
):
    html = viewer_client.get(PLAN + "?as_of=R7").content.decode()
    summary = html.split("status-summary", 1)[1].split("</thead>", 1)[0]
    assert NOT_ACHIEVED_HTML in summary  # its own column in the counts
    assert NOT_ACHIEVED_HTML in _row(html, "電子申請システムの利用件数")  # 2,720 of 2,744
    assert STALE_HTML in _row(html, "(レベル2)の充足率")
    pending = _row(html, "人事給与システム")
    assert "条件待ち" in pending
    assert '<span class="status-if-met">（条件を満たせば' + NOT_ACHIEVED_HTML + "）" in pending


def test_overview_sorts_not_achieved_after_the_ratio_statuses(viewer_client, sample_values):
    html = viewer_client.get(PLAN + "?as_of=R7&sort=status").content.decode()
    body = html.split('class="data-table kpi-table"', 1)[1]
    statuses = re.findall(r'<td[^>]*><span class="status status-([a-z_]+)">', body)
    order = [s for s in dict.fromkeys(statuses)]
    assert order == sorted(order, key=pr.ALL_STATUSES.index)
    assert pr.NOT_ACHIEVED in order


def test_pillar_page_shows_the_stale_flag_beside_the_status(viewer_client, sample_values):
    html = viewer_client.get(PLAN + "pillars/3/?as_of=R7").content.decode()
    assert STALE_HTML in _row(html, "(レベル2)の充足率")
    assert NOT_ACHIEVED_HTML in html


def test_kpi_page_gives_the_final_verdict_without_a_ratio(viewer_client, sample_values):
    html = viewer_client.get(PLAN + "kpis/2-3/?as_of=R7").content.decode()
    status_line = html.split('class="status-line"', 1)[1].split("</p>", 1)[0]
    assert NOT_ACHIEVED_HTML in status_line
    assert "目標年度以降の実績なので算出せず" in html
    assert "比率 r = (A − B) / (E − B)" not in html
    assert "目標年度以降の実績があるため算出していません" in html
    assert "進捗率は98.2%です" in html  # (2,720 − 1,438) / (2,744 − 1,438)
    assert "判定は「未達成」です" in html


def test_kpi_page_shows_the_stale_flag_and_why(viewer_client, sample_values):
    html = viewer_client.get(PLAN + "kpis/3-2/?as_of=R7").content.decode()
    status_line = html.split('class="status-line"', 1)[1].split("</p>", 1)[0]
    assert STALE_HTML in status_line
    assert "評価年度R7（2025年度）より2年前のもの" in html
    assert "（R5の実績で判定）です。" in html  # the chart's caption says it too


def test_kpi_page_with_only_a_baseline_year_value_is_not_assessable(client, sample_values):
    KpiValue.objects.filter(kpi__code="1-1", fiscal_year__gt=2022).delete()
    html = client.get(PLAN + "kpis/1-1/?as_of=R7").content.decode()
    assert "基準年度より後の実績がまだありません" in html
    assert "status status-not_assessable" in html
    assert "4,928" in html  # the baseline year's value still shows


def test_report_shows_v2_statuses_and_says_which_method_judged_them(viewer_client, sample_values):
    html = viewer_client.get(PLAN + "reports/2025/").content.decode()
    assert "判定方法 v2" in html
    assert NOT_ACHIEVED_HTML in html and STALE_HTML in html
    assert "（条件を満たせば" + NOT_ACHIEVED_HTML in html
    counts = html.split('class="data-table status-summary"', 1)[1].split("</table>", 1)[0]
    assert "未達成" in counts


def test_report_xlsx_carries_the_method_and_the_status_notes(viewer_client, sample_values):
    book = load_workbook(io.BytesIO(viewer_client.get(PLAN + "reports/2025/report.xlsx").content))
    assert ["判定方法", "v2"] in [[c.value for c in r] for r in book["表紙"].iter_rows()]
    statuses = [r[10].value for r in book["成果指標"].iter_rows(min_row=2)]
    assert "■ 未達成" in statuses
    assert "▽ 遅れ／R5の実績で判定" in statuses
    assert "… 条件待ち（条件を満たせば ■ 未達成）" in statuses


def test_report_published_before_v2_keeps_its_statuses_and_says_v1(client, sample_values, admin):
    client.force_login(admin)
    confirm = client.get(PLAN + "reports/2025/publish/").content.decode()
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', confirm).group(1)
    response = client.post(
        PLAN + "reports/2025/publish/",
        {"confirm": token, "office": "情報政策課", "values": "with_preliminary", "as_sample": "on"},
    )
    assert response.status_code == 302
    report = PublishedReport.objects.get()
    assert report.snapshot["method_version"] == 2
    # A snapshot as v1 published it: no method_version, 2-3 judged 順調 on the straight path.
    snapshot = report.snapshot
    del snapshot["method_version"]
    row = next(r for p in snapshot["pillars"] for r in p["kpis"] if r["code"] == "2-3")
    row.update(status="on_track", label="順調", icon="○")
    for key in ("status_if_condition_met", "if_met_label", "if_met_icon", "stale"):
        for p in snapshot["pillars"]:
            for r in p["kpis"]:
                r.pop(key)
    report.snapshot = snapshot
    report.save()
    client.logout()
    html = client.get(PLAN + "reports/2025/").content.decode()
    assert "判定方法 v1" in html and "判定方法 v2" not in html.split("公表後のデータの変更")[0]
    pillar_2 = html.split('id="pillar-2"', 1)[1]
    assert "○</span>順調" in _row(pillar_2, "電子申請システムの利用件数")  # as presented
    changes = html.split("公表後のデータの変更", 1)[1].split("</table>", 1)[0]
    assert "判定方法" in changes and "v1" in changes and "v2" in changes
    book = load_workbook(io.BytesIO(client.get(PLAN + "reports/2025/report.xlsx").content))
    assert ["判定方法", "v1"] in [[c.value for c in r] for r in book["表紙"].iter_rows()]


def _csv(client, query=""):
    body = client.get(PLAN + "export.csv" + query).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    return {r["コード"]: r for r in rows}


def test_csv_and_xlsx_carry_method_version_status_if_met_and_stale(viewer_client, sample_values):
    rows = _csv(viewer_client, "?as_of=R7")
    assert {r["判定方法の版"] for r in rows.values()} == {"2"}
    assert rows["3-2"]["2年以上前の実績で判定"] == "はい"
    assert rows["2-3"]["2年以上前の実績で判定"] == "いいえ"
    assert rows["2-3"]["判定"] == "未達成"
    assert (rows["1-3-1"]["判定"], rows["1-3-1"]["条件を満たした場合の判定"]) == (
        "条件待ち",
        "未達成",
    )
    assert rows["2-3"]["条件を満たした場合の判定"] == ""
    sheet = load_workbook(
        io.BytesIO(viewer_client.get(PLAN + "export.xlsx?as_of=R7").content)
    ).active
    header = [c.value for c in sheet[1]]
    by_code = {
        r[1]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)
    }
    assert by_code["3-2"]["2年以上前の実績で判定"] == "はい"
    assert by_code["1-3-1"]["条件を満たした場合の判定"] == "未達成"
    assert by_code["2-3"]["判定方法の版"] == 2


def test_json_carries_method_version_status_if_met_and_stale(viewer_client, sample_values):
    doc = json.loads(viewer_client.get(PLAN + "export.json?as_of=R7").content)
    assert doc["method_version"] == 2
    by_code = {k["code"]: k["progress"] for k in doc["kpis"]}
    assert by_code["3-2"]["stale_value"] is True and "stale_value" in by_code["3-2"]["flags"]
    assert by_code["3-2"]["value_fy"] == 2023
    assert by_code["1-3-1"]["status"] == "pending"
    assert by_code["1-3-1"]["status_if_condition_met"] == "not_achieved"
    assert by_code["2-3"]["status"] == "not_achieved"
    assert by_code["2-3"]["ratio"] is None and by_code["2-3"]["projected_status"] is None
    assert by_code["2-3"]["achievement_rate"] == pytest.approx(
        (2720 - 1438) / (2744 - 1438), abs=1e-4
    )
    assert all(p["method_version"] == 2 for p in by_code.values())


def test_methodology_page_explains_v2_with_examples_computed_by_the_progress_code(client):
    from kpi import methodology, progress

    html = client.get("/methodology/").content.decode()
    assert "判定方法 v2：v1 からの変更点と理由" in html
    for rule in ("1. 基準年度より後の実績", "2. 目標年度以降は最終の判定", "7. 判定方法の版"):
        assert rule in html
    table = html.split('id="v2-examples-heading"', 1)[1].split("</table>", 1)[0]
    rows = table.split("<tr>")[2:]
    assert len(rows) == len(methodology.EXAMPLES)
    for row, example in zip(rows, methodology.EXAMPLES, strict=True):
        p = progress.evaluate(example.spec, example.values, example.as_of)
        assert f"status status-{p.status}" in row
        if p.status_if_condition_met:
            assert f"status status-{p.status_if_condition_met}" in row
        assert ("R5の実績で判定" in row) is p.stale_value
    # Each new rule's example shows what the rule is for.
    statuses = [progress.evaluate(e.spec, e.values, e.as_of).status for e in methodology.EXAMPLES]
    by_rule = {}
    for e, status in zip(methodology.EXAMPLES, statuses, strict=True):
        by_rule.setdefault(e.rule, []).append(status)
    assert by_rule[1] == [pr.NOT_ASSESSABLE]
    assert by_rule[2] == [pr.NOT_ACHIEVED, pr.ACHIEVED]
    assert by_rule[3] == [pr.LIMITED_PROGRESS, pr.ON_TRACK]
    assert by_rule[4] == [pr.ACHIEVED, pr.ACHIEVED]
    assert by_rule[5] == [pr.PENDING]
    assert by_rule[6] == [pr.LIMITED_PROGRESS]

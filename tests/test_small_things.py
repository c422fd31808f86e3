"""Small things that read wrong (issue 16, point 7): the change history, the talent table of the
方針の背景 page, the entry status board and the admin's KPI list."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from initiatives.section_tables import layout
from kpi.history import kpi_changes
from kpi.models import Kpi, KpiValue, TargetKind, ValueStatus

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


# --- the change history -----------------------------------------------------------------------


def _history_text(kpi):
    return [
        (
            c.kind,
            [f"{label}：{old + ' → ' if old else ''}{new}" for label, old, new, _free in c.details],
        )
        for c in kpi_changes(kpi)
    ]


def test_history_reads_booleans_choices_and_nothing_as_people_do(policy):
    kpi = Kpi.objects.get(plan=policy, code="2-1")
    kpi.save()  # the fixture left no history: this first record is the KPI's registration
    kpi.is_provisional = True
    kpi.provisional_reason = "理由"
    kpi.target_kind = TargetKind.MAINTAIN
    kpi.target_value = None
    kpi.save()
    newest, first = kpi_changes(kpi)
    assert first.kind == "登録" and newest.kind == "変更"
    details = {label: (old, new) for label, old, new, _free in newest.details}
    assert details["暫定の指標"] == ("いいえ", "はい")
    assert details["目標の種類"] == ("以上", "維持")
    assert details["目標値"] == ("200", "（なし）")
    text = " ".join(" ".join(d) for _, d in _history_text(kpi))
    assert "False" not in text and "True" not in text and "None" not in text
    assert "at_least" not in text and "maintain" not in text


def test_first_record_of_a_value_is_its_registration_and_lists_only_what_it_holds(
    sample_values, editor
):
    value = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2025)
    value.save()  # loaded from a fixture: the first record simple-history sees is a "~"
    value.value = Decimal("155")
    value.status = ValueStatus.FINAL
    value.save()
    newest, first = [c for c in kpi_changes(value.kpi) if "R7（2025年度）" in c.what]
    assert first.kind == "登録"
    assert all(old == "" for _, old, _, _ in first.details)
    assert "（なし）" not in [new for _, _, new, _ in first.details]
    assert newest.kind == "変更"
    assert ("区分", "速報値", "確定値", False) in newest.details
    assert ("実績値", "152", "155", False) in newest.details


def test_history_on_the_kpi_page_says_registration_and_no_raw_values(client, sample_values, viewer):
    kpi = Kpi.objects.get(code="3-1")
    kpi.save()
    kpi.is_provisional = False
    kpi.save()
    client.force_login(viewer)
    html = client.get(PLAN + "kpis/3-1/").content.decode()
    history = html.split("実績値と目標の変更履歴", 1)[1].split("</table>", 1)[0]
    assert "基準値・目標（登録）" in history and "基準値・目標（変更）" in history
    assert "暫定の指標：はい → いいえ" in history
    assert "False" not in history and "True" not in history


# --- the talent table on the 方針の背景 page ----------------------------------------------------


def test_section_table_layout_reads_groups_spans_and_short_rows():
    table = layout(
        [
            ["A", "B", "C"],
            ["group"],
            ["x", "1", "2"],
            ["", "3", "4"],
            [""],
            ["y", "wide"],
        ]
    )
    assert table.header == ["A", "B", "C"]
    first, second = table.groups
    assert first.heading == "group" and second.heading == ""
    assert first.rows[0].heading.text == "x" and first.rows[0].heading.rowspan == 2
    assert first.rows[1].heading is None
    assert [(c.text, c.colspan) for c in second.rows[0].cells] == [("wide", 2)]


def test_section_table_layout_takes_any_rows_without_failing():
    assert layout([]).groups == []
    table = layout([["A"], ["", "x", "y"]])
    assert table.width == 3 and table.groups[0].rows[0].heading.text == ""


def _about_table(client):
    html = client.get(PLAN + "about/").content.decode()
    return html.split('class="data-table section-table"', 1)[1].split("</table>", 1)[0]


def test_talent_model_is_one_table_with_one_header_and_no_figure_leftovers(client, policy):
    table = _about_table(client)
    assert table.count("<thead>") == 1
    assert table.count(">階層</th>") == 1 and table.count(">人物像</th>") == 1
    assert "▲" not in table and "▼" not in table
    assert not re.search(r"<td[^>]*>\s*</td>", table), "no empty cells"
    assert 'scope="colgroup"' in table and "庁内のデジタル人材" in table
    assert re.search(r'<th scope="row" rowspan="4">全庁の職員</th>', table)
    assert re.search(r'<td colspan="2">高度な知識や技術', table)
    html = client.get(PLAN + "about/").content.decode()
    assert "専門性\n▲庁内のデジタル人材▼" not in html


def test_talent_model_keeps_every_word_of_the_source_table(client, policy, source_text):
    start = source_text.index("階層\t\t人物像")
    end = source_text.index("▲庁内のデジタル人材▼") + len("▲庁内のデジタル人材▼")
    words = {w for w in re.split(r"[\t\n]+", source_text[start:end]) if w.strip()}
    table = _about_table(client)
    for word in words:
        assert word.strip("▲▼") in table, word


# --- the entry status board -------------------------------------------------------------------


def test_status_board_counts_sample_values_and_links_every_kpi(client, sample_values, admin):
    client.force_login(admin)
    html = client.get(PLAN + "entry/2025/status/").content.decode()
    samples = KpiValue.objects.filter(fiscal_year=2025, is_sample=True).count()
    assert samples > 0
    assert f"この年度の実績値のうち {samples}件は" in html
    assert f"サンプル {samples}件" in html  # the one department of this plan's KPIs
    assert f'href="{PLAN}entry/2025/#row-2-1"' in html
    final = KpiValue.objects.filter(fiscal_year=2025, status=ValueStatus.FINAL).first()
    if final is not None:
        assert f'href="{final.kpi.get_absolute_url()}?as_of=2025"' in html


def test_status_board_has_no_sample_notice_when_values_are_real(client, policy, admin):
    client.force_login(admin)
    kpi = Kpi.objects.get(code="2-1")
    KpiValue.objects.create(kpi=kpi, fiscal_year=2024, value=131, status=ValueStatus.PRELIMINARY)
    html = client.get(PLAN + "entry/2024/status/").content.decode()
    assert "サンプル" not in html
    assert f'href="{PLAN}entry/2024/#row-2-1">2-1 ' in html


# --- the admin's KPI list ---------------------------------------------------------------------


def test_admin_kpi_list_links_names_and_gives_them_room(client, policy, admin):
    client.force_login(admin)
    html = client.get("/admin/kpi/kpi/").content.decode()
    assert "css/admin_kpi.css" in html
    row = html.split('class="field-name"', 1)[1].split("</t", 1)[0]
    assert "<a href=" in row and "ICTツールの業務への導入数" in html


# --- thresholds as percent, and a neutral maintain KPI outside its band (issue 16, point 5) ----


def test_methodology_shows_growth_thresholds_as_percent(client, policy):
    html = client.get("/methodology/").content.decode()
    table = html.split('id="plans-heading"', 1)[1].split("</table>", 1)[0]
    assert "≥ 1.5%" in table and "≥ 0.5%" in table
    assert "r ≥ 0.95" in table and "r ≥ 0.60" in table
    assert "0.0150" not in table and "0.0050" not in table


def test_a_neutral_maintain_kpi_above_its_band_reads_outside_the_band(viewer_client, sample_values):
    kpi = Kpi.objects.get(code="1-1")
    assert (kpi.direction, kpi.target_kind) == ("neutral", TargetKind.MAINTAIN)
    KpiValue.objects.filter(kpi=kpi, fiscal_year=2024).update(value=Decimal("5400"))
    html = viewer_client.get(PLAN + "?as_of=R6").content.decode()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*情報システム予算額.*?</tr>", html, re.S).group(0)
    assert "許容幅の外" in row
    assert "遅れ" not in row
    page = viewer_client.get(PLAN + "kpis/1-1/?as_of=R6").content.decode()
    assert "許容幅の外" in page

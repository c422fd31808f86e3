"""Where progress shows: overview counts, KPI page's judgement block, methodology page."""

import pytest

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
    assert "方針の期間" in response.content.decode()
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
        "132.40",
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

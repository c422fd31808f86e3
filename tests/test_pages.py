"""The read-only pages: front door, plan overview, pillar, KPI, context, health check."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_plan

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


def test_front_door_redirects_to_the_current_plan(client, policy):
    make_plan("older", is_current=False)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == PLAN


def test_front_door_without_any_plan_says_so_in_japanese(client, db):
    response = client.get("/")
    assert response.status_code == 404


def test_overview_shows_all_three_pillars_and_every_kpi(client, sample_values):
    response = client.get(PLAN)
    assert response.status_code == 200
    html = response.content.decode()
    for title in (
        "最適な情報システムの実現",
        "デジタル技術を活用した業務の質の向上",
        "デジタル人材の育成・確保等",
    ):
        assert title in html
    for kpi in sample_values.kpis.all():
        assert kpi.name in html
    assert 'lang="ja"' in html
    assert "R4（2022年度）～R7（2025年度）" in html


def test_sample_values_are_labelled_wherever_they_show(client, sample_values):
    for url in (PLAN, PLAN + "pillars/2/", PLAN + "kpis/2-3/"):
        html = client.get(url).content.decode()
        assert "サンプル値を表示しています" in html, url
        assert "架空の値" in html, url
        assert "tag-sample" in html, url


def test_no_sample_notice_without_sample_values(client, policy):
    html = client.get(PLAN).content.decode()
    assert "サンプル値を表示しています" not in html
    assert "未入力" in html


def test_pillar_page_lists_directions_items_actions_and_milestone(client, policy):
    html = client.get(PLAN + "pillars/3/").content.decode()
    assert "取組方針3" in html
    assert "DX関連部門対象の勉強会" in html
    assert "業務のデジタル化に適切に対応できるよう" in html
    assert "R4.9予定" in html
    assert "人材(レベル2)の充足率" in html
    assert "情報システム予算額" not in html


def test_kpi_page_shows_baseline_target_and_values_as_written(viewer_client, sample_values):
    client = viewer_client
    html = client.get(PLAN + "kpis/1-3/").content.decode()
    assert "平均52.5（R3（2021年度））" in html
    assert "再構築後に80%以上" in html
    for component in ("人事給与システム", "総合文書管理システム(旧)", "電子申請システム"):
        assert component in html
    html = client.get(PLAN + "kpis/2-3/").content.decode()
    assert "1百件 = 100件" in html
    assert "2,720" in html
    assert "速報値" in html and "確定値" in html


def test_provisional_kpi_says_its_target_will_be_set_again(client, policy):
    html = client.get(PLAN + "kpis/3-1/").content.decode()
    assert "暫定の指標" in html
    assert "改めて設定" in html
    assert "約30" in html


def test_unknown_pillar_kpi_or_plan_is_404(client, policy):
    make_plan("other")
    assert client.get(PLAN + "pillars/9/").status_code == 404
    assert client.get(PLAN + "kpis/9-9/").status_code == 404
    assert client.get("/plans/nope/").status_code == 404
    # A KPI code of another plan is not found under this one.
    assert client.get(PLAN + "kpis/g1-1/").status_code == 404


def test_about_page_keeps_the_context_verbatim(client, policy):
    html = client.get(reverse("initiatives:about", kwargs={"slug": policy.slug})).content.decode()
    for text in ("デジタル庁", "課題④ デジタル人材の育成・確保", "大所高所", "知事を本部長とする"):
        assert text in html


def test_pages_refuse_writes(client, policy):
    assert client.post(PLAN).status_code == 405


def test_health_check_answers_when_the_database_does(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["", "pillars/1/", "kpis/{code}/"])
def test_page_queries_do_not_grow_with_the_plan(client, sample_values, page):
    small = "/plans/hokkaido-smart-docho-3/" + page.format(code="1-3")
    make_plan("big", pillars=3, kpis_per_pillar=100, years=(2022, 2023, 2024, 2025), components=20)
    large = "/plans/big/" + page.format(code="g1-1")
    assert _queries(client, small) == _queries(client, large)

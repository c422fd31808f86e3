"""The item page, the pillar page's ratings, the entry form's link and the status board."""

import pytest

from narratives import services
from narratives.models import ItemKpi

from .conftest import BOARD, ITEM, PLAN, PROGRESS, progress_post

pytestmark = pytest.mark.django_db


def _approve(client, editor, reviewer, **fields):
    client.force_login(editor)
    assert client.post(PROGRESS, progress_post(action="submit", **fields)).status_code == 302
    from narratives.models import InitiativeProgress

    entry = InitiativeProgress.objects.get(item__pillar__number=1, item__number=1)
    client.force_login(reviewer)
    assert client.post(PROGRESS, {"action": "approve", "version": entry.version}).status_code == 302
    client.logout()
    return entry


def test_the_public_sees_no_draft_or_submitted_text(client, editor, item):
    client.force_login(editor)
    client.post(PROGRESS, progress_post(done="下書きの実績"))
    client.logout()
    assert "下書きの実績" not in client.get(ITEM).content.decode()
    client.force_login(editor)
    client.post(PROGRESS, progress_post(version=1, action="submit", done="提出した実績"))
    client.logout()
    page = client.get(ITEM).content.decode()
    assert "提出した実績" not in page
    assert "承認された進捗はまだありません" in page


def test_the_public_sees_approved_text_and_staff_see_drafts(client, editor, reviewer, item):
    _approve(client, editor, reviewer, done="承認された実績")
    page = client.get(ITEM).content.decode()
    assert "承認された実績" in page and "B おおむね計画どおり" in page
    assert "1,200" in page


def test_editing_an_approved_entry_keeps_the_approved_text_public_until_approved_again(
    client, editor, reviewer, item
):
    entry = _approve(client, editor, reviewer, done="承認された実績")
    client.force_login(editor)
    response = client.post(PROGRESS, progress_post(version=entry.version + 1, done="修正中の実績"))
    assert response.status_code == 302
    client.force_login(editor)
    assert "修正中の実績" in client.get(ITEM).content.decode()  # staff read the draft
    client.logout()
    page = client.get(ITEM).content.decode()
    assert "承認された実績" in page and "修正中の実績" not in page


def test_the_pillar_page_lists_items_with_their_latest_approved_rating(
    client, editor, reviewer, item
):
    _approve(client, editor, reviewer, rating="C")
    page = client.get(PLAN + "pillars/1/").content.decode()
    assert 'href="/plans/hokkaido-smart-docho-3/pillars/1/items/1/"' in page
    assert "R6（2024年度）の評価：<strong>C 遅れている</strong>" in page
    assert "承認された評価はまだありません" in page  # the other items


def test_a_submitted_rating_is_not_on_the_pillar_page(client, editor, item):
    client.force_login(editor)
    client.post(PROGRESS, progress_post(action="submit", rating="D"))
    client.logout()
    assert "D 未着手・見直し" not in client.get(PLAN + "pillars/1/").content.decode()


def test_item_page_shows_actions_departments_and_related_kpis(client, item):
    page = client.get(ITEM).content.decode()
    assert "情報システム診断の実施や情報システムの運用等に関する相談対応" in page
    assert "情報政策課（主担当）" in page
    # The plan ties no KPI to the item: its pillar's are shown, with charts, and said so.
    assert "取組方針の成果指標を表示しています" in page
    assert 'id="chart-1-2-small"' in page


def test_item_page_shows_only_the_items_own_kpis_when_it_has_some(client, item):
    from kpi.models import Kpi

    ItemKpi.objects.create(item=item, kpi=Kpi.objects.get(code="1-2"))
    page = client.get(ITEM).content.decode()
    assert 'id="chart-1-2-small"' in page and 'id="chart-1-1-small"' not in page


def test_unknown_item_is_404(client, item):
    assert client.get(PLAN + "pillars/1/items/99/").status_code == 404
    assert client.get(PLAN + "pillars/9/items/1/").status_code == 404


def _queries(client, url, django_assert_num_queries, n):
    with django_assert_num_queries(n):
        assert client.get(url).status_code == 200


def test_item_page_queries_are_fixed(client, editor, reviewer, item, django_assert_num_queries):
    """Plan+pillars 2, item+actions+departments+kpi links 4, scale 1, progress 1, KPIs 5
    (with their values, revisions, yearly targets and steps), commentary 1, data version 1
    (ETag), the years values run to 1 (the as-of choice): 16, however many years, KPIs and
    entries there are."""
    _queries(client, ITEM, django_assert_num_queries, 16)
    _approve(client, editor, reviewer)
    from django.core.management import call_command

    call_command("loaddata", "sample_values", verbosity=0)
    _queries(client, ITEM, django_assert_num_queries, 16)


def test_pillar_page_ratings_cost_two_queries(client, editor, reviewer, item):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def captured():
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PLAN + "pillars/1/").status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    before = captured()
    _approve(client, editor, reviewer)
    after = captured()
    assert len(after) == len(before)
    assert len([q for q in after if "narratives_" in q]) == 2  # the scale and the ratings


def test_the_entry_form_links_each_kpi_to_its_commentary(client, editor, item):
    client.force_login(editor)
    page = client.get(PLAN + "entry/2024/").content.decode()
    assert 'href="/plans/hokkaido-smart-docho-3/kpis/1-2/commentary/2024/"' in page
    assert 'href="/plans/hokkaido-smart-docho-3/entry/2024/narratives/"' in page


def test_the_entry_status_board_links_the_narratives_board(client, admin, item):
    client.force_login(admin)
    page = client.get(PLAN + "entry/2024/status/").content.decode()
    assert 'href="/plans/hokkaido-smart-docho-3/entry/2024/narratives/"' in page


def test_the_board_shows_each_state_with_links(client, editor, reviewer, admin, item):
    client.force_login(editor)
    client.post(PROGRESS, progress_post(action="submit"))
    client.post(PLAN + "pillars/1/items/2/progress/2024/", progress_post())  # a draft
    client.force_login(admin)
    response = client.get(BOARD)
    assert response.status_code == 200
    board = dict(response.context["board"])
    owning = next(d for d in board if d and d.name == "情報政策課")
    cells = dict(dict(board[owning])["items"])
    assert [e["label"] for e in cells["submitted"]] == ["1-(1) 情報システム診断・相談"]
    assert [e["label"] for e in cells["draft"]] == ["1-(2) パソコン管理の最適化"]
    from initiatives.models import InitiativeItem

    items = InitiativeItem.objects.filter(pillar__number__in=(1, 2)).count()
    assert len(cells["missing"]) == items - 2
    assert cells["submitted"][0]["url"] == PROGRESS
    kpi_cells = dict(dict(board[owning])["kpis"])
    assert any(e["label"].startswith("1-2 ") for e in kpi_cells["missing"])


def test_a_departments_staff_see_only_their_department_on_the_board(client, reviewer, item):
    client.force_login(reviewer)
    board = dict(client.get(BOARD).context["board"])
    assert [d.name for d in board] == ["情報政策課"]


def test_the_board_and_forms_need_a_role_and_a_department(client, viewer, item):
    assert client.get(BOARD).status_code == 302  # to the login page
    client.force_login(viewer)
    assert client.get(BOARD).status_code == 403
    assert client.get(PROGRESS).status_code == 403
    assert services.NOT_ALLOWED_ITEM  # the message the service gives a forged post


def test_an_approval_reaches_a_page_the_public_has_already_been_served(
    client, editor, reviewer, item
):
    first = client.get(ITEM)
    assert "承認された実績" not in first.content.decode()
    again = client.get(ITEM, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    _approve(client, editor, reviewer, done="承認された実績")
    after = client.get(ITEM, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and "承認された実績" in after.content.decode()


def test_staff_item_page_queries_are_fixed(client, editor, item):
    """The public's 16, plus the signed-in reader (session, user, groups, department): 19
    queries besides the session's own bookkeeping, with or without drafts and values."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(ITEM).status_code == 200
        sql = [q["sql"] for q in ctx.captured_queries]
        return len([q for q in sql if "django_session" not in q and "SAVEPOINT" not in q])

    client.force_login(editor)
    assert page_queries() == 19
    client.post(PROGRESS, progress_post())
    client.post(PLAN + "pillars/1/items/1/progress/2023/", progress_post())
    call_command("loaddata", "sample_values", verbosity=0)
    client.get(PROGRESS)  # shows (and so clears) the "saved" messages
    assert page_queries() == 19

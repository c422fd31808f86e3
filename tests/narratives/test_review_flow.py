"""The review flow through the pages: who may write, submit, approve and return, and the record."""

import pytest

from narratives import services
from narratives.models import InitiativeProgress, KpiCommentary

from .conftest import COMMENTARY, PROGRESS, progress_post

pytestmark = pytest.mark.django_db


def _entry():
    return InitiativeProgress.objects.get(item__pillar__number=1, item__number=1, fiscal_year=2024)


def _post(client, user, url=PROGRESS, **data):
    client.force_login(user)
    return client.post(url, data)


def _submitted(client, editor):
    assert _post(client, editor, **progress_post(action="submit")).status_code == 302
    return _entry()


def test_editor_writes_a_draft_then_submits_it(client, editor, item):
    assert _post(client, editor, **progress_post()).status_code == 302
    entry = _entry()
    assert (entry.state, entry.version, entry.budget, entry.updated_by) == (
        "draft",
        1,
        1200,
        editor,
    )
    response = _post(client, editor, **progress_post(version=1, action="submit"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.version, entry.submitted_by) == ("submitted", 2, editor)


def test_an_editor_cannot_approve_even_their_own_departments_entry(client, editor, item):
    entry = _submitted(client, editor)
    response = _post(client, editor, action="approve", version=entry.version)
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.state == "submitted"


def test_a_reviewer_of_another_department_cannot_approve_or_return(
    client, editor, other_reviewer, item
):
    entry = _submitted(client, editor)
    for action in ("approve", "return"):
        response = _post(client, other_reviewer, action=action, version=entry.version, comment="x")
        assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.state, entry.review_comment) == ("submitted", "")


def test_reviewer_of_the_lead_department_approves(client, editor, reviewer, item):
    entry = _submitted(client, editor)
    response = _post(client, reviewer, action="approve", version=entry.version)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.reviewed_by) == ("approved", reviewer)


def test_a_co_owning_departments_reviewer_does_not_review_the_lead_departments_item(
    client, editor, reviewer, other_editor, owned_items
):
    # Item 3-(1) is led by the other department and co-owned by the reviewer's.
    url = "/plans/hokkaido-smart-docho-3/pillars/3/items/1/progress/2024/"
    assert _post(client, editor, url, **progress_post(action="submit")).status_code == 302
    entry = InitiativeProgress.objects.get(item__pillar__number=3, item__number=1)
    assert _post(client, reviewer, url, action="approve", version=entry.version).status_code == 403


def test_an_admin_approves_any_department(client, editor, admin, item):
    entry = _submitted(client, editor)
    assert _post(client, admin, action="approve", version=entry.version).status_code == 302
    assert _entry().state == "approved"


def test_returned_entry_goes_back_to_draft_with_the_comment_kept(client, editor, reviewer, item):
    entry = _submitted(client, editor)
    comment = "成果を数値で示してください。"
    response = _post(client, reviewer, action="return", version=entry.version, comment=comment)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.review_comment, entry.board_column) == ("draft", comment, "returned")
    client.force_login(editor)
    page = client.get(PROGRESS)
    assert comment in page.content.decode()
    # The editor fixes it and resubmits; the comment stays until the reviewer decides again.
    fixed = progress_post(version=entry.version, action="submit", results="受講者が2割増えた。")
    assert _post(client, editor, **fixed).status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.results, entry.review_comment) == (
        "submitted",
        "受講者が2割増えた。",
        comment,
    )


def test_a_return_needs_a_comment(client, editor, reviewer, item):
    entry = _submitted(client, editor)
    response = _post(client, reviewer, action="return", version=entry.version, comment="  ")
    assert response.status_code == 400
    assert services.RETURN_NEEDS_COMMENT in response.content.decode()
    assert _entry().state == "submitted"


def test_a_submitted_entry_cannot_be_edited_until_withdrawn(client, editor, item):
    entry = _submitted(client, editor)
    response = _post(client, editor, **progress_post(version=entry.version, done="書き換え"))
    assert response.status_code == 400
    assert services.LOCKED_WHILE_SUBMITTED in response.content.decode()
    assert _entry().done == "研修を3回実施した。"
    assert _post(client, editor, action="withdraw", version=entry.version).status_code == 302
    assert _entry().state == "draft"


def test_a_reviewer_who_is_also_an_editor_does_not_approve_their_own_submission(
    client, reviewer, item
):
    from django.contrib.auth.models import Group

    from kpi import roles

    reviewer.groups.add(Group.objects.get(name=roles.EDITOR))
    entry = _submitted(client, reviewer)
    response = _post(client, reviewer, action="approve", version=entry.version)
    assert response.status_code == 403
    assert _entry().state == "submitted"


def test_submitting_needs_what_was_done_and_a_rating(client, editor, item):
    response = _post(client, editor, **progress_post(action="submit", rating=""))
    assert response.status_code == 400
    assert services.INCOMPLETE_PROGRESS in response.content.decode()
    assert not InitiativeProgress.objects.exists()


def test_a_stale_form_is_refused_with_who_changed_it_and_when(client, editor, item):
    from django.contrib.auth.models import Group

    from kpi import roles
    from tests.conftest import _user

    colleague = _user("colleague", roles.EDITOR, editor.staff_profile.department)
    colleague.groups.add(Group.objects.get(name=roles.EDITOR))
    assert _post(client, editor, **progress_post()).status_code == 302
    assert _post(client, colleague, **progress_post(version=1, done="同僚の版")).status_code == 302
    response = _post(client, editor, **progress_post(version=1, done="古い画面からの版"))
    assert response.status_code == 409
    body = response.content.decode()
    assert "colleague さん" in body and "変更しています" in body
    assert _entry().done == "同僚の版"


def test_a_stale_review_is_refused(client, editor, reviewer, admin, item):
    entry = _submitted(client, editor)
    assert (
        _post(client, admin, action="return", version=entry.version, comment="直して").status_code
        == 302
    )
    response = _post(client, reviewer, action="approve", version=entry.version)
    assert response.status_code == 409
    assert "kanri さん" in response.content.decode()
    assert _entry().state == "draft"


def test_history_shows_each_step_with_who_and_why(client, editor, reviewer, item):
    entry = _submitted(client, editor)
    _post(client, reviewer, action="return", version=entry.version, comment="数値を追記")
    _post(client, editor, **progress_post(version=entry.version + 1, action="submit"))
    _post(client, reviewer, action="approve", version=entry.version + 2)
    records = list(_entry().history.order_by("history_date", "history_id"))
    steps = [(r.history_change_reason, r.state, r.history_user.username) for r in records]
    assert steps == [
        ("新規作成（提出）", "submitted", "editor"),
        ("差し戻し: 数値を追記", "draft", "shonin"),
        ("提出", "submitted", "editor"),
        ("承認", "approved", "shonin"),
    ]
    client.force_login(reviewer)
    page = client.get(PROGRESS).content.decode()
    for reason, _state, user in steps:
        assert reason in page and user in page


def test_kpi_commentary_follows_the_same_flow(client, editor, reviewer, other_reviewer, item):
    data = {"version": 0, "reason": "相談窓口を周知した。", "next_actions": "継続する。"}
    assert _post(client, editor, COMMENTARY, **data, action="submit").status_code == 302
    commentary = KpiCommentary.objects.get(kpi__code="1-2", fiscal_year=2024)
    assert commentary.state == "submitted"
    denied = _post(client, other_reviewer, COMMENTARY, action="approve", version=commentary.version)
    assert denied.status_code == 403
    assert _post(client, editor, COMMENTARY, action="approve", version=2).status_code == 403
    ok = _post(client, reviewer, COMMENTARY, action="approve", version=commentary.version)
    assert ok.status_code == 302
    commentary.refresh_from_db()
    assert commentary.state == "approved"
    assert [r.history_change_reason for r in commentary.history.order_by("history_date")] == [
        "新規作成（提出）",
        "承認",
    ]


def test_editor_of_another_department_cannot_write_the_kpis_commentary(client, other_editor, item):
    data = {"version": 0, "reason": "x", "next_actions": "", "action": "save"}
    assert _post(client, other_editor, COMMENTARY, **data).status_code == 403
    assert not KpiCommentary.objects.exists()


@pytest.mark.parametrize(
    ("missing", "fields"),
    [
        ({"rating": ""}, ["rating"]),
        ({"done": ""}, ["done"]),
        ({"rating": "", "done": ""}, ["done", "rating"]),
    ],
)
def test_an_incomplete_submission_is_summed_up_with_links_to_the_missing_fields(
    client, editor, item, missing, fields
):
    import re

    response = _post(client, editor, **progress_post(action="submit", **missing))
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert sorted(re.findall(r'href="#id_(\w+)"', summary)) == fields
    assert services.INCOMPLETE_PROGRESS in summary
    assert not InitiativeProgress.objects.exists()


def test_a_commentary_submitted_without_its_analysis_links_to_it(client, editor, item):
    client.force_login(editor)
    response = client.post(
        COMMENTARY, {"version": 0, "reason": "", "next_actions": "続ける。", "action": "submit"}
    )
    assert response.status_code == 400
    summary = response.content.decode().split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#id_reason"' in summary and services.INCOMPLETE_COMMENTARY in summary
    assert not KpiCommentary.objects.exists()


def test_a_submitted_progress_shows_its_reviewer_the_actions_rating_and_amounts(
    client, editor, reviewer, item
):
    """What the reviewer approves is on the page: the actions ticked, the rating with its
    name, the amounts with separators."""
    action = item.actions.order_by("order").first()
    data = progress_post(action="submit", budget="1250", settled="1200")
    data["actions_carried_out"] = [str(action.order)]
    assert _post(client, editor, **data).status_code == 302
    client.force_login(reviewer)
    html = client.get(PROGRESS).content.decode()
    facts = html.split('<dl class="facts"', 1)[1].split("</dl>", 1)[0]
    assert action.text in facts
    assert "1,250 ／ 1,200" in facts
    assert "B おおむね計画どおり" in facts


def test_a_submission_lists_what_it_lacks_beside_other_errors_in_one_attempt(client, editor, item):
    import re

    response = _post(
        client, editor, **progress_post(action="submit", done="", rating="", budget="abc")
    )
    assert response.status_code == 400
    summary = response.content.decode().split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert sorted(re.findall(r'href="#id_(\w+)"', summary)) == ["budget", "done", "rating"]


def test_an_incomplete_submission_is_said_in_english_in_the_english_interface(client, editor, item):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _post(client, editor, **progress_post(action="submit", rating=""))
    html = response.content.decode()
    assert services.INCOMPLETE_PROGRESS not in html
    assert "To submit" in html


def test_a_return_without_a_comment_is_summed_up_with_a_link_to_the_comment(
    client, editor, reviewer, item
):
    import re

    entry = _submitted(client, editor)
    response = _post(client, reviewer, action="return", version=entry.version, comment="  ")
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'href="#id_(\w+)"', summary) == ["comment"]
    assert services.RETURN_NEEDS_COMMENT in summary
    assert 'id="id_comment-error"' in html
    assert _entry().state == "submitted"

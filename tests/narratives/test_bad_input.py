"""Bad input and forged posts: a 4xx with a message, and nothing written."""

import pytest
from django.db import IntegrityError, transaction

from kpi import forms as kpi_forms
from narratives import services
from narratives.models import TEXT_MAX, InitiativeProgress, ItemDepartment, KpiCommentary

from .conftest import COMMENTARY, PLAN, PROGRESS, progress_post

pytestmark = pytest.mark.django_db


def _refused(client, user, data, url=PROGRESS, status=400):
    client.force_login(user)
    response = client.post(url, data)
    assert response.status_code == status
    assert not InitiativeProgress.objects.exists()
    assert not KpiCommentary.objects.exists()
    return response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("done", "あ" * (TEXT_MAX + 1), f"{TEXT_MAX}文字"),
        ("results", "途中に\x00ヌル", kpi_forms.NULL_CHARACTER),
        ("issues", "<script>alert(1)</script>", kpi_forms.MARKUP),
        ("done", "実施\u202e済み", kpi_forms.BIDI_CHARACTER),
        ("results", "成果\u2067あり\u2069", kpi_forms.BIDI_CHARACTER),
        ("issues", "縦\x0bタブ", kpi_forms.CONTROL_CHARACTER),
        ("next_steps", "<a href='x'>リンク</a>", kpi_forms.MARKUP),
        ("budget", "-5", "0以上の整数"),
        ("budget", "−5", "0以上の整数"),
        ("budget", "12.5", "0以上の整数"),
        ("budget", "百万", "0以上の整数"),
        ("settled", "1e30", "0以上の整数"),
        ("settled", "٣", "0以上の整数"),
        ("budget", "१२००", "0以上の整数"),
        ("budget", "NaN", "0以上の整数"),
        ("rating", "Z", "Z"),
        ("actions_carried_out", "99", "99"),
        ("version", "-1", ""),
        ("version", "abc", ""),
    ],
)
def test_bad_progress_input_is_refused_and_nothing_is_written(
    client, editor, item, field, value, message
):
    body = _refused(client, editor, progress_post(**{field: value}))
    assert message in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reason", "あ" * (TEXT_MAX + 1), f"{TEXT_MAX}文字"),
        ("reason", "\x00", kpi_forms.NULL_CHARACTER),
        ("next_actions", "<img src=x onerror=alert(1)>", kpi_forms.MARKUP),
        ("reason", "要因\u202e分析", kpi_forms.BIDI_CHARACTER),
        ("next_actions", "改\x1b善", kpi_forms.CONTROL_CHARACTER),
    ],
)
def test_bad_commentary_input_is_refused(client, editor, item, field, value, message):
    data = {"version": 0, "reason": "要因", "next_actions": "", "action": "save", field: value}
    assert message in _refused(client, editor, data, url=COMMENTARY)


def test_full_width_amounts_are_read_as_typed(client, editor, item):
    client.force_login(editor)
    response = client.post(PROGRESS, progress_post(budget="１，２００", settled="1,150"))
    assert response.status_code == 302
    entry = InitiativeProgress.objects.get()
    assert (entry.budget, entry.settled) == (1200, 1150)


def test_an_unknown_action_is_refused(client, editor, item):
    assert services.UNKNOWN_ACTION in _refused(client, editor, progress_post(action="publish"))


def test_a_review_of_an_entry_that_does_not_exist_is_refused(client, reviewer, item):
    _refused(client, reviewer, {"action": "approve", "version": 1})


def test_a_year_outside_the_plan_is_404(client, editor, item):
    client.force_login(editor)
    url = PLAN + "pillars/1/items/1/progress/2030/"
    assert client.post(url, progress_post()).status_code == 404
    assert client.get(PLAN + "pillars/1/items/1/progress/xyz/").status_code == 404
    assert not InitiativeProgress.objects.exists()


def test_every_write_needs_login(client, item):
    for url in (PROGRESS, COMMENTARY):
        response = client.post(url, progress_post())
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not InitiativeProgress.objects.exists()


def test_every_write_needs_a_role(client, viewer, item):
    _refused(client, viewer, progress_post(), status=403)
    _refused(client, viewer, {"version": 0, "reason": "x", "action": "save"}, COMMENTARY, 403)


def test_every_write_needs_the_owning_department(client, other_editor, item):
    _refused(client, other_editor, progress_post(), status=403)


def test_an_editor_without_a_department_cannot_write(client, item):
    from kpi import roles
    from tests.conftest import _user

    _refused(client, _user("nodept", roles.EDITOR), progress_post(), status=403)


def test_an_item_without_departments_is_written_by_admins_only(client, editor, admin, item):
    ItemDepartment.objects.filter(item=item).delete()
    _refused(client, editor, progress_post(), status=403)
    client.force_login(admin)
    assert client.post(PROGRESS, progress_post()).status_code == 302


def test_the_service_refuses_whatever_the_form_let_through(editor, other_editor, item):
    data = services.ProgressInput(done="x", rating="B", budget=1)
    with pytest.raises(services.NotAllowed):
        services.progress_save(user=other_editor, item=item, fiscal_year=2024, data=data, version=0)
    with pytest.raises(services.Refused, match="期間外"):
        services.progress_save(user=editor, item=item, fiscal_year=2030, data=data, version=0)
    with pytest.raises(services.Refused, match="0以上の整数"):
        services.progress_save(
            user=editor,
            item=item,
            fiscal_year=2024,
            data=services.ProgressInput(budget=-1),
            version=0,
        )
    with pytest.raises(services.Refused, match="HTML"):
        services.progress_save(
            user=editor,
            item=item,
            fiscal_year=2024,
            data=services.ProgressInput(done="<b>太字</b>"),
            version=0,
        )
    assert not InitiativeProgress.objects.exists()


def test_the_database_refuses_a_second_lead_department(item, departments):
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemDepartment.objects.create(item=item, department=departments[1], is_lead=True)


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "published"},
        {"budget": -1},
        {"settled": -1},
        {"version": 0},
        {"fiscal_year": 1800},
    ],
)
def test_the_database_refuses_impossible_rows(item, fields):
    from django.utils import timezone

    row = {"item": item, "fiscal_year": 2024, "reviewed_at": timezone.now(), **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        InitiativeProgress.objects.create(**row)


def test_the_database_refuses_an_approved_entry_without_a_review_time(item):
    with pytest.raises(IntegrityError), transaction.atomic():
        InitiativeProgress.objects.create(item=item, fiscal_year=2024, state="approved")


def test_the_database_keeps_one_entry_per_item_and_year(item):
    InitiativeProgress.objects.create(item=item, fiscal_year=2024)
    with pytest.raises(IntegrityError), transaction.atomic():
        InitiativeProgress.objects.create(item=item, fiscal_year=2024)


def test_a_version_for_an_entry_never_saved_gets_a_plain_message(client, editor, item):
    from narratives import services as narrative_services

    client.force_login(editor)
    data = {"version": 1, "reason": "要因", "next_actions": "", "action": "submit"}
    response = client.post(COMMENTARY, data)
    assert response.status_code == 409
    body = response.content.decode()
    assert narrative_services.GONE in body
    assert "他の利用者 さん" not in body and "（現在の状態：削除）" not in body
    assert not KpiCommentary.objects.exists()

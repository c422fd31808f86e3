"""Notes render as text everywhere; login throttling; sessions; a login-required setting."""

import csv
import io

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kpi.models import KpiValue

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def scripted_note(sample_values):
    # Stored behind the form's back (an old import, the shell): it must still render as text.
    KpiValue.objects.filter(kpi__code="2-1", fiscal_year=2024).update(note=SCRIPT, source=SCRIPT)
    return KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024)


def _escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html


def test_notes_with_markup_render_as_text_on_pages(client, viewer, admin, editor, scripted_note):
    client.force_login(viewer)
    html = client.get(PLAN + "kpis/2-1/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    _escaped(html)
    client.force_login(editor)
    _escaped(client.get(PLAN + "entry/2024/").content.decode())
    client.force_login(admin)
    _escaped(
        client.get(reverse("admin:kpi_kpivalue_change", args=[scripted_note.pk])).content.decode()
    )
    _escaped(client.get(reverse("admin:kpi_kpivalue_changelist") + "?q=2-1").content.decode())


def test_notes_with_markup_are_plain_text_in_exports(client, viewer, scripted_note):
    client.force_login(viewer)
    rows = list(
        csv.reader(io.StringIO(client.get(PLAN + "export.csv").content.decode("utf-8-sig")))
    )
    notes = [r[21] for r in rows if r[1] == "2-1" and r[16] == "2024"]
    assert notes == [SCRIPT]  # a CSV cell is text; nothing in it is run
    response = client.get(PLAN + "export.json")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_login_throttling_locks_the_user_name_from_one_address_not_the_office(
    client, editor, viewer
):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "editor", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    locked = client.post(
        url, {"username": "editor", "password": "pw-editor"}, REMOTE_ADDR="10.0.0.5"
    )
    assert locked.status_code == 429
    assert "ログインを一時停止しています" in locked.content.decode()
    # A colleague behind the same proxy address still gets in.
    ok = client.post(url, {"username": "viewer", "password": "pw-viewer"}, REMOTE_ADDR="10.0.0.5")
    assert ok.status_code == 302
    # And the cool-off is finite.
    assert settings.AXES_COOLOFF_TIME.total_seconds() > 0


def test_wrong_password_says_so_in_japanese(client, editor):
    response = client.post(reverse("login"), {"username": "editor", "password": "nope"})
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません。" in response.content.decode()


def test_sessions_end_with_the_browser_and_after_inactivity():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 3600


def _session_row(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_in_use_has_its_idle_timeout_moved_on(client, editor):
    import datetime as dt

    from django.contrib.sessions.models import Session

    from smartdocho.middleware import SESSION_REFRESH_SECONDS, SlidingSessionMiddleware

    client.force_login(editor)
    client.get("/plans/")
    # As if the last request was two minutes ago, with the expiry it set then.
    session = client.session
    session[SlidingSessionMiddleware.KEY] = int(session[SlidingSessionMiddleware.KEY]) - 120
    session.save()
    earlier = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)
    Session.objects.filter(session_key=session.session_key).update(expire_date=earlier)
    assert 120 > SESSION_REFRESH_SECONDS
    client.get("/plans/")
    assert _session_row(client).expire_date > earlier + dt.timedelta(seconds=100)


def test_a_session_is_not_written_again_within_a_minute(client, editor):
    client.force_login(editor)
    client.get("/plans/")
    before = _session_row(client).expire_date
    client.get("/plans/")
    assert _session_row(client).expire_date == before


def test_an_idle_session_is_signed_out(client, editor):
    import datetime as dt

    from django.contrib.sessions.models import Session

    client.force_login(editor)
    client.get("/plans/")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert "editor さん" not in client.get("/plans/").content.decode()


def test_login_cookie_is_a_browser_session_cookie(client, editor):
    response = client.post(reverse("login"), {"username": "editor", "password": "pw-editor"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]


def test_logout_is_a_post(client, editor):
    client.force_login(editor)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 200
    assert client.get(PLAN + "entry/2024/").status_code == 302


def test_a_setting_can_require_login_for_everything(client, policy):
    middleware = [*settings.MIDDLEWARE]
    middleware.insert(
        middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    )
    with override_settings(MIDDLEWARE=middleware):
        assert client.get(PLAN).status_code == 302
        assert client.get(PLAN + "export.csv").status_code == 302
        assert client.get(reverse("login")).status_code == 200
        assert client.get("/healthz").status_code == 200

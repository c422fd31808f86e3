"""Deployment checklist, CSRF on every form, security headers on every page type, quiet errors."""

import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
PROD = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k" * 30 + "-production-secret-" + "z" * 20,
    "DJANGO_ALLOWED_HOSTS": "kpi.pref.example.lg.jp",
    "DATABASE_URL": "postgres://u:p@db.internal:5432/smartdocho",
}


def _manage(*args, env=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**clean, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deployment_checklist_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=PROD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_hsts_is_on():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT)"
    )
    result = _manage("shell", "-c", code, env=PROD)
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "True", "True", "True"], (
        result.stderr
    )


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


FORMS = [
    ("anonymous", "/accounts/login/", {"username": "editor", "password": "pw-editor"}),
    ("editor", "/accounts/logout/", {}),
    ("editor", PLAN + "entry/2024/", {"v-TOTAL_FORMS": "0"}),
    ("editor", PLAN + "entry/2024/upload/", {}),
    ("admin", PLAN + "entry/2024/reopen/2-1/", {"version": "1", "reason": "x"}),
    ("admin", PLAN + "kpis/3-1/revise/", {}),
    ("admin", PLAN + "reports/2025/publish/", {}),
    ("admin", "/manage/import-plan/", {}),
    ("admin", "/manage/staff/new/", {"username": "x"}),
    ("admin", "/manage/departments/new/", {"code": "x", "name": "x"}),
    ("admin", "/admin/kpi/unit/add/", {"code": "x"}),
]


@pytest.mark.parametrize(("role", "url", "data"), FORMS, ids=[f[1] for f in FORMS])
def test_every_form_refuses_a_post_without_its_csrf_token(
    csrf_client, request, sample_values, departments, role, url, data
):
    if role != "anonymous":
        csrf_client.force_login(request.getfixturevalue(role))
    response = csrf_client.post(url, data)
    assert response.status_code == 403
    assert "送信を受け付けられませんでした" in response.content.decode()


PAGES = [
    ("anonymous", PLAN),
    ("anonymous", PLAN + "pillars/1/"),
    ("anonymous", PLAN + "kpis/1-3/"),
    ("anonymous", PLAN + "about/"),
    ("anonymous", PLAN + "reports/2025/"),
    ("anonymous", PLAN + "export.csv"),
    ("anonymous", "/methodology/"),
    ("anonymous", "/plans/"),
    ("anonymous", "/accounts/login/"),
    ("anonymous", "/healthz"),
    ("anonymous", "/plans/nope/"),
    ("editor", PLAN + "entry/2024/"),
    ("editor", PLAN + "entry/2024/upload/"),
    ("admin", PLAN + "entry/2024/status/"),
    ("admin", "/manage/import-plan/"),
    ("admin", "/manage/staff/"),
    ("admin", "/manage/departments/new/"),
    ("admin", "/admin/"),
]


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[p[1] for p in PAGES])
def test_security_headers_on_every_page_type(
    client, request, sample_values, departments, role, url
):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
    )


def test_hsts_header_is_sent_over_https_when_configured(client, policy, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(PLAN, secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_not_found_page_is_japanese_and_shows_no_internals(client, policy):
    response = client.get("/plans/hokkaido-smart-docho-3/kpis/no-such-kpi/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in html
    assert "urlpatterns" not in html and "Traceback" not in html and "URLconf" not in html


def test_server_error_page_shows_no_detail(policy, monkeypatch):
    from pages import reports

    def explode(*args, **kwargs):
        raise RuntimeError("secret database detail")

    monkeypatch.setattr(reports, "build_report", explode)
    client = Client(raise_request_exception=False)
    response = client.get(PLAN + "reports/2025/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "エラーが発生しました" in html
    assert (
        "secret database detail" not in html
        and "Traceback" not in html
        and "RuntimeError" not in html
    )

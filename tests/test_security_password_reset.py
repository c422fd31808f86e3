"""Password reset is off by default (404, no mail) and throttled when a setting turns it on."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import override_settings

from tests.test_settings import _start

pytestmark = pytest.mark.django_db

URLS = [
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/set-password/",
    "/accounts/reset/done/",
]
THROTTLED = "パスワード再設定の申し込みを受け付けられません"


@pytest.fixture
def with_email(editor):
    editor.email = "editor@pref.example.jp"
    editor.save()
    return editor


@pytest.mark.parametrize("url", URLS)
def test_password_reset_pages_answer_404_by_default(client, with_email, url):
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": with_email.email}).status_code == 404
    assert mail.outbox == []


@override_settings(PASSWORD_RESET_ENABLED=True)
def test_when_enabled_the_reset_mail_is_sent_and_its_link_works(client, with_email):
    assert client.get(URLS[0]).status_code == 200
    response = client.post(URLS[0], {"email": with_email.email}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [with_email.email]
    link = re.search(r"/accounts/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    assert client.get(link).status_code == 302  # on to the set-password form


@override_settings(PASSWORD_RESET_ENABLED=True, PASSWORD_RESET_LIMIT_PER_ADDRESS=5)
def test_when_enabled_one_address_is_throttled_across_e_mail_addresses(client, with_email):
    for i in range(5):
        response = client.post(URLS[0], {"email": f"x{i}@example.jp"}, REMOTE_ADDR="192.0.2.1")
        assert response.status_code == 302
    refused = client.post(URLS[0], {"email": with_email.email}, REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429
    assert THROTTLED in refused.content.decode()
    assert mail.outbox == []
    # Another address is not held back.
    ok = client.post(URLS[0], {"email": with_email.email}, REMOTE_ADDR="192.0.2.2")
    assert ok.status_code == 302 and len(mail.outbox) == 1


@override_settings(PASSWORD_RESET_ENABLED=True, PASSWORD_RESET_LIMIT_PER_EMAIL=3)
def test_when_enabled_one_e_mail_address_is_throttled_across_client_addresses(client, with_email):
    for i in range(3):
        address = f"192.0.2.{10 + i}"
        response = client.post(URLS[0], {"email": with_email.email.upper()}, REMOTE_ADDR=address)
        assert response.status_code == 302
    refused = client.post(URLS[0], {"email": with_email.email}, REMOTE_ADDR="192.0.2.99")
    assert refused.status_code == 429
    assert len(mail.outbox) == 3


@override_settings(PASSWORD_RESET_ENABLED=True, TRUSTED_PROXY_COUNT=0)
def test_the_reset_throttle_ignores_a_forged_forwarded_header(client, with_email, settings):
    for i in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS):
        client.post(
            URLS[0],
            {"email": f"y{i}@example.jp"},
            REMOTE_ADDR="192.0.2.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
    refused = client.post(
        URLS[0],
        {"email": "z@example.jp"},
        REMOTE_ADDR="192.0.2.1",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert refused.status_code == 429


def test_production_with_reset_on_and_no_mail_server_refuses_to_start():
    production = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "kpi.example.jp",
        "DJANGO_PASSWORD_RESET": "true",
    }
    result = _start(production)
    assert result.returncode != 0 and "DJANGO_EMAIL_HOST" in result.stderr
    assert _start({**production, "DJANGO_EMAIL_HOST": "mail.example.jp"}).returncode == 0


def test_nonsensical_proxy_and_throttle_settings_stop_the_start():
    assert _start({"DJANGO_TRUSTED_PROXY_COUNT": "-1"}).returncode != 0
    assert _start({"DJANGO_TRUSTED_PROXY_COUNT": "one"}).returncode != 0
    assert _start({"DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT": "2"}).returncode != 0
    assert _start({"DJANGO_PASSWORD_RESET": "maybe"}).returncode != 0
    assert _start({"DJANGO_TRUSTED_PROXY_COUNT": "1"}).returncode == 0

"""Login throttling sees the client's address behind trusted proxies, and limits one address.

django-axes locks a user name from one address (AXES_FAILURE_LIMIT) and, through
smartdocho/login_throttle.py, one address across all user names (LOGIN_ADDRESS_FAILURE_LIMIT).
The address is REMOTE_ADDR, or with DJANGO_TRUSTED_PROXY_COUNT=N the N-th X-Forwarded-For entry
from the right (smartdocho/client_ip.py).
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from smartdocho.client_ip import client_ip

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
LOCKED = "ログインを一時停止しています"


def _login(client, username, password, **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def _ip(remote, forwarded=None, proxies=0):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        return client_ip(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        (PROXY, None, 0, PROXY),
        (PROXY, "203.0.113.7", 0, PROXY),  # no trusted proxy: the header is ignored
        (PROXY, "1.1.1.1, 203.0.113.7", 0, PROXY),
        (PROXY, "203.0.113.7", 1, "203.0.113.7"),
        (PROXY, "6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),  # the client's own entry is ignored
        (PROXY, " 6.6.6.6 ,203.0.113.7 ", 1, "203.0.113.7"),
        (PROXY, "6.6.6.6, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
        (PROXY, "203.0.113.7", 2, PROXY),  # fewer entries than proxies: not through them
        (PROXY, "", 1, PROXY),
        (PROXY, "not-an-address", 1, PROXY),
        (PROXY, "203.0.113.7<script>", 1, PROXY),
        (PROXY, "2001:DB8::1", 1, "2001:db8::1"),
        ("::1", None, 0, "::1"),
        ("garbage", None, 0, None),
    ],
)
def test_client_address_is_read_through_the_configured_number_of_proxies(
    remote, forwarded, proxies, expected
):
    assert _ip(remote, forwarded, proxies) == expected


def test_a_forged_forwarded_header_without_trusted_proxies_does_not_change_the_address(
    client, editor
):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "editor", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
    locked = _login(
        client, "editor", "pw-editor", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.99"
    )
    assert locked.status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_client_address_is_throttled_not_the_proxy(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "editor", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    locked = _login(
        client, "editor", "pw-editor", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert locked.status_code == 429
    # The same person from another desk behind the same proxy still gets in.
    ok = _login(
        client, "editor", "pw-editor", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8"
    )
    assert ok.status_code == 302


def test_failures_across_many_user_names_from_one_address_are_throttled(client, editor, admin):
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit <= 20
    for i in range(20):
        response = _login(client, f"guess{i}", "wrong", REMOTE_ADDR="198.51.100.5")
        assert response.status_code in (200, 429)
    # Now even a right password from that address waits for the cool-off...
    locked = _login(client, "kanri", "pw-kanri", REMOTE_ADDR="198.51.100.5")
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    # ...while the admin signs in from any other address.
    ok = _login(client, "kanri", "pw-kanri", REMOTE_ADDR="198.51.100.6")
    assert ok.status_code == 302


def test_fewer_failures_across_user_names_than_the_address_limit_lock_no_one(client, editor):
    for i in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        _login(client, f"typo{i}", "wrong", REMOTE_ADDR="198.51.100.5")
    assert _login(client, "editor", "pw-editor", REMOTE_ADDR="198.51.100.5").status_code == 302


def test_locking_out_admin_from_one_address_does_not_lock_admin_out_elsewhere(client, admin):
    for _ in range(settings.AXES_FAILURE_LIMIT + 3):
        _login(client, "kanri", "wrong", REMOTE_ADDR="198.51.100.66")
    assert _login(client, "kanri", "pw-kanri", REMOTE_ADDR="198.51.100.66").status_code == 429
    assert _login(client, "kanri", "pw-kanri", REMOTE_ADDR="192.0.2.10").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_an_attacker_forging_the_header_behind_the_proxy_locks_only_their_own_address(
    client, admin
):
    # The proxy appends the real client address; whatever the attacker wrote stays on the left.
    for _ in range(settings.AXES_FAILURE_LIMIT + 3):
        _login(
            client,
            "kanri",
            "wrong",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="192.0.2.10, 198.51.100.66",
        )
    ok = _login(client, "kanri", "pw-kanri", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert ok.status_code == 302

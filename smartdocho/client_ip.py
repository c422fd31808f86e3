"""The client's address, as far as the configured proxies can vouch for it.

Behind N trusted proxies (DJANGO_TRUSTED_PROXY_COUNT), each proxy appends the address it saw to
X-Forwarded-For, so the N-th entry from the right is the address the outermost trusted proxy
saw: the client. Entries further left were written by the client itself and prove nothing.
With no trusted proxy (the default) the header is ignored and REMOTE_ADDR is the address, so a
forged header cannot make login throttling blame someone else (or no one).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's IP address (normalised text), or None when the connection has none.

    Used by django-axes (AXES_CLIENT_IP_CALLABLE) and the password-reset throttle. A header
    with fewer entries than trusted proxies, or an entry that is not an IP address, falls back
    to REMOTE_ADDR: such a request did not come through the proxies as configured.
    """
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < count:
        return remote
    return _valid(forwarded[-count]) or remote

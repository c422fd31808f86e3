"""Password reset by e-mail: off unless DJANGO_PASSWORD_RESET=true, and throttled when on.

A closed government network often has no mail server; a reset page that is reachable there
tries SMTP on localhost and lets anyone make the server send mail. Off, every reset address
answers 404 and admins set passwords in the admin site. On, the request form is limited per
client address and per e-mail address within PASSWORD_RESET_WINDOW_SECONDS (counters in
Django's cache: per process with the default local-memory cache, shared with Redis), and the
mail goes through the EMAIL_* settings.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from .client_ip import client_ip


def enabled_only(view):
    """404 for the wrapped view unless PASSWORD_RESET_ENABLED (read on every request)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not settings.PASSWORD_RESET_ENABLED:
            raise Http404(
                _("パスワードの再設定はこのサイトでは使えません。管理者に連絡してください。")
            )
        return view(request, *args, **kwargs)

    return login_not_required(guarded)


def _count(kind: str, value: str) -> int:
    """Add one to the counter of `kind`/`value` in the current window and return it."""
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    key = f"smartdocho:pwreset:{kind}:{digest}"
    cache.add(key, 0, settings.PASSWORD_RESET_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.PASSWORD_RESET_WINDOW_SECONDS)
        return 1


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    def post(self, request, *args, **kwargs):
        address = client_ip(request) or "unknown"
        email = request.POST.get("email", "").strip().lower()[:254]
        over = _count("ip", address) > settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
        if email:
            over = _count("email", email) > settings.PASSWORD_RESET_LIMIT_PER_EMAIL or over
        if over:
            return render(
                request,
                "registration/password_reset_throttled.html",
                {"minutes": settings.PASSWORD_RESET_WINDOW_SECONDS // 60},
                status=429,
            )
        return super().post(request, *args, **kwargs)


password_reset = enabled_only(ThrottledPasswordResetView.as_view())
password_reset_done = enabled_only(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = enabled_only(auth_views.PasswordResetConfirmView.as_view())
password_reset_complete = enabled_only(auth_views.PasswordResetCompleteView.as_view())

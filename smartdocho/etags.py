"""Cheap ETags for the read pages, so that a repeat visit is answered 304 before any rendering.

The tag combines the data version (a counter bumped whenever any plan, KPI, value, target or
report is saved or deleted: one tiny query), the deployment (a digest of the templates and
static files, the same in every process of one deploy), the reader (anonymous or which user:
pages differ by role and show the user's name), the language, and the full address.
"""

from __future__ import annotations

import hashlib
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import condition


def _deployment_digest() -> str:
    digest = hashlib.sha256()
    for folder in (
        settings.BASE_DIR / "templates",
        settings.BASE_DIR / "static",
        settings.BASE_DIR / "locale",
    ):
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and path.suffix in {".html", ".css", ".js", ".mo"}:
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


DEPLOYMENT = _deployment_digest()
TRACKED_APPS = {"initiatives", "kpi"}
PAGE_SECONDS = 600


def data_version() -> int:
    from .models import DataVersion

    row = DataVersion.objects.filter(pk=1).values_list("counter", flat=True).first()
    return row or 0


def bump() -> None:
    from django.db.models import F

    from .models import DataVersion

    if not DataVersion.objects.filter(pk=1).update(counter=F("counter") + 1):
        DataVersion.objects.get_or_create(pk=1, defaults={"counter": 1})


def lock_data_version() -> None:
    """Lock the data-version row for the rest of the current transaction (PostgreSQL).

    The lock order of every write is: this row first, then the rows it changes. A service that
    locks rows itself (`select_for_update`) calls this before, inside its transaction; the
    signal below bumps the counter *before* each tracked save or delete, so a plain `save()`
    takes the same row first as well. Two transactions that took the rows in the other order
    (value rows, then the counter) deadlocked in 34 of 40 rounds (issue 10).
    """
    from .models import DataVersion

    DataVersion.objects.select_for_update().get_or_create(pk=1, defaults={"counter": 0})


# pre_ rather than post_: the counter's row is locked before the row being written (see
# lock_data_version). The new counter becomes visible at commit, together with the change.
@receiver(pre_save)
@receiver(pre_delete)
def _changed(sender, **kwargs) -> None:
    if sender._meta.app_label in TRACKED_APPS and sender.__name__ != "DataVersion":
        bump()


def page_etag(request, *args, **kwargs) -> str | None:
    """The ETag of a read page, or None (no conditional answer) while messages are pending."""
    if hasattr(request, "_page_etag"):
        return request._page_etag
    request._page_etag = _compute_etag(request)
    return request._page_etag


def _compute_etag(request) -> str | None:
    if len(messages.get_messages(request)):
        return None
    user = request.user
    reader = f"u{user.pk}" if user.is_authenticated else "anon"
    key = "|".join(
        [DEPLOYMENT, str(data_version()), reader, get_language() or "", request.get_full_path()]
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def public_page(view):
    """ETag and 304 for everyone; for anonymous readers, the rendered page is also kept.

    The public pages are the same for every anonymous reader (they carry no CSRF token and no
    name), so a page rendered once is served again until the data version, the deployment, the
    language or the address changes. Each process keeps its own copy: none needs another's.
    """

    @wraps(view)
    def serve(request, *args, **kwargs):
        etag = page_etag(request)
        if etag is None or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = f"smartdocho:page:{etag}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type, extra = hit
            response = HttpResponse(content, content_type=content_type)
            for name, value in extra:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            extra = [(k, v) for k, v in response.items() if k == "Content-Disposition"]
            cache.set(key, (response.content, response["Content-Type"], extra), PAGE_SECONDS)
        return response

    return condition(etag_func=page_etag)(serve)

"""Cheap ETags for the read pages, so that a repeat visit is answered 304 before any rendering.

The tag combines the data version (a counter bumped whenever any plan, KPI, value, target or
report is saved or deleted: one tiny query), the deployment (a digest of the templates and
static files, the same in every process of one deploy), the reader (anonymous or which user:
pages differ by role and show the user's name), the language, and the full address.
"""

from __future__ import annotations

import hashlib
import re
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string
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
    """A weak ETag (W/"…"): the page is the same whether sent plain or gzip-encoded, and a 304
    repeats the tag the 200 carried in either encoding."""
    if len(messages.get_messages(request)):
        return None
    user = request.user
    # The reader's class too: roles or a department changed where the data version does not
    # move (the Django admin's user page) change what the page shows, so its tag changes.
    reader = f"u{user.pk}-{reader_class(user)}" if user.is_authenticated else "anon"
    path = request.get_full_path()
    return weak(_etag(_request_version(request), reader, get_language() or "", path))


def weak(tag: str) -> str:
    """The ETag header value of a weak tag: W/"tag"."""
    return f'W/"{tag}"'


def _etag(version: int, reader: str, language: str, full_path: str) -> str:
    key = "|".join([DEPLOYMENT, str(version), reader, language, full_path])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def early_not_modified(request, language: str) -> str | None:
    """The ETag an anonymous reader's If-None-Match names when it is the current one of this
    address (public_page gave it, and nothing changed since), else None: the 304 can then be
    answered before the session, CSRF, CSP, axes and history middleware (issue 15).

    Only for a request that cannot be a signed-in reader's nor carry messages (no session and
    no messages cookie), and never where the site requires a login. One query: the version.
    """
    if request.method not in ("GET", "HEAD") or settings.REQUIRE_LOGIN:
        return None
    given = request.META.get("HTTP_IF_NONE_MATCH", "")
    if not given or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if "messages" in request.COOKIES:
        return None
    etag = _etag(data_version(), "anon", language, request.get_full_path())
    tags = {t.strip().removeprefix("W/").strip('"') for t in given.split(",")}
    return etag if etag in tags else None


def _request_version(request) -> int:
    """The data version, read once per request: the ETag and the kept copy's key agree."""
    if not hasattr(request, "_data_version"):
        request._data_version = data_version()
    return request._data_version


# The reader's name in the header of a page kept for many readers: each answer puts its own
# reader's name there (templates/base.html writes this marker when `shared_render` is set).
READER_MARKER = "<!--smartdocho:reader-->"
_CSRF_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def reader_class(user) -> str:
    """What a page may show differently to `user`, as a key: "anon", or the facts every
    permission rule reads (kpi/permissions.py: site administrator, staff flag, roles, the
    organization and department of the staff profile). Readers of one class are shown the same
    page but for their name and CSRF token, which serve() puts in per answer.

    Computed afresh for every request: a role taken away counts at once.
    """
    if not user.is_authenticated:
        return "anon"
    from kpi import permissions

    facts = (
        user.is_superuser,
        user.is_staff,
        sorted(permissions._groups(user)),
        permissions.organization_id(user),
        permissions.department_id(user),
    )
    return "c" + hashlib.sha256(repr(facts).encode()).hexdigest()[:16]


def _shared_key(request, per_reader: bool) -> str:
    user = request.user
    reader = f"u{user.pk}" if per_reader and user.is_authenticated else reader_class(user)
    key = "|".join(
        [DEPLOYMENT, str(_request_version(request)), reader, get_language() or "",
         request.get_full_path()]
    )  # fmt: skip
    return "smartdocho:page:" + hashlib.sha256(key.encode()).hexdigest()[:40]


def _for_this_reader(request, content: bytes, content_type: str) -> bytes:
    """A kept HTML page made this request's: its reader's name and CSRF token put in. Other
    content (CSV, XLSX, JSON exports) holds neither and is returned as it is."""
    if not request.user.is_authenticated or not content_type.startswith("text/html"):
        return content
    from django.middleware.csrf import get_token
    from django.template.loader import render_to_string

    text = content.decode("utf-8")
    name = render_to_string("includes/reader_name.html", {"user": request.user})
    text = text.replace(READER_MARKER, name.strip())
    if "csrfmiddlewaretoken" in text:
        token = get_token(request)
        text = _CSRF_FIELD.sub(lambda m: m.group(1) + token + m.group(2), text)
    return text.encode("utf-8")


# Text worth compressing; XLSX and DOCX are zip files already.
COMPRESSIBLE = ("text/html", "text/csv", "application/json")
MIN_COMPRESSED_BYTES = 1024


def _packed(request, content: bytes, content_type: str) -> bytes | None:
    """The anonymous page gzip-compressed once, when it is kept, or None. Only anonymous
    readers' pages: they hold no secret (no CSRF token, no name), so compression cannot leak one
    (BREACH); signed-in pages are sent as they are."""
    if request.user.is_authenticated or len(content) < MIN_COMPRESSED_BYTES:
        return None
    if not content_type.startswith(COMPRESSIBLE):
        return None
    return compress_string(content)


def _compressed(request, response: HttpResponse, packed: bytes | None):
    """The response gzip-encoded from its kept compressed copy when the reader accepts it
    (weak ETag: the same page, another encoding). A 428 KB report is 40 KB over the wire."""
    if request.user.is_authenticated:
        return response
    patch_vary_headers(response, ("Accept-Encoding",))
    if packed is None or not accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        return response
    response.content = packed  # compressed with Django's compress_string, as GZipMiddleware
    response["Content-Encoding"] = "gzip"
    return response


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header (RFC 9110 §12.5.3) accepts gzip: named with a q above
    0 (names in any case), or "*" above 0 when gzip is not named. Django's GZipMiddleware only
    looks for the word, so "gzip;q=0" (refused) was answered gzip."""
    named = star = None
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        name = name.strip().lower()
        if name in ("gzip", "x-gzip"):
            named = q > 0 if named is None else named or q > 0
        elif name == "*":
            star = q > 0
    return named if named is not None else bool(star)


def public_page(view=None, *, per_reader: bool = False):
    """ETag and 304 for everyone, and one rendered copy of the page for every reader of a class.

    Issue 15: what a page shows depends on the data version, the deployment, the language, the
    address and the reader's class (reader_class: anonymous, or the roles, organization and
    department that every permission rule reads), never on who else reads it. So a page is
    rendered once per such key, kept in the shared cache (Redis with DJANGO_CACHE_URL, so that
    every app server uses one copy) and served again to every reader of that class until the
    data version changes; only the reader's name and CSRF token are put in per answer.
    `per_reader=True` keeps one copy per signed-in user, for pages whose content depends on who
    the reader is (their own submissions). Pending messages, cookies set by the view and
    non-200 answers are never kept.
    """
    if view is None:
        return lambda v: public_page(v, per_reader=per_reader)

    @wraps(view)
    def serve(request, *args, **kwargs):
        etag = page_etag(request)
        if etag is None:
            return view(request, *args, **kwargs)
        key = _shared_key(request, per_reader)
        hit = cache.get(key)
        if hit is not None:
            content, content_type, extra, packed = hit
            response = HttpResponse(
                _for_this_reader(request, content, content_type), content_type=content_type
            )
            for name, value in extra:
                response[name] = value
            return _compressed(request, response, packed)
        request.shared_render = True
        response = view(request, *args, **kwargs)
        if response.streaming:
            return response
        packed = None
        if response.status_code == 200 and not response.cookies:
            extra = [(k, v) for k, v in response.items() if k == "Content-Disposition"]
            content_type = response["Content-Type"]
            packed = _packed(request, response.content, content_type)
            kept = (response.content, content_type, extra, packed)
            cache.set(key, kept, PAGE_SECONDS)
        content_type = response.get("Content-Type", "")
        response.content = _for_this_reader(request, response.content, content_type)
        return _compressed(request, response, packed)

    conditional = condition(etag_func=page_etag)(serve)

    @wraps(view)
    def answer(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        # condition() tags every answer; a refusal (400 for a bad query, 404) is no version of
        # the page, and a tag on it would let a later If-None-Match be answered 304 for it.
        if response.status_code >= 400 and response.has_header("ETag"):
            del response["ETag"]
        return response

    return answer

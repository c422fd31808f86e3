"""Middleware of the whole site: the interface language (Japanese unless the reader chose
English with the language switch; Django's LocaleMiddleware would also follow the browser's
Accept-Language, and a prefectural system is Japanese by default), private caching for signed-in
readers, and the refusal of addresses no page can mean (a NUL character).
"""

from __future__ import annotations

from urllib.parse import unquote

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = self.language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response

    def language(self, request) -> str:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        return chosen if chosen in self.supported else settings.LANGUAGE_CODE


class EarlyNotModifiedMiddleware(ChosenLanguageMiddleware):
    """An anonymous repeat visit answered 304 right after the static files (issue 15): what
    public_page would answer after every other middleware and the view's lookups, with the same
    ETag, Content-Language and Vary (smartdocho/etags.early_not_modified says when it is safe).
    Anything else passes on unchanged."""

    def __call__(self, request):
        from django.http import HttpResponseNotModified

        from .etags import early_not_modified, weak

        language = self.language(request)
        etag = early_not_modified(request, language)
        if etag is None:
            return self.get_response(request)
        response = HttpResponseNotModified()
        response["ETag"] = weak(etag)
        response["Content-Language"] = language
        # The same Vary as the page's 200 (public_page sends anonymous pages gzip-encoded).
        patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
        return response


class RefuseNulMiddleware:
    """A 400 for an address whose path or query holds a NUL character (%00).

    No page means one, and PostgreSQL refuses a string holding one with an error, so every view
    that looks a path part or a query value up (a KPI code, an organization, a search) would
    answer 500. Form fields already refuse it (Django's ProhibitNullCharactersValidator).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(query):
            from .views import bad_request

            return bad_request(request, _("アドレスに使えない文字（NUL）が含まれています。"))
        return self.get_response(request)


class PrivateForSignedInMiddleware:
    """Every answer to a signed-in user is `Cache-Control: private, no-store`.

    Signed-in readers see preliminary values, history, entry forms and names that the public
    pages do not show; no browser cache on a shared office computer or proxy may keep them.
    Anonymous public pages keep their ETag and caching (smartdocho/etags.py), and static files
    are answered by WhiteNoise before this middleware runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True, max_age=0)
            for directive in ("s-maxage", "public"):
                _drop_directive(response, directive)
        return response


def _drop_directive(response, name: str) -> None:
    parts = [p.strip() for p in response.get("Cache-Control", "").split(",") if p.strip()]
    kept = [p for p in parts if p.split("=")[0].strip().lower() != name]
    if kept != parts:
        response["Cache-Control"] = ", ".join(kept)


class ExplainedMethodNotAllowedMiddleware:
    """A 405 (a link followed to an address that only takes a form's POST, say) answered with
    a page that says so, not Django's empty body; the Allow header is kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and request.method != "HEAD":
            from django.shortcuts import render

            page = render(
                request,
                "400.html",
                {
                    "heading": _("この操作はリンクからは行えません"),
                    "message": _("このアドレスは、画面のボタンから送る操作だけを受け付けます。"),
                },
                status=405,
            )
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response


# How often a signed-in reader's session is written back to slide its idle timeout. Writing it
# on every request (SESSION_SAVE_EVERY_REQUEST) cost an UPDATE and a commit per page, about a
# sixth of a page served from a kept copy (issue 15); a minute is well inside a 30-minute timeout.
SESSION_REFRESH_SECONDS = 60


class SlidingSessionMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE) counted from the reader's last request, to within
    SESSION_REFRESH_SECONDS: a session in use is saved again (moving its expiry on) when its
    last save is older than that. Sessions that hold nothing (anonymous readers) are never
    written. Goes right after SessionMiddleware, which does the saving."""

    KEY = "_smartdocho_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.is_empty():
            return response
        now = int(time.time())
        if now - int(session.get(self.KEY, 0)) >= SESSION_REFRESH_SECONDS:
            session[self.KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return response

"""Site-wide views: the front door and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from initiatives.models import Organization, Plan


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The front door: a member of staff's own organization's current plan; otherwise the
    default organization's (settings.DEFAULT_ORGANIZATION, or the only one); otherwise, with
    several organizations, their list. 404 while no plan is loaded anywhere."""
    profile = (
        getattr(request.user, "staff_profile", None) if request.user.is_authenticated else None
    )
    organization = (profile.organization if profile else None) or Organization.objects.default()
    if organization is not None:
        plan = Plan.objects.current(organization=organization)
        if plan is not None:
            return redirect(plan)
    if not Plan.objects.exists():
        raise Http404(_("方針がまだ登録されていません。管理者が方針を読み込んでください。"))
    if organization is not None:
        return redirect(organization)
    return redirect("organization_list")


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """A 400 page that tells the reader, in Japanese, what was wrong with the request."""
    return render(request, "400.html", {"message": message}, status=400)


@require_safe
def switch_language(request: HttpRequest, code: str) -> HttpResponse:
    """Choose the interface language: a preference kept in a cookie, then back to the page.

    A plain link rather than a form, so that public pages carry no CSRF token and can be
    served to every anonymous reader from one rendered copy.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404(_("この言語には対応していません。"))
    target = request.GET.get("next", "/")
    # Only a path of this site: not another host, and not a bare word, which redirect() would
    # try to reverse as a view name.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response

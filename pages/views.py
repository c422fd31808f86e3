"""Pages of a plan that combine its structure with its KPIs: overview, pillar, and plan import."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_tables2 import RequestConfig

from initiatives import plan_reader
from initiatives.models import InitiativeItem, Organization, Pillar, Plan
from kpi import plan_io, plan_organizations, plan_xlsx
from kpi.evaluation import AsOfError, assess, resolve_as_of, status_counts
from kpi.figures import kpi_block
from kpi.models import Kpi
from kpi.permissions import is_admin_anywhere, is_site_admin, organization_id, sees_preliminary
from kpi.tables import KpiProgressTable
from smartdocho.display import fy_text
from smartdocho.etags import public_page
from smartdocho.views import bad_request


def _get_plan(slug: str) -> Plan:
    return get_object_or_404(Plan.objects.with_nav(), slug=slug)


def _kpi_rows(request: HttpRequest, plan: Plan, kpis: list[Kpi], caption: str) -> dict:
    """The context every page with a KPI table needs: as-of year, assessments, sample flag."""
    as_of = resolve_as_of(plan, request.GET.get("as_of"))
    assessments = assess(kpis, plan, as_of, final_only=not sees_preliminary(request.user, plan))
    rows = [assessments[k.id] for k in kpis]
    table = KpiProgressTable(
        rows, caption=_("%(caption)s（%(fy)s時点）") % {"caption": caption, "fy": fy_text(as_of)}
    )
    RequestConfig(request, paginate=False).configure(table)
    return {
        "as_of": as_of,
        "rows": rows,
        "table": table,
        "shows_sample": any(v.is_sample for k in kpis for v in k.values.all()),
    }


@require_safe
@public_page
def plan_overview(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _get_plan(slug)
    pillars = list(plan.pillars.all())  # prefetched with the plan
    kpis = list(Kpi.objects.for_display().filter(plan=plan))
    try:
        context = _kpi_rows(request, plan, kpis, _("すべての成果指標"))
    except AsOfError as err:
        return bad_request(request, str(err))
    by_pillar: dict[int, list] = {p.id: [] for p in pillars}
    for row in context["rows"]:
        by_pillar[row.kpi.pillar_id].append(row)
    context.update(
        plan=plan,
        nav="overview",
        pillar_summaries=[(p, status_counts(by_pillar[p.id], plan)) for p in pillars],
        vision=plan.sections.filter(kind="vision").first(),
    )
    return render(request, "initiatives/plan_overview.html", context)


@require_safe
@public_page
def pillar_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    plan = _get_plan(slug)
    pillar = get_object_or_404(
        Pillar.objects.prefetch_related(
            "directions",
            "milestones",
            Prefetch("items", queryset=InitiativeItem.objects.prefetch_related("actions")),
        ),
        plan=plan,
        number=number,
    )
    kpis = list(Kpi.objects.for_display().filter(pillar=pillar))
    try:
        caption = _("取組方針%(number)sの成果指標") % {"number": pillar.number}
        context = _kpi_rows(request, plan, kpis, caption)
    except AsOfError as err:
        return bad_request(request, str(err))
    small_charts = [kpi_block(row, small=True) for row in context["rows"] if not row.kpi.parent_id]
    context.update(plan=plan, pillar=pillar, nav="pillar", small_charts=small_charts)
    return render(request, "initiatives/pillar_detail.html", context)


IMPORT_SESSION_KEY = "smartdocho_plan_import"
MAX_PLAN_BYTES = plan_reader.MAX_BYTES
# Measured: checking an object costs about 16 ms on a busy 2-core machine (some eight queries),
# and the page checks a file twice (dry run, then confirm), so 1,000 objects stay inside
# gunicorn's 30 s timeout. A plan has a few hundred; larger files go through the command.
MAX_PLAN_RECORDS = 1000


def _file_problem(message: str) -> list[plan_io.Problem]:
    return [plan_io.Problem(None, "", "", "", message)]


def _pending_content(request: HttpRequest) -> tuple[str, bytes] | str:
    """The checked file kept in the session for the confirm step, or why there is none.

    The confirm form carries the digest of the file it was shown for: a file checked since in
    another tab, or a session payload that is not what this view wrote, is refused.
    """
    pending = request.session.pop(IMPORT_SESSION_KEY, None)
    if not isinstance(pending, dict):
        return _("確認する取り込みがありません。ファイルをもう一度選んでください。")
    try:
        name = str(pending["name"])
        content = base64.b64decode(pending["content"], validate=True)
        digest = str(pending["digest"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        return _("確認する取り込みがありません。ファイルをもう一度選んでください。")
    token = request.POST.get("token", "")
    if (
        not hmac.compare_digest(token.encode(), digest.encode())
        or hashlib.sha256(content).hexdigest() != digest
    ):
        return _(
            "確認した内容と、読み込もうとした内容が違います（別の画面で別のファイルを確認した"
            "ときなど）。ファイルをもう一度選んでください。"
        )
    return name, content


def _refused_status(err: plan_io.PlanFileError) -> int:
    """403 for a file holding another organization's plan (nothing of it is the admin's to
    change), 400 for any other problem with the file."""
    if any(p.message == plan_organizations.OTHER_ORGANIZATION for p in err.problems):
        return 403
    return 400


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    """Upload a plan fixture, see every problem and the dry-run summary, then confirm.

    Every problem with the file gives 400 with its message and writes nothing.
    """
    if not is_admin_anywhere(request.user):
        raise PermissionDenied(_("この操作は管理者だけができます。"))
    # A site administrator loads any organization's plan; an organization's admin only its own.
    organization = (
        None
        if is_site_admin(request.user)
        else Organization.objects.get(pk=organization_id(request.user))
    )
    context: dict = {"max_mb": MAX_PLAN_BYTES // (1024 * 1024), "organization": organization}
    status = 200
    if request.method == "POST" and "confirm" in request.POST:
        pending = _pending_content(request)
        if isinstance(pending, str):
            context["problems"] = _file_problem(pending)
            return render(request, "initiatives/plan_import.html", context, status=400)
        name, content = pending
        try:
            report = plan_io.import_plan(
                content,
                name,
                values=False,
                max_records=MAX_PLAN_RECORDS,
                organization=organization,
            )
        except plan_io.PlanFileError as err:
            context["problems"] = err.problems
            status = _refused_status(err)
        else:
            context.update(
                report=report, applied=report.applied, filename=name, problems=report.problems
            )
            status = 200 if report.ok else 400
    elif request.method == "POST":
        uploads = request.FILES.getlist("file")
        if len(uploads) != 1:
            context["problems"] = _file_problem(_("ファイルを1つ選んでください。"))
            status = 400
        elif uploads[0].size > MAX_PLAN_BYTES:
            context["problems"] = _file_problem(
                _("ファイルが大きすぎます（%(mb)sMBまで）。") % {"mb": context["max_mb"]}
            )
            status = 400
        else:
            upload = uploads[0]
            content = upload.read()
            name = upload.name or ""
            try:
                report = plan_io.import_plan(
                    content,
                    name,
                    dry_run=True,
                    values=False,
                    max_records=MAX_PLAN_RECORDS,
                    organization=organization,
                )
            except plan_io.PlanFileError as err:
                context["problems"] = err.problems
                status = _refused_status(err)
            else:
                context.update(report=report, filename=name, problems=report.problems)
                if report.ok:
                    digest = hashlib.sha256(content).hexdigest()
                    request.session[IMPORT_SESSION_KEY] = {
                        "name": name,
                        "content": base64.b64encode(content).decode("ascii"),
                        "digest": digest,
                    }
                    context["token"] = digest
                else:
                    status = 400
    return render(request, "initiatives/plan_import.html", context, status=status)


@login_required
@require_safe
def plan_import_template(request: HttpRequest) -> HttpResponse:
    """The Excel template for a plan's KPI table (kpi/plan_xlsx.py), with its instructions; an
    organization's admin gets it with their organization's name, as they must load it."""
    if not is_admin_anywhere(request.user):
        raise PermissionDenied(_("この操作は管理者だけができます。"))
    government = None
    if not is_site_admin(request.user):
        government = Organization.objects.get(pk=organization_id(request.user)).name
    response = HttpResponse(
        plan_xlsx.template_workbook(government),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="plan_template.xlsx"'
    return response

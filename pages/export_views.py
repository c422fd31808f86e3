"""Open data of a plan: KPIs and values with the approved narratives, as JSON, CSV and XLSX."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from initiatives.models import Plan
from kpi import exports, permissions
from kpi.evaluation import AsOfError, assess, resolve_as_of
from kpi.models import Kpi
from narratives import open_data
from smartdocho.etags import public_page
from smartdocho.views import bad_request

EXPORT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


NARRATIVE_TABLES = ("items", "commentary")


def _plan_and_year(request: HttpRequest, slug: str):
    """(plan, as-of year) of an export, or a 400 response (in the reader's language)."""
    plan = get_object_or_404(Plan.objects.with_nav(), slug=slug)
    try:
        return plan, resolve_as_of(plan, request.GET.get("as_of"))
    except AsOfError as err:
        return bad_request(request, str(err))


def _export_data(request: HttpRequest, plan: Plan, as_of: int):
    """(KPIs, assessments, final_only) for an export."""
    final_only = not permissions.sees_preliminary(request.user, plan)
    kpis = list(Kpi.objects.for_display().filter(plan=plan))
    by_id = assess(kpis, plan, as_of, final_only=final_only)
    return kpis, [by_id[k.id] for k in kpis], final_only


# A file is data, the same whatever the reader's interface language: its column names are the
# plan's (Japanese), and so are its statuses and labels ("確定値", "未達成"), or a program
# reading 判定 would get other words from an English reader's download.
EXPORT_LANGUAGE = "ja"


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@public_page
def plan_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """export.json|csv|xlsx: KPIs and values; JSON and XLSX also the approved narratives."""
    if fmt not in EXPORT_TYPES:
        raise Http404(_("この形式では出力できません。"))
    found = _plan_and_year(request, slug)
    if isinstance(found, HttpResponse):
        return found
    plan, as_of = found
    with translation.override(EXPORT_LANGUAGE):
        body = _plan_file(request, plan, as_of, fmt)
    return _attachment(body, EXPORT_TYPES[fmt], f"{plan.slug}-{as_of}.{fmt}")


def _plan_file(request: HttpRequest, plan: Plan, as_of: int, fmt: str) -> bytes:
    kpis, assessments, final_only = _export_data(request, plan, as_of)
    if fmt == "json":
        document = exports.export_document(
            plan,
            assessments,
            timezone.now(),
            final_only=final_only,
            initiative_items=open_data.initiative_items(plan),
            commentary=open_data.commentary_by_kpi(plan, kpis),
        )
        body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    elif fmt == "csv":
        body = exports.to_csv(exports.table_rows(plan, assessments, final_only=final_only))
    else:
        items = open_data.initiative_items(plan)
        commentary = open_data.commentary_by_kpi(plan, kpis)
        body = exports.plan_xlsx(
            plan,
            assessments,
            final_only=final_only,
            extra_sheets=[
                (
                    "取組項目",
                    [label for _, label in open_data.ITEM_COLUMNS],
                    list(open_data.item_rows(plan, items)),
                ),
                (
                    "成果指標の説明",
                    [label for _, label in open_data.COMMENTARY_COLUMNS],
                    list(open_data.commentary_rows(plan, kpis, commentary)),
                ),
            ],
        )
    return body


@require_safe
@public_page
def plan_export_narratives(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    """export-items.csv (one row per item and year) and export-commentary.csv (one row per KPI
    and year): the approved narratives, in the CSV conventions of export.csv."""
    if table not in NARRATIVE_TABLES:
        raise Http404(_("この形式では出力できません。"))
    found = _plan_and_year(request, slug)
    if isinstance(found, HttpResponse):
        return found
    plan, as_of = found
    with translation.override(EXPORT_LANGUAGE):
        kpis = list(Kpi.objects.for_display().filter(plan=plan))
        if table == "items":
            rows = open_data.item_rows(plan, open_data.initiative_items(plan))
            body = exports.to_csv(rows, open_data.ITEM_COLUMNS)
        else:
            rows = open_data.commentary_rows(plan, kpis, open_data.commentary_by_kpi(plan, kpis))
            body = exports.to_csv(rows, open_data.COMMENTARY_COLUMNS)
    return _attachment(body, EXPORT_TYPES["csv"], f"{plan.slug}-{table}-{as_of}.csv")

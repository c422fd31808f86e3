"""Demo narratives for setup_demo: invented progress and commentary for R4–R6, flagged sample.

Every text says it is a sample (見本), every row has is_sample set, and every page that shows
one says サンプル: none of it is the government's real record. Idempotent: rows that exist are
left as they are. Also the demo reviewer (承認者 of 情報政策課), whose password is public.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from initiatives.models import InitiativeItem, Plan
from kpi import roles as kpi_roles
from kpi.models import Department, Kpi, StaffProfile
from smartdocho.fiscal import format_fy

from . import review, roles
from .models import InitiativeProgress, ItemDepartment, KpiCommentary, scale_for

SAMPLE_YEARS = (2022, 2023, 2024)  # R4–R6
REVIEWER = ("reviewer", "smartdocho-reviewer", "joho-seisaku")
# Demo only: the source names no department for any item (the same split as the KPIs).
LEAD_BY_PILLAR = {1: "joho-seisaku", 2: "joho-seisaku", 3: "demo-jinzai"}
CO_OWNER = {(3, 1): "joho-seisaku"}  # one item with two departments, to show the lead rule
NOTE = "（サンプルの記入例です。実際の実績ではありません。）"
CHANGE_REASON = "サンプルの記入例を作成"
# R6's entries in every state of the review, in turn; earlier years are approved.
R6_STATES = ("approved", "submitted", "draft", "returned")


def _reviewer(organization_id: int | None):
    username, password, dept_code = REVIEWER
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if not created:
        # Like setup_demo's other users: an account that exists is left as it is.
        return user
    user.set_password(password)
    user.save()
    for name in (roles.REVIEWER, kpi_roles.VIEWER):
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    # Codes are per organization: the plan's department of that code.
    department = Department.objects.filter(code=dept_code, organization=organization_id).first()
    if department is not None:  # a plan loaded without the demo's departments has none
        StaffProfile.objects.update_or_create(
            user=user,
            defaults={"department": department, "organization_id": department.organization_id},
        )
    return user


def _stamp(entry, state: str, *, writer, reviewer, index: int) -> None:
    now = timezone.now()
    entry.is_sample = True
    entry.updated_by, entry.updated_at = writer, now
    entry.state = review.DRAFT if state == "returned" else state
    if state in ("submitted", "approved", "returned"):
        entry.submitted_by, entry.submitted_at = writer, now
    if state in ("approved", "returned"):
        entry.reviewed_by, entry.reviewed_at = reviewer, now
    if state == "returned":
        entry.review_comment = (
            "【サンプル】差し戻しコメントの例：成果を数値で示してください。" + NOTE
        )
    entry.full_clean()
    entry._change_reason = CHANGE_REASON
    entry._history_user = writer
    entry.save()


def _state(fy: int, index: int) -> str:
    return R6_STATES[index % len(R6_STATES)] if fy == SAMPLE_YEARS[-1] else "approved"


def load_demo(plan_slug: str) -> None:
    """Departments of items, the demo reviewer, and sample narratives for R4–R6 of the plan."""
    User = get_user_model()
    admin = User.objects.filter(username="admin").first()
    # Department codes are per organization: the plan's organization's departments only.
    organization = Plan.objects.filter(slug=plan_slug).values_list("organization", flat=True)
    organization_id = organization.first()
    writers = {
        p.department.code: p.user
        for p in StaffProfile.objects.select_related("user", "department").filter(
            user__groups__name=kpi_roles.EDITOR,
            department__isnull=False,
            department__organization=organization_id,
        )
    }
    with transaction.atomic():
        reviewer = _reviewer(organization_id)
        departments = {d.code: d for d in Department.objects.filter(organization=organization_id)}
        items = list(
            InitiativeItem.objects.filter(pillar__plan__slug=plan_slug)
            .select_related("pillar__plan")
            .prefetch_related("actions", "department_links")
            .order_by("pillar__number", "number")
        )
        if not items:
            return
        scale = [r.key for r in scale_for(items[0].pillar.plan)]
        for index, item in enumerate(items):
            key = (item.pillar.number, item.number)
            lead = departments.get(LEAD_BY_PILLAR.get(item.pillar.number, ""))
            if lead and not item.department_links.all():
                ItemDepartment.objects.create(item=item, department=lead, is_lead=True)
                if (co := departments.get(CO_OWNER.get(key, ""))) is not None:
                    ItemDepartment.objects.create(item=item, department=co, is_lead=False)
            writer = writers.get(lead.code if lead else "", admin)
            orders = [a.order for a in item.actions.all()]
            for n, fy in enumerate(SAMPLE_YEARS):
                if InitiativeProgress.objects.filter(item=item, fiscal_year=fy).exists():
                    continue
                label = format_fy(fy)
                budget = 1000 + 250 * ((index * 7 + n * 3) % 11)
                entry = InitiativeProgress(
                    item=item,
                    fiscal_year=fy,
                    done=f"【サンプル】{label}の取組実績の記入例です。{NOTE}",
                    results=f"【サンプル】{label}の成果の記入例です。{NOTE}",
                    issues=f"【サンプル】{label}に見えた課題の記入例です。{NOTE}",
                    next_steps=f"【サンプル】{format_fy(fy + 1)}に向けた今後の方向性の記入例です。{NOTE}",
                    rating=scale[(index + n) % len(scale)],
                    budget=budget,
                    settled=budget - 40 * ((index + n) % 5) if fy < SAMPLE_YEARS[-1] else None,
                    actions_carried_out=orders if n < 2 else orders[:1],
                )
                _stamp(entry, _state(fy, index), writer=writer, reviewer=reviewer, index=index)
        kpis = Kpi.objects.filter(plan__slug=plan_slug).select_related("department")
        for index, kpi in enumerate(kpis.order_by("pillar__number", "order", "code")):
            writer = writers.get(kpi.department.code if kpi.department else "", admin)
            for fy in SAMPLE_YEARS:
                if KpiCommentary.objects.filter(kpi=kpi, fiscal_year=fy).exists():
                    continue
                label = format_fy(fy)
                entry = KpiCommentary(
                    kpi=kpi,
                    fiscal_year=fy,
                    reason=f"【サンプル】{label}の実績についての要因分析の記入例です。{NOTE}",
                    next_actions=f"【サンプル】今後の取組の記入例です。{NOTE}",
                )
                _stamp(entry, _state(fy, index + 1), writer=writer, reviewer=reviewer, index=index)

"""The admin pages of kpi, and of initiatives (registered here, scoped to the user's
organization by kpi/admin_scope.py; initiatives imports nothing of kpi)."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # noqa: F401  (registers User and Group)
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from initiatives import admin as initiatives_admin
from initiatives.models import InitiativeItem, Organization, Pillar, Plan, PlanSection
from smartdocho.display import fy_text

from .admin_scope import OrganizationScoped, SuperuserOnly
from .models import (
    Department,
    Kpi,
    KpiValue,
    PublishedReport,
    ScheduleStep,
    StaffProfile,
    TargetRevision,
    Unit,
    YearlyTarget,
)
from .staff import department_in_use

VALUES_READ_ONLY = _("実績値は管理サイトでは変更できません。実績値の入力画面で変更してください。")


def scoped_inline(inline: type, path: str) -> type:
    """`inline`, its rows and foreign-key choices limited to the user's organization."""
    return type(inline.__name__, (OrganizationScoped, inline), {"organization_path": path})


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Shown with its history, never written: not added, changed, deleted (one by one or with
    the bulk action) nor reverted to an old history row.

    For models whose writes go through a service that checks what the admin cannot (permissions,
    versions, locks, the review flow). simple-history saves a posted "revert" with only the view
    permission checked, hence history_form_view refuses POST.
    """

    read_only_message = _(
        "管理サイトでは変更できません。アプリケーションの画面で変更してください。"
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(self.read_only_message)
        return super().history_form_view(request, object_id, version_id, extra_context)


# --- initiatives -------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(OrganizationScoped, initiatives_admin.OrganizationAdmin):
    """Only the site administrator adds, changes or deletes organizations; an organization's
    admin may view their own."""

    organization_path = "pk"

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(Plan)
class PlanAdmin(OrganizationScoped, initiatives_admin.PlanAdmin):
    organization_path = "organization"
    organization_field = "organization"
    inlines = [
        scoped_inline(initiatives_admin.PillarInline, "plan__organization"),
        scoped_inline(initiatives_admin.SectionInline, "plan__organization"),
    ]


@admin.register(InitiativeItem)
class InitiativeItemAdmin(OrganizationScoped, initiatives_admin.InitiativeItemAdmin):
    organization_path = "pillar__plan__organization"
    inlines = [scoped_inline(initiatives_admin.ActionInline, "item__pillar__plan__organization")]


@admin.register(PlanSection)
class PlanSectionAdmin(OrganizationScoped, initiatives_admin.PlanSectionAdmin):
    organization_path = "plan__organization"


# --- users, groups and the other apps' models (axes' login records): the site
# administrator's alone. Organizations manage their staff on /manage/staff/ (kpi/staff_views.py).
# django.contrib.auth and axes come before this app in INSTALLED_APPS: registered by now.

for _model, _model_admin in list(admin.site._registry.items()):
    if _model._meta.app_label not in ("initiatives", "kpi", "narratives"):
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(type(_model_admin).__name__, (SuperuserOnly, type(_model_admin)), {})
        )


# --- kpi ------------------------------------------------------------------------------------


@admin.register(Department)
class DepartmentAdmin(OrganizationScoped, admin.ModelAdmin):
    organization_path = "organization"
    organization_field = "organization"

    list_display = ["name", "code", "organization"]
    list_filter = ["organization"]
    search_fields = ["name", "code"]

    # As on /manage/departments/ (kpi/staff.py): a department that KPIs, staff or items use is
    # not deleted, since deleting would silently leave its KPIs without an owner. One by one
    # only, where that is checked: no bulk delete.
    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and department_in_use(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Unit)
class UnitAdmin(OrganizationScoped, admin.ModelAdmin):
    organization_path = "plan__organization"

    list_display = ["label", "code", "plan", "base_label", "scale", "decimals", "kind"]
    list_filter = ["plan"]
    list_select_related = ["plan"]


class ComponentInline(OrganizationScoped, admin.TabularInline):
    organization_path = "plan__organization"
    model = Kpi
    fk_name = "parent"
    extra = 0
    fields = ["code", "name", "baseline_fy", "baseline_value", "target_kind", "target_value"]
    show_change_link = True


class RevisionInline(OrganizationScoped, admin.StackedInline):
    """Shown read-only: a revision is recorded on the KPI's 目標の再設定 page (an admin, one per
    year, under the data-version lock, with its reason in the history)."""

    model = TargetRevision
    organization_path = "kpi__plan__organization"
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class YearlyTargetInline(OrganizationScoped, admin.TabularInline):
    """年度別目標値: the path toward the final target (kpi/progress.py rules 8 and 9)."""

    organization_path = "kpi__plan__organization"
    model = YearlyTarget
    extra = 0


class ScheduleStepInline(OrganizationScoped, admin.TabularInline):
    """実施スケジュール: the steps of a milestone KPI, in order (kpi/progress.py rule 11)."""

    organization_path = "kpi__plan__organization"
    model = ScheduleStep
    extra = 0


@admin.register(Kpi)
class KpiAdmin(OrganizationScoped, SimpleHistoryAdmin):
    organization_path = "plan__organization"
    list_display = ["code", "name", "pillar", "unit", "target_kind", "department", "plan"]
    list_display_links = ["code", "name"]
    list_filter = ["plan", "pillar", "target_kind", "department", "is_provisional"]
    search_fields = ["code", "name"]
    list_select_related = ["plan", "pillar", "unit", "department"]
    inlines = [ComponentInline, RevisionInline, YearlyTargetInline, ScheduleStepInline]

    class Media:
        # The KPI names are the point of the list: give them room (static/css/admin_kpi.css).
        css = {"all": ["css/admin_kpi.css"]}


class KpiInline(OrganizationScoped, admin.TabularInline):
    organization_path = "plan__organization"
    model = Kpi
    fk_name = "pillar"
    extra = 0
    fields = [
        "code",
        "name",
        "unit",
        "parent",
        "baseline_fy",
        "baseline_value",
        "target_kind",
        "target_value",
        "department",
    ]
    show_change_link = True


# The pillar's page edits its KPIs inline, so it is registered here: initiatives knows
# nothing of kpi.
@admin.register(Pillar)
class PillarAdmin(OrganizationScoped, admin.ModelAdmin):
    organization_path = "plan__organization"
    list_display = ["plan", "number", "title"]
    list_filter = ["plan"]
    search_fields = ["title"]
    inlines = [
        scoped_inline(initiatives_admin.DirectionInline, "pillar__plan__organization"),
        scoped_inline(initiatives_admin.ItemInline, "pillar__plan__organization"),
        KpiInline,
        scoped_inline(initiatives_admin.MilestoneInline, "pillar__plan__organization"),
    ]


@admin.register(KpiValue)
class KpiValueAdmin(OrganizationScoped, ReadOnlyHistoryAdmin):
    """Values are read here (with their history), never written nor deleted.

    Every write of a value goes through kpi.services.values_save (the entry form and the
    spreadsheet upload), which checks the unit (a percentage within 0–100, whole counts), the
    lock on final values, and the version the person saw. A change saved here skipped all three,
    and an editor's older form then overwrote it silently (issue 10). Read-only is the one way
    to keep the admin from being a second, weaker write path; the change page links to the
    entry form for the value's year, where an admin can change any value; a final value is
    reopened there with a reason. Deleting is refused too: it would remove a final value with no
    reason asked (README: values are read-only in the admin).
    """

    read_only_message = VALUES_READ_ONLY
    organization_path = "kpi__plan__organization"

    list_display = [
        "kpi",
        "year",
        "value_in_unit",
        "status",
        "is_sample",
        "entered_by",
        "entered_at",
    ]
    list_filter = ["kpi__plan", "fiscal_year", "status", "is_sample"]
    search_fields = ["kpi__code", "kpi__name", "note"]
    list_select_related = ["kpi", "kpi__plan", "kpi__unit", "entered_by"]
    readonly_fields = ["entry_link"]

    @admin.display(description=_("年度"), ordering="fiscal_year")
    def year(self, obj: KpiValue) -> str:
        return fy_text(obj.fiscal_year)

    @admin.display(description=_("実績値"), ordering="value")
    def value_in_unit(self, obj: KpiValue) -> str:
        return _in_unit(obj.value, obj.kpi.unit)

    @admin.display(description=_("変更するには"))
    def entry_link(self, obj: KpiValue) -> str:
        url = reverse("kpi:entry", kwargs={"slug": obj.kpi.plan.slug, "fy": obj.fiscal_year})
        return format_html('<a href="{}">{}</a>', url, _("実績値の入力画面で変更してください"))


def _in_unit(value, unit) -> str:
    """A value as every page writes it (the unit's decimals and separators, e.g. 51.3%), not
    the database's 51.3000."""
    if value is None:
        return "—"
    return f"{unit.format(value)}{unit.label}"


@admin.register(TargetRevision)
class TargetRevisionAdmin(OrganizationScoped, ReadOnlyHistoryAdmin):
    """Read only: services.target_revision_record checks the year (one revision per year, inside
    the plan) under the data-version lock and records the reason in the history."""

    organization_path = "kpi__plan__organization"
    list_display = ["kpi", "effective_year", "kind", "value_in_unit", "decided_on"]
    list_filter = ["kpi__plan", "kind"]
    list_select_related = ["kpi", "kpi__plan", "kpi__unit"]

    @admin.display(description=_("適用開始年度"), ordering="effective_fy")
    def effective_year(self, obj: TargetRevision) -> str:
        return fy_text(obj.effective_fy)

    @admin.display(description=_("目標値"), ordering="value")
    def value_in_unit(self, obj: TargetRevision) -> str:
        return _in_unit(obj.value, obj.kpi.unit)


@admin.register(StaffProfile)
class StaffProfileAdmin(OrganizationScoped, admin.ModelAdmin):
    """An organization's admin reads staff profiles here but manages them on /manage/staff/,
    which keeps them from locking themselves out or leaving an account no page can reach."""

    organization_path = "organization"
    organization_field = "organization"
    list_display = ["user", "organization", "department"]
    list_filter = ["organization", "department"]

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(PublishedReport)
class PublishedReportAdmin(OrganizationScoped, admin.ModelAdmin):
    """Read only: a report is published and corrected from its confirmation page, where what
    becomes public is shown; editing or deleting a published copy here would bypass that."""

    organization_path = "plan__organization"
    list_display = [
        "plan",
        "fiscal_year",
        "version",
        "published_at",
        "office",
        "in_force",
        "is_sample",
        "includes_preliminary",
    ]
    list_filter = ["plan", "fiscal_year", "is_sample"]
    list_select_related = ["plan"]
    readonly_fields = [
        "plan",
        "fiscal_year",
        "version",
        "published_at",
        "published_by",
        "office",
        "correction_reason",
        "includes_preliminary",
        "is_sample",
        "superseded_at",
        "snapshot",
    ]

    @admin.display(boolean=True, description="公表中")
    def in_force(self, obj: PublishedReport) -> bool:
        return obj.in_force

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Department, Kpi, KpiValue, PublishedReport, StaffProfile, TargetRevision, Unit


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "base_label", "scale", "decimals", "kind"]


class ComponentInline(admin.TabularInline):
    model = Kpi
    fk_name = "parent"
    extra = 0
    fields = ["code", "name", "baseline_fy", "baseline_value", "target_kind", "target_value"]
    show_change_link = True


class RevisionInline(admin.StackedInline):
    model = TargetRevision
    extra = 0


@admin.register(Kpi)
class KpiAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "plan", "pillar", "unit", "target_kind", "department"]
    list_filter = ["plan", "pillar", "target_kind", "department", "is_provisional"]
    search_fields = ["code", "name"]
    list_select_related = ["plan", "pillar", "unit", "department"]
    inlines = [ComponentInline, RevisionInline]


@admin.register(KpiValue)
class KpiValueAdmin(SimpleHistoryAdmin):
    list_display = [
        "kpi",
        "fiscal_year",
        "value",
        "status",
        "is_sample",
        "entered_by",
        "entered_at",
    ]
    list_filter = ["kpi__plan", "fiscal_year", "status", "is_sample"]
    search_fields = ["kpi__code", "kpi__name", "note"]
    list_select_related = ["kpi", "kpi__plan", "entered_by"]


@admin.register(TargetRevision)
class TargetRevisionAdmin(SimpleHistoryAdmin):
    list_display = ["kpi", "effective_fy", "kind", "value", "decided_on"]
    list_filter = ["kpi__plan", "kind"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "department"]
    list_filter = ["department"]


@admin.register(PublishedReport)
class PublishedReportAdmin(admin.ModelAdmin):
    """Read only: a report is published and corrected from its confirmation page, where what
    becomes public is shown; editing or deleting a published copy here would bypass that."""

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

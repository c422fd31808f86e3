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
    list_display = ["code", "name", "pillar", "unit", "target_kind", "department", "plan"]
    list_display_links = ["code", "name"]
    list_filter = ["plan", "pillar", "target_kind", "department", "is_provisional"]
    search_fields = ["code", "name"]
    list_select_related = ["plan", "pillar", "unit", "department"]
    inlines = [ComponentInline, RevisionInline]

    class Media:
        # The KPI names are the point of the list: give them room (static/css/admin_kpi.css).
        css = {"all": ["css/admin_kpi.css"]}


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
    list_display = ["plan", "fiscal_year", "published_at", "published_by"]
    list_filter = ["plan"]
    readonly_fields = ["plan", "fiscal_year", "published_at", "published_by", "snapshot"]

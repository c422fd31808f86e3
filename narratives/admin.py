from django.contrib import admin

from kpi import admin as kpi_admin
from kpi.admin_scope import OrganizationScoped

from .models import InitiativeProgress, ItemDepartment, ItemKpi, KpiCommentary, RatingScale


@admin.register(RatingScale)
class RatingScaleAdmin(OrganizationScoped, admin.ModelAdmin):
    organization_path = "plan__organization"
    list_display = ["plan", "__str__"]


@admin.register(ItemDepartment)
class ItemDepartmentAdmin(OrganizationScoped, admin.ModelAdmin):
    organization_path = "item__pillar__plan__organization"
    list_display = ["item", "department", "is_lead"]
    list_filter = ["department", "is_lead", "item__pillar__plan"]
    list_select_related = ["item", "department"]


@admin.register(ItemKpi)
class ItemKpiAdmin(OrganizationScoped, admin.ModelAdmin):
    organization_path = "item__pillar__plan__organization"
    list_display = ["item", "kpi"]
    list_filter = ["item__pillar__plan"]
    list_select_related = ["item", "kpi"]


# Entries are written through the application's forms, which keep the review flow and the
# versions; the admin shows them and their history but does not edit, delete or revert them.
class ReadOnlyHistoryAdmin(OrganizationScoped, kpi_admin.ReadOnlyHistoryAdmin):
    list_filter = ["state", "fiscal_year", "is_sample"]


@admin.register(InitiativeProgress)
class InitiativeProgressAdmin(ReadOnlyHistoryAdmin):
    organization_path = "item__pillar__plan__organization"
    list_display = ["item", "fiscal_year", "rating", "state", "is_sample", "updated_by"]
    list_select_related = ["item", "updated_by"]


@admin.register(KpiCommentary)
class KpiCommentaryAdmin(ReadOnlyHistoryAdmin):
    organization_path = "kpi__plan__organization"
    list_display = ["kpi", "fiscal_year", "state", "is_sample", "updated_by"]
    list_select_related = ["kpi", "updated_by"]

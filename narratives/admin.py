from django.contrib import admin

from kpi import admin as kpi_admin

from .models import InitiativeProgress, ItemDepartment, ItemKpi, KpiCommentary, RatingScale


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["plan", "__str__"]


@admin.register(ItemDepartment)
class ItemDepartmentAdmin(admin.ModelAdmin):
    list_display = ["item", "department", "is_lead"]
    list_filter = ["department", "is_lead", "item__pillar__plan"]
    list_select_related = ["item", "department"]


@admin.register(ItemKpi)
class ItemKpiAdmin(admin.ModelAdmin):
    list_display = ["item", "kpi"]
    list_filter = ["item__pillar__plan"]
    list_select_related = ["item", "kpi"]


# Entries are written through the application's forms, which keep the review flow and the
# versions; the admin shows them and their history but does not edit, delete or revert them.
class ReadOnlyHistoryAdmin(kpi_admin.ReadOnlyHistoryAdmin):
    list_filter = ["state", "fiscal_year", "is_sample"]


@admin.register(InitiativeProgress)
class InitiativeProgressAdmin(ReadOnlyHistoryAdmin):
    list_display = ["item", "fiscal_year", "rating", "state", "is_sample", "updated_by"]
    list_select_related = ["item", "updated_by"]


@admin.register(KpiCommentary)
class KpiCommentaryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["kpi", "fiscal_year", "state", "is_sample", "updated_by"]
    list_select_related = ["kpi", "updated_by"]

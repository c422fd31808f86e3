"""The admin pages of the plan's structure. They are registered by kpi/admin.py, which scopes
them to the user's organization (kpi/admin_scope.py): this app imports nothing of kpi."""

from django.contrib import admin

from .models import (
    Action,
    InitiativeItem,
    Milestone,
    Pillar,
    PlanSection,
    PolicyDirection,
)


class PillarInline(admin.TabularInline):
    model = Pillar
    extra = 0


class SectionInline(admin.StackedInline):
    model = PlanSection
    extra = 0


class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "slug"]


class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "organization",
        "government",
        "term",
        "first_fy",
        "last_fy",
        "is_current",
    ]
    list_filter = ["organization", "is_current"]
    search_fields = ["title", "slug", "government"]
    inlines = [PillarInline, SectionInline]


class DirectionInline(admin.TabularInline):
    model = PolicyDirection
    extra = 0


class ItemInline(admin.TabularInline):
    model = InitiativeItem
    extra = 0
    show_change_link = True


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0


class InitiativeItemAdmin(admin.ModelAdmin):
    list_display = ["pillar", "number", "title"]
    list_filter = ["pillar__plan", "pillar"]
    search_fields = ["title", "actions__text"]
    inlines = [ActionInline]


class PlanSectionAdmin(admin.ModelAdmin):
    list_display = ["plan", "kind", "order", "heading"]
    list_filter = ["plan", "kind"]
    search_fields = ["heading", "body"]

from django.contrib import admin

from .models import (
    Action,
    InitiativeItem,
    Milestone,
    Organization,
    Pillar,
    Plan,
    PlanSection,
    PolicyDirection,
)


class PillarInline(admin.TabularInline):
    model = Pillar
    extra = 0


class SectionInline(admin.StackedInline):
    model = PlanSection
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "slug"]


@admin.register(Plan)
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


@admin.register(InitiativeItem)
class InitiativeItemAdmin(admin.ModelAdmin):
    list_display = ["pillar", "number", "title"]
    list_filter = ["pillar__plan", "pillar"]
    search_fields = ["title", "actions__text"]
    inlines = [ActionInline]


@admin.register(PlanSection)
class PlanSectionAdmin(admin.ModelAdmin):
    list_display = ["plan", "kind", "order", "heading"]
    list_filter = ["plan", "kind"]
    search_fields = ["heading", "body"]

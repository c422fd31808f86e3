"""The Django admin, scoped to the organization of its user (issue 14).

A superuser (the site's administrator) sees and changes everything. Anyone else with staff
status sees only the rows of their own organization (StaffProfile.organization): every
changelist, change page, history page, list filter and foreign-key choice is filtered by the
path from the model to its organization, and an object of another organization answers 404.
A user without an organization sees nothing.

Each ModelAdmin (and inline) that mixes in OrganizationScoped names its path in
`organization_path` ("organization", "plan__organization", "pk" for Organization itself).
Foreign-key choices are filtered by the path of the related model: its own admin's
`organization_path` when it is registered with one, else PATHS below.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404

from . import permissions

# Models reached by foreign keys whose admin does not say its path (inline-only models, users).
PATHS = {
    "initiatives.organization": "pk",
    "initiatives.plan": "organization",
    "initiatives.pillar": "plan__organization",
    "initiatives.plansection": "plan__organization",
    "initiatives.policydirection": "pillar__plan__organization",
    "initiatives.initiativeitem": "pillar__plan__organization",
    "initiatives.action": "item__pillar__plan__organization",
    "initiatives.milestone": "pillar__plan__organization",
    "kpi.department": "organization",
    "kpi.staffprofile": "organization",
    "kpi.unit": "plan__organization",
    "kpi.kpi": "plan__organization",
    "kpi.kpivalue": "kpi__plan__organization",
    "kpi.targetrevision": "kpi__plan__organization",
    "kpi.yearlytarget": "kpi__plan__organization",
    "kpi.schedulestep": "kpi__plan__organization",
    "kpi.publishedreport": "plan__organization",
}


def organization_path(model, site: admin.AdminSite | None = None) -> str | None:
    """The lookup from `model` to its organization, or None when it is not known."""
    if model is get_user_model():
        return "staff_profile__organization"
    registered = (site or admin.site)._registry.get(model)
    path = getattr(registered, "organization_path", None)
    return path or PATHS.get(model._meta.label_lower)


def scoped(queryset: models.QuerySet, user, path: str | None) -> models.QuerySet:
    """The rows of `queryset` in the user's organization; all of them for a superuser.
    Fails closed: no known path, or no organization, gives no rows."""
    if user.is_superuser:
        return queryset
    org = permissions.organization_id(user)
    if org is None or path is None:
        return queryset.none()
    return queryset.filter(**{path: org})


class OrganizationScoped:
    """Mixed into ModelAdmin and InlineModelAdmin classes: see the module's docstring."""

    organization_path: str = ""
    # The field naming the organization directly (Plan, Department, StaffProfile): fixed to
    # the user's own for anyone but a superuser.
    organization_field: str | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return scoped(queryset, request.user, self.organization_path or None)

    def _related_queryset(self, request, db_field):
        related = db_field.remote_field.model
        site = getattr(self, "admin_site", admin.site)
        path = organization_path(related, site)
        return scoped(related._default_manager.all(), request.user, path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            kwargs["queryset"] = self._related_queryset(request, db_field)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            kwargs["queryset"] = self._related_queryset(request, db_field)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self.organization_field and not request.user.is_superuser:
            fields.append(self.organization_field)
        return fields

    def get_list_filter(self, request):
        """Filters on a relation offer only the values among the user's rows: the plain
        RelatedFieldListFilter lists every row of the related model, other organizations' too."""
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser:
            return filters
        model = getattr(self, "model", None)
        result = []
        for item in filters:
            if isinstance(item, str):
                try:
                    field = get_fields_from_path(model, item)[-1]
                except (FieldDoesNotExist, AttributeError):
                    field = None
                if field is not None and field.is_relation:
                    item = (item, admin.RelatedOnlyFieldListFilter)
            result.append(item)
        return result

    def save_model(self, request, obj, form, change):
        if self.organization_field and not request.user.is_superuser:
            org = permissions.organization_id(request.user)
            if org is None:
                raise ValidationError("no organization")
            setattr(obj, f"{self.organization_field}_id", org)
        super().save_model(request, obj, form, change)

    # An object outside the user's rows is not found (404), rather than the admin's redirect
    # to its index; simple-history's pages would otherwise show its history rows.
    def _refuse_outside(self, request, object_id) -> None:
        if request.user.is_superuser or object_id is None:
            return
        try:
            found = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            found = False
        if not found:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._refuse_outside(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._refuse_outside(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._refuse_outside(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied  # a revert where nothing may be changed, whoever's object
        self._refuse_outside(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class SuperuserOnly:
    """For the admins that no organization's admin may use (users, groups, organizations'
    changes): the site administrator's alone."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

"""The Django admin site: open to staff users (is_staff) of an organization, each seeing only
their own organization's objects (kpi/admin_scope.py); a superuser sees every organization's.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class SiteAdmin(admin.AdminSite):
    def has_permission(self, request) -> bool:
        # Imported here: this module is named in INSTALLED_APPS, read before any model.
        from kpi.permissions import organization_id

        if not super().has_permission(request):
            return False
        return request.user.is_superuser or organization_id(request.user) is not None


class SiteAdminConfig(AdminConfig):
    default_site = "kpi.admin_site.SiteAdmin"

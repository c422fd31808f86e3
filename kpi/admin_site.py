"""The Django admin, open to an organization's staff only while the site serves one organization.

The admin's model pages are not scoped to an organization (issue 14): once a second
organization exists, only a superuser (the site's administrator) may use them, so that no
organization's admin reads or changes another's data through them.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


def serves_one_organization() -> bool:
    # Imported here: this module is named in INSTALLED_APPS, read before any model.
    from initiatives.models import Organization

    return Organization.objects.count() <= 1


class SiteAdmin(admin.AdminSite):
    def has_permission(self, request) -> bool:
        if not super().has_permission(request):
            return False
        return request.user.is_superuser or serves_one_organization()


class SiteAdminConfig(AdminConfig):
    default_site = "kpi.admin_site.SiteAdmin"

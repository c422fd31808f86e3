"""Keep the three role groups and the admin role's permissions in place after every migrate."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from . import roles

# The admin role maintains the structure and the users; editors and viewers work through the
# application's own pages, which check roles themselves (kpi/permissions.py).
ADMIN_APPS = ("initiatives", "kpi", "auth")


def ensure_roles(**kwargs) -> None:
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
    admin_perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
    groups[roles.ADMIN].permissions.set(admin_perms)

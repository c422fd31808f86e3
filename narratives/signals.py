"""The reviewer group after every migrate, and the data version bumped on every narrative write.

The public pages are cached per data version (smartdocho/etags.py), which tracks the kpi and
initiatives apps; approved narratives appear on those pages, so their writes bump it too.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from . import roles


def ensure_reviewer_role(**kwargs) -> None:
    """The 承認者 group exists, and the 管理者 group may maintain this app in the admin."""
    from kpi import roles as kpi_roles

    Group.objects.get_or_create(name=roles.REVIEWER)
    admin, _ = Group.objects.get_or_create(name=kpi_roles.ADMIN)
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="narratives"))


def tracked_models():
    from . import models

    return (
        models.RatingScale,
        models.ItemDepartment,
        models.ItemKpi,
        models.InitiativeProgress,
        models.KpiCommentary,
    )


def data_changed(sender, **kwargs) -> None:
    from smartdocho.etags import bump

    bump()

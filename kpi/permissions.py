"""Who may do what. Every read of preliminary data and every write checks here, on the server.

Roles are Django groups (kpi/roles.py): 管理者 (admin), 入力担当 (editor), 閲覧者 (viewer).
Anonymous visitors read the committee views with final values only.

Roles act inside one organization (団体, issue 14): the one of the user's StaffProfile. Every
check names the organization of what is read or written — a plan, a KPI, an item, or the
organization itself (`where`) — and a role of another organization, or of none, may nothing
there beyond what the public may. A superuser is the site's administrator, for every
organization.
"""

from __future__ import annotations

from initiatives.models import InitiativeItem, Organization, Plan

from . import roles
from .models import CombineRule, Kpi


def _groups(user) -> set[str]:
    if not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_smartdocho_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._smartdocho_groups = cached
    return cached


def _profile(user):
    if not user.is_authenticated or not user.is_active:
        return None
    return getattr(user, "staff_profile", None)


def organization_id(user) -> int | None:
    """The organization the user works for (StaffProfile.organization), if any."""
    profile = _profile(user)
    return profile.organization_id if profile else None


def organization_of(where) -> int | None:
    """The organization id of a plan, KPI, initiative item or organization (or an id)."""
    if where is None or isinstance(where, int):
        return where
    if isinstance(where, Organization):
        return where.pk
    if isinstance(where, Plan):
        return where.organization_id
    if isinstance(where, Kpi):
        return where.plan.organization_id
    if isinstance(where, InitiativeItem):
        return where.pillar.plan.organization_id
    raise TypeError(f"no organization for {type(where).__name__}")


def is_site_admin(user) -> bool:
    """A superuser: the administrator of every organization."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def acts_in(user, where) -> bool:
    """Whether the user's roles count in the organization of `where`."""
    if is_site_admin(user):
        return True
    org = organization_of(where)
    return org is not None and organization_id(user) == org


def is_admin(user, where) -> bool:
    """管理者 of `where`'s organization: structure, reopening final values, publishing."""
    return is_site_admin(user) or (roles.ADMIN in _groups(user) and acts_in(user, where))


def is_admin_anywhere(user) -> bool:
    """管理者 of some organization (the plan import page; the header's links)."""
    return is_site_admin(user) or (
        roles.ADMIN in _groups(user) and organization_id(user) is not None
    )


def is_editor(user, where) -> bool:
    return roles.EDITOR in _groups(user) and acts_in(user, where)


def sees_preliminary(user, where) -> bool:
    """Staff of the organization in any role read everything; others read final values only."""
    return is_site_admin(user) or (
        bool(_groups(user) & set(roles.ALL_ROLES)) and acts_in(user, where)
    )


def department_id(user) -> int | None:
    profile = _profile(user)
    return profile.department_id if profile else None


def is_entered_directly(kpi: Kpi) -> bool:
    """A parent that is the mean of its components has no values of its own to enter."""
    return kpi.combine_rule != CombineRule.MEAN


def can_enter(user, kpi: Kpi) -> bool:
    if not is_entered_directly(kpi):
        return False
    if is_admin(user, kpi):
        return True
    dept = department_id(user)
    return is_editor(user, kpi) and dept is not None and kpi.department_id == dept


def can_use_entry(user, where) -> bool:
    return is_admin(user, where) or (is_editor(user, where) and department_id(user) is not None)


def can_use_entry_anywhere(user) -> bool:
    """Whether the header links the entry pages: the user enters values for some organization."""
    return is_admin_anywhere(user) or (
        roles.EDITOR in _groups(user)
        and organization_id(user) is not None
        and department_id(user) is not None
    )

"""Who may do what. Every read of preliminary data and every write checks here, on the server.

Roles are Django groups (kpi/roles.py): 管理者 (admin), 入力担当 (editor), 閲覧者 (viewer).
Anonymous visitors read the committee views with final values only.
"""

from __future__ import annotations

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


def is_admin(user) -> bool:
    """管理者: structure, users, reopening final values, publishing reports."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser) or (
        roles.ADMIN in _groups(user)
    )


def is_editor(user) -> bool:
    return roles.EDITOR in _groups(user)


def sees_preliminary(user) -> bool:
    """Signed-in staff in any role read everything; the public reads final values only."""
    return is_admin(user) or bool(_groups(user) & set(roles.ALL_ROLES))


def department_id(user) -> int | None:
    profile = getattr(user, "staff_profile", None) if user.is_authenticated else None
    return profile.department_id if profile else None


def is_entered_directly(kpi: Kpi) -> bool:
    """A parent that is the mean of its components has no values of its own to enter."""
    return kpi.combine_rule != CombineRule.MEAN


def can_enter(user, kpi: Kpi) -> bool:
    if not is_entered_directly(kpi):
        return False
    if is_admin(user):
        return True
    dept = department_id(user)
    return is_editor(user) and dept is not None and kpi.department_id == dept


def can_use_entry(user) -> bool:
    return is_admin(user) or (is_editor(user) and department_id(user) is not None)

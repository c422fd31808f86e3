"""Who may write, submit and review narratives. Plain functions; every write checks here.

- Writers: admins, and editors (入力担当) whose department owns the item (any of its
  departments) or the KPI.
- Reviewers: admins, and 承認者 whose department answers for the item (its lead department) or
  owns the KPI. A 承認者 who is not an admin does not review what they submitted themselves.
- Drafts are read by signed-in staff (any role) only; the public reads approved text.
"""

from __future__ import annotations

from kpi import permissions as kpi_permissions
from kpi.permissions import department_id, is_admin, is_editor

from . import roles


def is_reviewer(user) -> bool:
    return roles.REVIEWER in kpi_permissions._groups(user)


def sees_drafts(user) -> bool:
    """Staff of the organisation read drafts and submitted entries; the public does not."""
    return kpi_permissions.sees_preliminary(user) or is_reviewer(user)


def can_use(user) -> bool:
    """May open the narrative forms and the status board at all."""
    return is_admin(user) or (
        (is_editor(user) or is_reviewer(user)) and department_id(user) is not None
    )


def item_department_ids(links) -> set[int]:
    return {link.department_id for link in links}


def lead_department_id(links) -> int | None:
    return next((link.department_id for link in links if link.is_lead), None)


def can_write_item(user, links) -> bool:
    """`links`: the item's ItemDepartment rows (prefetched)."""
    if is_admin(user):
        return True
    dept = department_id(user)
    return is_editor(user) and dept is not None and dept in item_department_ids(links)


def can_review_item(user, links) -> bool:
    if is_admin(user):
        return True
    dept = department_id(user)
    return is_reviewer(user) and dept is not None and dept == lead_department_id(links)


def can_write_kpi(user, kpi) -> bool:
    if is_admin(user):
        return True
    dept = department_id(user)
    return is_editor(user) and dept is not None and kpi.department_id == dept


def can_review_kpi(user, kpi) -> bool:
    if is_admin(user):
        return True
    dept = department_id(user)
    return is_reviewer(user) and dept is not None and kpi.department_id == dept


def reviews_own_submission(user, entry) -> bool:
    """Four eyes: a 承認者 does not approve what they submitted; an admin may."""
    return not is_admin(user) and entry.submitted_by_id == user.pk

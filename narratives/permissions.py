"""Who may write, submit and review narratives. Plain functions; every write checks here.

- Writers: admins, and editors (入力担当) whose department owns the item (any of its
  departments) or the KPI.
- Reviewers: admins, and 承認者 whose department answers for the item (its lead department) or
  owns the KPI. A 承認者 who is not an admin does not review what they submitted themselves.
- Drafts are read by signed-in staff (any role) of the organization only; the public reads
  approved text.
- Every role acts only inside its own organization (kpi/permissions.py): `where` is the plan,
  item or KPI whose organization is concerned.
"""

from __future__ import annotations

from kpi import permissions as kpi_permissions
from kpi.permissions import acts_in, department_id, is_admin, is_editor

from . import roles


def is_reviewer(user, where) -> bool:
    return roles.REVIEWER in kpi_permissions._groups(user) and acts_in(user, where)


def is_reviewer_anywhere(user) -> bool:
    """承認者 of some organization, in a department (the header's link to the status board)."""
    return (
        roles.REVIEWER in kpi_permissions._groups(user)
        and kpi_permissions.organization_id(user) is not None
        and department_id(user) is not None
    )


def sees_drafts(user, where) -> bool:
    """Staff of the organisation read drafts and submitted entries; the public does not."""
    return kpi_permissions.sees_preliminary(user, where) or is_reviewer(user, where)


def can_use(user, where) -> bool:
    """May open the narrative forms and the status board of `where`'s organization at all."""
    return is_admin(user, where) or (
        (is_editor(user, where) or is_reviewer(user, where)) and department_id(user) is not None
    )


def item_department_ids(links) -> set[int]:
    return {link.department_id for link in links}


def lead_department_id(links) -> int | None:
    return next((link.department_id for link in links if link.is_lead), None)


def can_write_item(user, item, links) -> bool:
    """`links`: the item's ItemDepartment rows (prefetched)."""
    if is_admin(user, item):
        return True
    dept = department_id(user)
    return is_editor(user, item) and dept is not None and dept in item_department_ids(links)


def can_review_item(user, item, links) -> bool:
    if is_admin(user, item):
        return True
    dept = department_id(user)
    return is_reviewer(user, item) and dept is not None and dept == lead_department_id(links)


def can_write_kpi(user, kpi) -> bool:
    if is_admin(user, kpi):
        return True
    dept = department_id(user)
    return is_editor(user, kpi) and dept is not None and kpi.department_id == dept


def can_review_kpi(user, kpi) -> bool:
    if is_admin(user, kpi):
        return True
    dept = department_id(user)
    return is_reviewer(user, kpi) and dept is not None and kpi.department_id == dept


def entry_subject(entry):
    """What a progress or commentary entry is about: its item or its KPI."""
    return entry.kpi if hasattr(entry, "kpi_id") else entry.item


def reviews_own_submission(user, entry) -> bool:
    """Four eyes: a 承認者 does not approve what they submitted; an admin may."""
    return not is_admin(user, entry_subject(entry)) and entry.submitted_by_id == user.pk

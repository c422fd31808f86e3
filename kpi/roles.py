"""The roles, kept as Django groups so that admins manage them in the admin site."""

from __future__ import annotations

ADMIN = "管理者"
EDITOR = "入力担当"
VIEWER = "閲覧者"
# The reviewer role belongs to narratives (narratives/roles.py names it from here): it is
# listed here so that the staff pages (kpi/staff.py) offer it without importing narratives.
REVIEWER = "承認者"

ALL_ROLES = (ADMIN, EDITOR, VIEWER)
# What an organization's admin may give their staff on /manage/staff/.
STAFF_ROLES = (ADMIN, EDITOR, VIEWER, REVIEWER)

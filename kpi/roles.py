"""The three roles, kept as Django groups so that admins manage them in the admin site."""

from __future__ import annotations

ADMIN = "管理者"
EDITOR = "入力担当"
VIEWER = "閲覧者"

ALL_ROLES = (ADMIN, EDITOR, VIEWER)

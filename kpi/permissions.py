"""Who may do what. Every write checks here, on the server, for every request."""

from __future__ import annotations

from . import roles


def is_admin(user) -> bool:
    """管理者: structure, users, reopening final values, publishing reports."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=roles.ADMIN).exists()

"""The reviewer role, a Django group beside the three of kpi/roles.py (created after migrate)."""

from __future__ import annotations

from kpi.roles import REVIEWER

__all__ = ["REVIEWER"]

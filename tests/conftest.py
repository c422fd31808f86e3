"""Shared fixtures: the real policy, its sample values, and a cast of users."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from initiatives.models import Plan

ROOT = Path(__file__).resolve().parent.parent
SOURCE_TEXT = ROOT / "fixtures" / "source" / "hokkaido_smart_docho_3.txt"
PLAN_SLUG = "hokkaido-smart-docho-3"


@pytest.fixture
def policy(db) -> Plan:
    """The real policy, loaded from the fixture it ships in."""
    call_command("loaddata", "hokkaido_smart_docho_3", verbosity=0)
    return Plan.objects.get(slug=PLAN_SLUG)


@pytest.fixture
def sample_values(policy) -> Plan:
    call_command("loaddata", "sample_values", verbosity=0)
    return policy


@pytest.fixture
def source_text() -> str:
    return SOURCE_TEXT.read_text(encoding="utf-8")

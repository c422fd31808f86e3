"""Shared fixtures: the real policy, its sample values, and a cast of users."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from initiatives.models import Plan

ROOT = Path(__file__).resolve().parent.parent
SOURCE_TEXT = ROOT / "fixtures" / "source" / "hokkaido_smart_docho_3.txt"
PLAN_SLUG = "hokkaido-smart-docho-3"


def pytest_configure(config):
    """Tests hash passwords quickly (tests/hashers.py); every other setting is production's."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["tests.hashers.FastPBKDF2PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Each test starts with no rendered pages kept: the data version restarts with each test's
    rolled-back database, so a page kept by an earlier test could carry the same key."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request with the English cookie activates
    English in this thread (smartdocho/middleware.py), which would carry into the next test."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


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


# --- a standing cast of users, one per role -------------------------------------------------


def _user(username: str, role: str | None, department=None, organization=None, **extra):
    """A user in `role`, working for `organization` (default: the home organization, the real
    policy's, see factories.home_organization) in `department`."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from kpi.models import StaffProfile
    from tests.factories import home_organization

    user = get_user_model().objects.create_user(username, password="pw-" + username, **extra)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if role or department is not None:
        if organization is None:
            organization = department.organization if department else home_organization()
        StaffProfile.objects.create(
            user=user, department=department, organization=organization or home_organization()
        )
    return user


@pytest.fixture
def departments(policy):
    """Two departments; the owning one has every KPI of pillars 1 and 2, the other pillar 3."""
    from kpi.models import Department, Kpi

    owning = Department.objects.create(
        code="joho", name="情報政策課", organization=policy.organization
    )
    other = Department.objects.create(code="jinji", name="人事課", organization=policy.organization)
    Kpi.objects.filter(plan=policy, pillar__number__in=(1, 2)).update(department=owning)
    Kpi.objects.filter(plan=policy, pillar__number=3).update(department=other)
    return owning, other


@pytest.fixture
def viewer(db):
    from kpi import roles

    return _user("viewer", roles.VIEWER)


@pytest.fixture
def editor(departments):
    from kpi import roles

    return _user("editor", roles.EDITOR, departments[0])


@pytest.fixture
def other_editor(departments):
    from kpi import roles

    return _user("other", roles.EDITOR, departments[1])


@pytest.fixture
def admin(db):
    from kpi import roles

    return _user("kanri", roles.ADMIN, is_staff=True)


@pytest.fixture
def viewer_client(client, viewer):
    """A signed-in reader: sees preliminary values as well as final ones."""
    client.force_login(viewer)
    return client

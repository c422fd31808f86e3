"""The first README command's setup step: real policy, sample values, demo users."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from initiatives.models import Plan
from kpi.models import Kpi, KpiValue

pytestmark = pytest.mark.django_db


def test_setup_demo_loads_everything_and_running_it_again_changes_nothing(settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    counts = (Plan.objects.count(), Kpi.objects.count(), KpiValue.objects.count())
    assert counts == (1, 16, 60)
    users = get_user_model().objects
    assert set(users.values_list("username", flat=True)) == {
        "admin",
        "editor",
        "editor2",
        "viewer",
        "reviewer",
    }
    editor = users.get(username="editor")
    assert editor.check_password("smartdocho-editor")
    assert editor.staff_profile.department.name == "情報政策課"
    assert list(editor.groups.values_list("name", flat=True)) == ["入力担当"]
    call_command("setup_demo", verbosity=0)
    assert (Plan.objects.count(), Kpi.objects.count(), KpiValue.objects.count()) == counts
    assert users.count() == 5


def test_setup_demo_refuses_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("setup_demo", verbosity=0)
    assert not get_user_model().objects.exists()

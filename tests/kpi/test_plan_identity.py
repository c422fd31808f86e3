"""An organization's admin loads plans only as their own organization, under its registered
name (issue 14): no renaming the organization, no plan under another government's name, and a
file of another organization refused with one message, not one per record."""

from __future__ import annotations

import pytest

from initiatives.models import Organization, Plan
from kpi import plan_io
from tests.factories import home_organization, make_organization, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_plan():
    city = make_organization("city", "例示市", kind="municipality", code="")
    plan = make_plan("city-plan", organization=city)
    Plan.objects.filter(pk=plan.pk).update(government="例示市")
    return city


def _own_file(slug: str = "city-plan") -> str:
    return plan_io.export_plan(slug, with_values=False)


def test_an_admin_may_reload_their_own_plan_as_exported(city_plan):
    report = plan_io.import_plan(_own_file().encode(), "p.yaml", organization=city_plan)
    assert report.ok and not report.changes


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("name: 例示市", "name: 北海道"),
        ("kind: municipality", "kind: prefecture"),
        ("code: ''", "code: '011002'"),
    ],
)
def test_an_admin_cannot_rename_their_organization_through_a_plan_file(city_plan, old, new):
    text = _own_file()
    assert old in text
    with pytest.raises(plan_io.PlanFileError) as caught:
        plan_io.import_plan(text.replace(old, new, 1).encode(), "p.yaml", organization=city_plan)
    assert "サイト管理者だけが変えられます" in str(caught.value.problems[0])
    city_plan.refresh_from_db()
    assert (city_plan.name, city_plan.kind, city_plan.code) == ("例示市", "municipality", "")


def test_an_admin_cannot_give_their_plan_another_governments_name(city_plan):
    text = _own_file().replace("government: 例示市", "government: 北海道", 1)
    with pytest.raises(plan_io.PlanFileError) as caught:
        plan_io.import_plan(text.encode(), "p.yaml", organization=city_plan)
    assert "団体名を「例示市」にしてください" in str(caught.value.problems[0])
    assert Plan.objects.get(slug="city-plan").government == "例示市"


@pytest.mark.parametrize("written", ["レイシ市(架空)", "ﾚｲｼ市(架空)", "レイシ市（架空）"])
def test_the_registered_name_in_other_widths_is_saved_as_registered(city_plan, written):
    # NFKC folds half-width katakana and full-width signs alike; the plan keeps one spelling.
    Organization.objects.filter(pk=city_plan.pk).update(name="ﾚｲｼ市（架空）")
    Plan.objects.filter(slug="city-plan").update(government="ﾚｲｼ市（架空）")
    city_plan.refresh_from_db()
    text = _own_file().replace("government: ﾚｲｼ市（架空）", f"government: {written}", 1)
    assert f"government: {written}" in text
    report = plan_io.import_plan(text.encode(), "p.yaml", organization=city_plan)
    assert report.applied and not report.changes, report.changes
    assert Plan.objects.get(slug="city-plan").government == "ﾚｲｼ市（架空）"


def test_the_site_administrator_may_rename_an_organization(city_plan):
    text = _own_file().replace("name: 例示市", "name: 例示市（改称）", 1)
    assert plan_io.import_plan(text.encode(), "p.yaml").applied
    assert Organization.objects.get(slug="city").name == "例示市（改称）"


def test_another_organizations_file_is_refused_with_one_problem(city_plan):
    make_plan("pref-plan", organization=home_organization())
    text = _own_file("pref-plan")
    with pytest.raises(plan_io.PlanFileError) as caught:
        plan_io.import_plan(text.encode(), "p.yaml", organization=city_plan)
    problems = caught.value.problems
    assert len(problems) == 1
    assert problems[0].message == plan_io.plan_organizations.OTHER_ORGANIZATION
    assert "該当" in problems[0].key


def test_the_import_page_says_whose_the_loaded_plan_becomes(client, city_plan):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from kpi import roles
    from kpi.models import StaffProfile

    user = get_user_model().objects.create_user("city-admin", password="x" * 12)
    user.groups.add(Group.objects.get_or_create(name=roles.ADMIN)[0])
    StaffProfile.objects.create(user=user, organization=city_plan)
    client.force_login(user)
    html = client.get("/manage/import-plan/").content.decode()
    assert 'あなたの団体「<span lang="ja">例示市</span>」のものになります' in html

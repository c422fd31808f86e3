"""A workbook's 所管課 names a department of the importing organization, never another's: two
governments may each have a 情報政策課 (issue 14)."""

from __future__ import annotations

import pytest

from kpi import plan_io
from kpi.models import Department, Kpi
from tests.conftest import ROOT
from tests.factories import home_organization, make_organization, workbook_for

pytestmark = pytest.mark.django_db

WORKBOOK = ROOT / "fixtures" / "examples" / "example_prefecture_plan.xlsx"
SLUG = "example-prefecture-dx"


def _import(organization):
    content = workbook_for(WORKBOOK, 団体名=organization.name)
    report = plan_io.import_plan(content, WORKBOOK.name, organization=organization)
    assert report.applied, report.problems
    return report


def test_a_department_name_another_organization_uses_makes_the_importers_own():
    hokkaido = home_organization()
    theirs = Department.objects.create(
        code="joho-seisaku", name="情報政策課", organization=hokkaido
    )
    city = make_organization("city", "例示市", kind="municipality")
    _import(city)
    kpis = Kpi.objects.filter(plan__slug=SLUG, department__name="情報政策課")
    assert kpis.exists()
    assert {k.department.organization_id for k in kpis} == {city.pk}
    assert not theirs.kpis.exists()
    assert Department.objects.get(pk=theirs.pk).name == "情報政策課"


def test_a_department_name_the_importer_already_has_is_its_own_department():
    city = make_organization("city", "例示市", kind="municipality")
    home_organization()
    Department.objects.create(
        code="other-joho", name="情報政策課", organization=home_organization()
    )
    own = Department.objects.create(code="city-joho", name="情報政策課", organization=city)
    _import(city)
    assert set(Kpi.objects.filter(plan__slug=SLUG, department__name="情報政策課")) == set(
        own.kpis.all()
    )
    # Reading it again finds the same departments: nothing changes.
    again = plan_io.import_plan(
        workbook_for(WORKBOOK, 団体名=city.name), WORKBOOK.name, organization=city, dry_run=True
    )
    assert again.ok and not again.changes and not again.new


@pytest.mark.parametrize("name", ["北海道", "例示県（架空の団体）", "例示市役所", ""])
def test_an_admin_cannot_load_a_plan_under_another_governments_name(name):
    home_organization()
    city = make_organization("city", "例示市", kind="municipality")
    content = workbook_for(WORKBOOK, 団体名=name)
    with pytest.raises(plan_io.PlanFileError) as caught:
        plan_io.import_plan(content, WORKBOOK.name, organization=city)
    assert not Kpi.objects.filter(plan__slug=SLUG).exists()
    messages = [str(p) for p in caught.value.problems]
    if name:
        assert any(
            "計画シート「団体名」" in m and "「例示市」にしてください" in m for m in messages
        )


def test_the_same_name_written_in_full_width_or_with_spaces_is_the_organizations():
    city = make_organization("city", "例示市Ａ", kind="municipality")
    _import_as = workbook_for(WORKBOOK, 団体名=" 例示市A ")
    report = plan_io.import_plan(_import_as, WORKBOOK.name, organization=city)
    assert report.applied

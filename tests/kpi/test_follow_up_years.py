"""A target past the plan's period (rule 13) can be judged: values are entered, and pages and
reports read, up to the latest target year of the plan's KPIs (the follow-up years)."""

from decimal import Decimal

import pytest

from kpi import services
from kpi.evaluation import AsOfError, resolve_as_of, value_years
from kpi.models import Kpi, KpiValue, TargetRevision
from tests.factories import make_shapes_plan

pytestmark = pytest.mark.django_db

PLAN = "/plans/shapes/"


@pytest.fixture
def shapes():
    return make_shapes_plan()  # R4–R7 (2022–2025); KPI "1.2" aims at 2030


def test_value_years_run_to_the_latest_target_year(shapes):
    assert value_years(shapes) == range(2022, 2031)


def test_value_years_are_the_plans_own_when_every_target_is_inside_it(shapes):
    Kpi.objects.filter(plan=shapes, target_fy__gt=2025).update(target_fy=2025)
    shapes.refresh_from_db()
    assert value_years(shapes) == range(2022, 2026)


def test_a_revised_target_past_the_others_extends_the_years(shapes):
    kpi = Kpi.objects.get(plan=shapes, code="①")
    TargetRevision.objects.create(
        kpi=kpi,
        effective_fy=2024,
        target_fy=2032,
        kind="at_least",
        value=1,
        decided_on="2024-04-01",
        reason="見直し",
    )
    shapes.refresh_from_db()
    assert value_years(shapes)[-1] == 2032


def _save(user, fy, value="35"):
    kpi = Kpi.objects.get(plan__slug="shapes", code="1.2")
    return services.values_save(
        user=user,
        fiscal_year=fy,
        rows=[services.ValueInput(kpi=kpi, value=Decimal(value), status="preliminary", version=0)],
    )


def test_a_value_for_a_follow_up_year_is_saved(shapes, admin):
    _save(admin, 2028)
    assert KpiValue.objects.filter(kpi__code="1.2", fiscal_year=2028).exists()


def test_a_value_after_the_latest_target_year_is_refused(shapes, admin):
    with pytest.raises(services.EntryRefused) as refused:
        _save(admin, 2031)
    assert services.OUTSIDE_PLAN in str(refused.value.result.errors)
    assert not KpiValue.objects.filter(fiscal_year=2031).exists()


@pytest.mark.parametrize(("fy", "code"), [(2027, 200), (2030, 200), (2031, 404), (2021, 404)])
def test_the_entry_page_opens_for_the_follow_up_years(client, shapes, admin, fy, code):
    client.force_login(admin)
    assert client.get(f"{PLAN}entry/{fy}/").status_code == code


def test_the_entry_page_links_the_follow_up_years(client, shapes, admin):
    client.force_login(admin)
    html = client.get(f"{PLAN}entry/2025/").content.decode()
    assert f'href="{PLAN}entry/2030/"' in html and f'href="{PLAN}entry/2031/"' not in html


def test_a_past_plan_target_is_judged_on_a_follow_up_years_value(client, shapes, admin):
    # "1.2": 0 in R3, 10 (R4), 20 (R5), cumulative, at least the 2030 target.
    kpi = Kpi.objects.get(plan=shapes, code="1.2")
    _save(admin, 2030, str(kpi.target_value))
    response = client.get(f"{PLAN}kpis/1.2/?as_of=2030")
    assert response.status_code == 200
    html = response.content.decode()
    assert "R12（2030年度）" in html and "達成" in html
    assert '<option value="2030" selected>' in html


@pytest.mark.parametrize("raw", ["2031", "R13", "2021"])
def test_an_as_of_year_outside_the_plan_and_its_follow_up_years_is_refused(shapes, raw):
    with pytest.raises(AsOfError) as refused:
        resolve_as_of(shapes, raw)
    assert "R4（2022年度）～R12（2030年度）" in str(refused.value)


def test_an_as_of_year_outside_is_a_400_with_the_years_allowed(client, shapes):
    response = client.get(f"{PLAN}kpis/1.2/?as_of=2031")
    assert response.status_code == 400
    assert "R12（2030年度）" in response.content.decode()


@pytest.mark.parametrize(("fy", "code"), [(2028, 200), (2031, 404)])
def test_the_report_opens_for_a_follow_up_year(client, shapes, admin, fy, code):
    client.force_login(admin)
    assert client.get(f"{PLAN}reports/{fy}/").status_code == code

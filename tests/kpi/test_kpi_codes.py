"""KPI codes are text as plans write them ("3.1", "①", "2-8-2", "(1)"), percent-encoded in
addresses; what cannot stand in an address is refused with a message, by the database too."""

from urllib.parse import unquote

import pytest
import yaml
from django.db import IntegrityError, transaction
from django.urls import reverse

from kpi import plan_io
from kpi.models import KPI_CODE_REFUSED, Kpi
from tests.conftest import ROOT
from tests.factories import home_organization

pytestmark = pytest.mark.django_db

TEMPLATE = ROOT / "fixtures" / "templates" / "plan_template.yaml"
SLUG = "example-city-dx-1"


def _with_code(code: str, government: str | None = None) -> bytes:
    """The blank template with every KPI coded `code`; `government` (団体名) as given."""
    records = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    for r in records:
        if r["model"] == "initiatives.plan" and government:
            r["fields"]["government"] = government
        if r["model"] == "kpi.kpi":
            r["fields"]["code"] = code
        if r["model"] in ("kpi.targetrevision", "kpi.yearlytarget"):
            r["fields"]["kpi"] = [SLUG, code]
    return yaml.safe_dump(records, allow_unicode=True, sort_keys=False).encode("utf-8")


@pytest.mark.parametrize("code", ["3.1", "①", "2-8-2", "(1)", "指標A", "1.10", "KPI 1"])
def test_a_code_as_the_plan_writes_it_loads_and_its_pages_answer(client, admin, code):
    # Loaded into the admin's organization, under its name: their role counts only there.
    home = home_organization()
    report = plan_io.import_plan(_with_code(code, home.name), "plan.yaml", organization=home)
    assert report.applied, report.problems
    kpi = Kpi.objects.get(plan__slug=SLUG, code=code)
    url = kpi.get_absolute_url()
    assert unquote(url) == f"/plans/{SLUG}/kpis/{code}/"
    assert url.isascii() and " " not in url  # percent-encoded where it must be
    response = client.get(url)
    assert response.status_code == 200
    assert code in response.content.decode()
    client.force_login(admin)
    for name in ("kpi:revise_target",):
        assert client.get(reverse(name, kwargs={"slug": SLUG, "code": code})).status_code == 200
    commentary = reverse("narratives:commentary", kwargs={"slug": SLUG, "code": code, "fy": "2024"})
    assert client.get(commentary).status_code in (200, 403)
    # The overview links to it with the same encoded address.
    assert f'href="{url}?as_of=' in client.get(f"/plans/{SLUG}/").content.decode()


@pytest.mark.parametrize("code", ["1/2", "a?b", "#1", "a\\b", " 1-1", "1-1 ", "1\t2"])
def test_a_code_that_cannot_stand_in_an_address_is_refused_and_nothing_is_written(code):
    report = plan_io.import_plan(_with_code(code), "plan.yaml")
    assert not report.applied
    assert any(KPI_CODE_REFUSED in p.message for p in report.problems), report.problems
    assert not Kpi.objects.filter(plan__slug=SLUG).exists()


@pytest.mark.parametrize("code", ["1/2", "a?b", "#1", "a\\b", ""])
def test_the_database_refuses_such_a_code_whatever_writes_it(policy, code):
    kpi = Kpi.objects.filter(plan=policy).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Kpi.objects.filter(pk=kpi.pk).update(code=code)

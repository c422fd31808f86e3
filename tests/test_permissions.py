"""The permission matrix: every role against every view and action, with the expected answer."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from kpi import services
from kpi.models import Kpi, KpiValue, PublishedReport, TargetRevision

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
ROLES = ["anonymous", "viewer", "editor", "other_editor", "admin"]
LOGIN = 302  # redirected to the login page


def _as(role, client, request):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


@pytest.fixture
def world(departments, editor, admin):
    """Sample values, plus one final R6 value of the owning department's KPI 2-1."""
    call_command("loaddata", "sample_values", verbosity=0)
    KpiValue.objects.filter(fiscal_year=2025).update(status="final")
    KpiValue.objects.filter(kpi__code="2-3", fiscal_year=2025).update(status="preliminary")
    return Kpi.objects.get(code="2-1")


READS = [
    PLAN,
    PLAN + "pillars/1/",
    PLAN + "kpis/2-3/",
    PLAN + "about/",
    PLAN + "reports/2025/",
    PLAN + "export.json",
    PLAN + "export.csv",
    "/methodology/",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", READS)
def test_committee_views_are_open_to_everyone(client, request, world, role, url):
    assert _as(role, client, request).get(url).status_code == 200


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("anonymous", False),
        ("viewer", True),
        ("editor", True),
        ("other_editor", True),
        ("admin", True),
    ],
)
def test_only_signed_in_staff_see_preliminary_values(client, request, world, role, sees):
    c = _as(role, client, request)
    page = c.get(PLAN + "kpis/2-3/").content.decode()
    export = c.get(PLAN + "export.json").content.decode()
    assert ("2,720" in page) is sees  # R7 of 2-3 is preliminary
    assert ('"value": 2720' in export) is sees
    assert "2,480" in page  # R6 is final: everyone sees it


ENTRY_GET = {"anonymous": LOGIN, "viewer": 403, "editor": 200, "other_editor": 200, "admin": 200}
ADMIN_ONLY_GET = {
    "anonymous": LOGIN,
    "viewer": 403,
    "editor": 403,
    "other_editor": 403,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_entry_page(client, request, world, role):
    assert _as(role, client, request).get(PLAN + "entry/2024/").status_code == ENTRY_GET[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", [PLAN + "entry/2024/status/", PLAN + "kpis/3-1/revise/"])
def test_admin_only_pages(client, request, world, role, url):
    assert _as(role, client, request).get(url).status_code == ADMIN_ONLY_GET[role]


def _post_value(client, code, value):
    from tests.kpi.test_entry import _form_data

    url = PLAN + "entry/2025/"
    return client.post(url, _form_data(client, url, **{code: {"value": value}}))


@pytest.mark.parametrize(
    ("role", "status", "saved"),
    [("viewer", 403, False), ("editor", 302, True), ("admin", 302, True)],
)
def test_saving_a_value_of_the_owning_department(client, request, world, role, status, saved):
    c = _as(role, client, request)
    if role == "viewer":
        response = c.post(PLAN + "entry/2025/", {})
    else:
        response = _post_value(c, "2-3", "2800")
    assert response.status_code == status
    value = KpiValue.objects.get(kpi__code="2-3", fiscal_year=2025).value
    assert (value == Decimal("2800")) is saved


def test_anonymous_cannot_post_values(client, world):
    response = client.post(PLAN + "entry/2025/", {"v-TOTAL_FORMS": "1"})
    assert response.status_code == LOGIN and "/accounts/login/" in response["Location"]


def test_other_departments_editor_cannot_reach_the_kpi_even_by_forging_its_id(
    client, request, world
):
    from tests.kpi.test_entry import _form_data

    c = _as("other_editor", client, request)
    url = PLAN + "entry/2025/"
    codes = [r.kpi.code for r in c.get(url).context["rows"]]
    assert codes == ["3-1", "3-2"]
    data = _form_data(c, url)
    data["v-0-kpi_id"] = str(Kpi.objects.get(code="2-3").id)
    data["v-0-value"] = "9999"
    assert c.post(url, data).status_code == 400
    assert KpiValue.objects.get(kpi__code="2-3", fiscal_year=2025).value == Decimal("2720")
    # And the service refuses it whatever the form says.
    with pytest.raises(services.EntryRefused) as refused:
        services.values_save(
            user=request.getfixturevalue("other_editor"),
            fiscal_year=2025,
            rows=[
                services.ValueInput(
                    kpi=Kpi.objects.get(code="2-3"),
                    value=Decimal(1),
                    status="preliminary",
                    version=1,
                )
            ],
        )
    assert refused.value.result.errors == {0: services.NOT_ALLOWED}


REOPEN = {"anonymous": LOGIN, "viewer": 403, "editor": 403, "other_editor": 403, "admin": 302}


@pytest.mark.parametrize("role", ROLES)
def test_reopening_a_final_value(client, request, world, role):
    value = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2025)
    response = _as(role, client, request).post(
        PLAN + "entry/2025/reopen/2-1/", {"version": value.version, "reason": "訂正依頼"}
    )
    assert response.status_code == REOPEN[role]
    value.refresh_from_db()
    assert (value.status == "preliminary") is (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_revising_a_target(client, request, world, role):
    data = {
        "effective_fy": 2024,
        "target_fy": 2025,
        "kind": "at_least",
        "value": "60",
        "decided_on": "2023-03-31",
        "reason": "計画の策定",
    }
    response = _as(role, client, request).post(PLAN + "kpis/3-1/revise/", data)
    assert response.status_code == REOPEN[role]
    assert TargetRevision.objects.exists() is (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_publishing_a_report(client, request, world, role):
    url = PLAN + "reports/2025/publish/"
    client.force_login(request.getfixturevalue("admin"))
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', client.get(url).content.decode())
    client.logout()
    data = {"confirm": token.group(1), "office": "情報政策課", "values": "final_only"}
    data["as_sample"] = "on"  # the sample values may be published only as a sample
    response = _as(role, client, request).post(url, data)
    assert response.status_code == REOPEN[role]
    assert PublishedReport.objects.exists() is (role == "admin")


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("viewer", 302), ("editor", 302), ("other_editor", 302), ("admin", 200)],
)
def test_django_admin_is_for_the_admin_role(client, request, world, role, status):
    assert _as(role, client, request).get("/admin/kpi/kpivalue/").status_code == status


def test_history_is_shown_to_signed_in_staff_only(client, request, world):
    anonymous = client.get(PLAN + "kpis/2-3/").content.decode()
    assert "変更履歴" not in anonymous
    viewer = _as("viewer", client, request).get(PLAN + "kpis/2-3/").content.decode()
    assert "変更履歴" in viewer

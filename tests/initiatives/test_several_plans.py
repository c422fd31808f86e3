"""Several plans in one database, each page scoped to its own; the admin's import page."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from initiatives.models import Plan
from kpi import plan_io
from kpi.models import Kpi
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

TEMPLATE = ROOT / "fixtures" / "templates" / "plan_template.yaml"
REAL = "/plans/hokkaido-smart-docho-3/"
OTHER = "/plans/example-city-dx-1/"


@pytest.fixture
def two_plans(sample_values):
    assert plan_io.import_plan(TEMPLATE.read_bytes(), TEMPLATE.name).applied
    return sample_values, Plan.objects.get(slug="example-city-dx-1")


def test_plans_are_listed_and_the_front_door_opens_the_current_one(client, two_plans, settings):
    html = client.get("/plans/").content.decode()
    assert "例示市DX推進計画（第1期）" in html and "Smart道庁" in html
    # The template's plan came with its own organization: / opens the one a setting names.
    settings.DEFAULT_ORGANIZATION = "010006"
    assert client.get("/")["Location"] == REAL


def test_no_page_mixes_two_plans(client, viewer, two_plans):
    client.force_login(viewer)
    real = client.get(REAL).content.decode()
    other = client.get(OTHER).content.decode()
    assert "（成果指標の名称）" not in real and "情報システム予算額" in real
    assert "情報システム予算額" not in other and "（成果指標の名称）" in other
    assert client.get(OTHER + "pillars/2/").status_code == 404
    assert client.get(OTHER + "kpis/2-1/").status_code == 404
    doc = json.loads(client.get(OTHER + "export.json").content)
    assert [k["code"] for k in doc["kpis"]] == ["1-1"]
    assert doc["plan"]["sample_data"] is False
    report = client.get(OTHER + "reports/2025/").content.decode()
    assert "情報システム予算額" not in report and "（成果指標の名称）" in report
    assert "サンプル値を表示しています" not in other


def test_editor_of_another_governments_department_only_enters_that_plans_kpis(client, two_plans):
    from kpi import roles
    from kpi.models import Department
    from tests.conftest import _user

    user = _user("reishi", roles.EDITOR, Department.objects.get(code="digital-office"))
    client.force_login(user)
    assert [r.kpi.code for r in client.get(OTHER + "entry/2025/").context["rows"]] == ["1-1"]
    # Another organization's plan: the editor's role does not count there (issue 14).
    assert Plan.objects.get(slug="example-city-dx-1").organization != two_plans[0].organization
    assert client.get(REAL + "entry/2025/").status_code == 403


def _as_home(content: bytes) -> bytes:
    """The template under the admin fixture user's organization's name (北海道), the only one
    they may load a plan under (kpi/plan_organizations.identity_problems)."""
    return content.replace("government: 例示市".encode(), "government: 北海道".encode())


def test_import_page_shows_problems_and_writes_nothing(client, admin, policy):
    client.force_login(admin)
    broken = _as_home(TEMPLATE.read_bytes()).replace(b"direction: higher", b"direction: up")
    response = client.post(
        "/manage/import-plan/", {"file": SimpleUploadedFile("plan.yaml", broken)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "direction" in html and "何も書き込んでいません" in html
    assert not Plan.objects.filter(slug="example-city-dx-1").exists()


def test_import_page_dry_run_then_confirm(client, admin, policy):
    client.force_login(admin)
    response = client.post(
        "/manage/import-plan/",
        {"file": SimpleUploadedFile("plan.yaml", _as_home(TEMPLATE.read_bytes()))},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "確認結果（まだ書き込んでいません）" in html and "11 件のオブジェクトを処理しました" in html
    )
    assert not Plan.objects.filter(slug="example-city-dx-1").exists()
    token = response.context["token"]
    response = client.post("/manage/import-plan/", {"confirm": "1", "token": token})
    assert "読み込みました" in response.content.decode()
    assert Kpi.objects.filter(plan__slug="example-city-dx-1").count() == 1
    # A second confirm without a new upload does nothing and says why.
    again = client.post("/manage/import-plan/", {"confirm": "1", "token": token})
    assert again.status_code == 400 and "確認する取り込みがありません" in again.content.decode()


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_import_page_is_for_admins_only(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/manage/import-plan/").status_code == 403
    assert client.get("/manage/import-plan/", follow=False).status_code == 403


@pytest.mark.parametrize(
    "label, shown",
    [("initiatives.plan", "方針"), ("kpi.kpi", "成果指標"), ("kpi.historicalkpivalue", "の履歴")],
)
def test_import_problems_name_each_record_as_people_call_it(client, admin, policy, label, shown):
    from kpi.plan_io import Problem

    problem = Problem(1, label, "x", "", "誤り")
    assert shown in problem.model_name and "." not in problem.model_name
    client.force_login(admin)
    broken = _as_home(TEMPLATE.read_bytes()).replace(b"direction: higher", b"direction: up")
    html = client.post(
        "/manage/import-plan/", {"file": SimpleUploadedFile("plan.yaml", broken)}
    ).content.decode()
    cells = re.findall(r'<td lang="ja">([^<]*)</td>', html)
    assert "成果指標（KPI）" in cells
    assert not any(c.startswith(("kpi.", "initiatives.")) for c in cells)

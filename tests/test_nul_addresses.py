"""An address holding a NUL character (%00) is a 400 with a message, on every kind of page:
PostgreSQL refuses such a string with an error, which would otherwise be a 500."""

from __future__ import annotations

import pytest

from kpi.models import KpiValue

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


@pytest.mark.parametrize(
    "path",
    [
        "/organizations/%00/",
        "/organizations/?q=%00",
        "/organizations/?q=a%00b&page=2",
        "/organizations/?page=%00",
        PLAN + "kpis/1-1%00/",
        PLAN + "kpis/%00/",
        PLAN + "?as_of=%00",
        PLAN + "reports/2025%00/",
        PLAN + "export.json?as_of=R7%00",
        PLAN + "entry/2025/?show=%00",
        "/plans/%00/",
        "/language/en/?next=/%00",
        "/accounts/login/?next=%00",
    ],
)
def test_a_nul_in_the_address_is_a_400_that_says_so(admin_client, sample_values, path):
    response = admin_client.get(path)
    assert response.status_code == 400, path
    assert "アドレスに使えない文字（NUL）が含まれています。" in response.content.decode()


def test_a_post_to_an_address_with_a_nul_changes_nothing(admin_client, sample_values):
    before = list(KpiValue.objects.values_list("id", "value", "version"))
    response = admin_client.post(PLAN + "entry/2025/?x=%00", {"kpi": "1-1", "value": "1"})
    assert response.status_code == 400
    assert list(KpiValue.objects.values_list("id", "value", "version")) == before


def test_a_percent_sign_that_is_not_a_nul_is_left_alone(client, sample_values):
    assert client.get("/organizations/?q=%2500").status_code == 200  # "%00" typed as text

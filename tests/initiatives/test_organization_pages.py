"""Finding one's way among many organizations (issue 14): the list, each organization's page,
the front door, each organization's own current plan, and the header naming where one is."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from initiatives.models import Organization, Plan
from kpi.models import StaffProfile
from tests.factories import home_organization, make_organization

pytestmark = pytest.mark.django_db

KINDS = ["prefecture", "municipality", "special_ward", "union", "other"]


def _organizations(n: int, start: int = 0) -> list[Organization]:
    return Organization.objects.bulk_create(
        Organization(slug=f"org-{i:04d}", name=f"生成団体{i:04d}", kind=KINDS[i % len(KINDS)])
        for i in range(start, start + n)
    )


def _plan(organization: Organization, slug: str, *, is_current: bool = False, last_fy=2025):
    return Plan.objects.create(
        slug=slug,
        organization=organization,
        government=organization.name,
        title=f"{organization.name}の計画 {slug}",
        first_fy=2022,
        last_fy=last_fy,
        is_current=is_current,
    )


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/organizations/[^"]+" lang="ja">([^<]+)</a>', html)


def test_the_list_shows_each_organization_with_its_current_plan(client):
    city = make_organization("city", "例示市", kind="municipality")
    _plan(city, "city-old", last_fy=2024)
    current = _plan(city, "city-now", is_current=True, last_fy=2022)
    _plan(make_organization("town", "例示町", kind="municipality"), "town-latest", last_fy=2026)
    make_organization("empty", "計画のない団体")
    html = client.get("/organizations/").content.decode()
    row = re.search(r"例示市</a></th>.*?</tr>", html).group(0)
    # The one marked 現行 wins over a later one; without one, the latest.
    assert current.title in row and "city-old" not in row
    assert "town-latest" in re.search(r"例示町</a></th>.*?</tr>", html).group(0)
    row = re.search(r"計画のない団体</a></th>.*?</tr>", html).group(0)
    assert "方針はまだ登録されていません。" in row


def test_the_list_is_in_code_order_with_organizations_without_a_code_last(client):
    make_organization("no-code", "コードなし組合", kind="union")
    make_organization("sapporo", "札幌市", code="011002", kind="municipality")
    home_organization()  # 北海道 010006
    assert _names(client.get("/organizations/").content.decode()) == [
        "北海道",
        "札幌市",
        "コードなし組合",
    ]


def test_the_list_is_paginated_fifty_a_page_and_says_which_rows_it_shows(client):
    _organizations(120)
    first = client.get("/organizations/").content.decode()
    assert len(_names(first)) == 50 and "生成団体0000" in first and "生成団体0050" not in first
    assert "登録されている団体：120件" in first and "（1～50件目を表示）" in first
    third = client.get("/organizations/?page=3").content.decode()
    assert _names(third) == [f"生成団体{i:04d}" for i in range(100, 120)]
    assert 'rel="prev"' in third and 'rel="next"' not in third


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999999", "9" * 40, "1.5", ""])
def test_a_page_number_out_of_range_or_not_a_number_shows_a_page_not_an_error(client, page):
    _organizations(60)
    response = client.get("/organizations/", {"page": page})
    assert response.status_code == 200
    assert len(_names(response.content.decode())) in (50, 10)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("生成団体0007", ["生成団体0007"]),
        ("0110", ["札幌市"]),  # the start of a code
        ("０１１００２", ["札幌市"]),  # full-width digits fold
        ("札幌", ["札幌市"]),
        ("さっぽろデジタル", ["札幌市"]),  # a word of its plan's title
        ("特別区", ["生成団体0002", "生成団体0007"]),  # the kind
        ("  札幌市  ", ["札幌市"]),
        ("存在しない団体", []),
    ],
)
def test_search_finds_by_name_code_kind_and_plan_title(client, query, expected):
    _organizations(10)
    sapporo = make_organization("sapporo", "札幌市", code="011002", kind="municipality")
    Plan.objects.create(
        slug="sapporo-dx",
        organization=sapporo,
        government="札幌市",
        title="さっぽろデジタル推進計画",
        first_fy=2023,
        last_fy=2027,
    )
    html = client.get("/organizations/", {"q": query}).content.decode()
    assert _names(html) == expected
    if not expected:
        assert "当てはまる団体はありません。" in html


def test_search_keeps_its_words_across_pages(client):
    _organizations(70)
    html = client.get("/organizations/", {"q": "生成団体"}).content.decode()
    assert 'href="?q=%E7%94%9F%E6%88%90%E5%9B%A3%E4%BD%93&amp;page=2"' in html


def test_an_overlong_or_odd_search_is_answered_without_an_error(client):
    _organizations(3)
    for query in ["x" * 100_000, "%", "_", "\\", "'; DROP TABLE x; --", "\x00"]:
        response = client.get("/organizations/", {"q": query})
        assert response.status_code in (200, 400), query


def test_the_list_takes_the_same_number_of_queries_for_ten_or_three_hundred_organizations(
    client,
):
    def count() -> int:
        client.get("/organizations/?page=2")  # warm sessions, the data version
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/organizations/?page=2").status_code == 200
        return len(queries)

    for i, organization in enumerate(_organizations(60)):
        _plan(organization, f"p-{i}", is_current=True)
    small = count()
    for i, organization in enumerate(_organizations(240, start=60)):
        _plan(organization, f"q-{i}", is_current=True)
        _plan(organization, f"r-{i}")
    assert count() == small


def test_an_organization_page_is_found_by_its_code_or_its_identifier(client):
    hokkaido = home_organization()
    _plan(hokkaido, "old-plan", last_fy=2023)
    _plan(hokkaido, "now-plan", is_current=True)
    html = client.get("/organizations/010006/").content.decode()
    assert '<h1 lang="ja">北海道</h1>' in html and "都道府県" in html
    assert html.index("now-plan") < html.index("old-plan")
    assert client.get("/organizations/hokkaido/").status_code == 200
    assert client.get("/organizations/０１０００６/").status_code == 200
    union = make_organization("kumiai", "広域連合（例）", kind="union")
    assert union.get_absolute_url() == "/organizations/kumiai/"
    assert "広域連合（例）" in client.get("/organizations/kumiai/").content.decode()


def test_an_unknown_organization_is_a_404_that_leads_to_the_list(client):
    response = client.get("/organizations/999999/")
    assert response.status_code == 404
    assert '<a href="/organizations/">団体の一覧</a>' in response.content.decode()


def test_each_organization_has_its_own_current_plan(db):
    _plan(home_organization(), "a-now", is_current=True)
    city = make_organization("city", "例示市")
    _plan(city, "b-now", is_current=True)  # a second current plan, in another organization
    with pytest.raises(IntegrityError), transaction.atomic():
        _plan(city, "b-too", is_current=True)
    assert Plan.objects.current(organization=city).slug == "b-now"


def test_the_front_door_opens_the_only_organizations_current_plan(client):
    _plan(home_organization(), "only", is_current=True)
    assert client.get("/")["Location"] == "/plans/only/"


def test_with_several_organizations_the_front_door_lists_them(client):
    _plan(home_organization(), "a", is_current=True)
    _plan(make_organization("city", "例示市"), "b", is_current=True)
    assert client.get("/")["Location"] == "/organizations/"


@pytest.mark.parametrize("setting", ["city", "221309", "２２１３０９"])
def test_the_front_door_opens_the_organization_a_setting_names(client, settings, setting):
    _plan(home_organization(), "a", is_current=True)
    _plan(make_organization("city", "浜松市", code="221309"), "b", is_current=True)
    settings.DEFAULT_ORGANIZATION = setting
    assert client.get("/")["Location"] == "/plans/b/"


def test_a_setting_that_names_no_organization_falls_back_to_the_list(client, settings):
    _plan(home_organization(), "a", is_current=True)
    _plan(make_organization("city", "例示市"), "b", is_current=True)
    settings.DEFAULT_ORGANIZATION = "no-such-org"
    assert client.get("/")["Location"] == "/organizations/"


def test_staff_are_sent_to_their_own_organizations_plan(client, settings):
    _plan(home_organization(), "a", is_current=True)
    city = make_organization("city", "例示市")
    _plan(city, "b", is_current=True)
    settings.DEFAULT_ORGANIZATION = "hokkaido"
    user = get_user_model().objects.create_user("city-staff", password="x" * 12)
    StaffProfile.objects.create(user=user, organization=city)
    client.force_login(user)
    assert client.get("/")["Location"] == "/plans/b/"


def test_an_organization_without_a_plan_opens_its_page(client, settings):
    _plan(home_organization(), "a", is_current=True)
    make_organization("city", "例示市")
    settings.DEFAULT_ORGANIZATION = "city"
    assert client.get("/")["Location"] == "/organizations/city/"


def test_the_header_names_the_organization_and_the_plan_on_every_plan_page(client, sample_values):
    plan = sample_values
    for url in [
        plan.get_absolute_url(),
        f"{plan.get_absolute_url()}pillars/1/",
        f"{plan.get_absolute_url()}kpis/1-1/",
        f"{plan.get_absolute_url()}about/",
        f"{plan.get_absolute_url()}reports/2025/",
    ]:
        html = client.get(url).content.decode()
        context = re.search(r'<p class="plan-context">.*?</p>', html).group(0)
        assert '<a href="/organizations/010006/" lang="ja">北海道</a>' in context, url
        assert plan.title in context, url


def test_every_page_links_the_organization_list(client, policy):
    html = client.get("/plans/").content.decode()
    assert '<a href="/organizations/">団体の一覧</a>' in html


def test_off_plan_pages_link_staff_to_their_own_organizations_entry_page(client):
    from django.contrib.auth.models import Group

    from kpi import roles
    from kpi.models import Department

    _plan(home_organization(), "a", is_current=True)
    city = make_organization("city", "例示市")
    _plan(city, "b", is_current=True)
    department = Department.objects.create(code="city-d", name="例示課", organization=city)
    user = get_user_model().objects.create_user("city-editor", password="x" * 12)
    user.groups.add(Group.objects.get_or_create(name=roles.EDITOR)[0])
    StaffProfile.objects.create(user=user, organization=city, department=department)
    client.force_login(user)
    html = client.get("/organizations/").content.decode()
    assert 'href="/plans/b/entry/2025/"' in html and "/plans/a/entry/" not in html
    assert client.get("/plans/b/entry/2025/").status_code == 200


def test_the_plan_list_is_paginated_and_names_each_plans_organization(client):
    organizations = _organizations(60)
    for i, organization in enumerate(organizations):
        _plan(organization, f"p-{i:03d}")
    first = client.get("/plans/").content.decode()
    assert first.count('<th scope="row"><a href="/plans/') == 50
    assert "登録されている方針：60件" in first and 'rel="next"' in first
    assert '<a href="/organizations/org-0000/" lang="ja">生成団体0000</a>' in first
    second = client.get("/plans/?page=2").content.decode()
    assert second.count('<th scope="row"><a href="/plans/') == 10


def test_the_methodology_page_lists_the_thresholds_of_the_plan_it_was_opened_from(client):
    organizations = _organizations(30)
    for i, organization in enumerate(organizations):
        _plan(organization, f"p-{i:03d}")
    html = client.get("/methodology/?plan=p-007").content.decode()
    table = html.split('id="plans-heading"', 1)[1].split("</table>", 1)[0]
    assert "p-007" in table and table.count('<th scope="row">') == 1
    # Without a plan, with many organizations and none named: no table of every plan.
    assert 'id="plans-heading"' not in client.get("/methodology/").content.decode()
    # A plan page's footer links the methodology of that plan.
    page = client.get("/plans/p-003/").content.decode()
    assert 'href="/methodology/?plan=p-003"' in page

"""Each role finds its way (issue 16, point 4): every link in the header answers 200 for the
role that is shown it, nobody is shown a link that refuses them, and the plan list is one click
away from every page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
PAGES = {
    "anonymous": [
        "/plans/",
        PLAN,
        PLAN + "about/",
        PLAN + "pillars/1/",
        PLAN + "kpis/2-3/",
        PLAN + "reports/2025/",
        "/methodology/",
        "/accounts/login/",
    ],
}
PAGES["viewer"] = PAGES["anonymous"][:-1]
PAGES["editor"] = PAGES["viewer"] + [PLAN + "entry/2024/", PLAN + "entry/2024/upload/"]
PAGES["admin"] = PAGES["editor"] + [
    PLAN + "entry/2024/status/",
    PLAN + "kpis/3-1/revise/",
    "/manage/import-plan/",
    "/manage/staff/",
    "/manage/departments/",
]


def _header_links(html: str) -> list[str]:
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    return [h.replace("&amp;", "&") for h in re.findall(r'<a href="([^"]+)"', header)]


@pytest.fixture
def as_role(client, sample_values, viewer, editor, admin):
    users = {"viewer": viewer, "editor": editor, "admin": admin}

    def sign_in(role: str):
        client.logout()
        if role in users:
            client.force_login(users[role])
        return client

    return sign_in


@pytest.mark.parametrize("role", ["anonymous", "viewer", "editor", "admin"])
def test_every_header_link_answers_200_for_the_role_that_sees_it(as_role, role):
    client = as_role(role)
    checked: dict[str, int] = {}
    for page in PAGES[role]:
        response = client.get(page)
        assert response.status_code == 200, page
        links = _header_links(response.content.decode())
        assert "/plans/" in links, f"{page} has no link to the plan list"
        for link in links:
            if link in checked:
                continue
            # The site name ("/") and the language switch redirect; where they lead must answer.
            checked[link] = client.get(link, follow=True).status_code
            assert checked[link] == 200, (page, link, checked[link])
            if link.startswith("/language/"):
                client.get("/language/ja/")  # the rest of the walk stays in Japanese


def _links_on(client, page="/plans/"):
    return _header_links(client.get(page).content.decode())


def test_admin_header_links_to_import_upload_staff_plans_and_the_admin_site(as_role):
    links = _links_on(as_role("admin"), PLAN)
    for expected in (
        "/plans/",
        "/manage/import-plan/",
        PLAN + "entry/2025/upload/",
        PLAN + "entry/2025/",
        PLAN + "entry/2025/status/",
        "/manage/staff/",
        "/admin/",
    ):
        assert expected in links, expected
    # The User admin is the site administrator's: an organization's admin manages staff on
    # /manage/staff/.
    assert "/admin/auth/user/" not in links


def test_the_site_administrator_is_offered_the_user_admin_too(as_role, admin):
    admin.is_superuser = True
    admin.save()
    links = _links_on(as_role("admin"), PLAN)
    assert "/admin/auth/user/" in links
    assert any(link.startswith("/manage/staff/") for link in links)


def test_header_links_follow_the_year_of_the_page(as_role):
    links = _links_on(as_role("admin"), PLAN + "entry/2024/")
    assert PLAN + "entry/2024/upload/" in links and PLAN + "entry/2024/status/" in links


@pytest.mark.parametrize("role", ["anonymous", "viewer"])
def test_readers_are_not_offered_entry_or_admin_pages(as_role, role):
    links = _links_on(as_role(role), PLAN)
    assert not [
        link for link in links if "/entry/" in link or "/admin/" in link or "/manage/" in link
    ]


def test_editor_is_offered_entry_and_upload_but_not_admin_pages(as_role):
    links = _links_on(as_role("editor"), PLAN)
    assert PLAN + "entry/2025/" in links and PLAN + "entry/2025/upload/" in links
    assert not [link for link in links if "/status/" in link or "/admin/" in link]
    assert "/manage/import-plan/" not in links and "/manage/staff/" not in links


def test_admin_role_without_staff_status_is_not_offered_the_admin_site(as_role, admin):
    admin.is_staff = False
    admin.save()
    client = as_role("admin")
    links = _links_on(client, PLAN)
    assert "/admin/" not in links and "/admin/auth/user/" not in links
    assert "/manage/import-plan/" in links


def _approver(department):
    """A 承認者 (and nothing else) in `department`."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from kpi.models import StaffProfile
    from narratives import roles

    reviewer = get_user_model().objects.create_user("shonin-only")
    reviewer.groups.add(Group.objects.get_or_create(name=roles.REVIEWER)[0])
    StaffProfile.objects.create(
        user=reviewer, department=department, organization=department.organization
    )
    return reviewer


@pytest.mark.parametrize("page", ["kpis/2-3/commentary/2025/", "entry/2025/narratives/"])
def test_a_reviewer_is_not_offered_the_value_entry_link_that_would_refuse_them(
    client, sample_values, departments, page
):
    client.force_login(_approver(departments[0]))
    entry = "/plans/hokkaido-smart-docho-3/entry/2025/"
    assert client.get(entry).status_code == 403
    response = client.get("/plans/hokkaido-smart-docho-3/" + page)
    assert response.status_code == 200
    assert f'href="{entry}"' not in response.content.decode()


def test_the_login_link_brings_the_reader_back_to_the_page_with_its_query(client, sample_values):
    html = client.get("/plans/hokkaido-smart-docho-3/?as_of=2024").content.decode()
    assert "/accounts/login/?next=/plans/hokkaido-smart-docho-3/%3Fas_of%3D2024" in html


@pytest.mark.parametrize("page", ["", "kpis/2-3/", "reports/2025/"])
def test_a_reviewer_finds_what_waits_for_approval_from_the_header(
    client, sample_values, departments, page
):
    """A 承認者 has no entry page; the status board, where submissions wait, is in the header."""
    client.force_login(_approver(departments[0]))
    links = _links_on(client, PLAN + page)
    board = [link for link in links if link.endswith("/narratives/")]
    assert board == [PLAN + "entry/2025/narratives/"]
    assert client.get(board[0]).status_code == 200


def test_a_viewer_is_not_offered_the_status_board(as_role):
    links = _links_on(as_role("viewer"), PLAN)
    assert not any(link.endswith("/narratives/") for link in links)


def test_the_site_administrators_staff_link_opens_the_organization_of_the_page(as_role, admin):
    """A superuser manages every organization's staff; from a plan's page, that plan's."""
    admin.is_superuser = True
    admin.save()
    links = _links_on(as_role("admin"), PLAN)
    assert "/manage/staff/?org=hokkaido" in links
    assert as_role("admin").get("/manage/staff/?org=hokkaido").status_code == 200

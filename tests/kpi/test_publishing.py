"""Publishing the annual report: the confirmation, what becomes public, corrections (訂正版).

Issue 10, point 4: publishing never leaks a preliminary value nobody chose to publish, never
invents changes, refuses sample data as a real report, and keeps every published version.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from openpyxl import load_workbook

from kpi.models import KpiValue, PublishedReport
from pages import publishing
from smartdocho.etags import data_version

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
REPORT = PLAN + "reports/2025/"
PUBLISH = REPORT + "publish/"
OFFICE = "総務部デジタル推進課"
AUDIENCES = ["anonymous", "viewer", "editor", "admin"]


@pytest.fixture
def real_values(sample_values):
    """The sample values treated as real data: R4–R6 final, R7 (2025) preliminary."""
    KpiValue.objects.update(is_sample=False, source="統計調査")
    return sample_values


def _as(client, request, role):
    client.logout()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def _token(client, url=PUBLISH):
    html = client.get(url).content.decode()
    return re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)


def _publish(client, admin, url=PUBLISH, **fields):
    client.force_login(admin)
    data = {"confirm": _token(client, url), "office": OFFICE, "values": "with_preliminary"}
    data.update(fields)
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def _changes(html):
    """The rows of the 公表後のデータの変更 table: [(code, what, then, now)]."""
    section = html.split('id="changes-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(
        r"<tr><td>([^<]+)</td><th scope=\"row\">[^<]*</th><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>",
        section,
    )


def _set(code, fy, **fields):
    """Change one value through save(), as the application does (history, data version)."""
    value = KpiValue.objects.get(kpi__code=code, fiscal_year=fy)
    for name, v in fields.items():
        setattr(value, name, v)
    value.save()


def _cells(content):
    book = load_workbook(io.BytesIO(content))
    return {
        name: [c.value for row in book[name].iter_rows() for c in row] for name in book.sheetnames
    }


# --- the confirmation ----------------------------------------------------------------------


def test_confirmation_lists_every_preliminary_value_and_changes_nothing(client, real_values, admin):
    client.force_login(admin)
    before = data_version()
    response = client.get(PUBLISH)
    assert response.status_code == 200
    html = response.content.decode()
    preliminary = KpiValue.objects.filter(status="preliminary").select_related("kpi", "kpi__unit")
    # Every preliminary value of the year, however many the sample data holds.
    assert preliminary.count() > 5
    table = html.split("報告書に含まれる速報値", 1)[1].split("</table>", 1)[0]
    for v in preliminary:
        assert f"<td>{v.kpi.code}</td>" in table
        assert v.kpi.unit.format(v.value) in table
    assert "1-3" in table and "（構成要素の平均）" in table  # the parent's mean is public too
    assert "サンプル値は含まれません" in html
    assert not PublishedReport.objects.exists() and data_version() == before


def test_confirmation_of_sample_data_says_it_cannot_be_a_real_report(client, sample_values, admin):
    client.force_login(admin)
    html = client.get(PUBLISH).content.decode()
    assert "実際の報告書としては公表できません" in html
    assert 'name="as_sample"' in html


def test_a_report_without_preliminary_values_asks_no_choice(client, real_values, admin):
    KpiValue.objects.filter(status="preliminary").delete()
    client.force_login(admin)
    html = client.get(PUBLISH).content.decode()
    assert "速報値は含まれません" in html and 'name="values"' not in html
    response = _publish(client, admin, values=None)
    assert response.status_code == 302
    assert PublishedReport.objects.get().includes_preliminary is False


# --- refusals: a 4xx with a message, nothing written ---------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"office": "  "}, publishing.NEEDS_OFFICE),
        ({"values": None}, publishing.NEEDS_CHOICE),
        ({"values": "everything"}, "速報値の扱い"),
        ({"reason": "誤記の訂正"}, publishing.NOT_A_CORRECTION),
        ({"office": "課" * 201}, "公表する部署"),
        ({"confirm": "0" * 40}, publishing.STALE),
        ({"confirm": None}, publishing.NEEDS_CONFIRM),
        ({"confirm": "x" * 65}, publishing.NEEDS_CONFIRM),
        ({"office": "\u202eevil"}, "文字の向きを変える制御文字"),
        ({"office": "情報政策課 <b>x</b>"}, "HTMLのタグ"),
        ({"office": "課\x1b"}, "制御文字"),
    ],
    ids=[
        "no-office",
        "no-choice",
        "bad-choice",
        "reason-on-first",
        "long-office",
        "stale",
        "no-confirm",
        "long-confirm",
        "office-direction-override",
        "office-markup",
        "office-control",
    ],
)
def test_bad_publication_input_is_refused_and_writes_nothing(
    client, real_values, admin, fields, message
):
    before = data_version()
    response = _publish(client, admin, **fields)
    assert response.status_code in (400, 409)
    assert str(message) in response.content.decode()
    assert not PublishedReport.objects.exists() and data_version() == before


def test_sample_data_is_refused_as_a_real_report(client, sample_values, admin):
    response = _publish(client, admin)
    assert response.status_code == 400
    assert str(publishing.SAMPLE_REFUSED) in response.content.decode()
    assert not PublishedReport.objects.exists()


def test_one_sample_value_among_real_ones_makes_the_report_a_sample(client, real_values, admin):
    _set("3-1", 2024, is_sample=True)
    assert _publish(client, admin).status_code == 400
    assert _publish(client, admin, as_sample="on").status_code == 302
    assert PublishedReport.objects.get().is_sample


def test_data_changed_after_the_confirmation_is_not_published(client, real_values, admin):
    client.force_login(admin)
    token = _token(client)
    _set("2-1", 2025, value=Decimal("160"))
    response = client.post(PUBLISH, {"confirm": token, "office": OFFICE, "values": "final_only"})
    assert response.status_code == 409
    html = response.content.decode()
    assert str(publishing.STALE) in html
    assert "160" in html.split("報告書に含まれる速報値", 1)[1]  # the page shows today's data
    assert not PublishedReport.objects.exists()


def test_publishing_twice_from_the_same_confirmation_publishes_once(client, real_values, admin):
    client.force_login(admin)
    token = _token(client)
    data = {"confirm": token, "office": OFFICE, "values": "with_preliminary"}
    assert client.post(PUBLISH, data).status_code == 302
    second = client.post(PUBLISH, data)
    assert second.status_code == 409
    assert PublishedReport.objects.count() == 1


@pytest.mark.parametrize("fy", ["2030", "2019", "R20", "abc"])
def test_a_year_outside_the_plan_is_refused(client, real_values, admin, fy):
    client.force_login(admin)
    for response in (
        client.get(PLAN + f"reports/{fy}/publish/"),
        client.post(PLAN + f"reports/{fy}/publish/", {"office": OFFICE}),
    ):
        assert response.status_code == 404
        assert "年度" in response.content.decode()
    assert not PublishedReport.objects.exists()


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "get_status", "post_status"),
    [
        ("anonymous", 302, 302),
        ("viewer", 403, 403),
        ("editor", 403, 403),
        ("other_editor", 403, 403),
        ("admin", 200, 302),
    ],
)
@pytest.mark.parametrize("correction", [False, True], ids=["publish", "correct"])
def test_only_an_admin_may_publish_or_correct(
    client, request, real_values, admin, role, get_status, post_status, correction
):
    if correction:
        assert _publish(client, admin).status_code == 302
    token = _token(_as(client, request, "admin"))
    count = PublishedReport.objects.count()
    client = _as(client, request, role)
    assert client.get(PUBLISH).status_code == get_status
    data = {"confirm": token, "office": OFFICE, "values": "with_preliminary"}
    if correction:
        data["reason"] = "誤記の訂正"
    assert client.post(PUBLISH, data).status_code == post_status
    assert PublishedReport.objects.count() == count + (role == "admin")


def test_other_methods_are_refused(client, real_values, admin):
    client.force_login(admin)
    assert client.put(PUBLISH).status_code == 405
    assert client.delete(PUBLISH).status_code == 405


# --- what the public sees --------------------------------------------------------------------


def test_preliminary_values_published_knowingly_are_public_and_listed_in_the_copy(
    client, real_values, admin
):
    assert _publish(client, admin).status_code == 302
    report = PublishedReport.objects.get()
    assert report.includes_preliminary and report.office == OFFICE and report.version == 1
    listed = {(v["code"], v["fiscal_year"]) for v in report.snapshot["preliminary_values"]}
    assert ("2-1", 2025) in listed
    client.logout()
    html = client.get(REPORT).content.decode()
    row = html.split("ICTツールの業務への導入数", 1)[1].split("</tr>", 1)[0]
    assert "152件" in row and "速報値" in row


def test_final_only_publication_shows_no_preliminary_value_anywhere(
    client, request, real_values, admin
):
    assert _publish(client, admin, values="final_only").status_code == 302
    report = PublishedReport.objects.get()
    assert not report.includes_preliminary and report.snapshot["preliminary_values"] == []
    rows = [r for p in report.snapshot["pillars"] for r in p["kpis"]]
    assert not any(r["preliminary"] for r in rows)
    for role in ("anonymous", "admin"):
        html = _as(client, request, role).get(REPORT).content.decode()
        row = html.split("ICTツールの業務への導入数", 1)[1].split("</tr>", 1)[0]
        assert "131件" in row and "速報値" not in row
        assert "152" not in html.split('id="pillar-2"', 1)[1]  # nor in the charts
        assert _changes(html) == []
        cells = _cells(client.get(REPORT + "report.xlsx").content)["成果指標"]
        assert "速報値" not in cells and 152 not in cells and "152" not in cells


def test_unpublished_report_shows_the_public_no_preliminary_value(client, real_values):
    html = client.get(REPORT).content.decode()
    assert "未公表" in html
    row = html.split("ICTツールの業務への導入数", 1)[1].split("</tr>", 1)[0]
    assert "152" not in row and "131件" in row
    cells = _cells(client.get(REPORT + "report.xlsx").content)["成果指標"]
    assert 152 not in cells and "速報値" not in cells and 131 in cells


def test_public_page_names_the_office_and_no_user(client, real_values, admin):
    assert _publish(client, admin).status_code == 302
    client.logout()
    for url in (REPORT, REPORT + "v/1/"):
        html = client.get(url).content.decode()
        assert OFFICE in html
        assert admin.get_username() not in html
    cells = _cells(client.get(REPORT + "report.xlsx").content)
    assert OFFICE in cells["表紙"]
    assert not any(admin.get_username() in str(c) for sheet in cells.values() for c in sheet)


def test_the_office_is_offered_again_for_the_next_publication(client, real_values, admin):
    assert _publish(client, admin).status_code == 302
    html = client.get(PLAN + "reports/2024/publish/").content.decode()
    assert f'value="{OFFICE}"' in html


# --- the changes table, for every audience ---------------------------------------------------


@pytest.mark.parametrize("role", AUDIENCES)
def test_no_change_is_listed_right_after_publication(client, request, real_values, admin, role):
    """The fault: the copy held preliminary values, the public's today final values only."""
    assert _publish(client, admin).status_code == 302
    html = _as(client, request, role).get(REPORT).content.decode()
    assert _changes(html) == []
    assert "変更はありません" in html


@pytest.mark.parametrize("role", AUDIENCES)
def test_a_preliminary_value_finalised_with_the_same_number_is_no_change(
    client, request, real_values, admin, role
):
    assert _publish(client, admin).status_code == 302
    for v in KpiValue.objects.filter(status="preliminary"):
        v.status = "final"
        v.save()
    assert _changes(_as(client, request, role).get(REPORT).content.decode()) == []


@pytest.mark.parametrize("role", AUDIENCES)
def test_a_preliminary_value_finalised_with_another_number_is_one_change(
    client, request, real_values, admin, role
):
    assert _publish(client, admin).status_code == 302
    _set("2-1", 2025, value=Decimal("201"), status="final")
    changes = _changes(_as(client, request, role).get(REPORT).content.decode())
    assert len(changes) == 1
    code, what, then, now = changes[0]
    assert (code, what) == ("2-1", "実績値の変更")
    assert "152件" in then and "速報値" in then and "201件" in now and "確定値" in now


@pytest.mark.parametrize(
    ("role", "listed"), [("anonymous", False), ("viewer", True), ("editor", True), ("admin", True)]
)
def test_an_edited_preliminary_value_is_shown_to_staff_only(
    client, request, real_values, admin, role, listed
):
    assert _publish(client, admin).status_code == 302
    _set("2-1", 2025, value=Decimal("4173"))  # still preliminary: not public
    html = _as(client, request, role).get(REPORT).content.decode()
    changes = _changes(html)
    assert [c[0] for c in changes] == (["2-1"] if listed else [])
    assert ("4,173" in html) is listed


@pytest.mark.parametrize("role", AUDIENCES)
def test_a_final_value_added_after_publication_is_one_change(
    client, request, real_values, admin, role
):
    KpiValue.objects.get(kpi__code="2-1", fiscal_year=2025).delete()
    assert _publish(client, admin).status_code == 302
    KpiValue.objects.create(
        kpi=KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).kpi,
        fiscal_year=2025,
        value=Decimal("160"),
        status="final",
    )
    changes = _changes(_as(client, request, role).get(REPORT).content.decode())
    assert [(c[0], c[1]) for c in changes] == [("2-1", "実績値の年度の変更")]
    assert "131件" in changes[0][2] and "160件" in changes[0][3]


@pytest.mark.parametrize(
    ("role", "listed"), [("anonymous", False), ("viewer", True), ("admin", True)]
)
def test_a_preliminary_value_added_after_publication_is_shown_to_staff_only(
    client, request, real_values, admin, role, listed
):
    KpiValue.objects.get(kpi__code="2-1", fiscal_year=2025).delete()
    assert _publish(client, admin).status_code == 302
    KpiValue.objects.create(
        kpi=KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).kpi,
        fiscal_year=2025,
        value=Decimal("4321"),
        status="preliminary",
    )
    html = _as(client, request, role).get(REPORT).content.decode()
    assert [c[0] for c in _changes(html)] == (["2-1"] if listed else [])
    assert ("4,321" in html) is listed


@pytest.mark.parametrize("role", AUDIENCES)
def test_a_published_value_deleted_afterwards_is_one_change(
    client, request, real_values, admin, role
):
    assert _publish(client, admin).status_code == 302
    KpiValue.objects.get(kpi__code="2-1", fiscal_year=2025).delete()
    changes = _changes(_as(client, request, role).get(REPORT).content.decode())
    assert len(changes) == 1 and changes[0][0] == "2-1"
    assert "152件" in changes[0][2] and "131件" in changes[0][3]


@pytest.mark.parametrize("role", AUDIENCES)
def test_a_final_value_corrected_after_publication_is_one_change(
    client, request, real_values, admin, role
):
    url = PLAN + "reports/2024/"
    assert _publish(client, admin, url + "publish/", values=None).status_code == 302
    _set("2-1", 2024, value=Decimal("133"))
    changes = _changes(_as(client, request, role).get(url).content.decode())
    assert [(c[0], c[1]) for c in changes] == [("2-1", "実績値の変更")]
    assert "131件" in changes[0][2] and "133件" in changes[0][3]


@pytest.mark.parametrize("role", AUDIENCES)
def test_a_target_revised_after_publication_changes_the_status_only(
    client, request, real_values, admin, role
):
    url = PLAN + "reports/2024/"
    assert _publish(client, admin, url + "publish/", values=None).status_code == 302
    kpi = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024).kpi
    kpi.target_value = Decimal("10000")
    kpi.save()
    changes = _changes(_as(client, request, role).get(url).content.decode())
    assert [(c[0], c[1]) for c in changes] == [("2-1", "判定の変更")]


@pytest.mark.parametrize("role", AUDIENCES)
def test_changes_after_a_final_only_publication_count_final_values_only(
    client, request, real_values, admin, role
):
    assert _publish(client, admin, values="final_only").status_code == 302
    assert _changes(_as(client, request, role).get(REPORT).content.decode()) == []
    _set("2-1", 2025, status="final")  # now a final value the publication did not have
    changes = _changes(_as(client, request, role).get(REPORT).content.decode())
    assert [c[0] for c in changes] == ["2-1"]


# --- sample data published as a sample -------------------------------------------------------


def test_sample_report_is_marked_on_every_page_and_export(client, request, sample_values, admin):
    assert _publish(client, admin, as_sample="on").status_code == 302
    report = PublishedReport.objects.get()
    assert report.is_sample
    for role in ("anonymous", "viewer"):
        client = _as(client, request, role)
        for url in (REPORT, REPORT + "v/1/"):
            html = client.get(url).content.decode()
            assert "<title>【サンプル】" in html
            assert "サンプルとして公表した報告書" in html
            assert "tag tag-sample" in html.split('id="report-title"', 1)[1].split("</h1>", 1)[0]
        for url in (REPORT + "report.xlsx", REPORT + "v/1/report.xlsx"):
            response = client.get(url)
            assert "-sample.xlsx" in response["Content-Disposition"]
            cells = _cells(response.content)
            assert (
                cells["表紙"][2] == "サンプル" and "実際の報告書ではありません" in cells["表紙"][3]
            )
            assert cells["注記"][0] == "注記【サンプル】"
            kinds = cells["成果指標"][12 + 8 :: 12]  # the 区分 column of every KPI row
            assert len(kinds) == 16 and all("サンプル" in k for k in kinds)


@pytest.mark.parametrize(
    "fields",
    [
        {"snapshot": {"sample_data": True}, "is_sample": False},
        {"office": ""},
        {"version": 2, "correction_reason": ""},
        {"version": 0},
    ],
    ids=["sample-as-real", "no-office", "correction-without-reason", "version-0"],
)
def test_database_refuses_a_publication_that_breaks_a_rule(real_values, fields):
    data = {
        "plan": real_values,
        "fiscal_year": 2025,
        "office": OFFICE,
        "snapshot": {"sample_data": False},
        **fields,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedReport.objects.create(**data)


def test_database_keeps_one_report_in_force_per_plan_and_year(real_values):
    common = {
        "plan": real_values,
        "fiscal_year": 2025,
        "office": OFFICE,
        "snapshot": {"sample_data": False},
    }
    PublishedReport.objects.create(version=1, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedReport.objects.create(version=2, correction_reason="訂正", **common)
    PublishedReport.objects.filter(version=1).update(superseded_at="2026-07-01T00:00:00+09:00")
    PublishedReport.objects.create(version=2, correction_reason="訂正", **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedReport.objects.create(
            version=2, correction_reason="訂正", superseded_at="2026-07-02T00:00:00+09:00", **common
        )
    # Another year of the same plan has its own report in force.
    PublishedReport.objects.create(**{**common, "fiscal_year": 2024})


# --- corrections (訂正版) ---------------------------------------------------------------------


def test_a_correction_needs_a_reason(client, real_values, admin):
    assert _publish(client, admin).status_code == 302
    _set("2-1", 2025, value=Decimal("160"))
    for reason in (None, "", "   \n"):
        response = _publish(client, admin, reason=reason)
        assert response.status_code == 400
        assert str(publishing.NEEDS_REASON) in response.content.decode()
    assert PublishedReport.objects.count() == 1


def test_a_correction_supersedes_the_old_version_which_stays_readable(client, real_values, admin):
    assert _publish(client, admin).status_code == 302
    client.force_login(admin)
    html = client.get(PUBLISH).content.decode()
    assert "訂正版の公表の確認" in html and 'name="reason"' in html
    _set("2-1", 2025, value=Decimal("160"))
    response = _publish(client, admin, reason="2-1の速報値の誤記を訂正")
    assert response.status_code == 302
    old, new = PublishedReport.objects.order_by("version")
    assert (old.version, new.version) == (1, 2)
    assert not old.in_force and new.in_force and new.correction_reason == "2-1の速報値の誤記を訂正"
    client.logout()
    current = client.get(REPORT).content.decode()
    assert "第2版（訂正版）" in current and "現在公表中の版です" in current
    assert "2-1の速報値の誤記を訂正" in current
    assert "160件" in current.split("ICTツールの業務への導入数", 1)[1].split("</tr>", 1)[0]
    assert f'href="{REPORT}v/1/"' in current  # the list of versions
    assert _changes(current) == []
    first = client.get(REPORT + "v/1/").content.decode()
    assert "この版は訂正版により置き換えられました" in first
    assert f'href="{REPORT}v/2/"' in first
    assert "152件" in first.split("ICTツールの業務への導入数", 1)[1].split("</tr>", 1)[0]
    # Compared with today, version 1 shows the corrected value as its one change.
    assert [c[0] for c in _changes(first)] == ["2-1"]
    assert client.get(REPORT + "v/2/").status_code == 200
    assert client.get(REPORT + "v/3/").status_code == 404
    assert client.get(REPORT + "v/3/report.xlsx").status_code == 404
    old_cover = _cells(client.get(REPORT + "v/1/report.xlsx").content)["表紙"]
    assert any("置き換え済み" in str(c) for c in old_cover)
    new_cells = _cells(client.get(REPORT + "report.xlsx").content)
    assert 160 in new_cells["成果指標"]
    assert "2-1の速報値の誤記を訂正" in new_cells["表紙"]
    assert any("第2版" in str(c) and "公表中" in str(c) for c in new_cells["表紙"])


def test_a_second_correction_keeps_all_three_versions(client, real_values, admin):
    assert _publish(client, admin).status_code == 302
    _set("2-1", 2025, value=Decimal("160"))
    assert _publish(client, admin, reason="一回目の訂正").status_code == 302
    _set("2-1", 2025, value=Decimal("161"))
    assert _publish(client, admin, reason="二回目の訂正").status_code == 302
    versions = list(PublishedReport.objects.order_by("version"))
    assert [v.in_force for v in versions] == [False, False, True]
    client.logout()
    first = client.get(REPORT + "v/1/").content.decode()
    assert f'href="{REPORT}v/2/"' in first and "現在公表中の版は" in first


def test_a_correction_can_withdraw_the_preliminary_values(client, real_values, admin):
    assert _publish(client, admin).status_code == 302
    assert (
        _publish(client, admin, values="final_only", reason="速報値の公表を取りやめ").status_code
        == 302
    )
    client.logout()
    html = client.get(REPORT).content.decode()
    assert "152" not in html.split('id="pillar-2"', 1)[1]
    assert _changes(html) == []


def test_report_page_offers_the_admin_the_confirmation_not_a_one_click_publish(
    client, real_values, admin, viewer
):
    client.force_login(admin)
    html = client.get(REPORT).content.decode()
    assert f'href="{PUBLISH}"' in html and f'action="{PUBLISH}"' not in html
    client.force_login(viewer)
    assert PUBLISH not in client.get(REPORT).content.decode()
    client.logout()
    assert PUBLISH not in client.get(REPORT).content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks across sessions need PostgreSQL (CI runs this with DATABASE_URL)",
)
def test_two_admins_publishing_at_once_publish_once_and_the_other_is_told(real_values, admin):
    """Both confirmed the same page; the plan's row lock makes the second see a stale token."""
    plan = real_values
    token = publishing.report_preview(plan, 2025, date.today()).token
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def publish():
        try:
            barrier.wait(timeout=10)
            publishing.report_publish(
                plan=plan,
                fiscal_year=2025,
                user=admin,
                office=OFFICE,
                values=publishing.WITH_PRELIMINARY,
                as_sample=False,
                reason="",
                confirm=token,
                today=date.today(),
            )
            outcomes.append("published")
        except publishing.PublishError as err:
            outcomes.append(f"{err.status} {err.message}")
        except Exception as err:  # reported in the assertion rather than lost in the thread
            outcomes.append(f"error: {err!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == sorted(["published", f"409 {publishing.STALE}"]), outcomes
    assert PublishedReport.objects.count() == 1


def test_published_reports_are_read_only_in_the_django_admin(client, real_values, admin):
    assert _publish(client, admin).status_code == 302
    report = PublishedReport.objects.get()
    client.force_login(admin)
    page = client.get(f"/admin/kpi/publishedreport/{report.pk}/change/")
    assert page.status_code == 200 and OFFICE in page.content.decode()
    assert client.get("/admin/kpi/publishedreport/add/").status_code == 403
    before = data_version()
    assert (
        client.post(f"/admin/kpi/publishedreport/{report.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert PublishedReport.objects.count() == 1 and data_version() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"office": "  "}, "office"),
        ({"values": None}, "values_0"),  # a radio group: its first choice
        ({"office": "情報政策課 <b>x</b>"}, "office"),
        ({"reason": "誤記の訂正"}, None),  # about the publication, not a field
        ({"office": "  ", "values": None}, "office values_0"),  # both, in one attempt
    ],
)
def test_a_refused_publication_is_summed_up_with_a_link_to_the_field(
    client, real_values, admin, fields, field
):
    import re

    response = _publish(client, admin, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    links = re.findall(r'href="#id_(\w+)"', summary)
    assert links == (field.split() if field else [])
    for name in links:
        assert f'id="id_{name}"' in html  # the link reaches a field on the page

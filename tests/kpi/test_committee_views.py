"""Committee views: sortable table, charts, the annual report, exports, closed-network rules."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kpi import progress as pr
from kpi.models import Kpi, KpiValue, PublishedReport
from tests.factories import make_plan

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


def _codes_in_table(html):
    body = html.split('class="data-table kpi-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<td[^>]*>([0-9]-[0-9](?:-[0-9])?)</td>", body)


def test_overview_table_sorts_by_status_and_by_achievement(viewer_client, sample_values):
    client = viewer_client
    by_code = _codes_in_table(client.get(PLAN).content.decode())
    assert by_code[:3] == ["1-1", "1-2", "1-3"]
    by_status = _codes_in_table(client.get(PLAN + "?sort=status").content.decode())
    assert sorted(by_status) == sorted(by_code) and len(by_status) == 16
    first = Kpi.objects.get(code=by_status[0])
    assert first.code in ("1-2", "1-4", "1-3-2", "2-2", "2-4-1")  # all achieved
    by_rate = _codes_in_table(client.get(PLAN + "?sort=-achievement").content.decode())
    assert by_rate[0] == "2-4-1"  # 113.3%, the highest achievement rate
    html = client.get(PLAN + "?sort=-achievement").content.decode()
    assert 'aria-sort="descending"' in html


def test_kpi_page_has_a_chart_with_a_data_table_and_a_summary(viewer_client, sample_values):
    client = viewer_client
    html = client.get(PLAN + "kpis/2-3/").content.decode()
    match = re.search(
        r'<script id="chart-2-3-data" type="application/json">(.*?)</script>', html, re.S
    )
    figure = json.loads(match.group(1))
    names = [t.get("name") for t in figure["data"]]
    assert "実績値（確定値）" in names and "実績値（速報値）" in names
    assert "基準値" in names and "目標" in names
    assert "基準値から目標への直線" in names
    # The R7 value gets the final verdict: no projection past the target year (rules v2, 2).
    assert "見通し（最小二乗直線）" not in names
    assert figure["layout"]["xaxis"]["ticktext"][0] == "R2<br>2020"
    assert figure["layout"]["yaxis"]["title"]["text"] == "百件"
    assert "サンプル値" in figure["layout"]["title"]["text"]
    assert "（グラフの数値）" in html
    assert "R7（2025年度）" in html and "2,720" in html
    assert (
        "電子申請システムの利用件数はR4（2022年度）の1,925百件からR7（2025年度）の2,720百件へ推移し"
        in html
    )
    r6 = client.get(PLAN + "kpis/2-3/?as_of=R6").content.decode()
    r6_figure = re.search(
        r'<script id="chart-2-3-data" type="application/json">(.*?)</script>', r6, re.S
    )
    assert "見通し（最小二乗直線）" in [
        t.get("name") for t in json.loads(r6_figure.group(1))["data"]
    ]


def test_maintain_chart_draws_its_band_and_revised_targets_both_show(client, sample_values):
    html = client.get(PLAN + "kpis/1-1/").content.decode()
    figure = json.loads(
        re.search(r'id="chart-1-1-data" type="application/json">(.*?)</script>', html, re.S).group(
            1
        )
    )
    band = figure["layout"]["shapes"][0]
    assert (band["y0"], band["y1"]) == pytest.approx((4681.6, 5174.4))


def test_components_are_drawn_together_against_their_target(client, sample_values):
    html = client.get(PLAN + "kpis/1-3/").content.decode()
    figure = json.loads(
        re.search(
            r'id="chart-1-3-components-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    names = [t["name"] for t in figure["data"]]
    assert names[:5] == [
        "人事給与システム",
        "総合文書管理システム(旧)",
        "行政情報コミュニケーションシステム",
        "財務会計トータルシステム",
        "電子申請システム",
    ]
    assert names[5] == "基準値"  # each component's baseline, on the baseline year
    assert len(figure["data"][5]["x"]) == 5
    assert names[-1].startswith("目標")
    # The target line looks like no component: its own colour and dash.
    target = figure["data"][-1]["line"]
    components = [t["line"] for t in figure["data"][:5]]
    assert all((target["color"], target["dash"]) != (c["color"], c["dash"]) for c in components)
    assert target["color"] not in {c["color"] for c in components}


def test_pillar_page_has_a_small_chart_per_kpi(client, sample_values):
    html = client.get(PLAN + "pillars/2/").content.decode()
    assert (
        html.count('class="chart chart-small"') == 4
    )  # 2-1 … 2-4; the component is in its parent's page
    assert html.count("グラフの数値（表）") == 4


def test_pages_load_nothing_from_another_host_and_have_no_inline_script(client, sample_values):
    for url in (
        PLAN,
        PLAN + "pillars/1/",
        PLAN + "kpis/1-3/",
        PLAN + "reports/2025/",
        "/methodology/",
    ):
        response = client.get(url)
        html = response.content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', html), url
        for attrs in re.findall(r"<script([^>]*)>", html):
            assert "src=" in attrs or 'type="application/json"' in attrs, (url, attrs)
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert (
            "unsafe-inline"
            not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
        )


def test_plotly_js_is_served_from_our_static_files_with_its_licence(client):
    from django.contrib.staticfiles import finders

    bundle = finders.find("vendor/plotly/plotly-basic.min.js")
    licence = finders.find("vendor/plotly/LICENSE")
    assert bundle and licence
    with open(bundle, encoding="utf-8") as f:
        assert "plotly.js (basic - minified) v4.1.1" in f.read(200)


def test_json_export_has_the_documented_shape_for_every_kpi(viewer_client, sample_values):
    client = viewer_client
    response = client.get(PLAN + "export.json")
    assert response["Content-Type"] == "application/json"
    doc = json.loads(response.content)
    assert set(doc) == {"plan", "generated_at", "method_version", "kpis", "initiative_items"}
    assert doc["method_version"] == pr.METHOD_VERSION == 2
    assert doc["plan"] == {
        "slug": "hokkaido-smart-docho-3",
        "title": sample_values.title,
        "first_fy": 2022,
        "last_fy": 2025,
        "sample_data": True,
    }
    assert len(doc["kpis"]) == 16
    for k in doc["kpis"]:
        assert set(k) == {
            "code",
            "name",
            "pillar",
            "parent",
            "unit",
            "direction",
            "baseline",
            "target",
            "target_revisions",
            "values",
            "progress",
            "commentary",
            "item",
            "cumulative",
        }
        assert set(k["baseline"]) == {"fy", "value", "approximate", "as_written"}
        assert set(k["target"]) == {
            "fy",
            "kind",
            "value",
            "as_written",
            "condition",
            "condition_fy",
            "high",
            "basis",
            "yearly",
            "steps",
        }
        assert set(k["progress"]) == {
            "as_of_fy",
            "value_fy",
            "value",
            "expected_value",
            "ratio",
            "achievement_rate",
            "status",
            "status_if_condition_met",
            "stale_value",
            "projected_value",
            "projected_status",
            "flags",
            "method_version",
        }
        assert k["progress"]["status"] in pr.ALL_STATUSES
        assert k["progress"]["method_version"] == 2
        assert isinstance(k["progress"]["stale_value"], bool)
        assert isinstance(k["baseline"]["fy"], int)
        assert all(set(v) == {"fy", "value", "status"} for v in k["values"])
    filings = next(k for k in doc["kpis"] if k["code"] == "2-3")
    assert filings["baseline"]["value"] == 1438 and filings["target"]["value"] == 2744
    assert filings["values"][-1] == {"fy": 2025, "value": 2720, "status": "preliminary"}
    assert next(k for k in doc["kpis"] if k["code"] == "1-3-1")["parent"] == "1-3"


def test_json_export_as_of_evaluates_progress_as_of_that_year(client, sample_values):
    doc = json.loads(client.get(PLAN + "export.json?as_of=2023").content)
    telework = next(k for k in doc["kpis"] if k["code"] == "2-2")
    assert telework["progress"]["as_of_fy"] == 2023
    assert telework["progress"]["value_fy"] == 2023
    assert telework["progress"]["status"] == pr.ON_TRACK


def test_csv_export_starts_with_a_bom_and_reads_back_as_utf8(viewer_client, sample_values):
    client = viewer_client
    response = client.get(PLAN + "export.csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["方針", "コード", "成果指標"]
    assert (
        len(rows) == 1 + 58 + 1
    )  # 58 sample values, and one row for 1-3 which has none of its own
    assert any(r[2] == "総合文書管理システム(旧)" for r in rows)


def test_xlsx_export_opens_with_the_same_rows(viewer_client, sample_values):
    client = viewer_client
    response = client.get(PLAN + "export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "実績値"
    assert sheet.max_row == 60


def test_export_neutralises_formula_like_text(client, sample_values):
    KpiValue.objects.filter(kpi__code="1-2", fiscal_year=2022).update(note='=HYPERLINK("x")')
    body = client.get(PLAN + "export.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_report_has_a_cover_a_section_per_pillar_and_notes(client, sample_values):
    html = client.get(PLAN + "reports/2025/").content.decode()
    assert "R7（2025年度） 進捗状況報告" in html
    assert html.count('class="report-pillar"') == 3
    assert "注記" in html and "サンプル値" in html
    assert "未公表" in html
    assert client.get(PLAN + "reports/R6/").status_code == 200
    assert client.get(PLAN + "reports/2030/").status_code == 404


def test_report_downloads_as_xlsx(client, sample_values):
    response = client.get(PLAN + "reports/2025/report.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["表紙", "成果指標", "取組項目", "成果指標の説明", "注記"]
    assert workbook["成果指標"].max_row == 17


def _confirm(client, url):
    """The confirmation token the publish page carries (as an admin would submit it)."""
    html = client.get(url).content.decode()
    return re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)


def test_only_an_admin_can_publish(client, sample_values, viewer):
    assert client.post(PLAN + "reports/2025/publish/").status_code == 302  # to the login page
    client.force_login(viewer)
    assert client.post(PLAN + "reports/2025/publish/").status_code == 403
    assert client.get(PLAN + "reports/2025/publish/").status_code == 403
    assert not PublishedReport.objects.exists()


def test_published_report_keeps_its_numbers_after_a_value_changes(client, sample_values, admin):
    client.force_login(admin)
    url = PLAN + "reports/2025/publish/"
    confirm = _confirm(client, url)
    response = client.post(
        url,
        {
            "confirm": confirm,
            "office": "情報政策課",
            "values": "with_preliminary",
            "as_sample": "on",
        },
    )
    assert response.status_code == 302
    assert PublishedReport.objects.count() == 1
    KpiValue.objects.filter(kpi__code="2-1", fiscal_year=2025).update(
        value=Decimal("201"), status="final"
    )
    client.logout()
    html = client.get(PLAN + "reports/2025/").content.decode()
    assert "公表済み" in html
    pillar_2 = html.split('id="pillar-2"', 1)[1]
    row = pillar_2.split("ICTツールの業務への導入数", 1)[1].split("</tr>", 1)[0]
    assert "152件" in row and "未達成" in row  # as presented
    changes = html.split("公表後のデータの変更", 1)[1].split("</table>", 1)[0]
    assert "152" in changes and "201" in changes and "達成" in changes
    xlsx = load_workbook(io.BytesIO(client.get(PLAN + "reports/2025/report.xlsx").content))
    cells = [c.value for row in xlsx["成果指標"].iter_rows() for c in row]
    assert 152 in cells  # a number cell
    # Publishing again with the same confirmation is refused; the first stays.
    client.force_login(admin)
    again = client.post(
        url,
        {
            "confirm": confirm,
            "office": "情報政策課",
            "values": "with_preliminary",
            "as_sample": "on",
        },
    )
    assert again.status_code == 409
    assert PublishedReport.objects.count() == 1


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "page",
    [
        "",
        "pillars/1/",
        "kpis/{code}/",
        "reports/2025/",
        "export.json",
        "export.csv",
        "export.xlsx",
        "reports/2025/report.xlsx",
    ],
)
def test_queries_are_the_same_for_the_real_plan_and_a_300_kpi_plan(client, sample_values, page):
    real = _queries(client, PLAN + page.format(code="1-3"))
    make_plan("big", pillars=3, kpis_per_pillar=100, years=(2022, 2023, 2024, 2025), components=5)
    assert Kpi.objects.filter(plan__slug="big").count() == 315
    assert _queries(client, "/plans/big/" + page.format(code="g1-1")) == real

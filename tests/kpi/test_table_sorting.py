"""The KPI table sorts unknowns last in both directions (issue 16).

Unknowns: 未入力 (no value) for the latest value, no 進捗率 for the achievement rate, 判定不能 for
the status. Before, an ascending sort put them first.
"""

import re

import pytest

from kpi.models import KpiValue

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
CELL = re.compile(r'<td[^>]*data-label="[^"]*">(.*?)</td>', re.S)
# The KPIs whose values the tests remove: each is then 未入力, 判定不能 and without a rate.
EMPTIED = ("2-2", "3-1")


@pytest.fixture
def table_rows(viewer_client, sample_values):
    KpiValue.objects.filter(kpi__code__in=EMPTIED).delete()

    def rows(sort: str) -> list[dict]:
        html = viewer_client.get(PLAN, {"sort": sort}).content.decode()
        body = html.split('class="data-table kpi-table"', 1)[1].split("</table>", 1)[0]
        body = body.split("<tbody", 1)[1]
        result = []
        for row in ROW.findall(body):
            cells = CELL.findall(row)
            status = re.search(r'class="status status-([a-z_]+)"', cells[7]).group(1)
            result.append(
                {
                    "code": cells[0].strip(),
                    "latest_unknown": "未入力" in cells[5],
                    "rate_unknown": cells[6].strip() == "—",
                    "status_unknown": status == "not_assessable",
                }
            )
        return result

    return rows


@pytest.mark.parametrize(
    ("column", "unknown"),
    [
        ("latest", "latest_unknown"),
        ("achievement", "rate_unknown"),
        ("status", "status_unknown"),
    ],
)
@pytest.mark.parametrize("direction", ["", "-"])
def test_unknowns_come_last_in_both_directions(table_rows, column, unknown, direction):
    rows = table_rows(direction + column)
    flags = [r[unknown] for r in rows]
    assert len(rows) == 16
    assert any(flags), "the test needs unknowns"
    assert not all(flags), "and knowns"
    first_unknown = flags.index(True)
    assert all(flags[first_unknown:]), [(r["code"], r[unknown]) for r in rows]
    emptied = {r["code"] for r in rows if r[unknown]}
    assert set(EMPTIED) <= emptied


@pytest.mark.parametrize("column", ["latest", "achievement", "status"])
def test_known_rows_reverse_between_the_two_directions(table_rows, column):
    key = {"latest": "latest_unknown", "achievement": "rate_unknown"}.get(column, "status_unknown")
    ascending = [r["code"] for r in table_rows(column) if not r[key]]
    descending = [r["code"] for r in table_rows("-" + column) if not r[key]]
    assert sorted(ascending) == sorted(descending)
    assert ascending != descending  # the known rows really are ordered by the column

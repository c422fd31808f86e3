"""What a chart draws on top, and which components share one axis (fresh-eyes findings)."""

import pytest

from kpi import charts

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


def _chart(**extra):
    return charts.KpiChart(
        title="2-3 電子申請システムの利用件数",
        unit="件",
        baseline=charts.Point(2020, 2000.0),
        values=[charts.Point(2024, 2480.0), charts.Point(2025, 2720.0, preliminary=True)],
        targets=[charts.TargetMark("目標（2,744）", 2025, 2744.0)],
        path=[charts.Point(2020, 2000.0), charts.Point(2025, 2744.0)],
        projection=[],
        band=None,
        first_fy=2022,
        last_fy=2025,
        **extra,
    )


def test_values_are_drawn_over_the_baseline_and_the_targets():
    names = [t["name"] for t in charts.kpi_figure(_chart())["data"]]
    target = names.index("目標（2,744）")
    assert names.index("基準値") < names.index("実績値（確定値）")
    assert target < names.index("実績値（確定値）") and target < names.index("実績値（速報値）")


def test_a_component_in_another_unit_is_not_drawn_on_the_parents_axis(client, sample_values):
    html = client.get(PLAN + "kpis/2-4/?as_of=2025").content.decode()
    assert 'id="chart-2-4-components"' not in html  # 2-4-1 is a %, 2-4 a count of 件
    assert "2-4-1" in html  # still listed in the components table


def test_components_in_the_parents_unit_share_one_chart_with_its_target(client, sample_values):
    html = client.get(PLAN + "kpis/1-3/?as_of=2025").content.decode()
    assert 'id="chart-1-3-components"' in html


def test_the_components_chart_title_starts_with_the_parents_code(client, sample_values):
    html = client.get(PLAN + "kpis/1-3/?as_of=2025").content.decode()
    assert "1-3 基幹系システムの利用満足度の構成要素" in html

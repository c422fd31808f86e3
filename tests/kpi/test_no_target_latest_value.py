"""A KPI with no target yet (or one written only in words) is not judged, but its latest value
is still its latest value: pages and exports show it, with its year and 速報値 flag."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpi import progress

SPEC = dict(baseline_fy=2023, baseline_value=Decimal(15))


@pytest.mark.parametrize(
    "target",
    [
        progress.Target(fy=None, kind=progress.NONE),
        progress.Target(fy=None, kind=progress.NONE, text="目標は令和8年度に設定"),
    ],
)
def test_an_unjudged_kpi_keeps_its_latest_value(target):
    observations = [
        progress.Observation(2024, Decimal(22)),
        progress.Observation(2025, Decimal(31), preliminary=True),
    ]
    result = progress.evaluate(progress.KpiSpec(**SPEC, target=target), observations, 2025)
    assert result.status == progress.NOT_ASSESSABLE
    assert (result.value_fy, result.value) == (2025, 31.0)
    assert progress.FLAG_PRELIMINARY_VALUE in result.flags
    earlier = progress.evaluate(progress.KpiSpec(**SPEC, target=target), observations, 2024)
    assert (earlier.value_fy, earlier.value) == (2024, 22.0)
    assert progress.FLAG_PRELIMINARY_VALUE not in earlier.flags


def test_an_unjudged_kpi_without_values_has_none():
    spec = progress.KpiSpec(**SPEC, target=progress.Target(fy=None, kind=progress.NONE))
    result = progress.evaluate(spec, [], 2025)
    assert (result.value_fy, result.value) == (None, None)


@pytest.mark.django_db
def test_the_overview_shows_the_latest_value_of_a_kpi_without_a_target(client, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("loaddata", "sample_city_dx_1", "sample_city_values", verbosity=0)
    html = client.get("/plans/sample-city-dx-1/?as_of=2024").content.decode()
    row = next(r for r in html.split("<tr") if "相談件数" in r)
    assert "22" in row and "未入力" not in row

"""A page viewed as of a past year tells that year's story: no later value in its sentences."""

import re

import pytest

from kpi.models import Kpi
from smartdocho.fiscal import format_fy

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


def _summaries(html: str) -> list[str]:
    """Every chart sentence: captions and the charts' accessible names."""
    return re.findall(r"[^<>\"]*判定は[^<>\"]*です。", html)


@pytest.mark.parametrize("as_of", [2022, 2023, 2024])
@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_kpi_and_pillar_sentences_name_no_year_after_the_as_of_year(
    client, request, sample_values, as_of, who
):
    if who == "viewer":
        client.force_login(request.getfixturevalue("viewer"))
    later = [format_fy(fy) for fy in range(as_of + 1, 2027)]
    pages = [
        PLAN + f"kpis/{k.code}/?as_of={as_of}"
        for k in Kpi.objects.filter(code__in=["1-1", "2-1", "2-3"])
    ]
    pages += [PLAN + f"pillars/{n}/?as_of={as_of}" for n in (1, 2, 3)]
    checked = 0
    for url in pages:
        for sentence in _summaries(client.get(url).content.decode()):
            checked += 1
            # A later year may be named as the target's year, never as a value's ("R6…の5,096").
            assert not any(fy + "の" in sentence or fy + "は" in sentence for fy in later), (
                url,
                sentence,
            )
    assert checked >= len(pages)

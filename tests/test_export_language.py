"""A downloaded file is data: the same whatever the reader's interface language (review of
issue 15's round): column names, statuses and labels stay the plan's Japanese."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


@pytest.mark.parametrize(
    "name",
    ["export.csv", "export.json", "export.xlsx", "export-items.csv", "export-commentary.csv"],
)
@pytest.mark.parametrize("reader", ["anonymous", "viewer"])
def test_an_export_is_the_same_in_the_english_interface(
    client, sample_values, viewer, name, reader
):
    if reader == "viewer":
        client.force_login(viewer)
    japanese = client.get(PLAN + name)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(PLAN + name)
    assert japanese.status_code == english.status_code == 200
    if name.endswith(".xlsx"):
        from tests.kpi.plan_books import cell_values

        assert cell_values(english.content) == cell_values(japanese.content)
    elif name.endswith(".json"):
        import json

        def without_time(doc):
            doc = json.loads(doc)
            doc.pop("generated_at", None)
            doc.get("meta", {}).pop("generated_at", None)
            return doc

        assert without_time(english.content) == without_time(japanese.content)
    else:
        assert english.content == japanese.content


def test_a_bad_year_in_an_export_address_is_said_in_the_readers_language(client, sample_values):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(PLAN + "export.csv?as_of=R99")
    assert response.status_code == 400
    assert response["Content-Language"] == "en"

"""Anonymous pages are sent gzip-compressed from a copy compressed once when kept (issue 15:
a 60-KPI report's HTML is about 430 KB); signed-in pages, which hold a CSRF token and a name,
never are (BREACH)."""

from __future__ import annotations

import gzip

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"


@pytest.mark.parametrize(
    "url", [PLAN, PLAN + "reports/2025/", PLAN + "export.csv", PLAN + "export.json"]
)
@pytest.mark.parametrize("kept", [False, True])
def test_an_anonymous_page_is_the_same_page_gzip_encoded(client, sample_values, url, kept):
    plain = client.get(url)
    if not kept:
        cache.clear()
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip"
    if url.endswith(".json") and not kept:  # rendered again: another generated_at
        import json

        def body(content: bytes) -> dict:
            return {k: v for k, v in json.loads(content).items() if k != "generated_at"}

        assert body(gzip.decompress(packed.content)) == body(plain.content)
    else:
        assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 3
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert packed["ETag"] == plain["ETag"] and plain["ETag"].startswith('W/"')
    assert not plain.has_header("Content-Encoding")


def test_the_compressed_pages_tag_answers_304(client, sample_values):
    packed = client.get(PLAN, HTTP_ACCEPT_ENCODING="gzip")
    again = client.get(PLAN, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304


def test_a_signed_in_readers_page_is_never_compressed(client, sample_values, viewer):
    client.force_login(viewer)
    for _ in range(2):  # rendered, then from the kept copy
        response = client.get(PLAN, HTTP_ACCEPT_ENCODING="gzip")
        assert not response.has_header("Content-Encoding")
        assert "csrfmiddlewaretoken" in response.content.decode()


def test_a_workbook_is_not_compressed_again(client, sample_values):
    response = client.get(PLAN + "export.xlsx", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and not response.has_header("Content-Encoding")


@pytest.mark.parametrize(
    ("header", "gzipped"),
    [
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip;q=0, identity", False),
        ("*, gzip;q=0", False),
        ("*;q=0", False),
        ("identity", False),
        ("br", False),
        ("", False),
        ("gzip;q=abc", False),
    ],
)
def test_gzip_only_where_the_reader_accepts_it(client, sample_values, header, gzipped):
    response = client.get(PLAN, HTTP_ACCEPT_ENCODING=header)
    assert (response.get("Content-Encoding") == "gzip") is gzipped


def test_a_304_repeats_the_tag_of_the_compressed_200(client, sample_values):
    packed = client.get(PLAN, HTTP_ACCEPT_ENCODING="gzip")
    again = client.get(PLAN, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304 and again["ETag"] == packed["ETag"]

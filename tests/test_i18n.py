"""Japanese by default; the interface also in English, chosen with the language switch."""

import gettext

import polib
import pytest
from django.conf import settings

from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_english_message_is_translated_and_compiled():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po if not e.translated() or e.fuzzy] == []
    compiled = gettext.GNUTranslations(MO.open("rb"))
    stale = [
        e.msgid
        for e in po
        if (
            [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            != [e.msgstr_plural[0], e.msgstr_plural[1]]
            if e.msgid_plural
            else compiled.gettext(e.msgid) != e.msgstr
        )
    ]
    assert stale == [], "run: manage.py compilemessages -l en --ignore=.venv"


def test_japanese_is_the_default_whatever_the_browser_asks(client, sample_values):
    response = client.get(PLAN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "概要と進捗" in html
    assert response["Content-Language"] == "ja"


def test_the_language_switch_turns_the_interface_english(client, sample_values):
    response = client.get("/language/en/", {"next": PLAN + "kpis/2-1/"})
    assert response.status_code == 302 and response["Location"] == PLAN + "kpis/2-1/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(PLAN + "kpis/2-1/?as_of=2023").content.decode()
    assert '<html lang="en">' in html
    assert "How this was judged" in html
    assert "Needs acceleration" in html
    assert "R5 (FY2023)" in html
    # The policy's own words stay Japanese, marked as such for screen readers.
    assert '<span lang="ja">ICTツールの業務への導入数</span>' in html
    assert "The status is “Needs acceleration”." in html


def test_english_charts_and_tables_use_english_labels(client, sample_values):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(PLAN + "pillars/2/").content.decode()
    assert "Values (final)" in html and "Straight path from baseline to target" in html
    assert "Latest value (year)" in html
    assert "Sample values are shown." in html


def test_the_committee_report_stays_japanese_in_the_english_interface(client, sample_values):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(PLAN + "reports/2025/").content.decode()
    assert "Download as Excel (XLSX)" in html
    assert '<div lang="ja">' in html
    assert "進捗状況報告" in html
    document = html.split('<div lang="ja">', 1)[1]
    assert "やや遅れ" in document and "Needs acceleration" not in document
    # Its charts' captions and tables and its statuses too: they are printed for the committee.
    assert "（グラフの数値）" in document and "グラフの数値（表）" in document
    for english in ("(chart data)", "if the condition is met", "Numbers of the chart"):
        assert english not in document, english


def test_the_language_switch_never_sends_the_reader_to_another_site(client, policy):
    response = client.get("/language/en/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/language/fr/").status_code == 404


@pytest.mark.parametrize(
    "target, location",
    [
        ("foo", "/"),
        ("plans", "/"),
        ("home", "/"),
        ("\xff", "/"),
        ("あ", "/"),
        ("", "/"),
        ("//evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("\\\\evil.example", "/"),
        ("/plans/?as_of=2025", "/plans/?as_of=2025"),
        ("/plans/あ/", "/plans/%E3%81%82/"),
        ("/plans/\n/x", "/plans/%0A/x"),
    ],
)
def test_the_language_switch_goes_back_only_to_a_path_of_this_site(
    client, policy, target, location
):
    response = client.get("/language/en/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == location

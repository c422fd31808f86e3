"""English means English (issue 16): with the English interface, no interface text is Japanese.

The walk covers every page type, signed in as an admin so that the staff pages are included.
Japanese is allowed only inside an element marked lang="ja": the policy's own words (names,
targets, departments) and the committee report's document, which stays Japanese.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
# Kana and kanji, and the full-width colon that joins Japanese labels to their values.
JAPANESE = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff1a]")
# Attributes that people read or hear (an input's value is what someone typed, not interface).
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "data-label")
PAGES = [
    "/plans/",
    "/organizations/",
    "/organizations/010006/",
    PLAN,
    PLAN + "about/",
    PLAN + "pillars/1/",
    PLAN + "pillars/1/items/1/",
    PLAN + "pillars/1/items/1/progress/2025/",
    PLAN + "kpis/1-1/",
    PLAN + "kpis/1-3/",
    PLAN + "kpis/2-3/?as_of=R7",
    PLAN + "kpis/2-1/commentary/2025/",
    PLAN + "kpis/3-1/revise/",
    PLAN + "reports/2025/",
    PLAN + "reports/2025/publish/",
    "/methodology/",
    PLAN + "entry/2025/",
    PLAN + "entry/2025/?show=missing",
    PLAN + "entry/2025/status/",
    PLAN + "entry/2025/upload/",
    PLAN + "entry/2025/narratives/",
    "/manage/import-plan/",
    "/manage/staff/",
    "/manage/staff/new/",
    "/manage/departments/",
    "/manage/departments/new/",
    "/admin/",
    "/admin/kpi/kpi/",
    "/admin/initiatives/plan/",
    "/admin/kpi/kpivalue/",
    "/admin/narratives/initiativeprogress/",
]


class _Finder(HTMLParser):
    """Collects Japanese text outside lang="ja" elements (and outside scripts and styles).

    The policy's own words (`policy_words`) are taken out before looking: they stay Japanese,
    and inside an English sentence, an attribute or the page's <title> they cannot always
    carry a lang="ja" of their own. Everything else outside lang="ja" must be English.
    """

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "col", "wbr", "area", "base"}

    def __init__(self, policy_words: list[str]):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[str] = []
        self.policy_words = sorted(policy_words, key=len, reverse=True)

    def _without_policy_words(self, text: str) -> str:
        for word in self.policy_words:
            text = text.replace(word, "")
        return text

    def _lang(self) -> str | None:
        for _tag, lang in reversed(self.stack):
            if lang is not None:
                return lang
        return None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        effective = lang if lang is not None else self._lang()
        if effective != "ja" and tag != "html":
            for name in READ_ATTRIBUTES:
                text = self._without_policy_words(attrs.get(name) or "")
                if JAPANESE.search(text):
                    self.found.append(f"<{tag} {name}>: {attrs[name][:80]}")
        if tag not in self.VOID:
            self.stack.append((tag, lang))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if any(t in ("script", "style") for t, _l in self.stack):
            return
        data = self._without_policy_words(data)
        if self._lang() != "ja" and JAPANESE.search(data):
            self.found.append(f"{self.stack[-1][0] if self.stack else ''}: {data.strip()[:80]}")


def japanese_outside_lang_ja(html: str, policy_words: list[str] = ()) -> list[str]:
    finder = _Finder(list(policy_words))
    finder.feed(html)
    return finder.found


def policy_words() -> list[str]:
    """The policy's own words, as stored: plan, pillars, items, KPIs, units, departments."""
    from initiatives.models import Action, InitiativeItem, Pillar, Plan
    from kpi.models import Department, Kpi, Unit
    from narratives.ratings import DEFAULT_SCALE

    words = [*Plan.objects.values_list("title", flat=True)]
    words += Plan.objects.values_list("government", flat=True)
    words += Plan.objects.values_list("term", flat=True)
    words += [label for _key, label in DEFAULT_SCALE]
    words += Pillar.objects.values_list("title", flat=True)
    words += InitiativeItem.objects.values_list("title", flat=True)
    words += Kpi.objects.values_list("name", flat=True)
    words += Kpi.objects.values_list("target_text", flat=True)
    words += Kpi.objects.values_list("target_condition", flat=True)
    words += Action.objects.values_list("text", flat=True)
    words += Unit.objects.values_list("label", flat=True)
    words += Department.objects.values_list("name", flat=True)
    return [w for w in words if w]


def test_the_finder_sees_japanese_only_outside_lang_ja():
    html = (
        '<p>Value <span lang="ja">名前</span></p><p title="題">x</p>'
        '<div lang="ja"><b>報告</b></div><p aria-label="About 名前">・</p><p>On 名前</p>'
    )
    assert japanese_outside_lang_ja(html, ["名前"]) == ["<p title>: 題"]


@pytest.fixture
def admin_english(client, admin, departments, sample_values):
    call_command("setup_narratives_demo", force=True, verbosity=0)
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_english_outside_the_policys_own_words(admin_english, path):
    response = admin_english.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert '<html lang="en"' in html or '<html lang="en-us"' in html
    found = japanese_outside_lang_ja(html, policy_words())
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    ("app", "model", "lookup"),
    [
        ("kpi", "kpi", {"code": "1-1"}),
        ("kpi", "unit", {"code": "million-yen"}),
    ],
)
def test_admin_change_forms_are_english_outside_the_policys_own_words(
    admin_english, app, model, lookup
):
    from django.apps import apps

    obj = apps.get_model(app, model).objects.get(**lookup)
    response = admin_english.get(f"/admin/{app}/{model}/{obj.pk}/change/")
    assert response.status_code == 200
    found = japanese_outside_lang_ja(response.content.decode(), policy_words())
    assert found == [], "\n".join(found)


def test_the_english_how_judged_text_has_a_space_after_each_sentence(client, sample_values):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for code in ("1-2", "2-3", "1-1", "3-2"):
        html = client.get(PLAN + f"kpis/{code}/?as_of=R7").content.decode()
        assert not re.search(r"[a-z%)]\.[A-Z]", html.split("<main", 1)[1]), code


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        (PLAN + "no-such-page/", 404, "Page not found"),
        (PLAN + "entry/2025/", 403, "You do not have permission for this."),
    ],
)
def test_error_pages_speak_english_in_the_english_interface(
    client, sample_values, viewer, url, status, says
):
    client.force_login(viewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert says in html
    assert "ページが見つかりません" not in html and "この操作はできません" not in html


@pytest.mark.parametrize("suffix", ["", "password/"])
def test_a_members_pages_are_english_outside_the_policys_own_words(admin_english, suffix):
    from kpi.models import StaffProfile

    member = StaffProfile.objects.exclude(user__is_superuser=True).order_by("pk").first()
    response = admin_english.get(f"/manage/staff/{member.user_id}/{suffix}")
    assert response.status_code == 200
    found = japanese_outside_lang_ja(response.content.decode(), policy_words())
    assert found == [], "\n".join(found)


# (case, {code: {field: value}}): bad rows on the entry form, in ASCII so that nothing the
# reader typed is Japanese; every message about them must be English.
BAD_ROWS = [
    ("letters", {"2-1": {"value": "abc"}}),
    ("exponent", {"2-1": {"value": "1e5"}}),
    ("not finite", {"2-1": {"value": "nan"}}),
    ("negative count", {"2-1": {"value": "-5"}}),
    ("decimal count", {"2-1": {"value": "12.5"}}),
    ("percent for a count", {"2-1": {"value": "50%"}}),
    ("huge", {"2-1": {"value": "99999999999999999999"}}),
    ("percent over 100", {"1-4": {"value": "150"}}),
    ("too many decimals", {"1-4": {"value": "1.234"}}),
    ("markup", {"2-1": {"value": "140", "note": "<b>x</b>"}}),
    ("nul", {"2-1": {"value": "140", "note": "a\x00b"}}),
    ("direction override", {"2-1": {"value": "140", "source": "a\u202eb"}}),
    ("stale version", {"2-1": {"value": "140", "version": "7"}}),
    ("cleared value", {"2-1": {"value": ""}}),
    ("forged kpi", {"2-1": {"kpi_id": "999999", "value": "140"}}),
]


@pytest.mark.parametrize(("case", "rows"), BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_entry_errors_are_english_in_the_english_interface(client, editor, case, rows):
    from kpi import services
    from kpi.models import Kpi
    from tests.kpi.test_entry import ENTRY, _form_data

    services.values_save(
        user=editor,
        fiscal_year=2024,
        rows=[
            services.ValueInput(kpi=Kpi.objects.get(code="2-1"), value=131, status="preliminary")
        ],
    )
    client.force_login(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(ENTRY, _form_data(client, **rows))
    assert response.status_code in (400, 409), case
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert japanese_outside_lang_ja(html, policy_words()) == []


def test_the_change_history_is_english_but_for_what_people_wrote(client, admin, editor):
    """Values entered, corrected, made final and reopened with a reason; the KPI's target
    edited: the history names all of it in English, and keeps people's words as written."""
    from decimal import Decimal

    from kpi import services
    from kpi.models import Kpi, KpiValue

    kpi = Kpi.objects.get(code="2-1")

    def save(value, status, version, note=""):
        row = services.ValueInput(
            kpi=kpi, value=Decimal(value), status=status, note=note, version=version
        )
        services.values_save(user=editor, fiscal_year=2024, rows=[row])
        return KpiValue.objects.get(kpi=kpi, fiscal_year=2024)

    value = save(131, "preliminary", 0, note="速報の備考")
    value = save(132, "final", value.version)
    services.value_reopen(user=admin, value=value, reason="統計の訂正のため", version=value.version)
    kpi.save()
    kpi.is_provisional = True
    kpi.provisional_reason = "暫定の理由"
    kpi.save()
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(PLAN + "kpis/2-1/").content.decode()
    history = html.split('class="data-table history-table"', 1)[1].split("</table>", 1)[0]
    assert "Reopened: " in history and "統計の訂正のため" in history and "速報の備考" in history
    assert "Value for R6 (FY2024) (Changed)" in history
    assert japanese_outside_lang_ja(history, policy_words()) == []


def test_the_entry_save_message_is_english(client, editor):
    from tests.kpi.test_entry import ENTRY, _form_data

    client.force_login(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(ENTRY, _form_data(client, **{"2-1": {"value": "140"}}), follow=True)
    html = response.content.decode()
    message = html.split('class="messages"', 1)[1].split("</div>", 1)[0]
    assert ": new 140" in message
    assert japanese_outside_lang_ja(message, policy_words()) == []

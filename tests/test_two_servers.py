"""Two application servers sharing one PostgreSQL: sessions and concurrent edits behave."""

import html
import http.cookiejar
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

import pytest
from django.db import connection

from kpi.models import KpiValue
from tests.servers import gunicorn

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL shared by two processes"
    ),
]

ENTRY = "/plans/hokkaido-smart-docho-3/entry/2024/"
KPI_PAGE = "/plans/hokkaido-smart-docho-3/kpis/2-1/?as_of=2024"
# The app servers share this cache (issue 15); CI starts Redis, a developer may not have one.
REDIS_URL = os.environ.get("SMARTDOCHO_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _redis():
    """A client of the test Redis database, or None when no Redis answers (outside CI)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {REDIS_URL} for the shared-cache tests", pytrace=False)
        return None
    return client


@pytest.fixture
def redis_cache():
    client = _redis()
    if client is None:
        pytest.skip(f"no Redis at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def servers(policy, departments, editor, other_editor):
    yield from _servers({})


@pytest.fixture
def servers_sharing_redis(policy, departments, editor, other_editor, viewer, redis_cache):
    yield from _servers({"DJANGO_CACHE_URL": REDIS_URL})


def _servers(extra_env):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": url,
        # DEBUG only spares a collectstatic; sessions, locks and data are what is under test.
        "DJANGO_DEBUG": "true",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CONN_MAX_AGE": "0",
        **extra_env,
    }
    with gunicorn(env, count=2) as bases:
        yield bases


class Browser:
    """A tiny cookie-keeping client, enough to log in and post forms."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url):
        with self.opener.open(url, timeout=10) as r:
            return r.status, r.read().decode()

    def post(self, url, data):
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body, headers={"Referer": url})
        try:
            with self.opener.open(request, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def form(self, url, marker):
        """The fields of the page's POST form that contains `marker`, as a browser sends them."""
        _, page = self.get(url)
        form = next(
            f for f in re.findall(r'<form method="post".*?</form>', page, re.S) if marker in f
        )
        fields = {}
        for tag in re.findall(r"<input[^>]*>", form):
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name and "disabled" not in tag:
                fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
        for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
            chosen = re.search(r'<option value="([^"]*)" selected', options)
            fields[name] = (
                chosen.group(1)
                if chosen
                else re.search(r'<option value="([^"]*)"', options).group(1)
            )
        for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
            fields[name] = html.unescape(text.strip())
        return fields

    def login(self, base, username, password):
        fields = self.form(base + "/accounts/login/", 'name="username"')
        fields.update(username=username, password=password)
        return self.post(base + "/accounts/login/", fields)


def _row_index(fields, kpi_id):
    return next(
        k.split("-")[1] for k, v in fields.items() if k.endswith("-kpi_id") and v == str(kpi_id)
    )


def test_a_session_made_on_one_server_works_on_the_other(servers):
    a, b = servers
    browser = Browser()
    status, _ = browser.login(a, "editor", "pw-editor")
    assert status == 200
    status, page = browser.get(b + ENTRY)
    assert status == 200 and "実績値の入力" in page and "editor さん" in page


def test_concurrent_edits_through_two_servers_one_wins_the_other_is_told(servers):
    from kpi.models import Kpi

    a, b = servers
    kpi = Kpi.objects.get(code="2-1")
    first, second = Browser(), Browser()
    first.login(a, "editor", "pw-editor")
    second.login(b, "editor", "pw-editor")
    form_a = first.form(a + ENTRY, "v-TOTAL_FORMS")
    form_b = second.form(b + ENTRY, "v-TOTAL_FORMS")
    i = _row_index(form_a, kpi.id)
    form_a[f"v-{i}-value"] = "140"
    form_b[f"v-{i}-value"] = "150"
    status_a, _ = first.post(a + ENTRY, form_a)
    status_b, page_b = second.post(b + ENTRY, form_b)
    assert (status_a, status_b) == (
        200,
        409,
    )  # the first is saved (then redirected), the second refused
    assert "保存できませんでした" in page_b and "「140」" in page_b
    value = KpiValue.objects.get(kpi=kpi, fiscal_year=2024)
    assert (value.value, value.version) == (Decimal(140), 1)
    assert value.history.count() == 1


def test_a_change_through_one_server_is_seen_at_once_through_the_other_with_a_shared_cache(
    servers_sharing_redis, redis_cache
):
    """Anonymous pages are kept in the shared cache; a save on B must not leave A stale."""
    from kpi.models import Kpi

    a, b = servers_sharing_redis
    kpi = Kpi.objects.get(code="2-1")
    reader = Browser()
    status, before = reader.get(a + KPI_PAGE)
    assert status == 200 and "141" not in before
    assert redis_cache.keys("smartdocho:*"), "the rendered page is kept in Redis, for every server"
    assert reader.get(b + KPI_PAGE)[1] == before  # B serves the copy A rendered

    assert _save_141_through(b, kpi) == 200
    assert KpiValue.objects.get(kpi=kpi, fiscal_year=2024).value == Decimal(141)

    for base in (a, b):
        status, after = reader.get(base + KPI_PAGE)
        assert status == 200 and "141" in after and after != before


def test_a_signed_in_reader_on_one_server_sees_a_save_on_the_other_at_once(
    servers_sharing_redis, redis_cache
):
    """Signed-in readers share one rendering per reader class (issue 15); a save on B must
    reach a viewer reading through A at once, as it reaches anonymous readers."""
    from kpi.models import Kpi

    a, b = servers_sharing_redis
    kpi = Kpi.objects.get(code="2-1")
    reader = Browser()
    assert reader.login(a, "viewer", "pw-viewer")[0] == 200
    status, before = reader.get(a + KPI_PAGE)
    assert status == 200 and "141" not in before and "viewer" in before
    # B serves the copy A rendered (the CSRF token is masked afresh for every answer).
    assert _unmasked(reader.get(b + KPI_PAGE)[1]) == _unmasked(before)

    assert _save_141_through(b, kpi) == 200

    for base in (a, b):
        status, after = reader.get(base + KPI_PAGE)
        assert status == 200 and "141" in after and "viewer" in after


def _unmasked(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def _save_141_through(server: str, kpi) -> int:
    """The editor saves 141 (final) for `kpi`'s R6 value through `server`; the answer's status."""
    editor = Browser()
    editor.login(server, "editor", "pw-editor")
    form = editor.form(server + ENTRY, "v-TOTAL_FORMS")
    i = _row_index(form, kpi.id)
    form[f"v-{i}-value"] = "141"
    form[f"v-{i}-status"] = "final"
    return editor.post(server + ENTRY, form)[0]

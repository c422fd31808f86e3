"""The embedded SQLite database under a real server: people saving at the same moment are
queued or told, never answered 500 ("database is locked")."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ROOT
from tests.servers import gunicorn
from tests.test_two_servers import Browser

PLAN = "/plans/hokkaido-smart-docho-3/"
PUBLISH = PLAN + "reports/2025/publish/"
ROUNDS = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn with several threads on a fresh SQLite file holding the demo data."""
    db = tmp_path_factory.mktemp("sqlite") / "app.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_DEBUG": "true",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "setup_demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with gunicorn(env, workers=2, threads=4) as (base,):
        yield base


def _logged_in(base, username, password):
    browser = Browser()
    status, _ = browser.login(base, username, password)
    assert status == 200
    return browser


def _at_once(calls):
    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


def test_two_admins_publishing_at_once_get_one_publication_and_no_500(server):
    admins = [_logged_in(server, "admin", "smartdocho-admin") for _ in range(2)]
    for n in range(ROUNDS):
        forms = [a.form(server + PUBLISH, 'name="confirm"') for a in admins]
        for form in forms:
            form.update(office="情報政策課", values="with_preliminary", as_sample="on")
            form["reason"] = "同時公表の試験（訂正）" if n else ""
        results = _at_once(
            [
                lambda a=a, f=f: a.post(server + PUBLISH, f)
                for a, f in zip(admins, forms, strict=True)
            ]
        )
        statuses = sorted(status for status, _ in results)
        assert 500 not in statuses, statuses
        assert statuses.count(200) >= 1  # the one that published (redirect followed)


def test_narratives_and_values_saved_together_are_never_a_500(server):
    editor = _logged_in(server, "editor", "smartdocho-editor")
    editor2 = _logged_in(server, "editor2", "smartdocho-editor2")
    entry = PLAN + "entry/2025/"
    for n in range(ROUNDS):
        commentary_url = PLAN + "kpis/1-1/commentary/2025/"
        commentary = editor.form(server + commentary_url, 'name="version"')
        commentary.update(action="save")
        for name in list(commentary):
            if name not in ("csrfmiddlewaretoken", "version", "action"):
                commentary[name] = f"同時保存の試験 {n}"
        values = editor2.form(server + entry, "v-TOTAL_FORMS")
        results = _at_once(
            [
                lambda c=commentary, u=commentary_url: editor.post(server + u, c),
                lambda v=values: editor2.post(server + entry, v),
                lambda: editor.get(server + PLAN),
            ]
        )
        assert all(status < 500 for status, _ in results), [s for s, _ in results]

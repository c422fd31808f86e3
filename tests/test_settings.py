"""Settings come from the environment and fail loudly on a missing or nonsensical value."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def _start(
    env: dict[str, str],
    show: str = "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'])",
) -> subprocess.CompletedProcess:
    """A fresh process started with `env` (and no other DJANGO_ variable) that runs `show`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; " + show,
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "smartdocho.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _start({"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "kpi.example.jp"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_its_variables_set():
    result = _start(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "kpi.example.jp",
            "DATABASE_URL": "postgres://u:p@db.example.jp:5432/smartdocho",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.postgresql"]


def test_development_defaults_to_sqlite_with_no_variables():
    result = _start({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.db.backends.sqlite3"]


def test_a_nonsensical_debug_value_stops_the_start():
    result = _start({"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_require_login_setting_adds_the_login_required_middleware():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print('django.contrib.auth.middleware.LoginRequiredMiddleware' in settings.MIDDLEWARE)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "smartdocho.settings"}
    for value, expected in (("true", "True"), ("false", "False")):
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, "DJANGO_REQUIRE_LOGIN": value},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == expected, result.stderr


def _cache_backend(env: dict[str, str]) -> subprocess.CompletedProcess:
    return _start(
        env,
        "c = settings.CACHES['default']; "
        "print(c['BACKEND'].rsplit('.', 1)[1], c.get('LOCATION', '-'))",
    )


def test_the_cache_is_kept_in_the_process_unless_a_cache_url_is_set():
    for env in ({}, {"DJANGO_CACHE_URL": ""}, {"DJANGO_CACHE_URL": "locmem://"}):
        result = _cache_backend(env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["LocMemCache", "-"]


def test_a_redis_cache_url_shares_the_cache_through_djangos_redis_backend():
    result = _cache_backend({"DJANGO_CACHE_URL": "redis://cache.example.jp:6379/2"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["RedisCache", "redis://cache.example.jp:6379/2"]


def test_a_nonsensical_cache_url_stops_the_start():
    for raw in ("memcached://x:11211", "redis", "file:///tmp/cache"):
        result = _cache_backend({"DJANGO_CACHE_URL": raw})
        assert result.returncode != 0
        assert "DJANGO_CACHE_URL" in result.stderr


def test_a_refused_request_is_logged_once_without_a_traceback(viewer_client, policy, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = viewer_client.get(f"/plans/{policy.slug}/reports/2024/publish/")
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1 and records[0].status_code == 403
    assert records[0].exc_info is None  # the line stays; the traceback of a refusal does not
    # Only the root's handler prints: Django's own console handler would print it again.
    assert logging.getLogger("django").handlers == []


def test_a_server_error_keeps_its_traceback_in_the_log():
    import logging
    import sys

    from smartdocho.log_filters import ClientErrorWithoutTraceback

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, "", 0, "m", (), info)
    record.status_code = 500
    assert ClientErrorWithoutTraceback().filter(record)
    assert record.exc_info is info


PG = "postgres://u:p@db.example.jp:5432/smartdocho"
SHOW_OPTIONS = "print(repr(settings.DATABASES['default'].get('OPTIONS', {}).get('options')))"


def test_postgresql_connections_plan_for_ssds_unless_told_otherwise():
    assert _start({"DATABASE_URL": PG}, SHOW_OPTIONS).stdout.strip() == "'-c random_page_cost=1.1'"
    chosen = _start({"DATABASE_URL": PG, "DJANGO_PG_RANDOM_PAGE_COST": "2"}, SHOW_OPTIONS)
    assert chosen.stdout.strip() == "'-c random_page_cost=2'"
    kept = _start({"DATABASE_URL": PG, "DJANGO_PG_RANDOM_PAGE_COST": ""}, SHOW_OPTIONS)
    assert kept.stdout.strip() == "None"


def test_a_nonsensical_random_page_cost_stops_the_start():
    for value in ("fast", "-1", "0", "1; DROP TABLE x"):
        result = _start({"DATABASE_URL": PG, "DJANGO_PG_RANDOM_PAGE_COST": value}, SHOW_OPTIONS)
        assert result.returncode != 0, value
        assert "DJANGO_PG_RANDOM_PAGE_COST" in result.stderr

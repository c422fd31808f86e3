"""The one settings module, configured by environment variables.

Development needs no variable at all (DEBUG on, a SQLite file beside manage.py). Production sets
DJANGO_DEBUG=false, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL; a nonsensical value
stops the process at start rather than running half-configured.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


DEBUG = env_bool("DJANGO_DEBUG", True)

# The header's tagline beside "smartdocho". Empty means the neutral default; an installation
# names itself here (e.g. its department), never in templates: the code serves any government.
SITE_TAGLINE = os.environ.get("DJANGO_SITE_TAGLINE", "").strip()
# The organization `/` opens (its 全国地方公共団体コード or slug); unset, the only one, or the
# list of organizations when there are several (initiatives.models.OrganizationManager.default).
DEFAULT_ORGANIZATION = os.environ.get("DJANGO_DEFAULT_ORGANIZATION", "").strip()

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production settings (DJANGO_DEBUG=false) refuse to "
            "start without a secret key from the environment."
        )
    # Development only: a fixed, obviously insecure key so that sessions survive restarts.
    SECRET_KEY = "django-insecure-development-only-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the host(s) served in production.")

INSTALLED_APPS = [
    "kpi.admin_site.SiteAdminConfig",  # django.contrib.admin, see kpi/admin_site.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "csp",
    "simple_history",
    "axes",
    "smartdocho",
    "initiatives",
    "kpi",
    "narratives",
    "pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A repeat visit of a public page, answered 304 before the heavier middleware below.
    "smartdocho.middleware.EarlyNotModifiedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "smartdocho.middleware.SlidingSessionMiddleware",
    "smartdocho.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication, so that every answer to a signed-in user passes through it.
    "smartdocho.middleware.PrivateForSignedInMiddleware",
    # Before any view reads the address: a NUL in it is a 400, not PostgreSQL's error (500).
    "smartdocho.middleware.RefuseNulMiddleware",
    "smartdocho.middleware.ExplainedMethodNotAllowedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# A setting for deployments where even the committee views are not public.
REQUIRE_LOGIN = env_bool("DJANGO_REQUIRE_LOGIN", False)
if REQUIRE_LOGIN:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    )

ROOT_URLCONF = "smartdocho.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smartdocho.context_processors.shared_render",
            ],
            "builtins": ["kpi.templatetags.kpi_tags"],
        },
    },
]

WSGI_APPLICATION = "smartdocho.wsgi.application"

# Unset DATABASE_URL means an embedded SQLite file, so a new user needs no database server.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. A transaction that starts reading and only later writes
    # cannot wait for the lock and fails at once with "database is locked" (a 500 when two
    # people save together); taking the write lock at BEGIN lets SQLite's busy timeout queue
    # writers instead, and WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env_int("DJANGO_SQLITE_TIMEOUT", 20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's default random_page_cost (4) assumes spinning disks: with 1,800
    # organizations it makes the planner hash-join whole pillar, unit and department tables for
    # one plan's KPIs (5.3 ms instead of 0.96 ms, bench/RESULTS.md). 1.1 suits SSDs; set it
    # empty to keep the server's own setting (e.g. behind a pooler that refuses options).
    _page_cost = os.environ.get("DJANGO_PG_RANDOM_PAGE_COST", "1.1").strip()
    if _page_cost:
        try:
            if not 0 < float(_page_cost) <= 100:
                raise ValueError
        except ValueError:
            raise ImproperlyConfigured(
                "DJANGO_PG_RANDOM_PAGE_COST must be a number above 0 (e.g. 1.1), or empty."
            ) from None
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = (
            f"{_options.get('options', '')} -c random_page_cost={_page_cost}".strip()
        )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Hashed file names (production) are cached for a year by browsers and proxies: a change gets a
# new name, so nothing stale is ever served.
WHITENOISE_MAX_AGE = 60 if DEBUG else 31536000
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names need collectstatic, which production runs and development
        # does not.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Per-process cache of rendered public pages (smartdocho/etags.py); keys change with the data,
# so no process ever needs another's copy.


def env_cache(name: str) -> dict:
    """The default cache from a URL: unset or `locmem://` keeps it in the process (the Quick
    start needs no server); `redis://host:port/db` (or `rediss://`) shares it between every app
    server through Django's own RedisCache backend. Anything else stops the start."""
    raw = os.environ.get(name, "").strip()
    if raw in ("", "locmem://"):
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("DJANGO_PAGE_CACHE_ENTRIES", 500)},
        }
    if raw.startswith(("redis://", "rediss://", "unix://")):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": raw,
            "KEY_PREFIX": "smartdocho",
            # A cache server that is down must not take the site down: a miss, not an error.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    raise ImproperlyConfigured(
        f"{name} must be empty, locmem:// or redis://host:port/db, not {raw!r}"
    )


CACHES = {"default": env_cache("DJANGO_CACHE_URL")}

AUTHENTICATION_BACKENDS = [
    # django-axes first, so that a locked-out login never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a user name from one address, not a whole office behind one proxy, and not forever.
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And one address across all user names, with its own higher limit (smartdocho/login_throttle.py:
# axes compares every parameter set with the one AXES_FAILURE_LIMIT).
AXES_HANDLER = "smartdocho.login_throttle.AxesHandler"
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT", 20)
if LOGIN_ADDRESS_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT must not be below DJANGO_LOGIN_FAILURE_LIMIT."
    )
# Behind the TLS proxy the README recommends, REMOTE_ADDR is the proxy's: with the number of
# proxies in front of the application, the client's address is read from X-Forwarded-For
# (smartdocho/client_ip.py). 0 (the default) ignores the header, which anyone can forge.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more.")
AXES_CLIENT_IP_CALLABLE = "smartdocho.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Password reset by e-mail is off: a closed network often has no mail server, and the page
# would let anyone make this server send mail. DJANGO_PASSWORD_RESET=true turns it on, limited
# per client address and per e-mail address (smartdocho/password_reset.py).
PASSWORD_RESET_ENABLED = env_bool("DJANGO_PASSWORD_RESET", False)
PASSWORD_RESET_WINDOW_SECONDS = 60 * env_int("DJANGO_PASSWORD_RESET_WINDOW_MINUTES", 60)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("DJANGO_PASSWORD_RESET_LIMIT_PER_ADDRESS", 5)
PASSWORD_RESET_LIMIT_PER_EMAIL = env_int("DJANGO_PASSWORD_RESET_LIMIT_PER_EMAIL", 3)

# Mail (password reset only). Without DJANGO_EMAIL_HOST, mail is written to the log rather
# than tried on localhost's SMTP port.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT_SECONDS", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
if (
    PASSWORD_RESET_ENABLED
    and not DEBUG
    and not EMAIL_HOST
    and "DJANGO_EMAIL_BACKEND" not in os.environ
):
    raise ImproperlyConfigured(
        "DJANGO_PASSWORD_RESET=true needs a mail server: set DJANGO_EMAIL_HOST "
        "(and DJANGO_DEFAULT_FROM_EMAIL), or DJANGO_EMAIL_BACKEND."
    )

# Sessions end when the browser closes, and after SESSION_IDLE_MINUTES without a request (the
# expiry slides with use: smartdocho.middleware.SlidingSessionMiddleware saves it again at most
# once a minute, rather than SESSION_SAVE_EVERY_REQUEST's write on every page).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 60 * env_int("DJANGO_SESSION_IDLE_MINUTES", 30)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DJANGO_TABLES2_TEMPLATE = "django_tables2/semantic.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "smartdocho.log_filters.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # django-axes logs every successful login at INFO; lockouts come at WARNING.
        "axes": {"level": "WARNING"},
        # Django's own default gives "django" a console handler of its own when DEBUG is on;
        # with the root's, every line printed twice. One handler, the root's.
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["client_errors"]},
    },
}

# Production hardening; every one of these is a variable so that a deployment behind a
# TLS-terminating proxy can state its own facts.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# The header alone submits nothing to browsers' preload lists; it only allows a submission.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline scripts and nothing from another host. The one exception: plotly.js injects its own
# <style> element at run time, so style-src needs 'unsafe-inline' (plotly.js issues 2355, 7543);
# a nonce cannot cover a style element that a script creates.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

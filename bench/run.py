#!/usr/bin/env python3
"""Benchmark: queries per page, throughput and latency under load, bytes over the wire.

    .venv/bin/python bench/run.py            # writes bench/RESULTS.md and prints the tables

It builds a PostgreSQL database (`smartdocho_bench` on 127.0.0.1:5432, dropped and created
again), loads the real plan, measures its pages (queries, latency alone and under load,
anonymous and signed in) in that one-organization database, then generates 1,800 organizations
(`--organizations`), each with one plan of 60 KPIs × 10 years, four departments and 20 staff,
and measures the same pages again, writing the ratios. It serves the app with gunicorn in
production settings and loads it with wrk on loopback, next to the same HTML served as a static
file by the same server (the ceiling). Every request loop is bounded by wrk's duration. Not a
test: it prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "smartdocho_bench"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
PORT = 8097
BASE = f"http://127.0.0.1:{PORT}"
# The one-organization database, kept as a copy so that both sizes are served side by side and
# each page is timed on one and then the other, under the same load from the machine's others.
ONE_DB_NAME = "smartdocho_bench_one"
ONE_PORT = 8098
STATIC_ROOT = ROOT / "bench" / ".staticfiles"
ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_HSTS_SECONDS": "0",
    "DATABASE_URL": DB_URL,
    "DJANGO_LOG_LEVEL": "WARNING",
    "DJANGO_STATIC_ROOT": str(STATIC_ROOT),
}
PAGES = {
    "overview": "/plans/{slug}/",
    "pillar": "/plans/{slug}/pillars/1/",
    "kpi": "/plans/{slug}/kpis/{code}/",
    "report": "/plans/{slug}/reports/{fy}/",
    "export.json": "/plans/{slug}/export.json",
}
# Issue 14's organization pages; measured where the app has them (skipped while they answer 404).
ORG_PAGES = {
    "organizations": "/organizations/",
    "organizations ?q": "/organizations/?q=" + urllib.parse.quote("生成団体0999"),
    "organizations ?page=50": "/organizations/?page=50",
    "organization": "/organizations/{org}/",
}
# Site-wide pages that list every plan (the header links the first to everyone).
SITE_PAGES = {"plan list": "/plans/", "methodology": "/methodology/"}


def sh(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, text=True, capture_output=True, **kwargs)


def prepare_database() -> None:
    for name in (DB_NAME, ONE_DB_NAME):
        sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {name}")
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME)


def keep_one_organization_copy() -> None:
    """Copy the database as it is now (one organization) to ONE_DB_NAME."""
    from django.db import connection

    connection.close()  # CREATE DATABASE … TEMPLATE needs the source free of connections
    sh("createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", DB_NAME, ONE_DB_NAME)


def setup_django() -> None:
    os.environ.update(ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartdocho.settings"
    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the skipped pages' 404s


# Departments every generated organization has; its KPIs are shared out among them.
DEPARTMENTS = ("企画課", "情報政策課", "総務課", "税務課")
# Twenty staff per organization: one admin, one reviewer, eight editors, ten viewers.
STAFF_ROLES = ("管理者", "承認者") + ("入力担当",) * 8 + ("閲覧者",) * 10
NAME_SUFFIX = {
    "prefecture": "県",
    "municipality": "市",
    "special_ward": "区",
    "union": "広域連合",
    "other": "協議会",
}


def organization_identity(n: int, used_codes: set[str]) -> tuple[str, str, str]:
    """(kind, name, code) of generated organization n: about one in ten without a code."""
    from smartdocho import lg_codes

    r = n % 20
    if r == 0:
        kind, five = "union", ""
    elif r == 10:
        kind, five = "other", ""
    elif r == 5:
        kind, five = "prefecture", f"{1 + n // 20 % 47:02d}000"
    elif r == 15:
        kind, five = "special_ward", f"13{101 + n // 20 % 23:03d}"
    else:
        kind, five = "municipality", f"{1 + n % 47:02d}{200 + n // 47 % 800:03d}"
    code = f"{five}{lg_codes.check_digit(five)}" if five else ""
    if code in used_codes:  # a real code already loaded, or a repeat: the body goes without
        code = ""
    used_codes.add(code)
    return kind, f"生成団体{n:04d}{NAME_SUFFIX[kind]}", code


def generate_organizations(count: int, kpis: int, years: int) -> dict[str, float]:
    """`count` organizations, each with one plan of `kpis` KPIs × `years` years of values, four
    departments owning its KPIs and twenty staff. Returns seconds per step."""
    import io

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from initiatives.models import Organization, Pillar, Plan
    from kpi.models import Department, Kpi, KpiValue, StaffProfile, Unit

    User = get_user_model()
    steps: dict[str, float] = {}
    t = time.time()

    def step(name: str) -> None:
        nonlocal t
        now = time.time()
        steps[name] = now - t
        print(f"  generated {name} in {now - t:.1f} s", flush=True)
        t = now

    with transaction.atomic():
        used = set(Organization.objects.exclude(code="").values_list("code", flat=True))
        orgs = Organization.objects.bulk_create(
            (
                Organization(slug=f"gen-org-{n:04d}", name=name, kind=kind, code=code)
                for n in range(1, count + 1)
                for kind, name, code in [organization_identity(n, used)]
            ),
            batch_size=2000,
        )
        plans = Plan.objects.bulk_create(
            (
                Plan(
                    slug=f"gen-{n:04d}",
                    organization=org,
                    government=org.name,
                    title=f"{org.name} DX推進計画",
                    first_fy=2016,
                    last_fy=2016 + years - 1,
                )
                for n, org in enumerate(orgs, start=1)
            ),
            batch_size=2000,
        )
        step("organizations and plans")
        pillars = Pillar.objects.bulk_create(
            (Pillar(plan=plan, number=n, title=f"柱{n}") for plan in plans for n in (1, 2, 3)),
            batch_size=5000,
        )
        pillar_of = {(p.plan_id, p.number): p for p in pillars}
        units = Unit.objects.bulk_create(
            (
                Unit(plan=plan, code="cases", label="件", base_label="件", kind="count")
                for plan in plans
            ),
            batch_size=5000,
        )
        unit_of = {u.plan_id: u for u in units}
        # Codes unique site-wide, so that they hold whether codes are unique per site or per
        # organization.
        departments = Department.objects.bulk_create(
            (
                Department(organization=org, code=f"o{n}-d{k}", name=name)
                for n, org in enumerate(orgs, start=1)
                for k, name in enumerate(DEPARTMENTS)
            ),
            batch_size=5000,
        )
        departments_of: dict[int, list] = {}
        for d in departments:
            departments_of.setdefault(d.organization_id, []).append(d)
        step("pillars, units and departments")
        kpi_rows = Kpi.objects.bulk_create(
            (
                Kpi(
                    plan=plan,
                    pillar=pillar_of[(plan.id, 1 + k % 3)],
                    code=f"k{k}",
                    order=k,
                    name=f"生成指標{k}",
                    unit=unit_of[plan.id],
                    department=departments_of[plan.organization_id][k % len(DEPARTMENTS)],
                    baseline_fy=2015,
                    baseline_value=Decimal(100),
                    target_fy=2016 + years - 1,
                    target_kind="at_least",
                    target_value=Decimal(300),
                )
                for plan in plans
                for k in range(kpis)
            ),
            batch_size=2000,
        )
        step(f"{len(kpi_rows):,} KPIs")
        # COPY: a million rows in seconds where bulk_create takes minutes.
        buffer = io.StringIO()
        now = dt.datetime.now(dt.UTC).isoformat()
        for kpi in kpi_rows:
            i = kpi.id
            for y in range(years):
                buffer.write(f"{i}\t{2016 + y}\t{100 + 15 * y + i % 7}\tfinal\t\t\tf\t{now}\t1\n")
        buffer.seek(0)
        table = KpiValue._meta.db_table
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} (kpi_id, fiscal_year, value, status, note, source, is_sample,"
                " entered_at, version) FROM STDIN",
                buffer,
            )
        step(f"{len(kpi_rows) * years:,} values (COPY)")
        # One hash for everyone: make_password 36,000 times would take an hour.
        password = make_password("bench-staff-pw")
        users = User.objects.bulk_create(
            (
                User(username=f"o{n:04d}-s{k:02d}", password=password)
                for n in range(1, count + 1)
                for k in range(len(STAFF_ROLES))
            ),
            batch_size=5000,
        )
        groups = {g.name: g for g in Group.objects.filter(name__in=set(STAFF_ROLES))}
        profiles, memberships = [], []
        per_org = len(STAFF_ROLES)
        for index, user in enumerate(users):
            org = orgs[index // per_org]
            role = STAFF_ROLES[index % per_org]
            depts = departments_of[org.id]
            department = depts[index % len(depts)] if role == "入力担当" else None
            profiles.append(StaffProfile(user=user, organization=org, department=department))
            memberships.append(User.groups.through(user_id=user.id, group_id=groups[role].id))
        StaffProfile.objects.bulk_create(profiles, batch_size=5000)
        User.groups.through.objects.bulk_create(memberships, batch_size=5000)
        step(f"{len(users):,} staff")
    # What autovacuum would do soon after a load this size; without it the planner guesses.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    step("ANALYZE")
    return steps


def count_queries(path: str, user=None, *, missing_ok: bool = False) -> tuple[int, int] | None:
    """(queries for the whole request, queries while templates render), for an anonymous
    reader or `user`; None for a page that answers 404 when `missing_ok`."""
    from django.core.cache import cache
    from django.db import connection
    from django.template.backends.django import Template
    from django.test import Client

    cache.clear()  # count what a cold render costs, not a kept copy
    client = Client()
    if user is not None:
        client.force_login(user)
    state = {"rendering": 0, "total": 0, "in_templates": 0}
    original = Template.render

    def render(self, *args, **kwargs):
        state["rendering"] += 1
        try:
            return original(self, *args, **kwargs)
        finally:
            state["rendering"] -= 1

    def wrapper(execute, sql, params, many, context):
        state["total"] += 1
        if state["rendering"]:
            state["in_templates"] += 1
        return execute(sql, params, many, context)

    Template.render = render
    try:
        with connection.execute_wrapper(wrapper):
            response = client.get(path)
        if missing_ok and response.status_code == 404:
            return None
        assert response.status_code == 200, (path, response.status_code)
    finally:
        Template.render = original
    return state["total"], state["in_templates"]


def small_viewer():
    """A viewer (閲覧者) of the real plan's organization: the one-organization database's staff."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from initiatives.models import Organization
    from kpi.models import StaffProfile

    user = get_user_model().objects.filter(username="bench-viewer").first()
    if user is not None:  # made earlier in this run
        return user
    user = get_user_model().objects.create_user("bench-viewer", password="bench-viewer-pw")
    user.groups.add(Group.objects.get(name="閲覧者"))
    StaffProfile.objects.create(user=user, organization=Organization.objects.get(slug="hokkaido"))
    return user


def generated_viewer(n: int):
    """A viewer (閲覧者) of generated organization n."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=f"o{n:04d}-s{STAFF_ROLES.index('閲覧者'):02d}")


def session_cookie(user) -> str:
    """A signed-in session for wrk: staff pages are rendered on every request."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"Cookie: sessionid={client.session.session_key}"


def serve(
    workers: int, port: int = PORT, db: str = DB_NAME, *, recycle: bool = True
) -> subprocess.Popen:
    """gunicorn as configured for production; without `recycle`, workers are not restarted
    after max_requests, so that a fresh worker's empty page cache does not fall on whichever
    page happens to be measured then (the ratios compare database sizes, not that)."""
    env = {
        **os.environ,
        **ENV,
        "DATABASE_URL": DB_URL.replace(DB_NAME, db),
        "SMARTDOCHO_BIND": f"127.0.0.1:{port}",
        "SMARTDOCHO_WORKERS": str(workers),
    }
    if not recycle:
        env["GUNICORN_CMD_ARGS"] = "--max-requests 0"
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def wrk(
    path: str, duration: int, connections: int, header: str | None = None, port: int = PORT
) -> dict:
    drain(port)
    args = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if header:
        args += ["-H", header]
    out = sh(*args, f"http://127.0.0.1:{port}{path}").stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"(\d+) requests in", out).group(1))

    def ms(label: str) -> float:
        if not done:  # no request finished within the duration: no latency to read
            return float("nan")
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(errors.group(1)) if errors else 0) + (
        sum(map(int, socket.groups())) if socket else 0
    )
    return {"rps": rps, "p50": ms("50"), "p99": ms("99"), "failed": failed}


def drain(port: int) -> None:
    """Wait until the server answers at once: requests wrk gave up on at the end of the last
    measurement are still queued at the sync workers, and would be counted against the next."""
    for _ in range(120):
        t = time.time()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=120).read()
        if time.time() - t < 0.2:
            return
        time.sleep(0.5)


def fetch(path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(BASE + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:  # 304 arrives as an HTTPError
        return err.code, dict(err.headers), err.read()


def page_bytes(path: str) -> dict:
    """What a first and a repeat visit download: the page and every static file it links."""
    import brotli

    status, headers, html = fetch(path, {"Accept-Encoding": "br"})
    html_br = len(brotli.compress(html)) if headers.get("Content-Encoding") != "br" else len(html)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html.decode())
    static_first = 0
    cacheable = True
    for asset in dict.fromkeys(assets):
        _, h, body = fetch(asset, {"Accept-Encoding": "br"})
        static_first += len(body)
        cacheable &= "max-age=31536000" in h.get("Cache-Control", "") or "immutable" in h.get(
            "Cache-Control", ""
        )
    repeat_status, _, repeat_body = fetch(path, {"If-None-Match": headers.get("ETag", "")})
    return {
        "html": len(html),
        "html_br": html_br,
        "static_br": static_first,
        "first_visit_br": html_br + static_first,
        "repeat_static": 0 if cacheable else static_first,
        "repeat_status": repeat_status,
        "repeat_html": len(repeat_body),
        "etag": headers.get("ETag", ""),
    }


def page_set(
    plan: dict, organization: str, user, cookie: str, *, site: bool = True
) -> dict[str, tuple]:
    """label → (path, user or None, wrk header or None): the plan's pages, the organization
    pages and (with `site`) the site-wide pages, each read anonymously and signed in."""
    pages = {name: path.format(**plan) for name, path in PAGES.items()}
    pages |= {name: path.format(org=organization) for name, path in ORG_PAGES.items()}
    if site:
        pages |= SITE_PAGES
    out = {}
    for mode, who, header in (("anonymous", None, None), ("signed in", user, cookie)):
        for name, path in pages.items():
            out[f"{name}, {mode}"] = (path, who, header)
    return out


def count_all(pages: dict[str, tuple]) -> dict[str, tuple[int, int] | None]:
    counted = {}
    for label, (path, user, _) in pages.items():
        counted[label] = count_queries(path, user, missing_ok=label.startswith("organization"))
        if counted[label] is None:
            print(f"  skipped {label}: {path} answers 404 (not in this version of the app)")
    return counted


def time_pages(pages: dict[str, tuple], counted: dict, args, port: int = PORT) -> dict:
    """Each page alone (one connection: the latency one reader sees) and under load."""
    present = {label: page for label, page in pages.items() if counted[label] is not None}
    for path, _, header in present.values():  # warm-up: every worker renders every page
        wrk(path, 1, 2 * args.workers, header, port)
    timed = {}
    for label, (path, _, header) in present.items():
        timed[label] = time_page(path, header, args, port)
        _say(label, timed[label])
    return timed


def time_page(path: str, header: str | None, args, port: int) -> dict:
    return {
        "sequential": wrk(path, max(3, args.duration // 2), 1, header, port),
        "load": wrk(path, args.duration, args.connections, header, port),
    }


def _say(label: str, timed: dict, where: str = "") -> None:
    print(
        f"  {label}{where}: {timed['sequential']['p50']:.1f} ms alone,"
        f" {timed['load']['p50']:.1f} ms under load, {timed['load']['failed']} failed",
        flush=True,
    )


def time_side_by_side(pages: dict[str, tuple], before: dict, after: dict, args) -> None:
    """Each page on the one-organization server, then at once on the large one, so that both
    sides of a ratio meet the same load from the rest of the machine."""
    present = {label: page for label, page in pages.items() if after["queries"][label] is not None}
    for path, _, header in present.values():  # warm-up: every worker renders every page
        wrk(path, 1, 2 * args.workers, header, ONE_PORT)
        wrk(path, 1, 2 * args.workers, header, PORT)
    before["timing"], after["timing"] = {}, {}
    for label, (path, _, header) in present.items():
        base, _ = _baseline(label, before)
        if before["queries"][base] is not None:
            base_path, _, base_header = pages[base]
            before["timing"][base] = time_page(base_path, base_header, args, ONE_PORT)
            _say(base, before["timing"][base], ", 1 organization")
        after["timing"][label] = time_page(path, header, args, PORT)
        _say(label, after["timing"][label], ", all organizations")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1800)
    parser.add_argument("--kpis", type=int, default=60)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--duration", type=int, default=6, help="seconds of load per measurement")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--lighthouse",
        help="Lighthouse 12's binary (npm install --prefix /tmp/lh lighthouse@12): also runs "
        "bench/lighthouse.py's pages against this database",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    started = time.time()
    load_before_run = os.getloadavg()

    prepare_database()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0, clear=True)
    call_command("loaddata", "hokkaido_smart_docho_3", "sample_values", verbosity=0)

    small = {"slug": "hokkaido-smart-docho-3", "code": "1-3", "fy": 2025}
    large = {"slug": "gen-0001", "code": "k0", "fy": 2025}
    queries = {name: {"small": count_queries(path.format(**small))} for name, path in PAGES.items()}

    # Before: the one-organization database (the real plan and its organization only).
    viewer = small_viewer()
    real = page_set(small, "010006", viewer, session_cookie(viewer))
    print("One organization:", flush=True)
    scale = {"before": {"queries": count_all(real)}}
    keep_one_organization_copy()

    t0 = time.time()
    print(f"Generating {args.organizations:,} organizations:", flush=True)
    steps = generate_organizations(args.organizations, args.kpis, args.years)
    generated = time.time() - t0
    print(f"  generated in {generated:.0f} s", flush=True)
    for name, path in PAGES.items():
        queries[name]["large"] = count_queries(path.format(**small))
        queries[name]["generated"] = count_queries(path.format(**large))

    # After: the same pages of the real plan, and one generated organization's with its viewer.
    from initiatives.models import Organization

    n = min(999, args.organizations)
    gen_org = Organization.objects.get(slug=f"gen-org-{n:04d}")
    gen_viewer = generated_viewer(n)
    gen_cookie = session_cookie(gen_viewer)
    mid = {"slug": f"gen-{n:04d}", "code": "k0", "fy": 2025}
    generated_pages = page_set(
        mid, gen_org.code or gen_org.slug, gen_viewer, gen_cookie, site=False
    )
    print(f"{args.organizations + 1:,} organizations:", flush=True)
    scale["after"] = {"queries": count_all(real)}
    scale["generated"] = {"queries": count_all(generated_pages)}

    # The ceiling: the large overview's HTML as a static file, served by the same server.
    from django.test import Client

    copy = Client().get(PAGES["overview"].format(**large)).content
    (STATIC_ROOT / "bench").mkdir(parents=True, exist_ok=True)
    (STATIC_ROOT / "bench" / "overview.html").write_bytes(copy)

    one = serve(args.workers, ONE_PORT, ONE_DB_NAME, recycle=False)
    server = serve(args.workers, recycle=False)
    try:
        time.sleep(1)
        time_side_by_side(real, scale["before"], scale["after"], args)
        stop(one)
        scale["generated"]["timing"] = time_pages(
            generated_pages, scale["generated"]["queries"], args
        )
    finally:
        stop(server)
        if one.poll() is None:
            stop(one)
    server = serve(args.workers)  # issue 15's measurements: production as configured
    try:
        # Issue 15's measurements: a generated 60-KPI plan under load.
        for name in ("overview", "kpi", "report", "export.json"):
            wrk(PAGES[name].format(**large), 2, args.connections)
        load = {"static copy": wrk("/static/bench/overview.html", args.duration, args.connections)}
        for name in ("overview", "kpi", "report", "export.json"):
            load[name] = wrk(PAGES[name].format(**large), args.duration, args.connections)
        overview = PAGES["overview"].format(**large)
        # A signed-in reader: served the copy kept for their reader class (smartdocho/etags.py).
        cookie = session_cookie(generated_viewer(1))
        load["overview, signed in"] = wrk(overview, args.duration, args.connections, cookie)
        load["kpi, signed in"] = wrk(
            PAGES["kpi"].format(**large), args.duration, args.connections, cookie
        )
        etag = fetch(overview)[1].get("ETag", "")
        load["overview, repeat (304)"] = wrk(
            overview, args.duration, args.connections, f"If-None-Match: {etag}"
        )
        sizes = {
            name: page_bytes(PAGES[name].format(**large))
            for name in ("overview", "pillar", "kpi", "report")
        }
    finally:
        stop(server)

    # Issue 15's targets in the same database: signed-in pages against a static file, one core
    # each for server and load (bench/signed_in.py), and Lighthouse where its binary is given.
    import lighthouse
    import signed_in

    issue15 = {"signed_in": signed_in.measure(args.duration, 2)}
    if args.lighthouse:
        issue15["lighthouse"] = lighthouse.measure(args.lighthouse)

    run = {
        "generated": generated,
        "steps": steps,
        "minutes": (time.time() - started) / 60,
        "load_before": load_before_run,
        "load_after": os.getloadavg(),
        "organization": gen_org.name,
    }
    write_results(args, queries, load, sizes, scale, run, issue15)


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def write_results(args, queries, load, sizes, scale, run, issue15) -> None:
    ceiling = load["static copy"]["rps"]
    orgs = args.organizations
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- Machine: {platform.node()}, {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, {_pg_version()}; load average (1, 5, 15 min) {_loadavg(run['load_before'])} at the start, {_loadavg(run['load_after'])} at the end (the cores are shared with other developers)",
        f"- Data: the real plan (16 KPIs, organization 北海道) as the one-organization database; then {orgs:,} generated organizations, each with one plan of {args.kpis} KPIs × {args.years} years, {len(DEPARTMENTS)} departments and {len(STAFF_ROLES)} staff ({orgs * args.kpis:,} KPIs, {orgs * args.kpis * args.years:,} values, {orgs * len(STAFF_ROLES):,} users; generated in {run['generated']:.0f} s: "
        + ", ".join(f"{name} {sec:.0f} s" for name, sec in run["steps"].items())
        + ")",
        f"- Server: gunicorn, {args.workers} sync workers, production settings, whitenoise (worker recycling after max_requests off for the 1-organization/all-organizations comparison, on for issue 15's table); load: wrk, 1 thread, {args.connections} connections, {args.duration} s each (alone: 1 connection, {max(3, args.duration // 2)} s), on loopback (the same 2 cores); the whole run took {run['minutes']:.0f} min",
        f"- Command: `.venv/bin/python bench/run.py --organizations {orgs} --duration {args.duration}`",
        "",
    ]
    lines += scale_section(scale, orgs, run)
    lines += [
        "## Queries per request",
        "",
        "Cold renders (no kept copy), anonymous. The real plan's pages in the small database and",
        "again in the large one; a generated plan's page for comparison (it has no components,",
        "milestones or directions, so prefetches that would find nothing are skipped).",
        "",
        "| page | real plan, small DB | real plan, large DB | generated 60-KPI plan | while templates render |",
        "|---|---|---|---|---|",
    ]
    for name, q in queries.items():
        lines.append(
            f"| {name} | {q['small'][0]} | {q['large'][0]} | {q['generated'][0]} | {q['small'][1]} / {q['large'][1]} / {q['generated'][1]} |"
        )
    lines += [
        "",
        "## Throughput and latency (large plan)",
        "",
        "| page | requests/s | share of static | p50 ms | p99 ms | p99/p50 | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in load.items():
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['rps'] / ceiling:.2f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['p99'] / r['p50']:.2f} | {r['failed']} |"
        )
    lines += [
        "",
        "## Bytes over the wire (large plan)",
        "",
        "| page | HTML | HTML, brotli | static files, brotli | first visit, brotli | repeat: static | repeat: page |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in sizes.items():
        lines.append(
            f"| {name} | {s['html']:,} | {s['html_br']:,} | {s['static_br']:,} | {s['first_visit_br'] / 1024:.0f} KB | {s['repeat_static']} B | {s['repeat_status']}, {s['repeat_html']} B |"
        )
    lines += ["", "## Against the targets", ""]
    lines += targets(queries, load, sizes, ceiling)
    import lighthouse
    import signed_in

    lines += [
        "",
        f"## Issue 15: signed-in pages of a 60-KPI plan against a static file ({orgs + 1:,} organizations)",
        "",
        "Sequential requests (one connection) and load (4 connections); gunicorn (2 threaded"
        f" workers) pinned to core {signed_in.SERVER_CPU}, wrk to core {signed_in.LOAD_CPU}.",
        "",
        *signed_in.table(issue15["signed_in"]),
    ]
    if "lighthouse" in issue15:
        lines += [
            "",
            "## Issue 15: Lighthouse 12 (mobile)",
            "",
            *lighthouse.table(issue15["lighthouse"]),
        ]
    else:
        lines += [
            "",
            "Lighthouse: not run (`--lighthouse` not given); see bench/RESULTS-lighthouse.md.",
        ]
    lines += ["", "## Why the misses", ""]
    lines += [
        f"- Repeat visits (304): {load['overview, repeat (304)']['p50']:.1f} ms at p50 against {load['static copy']['p50']:.1f} ms for the static file."
        " whitenoise answers a static file at the top of the middleware stack; an anonymous 304 is"
        " answered right after it (smartdocho.middleware.EarlyNotModifiedMiddleware) with one query"
        " (the data version).",
        f"- Tail latency: the static copy alone shows p99/p50 = {load['static copy']['p99'] / load['static copy']['p50']:.0f}."
        " wrk and the gunicorn workers share the same 2 cores on loopback, and sync workers queue"
        " connections beyond their number, so p99 measures CPU scheduling on this machine more than"
        " the application; no request failed.",
        f"- Rendering: an overview of 60 KPIs rendered for a signed-in reader takes {load['overview, signed in']['p50']:.0f} ms at p50 under this load"
        " (about 100 ms of Python alone: exact-fraction progress for every KPI and django-tables2"
        " cells) when it is rendered; every reader of one class (anonymous, or the same roles,"
        " organization and department) is then served one kept copy per data version.",
    ]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text)
    (ROOT / "bench" / "results.json").write_text(
        json.dumps(
            {
                "queries": queries,
                "load": load,
                "sizes": sizes,
                "scale": scale,
                "run": run,
                "issue15": issue15,
            },
            indent=1,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


def targets(queries, load, sizes, ceiling) -> list[str]:
    out = []
    same = all(q["small"][0] == q["large"][0] for q in queries.values())
    none_in_templates = all(
        q["small"][1] == q["large"][1] == q["generated"][1] == 0 for q in queries.values()
    )
    out.append(
        f"- Queries per page the same at every size: {'met' if same else 'MISSED'}; none while templates render: {'met' if none_in_templates else 'MISSED'}."
    )
    share = load["overview"]["rps"] / ceiling
    out.append(
        f"- Overview without HTTP caching ≥ 1/10 of the static copy: {share:.2f} ({'met' if share >= 0.1 else 'MISSED'}) for anonymous readers, who share one rendered copy per data version."
    )
    rendered = load["overview, signed in"]["rps"] / ceiling
    out.append(
        f"- Overview for a signed-in reader (60 KPIs; kept per reader class): {rendered:.3f} of the static copy ({'met' if rendered >= 0.1 else 'MISSED'})."
    )
    repeat = load["overview, repeat (304)"]["rps"] / ceiling
    out.append(
        f"- Repeat visit (304) ≥ 1/2 of the static copy: {repeat:.2f} ({'met' if repeat >= 0.5 else 'MISSED'})."
    )
    for name, s in sizes.items():
        ok = s["first_visit_br"] <= 350 * 1024
        out.append(
            f"- First visit of {name} ≤ 350 KB (brotli): {s['first_visit_br'] / 1024:.0f} KB ({'met' if ok else 'MISSED'}); repeat visit static bytes: {s['repeat_static']}."
        )
    worst = max(r["p99"] / r["p50"] for r in load.values())
    failed = sum(r["failed"] for r in load.values())
    out.append(
        f"- p99/p50 ≤ 2.5 under load: worst {worst:.2f} ({'met' if worst <= 2.5 else 'MISSED'}); failed requests: {failed}."
    )
    return out


# Latency may wobble this much between two runs on 2 shared cores and still count as unchanged.
LATENCY_TOLERANCE = 1.25
# The organization list answers within the plan overview's latency (same reader, same database).
ORG_LIST = ("organizations", "organizations ?q", "organizations ?page=50")


def _ratio(after: float | None, before: float | None) -> str:
    if after is None or before is None or before == 0:
        return "—"
    return f"{after / before:.2f}"


def _p50(timing: dict, label: str, kind: str) -> float | None:
    """The median latency, or None where not measured or no request finished in time."""
    value = timing[label][kind]["p50"] if label in timing else None
    return None if value is None or math.isnan(value) else value


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _queries(counted: dict, label: str) -> int | None:
    return counted[label][0] if counted.get(label) else None


def _baseline(label: str, before: dict) -> tuple[str, str]:
    """The label to compare with before generating, and a note when it is another page: with
    one organization there is no page 50 of the list, so page 1 stands in."""
    if before["queries"].get(label) is None and label.startswith("organizations ?page=50"):
        return label.replace("organizations ?page=50", "organizations"), " (vs page 1)"
    return label, ""


def scale_section(scale: dict, orgs: int, run: dict) -> list[str]:
    before, after, generated = scale["before"], scale["after"], scale["generated"]
    total = orgs + 1
    lines = [
        f"## Many organizations (issue 14): 1 organization, then {total:,}",
        "",
        "The same pages of the real plan, read by the same readers (anonymous; a viewer of its",
        "organization), before generating and after, in this one run. Ratios are after/before:",
        "1.00 is unchanged. Queries: cold render. Alone: one connection, p50. Under load: p50.",
        "",
        "| page, reader | queries 1 → "
        + f"{total:,}"
        + " | ratio | alone ms | ratio | under load ms | ratio | req/s ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    skipped = []
    for label in before["queries"]:
        base, note = _baseline(label, before)
        qa, qb = _queries(after["queries"], label), _queries(before["queries"], base)
        if qa is None:
            skipped.append(label)
            continue
        sa, sb = (
            _p50(after["timing"], label, "sequential"),
            _p50(before["timing"], base, "sequential"),
        )
        la, lb = _p50(after["timing"], label, "load"), _p50(before["timing"], base, "load")
        ra = after["timing"][label]["load"]["rps"]
        rb = before["timing"][base]["load"]["rps"] if base in before["timing"] else None
        lines.append(
            f"| {label}{note} | {qb} → {qa} | {_ratio(qa, qb)} | {_ms(sb)} → {_ms(sa)} | {_ratio(sa, sb)} | {_ms(lb)} → {_ms(la)} | {_ratio(la, lb)} | {_ratio(ra, rb)} |"
        )
    lines += [
        "",
        f"A generated organization's pages ({run['organization']}, 60 KPIs) in the {total:,}-organization",
        "database, read anonymously and by a viewer of that organization; the ratio is against the",
        "real plan's page before generating (16 KPIs), so it mixes the plan's size with the",
        "database's: compare the queries, and read the latency with that in mind.",
        "",
        "| page, reader | queries | vs real plan, 1 org | alone ms | ratio | under load ms | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for label in generated["queries"]:
        base, _ = _baseline(label, before)
        q = _queries(generated["queries"], label)
        if q is None:
            continue
        s_, l_ = (
            _p50(generated["timing"], label, "sequential"),
            _p50(generated["timing"], label, "load"),
        )
        lines.append(
            f"| {label} | {q} | {_ratio(q, _queries(before['queries'], base))} | {_ms(s_)} | {_ratio(s_, _p50(before['timing'], base, 'sequential'))} | {_ms(l_)} | {_ratio(l_, _p50(before['timing'], base, 'load'))} |"
        )
    if skipped:
        lines += [
            "",
            "Not measured (the URL answers 404 in this version of the app): "
            + ", ".join(skipped)
            + ".",
        ]
    lines += ["", "### Against issue 14's targets", ""]
    lines += scale_targets(scale, total)
    return lines + [""]


def scale_targets(scale: dict, total: int) -> list[str]:
    before, after, generated = scale["before"], scale["after"], scale["generated"]
    out = []
    grew = []
    for label in before["queries"]:
        base, _ = _baseline(label, before)
        qa, qb = _queries(after["queries"], label), _queries(before["queries"], base)
        if qa is not None and qb is not None and qa != qb:
            grew.append(f"{label} {qb} → {qa}")
    out.append(
        f"- Queries per page the same with 1 and {total:,} organizations: "
        + ("met" if not grew else "MISSED (" + "; ".join(grew) + ")")
        + "."
    )
    for kind, name in (("sequential", "alone"), ("load", "under load")):
        slow, unread = [], []
        for label in after["timing"]:
            base, _ = _baseline(label, before)
            a, b = _p50(after["timing"], label, kind), _p50(before["timing"], base, kind)
            if a is None or b is None:
                unread.append(label)
            elif a / b > LATENCY_TOLERANCE:
                slow.append(f"{label} ×{a / b:.2f}")
        out.append(
            f"- Latency {name} unchanged (p50 ratio ≤ {LATENCY_TOLERANCE}): "
            + ("met" if not slow else "MISSED (" + "; ".join(slow) + ")")
            + (f"; no request finished in time for {', '.join(unread)}" if unread else "")
            + "."
        )
    for mode in ("anonymous", "signed in"):
        bound = _p50(after["timing"], f"overview, {mode}", "sequential")
        for page in ORG_LIST:
            label = f"{page}, {mode}"
            t = _p50(after["timing"], label, "sequential")
            if t is None or bound is None:
                out.append(f"- {label}: not measured (answers 404, or no request finished).")
                continue
            counts = {_queries(c["queries"], label) for c in (after, generated)}
            out.append(
                f"- {label}: {t:.1f} ms alone with {total:,} organizations, bound: the plan overview's {bound:.1f} ms ({'met' if t <= bound else 'MISSED'}); queries {sorted(counts)}."
            )
    return out


def _loadavg(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return "PostgreSQL " + cursor.fetchone()[0].split()[0]


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Issue 15's targets: signed-in pages against a static file, the 304 and the tail.

    .venv/bin/python bench/signed_in.py [--organizations 1] [--duration 5]

Builds the benchmark database of bench/run.py (PostgreSQL, production settings, gunicorn,
whitenoise): the real plan with its sample values, and `--organizations` generated ones, each
with a 60-KPI × 10-year plan. gunicorn is pinned to the second core and wrk to the first
(`taskset`), so that the tail measures the application rather than the scheduler. Prints, for
each target, the measured values and their ratio, and writes bench/RESULTS-signed-in.md:

- every signed-in page type (overview, pillar, KPI, report and entry page of the 60-KPI plan;
  an item page of the real plan, the generated plans have no items): p50 latency of sequential
  requests (one connection), at most 10× the static file's;
- an anonymous repeat visit (304): throughput at least 1/2 of the static file's;
- p99/p50 ≤ 2.5 under load (4 connections), per page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: database, server and wrk helpers)

SERVER_CPU, LOAD_CPU = "1", "0"


def wrk(path: str, duration: int, connections: int, header: str | None = None) -> dict:
    """run.wrk, with wrk pinned to its own core."""
    run.drain(run.PORT)
    args = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{duration}s"]
    args += ["--latency", "--timeout", "10s"]
    if header:
        args += ["-H", header]
    out = run.sh(*args, f"http://127.0.0.1:{run.PORT}{path}").stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    codes = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": ms("50"),
        "p99": ms("99"),
        "failed": int(codes.group(1)) if codes else 0,
    }


def pin(server: subprocess.Popen) -> None:
    """Every process of the server's group (master and workers) on SERVER_CPU."""
    pids = run.sh("pgrep", "-g", str(server.pid)).stdout.split()
    for pid in pids:
        run.sh("taskset", "-a", "-cp", SERVER_CPU, pid)


def signed_in_pages() -> dict[str, tuple[str, object]]:
    """Issue 15's page types, each with the reader who opens it (generated organization 1)."""
    from django.contrib.auth import get_user_model

    viewer = run.generated_viewer(1)
    editor = get_user_model().objects.get(
        username=f"o0001-s{run.STAFF_ROLES.index('入力担当'):02d}"
    )
    real_viewer = run.small_viewer()
    large = "/plans/gen-0001/"
    return {
        "overview": (large, viewer),
        "pillar": (large + "pillars/1/", viewer),
        "kpi": (large + "kpis/k0/", viewer),
        "report": (large + "reports/2025/", viewer),
        "entry page": (large + "entry/2025/", editor),
        "item page (real plan)": ("/plans/hokkaido-smart-docho-3/pillars/1/items/1/", real_viewer),
    }


def measure(duration: int, workers: int) -> dict[str, dict]:
    """Serves the benchmark database (as bench/run.py left it) pinned to one core and measures
    every target with wrk pinned to the other. Returns {measurement: run.wrk's dict}."""
    from django.test import Client

    pages = signed_in_pages()
    large = pages["overview"][0]
    copy = Client().get(large).content
    (run.STATIC_ROOT / "bench").mkdir(parents=True, exist_ok=True)
    (run.STATIC_ROOT / "bench" / "overview.html").write_bytes(copy)
    cookies = {user.pk: run.session_cookie(user) for _, user in pages.values()}

    server = run.serve(workers)
    results: dict[str, dict] = {}
    try:
        pin(server)
        static = "/static/bench/overview.html"
        for path, user in pages.values():  # warm: imports, templates, the kept copies
            for _ in range(3):
                wrk(path, 1, 1, cookies[user.pk])
        results["static file"] = wrk(static, duration, 1)
        for name, (path, user) in pages.items():
            results[name] = wrk(path, duration, 1, cookies[user.pk])
        results["static file, load"] = wrk(static, duration, 4)
        etag = run.fetch(large)[1].get("ETag", "")
        results["repeat visit (304), load"] = wrk(large, duration, 4, f"If-None-Match: {etag}")
        for name in ("overview", "report"):
            path, user = pages[name]
            results[f"{name}, signed in, load"] = wrk(path, duration, 4, cookies[user.pk])
    finally:
        run.stop(server)
    return results


def table(results: dict[str, dict]) -> list[str]:
    """Markdown rows: each measurement, its ratio and whether issue 15's target is met."""
    static = results["static file"]
    lines = [
        "| measurement | requests/s | p50 ms | p99 ms | p99/p50 | p50 ÷ static p50 | target | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        ratio, target, verdict = "", "", ""
        if not name.startswith(("static file", "repeat visit")) and not name.endswith(", load"):
            ratio = r["p50"] / static["p50"]
            target, verdict = "≤ 10×", "met" if ratio <= 10 else "MISSED"
            ratio = f"{ratio:.1f}×"
        elif name == "repeat visit (304), load":
            share = r["rps"] / results["static file, load"]["rps"]
            ratio = f"throughput {share:.2f} of static"
            target, verdict = "≥ 0.5", "met" if share >= 0.5 else "MISSED"
        elif name.endswith(", load"):
            tail = r["p99"] / r["p50"]
            target, verdict = "p99/p50 ≤ 2.5", "met" if tail <= 2.5 else "MISSED"
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
            f"{r['p99'] / r['p50']:.2f} | {ratio} | {target} | {verdict} |"
        )
        if r["failed"]:
            lines[-1] += f" {r['failed']} answers not 2xx/3xx"
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    started = time.time()
    run.prepare_database()
    run.setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0, clear=True)
    call_command("loaddata", "hokkaido_smart_docho_3", "sample_values", verbosity=0)
    print(f"Generating {args.organizations:,} organizations:", flush=True)
    run.generate_organizations(args.organizations, 60, 10)
    results = measure(args.duration, args.workers)
    lines = [
        "# Issue 15: signed-in pages against a static file",
        "",
        f"- Date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"gunicorn ({args.workers} workers, production settings) pinned to core {SERVER_CPU}, "
        f"wrk to core {LOAD_CPU}; {args.organizations:,} generated organizations (60 KPIs × 10 "
        f"years each) beside the real plan; {time.time() - started:.0f} s in all",
        f"- Command: `.venv/bin/python bench/signed_in.py --organizations {args.organizations} "
        f"--duration {args.duration}`",
        "",
        *table(results),
    ]
    text = "\n".join(lines) + "\n"
    (run.ROOT / "bench" / "RESULTS-signed-in.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

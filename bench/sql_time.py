#!/usr/bin/env python3
"""Time each SQL query of the benchmarked pages in the two databases bench/run.py leaves behind.

    .venv/bin/python bench/sql_time.py            # after bench/run.py; prints a comparison

HTTP latency on a shared machine is noisy; the time PostgreSQL takes for each of a page's
queries is not, and it names the query that grows. Each page is requested `--repeat` times in
this process (cold: the page cache cleared), once against the one-organization copy and once
against the large database, and the median time of every query is compared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402


def measure(db: str, repeat: int) -> dict:
    os.environ["DATABASE_URL"] = run.DB_URL.replace(run.DB_NAME, db)
    run.ENV["DATABASE_URL"] = os.environ["DATABASE_URL"]
    run.setup_django()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    viewer = get_user_model().objects.get(username="bench-viewer")
    small = {"slug": "hokkaido-smart-docho-3", "code": "1-3", "fy": 2025}
    pages = run.page_set(small, "010006", viewer, None)
    out = {}
    for label, (path, user, _) in pages.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        runs = []
        for _ in range(repeat):
            cache.clear()
            timed: list[tuple[str, float]] = []

            def wrapper(execute, sql, params, many, context, timed=timed):
                t = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    timed.append((sql, (time.perf_counter() - t) * 1000))

            t0 = time.perf_counter()
            with connection.execute_wrapper(wrapper):
                status = client.get(path).status_code
            total = (time.perf_counter() - t0) * 1000
            if status != 200:
                break
            runs.append((total, timed))
        if not runs:
            continue
        queries = [
            {
                "sql": runs[0][1][i][0],
                "ms": statistics.median(r[1][i][1] for r in runs if len(r[1]) > i),
            }
            for i in range(len(runs[0][1]))
        ]
        out[label] = {
            "request_ms": statistics.median(r[0] for r in runs),
            "sql_ms": statistics.median(sum(ms for _, ms in r[1]) for r in runs),
            "queries": queries,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.db:
        print(json.dumps(measure(args.db, args.repeat)))
        return
    results = {}
    for db in (run.ONE_DB_NAME, run.DB_NAME):
        out = subprocess.run(
            [sys.executable, __file__, "--db", db, "--repeat", str(args.repeat)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[db] = json.loads(out.strip().splitlines()[-1])
    one, big = results[run.ONE_DB_NAME], results[run.DB_NAME]
    print("| page, reader | SQL ms, 1 org → all | ratio | request ms (in process) | ratio |")
    print("|---|---|---|---|---|")
    grown = []
    for label, b in big.items():
        a = one.get(label)
        if a is None:
            continue
        print(
            f"| {label} | {a['sql_ms']:.1f} → {b['sql_ms']:.1f} | {b['sql_ms'] / a['sql_ms']:.2f}"
            f" | {a['request_ms']:.0f} → {b['request_ms']:.0f} | {b['request_ms'] / a['request_ms']:.2f} |"
        )
        for qa, qb in zip(a["queries"], b["queries"], strict=False):
            if qb["ms"] > 2 * qa["ms"] and qb["ms"] - qa["ms"] > 1:
                grown.append((label, qa["ms"], qb["ms"], qb["sql"]))
    print()
    print("Queries at least twice as slow and 1 ms slower with all organizations:")
    for label, a, b, sql in grown:
        print(f"- {label}: {a:.1f} → {b:.1f} ms: {sql[:400]}")
    if not grown:
        print("- none")


if __name__ == "__main__":
    main()

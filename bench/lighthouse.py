#!/usr/bin/env python3
"""Lighthouse (mobile, its default) on the plan pages, in production settings (issue 15).

    npm install --prefix /tmp/lh lighthouse@12        # once; not a project dependency
    .venv/bin/python bench/lighthouse.py --lighthouse /tmp/lh/node_modules/.bin/lighthouse

Uses the database bench/signed_in.py or bench/run.py left (`smartdocho_bench`: the real plan and
generated 60-KPI plans) and Debian's Chromium (/usr/bin/chromium). Serves it with gunicorn as
bench/run.py does, runs Lighthouse's performance category on the overview, a pillar page, a KPI
page and the report of the real plan and of the 60-KPI plan `gen-0001`, and prints each page's
score, Total Blocking Time and Largest Contentful Paint against the targets (score ≥ 0.9,
TBT ≤ 200 ms); writes bench/RESULTS-lighthouse.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: database, server helpers)

PAGES = {
    "overview (real plan)": "/plans/hokkaido-smart-docho-3/",
    "pillar (real plan)": "/plans/hokkaido-smart-docho-3/pillars/1/",
    "KPI (real plan)": "/plans/hokkaido-smart-docho-3/kpis/1-1/",
    "report (real plan)": "/plans/hokkaido-smart-docho-3/reports/2025/",
    "overview (60 KPIs)": "/plans/gen-0001/",
    "pillar (60 KPIs)": "/plans/gen-0001/pillars/1/",
    "KPI (60 KPIs)": "/plans/gen-0001/kpis/k0/",
    "report (60 KPIs)": "/plans/gen-0001/reports/2025/",
}


def lighthouse(binary: str, url: str, attempts: int = 3) -> dict:
    """One Lighthouse run; tried again when Lighthouse itself fails to record the trace
    (NO_NAVSTART happens now and then with headless Chromium)."""
    for attempt in range(attempts):
        try:
            return _lighthouse(binary, url)
        except subprocess.CalledProcessError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _lighthouse(binary: str, url: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        subprocess.run(
            [
                binary,
                url,
                "--only-categories=performance",
                "--output=json",
                f"--output-path={out}",
                "--quiet",
                "--chrome-flags=--headless=new --no-sandbox",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
            timeout=300,
        )
        report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]
    return {
        "score": report["categories"]["performance"]["score"],
        "tbt": audits["total-blocking-time"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "fcp": audits["first-contentful-paint"]["numericValue"],
    }


def measure(binary: str) -> dict[str, dict]:
    """Serves the benchmark database and runs Lighthouse on every page of PAGES."""
    server = run.serve(2)
    results = {}
    try:
        for name, path in PAGES.items():
            run.fetch(path)  # the kept copy is made before Lighthouse loads the page
            results[name] = lighthouse(binary, run.BASE + path)
            r = results[name]
            print(f"{name}: score {r['score']:.2f}, TBT {r['tbt']:.0f} ms, LCP {r['lcp']:.0f} ms")
    finally:
        run.stop(server)
    return results


def table(results: dict[str, dict]) -> list[str]:
    """Markdown rows: each page's score and TBT against issue 15's targets."""
    lines = [
        "| page (anonymous) | score | target ≥ 0.9 | TBT ms | target ≤ 200 | LCP ms | FCP ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['score']:.2f} | {'met' if r['score'] >= 0.9 else 'MISSED'} | "
            f"{r['tbt']:.0f} | {'met' if r['tbt'] <= 200 else 'MISSED'} | {r['lcp']:.0f} | "
            f"{r['fcp']:.0f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lighthouse", default="lighthouse")
    args = parser.parse_args()
    run.setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0, clear=True)
    results = measure(args.lighthouse)
    lines = [
        "# Lighthouse (mobile), issue 15",
        "",
        f"- Date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- Machine: {platform.node()}, {os.cpu_count()} cores; Lighthouse 12 in its default mobile"
        " mode (simulated throttling), Debian's Chromium, gunicorn in production settings",
        "- Command: `.venv/bin/python bench/lighthouse.py --lighthouse …/lighthouse`",
        "",
        *table(results),
    ]
    text = "\n".join(lines) + "\n"
    (run.ROOT / "bench" / "RESULTS-lighthouse.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

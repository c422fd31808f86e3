#!/usr/bin/env python3
"""Plotly figures as plain data against the same figures built through plotly.graph_objects.

    .venv/bin/python bench/figures.py [--repeat 20]

Issue 15: a profile of the report page put about 70% of its time in plotly.graph_objects,
which validates every property of every trace. kpi/charts.py now writes the figures as plain
dicts (tests/kpi/test_charts.py checks that plotly.py accepts each one unchanged). This builds
the real plan's report (kpi.reports.build_kpi_report, one figure per KPI, with the sample
values) in a throwaway SQLite database, once as the code does and once with every figure also
passed through `go.Figure(...)` as the earlier code did, and prints the medians and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    folder = tempfile.mkdtemp(prefix="smartdocho-figures-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "smartdocho.settings"
    import django

    django.setup()
    import plotly.graph_objects as go
    from django.core.management import call_command

    from initiatives.models import Plan
    from kpi import charts, reports

    call_command("migrate", verbosity=0)
    call_command("loaddata", "hokkaido_smart_docho_3", "sample_values", verbosity=0)
    plan = Plan.objects.get(slug="hokkaido-smart-docho-3")
    plain_kpi, plain_components = charts.kpi_figure, charts.components_figure

    def validated(build):
        def figure(*a, **kw):
            fig = go.Figure(build(*a, **kw)).to_plotly_json()
            fig["layout"].pop("template", None)
            return fig

        return figure

    def timed() -> tuple[float, int]:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            report, kpis = reports.build_kpi_report(plan, 2024, date(2025, 6, 1))
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1000, len(kpis)

    plain_ms, kpis = timed()
    charts.kpi_figure, charts.components_figure = validated(plain_kpi), validated(plain_components)
    try:
        go_ms, _ = timed()
    finally:
        charts.kpi_figure, charts.components_figure = plain_kpi, plain_components
    print(f"Report of the real plan ({kpis} KPIs, FY2024), median of {args.repeat}:")
    print(f"  figures as plain data:            {plain_ms:8.1f} ms")
    print(f"  figures through graph_objects:    {go_ms:8.1f} ms")
    print(f"  ratio graph_objects / plain:      {go_ms / plain_ms:8.1f}x")


if __name__ == "__main__":
    main()

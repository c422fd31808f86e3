"""The annual committee report as presented: kpi/reports.py's KPI part with the 検証票 part
(narratives/report.py) added, the two apps' one meeting point for the page, the XLSX, the DOCX
and the frozen copy of a publication."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import translation

from initiatives.models import Plan
from kpi.reports import PublishedValue, build_kpi_report
from narratives.report import add_narratives


def build_report(
    plan: Plan,
    fiscal_year: int,
    today: date,
    *,
    final_only: bool = False,
    published_preliminary: Iterable[PublishedValue] = (),
) -> dict:
    """The report for a fiscal year from today's data: the content a committee is shown.

    With `final_only` (the public's view), preliminary values are left out except those in
    `published_preliminary` that still stand with the number they were published with.
    Values of later years than `fiscal_year` are not part of the report (nor of its charts).

    Always in Japanese, whatever the reader's interface language: it is the document presented
    to the committee, and the frozen copy of a published report must read the same for all.

    Besides the KPIs, each pillar carries the 検証票 part (narratives/report.py, approved text
    only, for every reader): `item_blocks`, `ratings`, `other_kpis`, and each KPI row its
    `commentary`; the report has `sample_values` and `sample_narratives`, and `sample_data` is
    true when either is. A fixed number of queries, whatever the number of items and KPIs.
    """
    with translation.override("ja"):
        report, kpis = build_kpi_report(
            plan,
            fiscal_year,
            today,
            final_only=final_only,
            published_preliminary=published_preliminary,
        )
        # The 検証票 part: items, their approved progress and the KPIs' approved commentary.
        add_narratives(report, plan, fiscal_year, kpis)
    if report["sample_narratives"]:
        # After the note on sample values, if there is one.
        report["notes"].insert(
            1 if report["sample_values"] else 0,
            "この報告書の取組の進捗と成果指標の説明にはサンプルの記入例（説明用の架空の文章）が"
            f"含まれます。{plan.government}の実際の取組ではありません。",
        )
    # Sample values or sample narratives: either makes the whole report a sample.
    report["sample_data"] = report["sample_values"] or report["sample_narratives"]
    return report

"""The URLs of a plan's pages (under /plans/<slug>/), by namespace.

A namespace is given once (Django warns, urls.W005, when two includes share one), so the pages
that combine the apps join the lower apps' own URLs here, under the names they always had:
`initiatives:plan`, `kpi:report`… initiatives/urls.py and kpi/urls.py name no namespace.
"""

from django.urls import path

from initiatives import urls as initiative_urls
from kpi import urls as kpi_urls

from . import export_views, report_views, views

initiatives_patterns = (
    [
        path("", views.plan_overview, name="plan"),
        *initiative_urls.urlpatterns,
        path("pillars/<id:number>/", views.pillar_detail, name="pillar"),
    ],
    "initiatives",
)

kpi_patterns = (
    [
        *kpi_urls.urlpatterns,
        path("export.<str:fmt>", export_views.plan_export, name="export"),
        path(
            "export-<str:table>.csv",
            export_views.plan_export_narratives,
            name="export_narratives",
        ),
        path("reports/<str:fy>/", report_views.report_detail, name="report"),
        path("reports/<str:fy>/report.xlsx", report_views.report_xlsx, name="report_xlsx"),
        path(
            "reports/<str:fy>/report.docx",
            report_views.report_docx_download,
            name="report_docx",
        ),
        path(
            "reports/<str:fy>/v/<id:version>/",
            report_views.report_version,
            name="report_version",
        ),
        path(
            "reports/<str:fy>/v/<id:version>/report.xlsx",
            report_views.report_version_xlsx,
            name="report_version_xlsx",
        ),
        path(
            "reports/<str:fy>/v/<id:version>/report.docx",
            report_views.report_version_docx,
            name="report_version_docx",
        ),
        path("reports/<str:fy>/publish/", report_views.report_publish, name="report_publish"),
    ],
    "kpi",
)

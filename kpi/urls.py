from django.urls import path

from . import entry_views, views

app_name = "kpi"

urlpatterns = [
    path("kpis/<str:code>/", views.kpi_detail, name="detail"),
    path("kpis/<str:code>/revise/", entry_views.revise_target, name="revise_target"),
    path("export.<str:fmt>", views.plan_export, name="export"),
    path("export-<str:table>.csv", views.plan_export_narratives, name="export_narratives"),
    path("reports/<str:fy>/", views.report_detail, name="report"),
    path("reports/<str:fy>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("reports/<str:fy>/report.docx", views.report_docx_download, name="report_docx"),
    path("reports/<str:fy>/v/<int:version>/", views.report_version, name="report_version"),
    path(
        "reports/<str:fy>/v/<int:version>/report.xlsx",
        views.report_version_xlsx,
        name="report_version_xlsx",
    ),
    path(
        "reports/<str:fy>/v/<int:version>/report.docx",
        views.report_version_docx,
        name="report_version_docx",
    ),
    path("reports/<str:fy>/publish/", views.report_publish, name="report_publish"),
    path("entry/<str:fy>/", entry_views.entry, name="entry"),
    path("entry/<str:fy>/status/", entry_views.entry_status, name="entry_status"),
    path("entry/<str:fy>/reopen/<str:code>/", entry_views.reopen, name="reopen"),
    path("entry/<str:fy>/upload/", entry_views.upload_values, name="upload_values"),
    path("entry/<str:fy>/template.csv", entry_views.values_template, name="values_template"),
    path(
        "entry/<str:fy>/template.xlsx",
        entry_views.values_template,
        {"fmt": "xlsx"},
        name="values_template_xlsx",
    ),
]

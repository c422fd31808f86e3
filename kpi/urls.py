"""kpi's own pages; pages/urls.py gives them the `kpi` namespace with the report pages."""

from django.urls import path

from . import entry_views, views

urlpatterns = [
    path("kpis/<str:code>/", views.kpi_detail, name="detail"),
    path("kpis/<str:code>/revise/", entry_views.revise_target, name="revise_target"),
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

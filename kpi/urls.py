from django.urls import path

from . import views

app_name = "kpi"

urlpatterns = [
    path("kpis/<slug:code>/", views.kpi_detail, name="detail"),
    path("export.<str:fmt>", views.plan_export, name="export"),
    path("reports/<str:fy>/", views.report_detail, name="report"),
    path("reports/<str:fy>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("reports/<str:fy>/publish/", views.report_publish, name="report_publish"),
]

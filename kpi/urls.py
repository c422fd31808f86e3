from django.urls import path

from . import views

app_name = "kpi"

urlpatterns = [
    path("kpis/<slug:code>/", views.kpi_detail, name="detail"),
    path("export.<str:fmt>", views.plan_export, name="export"),
]

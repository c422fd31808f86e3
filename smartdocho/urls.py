from django.contrib import admin
from django.urls import include, path

from initiatives import views as initiative_views
from kpi import views as kpi_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("methodology/", kpi_views.methodology, name="methodology"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("language/<str:code>/", views.switch_language, name="switch_language"),
    path("plans/", initiative_views.plan_list, name="plan_list"),
    path("manage/import-plan/", initiative_views.plan_import, name="plan_import"),
    path("plans/<slug:slug>/", include("initiatives.urls")),
    path("plans/<slug:slug>/", include("kpi.urls")),
    path("plans/<slug:slug>/", include("narratives.urls")),
]

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("plans/<slug:slug>/", include("initiatives.urls")),
    path("plans/<slug:slug>/kpis/", include("kpi.urls")),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from initiatives import views as initiative_views
from kpi import staff_views
from kpi import views as kpi_views
from pages import urls as page_urls
from pages import views as page_views

from . import password_reset, views

# django.contrib.auth.urls, spelled out: the password-reset pages answer 404 unless
# DJANGO_PASSWORD_RESET=true (smartdocho/password_reset.py).
account_urls = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password_reset/", password_reset.password_reset, name="password_reset"),
    path("password_reset/done/", password_reset.password_reset_done, name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        password_reset.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("reset/done/", password_reset.password_reset_complete, name="password_reset_complete"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("methodology/", kpi_views.methodology, name="methodology"),
    path("admin/", admin.site.urls),
    path("accounts/", include(account_urls)),
    path("language/<str:code>/", views.switch_language, name="switch_language"),
    path("plans/", initiative_views.plan_list, name="plan_list"),
    path("organizations/", initiative_views.organization_list, name="organization_list"),
    path(
        "organizations/<str:key>/",
        initiative_views.organization_detail,
        name="organization_detail",
    ),
    path("manage/import-plan/", page_views.plan_import, name="plan_import"),
    path(
        "manage/import-plan/plan_template.xlsx",
        page_views.plan_import_template,
        name="plan_import_template",
    ),
    path("manage/staff/", staff_views.staff_list, name="staff_list"),
    path("manage/staff/new/", staff_views.staff_new, name="staff_new"),
    path("manage/staff/<id:user_id>/", staff_views.staff_edit, name="staff_edit"),
    path("manage/staff/<id:user_id>/password/", staff_views.staff_password, name="staff_password"),
    path("manage/departments/", staff_views.department_list, name="department_list"),
    path("manage/departments/new/", staff_views.department_new, name="department_new"),
    path("manage/departments/<id:pk>/", staff_views.department_edit, name="department_edit"),
    path(
        "manage/departments/<id:pk>/delete/",
        staff_views.department_delete,
        name="department_delete",
    ),
    path("plans/<slug:slug>/", include(page_urls.initiatives_patterns)),
    path("plans/<slug:slug>/", include(page_urls.kpi_patterns)),
    path("plans/<slug:slug>/", include("narratives.urls")),
]

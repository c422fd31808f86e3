from django.urls import path

from . import views

app_name = "kpi"

urlpatterns = [
    path("<slug:code>/", views.kpi_detail, name="detail"),
]

from django.urls import path

from . import views

app_name = "initiatives"

urlpatterns = [
    path("", views.plan_overview, name="plan"),
    path("about/", views.plan_about, name="about"),
    path("pillars/<int:number>/", views.pillar_detail, name="pillar"),
]

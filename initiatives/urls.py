"""initiatives' own pages; pages/urls.py gives them the `initiatives` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("about/", views.plan_about, name="about"),
]

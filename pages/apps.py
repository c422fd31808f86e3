from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The pages that combine the plan's structure, its KPIs and the narratives.

    The top layer (tests/test_architecture.py): pages imports initiatives, kpi and narratives;
    none of them imports pages.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "pages"

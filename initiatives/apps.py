from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class InitiativesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives"
    verbose_name = gettext_lazy("方針の構成")

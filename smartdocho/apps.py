from django.apps import AppConfig


class SmartdochoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "smartdocho"
    verbose_name = "smartdocho"

    def ready(self) -> None:
        from . import etags  # noqa: F401  (connects the signal receivers)

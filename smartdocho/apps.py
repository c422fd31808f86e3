from django.apps import AppConfig


class SmartdochoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "smartdocho"
    verbose_name = "smartdocho"

    def ready(self) -> None:
        from django.urls import register_converter

        from . import etags  # noqa: F401  (connects the signal receivers)
        from .converters import IdConverter

        # Before any URLconf is read: every app's urls.py uses <id:…> (smartdocho/converters.py).
        register_converter(IdConverter, "id")

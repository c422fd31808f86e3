from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy


class NarrativesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "narratives"
    verbose_name = gettext_lazy("取組の進捗と成果指標の説明")

    def ready(self) -> None:
        from . import signals

        post_migrate.connect(signals.ensure_reviewer_role, sender=self)
        for model in signals.tracked_models():
            post_save.connect(signals.data_changed, sender=model, dispatch_uid=f"dv-{model}")
            post_delete.connect(signals.data_changed, sender=model, dispatch_uid=f"dv-d-{model}")

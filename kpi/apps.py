from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy


class KpiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kpi"
    verbose_name = gettext_lazy("成果指標（KPI）")

    def ready(self) -> None:
        from initiatives.models import PLAN_CHECKS

        from .evaluation import check_status_labels
        from .signals import ensure_roles

        post_migrate.connect(ensure_roles, sender=self)
        if check_status_labels not in PLAN_CHECKS:
            PLAN_CHECKS.append(check_status_labels)

"""Site-wide bookkeeping."""

from django.db import models
from django.utils.translation import gettext_lazy


class DataVersion(models.Model):
    """One row: a counter bumped on every change to plans and KPIs (see smartdocho/etags.py)."""

    counter = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("データの版")
        verbose_name_plural = gettext_lazy("データの版")

    def __str__(self) -> str:
        return str(self.counter)

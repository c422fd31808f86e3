"""Site-wide bookkeeping."""

from django.db import models


class DataVersion(models.Model):
    """One row: a counter bumped on every change to plans and KPIs (see smartdocho/etags.py)."""

    counter = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "データの版"
        verbose_name_plural = "データの版"

    def __str__(self) -> str:
        return str(self.counter)

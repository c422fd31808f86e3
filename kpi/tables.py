"""The KPI progress table (django-tables2), sortable, over assessments."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from kpi.templatetags.kpi_tags import percent


def _row_attrs(record) -> str:
    return "component" if record.kpi.parent_id else ""


class KpiProgressTable(tables.Table):
    code = tables.Column(_("コード"), accessor="kpi__code", order_by=("sort_code",))
    name = tables.TemplateColumn(
        template_name="includes/cells/kpi_name.html",
        verbose_name=_("成果指標"),
        accessor="kpi__name",
        attrs={"td": {"class": "kpi-name"}},
    )
    unit = tables.Column(_("単位"), accessor="kpi__unit__label", orderable=False)
    baseline = tables.TemplateColumn(
        template_name="includes/cells/baseline.html",
        verbose_name=_("基準値（年度）"),
        orderable=False,
    )
    target = tables.TemplateColumn(
        template_name="includes/cells/target.html", verbose_name=_("目標（年度）"), orderable=False
    )
    latest = tables.TemplateColumn(
        template_name="includes/cells/latest.html",
        verbose_name=_("最新の実績値（年度）"),
        order_by=("sort_value",),
        attrs={"td": {"class": "num"}},
    )
    achievement = tables.Column(
        _("進捗率"),
        accessor="progress__achievement_rate",
        order_by=("sort_achievement",),
        attrs={"td": {"class": "num"}},
    )
    status = tables.TemplateColumn(
        template_name="includes/cells/status.html",
        verbose_name=_("判定"),
        order_by=("sort_status",),
    )

    class Meta:
        template_name = "tables/table.html"
        attrs = {"class": "data-table kpi-table"}
        row_attrs = {"class": _row_attrs}
        empty_text = _("成果指標はまだ登録されていません。")

    def __init__(self, *args, caption: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.caption = caption

    def render_achievement(self, value: float) -> str:
        return percent(value)

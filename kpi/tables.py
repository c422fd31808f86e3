"""The KPI progress table (django-tables2), sortable, over assessments.

Cells are built with format_html rather than a template per cell: with sixty KPIs a page would
otherwise render hundreds of small templates.
"""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableListData
from django_tables2.utils import Accessor, OrderBy

from kpi.evaluation import Assessment
from kpi.progress import FLAG_PRELIMINARY_VALUE
from kpi.templatetags.kpi_tags import percent
from smartdocho.display import fy_text


def _row_attrs(record) -> str:
    return "component" if record.kpi.parent_id else ""


def _tag(text: str, css: str = "") -> SafeString:
    return format_html(' <span class="tag{}">{}</span>', f" {css}" if css else "", text)


def _status_span(status: str, icon: str, label: str) -> SafeString:
    return format_html(
        '<span class="status status-{}"><span class="status-icon" aria-hidden="true">{}</span>{}</span>',
        status,
        icon,
        label,
    )


def status_html(record: Assessment) -> SafeString:
    """The status as icon and text, as includes/status.html shows it.

    A pending status is followed by the status its condition hides, and a status judged on an
    old value by "R5の実績で判定" (progress rules v2, rules 5 and 6).
    """
    if_met = ""
    if record.if_met_label:
        if_met = format_html(
            '<span class="status-if-met">（{}{}）</span>',
            gettext("条件を満たせば"),
            _status_span(record.if_met_status, record.if_met_icon, record.if_met_label),
        )
    stale = _tag(record.stale_label, "tag-stale") if record.stale_label else ""
    return format_html(
        "{}{}{}", _status_span(record.status, record.icon, record.label), if_met, stale
    )


class UnknownsLastData(TableListData):
    """Rows ordered by their sort keys, with unknown keys (None) last in both directions.

    django-tables2 reverses the whole order for a descending sort, so a key that puts unknowns
    last ascending puts them first descending (issue 16: 未入力, 判定不能 and rows without a
    進捗率 came first). Each key is sorted stably, least significant first; rows whose key is
    None keep their order and follow the others.
    """

    def order_by(self, aliases) -> None:
        keys: list[OrderBy] = []
        for alias in aliases:
            column = self.table.columns[OrderBy(alias).bare]
            if alias[0] != column.order_by_alias[0]:
                keys += column.order_by.opposite
            else:
                keys += column.order_by
        rows = list(self.data)
        for key in reversed(keys):
            accessor = Accessor(key.bare)
            known = [r for r in rows if accessor.resolve(r, quiet=True) is not None]
            unknown = [r for r in rows if accessor.resolve(r, quiet=True) is None]
            known.sort(key=lambda r: accessor.resolve(r, quiet=True), reverse=key.is_descending)
            rows = known + unknown
        self.data[:] = rows


class KpiProgressTable(tables.Table):
    code = tables.Column(_("コード"), accessor="kpi__code", order_by=("sort_code",))
    name = tables.Column(_("成果指標"), accessor="kpi__name", attrs={"td": {"class": "kpi-name"}})
    unit = tables.Column(_("単位"), accessor="kpi__unit_text", orderable=False)
    baseline = tables.Column(_("基準値（年度）"), accessor="kpi", orderable=False)
    target = tables.Column(_("目標（年度）"), accessor="kpi", orderable=False)
    latest = tables.Column(
        _("最新の実績値（年度）"),
        accessor="kpi",
        order_by=("sort_value",),
        attrs={"td": {"class": "num"}},
    )
    achievement = tables.Column(
        _("進捗率"),
        accessor="progress__achievement_rate",
        order_by=("sort_achievement",),
        attrs={"td": {"class": "num"}},
    )
    status = tables.Column(_("判定"), accessor="status", order_by=("sort_status",))

    class Meta:
        template_name = "tables/table.html"
        attrs = {"class": "data-table kpi-table"}
        row_attrs = {"class": _row_attrs}
        empty_text = _("成果指標はまだ登録されていません。")

    def __init__(self, data, *args, caption: str = "", **kwargs):
        """`data`: a list of Assessments; sorting puts unknowns last (UnknownsLastData)."""
        super().__init__(UnknownsLastData(list(data)), *args, **kwargs)
        self.caption = caption

    def render_name(self, record: Assessment) -> SafeString:
        kpi = record.kpi
        parent = ""
        if kpi.parent_id:
            parent = format_html(
                '<span class="visually-hidden">{}</span><span aria-hidden="true">└ </span>',
                gettext("%(parent)sの構成要素：") % {"parent": kpi.parent.name},
            )
        provisional = _tag(gettext("暫定"), "tag-provisional") if kpi.is_provisional else ""
        return format_html(
            '<a href="{}?as_of={}">{}<span lang="ja">{}</span></a>{}',
            kpi.get_absolute_url(),
            record.progress.as_of_fy,
            parent,
            kpi.name,
            provisional,
        )

    def render_baseline(self, record: Assessment) -> SafeString:
        kpi = record.kpi
        approximate = _tag(gettext("概数")) if kpi.baseline_approximate else ""
        return format_html('<span lang="ja">{}</span>{}', kpi.baseline_label, approximate)

    def render_target(self, record: Assessment) -> SafeString:
        kpi, target = record.kpi, record.progress.target
        revised = ""
        if target is not None and target.effective_fy:
            revised = format_html(
                "<br>{} {}（{}）",
                _tag(gettext("再設定")),
                target.text or target.value,
                gettext("%(fy)sから") % {"fy": fy_text(target.effective_fy)},
            )
        return format_html('<span lang="ja">{}</span>{}', kpi.target_label, revised)

    def render_latest(self, record: Assessment) -> SafeString:
        p, kpi = record.progress, record.kpi
        if not p.value_fy:
            return format_html('<span class="muted">{}</span>', gettext("未入力"))
        tags = format_html_join(
            "",
            "{}",
            (
                (t,)
                for t in (
                    _tag(gettext("構成要素の平均")) if record.derived else "",
                    _tag(gettext("速報値"), "tag-preliminary")
                    if FLAG_PRELIMINARY_VALUE in p.flags
                    else "",
                    _tag(gettext("サンプル"), "tag-sample") if record.sample else "",
                )
            ),
        )
        return format_html("{}{}<br>（{}）", kpi.unit.format(p.value), tags, fy_text(p.value_fy))

    def render_achievement(self, value: float) -> str:
        return percent(value)

    def render_status(self, record: Assessment) -> SafeString:
        return status_html(record)

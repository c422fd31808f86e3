"""KPIs (成果指標), their units, owners, targets, target revisions and yearly values.

The rules that keep the data meaningful (allowed kinds, one value per KPI and year, a target
never before its baseline...) are database constraints as well as model validation, so that
neither a form nor `loaddata` can store a row that breaks them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from initiatives.models import InitiativeItem, Organization, Pillar, Plan, fy_in_range
from smartdocho.display import fy_text, is_english
from smartdocho.fiscal import format_fy, mentions_fy

VALUE_DIGITS = {"max_digits": 18, "decimal_places": 4}


class DepartmentManager(models.Manager["Department"]):
    def get_by_natural_key(self, *key: str) -> Department:
        """[organization slug, code]; or [code] alone (a department without an organization, or
        a file written when codes were unique across the site: the only department of that
        code). Raises DoesNotExist, also when several organizations use the code."""
        if len(key) == 2:
            return self.get(organization__slug=key[0], code=key[1])
        (code,) = key
        unplaced = self.filter(code=code, organization=None).first()
        if unplaced is not None:
            return unplaced
        try:
            return self.get(code=code)
        except self.model.MultipleObjectsReturned:
            raise self.model.DoesNotExist(
                f"所管課 {code} は複数の団体にあります。[団体の識別子, {code}] と書いてください。"
            ) from None


class Department(models.Model):
    """所管課: the department that owns a KPI and enters its values."""

    # Unique within its organization (two cities may both have `somu`): plan files name a
    # department by [organization slug, code]. The organization is empty only until a plan file
    # that lists it has loaded its plan (plan_io).
    code = models.SlugField(gettext_lazy("識別子"), max_length=50)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name=gettext_lazy("団体"),
    )

    objects = DepartmentManager()

    class Meta:
        verbose_name = gettext_lazy("所管課")
        verbose_name_plural = gettext_lazy("所管課")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                name="department_code_unique_in_organization",
                violation_error_message="この団体には同じ識別子の所管課がすでにあります。",
            ),
            # NULLs are distinct in a unique index: departments not yet placed need their own.
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organization__isnull=True),
                name="department_code_unique_without_organization",
                violation_error_message="団体の決まっていない所管課に、同じ識別子のものがすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, ...]:
        if self.organization_id is None:
            return (self.code,)
        return (self.organization.slug, self.code)

    natural_key.dependencies = ["initiatives.organization"]


DEPARTMENT_OF_ANOTHER_ORGANIZATION = gettext_lazy("所属は職員の団体の所管課から選んでください。")


class StaffProfile(models.Model):
    """Which organization a signed-in member of staff works for, and the department they enter
    values for. Roles act only inside the organization (kpi/permissions.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=gettext_lazy("ユーザー"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=gettext_lazy("所属"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=gettext_lazy("団体"),
    )

    class Meta:
        verbose_name = gettext_lazy("職員の所属")
        verbose_name_plural = gettext_lazy("職員の所属")

    def __str__(self) -> str:
        return f"{self.user} ({self.department or '所属なし'})"

    def clean(self) -> None:
        if self.department_id is None:
            return
        dept_org = self.department.organization_id
        if self.organization_id is None:
            self.organization_id = dept_org
        elif dept_org is not None and dept_org != self.organization_id:
            raise ValidationError({"department": DEPARTMENT_OF_ANOTHER_ORGANIZATION})


class UnitKind(models.TextChoices):
    COUNT = "count", _("件数・人数（0以上の整数）")
    PERCENT = "percent", _("割合（0～100%）")
    AMOUNT = "amount", _("金額（0以上）")


class UnitManager(models.Manager["Unit"]):
    def get_by_natural_key(self, slug: str, code: str) -> Unit:
        return self.get(plan__slug=slug, code=code)


class Unit(models.Model):
    """A unit as the plan writes it, with its scale: 百万円 is 1,000,000 円.

    Each unit belongs to one plan (issue 12): two governments may both write `percent` and
    mean different decimals, and loading or editing one plan never changes how another shows.
    """

    Kind = UnitKind

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="units", verbose_name=gettext_lazy("方針")
    )
    code = models.SlugField(gettext_lazy("識別子"), max_length=50)
    label = models.CharField(gettext_lazy("表示"), max_length=30)
    base_label = models.CharField(gettext_lazy("基本単位"), max_length=30)
    scale = models.DecimalField(
        gettext_lazy("倍率"), max_digits=20, decimal_places=4, default=Decimal(1)
    )
    decimals = models.PositiveSmallIntegerField(gettext_lazy("表示する小数桁数"), default=0)
    kind = models.CharField(gettext_lazy("種類"), max_length=20, choices=UnitKind.choices)

    objects = UnitManager()

    class Meta:
        verbose_name = gettext_lazy("単位")
        verbose_name_plural = gettext_lazy("単位")
        ordering = ["plan", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="unit_code_unique_in_plan",
                violation_error_message="同じ方針に同じ識別子の単位がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(scale__gt=0),
                name="unit_scale_positive",
                violation_error_message="単位の倍率は0より大きくしてください。",
            ),
            models.CheckConstraint(condition=Q(decimals__lte=4), name="unit_decimals_at_most_4"),
            models.CheckConstraint(
                condition=Q(kind__in=UnitKind.values),
                name="unit_kind_valid",
                violation_error_message="単位の種類が正しくありません（count, percent, amount のいずれか）。",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def natural_key(self) -> tuple[str | None, str]:
        # A unit read from a file without its plan has no key yet: validation then names the
        # missing plan, rather than the lookup failing first with Django's English message.
        return (self.plan.slug if self.plan_id else None, self.code)

    natural_key.dependencies = ["initiatives.plan"]

    @property
    def scale_label(self) -> str:
        """ "1百万円 = 1,000,000円" for a scaled unit, "" for a plain one."""
        if self.scale == 1:
            return ""
        return f"1{self.label} = {self.scale:,.0f}{self.base_label}"

    def format(self, value: Decimal | Fraction | float | None) -> str:
        """The value with the unit's decimals and thousands separators, e.g. 4,928."""
        if value is None:
            return "—"
        if isinstance(value, Fraction):
            value = Decimal(value.numerator) / Decimal(value.denominator)
        return f"{Decimal(value):,.{self.decimals}f}"


class Direction(models.TextChoices):
    HIGHER = "higher", _("高いほど良い")
    LOWER = "lower", _("低いほど良い")
    NEUTRAL = "neutral", _("中立（維持）")


class TargetKind(models.TextChoices):
    AT_LEAST = "at_least", _("以上")
    AT_MOST = "at_most", _("以下")
    MAINTAIN = "maintain", _("維持")
    INCREASE = "increase", _("上げる")
    DECREASE = "decrease", _("下げる")
    RANGE = "range", _("範囲")
    MILESTONE = "milestone", _("実施スケジュール")
    NONE = "none", _("未設定")


class TargetBasis(models.TextChoices):
    """Whether the target is a level to reach (水準) or a flow to reach every year (年度ごと)."""

    LEVEL = "level", _("水準（その年度までに達する値）")
    ANNUAL = "annual", _("年度ごと（毎年度の値、例: 1,000人/年）")


# Kinds that need a number, and kinds that must not have one. `maintain` may carry a reference
# value (null means: the baseline). A range needs its lower bound in the value and its upper
# bound in value_high; a milestone target is its steps (ScheduleStep), with no number.
VALUED_KINDS = (TargetKind.AT_LEAST, TargetKind.AT_MOST, TargetKind.RANGE)
UNVALUED_KINDS = (
    TargetKind.INCREASE,
    TargetKind.DECREASE,
    TargetKind.NONE,
    TargetKind.MILESTONE,
)


def target_value_consistent(kind_field: str, value_field: str) -> Q:
    return (
        Q(**{f"{kind_field}__in": VALUED_KINDS, f"{value_field}__isnull": False})
        | Q(**{f"{kind_field}__in": UNVALUED_KINDS, f"{value_field}__isnull": True})
        | Q(**{kind_field: TargetKind.MAINTAIN})
    )


def range_consistent(kind_field: str, value_field: str, high_field: str) -> Q:
    """A range has an upper bound not below its lower one; no other kind has an upper bound."""
    return Q(
        **{kind_field: TargetKind.RANGE, f"{high_field}__isnull": False},
        **{f"{value_field}__lte": F(high_field)},
    ) | (~Q(**{kind_field: TargetKind.RANGE}) & Q(**{f"{high_field}__isnull": True}))


# What a KPI's target is made of besides its own row: revisions, yearly targets, steps.
TARGET_PREFETCH = ("target_revisions", "yearly_targets", "steps")


class KpiQuerySet(models.QuerySet["Kpi"]):
    def for_display(self) -> KpiQuerySet:
        """KPIs with everything a page shows about them, in a fixed number of queries."""
        return self.select_related(
            "plan", "pillar__plan", "unit", "department", "parent__plan", "item__pillar"
        ).prefetch_related(
            models.Prefetch("values", queryset=KpiValue.objects.order_by("fiscal_year")),
            *TARGET_PREFETCH,
        )


class KpiManager(models.Manager.from_queryset(KpiQuerySet)):  # type: ignore[misc]
    def get_by_natural_key(self, slug: str, code: str) -> Kpi:
        return self.get(plan__slug=slug, code=code)


KPI_CODE_REFUSED = (
    "コードには「/」「?」「#」「\\」、空白で始まる・終わる文字列、制御文字は使えません。"
    "計画に書かれたとおりの番号（例: 1-2、3.1、①、2-8-2）を入力してください。"
)
# What a code may not hold: it is the last part of a page's address (/kpis/<code>/), where a
# slash would split it and ?, # would end it; the rest is percent-encoded, "①" and "3.1" too.
_CODE_BAD = re.compile(r"[/?#\\\x00-\x1f\x7f]|^\s|\s$")


def validate_kpi_code(value: str) -> None:
    """A KPI code as the plan writes it ("1-2", "3.1", "①", "2-8-2", "(1)"). Raises
    ValidationError(KPI_CODE_REFUSED) for what cannot stand in an address (issue 12)."""
    if not value or _CODE_BAD.search(value):
        raise ValidationError(KPI_CODE_REFUSED)


class CombineRule(models.TextChoices):
    NONE = "", _("合成しない")
    MEAN = "mean", _("構成要素の平均")


class Kpi(models.Model):
    CombineRule = CombineRule

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="kpis", verbose_name=gettext_lazy("方針")
    )
    pillar = models.ForeignKey(
        Pillar, on_delete=models.CASCADE, related_name="kpis", verbose_name=gettext_lazy("取組方針")
    )
    # The initiative item (取組項目) the plan lists the KPI under, when it does (issue 12).
    item = models.ForeignKey(
        InitiativeItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpis",
        verbose_name=gettext_lazy("取組項目"),
    )
    code = models.CharField(gettext_lazy("コード"), max_length=30, validators=[validate_kpi_code])
    order = models.PositiveSmallIntegerField(gettext_lazy("表示順"), default=0)
    name = models.CharField(gettext_lazy("名称"), max_length=300)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=gettext_lazy("単位"))
    direction = models.CharField(
        gettext_lazy("望ましい方向"),
        max_length=10,
        choices=Direction.choices,
        default=Direction.HIGHER,
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpis",
        verbose_name=gettext_lazy("所管課"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="components",
        verbose_name=gettext_lazy("親指標"),
    )
    combine_rule = models.CharField(
        gettext_lazy("構成要素の合成方法"),
        max_length=10,
        choices=CombineRule.choices,
        blank=True,
        default="",
    )
    note = models.TextField(gettext_lazy("注記"), blank=True)

    # Both empty for a new KPI (新規) with no baseline: the first value after the plan starts
    # is its starting point (kpi/progress.py, no_baseline).
    baseline_fy = models.PositiveSmallIntegerField(gettext_lazy("基準年度"), null=True, blank=True)
    baseline_value = models.DecimalField(
        gettext_lazy("基準値"), null=True, blank=True, **VALUE_DIGITS
    )
    baseline_approximate = models.BooleanField(gettext_lazy("基準値は概数"), default=False)
    baseline_text = models.CharField(gettext_lazy("基準値（原文）"), max_length=100, blank=True)

    target_fy = models.PositiveSmallIntegerField(gettext_lazy("目標年度"), null=True, blank=True)
    target_kind = models.CharField(
        gettext_lazy("目標の種類"),
        max_length=10,
        choices=TargetKind.choices,
        default=TargetKind.AT_LEAST,
    )
    target_value = models.DecimalField(
        gettext_lazy("目標値（維持では基準とする値、範囲では下限）"),
        null=True,
        blank=True,
        **VALUE_DIGITS,
    )
    target_value_high = models.DecimalField(
        gettext_lazy("範囲の上限"), null=True, blank=True, **VALUE_DIGITS
    )
    target_basis = models.CharField(
        gettext_lazy("目標の単位期間"),
        max_length=10,
        choices=TargetBasis.choices,
        default=TargetBasis.LEVEL,
    )
    cumulative = models.BooleanField(
        gettext_lazy("累計"),
        default=False,
        help_text=gettext_lazy(
            "値が計画期間の初めからの累計であるもの。減少は入力時に確認します。"
        ),
    )
    target_tolerance = models.DecimalField(
        gettext_lazy("維持の許容幅（割合）"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.05"),
    )
    target_text = models.CharField(gettext_lazy("目標（原文）"), max_length=200, blank=True)
    target_condition = models.CharField(gettext_lazy("目標の条件"), max_length=200, blank=True)
    target_condition_fy = models.PositiveSmallIntegerField(
        gettext_lazy("条件が満たされる年度"), null=True, blank=True
    )

    is_provisional = models.BooleanField(gettext_lazy("暫定の指標"), default=False)
    provisional_reason = models.TextField(gettext_lazy("暫定の理由"), blank=True)

    objects = KpiManager()
    history = HistoricalRecords(
        excluded_fields=["order"], verbose_name=gettext_lazy("成果指標（KPI）の履歴")
    )

    class Meta:
        verbose_name = gettext_lazy("成果指標（KPI）")
        verbose_name_plural = gettext_lazy("成果指標（KPI）")
        ordering = ["plan", "pillar__number", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="kpi_unique_code_in_plan",
                violation_error_message="同じ方針の中に同じコードの成果指標がすでにあります。",
            ),
            models.CheckConstraint(
                condition=~Q(code="")
                & ~Q(code__contains="/")
                & ~Q(code__contains="?")
                & ~Q(code__contains="#")
                & ~Q(code__contains="\\"),
                name="kpi_code_fits_an_address",
                violation_error_message=KPI_CODE_REFUSED,
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values),
                name="kpi_direction_valid",
                violation_error_message="望ましい方向が正しくありません（higher, lower, neutral のいずれか）。",
            ),
            models.CheckConstraint(
                condition=Q(target_kind__in=TargetKind.values),
                name="kpi_target_kind_valid",
                violation_error_message="目標の種類が正しくありません（at_least, at_most, maintain, increase, decrease, range, milestone, none のいずれか）。",
            ),
            models.CheckConstraint(
                condition=Q(combine_rule__in=CombineRule.values),
                name="kpi_combine_rule_valid",
                violation_error_message="構成要素の合成方法が正しくありません。",
            ),
            fy_in_range("baseline_fy", nullable=True),
            fy_in_range("target_fy", nullable=True),
            fy_in_range("target_condition_fy", nullable=True),
            models.CheckConstraint(
                condition=Q(baseline_value__isnull=True) | Q(baseline_fy__isnull=False),
                name="kpi_baseline_value_has_year",
                violation_error_message="基準値には基準年度が必要です（新規の指標は両方を空欄に）。",
            ),
            models.CheckConstraint(
                condition=Q(target_basis__in=TargetBasis.values),
                name="kpi_target_basis_valid",
                violation_error_message="目標の単位期間が正しくありません（level か annual）。",
            ),
            models.CheckConstraint(
                condition=range_consistent("target_kind", "target_value", "target_value_high"),
                name="kpi_range_bounds",
                violation_error_message="範囲の目標には下限と上限（下限以上）が必要です。範囲以外の目標に上限は書けません。",
            ),
            models.CheckConstraint(
                condition=Q(target_fy__isnull=True)
                | Q(baseline_fy__isnull=True)
                | Q(baseline_fy__lte=F("target_fy")),
                name="kpi_baseline_not_after_target",
                violation_error_message="目標年度が基準年度より前になっています。",
            ),
            models.CheckConstraint(
                condition=Q(target_kind=TargetKind.NONE) | Q(target_fy__isnull=False),
                name="kpi_target_has_year",
                violation_error_message="目標を設定する場合は目標年度が必要です。",
            ),
            models.CheckConstraint(
                condition=target_value_consistent("target_kind", "target_value"),
                name="kpi_target_value_matches_kind",
                violation_error_message="目標の種類と目標値が合っていません（以上・以下・範囲は目標値が必要、上げる・下げる・実施スケジュール・未設定は目標値なし）。",
            ),
            models.CheckConstraint(
                condition=Q(target_tolerance__gte=0, target_tolerance__lt=1),
                name="kpi_tolerance_fraction",
                violation_error_message="維持の許容幅は0以上1未満の割合で指定してください。",
            ),
            models.CheckConstraint(
                condition=Q(is_provisional=False) | ~Q(provisional_reason=""),
                name="kpi_provisional_has_reason",
                violation_error_message="暫定の指標には理由を記入してください。",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="kpi_not_own_parent",
                violation_error_message="自分自身を親指標にはできません。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def natural_key(self) -> tuple:
        return (*self.plan.natural_key(), self.code)

    natural_key.dependencies = ["initiatives.plan", "initiatives.pillar", "kpi.unit"]

    def get_absolute_url(self) -> str:
        return reverse("kpi:detail", kwargs={"slug": self.plan.slug, "code": self.code})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.pillar_id and self.plan_id and self.pillar.plan_id != self.plan_id:
            errors["pillar"] = "取組方針が別の方針に属しています。"
        if self.unit_id and self.plan_id and self.unit.plan_id != self.plan_id:
            errors["unit"] = "単位が別の方針に属しています。この方針の単位を選んでください。"
        if (
            self.department_id
            and self.plan_id
            and self.department.organization_id is not None
            and self.department.organization_id != self.plan.organization_id
        ):
            errors["department"] = (
                "所管課が別の団体に属しています。この団体の所管課を選んでください。"
            )
        if self.parent_id:
            parent = self.parent
            if parent.plan_id != self.plan_id:
                errors["parent"] = "親指標が別の方針に属しています。"
            elif parent.parent_id:
                errors["parent"] = "構成要素の構成要素は登録できません（親指標は1段階まで）。"
            elif self.pk and parent.pk == self.pk:
                errors["parent"] = "自分自身を親指標にはできません。"
        if self.item_id and self.pillar_id and self.item.pillar_id != self.pillar_id:
            errors["item"] = "取組項目が別の取組方針に属しています。"
        # A target year past the plan's last year is accepted (a 2030 goal in a plan ending in
        # 2026, issue 12): it is judged on the path toward it. One before the plan starts is not.
        if self.plan_id and self.target_fy is not None and self.target_fy < self.plan.first_fy:
            errors["target_fy"] = (
                f"目標年度は方針の初年度（{fy_text(self.plan.first_fy)}）以降にしてください。"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def unit_text(self) -> str:
        """The unit as tables show it, marked when the value is a running total: "件（累計）"."""
        if self.cumulative:
            return f"{self.unit.label}{_('（累計）')}"
        return self.unit.label

    @property
    def no_baseline(self) -> bool:
        """A new KPI (新規): no baseline; its first value in the plan is the starting point."""
        return self.baseline_value is None

    @property
    def baseline_label(self) -> str:
        """ "52.5（R3（2021年度））", or "—（新規）" for a KPI with no baseline."""
        if self.no_baseline:
            return str(_("—（新規）"))
        text = self.baseline_text or self.unit.format(self.baseline_value)
        return f"{text}（{fy_text(self.baseline_fy)}）"

    @property
    def direction_label(self) -> str:
        """Which way is better, as the KPI page says it; a range has no one direction."""
        if self.target_kind == TargetKind.RANGE:
            return str(_("目標の範囲の中"))
        return str(self.get_direction_display())

    @property
    def target_label(self) -> str:
        if self.target_kind == TargetKind.NONE:
            # A target written only in words (「高める」「検討」) is kept as written: the reader
            # sees what the plan says, and that it is not judged.
            if self.target_text:
                return str(_("%(text)s（数値目標なし）") % {"text": self.target_text})
            return str(_("未設定"))
        text = self.target_text or self.get_target_kind_display()
        if not self.target_text:
            if self.target_kind == TargetKind.RANGE:
                text = f"{self.unit.format(self.target_value)}～{self.unit.format(self.target_value_high)}"
            elif self.target_kind == TargetKind.MILESTONE:
                steps = [s.label for s in self.steps.all()]
                text = " → ".join(steps) or text
            elif self.target_kind in VALUED_KINDS:
                # "80以上", but "80 at least": English words need a space before them.
                gap = " " if is_english() else ""
                text = f"{self.unit.format(self.target_value)}{gap}{self.get_target_kind_display()}"
        if self.target_basis == TargetBasis.ANNUAL and not self.target_text:
            text = f"{text}{_('（毎年度）')}"
        if self.target_text and mentions_fy(self.target_text, self.target_fy):
            return text  # "85%以上（R8年度）" says its year already
        return f"{text}（{fy_text(self.target_fy)}）"


class TargetRevisionManager(models.Manager["TargetRevision"]):
    def get_by_natural_key(self, slug: str, code: str, effective_fy: int) -> TargetRevision:
        return self.get(kpi__plan__slug=slug, kpi__code=code, effective_fy=effective_fy)


class TargetRevision(models.Model):
    """A target set again mid-term. The KPI's original target stays as it was written."""

    kpi = models.ForeignKey(
        Kpi,
        on_delete=models.CASCADE,
        related_name="target_revisions",
        verbose_name=gettext_lazy("成果指標"),
    )
    effective_fy = models.PositiveSmallIntegerField(gettext_lazy("適用開始年度"))
    target_fy = models.PositiveSmallIntegerField(gettext_lazy("目標年度"))
    kind = models.CharField(gettext_lazy("目標の種類"), max_length=10, choices=TargetKind.choices)
    value = models.DecimalField(gettext_lazy("目標値"), null=True, blank=True, **VALUE_DIGITS)
    text = models.CharField(gettext_lazy("目標（原文）"), max_length=200, blank=True)
    decided_on = models.DateField(gettext_lazy("決定日"))
    reason = models.TextField(gettext_lazy("理由"))
    source_document = models.CharField(gettext_lazy("根拠資料"), max_length=300, blank=True)

    objects = TargetRevisionManager()
    history = HistoricalRecords(verbose_name=gettext_lazy("目標の再設定の履歴"))

    class Meta:
        verbose_name = gettext_lazy("目標の再設定")
        verbose_name_plural = gettext_lazy("目標の再設定")
        ordering = ["kpi", "effective_fy"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "effective_fy"],
                name="revision_one_per_kpi_and_year",
                violation_error_message="同じ年度から適用する目標の再設定がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TargetKind.values),
                name="revision_kind_valid",
                violation_error_message="目標の種類が正しくありません。",
            ),
            fy_in_range("effective_fy"),
            fy_in_range("target_fy"),
            models.CheckConstraint(
                condition=Q(effective_fy__lte=F("target_fy")),
                name="revision_effective_not_after_target",
                violation_error_message="適用開始年度が目標年度より後になっています。",
            ),
            models.CheckConstraint(
                # A revision is one number or a direction; a range or a schedule is set again
                # by editing the KPI itself, where its bounds and steps live.
                condition=~Q(kind__in=[TargetKind.RANGE, TargetKind.MILESTONE]),
                name="revision_kind_not_range_or_schedule",
                violation_error_message="範囲・実施スケジュールの目標は再設定ではなく、成果指標そのものを修正してください。",
            ),
            models.CheckConstraint(
                condition=target_value_consistent("kind", "value"),
                name="revision_value_matches_kind",
                violation_error_message="目標の種類と目標値が合っていません。",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="revision_has_reason",
                violation_error_message="目標を再設定する理由を記入してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {format_fy(self.effective_fy)}～"

    def natural_key(self) -> tuple:
        return (*self.kpi.natural_key(), self.effective_fy)

    natural_key.dependencies = ["kpi.kpi"]


class YearlyTargetManager(models.Manager["YearlyTarget"]):
    def get_by_natural_key(self, slug: str, code: str, fiscal_year: int) -> YearlyTarget:
        return self.get(kpi__plan__slug=slug, kpi__code=code, fiscal_year=fiscal_year)


class YearlyTarget(models.Model):
    """年度別目標値: the target a plan sets for one year on the way to the final target.

    With `level` targets the expected value follows the path baseline → each yearly target →
    the final target; with `annual` targets each year's value is judged against its own year's
    target (kpi/progress.py).
    """

    kpi = models.ForeignKey(
        Kpi,
        on_delete=models.CASCADE,
        related_name="yearly_targets",
        verbose_name=gettext_lazy("成果指標"),
    )
    fiscal_year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    value = models.DecimalField(gettext_lazy("目標値"), **VALUE_DIGITS)

    objects = YearlyTargetManager()

    class Meta:
        verbose_name = gettext_lazy("年度別目標値")
        verbose_name_plural = gettext_lazy("年度別目標値")
        ordering = ["kpi", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "fiscal_year"],
                name="yearly_target_one_per_year",
                violation_error_message="この成果指標のこの年度の目標値はすでにあります。",
            ),
            fy_in_range("fiscal_year"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {format_fy(self.fiscal_year)}: {self.value}"

    def natural_key(self) -> tuple:
        return (*self.kpi.natural_key(), self.fiscal_year)

    natural_key.dependencies = ["kpi.kpi"]

    def clean(self) -> None:
        kpi = self.kpi if self.kpi_id else None
        if kpi is None:
            return
        if kpi.target_kind in (TargetKind.MILESTONE, TargetKind.NONE):
            raise ValidationError(
                "実施スケジュールや未設定の目標には年度別目標値を設定できません。"
            )
        if kpi.baseline_fy is not None and self.fiscal_year <= kpi.baseline_fy:
            raise ValidationError(
                {"fiscal_year": "年度別目標値は基準年度より後の年度にしてください。"}
            )
        if kpi.target_fy is not None and self.fiscal_year > kpi.target_fy:
            raise ValidationError(
                {"fiscal_year": "年度別目標値は目標年度までの年度にしてください。"}
            )


class ScheduleStepManager(models.Manager["ScheduleStep"]):
    def get_by_natural_key(self, slug: str, code: str, order: int) -> ScheduleStep:
        return self.get(kpi__plan__slug=slug, kpi__code=code, order=order)


class ScheduleStep(models.Model):
    """One step of a milestone KPI's 実施スケジュール (検討 → 導入 → 運用), with its due year.

    Staff record the step reached as the value: its `order` (0 = none reached yet).
    """

    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="steps", verbose_name=gettext_lazy("成果指標")
    )
    order = models.PositiveSmallIntegerField(gettext_lazy("順序"))
    label = models.CharField(gettext_lazy("段階"), max_length=100)
    due_fy = models.PositiveSmallIntegerField(gettext_lazy("予定年度"))

    objects = ScheduleStepManager()

    class Meta:
        verbose_name = gettext_lazy("実施スケジュールの段階")
        verbose_name_plural = gettext_lazy("実施スケジュールの段階")
        ordering = ["kpi", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "order"],
                name="step_unique_order",
                violation_error_message="同じ順序の段階がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(order__gte=1),
                name="step_order_positive",
                violation_error_message="段階の順序は1以上にしてください。",
            ),
            fy_in_range("due_fy"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.order}. {self.label}（{format_fy(self.due_fy)}）"

    def natural_key(self) -> tuple:
        return (*self.kpi.natural_key(), self.order)

    natural_key.dependencies = ["kpi.kpi"]

    def clean(self) -> None:
        if self.kpi_id and self.kpi.target_kind != TargetKind.MILESTONE:
            raise ValidationError(
                "段階は、目標の種類が実施スケジュールの成果指標にだけ設定できます。"
            )


class ValueManager(models.Manager["KpiValue"]):
    def get_by_natural_key(self, slug: str, code: str, fiscal_year: int) -> KpiValue:
        return self.get(kpi__plan__slug=slug, kpi__code=code, fiscal_year=fiscal_year)


class ValueStatus(models.TextChoices):
    PRELIMINARY = "preliminary", _("速報値")
    FINAL = "final", _("確定値")


class KpiValue(models.Model):
    """実績値: one value per KPI and fiscal year, preliminary (速報値) or final (確定値)."""

    Status = ValueStatus

    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="values", verbose_name=gettext_lazy("成果指標")
    )
    fiscal_year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    value = models.DecimalField(gettext_lazy("実績値"), **VALUE_DIGITS)
    status = models.CharField(
        gettext_lazy("区分"),
        max_length=12,
        choices=ValueStatus.choices,
        default=ValueStatus.PRELIMINARY,
    )
    note = models.TextField(gettext_lazy("備考"), blank=True)
    source = models.CharField(gettext_lazy("出典"), max_length=300, blank=True)
    is_sample = models.BooleanField(
        gettext_lazy("サンプル値"),
        default=False,
        help_text=gettext_lazy("説明用の架空の値。実際の実績ではありません。"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("入力者"),
    )
    entered_at = models.DateTimeField(gettext_lazy("入力日時"), default=timezone.now)
    version = models.PositiveIntegerField(gettext_lazy("版"), default=1)

    objects = ValueManager()
    history = HistoricalRecords(verbose_name=gettext_lazy("実績値の履歴"))

    class Meta:
        verbose_name = gettext_lazy("実績値")
        verbose_name_plural = gettext_lazy("実績値")
        ordering = ["kpi", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "fiscal_year"],
                name="value_one_per_kpi_and_year",
                violation_error_message="この成果指標のこの年度の実績値はすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ValueStatus.values),
                name="value_status_valid",
                violation_error_message="区分が正しくありません（preliminary か final）。",
            ),
            fy_in_range("fiscal_year"),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="value_version_positive",
                violation_error_message="版は1以上です。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {format_fy(self.fiscal_year)}: {self.value}"

    def natural_key(self) -> tuple:
        return (*self.kpi.natural_key(), self.fiscal_year)

    natural_key.dependencies = ["kpi.kpi"]

    @property
    def is_preliminary(self) -> bool:
        return self.status == self.Status.PRELIMINARY


class PublishedReportQuerySet(models.QuerySet["PublishedReport"]):
    def for_year(self, plan: Plan, fiscal_year: int) -> PublishedReportQuerySet:
        """Every version published for a plan and year, the first first."""
        return self.filter(plan=plan, fiscal_year=fiscal_year).order_by("version")


class PublishedReport(models.Model):
    """An annual committee report as presented: its numbers and statuses frozen at publication.

    A year's report may be published again as a corrected version (訂正版) with a reason; every
    version stays readable, and exactly one per plan and year is in force (the one not
    superseded). The public page names the publishing office, never the user who clicked.
    """

    plan = models.ForeignKey(
        Plan,
        on_delete=models.CASCADE,
        related_name="published_reports",
        verbose_name=gettext_lazy("方針"),
    )
    fiscal_year = models.PositiveSmallIntegerField(gettext_lazy("対象年度"))
    version = models.PositiveSmallIntegerField(gettext_lazy("版"), default=1)
    published_at = models.DateTimeField(gettext_lazy("公表日時"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("公表の操作をした職員"),
    )
    office = models.CharField(gettext_lazy("公表した部署"), max_length=200)
    correction_reason = models.TextField(gettext_lazy("訂正の理由"), blank=True)
    includes_preliminary = models.BooleanField(gettext_lazy("速報値を含めて公表"), default=False)
    is_sample = models.BooleanField(
        gettext_lazy("サンプルとして公表"),
        default=False,
        help_text=gettext_lazy("説明用の架空の値による報告書。"),
    )
    superseded_at = models.DateTimeField(
        gettext_lazy("訂正版に置き換えた日時"), null=True, blank=True
    )
    snapshot = models.JSONField(gettext_lazy("公表時の内容"))

    objects = PublishedReportQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("公表した報告書")
        verbose_name_plural = gettext_lazy("公表した報告書")
        ordering = ["plan", "-fiscal_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "fiscal_year", "version"],
                name="report_unique_version",
                violation_error_message="この年度の報告書のこの版はすでにあります。",
            ),
            models.UniqueConstraint(
                fields=["plan", "fiscal_year"],
                condition=Q(superseded_at__isnull=True),
                name="report_one_in_force_per_plan_and_year",
                violation_error_message="この年度の報告書はすでに公表されています（訂正版として公表してください）。",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="report_version_positive",
                violation_error_message="版は1以上です。",
            ),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(correction_reason=""),
                name="report_correction_has_reason",
                violation_error_message="訂正版には訂正の理由を記入してください。",
            ),
            models.CheckConstraint(
                condition=~Q(office=""),
                name="report_has_office",
                violation_error_message="公表した部署を記入してください。",
            ),
            models.CheckConstraint(
                condition=Q(is_sample=True) | Q(snapshot__sample_data=False),
                name="report_sample_published_as_sample",
                violation_error_message="サンプル値を含む報告書は、サンプルとしてのみ公表できます。",
            ),
            fy_in_range("fiscal_year"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {format_fy(self.fiscal_year)} 報告書 第{self.version}版"

    @property
    def in_force(self) -> bool:
        return self.superseded_at is None

    @property
    def is_correction(self) -> bool:
        return self.version > 1

    def get_absolute_url(self) -> str:
        return reverse(
            "kpi:report_version",
            kwargs={"slug": self.plan.slug, "fy": self.fiscal_year, "version": self.version},
        )

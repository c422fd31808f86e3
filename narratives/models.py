"""Initiative progress (PDCA) per item and year, KPI commentary per KPI and year, and their review.

Structure (initiatives) and indicators (kpi) sit below this app: it links to them and they
never import it. Every rule a database can hold is a constraint here as well as a validator:
one entry per item (or KPI) and year, the review states, non-negative amounts, one lead
department per item.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from initiatives.models import InitiativeItem, Plan, fy_in_range
from kpi.forms import _MARKUP, MARKUP, NULL_CHARACTER, plain_characters
from kpi.models import Department, Kpi
from smartdocho.display import fy_text

from . import ratings, review

TEXT_MAX = 4000  # characters in one box of a 検証票
COMMENT_MAX = 1000
AMOUNT_MAX = 10**12  # 千円: 1,000兆円, far beyond any government's budget


def no_markup(value: str) -> None:
    """The same rule as the value notes (kpi/forms.py): text only, no HTML tags."""
    if _MARKUP.search(value or ""):
        raise ValidationError(MARKUP)


TOO_LONG = _("%(limit_value)s文字以内で入力してください（入力は%(show_value)s文字です）。")
AMOUNT_INVALID = _("金額は0以上の整数（千円）で入力してください。")
AMOUNT_VALIDATORS = [
    MinValueValidator(0, message=AMOUNT_INVALID),
    MaxValueValidator(AMOUNT_MAX, message=AMOUNT_INVALID),
]


def text_validators(limit: int) -> list:
    return [
        MaxLengthValidator(limit, message=TOO_LONG),
        ProhibitNullCharactersValidator(message=gettext_lazy(NULL_CHARACTER)),
        plain_characters,
        no_markup,
    ]


class RatingScale(models.Model):
    """The progress-rating scale a plan defines; a plan without one uses ratings.DEFAULT_SCALE."""

    plan = models.OneToOneField(
        Plan,
        on_delete=models.CASCADE,
        related_name="rating_scale",
        verbose_name=gettext_lazy("方針"),
    )
    steps = models.JSONField(
        gettext_lazy("評価の段階"),
        default=ratings.default_scale_data,
        help_text='良い順に [{"key": "A", "label": "計画どおり進んでいる"}, …]',
    )

    class Meta:
        verbose_name = gettext_lazy("進捗評価の段階")
        verbose_name_plural = gettext_lazy("進捗評価の段階")

    def __str__(self) -> str:
        return f"{self.plan}: " + "／".join(str(r) for r in self.ratings)

    def clean(self) -> None:
        try:
            ratings.parse_scale(self.steps)
        except ratings.ScaleError as err:
            raise ValidationError({"steps": str(err)}) from None

    @property
    def ratings(self) -> list[ratings.Rating]:
        return ratings.parse_scale(self.steps)


def scale_for(plan: Plan | int) -> list[ratings.Rating]:
    """The rating scale of a plan (or plan id): one query; the default scale if it has none."""
    row = RatingScale.objects.filter(plan_id=getattr(plan, "pk", plan)).first()
    return row.ratings if row else ratings.parse_scale(ratings.default_scale_data())


class ItemDepartment(models.Model):
    """An owning department of an initiative item; the lead one (主担当) answers for it."""

    item = models.ForeignKey(
        InitiativeItem,
        on_delete=models.CASCADE,
        related_name="department_links",
        verbose_name=gettext_lazy("取組項目"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        related_name="item_links",
        verbose_name=gettext_lazy("担当課"),
    )
    is_lead = models.BooleanField(gettext_lazy("主担当"), default=False)

    class Meta:
        verbose_name = gettext_lazy("取組項目の担当課")
        verbose_name_plural = gettext_lazy("取組項目の担当課")
        ordering = ["item", "-is_lead", "department__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "department"],
                name="itemdepartment_unique",
                violation_error_message="この担当課はすでに登録されています。",
            ),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(is_lead=True),
                name="itemdepartment_one_lead",
                violation_error_message="主担当の課は1つの取組項目に1つだけです。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.department}{'（主担当）' if self.is_lead else ''}"

    def clean(self) -> None:
        organization = self.department.organization_id if self.department_id else None
        if (
            organization is not None
            and self.item_id
            and organization != self.item.pillar.plan.organization_id
        ):
            raise ValidationError(
                {"department": "担当課が別の団体に属しています。この団体の所管課を選んでください。"}
            )


class ItemKpi(models.Model):
    """A KPI that measures an initiative item. The source plan ties KPIs to pillars only."""

    item = models.ForeignKey(
        InitiativeItem,
        on_delete=models.CASCADE,
        related_name="kpi_links",
        verbose_name=gettext_lazy("取組項目"),
    )
    kpi = models.ForeignKey(
        Kpi,
        on_delete=models.CASCADE,
        related_name="item_links",
        verbose_name=gettext_lazy("成果指標"),
    )

    class Meta:
        verbose_name = gettext_lazy("取組項目の成果指標")
        verbose_name_plural = gettext_lazy("取組項目の成果指標")
        ordering = ["item", "kpi"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "kpi"],
                name="itemkpi_unique",
                violation_error_message="この成果指標はすでに結び付けられています。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} — {self.kpi.code}"

    def clean(self) -> None:
        if self.item_id and self.kpi_id and self.item.pillar.plan_id != self.kpi.plan_id:
            raise ValidationError({"kpi": "成果指標が別の方針に属しています。"})


class ReviewState(models.TextChoices):
    DRAFT = review.DRAFT, _("下書き")
    SUBMITTED = review.SUBMITTED, _("提出済み（承認待ち）")
    APPROVED = review.APPROVED, _("承認済み")


def review_constraints(prefix: str) -> list:
    return [
        fy_in_range("fiscal_year"),
        models.CheckConstraint(
            condition=Q(state__in=review.STATES),
            name=f"{prefix}_state_valid",
            violation_error_message="状態が正しくありません（draft, submitted, approved のいずれか）。",
        ),
        models.CheckConstraint(
            condition=Q(version__gte=1),
            name=f"{prefix}_version_positive",
            violation_error_message="版は1以上です。",
        ),
        models.CheckConstraint(
            condition=~Q(state=review.APPROVED) | Q(reviewed_at__isnull=False),
            name=f"{prefix}_approved_has_review_time",
            violation_error_message="承認済みの内容には承認日時が必要です。",
        ),
    ]


class Reviewed(models.Model):
    """What every reviewed narrative carries: its state, version and who did what when."""

    State = ReviewState

    fiscal_year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    state = models.CharField(
        gettext_lazy("状態"), max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    review_comment = models.TextField(
        gettext_lazy("承認者のコメント"), blank=True, validators=text_validators(COMMENT_MAX)
    )
    is_sample = models.BooleanField(
        gettext_lazy("サンプル"),
        default=False,
        help_text=gettext_lazy("説明用の架空の記入例。実際の実績ではありません。"),
    )
    version = models.PositiveIntegerField(gettext_lazy("版"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("最終更新者"),
    )
    updated_at = models.DateTimeField(gettext_lazy("最終更新日時"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("提出者"),
    )
    submitted_at = models.DateTimeField(gettext_lazy("提出日時"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("承認者"),
    )
    reviewed_at = models.DateTimeField(gettext_lazy("承認・差し戻し日時"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def board_column(self) -> str:
        return review.board_column(self.state, self.review_comment)

    @property
    def is_returned(self) -> bool:
        return self.board_column == review.RETURNED

    @property
    def fy_label(self) -> str:
        return fy_text(self.fiscal_year)


class InitiativeProgress(Reviewed):
    """取組の進捗: what an initiative item did in a fiscal year, its result and next direction."""

    item = models.ForeignKey(
        InitiativeItem,
        on_delete=models.CASCADE,
        related_name="progress_entries",
        verbose_name=gettext_lazy("取組項目"),
    )
    done = models.TextField(
        gettext_lazy("取組実績"), blank=True, validators=text_validators(TEXT_MAX)
    )
    results = models.TextField(
        gettext_lazy("成果"), blank=True, validators=text_validators(TEXT_MAX)
    )
    issues = models.TextField(
        gettext_lazy("課題"), blank=True, validators=text_validators(TEXT_MAX)
    )
    next_steps = models.TextField(
        gettext_lazy("今後の方向性"), blank=True, validators=text_validators(TEXT_MAX)
    )
    rating = models.CharField(gettext_lazy("進捗の評価"), max_length=ratings.KEY_MAX, blank=True)
    budget = models.PositiveBigIntegerField(
        gettext_lazy("予算額（千円）"), null=True, blank=True, validators=AMOUNT_VALIDATORS
    )
    settled = models.PositiveBigIntegerField(
        gettext_lazy("決算額（千円）"), null=True, blank=True, validators=AMOUNT_VALIDATORS
    )
    # Orders (Action.order) of the item's actions that were carried out this year.
    actions_carried_out = models.JSONField(
        gettext_lazy("実施した取組内容"), default=list, blank=True
    )

    history = HistoricalRecords(verbose_name=gettext_lazy("取組の進捗の履歴"))

    class Meta:
        verbose_name = gettext_lazy("取組の進捗")
        verbose_name_plural = gettext_lazy("取組の進捗")
        ordering = ["item", "fiscal_year"]
        constraints = [
            *review_constraints("progress"),
            models.UniqueConstraint(
                fields=["item", "fiscal_year"],
                name="progress_one_per_item_and_year",
                violation_error_message="この取組項目のこの年度の進捗はすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0, budget__lte=AMOUNT_MAX),
                name="progress_budget_non_negative",
                violation_error_message="予算額は0以上の整数（千円）にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(settled__isnull=True) | Q(settled__gte=0, settled__lte=AMOUNT_MAX),
                name="progress_settled_non_negative",
                violation_error_message="決算額は0以上の整数（千円）にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.fy_label}"

    def clean(self) -> None:
        orders = self.actions_carried_out
        if not isinstance(orders, list) or not all(
            isinstance(o, int) and not isinstance(o, bool) for o in orders
        ):
            raise ValidationError({"actions_carried_out": "取組内容の指定が正しくありません。"})


class KpiCommentary(Reviewed):
    """成果指標の説明: why a KPI came out as it did in a year, and what will be done."""

    kpi = models.ForeignKey(
        Kpi,
        on_delete=models.CASCADE,
        related_name="commentaries",
        verbose_name=gettext_lazy("成果指標"),
    )
    reason = models.TextField(
        gettext_lazy("要因分析"), blank=True, validators=text_validators(TEXT_MAX)
    )
    next_actions = models.TextField(
        gettext_lazy("今後の取組"), blank=True, validators=text_validators(TEXT_MAX)
    )

    history = HistoricalRecords(verbose_name=gettext_lazy("成果指標の説明の履歴"))

    class Meta:
        verbose_name = gettext_lazy("成果指標の説明")
        verbose_name_plural = gettext_lazy("成果指標の説明")
        ordering = ["kpi", "fiscal_year"]
        constraints = [
            *review_constraints("commentary"),
            models.UniqueConstraint(
                fields=["kpi", "fiscal_year"],
                name="commentary_one_per_kpi_and_year",
                violation_error_message="この成果指標のこの年度の説明はすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.fy_label}"

"""The policy's structure: plans, their context, pillars, directions, initiative items, actions.

Every model has a natural key so that fixtures carry no database ids: loading the same fixture
twice finds the rows it made the first time instead of adding new ones.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy

from smartdocho import lg_codes
from smartdocho.display import fy_text
from smartdocho.fiscal import MAX_FY, MIN_FY


def fy_in_range(field: str, *, nullable: bool = False) -> models.CheckConstraint:
    """A database check that a fiscal-year column holds a plausible Western year."""
    condition = Q(**{f"{field}__gte": MIN_FY, f"{field}__lte": MAX_FY})
    if nullable:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(
        condition=condition, name=f"%(app_label)s_%(class)s_{field}_range"
    )


class OrganizationKind(models.TextChoices):
    PREFECTURE = "prefecture", gettext_lazy("都道府県")
    MUNICIPALITY = "municipality", gettext_lazy("市区町村")
    SPECIAL_WARD = "special_ward", gettext_lazy("特別区")
    UNION = "union", gettext_lazy("一部事務組合・広域連合")
    OTHER = "other", gettext_lazy("その他")


CODE_CHECK_DIGIT = gettext_lazy(
    "全国地方公共団体コードの6桁目（検査数字）が合いません。コードを確かめてください。"
)


def validate_lg_code(code: str) -> None:
    if code and not lg_codes.is_valid(code):
        raise ValidationError(CODE_CHECK_DIGIT, code="lg_code")


class OrganizationManager(models.Manager["Organization"]):
    def get_by_natural_key(self, slug: str) -> Organization:
        return self.get(slug=slug)

    def by_key(self, key: str) -> Organization | None:
        """The organization a URL names: its 6-digit 全国地方公共団体コード, else its slug."""
        key = unicodedata.normalize("NFKC", key).strip()
        if len(key) == 6 and key.isascii() and key.isdigit():
            found = self.filter(code=key).first()
            if found is not None:
                return found
        return self.filter(slug=key).first()

    def default(self) -> Organization | None:
        """The organization `/` opens: settings.DEFAULT_ORGANIZATION (a code or slug, from
        DJANGO_DEFAULT_ORGANIZATION), else the only one; None when several exist and none is
        named (or the named one does not exist)."""
        named = getattr(settings, "DEFAULT_ORGANIZATION", "")
        if named:
            return self.by_key(named)
        first_two = list(self.all()[:2])
        return first_two[0] if len(first_two) == 1 else None


class Organization(models.Model):
    """団体: a government (or union of governments) with its own plans, departments and staff.

    Staff act only inside their organization (kpi/permissions.py); a superuser is the site's
    administrator for every organization.
    """

    Kind = OrganizationKind

    slug = models.SlugField(gettext_lazy("識別子"), max_length=80, unique=True, allow_unicode=True)
    name = models.CharField(gettext_lazy("団体名"), max_length=100)
    kind = models.CharField(
        gettext_lazy("種類"),
        max_length=20,
        choices=OrganizationKind.choices,
        default=OrganizationKind.OTHER,
    )
    # Empty where the body has none (e.g. an association of governments).
    code = models.CharField(
        gettext_lazy("全国地方公共団体コード"),
        max_length=6,
        blank=True,
        validators=[validate_lg_code],
        help_text=gettext_lazy("6桁（検査数字を含む）。例：131016（千代田区）"),
    )

    objects = OrganizationManager()

    class Meta:
        verbose_name = gettext_lazy("団体")
        verbose_name_plural = gettext_lazy("団体")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="organization_code_unique",
                violation_error_message="この全国地方公共団体コードの団体はすでにあります。",
            ),
            # Six ASCII digits when set (the check digit is validated in Python).
            models.CheckConstraint(
                condition=Q(code="") | Q(code__regex=r"^[0-9]{6}$"),
                name="organization_code_six_digits",
                violation_error_message="全国地方公共団体コードは6桁の数字で書いてください。",
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="organization_name_not_empty",
                violation_error_message="団体名を入力してください。",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=OrganizationKind.values),
                name="organization_kind_known",
                violation_error_message="団体の種類が正しくありません。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def url_key(self) -> str:
        """What its URL names it by: the 全国地方公共団体コード where it has one, else the slug."""
        return self.code or self.slug

    def get_absolute_url(self) -> str:
        return reverse("organization_detail", args=[self.url_key])

    def current_plan(self) -> Plan | None:
        return Plan.objects.current(organization=self)


# Checks the apps above add to Plan.clean, e.g. kpi's check that `status_labels` names known
# statuses (kpi/apps.py): the plan's structure knows nothing of how progress is judged.
PLAN_SLUG_LIKE_ANOTHER = gettext_lazy(
    "大文字・小文字の違いだけで同じになる識別子の方針がすでにあります。別の識別子にしてください。"
)
PLAN_CHECKS: list[Callable[[Plan], None]] = []


class PlanManager(models.Manager["Plan"]):
    def get_by_natural_key(self, slug: str) -> Plan:
        return self.get(slug=slug)

    def with_nav(self):
        """Plans with their organization and pillars fetched, for the header every plan page
        shows (organization › plan, the pillars' links)."""
        return self.select_related("organization").prefetch_related("pillars")

    def current(self, organization: Organization | int | None = None) -> Plan | None:
        """The plan marked 現行 (one per organization), else the latest; of one organization
        when given (an Organization or its id), else of the whole site."""
        plans = self.all() if organization is None else self.filter(organization=organization)
        return (
            plans.filter(is_current=True).order_by("organization_id").first()
            or plans.order_by("-last_fy", "slug").first()
        )


class Plan(models.Model):
    slug = models.SlugField(gettext_lazy("識別子"), max_length=80, unique=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=gettext_lazy("団体"),
    )
    # The government's name as the plan writes it (shown on pages and the report's cover).
    government = models.CharField(gettext_lazy("団体名"), max_length=100)
    title = models.CharField(gettext_lazy("名称"), max_length=200)
    term = models.CharField(gettext_lazy("期"), max_length=50, blank=True)
    first_fy = models.PositiveSmallIntegerField(gettext_lazy("初年度"))
    last_fy = models.PositiveSmallIntegerField(gettext_lazy("最終年度"))
    period_text = models.CharField(gettext_lazy("推進期間（原文）"), max_length=200, blank=True)
    purpose = models.TextField(gettext_lazy("方針の趣旨"), blank=True)
    position = models.TextField(gettext_lazy("方針の位置付け"), blank=True)
    scope = models.TextField(gettext_lazy("適用範囲"), blank=True)
    source_document = models.CharField(gettext_lazy("原典"), max_length=300, blank=True)
    is_current = models.BooleanField(gettext_lazy("現行の方針"), default=False)
    # To whom the annual progress report goes, as the plan names it (shown on the report's cover).
    report_to = models.CharField(
        gettext_lazy("報告先"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy(
            "毎年度の進捗状況を報告する会議体（例：○○委員会）。報告書の表紙に表示します。"
        ),
    )

    # Where the progress status bands begin (kpi/progress.py); defaults: Open SDG / Eurostat.
    threshold_on_track = models.DecimalField(
        gettext_lazy("「順調」とする比率の下限"),
        max_digits=5,
        decimal_places=3,
        default=Decimal("0.95"),
    )
    threshold_needs_acceleration = models.DecimalField(
        gettext_lazy("「やや遅れ」とする比率の下限"),
        max_digits=5,
        decimal_places=3,
        default=Decimal("0.6"),
    )
    growth_on_track = models.DecimalField(
        gettext_lazy("「順調」とする年平均伸び率の下限"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.015"),
    )
    growth_needs_acceleration = models.DecimalField(
        gettext_lazy("「やや遅れ」とする年平均伸び率の下限"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.005"),
    )
    status_labels = models.JSONField(
        gettext_lazy("判定の表示名"),
        default=dict,
        blank=True,
        help_text='例: {"on_track": "概ね順調"}。空欄の判定は既定の名称で表示します。',
    )

    objects = PlanManager()

    class Meta:
        verbose_name = gettext_lazy("方針")
        verbose_name_plural = gettext_lazy("方針")
        ordering = ["-first_fy", "slug"]
        constraints = [
            fy_in_range("first_fy"),
            fy_in_range("last_fy"),
            models.CheckConstraint(
                condition=Q(first_fy__lte=F("last_fy")),
                name="plan_first_fy_not_after_last_fy",
                violation_error_message="方針の初年度が最終年度より後になっています。",
            ),
            # Addresses are case-sensitive, but "HOKKAIDO-…" beside "hokkaido-…" would pass for
            # the other government's plan (a finding of the issue 14 review).
            models.UniqueConstraint(
                Lower("slug"),
                name="plan_slug_unique_ignoring_case",
                violation_error_message=PLAN_SLUG_LIKE_ANOTHER,
            ),
            # Each organization has its own current plan (issue 14).
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_current=True),
                name="plan_one_current_per_organization",
                violation_error_message="現行の方針は団体ごとに1つだけにしてください。",
            ),
            models.CheckConstraint(
                condition=Q(threshold_needs_acceleration__gte=0)
                & Q(threshold_needs_acceleration__lte=F("threshold_on_track")),
                name="plan_ratio_thresholds_ordered",
                violation_error_message="閾値は 0 ≤ やや遅れ ≤ 順調 の順にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(growth_needs_acceleration__gte=0)
                & Q(growth_needs_acceleration__lte=F("growth_on_track")),
                name="plan_growth_thresholds_ordered",
                violation_error_message="伸び率の閾値は 0 ≤ やや遅れ ≤ 順調 の順にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    natural_key.dependencies = ["initiatives.organization"]

    def get_absolute_url(self) -> str:
        return reverse("initiatives:plan", kwargs={"slug": self.slug})

    def clean(self) -> None:
        labels = self.status_labels or {}
        if not isinstance(labels, dict):
            raise ValidationError(
                {"status_labels": "判定の表示名は {判定: 名称} の形で書いてください。"}
            )
        for check in PLAN_CHECKS:
            check(self)

    @property
    def fiscal_years(self) -> range:
        return range(self.first_fy, self.last_fy + 1)

    @property
    def period_label(self) -> str:
        return f"{fy_text(self.first_fy)}～{fy_text(self.last_fy)}"


class SectionManager(models.Manager["PlanSection"]):
    def get_by_natural_key(self, slug: str, kind: str, order: int) -> PlanSection:
        return self.get(plan__slug=slug, kind=kind, order=order)


class SectionKind(models.TextChoices):
    TRENDS = "trends", "社会情勢と情報化の動向"
    PREVIOUS_RESULTS = "previous_results", "これまでの取組"
    CHALLENGES = "challenges", "課題"
    VISION = "vision", "めざす姿"
    TALENT_MODEL = "talent_model", "デジタル人材の人物像"
    GOVERNANCE = "governance", "推進体制"


class PlanSection(models.Model):
    """A context section of the plan, kept as written: trends, results, challenges, vision..."""

    Kind = SectionKind

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="sections", verbose_name=gettext_lazy("方針")
    )
    kind = models.CharField(gettext_lazy("種類"), max_length=30, choices=SectionKind.choices)
    order = models.PositiveSmallIntegerField(gettext_lazy("順序"))
    heading = models.CharField(gettext_lazy("見出し"), max_length=300, blank=True)
    body = models.TextField(gettext_lazy("本文"), blank=True)
    # A list of strings (bullets), or a list of lists of strings (table rows, header first).
    items = models.JSONField(gettext_lazy("項目"), default=list, blank=True)

    objects = SectionManager()

    class Meta:
        verbose_name = gettext_lazy("方針の記載事項")
        verbose_name_plural = gettext_lazy("方針の記載事項")
        ordering = ["plan", "kind", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "order"],
                name="plansection_unique",
                violation_error_message="同じ種類・順序の記載事項がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SectionKind.values),
                name="plansection_kind_valid",
                violation_error_message="記載事項の種類が正しくありません。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order} {self.heading}".strip()

    def natural_key(self) -> tuple:
        return (*self.plan.natural_key(), self.kind, self.order)

    natural_key.dependencies = ["initiatives.plan"]

    @property
    def is_table(self) -> bool:
        return bool(self.items) and all(isinstance(row, list) for row in self.items)


class PillarManager(models.Manager["Pillar"]):
    def get_by_natural_key(self, slug: str, number: int) -> Pillar:
        return self.get(plan__slug=slug, number=number)


class Pillar(models.Model):
    """取組方針: one of the plan's pillars."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="pillars", verbose_name=gettext_lazy("方針")
    )
    number = models.PositiveSmallIntegerField(gettext_lazy("番号"))
    title = models.CharField(gettext_lazy("取組方針"), max_length=200)

    objects = PillarManager()

    class Meta:
        verbose_name = gettext_lazy("取組方針")
        verbose_name_plural = gettext_lazy("取組方針")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="pillar_unique_number",
                violation_error_message="同じ番号の取組方針がすでにあります。",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="pillar_number_positive",
                violation_error_message="取組方針の番号は1以上にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def natural_key(self) -> tuple:
        return (*self.plan.natural_key(), self.number)

    natural_key.dependencies = ["initiatives.plan"]

    def get_absolute_url(self) -> str:
        return reverse("initiatives:pillar", kwargs={"slug": self.plan.slug, "number": self.number})


class PillarChildManager(models.Manager):
    def get_by_natural_key(self, slug: str, pillar_number: int, number: int):
        return self.get(pillar__plan__slug=slug, pillar__number=pillar_number, number=number)


class PolicyDirection(models.Model):
    """A numbered direction under a pillar, e.g. 1 (1) 利便性の向上と…"""

    pillar = models.ForeignKey(
        Pillar,
        on_delete=models.CASCADE,
        related_name="directions",
        verbose_name=gettext_lazy("取組方針"),
    )
    number = models.PositiveSmallIntegerField(gettext_lazy("番号"))
    text = models.TextField(gettext_lazy("内容"))

    objects = PillarChildManager()

    class Meta:
        verbose_name = gettext_lazy("方針の方向性")
        verbose_name_plural = gettext_lazy("方針の方向性")
        ordering = ["pillar", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["pillar", "number"],
                name="direction_unique_number",
                violation_error_message="同じ番号の方向性がすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return f"({self.number}) {self.text}"

    def natural_key(self) -> tuple:
        return (*self.pillar.natural_key(), self.number)

    natural_key.dependencies = ["initiatives.pillar"]


class InitiativeItem(models.Model):
    """取組項目: an initiative item under a pillar, with its ordered actions."""

    pillar = models.ForeignKey(
        Pillar,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=gettext_lazy("取組方針"),
    )
    # The order within the pillar, and the key other rows use; the plan's own numbering
    # ("2-8-2", "(1)", "ア") is `label`, shown wherever the item is named (issue 12).
    number = models.PositiveSmallIntegerField(gettext_lazy("番号"))
    label = models.CharField(
        gettext_lazy("番号（原文）"),
        max_length=30,
        blank=True,
        help_text=gettext_lazy("計画に書かれたとおりの番号（例: 2-8-2、(1)）。空欄なら (番号)。"),
    )
    title = models.CharField(gettext_lazy("取組項目"), max_length=200)
    goal = models.TextField(
        gettext_lazy("めざす姿"),
        blank=True,
        help_text=gettext_lazy("この取組項目で実現をめざす姿（計画に書かれている場合）。"),
    )

    objects = PillarChildManager()

    class Meta:
        verbose_name = gettext_lazy("取組項目")
        verbose_name_plural = gettext_lazy("取組項目")
        ordering = ["pillar", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["pillar", "number"],
                name="item_unique_number",
                violation_error_message="同じ番号の取組項目がすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number_label} {self.title}"

    @property
    def number_label(self) -> str:
        """The item's number as the plan writes it: "2-8-2", or "(3)" when none is written."""
        return self.label or f"({self.number})"

    def natural_key(self) -> tuple:
        return (*self.pillar.natural_key(), self.number)

    natural_key.dependencies = ["initiatives.pillar"]


class ActionManager(models.Manager["Action"]):
    def get_by_natural_key(self, slug: str, pillar_number: int, item_number: int, order: int):
        return self.get(
            item__pillar__plan__slug=slug,
            item__pillar__number=pillar_number,
            item__number=item_number,
            order=order,
        )


class Action(models.Model):
    """An action (取組内容) of an initiative item, in the order the plan lists them."""

    item = models.ForeignKey(
        InitiativeItem,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=gettext_lazy("取組項目"),
    )
    order = models.PositiveSmallIntegerField(gettext_lazy("順序"))
    text = models.TextField(gettext_lazy("取組内容"))

    objects = ActionManager()

    class Meta:
        verbose_name = gettext_lazy("取組内容")
        verbose_name_plural = gettext_lazy("取組内容")
        ordering = ["item", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "order"],
                name="action_unique_order",
                violation_error_message="同じ順序の取組内容がすでにあります。",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self) -> tuple:
        return (*self.item.natural_key(), self.order)

    natural_key.dependencies = ["initiatives.initiativeitem"]


class Milestone(models.Model):
    """A dated undertaking of a pillar, e.g. the digital talent plan due in R4.9."""

    pillar = models.ForeignKey(
        Pillar,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=gettext_lazy("取組方針"),
    )
    number = models.PositiveSmallIntegerField(gettext_lazy("番号"))
    text = models.TextField(gettext_lazy("内容"))
    due_text = models.CharField(gettext_lazy("期限（原文）"), max_length=50, blank=True)
    due_fy = models.PositiveSmallIntegerField(gettext_lazy("期限の年度"), null=True, blank=True)
    due_month = models.PositiveSmallIntegerField(gettext_lazy("期限の月"), null=True, blank=True)

    objects = PillarChildManager()

    class Meta:
        verbose_name = gettext_lazy("マイルストーン")
        verbose_name_plural = gettext_lazy("マイルストーン")
        ordering = ["pillar", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["pillar", "number"],
                name="milestone_unique_number",
                violation_error_message="同じ番号のマイルストーンがすでにあります。",
            ),
            fy_in_range("due_fy", nullable=True),
            models.CheckConstraint(
                condition=Q(due_month__isnull=True) | Q(due_month__gte=1, due_month__lte=12),
                name="milestone_due_month_valid",
                violation_error_message="期限の月は1から12にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def natural_key(self) -> tuple:
        return (*self.pillar.natural_key(), self.number)

    natural_key.dependencies = ["initiatives.pillar"]

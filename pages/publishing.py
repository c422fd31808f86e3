"""Publishing the annual report (公表) and correcting it (訂正版): the confirmation and the write.

Rules (issue 10, point 4):
- An admin publishes from a confirmation page that lists what becomes public: every
  preliminary value (速報値) the report shows, and whether its values are sample data. The
  admin chooses to publish the preliminary values or final values only; nothing preliminary
  becomes public without that choice.
- A report whose values include sample data (KpiValue.is_sample) is never published as a real
  report: it may be published only as a sample, and is then marked so on its page and export.
- The confirmation carries a digest of what it showed; if the data (or the version in force)
  changed before the admin confirmed, nothing is published and the page is shown again.
- A published report is corrected by publishing a new version with a reason; the old version
  stays readable, superseded. One version per plan and year is in force (a database constraint).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from initiatives.models import Plan
from kpi.forms import no_markup, plain_characters
from kpi.models import PublishedReport
from smartdocho import etags

from . import reports

# Messages (tests assert against these).
STALE = gettext_lazy(
    "確認画面を表示した後にデータまたは公表の状態が変わりました。内容を確認し直してから公表してください。"
)
CONCURRENT = gettext_lazy("同時に別の公表が行われました。内容を確認し直してください。")
NEEDS_CHOICE = gettext_lazy("速報値を含めて公表するか、確定値だけで公表するかを選んでください。")
SAMPLE_REFUSED = gettext_lazy(
    "この報告書にはサンプル値（説明用の架空の値）またはサンプルの記入例（架空の文章）が含まれるため、実際の報告書としては公表できません。"
    "サンプルとして公表する場合は「サンプルとして公表する」を選んでください。"
)
NEEDS_REASON = gettext_lazy("公表済みの報告書を訂正するには、訂正の理由を記入してください。")
NEEDS_OFFICE = gettext_lazy("公表する部署（例：○○部○○課）を記入してください。")
NOT_A_CORRECTION = gettext_lazy(
    "この年度の報告書はまだ公表されていないため、訂正の理由は記入できません。"
)

NEEDS_CONFIRM = gettext_lazy("公表は確認画面から行ってください（確認の情報がありません）。")

WITH_PRELIMINARY = "with_preliminary"
FINAL_ONLY = "final_only"


class PublishError(Exception):
    """A publication refused; `status` is the HTTP status to answer with (400 or 409)."""

    def __init__(
        self, message: str, status: int = 400, field: str = "", problems: list | None = None
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.status = status
        self.field = field  # the form field it is about ("" for the whole publication)
        # Every (field, message) refused, the first of them being `field` and `message`.
        self.problems = [(f, str(m)) for f, m in problems] if problems else [(field, self.message)]


@dataclass(frozen=True)
class Preview:
    """What publishing now would make public: the report with every value, and its digest."""

    plan: Plan
    fiscal_year: int
    report: dict
    in_force: PublishedReport | None
    token: str

    @property
    def preliminary(self) -> list[dict]:
        return self.report["preliminary_values"]

    @property
    def sample(self) -> bool:
        return bool(self.report["sample_data"])

    @property
    def narratives(self) -> dict:
        """What of the narratives becomes public: counts of approved progress and commentary
        (approved text only reaches the report, and is frozen with it)."""
        items = [i for p in self.report["pillars"] for i in p.get("item_blocks", [])]
        kpis = [r for p in self.report["pillars"] for r in p["kpis"]]
        return {
            "items": len(items),
            "progress": sum(1 for i in items if i["progress"]),
            "kpis": len(kpis),
            "commentary": sum(1 for r in kpis if r.get("commentary")),
            "sample": bool(self.report.get("sample_narratives")),
        }


def in_force(plan: Plan, fiscal_year: int) -> PublishedReport | None:
    return PublishedReport.objects.filter(
        plan=plan, fiscal_year=fiscal_year, superseded_at__isnull=True
    ).first()


def report_preview(plan: Plan, fiscal_year: int, today: date) -> Preview:
    """The confirmation's content. The token changes when any value or the version in force does."""
    report = reports.build_report(plan, fiscal_year, today)
    current = in_force(plan, fiscal_year)
    digest = hashlib.sha256(
        json.dumps(report, sort_keys=True, ensure_ascii=False, default=str).encode()
    )
    digest.update(f"|{current.version if current else 0}".encode())
    return Preview(plan, fiscal_year, report, current, digest.hexdigest()[:40])


def default_office(plan: Plan) -> str:
    """The office that published this plan's last report, so an admin need not retype it."""
    last = PublishedReport.objects.filter(plan=plan).order_by("-published_at").first()
    return last.office if last else ""


class PublishForm(forms.Form):
    """The confirmation's fields; the rules that depend on the data are report_publish's."""

    # Printed on the public cover: plain text only (no tags, control or direction characters).
    office = forms.CharField(
        label=gettext_lazy("公表する部署"),
        max_length=200,
        required=False,
        validators=[plain_characters, no_markup],
    )
    values = forms.ChoiceField(
        label=gettext_lazy("速報値の扱い"),
        choices=[
            (WITH_PRELIMINARY, gettext_lazy("上の速報値を含めて公表する")),
            (FINAL_ONLY, gettext_lazy("確定値だけで公表する（速報値は公表しない）")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    as_sample = forms.BooleanField(
        label=gettext_lazy("サンプルとして公表する（すべてのページと出力に「サンプル」と表示）"),
        required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("訂正の理由"),
        widget=forms.Textarea,
        max_length=2000,
        required=False,
        validators=[plain_characters, no_markup],
    )
    confirm = forms.CharField(
        label=gettext_lazy("確認"),
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": NEEDS_CONFIRM, "max_length": NEEDS_CONFIRM},
    )


def report_publish(
    *,
    plan: Plan,
    fiscal_year: int,
    user,
    office: str,
    values: str,
    as_sample: bool,
    reason: str,
    confirm: str,
    today: date | None = None,
) -> PublishedReport:
    """Publish the year's report (or a corrected version of it) as confirmed.

    `confirm` is the token of the Preview the admin saw; `values` is WITH_PRELIMINARY or
    FINAL_ONLY ("" when the report shows no preliminary value). Raises PublishError (nothing
    written) when the confirmation is stale, another publication won the race, or a rule above
    is broken.
    """
    today = today or timezone.localdate()
    office, reason = office.strip(), reason.strip()
    with transaction.atomic():
        # One publisher per plan at a time; the loser sees a changed token.
        # The project's one lock order (smartdocho/etags.py): the data-version row first.
        etags.lock_data_version()
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        preview = report_preview(plan, fiscal_year, today)
        if confirm != preview.token:
            raise PublishError(STALE, 409)
        previous = preview.in_force
        # Every rule the confirmation breaks, at once, so that one attempt names them all.
        problems = [
            (field, message)
            for broken, field, message in (
                (not office, "office", NEEDS_OFFICE),
                (
                    preview.preliminary and values not in (WITH_PRELIMINARY, FINAL_ONLY),
                    "values",
                    NEEDS_CHOICE,
                ),
                (preview.sample and not as_sample, "as_sample", SAMPLE_REFUSED),
                (previous is not None and not reason, "reason", NEEDS_REASON),
                (previous is None and bool(reason), "", NOT_A_CORRECTION),
            )
            if broken
        ]
        if problems:
            raise PublishError(problems[0][1], field=problems[0][0], problems=problems)
        include = bool(preview.preliminary) and values == WITH_PRELIMINARY
        snapshot = (
            preview.report
            if include
            else reports.build_report(plan, fiscal_year, today, final_only=True)
        )
        last = PublishedReport.objects.for_year(plan, fiscal_year).last()
        now = timezone.now()
        try:
            with transaction.atomic():
                if previous is not None:
                    previous.superseded_at = now
                    previous.save(update_fields=["superseded_at"])
                report = PublishedReport(
                    plan=plan,
                    fiscal_year=fiscal_year,
                    version=(last.version + 1) if last else 1,
                    published_at=now,
                    published_by=user,
                    office=office,
                    correction_reason=reason if previous is not None else "",
                    includes_preliminary=include,
                    is_sample=bool(snapshot["sample_data"]),
                    snapshot=snapshot,
                )
                report.save()
        except IntegrityError:
            raise PublishError(CONCURRENT, 409) from None
    return report


def publication_facts(report: PublishedReport, newer: PublishedReport | None = None) -> dict:
    """What a page or an export says about a published version (no user names)."""
    return {
        "version": report.version,
        "published_on": timezone.localtime(report.published_at).date().isoformat(),
        "in_force": report.in_force,
        "office": report.office,
        "correction_reason": report.correction_reason,
        "is_sample": report.is_sample,
        "newer_version": newer.version if newer else None,
    }

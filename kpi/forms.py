"""Forms for entering yearly values, reopening final values and revising targets."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.forms import BaseFormSet, formset_factory
from django.forms.formsets import (
    INITIAL_FORM_COUNT,
    MAX_NUM_FORM_COUNT,
    MIN_NUM_FORM_COUNT,
    TOTAL_FORM_COUNT,
)
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from smartdocho.display import fy_text

from . import numbers
from .models import Kpi, TargetKind, TargetRevision, ValueStatus

FORGED_KPI = gettext_noop("画面の内容が正しくありません。ページを開き直してください。")
MARKUP = gettext_noop("HTMLのタグは入力できません。文章だけを入力してください。")
NULL_CHARACTER = gettext_noop("制御文字（ヌル文字）は入力できません。")
CONTROL_CHARACTER = gettext_noop("制御文字は入力できません（改行とタブは使えます）。")
BAD_CHARACTER = gettext_noop("文字として扱えない符号が含まれています。文字を入力し直してください。")
OUT_OF_RANGE = gettext_noop(
    "値が大きすぎます。単位「{unit}」で入力できるのは13桁（9,999,999,999,999）までです。"
    "単位を確かめてください。"
)
PERCENT_NOT_ALLOWED = gettext_noop("この成果指標の単位は「{unit}」です。％の値は入力できません。")
NO_SUCH_STEP = gettext_noop(
    "実施スケジュールの段階から選んでください（0＝未着手、1～{n}、または段階の名前: {names}）。"
)
CUMULATIVE_DECREASE = gettext_noop(
    "累計の値が前年度（{previous}）より小さくなっています。累計は通常減りません。"
    "誤りでなければ「累計の減少を確認した」にチェックして保存してください。"
)
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]")
# C0 controls other than tab and newline, DEL, and the XML non-characters: a spreadsheet
# cannot hold them (openpyxl refuses them), so they would break our own exports.
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Marks that reverse or embed the direction of text (U+202E RIGHT-TO-LEFT OVERRIDE and its
# kin): they make a note read differently on screen than what is stored ("Trojan Source",
# CVE-2021-42574). Japanese and English text never needs them.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
BIDI_CHARACTER = gettext_noop(
    "文字の向きを変える制御文字（U+202E など）は入力できません。画面の表示と保存される内容が食い違うためです。"
)


def plain_characters(value: str | None) -> None:
    """Characters a spreadsheet and a reader can hold as they are: no NUL, no unpaired
    surrogates, no control characters but tab and line breaks, no direction overrides.
    Raises ValidationError with the message for the first kind found. Shared by the value
    notes (here) and the narratives (narratives.models.text_validators)."""
    value = value or ""
    if "\x00" in value:
        raise ValidationError(gettext(NULL_CHARACTER))
    if _SURROGATE.search(value):
        raise ValidationError(gettext(BAD_CHARACTER))
    if _CONTROL.search(value):
        raise ValidationError(gettext(CONTROL_CHARACTER))
    if _BIDI.search(value):
        raise ValidationError(gettext(BIDI_CHARACTER))


def number_for_unit(raw: str | None, unit):
    """A typed number ("１，４３８", "52.5％"…) checked against the unit; None when left empty.

    The same check serves the entry form, target revisions and spreadsheet uploads; "%" is
    accepted only for a percentage unit. Raises ValidationError with a numbers.* message.
    """
    raw = (raw or "").strip()
    if raw == "":
        return None
    if unicodedata.normalize("NFKC", raw).endswith("%") and unit.kind != "percent":
        raise ValidationError(gettext(PERCENT_NOT_ALLOWED).format(unit=unit.label))
    try:
        value = numbers.parse_number(raw)
        numbers.check_for_unit(value, kind=unit.kind, decimals=unit.decimals)
    except numbers.OutOfRange:
        if unit.kind == "percent":
            raise ValidationError(gettext(numbers.PERCENT_RANGE)) from None
        raise ValidationError(gettext(OUT_OF_RANGE).format(unit=unit.label)) from None
    except numbers.NumberError as err:
        raise ValidationError(gettext(err.template).format(**err.params)) from None
    return value


def no_markup(value: str | None) -> None:
    """Text only: no HTML tags (MARKUP). Raises ValidationError."""
    if _MARKUP.search(value or ""):
        raise ValidationError(gettext(MARKUP))


def normalize_text(value: str | None) -> str:
    """Text as we store it: stripped, with one kind of line break ("\n"). A browser sends a
    textarea's breaks as CRLF and an XLSX cell reads back LF, so both are stored as LF."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _plain_text(value: str) -> str:
    """Notes and sources: plain text a spreadsheet can hold. Raises ValidationError."""
    value = normalize_text(value)
    plain_characters(value)
    if _MARKUP.search(value):
        raise ValidationError(gettext(MARKUP))
    return value


NOTE_MAX = 2000
SOURCE_MAX = 300


class ValueEntryForm(forms.Form):
    kpi_id = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    value = forms.CharField(
        label="実績値",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 12}),
    )
    status = forms.ChoiceField(label="区分", choices=ValueStatus.choices)
    note = forms.CharField(
        label="備考", required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    source = forms.CharField(label="出典", required=False, max_length=SOURCE_MAX)
    # Shown for cumulative (累計) KPIs: a value below last year's is questioned (issue 12).
    confirm_decrease = forms.BooleanField(label="累計の減少を確認した", required=False)

    def __init__(
        self, *args, kpi: Kpi, locked: bool = False, previous: Decimal | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        self.locked = locked
        self.previous = previous
        if not kpi.cumulative:
            del self.fields["confirm_decrease"]
        if kpi.target_kind == TargetKind.MILESTONE:
            # A schedule's value is the step reached: a choice, not a number.
            self.fields["value"].widget = forms.Select(choices=step_choices(kpi))
        for name in ("value", "note", "source"):
            for validator in self.fields[name].validators:
                if isinstance(validator, ProhibitNullCharactersValidator):
                    validator.message = gettext(NULL_CHARACTER)
        if locked:
            for name in ("value", "status", "note", "source"):
                self.fields[name].disabled = True

    def clean_kpi_id(self) -> int:
        kpi_id = self.cleaned_data["kpi_id"]
        if kpi_id != self.kpi.id:
            raise ValidationError(gettext(FORGED_KPI))
        return kpi_id

    def clean_value(self):
        if self.kpi.target_kind == TargetKind.MILESTONE:
            return step_reached(self.cleaned_data.get("value"), self.kpi)
        return number_for_unit(self.cleaned_data.get("value"), self.kpi.unit)

    def clean(self):
        cleaned = super().clean()
        value = cleaned.get("value")
        if (
            self.kpi.cumulative
            and not self.locked
            and value is not None
            and self.previous is not None
            and value < self.previous
            and not cleaned.get("confirm_decrease")
        ):
            self.add_error(
                "value",
                gettext(CUMULATIVE_DECREASE).format(
                    previous=f"{self.kpi.unit.format(self.previous)}{self.kpi.unit.label}"
                ),
            )
        return cleaned

    def clean_note(self) -> str:
        return _plain_text(self.cleaned_data.get("note"))

    def clean_source(self) -> str:
        return _plain_text(self.cleaned_data.get("source"))


def step_choices(kpi: Kpi) -> list[tuple[str, str]]:
    """A milestone KPI's value choices: ("", 未入力), ("0", "0. 未着手"), ("1", "1. 検討（…予定）")…"""
    choices = [("", "未入力"), ("0", "0. 未着手")]
    choices += [
        (str(s.order), f"{s.order}. {s.label}（{fy_text(s.due_fy)}予定）") for s in kpi.steps.all()
    ]
    return choices


def step_reached(raw: str | None, kpi: Kpi) -> Decimal | None:
    """The step a milestone KPI has reached, from its number (0 = none) or its name; None
    when left empty. Raises ValidationError(NO_SUCH_STEP)."""
    raw = unicodedata.normalize("NFKC", raw or "").strip()
    if raw == "":
        return None
    steps = list(kpi.steps.all())
    by_name = {s.label: s.order for s in steps}
    if raw in by_name:
        return Decimal(by_name[raw])
    if raw.isascii() and raw.isdigit() and int(raw) <= len(steps):
        return Decimal(int(raw))
    raise ValidationError(
        gettext(NO_SUCH_STEP).format(n=len(steps), names="、".join(s.label for s in steps) or "—")
    )


class BaseValueEntryFormSet(BaseFormSet):
    """One form per KPI the user may edit, in the order of `kpis`, whatever the post claims.

    The management form is the client's word only: a forged TOTAL_FORMS (huge, negative, not a
    number, missing) must neither build forms that have no KPI nor drop rows, so the count of
    forms is always len(kpis) and a count that differs is refused as a forged page (FORGED_KPI).
    """

    default_error_messages = {
        "missing_management_form": FORGED_KPI,
        "too_many_forms": FORGED_KPI,
        "too_few_forms": FORGED_KPI,
    }

    def __init__(
        self,
        *args,
        kpis: list[Kpi],
        locked: set[int],
        previous: dict[int, Decimal] | None = None,
        **kwargs,
    ):
        self.kpis = kpis
        self.locked = locked
        self.previous = previous or {}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.kpis):
            kpi = self.kpis[index]
            kwargs.update(kpi=kpi, locked=kpi.id in self.locked, previous=self.previous.get(kpi.id))
        return kwargs

    def total_form_count(self) -> int:
        return len(self.kpis)

    def initial_form_count(self) -> int:
        # Every row is an initial form: a forged INITIAL_FORMS would otherwise make rows
        # "extra" and skip their validation when unchanged.
        return len(self.kpis)

    def clean(self):
        if not self.is_bound or self._non_form_errors:
            return
        # The page renders TOTAL = INITIAL = len(kpis) and the fixed MIN/MAX: anything else
        # was not sent by our page.
        claimed = self.management_form.cleaned_data
        expected = {
            TOTAL_FORM_COUNT: len(self.kpis),
            INITIAL_FORM_COUNT: len(self.kpis),
            MIN_NUM_FORM_COUNT: self.min_num,
            MAX_NUM_FORM_COUNT: self.max_num,
        }
        if any(claimed.get(name) not in (None, value) for name, value in expected.items()):
            raise ValidationError(gettext(FORGED_KPI))


def validate_value_row(
    kpi: Kpi,
    *,
    value: str,
    status: str,
    note: str,
    source: str,
    version: int,
    previous: Decimal | None = None,
) -> tuple[dict | None, str]:
    """Check one row of a spreadsheet upload with the entry form itself, so that every check
    the form makes (lengths, characters, markup, the unit's number rules) applies to uploads.

    Returns (cleaned data, "") or (None, message) for the first error, the message prefixed
    with the field's label ("備考: …") except for the value's own number rules.
    """
    form = ValueEntryForm(
        data={
            "kpi_id": kpi.id,
            "version": version,
            "value": value,
            "status": status,
            "note": note,
            "source": source,
        },
        kpi=kpi,
        previous=previous,
    )
    if form.is_valid():
        return form.cleaned_data, ""
    if "value" in form.errors:
        return None, str(form.errors["value"][0])  # the number rules name the value already
    for name in ("status", "note", "source", "kpi_id", "version"):
        if name in form.errors:
            return None, f"{form.fields[name].label}: {form.errors[name][0]}"
    return None, str(next(iter(form.errors.values()))[0])


ValueEntryFormSet = formset_factory(
    ValueEntryForm,
    formset=BaseValueEntryFormSet,
    extra=0,
    max_num=1000,
    absolute_max=1000,
    validate_max=True,
)


class ReopenForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label="確定を解除する理由", max_length=500)


class TargetRevisionForm(forms.ModelForm):
    class Meta:
        model = TargetRevision
        fields = [
            "effective_fy",
            "target_fy",
            "kind",
            "value",
            "text",
            "decided_on",
            "reason",
            "source_document",
        ]
        # The model's Japanese verbose names, translatable here without a migration.
        labels = {
            "effective_fy": gettext_lazy("適用開始年度"),
            "target_fy": gettext_lazy("目標年度"),
            "kind": gettext_lazy("目標の種類"),
            "value": gettext_lazy("目標値"),
            "text": gettext_lazy("目標（原文）"),
            "decided_on": gettext_lazy("決定日"),
            "reason": gettext_lazy("理由"),
            "source_document": gettext_lazy("根拠資料"),
        }
        widgets = {"decided_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, kpi: Kpi, **kwargs):
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        self.instance.kpi = kpi
        years = [(fy, fy) for fy in kpi.plan.fiscal_years]
        self.fields["effective_fy"] = forms.TypedChoiceField(
            label=gettext_lazy("適用開始年度"), choices=years, coerce=int
        )
        self.fields["target_fy"] = forms.TypedChoiceField(
            label=gettext_lazy("目標年度"), choices=years, coerce=int
        )
        self.fields["value"] = forms.CharField(label=gettext_lazy("目標値"), required=False)

    def clean_value(self):
        return number_for_unit(self.cleaned_data.get("value"), self.kpi.unit)

    def clean(self):
        data = super().clean()
        kind, value = data.get("kind"), data.get("value")
        if kind in (TargetKind.AT_LEAST, TargetKind.AT_MOST) and value is None:
            self.add_error("value", "この種類の目標には目標値が必要です。")
        if (
            kind in (TargetKind.INCREASE, TargetKind.DECREASE, TargetKind.NONE)
            and value is not None
        ):
            self.add_error("value", "この種類の目標には目標値を入力しないでください。")
        effective, target = data.get("effective_fy"), data.get("target_fy")
        if effective and target and effective > target:
            self.add_error("target_fy", "目標年度は適用開始年度以降にしてください。")
        return data

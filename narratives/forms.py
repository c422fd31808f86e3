"""Forms for initiative progress, KPI commentary and the reviewer's decision.

Text is checked as the value notes are (kpi/forms.py: no markup, no NUL, a length limit);
amounts are typed as staff type them ("１，２００", "1,200") and must be whole 千円 ≥ 0.
The services check everything again, so a forged post changes nothing either.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kpi import numbers
from kpi.forms import NULL_CHARACTER, _plain_text

from . import review
from .models import AMOUNT_INVALID, AMOUNT_MAX, COMMENT_MAX, TEXT_MAX, TOO_LONG


def _text_field(label, limit: int = TEXT_MAX, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit}),
    )


class PlainTextForm(forms.Form):
    """Every text field: NUL refused in Japanese, markup refused, surrounding space removed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            for validator in field.validators:
                if isinstance(validator, ProhibitNullCharactersValidator):
                    validator.message = gettext(NULL_CHARACTER)

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField) and isinstance(data.get(name), str):
                try:
                    data[name] = _plain_text(data[name])
                except ValidationError as err:
                    self.add_error(name, err)
        return data


def _amount(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if raw == "":
        return None
    try:
        value = numbers.parse_number(raw)
    except numbers.NumberError:
        raise ValidationError(AMOUNT_INVALID) from None
    if value < 0 or value != value.to_integral_value() or value > Decimal(AMOUNT_MAX):
        raise ValidationError(AMOUNT_INVALID)
    return int(value)


class ProgressForm(PlainTextForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    rating = forms.ChoiceField(label=_("進捗の評価"), required=False)
    done = _text_field(_("取組実績"))
    results = _text_field(_("成果"))
    issues = _text_field(_("課題"))
    next_steps = _text_field(_("今後の方向性"))
    budget = forms.CharField(label=_("予算額（千円）"), required=False, max_length=30)
    settled = forms.CharField(label=_("決算額（千円）"), required=False, max_length=30)
    actions_carried_out = forms.TypedMultipleChoiceField(
        label=_("実施した取組内容"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, scale, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [("", _("（未評価）"))] + [
            (r.key, f"{r.key} {r.label}") for r in scale
        ]
        self.fields["actions_carried_out"].choices = [(a.order, a.text) for a in actions]
        for name in ("budget", "settled"):
            self.fields[name].widget.attrs.update(inputmode="numeric", autocomplete="off", size=14)

    def clean_budget(self):
        return _amount(self.cleaned_data.get("budget"))

    def clean_settled(self):
        return _amount(self.cleaned_data.get("settled"))


class CommentaryForm(PlainTextForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = _text_field(_("要因分析"))
    next_actions = _text_field(_("今後の取組"))


class ActForm(PlainTextForm):
    """Approve, return (with a comment) or withdraw a submitted entry."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action = forms.ChoiceField(
        choices=[(a, a) for a in (review.APPROVE, review.RETURN, review.WITHDRAW)]
    )
    comment = _text_field(_("コメント（差し戻しでは必須）"), limit=COMMENT_MAX, rows=3)

"""Forms of the staff and department pages (/manage/, kpi/staff_views.py).

The forms read the input; the rules (a taken user name, the password validators, a department's
unique code, the lockout guard) are the services' and the models' (kpi/staff.py), whose
ValidationErrors the views put back on these forms.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext, gettext_lazy

from initiatives.models import Organization

from . import roles
from .forms import NULL_CHARACTER, _plain_text
from .models import Department
from .staff import ROLE_LABELS, StaffInput

PASSWORDS_DIFFER = gettext_lazy(
    "確認のパスワードが一致しません。同じパスワードを2回入力してください。"
)


def _role_choices() -> list[tuple[str, str]]:
    return [(name, ROLE_LABELS[name]) for name in roles.STAFF_ROLES]


class StaffForm(forms.Form):
    last_name = forms.CharField(label=gettext_lazy("姓"), max_length=150, required=False)
    first_name = forms.CharField(label=gettext_lazy("名"), max_length=150, required=False)
    department = forms.ModelChoiceField(
        label=gettext_lazy("所属（所管課）"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=gettext_lazy("（所属なし）"),
        help_text=gettext_lazy("入力担当は、所属の所管課の成果指標を入力します。"),
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("役割"),
        choices=_role_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("利用中（ログインできる）"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "外すと利用停止になります。利用者は削除されません（変更履歴に名前が残るためです）。"
        ),
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(
            organization=organization
        ).order_by("code")
        for name in ("last_name", "first_name"):
            for validator in self.fields[name].validators:
                if isinstance(validator, ProhibitNullCharactersValidator):
                    validator.message = gettext(NULL_CHARACTER)

    # A name is text, as a note is: no markup, no control characters (kpi/forms.py).
    def clean_last_name(self) -> str:
        return _plain_text(self.cleaned_data.get("last_name"))

    def clean_first_name(self) -> str:
        return _plain_text(self.cleaned_data.get("first_name"))

    def staff_input(self) -> StaffInput:
        data = self.cleaned_data
        return StaffInput(
            department=data["department"],
            roles=tuple(data["roles"]),
            is_active=data["is_active"],
            last_name=data["last_name"],
            first_name=data["first_name"],
        )


class PasswordTwiceMixin:
    """A form with `password` and `password_again`: the two must be the same."""

    def clean(self):
        data = super().clean()
        first, again = data.get("password"), data.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", PASSWORDS_DIFFER)
        return data


class NewStaffForm(PasswordTwiceMixin, StaffForm):
    username = forms.CharField(
        label=gettext_lazy("ユーザー名"),
        max_length=150,
        help_text=gettext_lazy(
            "ログインに使う名前。半角の英字・数字と @ . + - _ が使えます（全角で書いた英数字は"
            "半角にして登録します。空白は使えません）。"
        ),
    )
    password = forms.CharField(
        label=gettext_lazy("初期パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "本人に安全な方法で伝え、最初のログインの後に変更してもらってください。"
        ),
    )
    password_again = forms.CharField(
        label=gettext_lazy("初期パスワード（確認）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = [
        "username",
        "last_name",
        "first_name",
        "password",
        "password_again",
        "department",
        "roles",
        "is_active",
    ]


class DepartmentForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("識別子"),
        max_length=50,
        help_text=gettext_lazy(
            "半角英数字・ハイフン・下線（例：joho-seisaku）。方針ファイルが所管課をこの識別子で指します。作成後は変更できません。"
        ),
    )
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)

    def clean_code(self) -> str:
        """Full-width letters and digits folded to half width (ｋｉｋａｋｕ is kikaku); then the
        model's own check says what is wrong, in words rather than Django's "slug"."""
        code = unicodedata.normalize("NFKC", self.cleaned_data["code"]).strip()
        if not re.fullmatch(r"[-a-zA-Z0-9_]+", code):
            raise forms.ValidationError(CODE_CHARACTERS, code="invalid")
        return code


CODE_CHARACTERS = gettext_lazy(
    "識別子は半角の英数字・ハイフン（-）・下線（_）だけで書いてください（例：joho-seisaku）。"
)


class DepartmentRenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)


class StaffPasswordForm(PasswordTwiceMixin, forms.Form):
    """A new password for a member, typed twice (kpi/staff.staff_set_password)."""

    password = forms.CharField(
        label=gettext_lazy("新しいパスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("本人に安全な方法で伝え、ログインの後に変更してもらってください。"),
    )
    password_again = forms.CharField(
        label=gettext_lazy("新しいパスワード（確認）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

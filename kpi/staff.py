"""An organization's staff and departments, as its admins manage them (issue 14; /manage/).

Writes are services: keyword-only, validated with the models' own checks (`full_clean`, the
password validators) before anything is saved, in one transaction. Users are never deleted
(history rows name them): a member who leaves is deactivated. An admin cannot take their own
admin role away nor deactivate themselves, so that an organization is never locked out by a
slip. Whether the acting user may manage the organization is the views' check
(kpi/permissions.is_admin); the services keep every object inside the one organization given.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from initiatives.models import Organization

from . import roles
from .models import Department, StaffProfile

ROLE_LABELS = {
    roles.ADMIN: gettext_lazy("管理者"),
    roles.EDITOR: gettext_lazy("入力担当"),
    roles.VIEWER: gettext_lazy("閲覧者"),
    roles.REVIEWER: gettext_lazy("承認者"),
}
OWN_ADMIN_ROLE = gettext_lazy(
    "自分の管理者の役割は外せません。ほかの管理者に依頼してください（誰も管理できなくなるのを防ぐためです）。"
)
OWN_DEACTIVATION = gettext_lazy(
    "自分自身を利用停止にはできません。ほかの管理者に依頼してください。"
)
DEPARTMENT_ELSEWHERE = gettext_lazy("所属はこの団体の所管課から選んでください。")
DEPARTMENT_IN_USE = gettext_lazy(
    "この所管課は成果指標・職員・取組項目で使われているため削除できません。名称の変更はできます。"
)


@dataclass(frozen=True)
class StaffInput:
    """What the admin chose for a member: department (or none), roles, active or not."""

    department: Department | None
    roles: tuple[str, ...]
    is_active: bool = True
    last_name: str = ""
    first_name: str = ""


def staff_of(organization: Organization) -> QuerySet:
    """The organization's staff profiles, with their users, departments and roles (3 queries
    when listed: profiles, then the users' groups)."""
    return (
        StaffProfile.objects.filter(organization=organization, user__is_superuser=False)
        .select_related("user", "department")
        .prefetch_related("user__groups")
        .order_by("-user__is_active", "department__name", "user__username")
    )


def departments_of(organization: Organization) -> QuerySet:
    return Department.objects.filter(organization=organization).order_by("code")


def role_names(user) -> list[str]:
    """The user's staff roles, in the order of roles.STAFF_ROLES (uses prefetched groups)."""
    names = {group.name for group in user.groups.all()}
    return [name for name in roles.STAFF_ROLES if name in names]


def _check_department(organization: Organization, department: Department | None) -> None:
    if department is not None and department.organization_id != organization.pk:
        raise ValidationError({"department": DEPARTMENT_ELSEWHERE})


def _set_roles(user, chosen: tuple[str, ...]) -> None:
    """The user's staff roles become `chosen`; other groups the user has are kept. The admin
    role brings staff status (the Django admin, scoped to the organization)."""
    wanted = {name for name in chosen if name in roles.STAFF_ROLES}
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.STAFF_ROLES}
    user.groups.remove(*[groups[n] for n in roles.STAFF_ROLES if n not in wanted])
    user.groups.add(*[groups[n] for n in wanted])
    user._smartdocho_groups = None  # kpi.permissions caches the groups on the user
    if not user.is_superuser:
        user.is_staff = roles.ADMIN in wanted
        user.save(update_fields=["is_staff"])


USERNAME_NOT_ASCII = gettext_lazy(
    "ユーザー名は半角の英字・数字と @ . + - _ で書いてください（全角は半角に直して読みます）。"
)
# Django's own rule for ASCII user names ([\w.@+-] in ASCII), with our message.
_USERNAME = ASCIIUsernameValidator(message=USERNAME_NOT_ASCII)
USERNAME_LIKE_ANOTHER = gettext_lazy(
    "大文字・小文字の違いだけで同じになるユーザー名がすでにあります。別のユーザー名にしてください。"
)


@transaction.atomic
def staff_create(
    *, organization: Organization, username: str, password: str, data: StaffInput
) -> StaffProfile:
    """A new member of the organization's staff. Raises ValidationError (by field: username,
    password, department) and saves nothing when the user name is taken or invalid, the password
    fails the site's password validators, or the department is another organization's."""
    _check_department(organization, data.department)
    user_model = get_user_model()
    # Width folded first, as Django's own clean() would after the field checks: "ｅｄｉｔｏｒ－ｂ"
    # is "editor-b", and is compared (and refused) as that.
    username = unicodedata.normalize("NFKC", username).strip()
    user = user_model(
        username=username,
        last_name=data.last_name,
        first_name=data.first_name,
        is_active=data.is_active,
    )
    errors: dict[str, list] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as err:
        errors.update(err.message_dict)
    try:
        # Letters of other scripts that look like Latin ones ("еditor" with a Cyrillic е)
        # would pass for another person's name. (An empty name: full_clean's "required".)
        if username:
            _USERNAME(username)
    except ValidationError:
        errors["username"] = [USERNAME_NOT_ASCII]
    if "username" not in errors and user_model.objects.filter(username__iexact=username).exists():
        # Django compares user names exactly; "Editor" beside another organization's "editor"
        # would read as the same person in lists and histories.
        errors["username"] = [USERNAME_LIKE_ANOTHER]
    try:
        password_validation.validate_password(password, user)
    except ValidationError as err:
        errors["password"] = err.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    profile = StaffProfile(user=user, organization=organization, department=data.department)
    profile.full_clean()
    profile.save()
    _set_roles(user, data.roles)
    return profile


@transaction.atomic
def staff_update(*, actor, profile: StaffProfile, data: StaffInput) -> StaffProfile:
    """Change a member's name, department, roles and whether they may sign in. Raises
    ValidationError, changing nothing, when the actor would remove their own admin role or
    deactivate themselves, or the department is another organization's."""
    organization = profile.organization
    _check_department(organization, data.department)
    user = profile.user
    if user.pk == actor.pk:
        if roles.ADMIN not in data.roles and not actor.is_superuser:
            raise ValidationError({"roles": OWN_ADMIN_ROLE})
        if not data.is_active:
            raise ValidationError({"is_active": OWN_DEACTIVATION})
    user.last_name = data.last_name
    user.first_name = data.first_name
    user.is_active = data.is_active
    user.full_clean(exclude=["password"])
    user.save(update_fields=["last_name", "first_name", "is_active"])
    profile.department = data.department
    profile.full_clean()
    profile.save()
    _set_roles(user, data.roles)
    return profile


@transaction.atomic
def staff_set_password(*, profile: StaffProfile, password: str) -> None:
    """A new password for a member, set by their organization's admin (a member who forgot
    theirs, or is locked out, need not wait for the site's administrator).

    Raises ValidationError({"password": [...]}) and changes nothing when the password fails the
    site's password validators (AUTH_PASSWORD_VALIDATORS). On success the member's other
    sessions end (Django checks the password's hash on every request) and django-axes forgets
    their failed sign-ins, so they can sign in with it at once.
    """
    from axes.utils import reset as reset_failed_logins

    user = profile.user
    try:
        password_validation.validate_password(password, user)
    except ValidationError as err:
        raise ValidationError({"password": err.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    reset_failed_logins(username=user.get_username())


def department_create(*, organization: Organization, code: str, name: str) -> Department:
    """A new department of the organization. Raises ValidationError (the model's own checks,
    the uniqueness of the code included) and saves nothing."""
    department = Department(organization=organization, code=code, name=name)
    try:
        department.full_clean()
    except ValidationError as err:
        # The model's only checks on several fields are the code's uniqueness (per
        # organization): said at the code field, where the form can point to it.
        if hasattr(err, "error_dict") and NON_FIELD_ERRORS in err.error_dict:
            err.error_dict.setdefault("code", []).extend(err.error_dict.pop(NON_FIELD_ERRORS))
        raise
    department.save()
    return department


def department_rename(*, department: Department, name: str) -> Department:
    """A department's new name. Its code stays: plan files name the department by it."""
    department.name = name
    department.full_clean()
    department.save(update_fields=["name"])
    return department


def department_in_use(department: Department) -> bool:
    """Whether anything points at the department (KPIs, staff, initiative items, …)."""
    return department.pk in departments_in_use([department.pk])


def departments_in_use(pks: list[int]) -> set[int]:
    """Which of these departments anything points at: one query per kind of thing that can
    (every relation to Department, narratives' included without importing them), whatever the
    number of departments."""
    used: set[int] = set()
    for relation in Department._meta.related_objects:
        column = f"{relation.field.name}_id"
        used.update(
            relation.related_model.objects.filter(**{f"{column}__in": pks})
            .values_list(column, flat=True)
            .distinct()
        )
    return used


@transaction.atomic
def department_delete(*, department: Department) -> None:
    """Delete a department nothing uses. Raises ValidationError when something does."""
    if department_in_use(department):
        raise ValidationError(DEPARTMENT_IN_USE)
    department.delete()

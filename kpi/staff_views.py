"""Staff and department pages (/manage/staff/, /manage/departments/): an organization's admins
manage their own staff and departments (kpi/staff.py does the writes).

Every page is an admin's of one organization: their own; a superuser (the site's administrator)
chooses one with ?org=<slug>. Another organization's member or department, in the URL or in the
posted fields, is not found (404) or refused (403), and nothing changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from initiatives.models import Organization

from . import permissions, staff
from .models import Department, StaffProfile
from .staff_forms import (
    DepartmentForm,
    DepartmentRenameForm,
    NewStaffForm,
    StaffForm,
    StaffPasswordForm,
)

ADMIN_ONLY = gettext_lazy("この操作は管理者だけができます。")
OTHER_ORGANIZATION = gettext_lazy("ほかの団体の所管課は選べません。")


def _organization(request: HttpRequest) -> Organization:
    """The organization the page manages: the admin's own; the one of ?org= for a superuser."""
    user = request.user
    if permissions.is_site_admin(user):
        slug = request.GET.get("org")
        if slug:
            return get_object_or_404(Organization, slug=slug)
        own = permissions.organization_id(user)
        found = Organization.objects.filter(pk=own).first() if own else None
        found = found or Organization.objects.order_by("name").first()
        if found is None:
            raise Http404
        return found
    if not permissions.is_admin_anywhere(user):
        raise PermissionDenied(ADMIN_ONLY)
    return Organization.objects.get(pk=permissions.organization_id(user))


def _profile(request: HttpRequest, user_id: int) -> StaffProfile:
    """A member of the organization the user manages; anyone else's answers 404."""
    if not permissions.is_admin_anywhere(request.user):
        raise PermissionDenied(ADMIN_ONLY)
    profiles = StaffProfile.objects.select_related("user", "department", "organization")
    if not permissions.is_site_admin(request.user):
        profiles = profiles.filter(
            organization_id=permissions.organization_id(request.user), user__is_superuser=False
        )
    profile = get_object_or_404(profiles, user_id=user_id)
    if profile.organization is None:
        raise Http404
    return profile


def _department(request: HttpRequest, pk: int) -> Department:
    if not permissions.is_admin_anywhere(request.user):
        raise PermissionDenied(ADMIN_ONLY)
    departments = Department.objects.select_related("organization")
    if not permissions.is_site_admin(request.user):
        departments = departments.filter(organization_id=permissions.organization_id(request.user))
    department = get_object_or_404(departments, pk=pk)
    if department.organization is None:
        raise Http404
    return department


def _refuse_other_organizations_department(request: HttpRequest, org: Organization) -> None:
    """A posted department of another organization is a forged form: 403, nothing saved."""
    raw = (request.POST.get("department") or "").strip()
    if raw.isdigit() and (
        Department.objects.filter(pk=int(raw)).exclude(organization=org).exists()
    ):
        raise PermissionDenied(OTHER_ORGANIZATION)


def _put_errors(form, err: ValidationError) -> None:
    """A service's ValidationError, back on the form's fields (or the whole form)."""
    if hasattr(err, "error_dict"):
        for field, errors in err.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, err.messages)


def error_list(form) -> list[dict]:
    """The form's errors for the error summary: each message with the id of its field."""
    found = []
    for name, errors in form.errors.items():
        if name in form.fields:
            field_id = form[name].auto_id
        else:
            field_id = "manage-form"
        found += [{"field_id": field_id, "message": message} for message in errors]
    return found


def _with_org(url: str, org: Organization, request: HttpRequest) -> str:
    if permissions.is_site_admin(request.user):
        return f"{url}?{urlencode({'org': org.slug})}"
    return url


def _context(request: HttpRequest, org: Organization, **more) -> dict:
    context = {
        "organization": org,
        "site_admin": permissions.is_site_admin(request.user),
        "staff_url": _with_org(reverse("staff_list"), org, request),
        "departments_url": _with_org(reverse("department_list"), org, request),
        "new_staff_url": _with_org(reverse("staff_new"), org, request),
        "new_department_url": _with_org(reverse("department_new"), org, request),
    }
    if context["site_admin"]:
        context["organizations"] = Organization.objects.order_by("name")
    context.update(more)
    if "form" in context:
        context["errors"] = error_list(context["form"])
    return context


def _form_status(request: HttpRequest) -> int:
    """400 for a form shown again after a POST (it was refused, with its messages), else 200."""
    return 400 if request.method == "POST" else 200


@login_required
@require_http_methods(["GET", "HEAD"])
def staff_list(request: HttpRequest) -> HttpResponse:
    org = _organization(request)
    rows = [
        {
            "profile": profile,
            "roles": [staff.ROLE_LABELS[r] for r in staff.role_names(profile.user)],
        }
        for profile in staff.staff_of(org)
    ]
    return render(request, "kpi/staff_list.html", _context(request, org, rows=rows))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_new(request: HttpRequest) -> HttpResponse:
    org = _organization(request)
    form = NewStaffForm(request.POST or None, organization=org)
    if request.method == "POST":
        _refuse_other_organizations_department(request, org)
        if form.is_valid():
            try:
                profile = staff.staff_create(
                    organization=org,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    data=form.staff_input(),
                )
            except ValidationError as err:
                _put_errors(form, err)
            else:
                messages.success(
                    request,
                    gettext("%(name)s さんを登録しました。") % {"name": profile.user.username},
                )
                return redirect(_with_org(reverse("staff_list"), org, request))
    return render(
        request,
        "kpi/staff_form.html",
        _context(request, org, form=form, member=None),
        status=_form_status(request),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """A new password for a member of the admin's organization (kpi/staff.staff_set_password)."""
    profile = _profile(request, user_id)
    org = profile.organization
    form = StaffPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_set_password(profile=profile, password=form.cleaned_data["password"])
        except ValidationError as err:
            _put_errors(form, err)
        else:
            if profile.user_id == request.user.pk:
                # Their own: this session stays signed in (the others end).
                update_session_auth_hash(request, profile.user)
            messages.success(
                request,
                gettext("%(name)s さんのパスワードを設定しました。本人に伝えてください。")
                % {"name": profile.user.username},
            )
            return redirect(_with_org(reverse("staff_list"), org, request))
    return render(
        request,
        "kpi/staff_password.html",
        _context(
            request,
            org,
            form=form,
            member=profile,
            edit_url=_with_org(reverse("staff_edit", args=[profile.user_id]), org, request),
        ),
        status=_form_status(request),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    profile = _profile(request, user_id)
    org = profile.organization
    user = profile.user
    initial = {
        "last_name": user.last_name,
        "first_name": user.first_name,
        "department": profile.department_id,
        "roles": staff.role_names(user),
        "is_active": user.is_active,
    }
    form = StaffForm(request.POST or None, initial=initial, organization=org)
    if request.method == "POST":
        _refuse_other_organizations_department(request, org)
        if form.is_valid():
            try:
                staff.staff_update(actor=request.user, profile=profile, data=form.staff_input())
            except ValidationError as err:
                _put_errors(form, err)
            else:
                messages.success(
                    request,
                    gettext("%(name)s さんの設定を保存しました。") % {"name": user.username},
                )
                return redirect(_with_org(reverse("staff_list"), org, request))
    return render(
        request,
        "kpi/staff_form.html",
        _context(
            request,
            org,
            form=form,
            member=profile,
            password_url=_with_org(reverse("staff_password", args=[user.pk]), org, request),
        ),
        status=_form_status(request),
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def department_list(request: HttpRequest) -> HttpResponse:
    org = _organization(request)
    departments = list(staff.departments_of(org))
    in_use = staff.departments_in_use([d.pk for d in departments])
    rows = [{"department": d, "in_use": d.pk in in_use} for d in departments]
    return render(request, "kpi/department_list.html", _context(request, org, rows=rows))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def department_new(request: HttpRequest) -> HttpResponse:
    org = _organization(request)
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = staff.department_create(organization=org, **form.cleaned_data)
        except ValidationError as err:
            _put_errors(form, err)
        else:
            messages.success(
                request, gettext("所管課「%(name)s」を追加しました。") % {"name": department.name}
            )
            return redirect(_with_org(reverse("department_list"), org, request))
    return render(
        request,
        "kpi/department_form.html",
        _context(request, org, form=form, department=None),
        status=_form_status(request),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request, pk)
    org = department.organization
    form = DepartmentRenameForm(request.POST or None, initial={"name": department.name})
    if request.method == "POST" and form.is_valid():
        try:
            staff.department_rename(department=department, name=form.cleaned_data["name"])
        except ValidationError as err:
            _put_errors(form, err)
        else:
            messages.success(request, gettext("所管課の名称を変更しました。"))
            return redirect(_with_org(reverse("department_list"), org, request))
    in_use = staff.department_in_use(department)
    return render(
        request,
        "kpi/department_form.html",
        _context(request, org, form=form, department=department, in_use=in_use),
        status=_form_status(request),
    )


@login_required
@require_POST
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    department = _department(request, pk)
    org = department.organization
    try:
        staff.department_delete(department=department)
    except ValidationError as err:
        messages.error(request, " ".join(err.messages))
        return redirect(_with_org(reverse("department_edit", args=[pk]), org, request))
    messages.success(
        request, gettext("所管課「%(name)s」を削除しました。") % {"name": department.name}
    )
    return redirect(_with_org(reverse("department_list"), org, request))

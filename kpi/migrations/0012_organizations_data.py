"""Existing departments and staff profiles belong to the organization of the current (else the
first) plan; a user in a role group without a profile gets one there, so that their role keeps
counting (roles act only inside the user's organization)."""

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    Plan = apps.get_model("initiatives", "Plan")
    Department = apps.get_model("kpi", "Department")
    StaffProfile = apps.get_model("kpi", "StaffProfile")
    plan = Plan.objects.filter(is_current=True).first() or Plan.objects.order_by("pk").first()
    if plan is None:
        return
    Department.objects.filter(organization__isnull=True).update(
        organization_id=plan.organization_id
    )
    StaffProfile.objects.filter(organization__isnull=True).update(
        organization_id=plan.organization_id
    )
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    roles = ("管理者", "入力担当", "閲覧者", "承認者")
    for user in User.objects.filter(groups__name__in=roles, staff_profile__isnull=True).distinct():
        StaffProfile.objects.create(user=user, organization_id=plan.organization_id)


class Migration(migrations.Migration):
    dependencies = [
        ("kpi", "0011_organizations"),
        ("initiatives", "0007_organizations_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

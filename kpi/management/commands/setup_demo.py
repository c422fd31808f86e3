"""Set up a development database: schema, the real policy, sample values, demo users.

Idempotent: running it again changes nothing. It refuses to run with DEBUG off, because the
demo users' passwords are published in the README.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kpi import roles
from kpi.models import Department, Kpi, StaffProfile

PLAN_FIXTURE = "hokkaido_smart_docho_3"
SAMPLE_FIXTURE = "sample_values"
PLAN_SLUG = "hokkaido-smart-docho-3"

# Demo only: the source names no owner for any KPI.
DEMO_DEPARTMENTS = {
    "joho-seisaku": ("情報政策課", ("1-", "2-")),
    "demo-jinzai": ("人材育成担当課（デモ）", ("3-",)),
}

# (user name, password, role, department code, superuser)
DEMO_USERS = (
    ("admin", "smartdocho-admin", roles.ADMIN, None, True),
    ("editor", "smartdocho-editor", roles.EDITOR, "joho-seisaku", False),
    ("editor2", "smartdocho-editor2", roles.EDITOR, "demo-jinzai", False),
    ("viewer", "smartdocho-viewer", roles.VIEWER, None, False),
)


class Command(BaseCommand):
    help = "開発用のデータベースを準備します（方針・サンプル値・デモ利用者）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="DEBUG が無効でも実行する（公開環境では使わないこと）。",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "デモ利用者のパスワードは公開されているため、DEBUG が無効な環境では実行しません。"
            )
        call_command("migrate", interactive=False, verbosity=0)
        with transaction.atomic():
            call_command("loaddata", PLAN_FIXTURE, verbosity=0)
            call_command("loaddata", SAMPLE_FIXTURE, verbosity=0)
            self._departments()
            self._users()
            call_command("setup_narratives_demo", force=force, verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                "準備ができました: 実際の方針と、架空のサンプル値、デモ利用者を読み込みました。"
            )
        )

    def _departments(self) -> None:
        kpis = list(Kpi.objects.filter(plan__slug=PLAN_SLUG))
        for code, (name, prefixes) in DEMO_DEPARTMENTS.items():
            dept, _ = Department.objects.update_or_create(code=code, defaults={"name": name})
            for kpi in kpis:
                if kpi.department_id is None and kpi.code.startswith(prefixes):
                    kpi.department = dept
                    kpi.save(update_fields=["department"])

    def _users(self) -> None:
        User = get_user_model()
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
        for username, password, role, dept_code, superuser in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": role == roles.ADMIN, "is_superuser": superuser},
            )
            if created:
                user.set_password(password)
                user.save()
            user.groups.add(groups[role])
            if dept_code:
                StaffProfile.objects.update_or_create(
                    user=user, defaults={"department": Department.objects.get(code=dept_code)}
                )

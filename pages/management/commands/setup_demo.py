"""Set up a development database: schema, the real policy, sample values, demo users.

Running it again never resets what staff entered: the plan is loaded only when it is not in the
database yet (an existing one is left as it is; `import_plan --dry-run` shows what the file would
change), sample values only into a plan that has no values, departments only into the plan it
has just loaded, and demo users only where no user of that name exists. It says what it did and
what it left alone. It refuses to run with DEBUG off, because the demo users' passwords are
published in the README.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from initiatives.models import Plan
from kpi import roles
from kpi.models import Department, Kpi, KpiValue, StaffProfile

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
        done: list[str] = []
        with transaction.atomic():
            if Plan.objects.filter(slug=PLAN_SLUG).exists():
                done.append(
                    "方針はすでにあるため、そのままにしました"
                    "（ファイルとの違いは import_plan --dry-run で確認できます）。"
                )
            else:
                call_command("loaddata", PLAN_FIXTURE, verbosity=0)
                _first_history(Kpi, Kpi.objects.filter(plan__slug=PLAN_SLUG), "方針の読み込み")
                self._departments()
                done.append("実際の方針を読み込み、デモ用の所管課を割り当てました。")
            if KpiValue.objects.filter(kpi__plan__slug=PLAN_SLUG).exists():
                done.append("方針に実績値がすでにあるため、サンプル値は読み込みませんでした。")
            else:
                call_command("loaddata", SAMPLE_FIXTURE, verbosity=0)
                _first_history(
                    KpiValue,
                    KpiValue.objects.filter(kpi__plan__slug=PLAN_SLUG),
                    "サンプル値の読み込み",
                )
                done.append("架空のサンプル値を読み込みました。")
            created, kept = self._users()
            if created:
                done.append("デモ利用者を作成しました: " + ", ".join(created))
            if kept:
                done.append("すでにある利用者はそのままにしました: " + ", ".join(kept))
            # Sample progress and commentary; it adds only what is missing, like the rest.
            call_command("setup_narratives_demo", force=force, verbosity=0)
        for line in done:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("準備ができました。"))
        self._next_steps()

    def _next_steps(self) -> None:
        """Where to open the app and who to sign in as: the last lines a newcomer reads."""
        from narratives import roles as narrative_roles
        from narratives.demo import REVIEWER

        self.stdout.write(
            "サーバーを起動して（manage.py runserver 127.0.0.1:8000）、"
            "http://127.0.0.1:8000/ を開いてください。"
        )
        self.stdout.write("デモ利用者（ユーザー名 / パスワード / 役割）：")
        users = [(u, p, role) for u, p, role, _dept, _su in DEMO_USERS]
        users.append((REVIEWER[0], REVIEWER[1], f"{narrative_roles.REVIEWER} + {roles.VIEWER}"))
        for username, password, role in users:
            self.stdout.write(f"  {username} / {password} / {role}")
        self.stdout.write("（すでにあった利用者のパスワードは変えていません。）")

    def _departments(self) -> None:
        kpis = list(Kpi.objects.filter(plan__slug=PLAN_SLUG).select_related("plan"))
        organization = kpis[0].plan.organization_id if kpis else None
        for code, (name, prefixes) in DEMO_DEPARTMENTS.items():
            dept, _ = Department.objects.update_or_create(
                code=code, organization_id=organization, defaults={"name": name}
            )
            for kpi in kpis:
                if kpi.department_id is None and kpi.code.startswith(prefixes):
                    kpi.department = dept
                    kpi.save(update_fields=["department"])

    def _users(self) -> tuple[list[str], list[str]]:
        """Demo users that do not exist yet, with their role and department; others untouched."""
        User = get_user_model()
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
        created, kept = [], []
        for username, password, role, dept_code, superuser in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                kept.append(username)
                continue
            user = User.objects.create_user(
                username,
                password=password,
                is_staff=role == roles.ADMIN,
                is_superuser=superuser,
            )
            user.groups.add(groups[role])
            # Every demo user works for the demo plan's organization (roles count only there);
            # the superuser is the site's administrator and needs none.
            plan = Plan.objects.filter(slug=PLAN_SLUG).first()
            department = (
                Department.objects.filter(code=dept_code, organization=plan.organization_id).first()
                if dept_code and plan is not None
                else None
            )
            if plan is not None and not superuser:
                StaffProfile.objects.create(
                    user=user, department=department, organization_id=plan.organization_id
                )
            created.append(username)
        return created, kept


def _first_history(model, queryset, reason: str) -> None:
    """A first history row ("登録") for each object `loaddata` created without one: fixture
    loads are raw saves, which simple-history does not record, and without that row the first
    change of a loaded value would read as a new entry with no old value, and the value would
    be missing from the history as of any date."""
    recorded = model.history.values("id")
    missing = list(queryset.exclude(pk__in=recorded))
    if missing:
        model.history.bulk_history_create(missing, default_change_reason=reason)

"""Set up a development database: schema, the real policy, sample values, demo users, and a
second, invented organization (サンプル市（架空）) with its own small plan, values and users.

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
# The second organization (issue 14): an invented city, its plan written from the blank
# template with every target shape, its invented values and departments all in its fixtures.
CITY_PLAN_FIXTURE = "sample_city_dx_1"
CITY_SAMPLE_FIXTURE = "sample_city_values"
CITY_PLAN_SLUG = "sample-city-dx-1"

# Demo only: the source names no owner for any KPI.
DEMO_DEPARTMENTS = {
    "joho-seisaku": ("情報政策課", ("1-", "2-")),
    "demo-jinzai": ("人材育成担当課（デモ）", ("3-",)),
}

# (user name, password, role, department code, superuser, plan whose organization they serve)
DEMO_USERS = (
    ("admin", "smartdocho-admin", roles.ADMIN, None, True, PLAN_SLUG),
    ("editor", "smartdocho-editor", roles.EDITOR, "joho-seisaku", False, PLAN_SLUG),
    ("editor2", "smartdocho-editor2", roles.EDITOR, "demo-jinzai", False, PLAN_SLUG),
    ("viewer", "smartdocho-viewer", roles.VIEWER, None, False, PLAN_SLUG),
    ("city-admin", "smartdocho-city-admin", roles.ADMIN, None, False, CITY_PLAN_SLUG),
    (
        "city-editor",
        "smartdocho-city-editor",
        roles.EDITOR,
        "sample-city-digital",
        False,
        CITY_PLAN_SLUG,
    ),
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
        from narratives.demo import REVIEWER

        if not settings.DEBUG and not force:
            raise CommandError(
                "デモ利用者のパスワードは公開されているため、DEBUG が無効な環境では実行しません。"
            )
        call_command("migrate", interactive=False, verbosity=0)
        done: list[str] = []
        with transaction.atomic():
            if not _load_plan(PLAN_SLUG, PLAN_FIXTURE, "方針の読み込み"):
                done.append(
                    "方針はすでにあるため、そのままにしました"
                    "（ファイルとの違いは import_plan --dry-run で確認できます）。"
                )
            else:
                self._departments()
                done.append("実際の方針を読み込み、デモ用の所管課を割り当てました。")
            done.append(
                _load_values(
                    PLAN_SLUG,
                    SAMPLE_FIXTURE,
                    loaded="架空のサンプル値を読み込みました。",
                    kept="方針に実績値がすでにあるため、サンプル値は読み込みませんでした。",
                )
            )
            done.extend(self._sample_city())
            reviewer_existed = get_user_model().objects.filter(username=REVIEWER[0]).exists()
            created, kept = self._users()
            # Sample progress and commentary, and their reviewer; only what is missing.
            call_command("setup_narratives_demo", force=force, verbosity=0)
            (kept if reviewer_existed else created).append(REVIEWER[0])
            if created:
                done.append("デモ利用者を作成しました: " + ", ".join(created))
            if kept:
                done.append("すでにある利用者はそのままにしました: " + ", ".join(kept))
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
        self.stdout.write("デモ利用者（ユーザー名 / パスワード / 役割（団体））：")
        governments = dict(Plan.objects.values_list("slug", "government"))
        users = [
            (u, p, role, "サイト管理者" if su else governments.get(plan, ""))
            for u, p, role, _dept, su, plan in DEMO_USERS
        ]
        users.append(
            (
                REVIEWER[0],
                REVIEWER[1],
                f"{narrative_roles.REVIEWER} + {roles.VIEWER}",
                governments.get(PLAN_SLUG, ""),
            )
        )
        for username, password, role, where in users:
            self.stdout.write(f"  {username} / {password} / {role}（{where}）")
        self.stdout.write("（すでにあった利用者のパスワードは変えていません。）")

    def _sample_city(self) -> list[str]:
        """The invented second organization's plan and values, each only where it is missing."""
        if _load_plan(CITY_PLAN_SLUG, CITY_PLAN_FIXTURE, "サンプル方針の読み込み"):
            plan = "2つ目の団体として、架空のサンプル市とその方針を読み込みました。"
        else:
            plan = "サンプル市（架空）の方針はすでにあるため、そのままにしました。"
        values = _load_values(
            CITY_PLAN_SLUG,
            CITY_SAMPLE_FIXTURE,
            loaded="サンプル市の架空のサンプル値を読み込みました。",
            kept="サンプル市の方針に実績値がすでにあるため、サンプル値は読み込みませんでした。",
        )
        return [plan, values]

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
        for username, password, role, dept_code, superuser, plan_slug in DEMO_USERS:
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
            # Every demo user works for their plan's organization (roles count only there); the
            # superuser is the site's administrator and needs none.
            plan = Plan.objects.filter(slug=plan_slug).first()
            department = (
                Department.objects.filter(
                    code=dept_code, organization_id=plan.organization_id
                ).first()
                if dept_code and plan is not None
                else None
            )
            if plan is not None and not superuser:
                StaffProfile.objects.create(
                    user=user, department=department, organization_id=plan.organization_id
                )
            created.append(username)
        return created, kept


def _load_plan(slug: str, fixture: str, reason: str) -> bool:
    """Load the plan's fixture unless the plan is in the database; whether it was loaded."""
    if Plan.objects.filter(slug=slug).exists():
        return False
    call_command("loaddata", fixture, verbosity=0)
    _first_history(Kpi, Kpi.objects.filter(plan__slug=slug), reason)
    return True


def _load_values(slug: str, fixture: str, *, loaded: str, kept: str) -> str:
    """Load sample values only into a plan that has none; what was done, in words."""
    if KpiValue.objects.filter(kpi__plan__slug=slug).exists():
        return kept
    call_command("loaddata", fixture, verbosity=0)
    _first_history(KpiValue, KpiValue.objects.filter(kpi__plan__slug=slug), "サンプル値の読み込み")
    return loaded


def _first_history(model, queryset, reason: str) -> None:
    """A first history row ("登録") for each object `loaddata` created without one: fixture
    loads are raw saves, which simple-history does not record, and without that row the first
    change of a loaded value would read as a new entry with no old value, and the value would
    be missing from the history as of any date."""
    recorded = model.history.values("id")
    missing = list(queryset.exclude(pk__in=recorded))
    if missing:
        model.history.bulk_history_create(missing, default_change_reason=reason)

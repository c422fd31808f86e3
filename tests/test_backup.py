"""Backups restore what they promise: every table's rows come back, files are owner-only.

The portable backup (`export_plan --with-values`, restored with `import_plan`) leaves out, as
the README says: password hashes (restored users get an unusable password and keep their
active flag), sessions, login-throttling records (axes), the admin site's change log, the
history of objects deleted since, and other plans (one file per plan). `deploy/backup.sh` writes
one file per organization (`export_plan --organization`) and keeps the full copy alongside with
`pg_dump`.
"""

import datetime as dt
import io
import os
import stat
import subprocess
import sys
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from kpi import roles, services
from kpi.models import Kpi, KpiValue, PublishedReport, StaffProfile, TargetRevision
from tests.conftest import PLAN_SLUG, ROOT

# The page-cache counter (smartdocho/etags.py) is not data: every write moves it on.
LEFT_OUT = {"sessions.session", "admin.logentry", "smartdocho.dataversion"}
LEFT_OUT_APPS = {"axes"}
LEFT_OUT_FIELDS = {("auth.user", "password")}


def _key(model, pk, cache):
    """An object named by what it is, not by its id (ids differ after a restore)."""
    if pk is None:
        return None
    if (model, pk) not in cache:
        obj = model._base_manager.filter(pk=pk).first()
        if obj is None:
            cache[(model, pk)] = ("missing", model._meta.label_lower)
        elif hasattr(obj, "natural_key"):
            cache[(model, pk)] = (model._meta.label_lower, *obj.natural_key())
        else:
            cache[(model, pk)] = (model._meta.label_lower, *_row(obj, cache))
    return cache[(model, pk)]


def _row(obj, cache) -> tuple:
    label = obj._meta.label_lower
    instance_type = getattr(type(obj), "instance_type", None)  # a history model
    out = []
    for f in obj._meta.concrete_fields:
        if (label, f.name) in LEFT_OUT_FIELDS or f.name == "history_id":
            continue
        value = getattr(obj, f.attname)
        if instance_type is not None and f.name == "id":
            out.append(("of", _key(instance_type, value, cache)))
        elif f.is_relation:
            out.append((f.name, _key(f.related_model, value, cache)))
        elif f.primary_key:
            continue
        else:
            out.append((f.name, value))
    return tuple(out)


def _tables() -> dict[str, list[str]]:
    cache: dict = {}
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in LEFT_OUT or model._meta.app_label in LEFT_OUT_APPS:
            continue
        tables[label] = sorted(repr(_row(o, cache)) for o in model._base_manager.all())
    return tables


def _user(name, role=None, department=None, **flags):
    user = get_user_model().objects.create(username=name, **flags)
    user.set_unusable_password()
    user.save()
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if department:
        StaffProfile.objects.create(
            user=user, department=department, organization=department.organization
        )
    return user


@pytest.fixture
def lived_in(sample_values, departments):
    """A plan as it looks after a year of use: entries, edits, a revision, a published report."""
    owning, other = departments
    admin = _user("kanri", roles.ADMIN, is_staff=True, is_superuser=True, first_name="管理")
    editor = _user("editor", roles.EDITOR, owning, email="editor@example.jp")
    _user("retired", roles.EDITOR, other, is_active=False)
    _user("nobody")
    StaffProfile.objects.create(
        user=_user("unassigned", roles.VIEWER), department=None, organization=owning.organization
    )
    admins = Group.objects.get(name=roles.ADMIN)
    admins.permissions.add(Permission.objects.get(codename="change_kpi"))
    editor.user_permissions.add(Permission.objects.get(codename="view_kpivalue"))
    services.values_save(
        user=editor,
        fiscal_year=2025,
        rows=[
            services.ValueInput(
                kpi=Kpi.objects.get(code="2-1"), value=Decimal(155), status="preliminary", version=1
            )
        ],
    )
    kpi = Kpi.objects.get(code="1-1")
    kpi.note, kpi._change_reason = "注記を追加", "注記"
    kpi.save()
    services.target_revision_record(
        user=admin,
        revision=TargetRevision(
            kpi=Kpi.objects.get(code="1-2"),
            effective_fy=2024,
            target_fy=2025,
            kind="at_least",
            value=Decimal(300),
            decided_on=dt.date(2024, 5, 1),
            reason="上方修正",
        ),
    )
    PublishedReport.objects.create(
        plan=sample_values,
        fiscal_year=2024,
        published_by=admin,
        office="情報政策課",
        snapshot={"rows": [{"code": "0101", "value": "1.10", "note": "yes"}]},
    )
    return sample_values


# flush (TRUNCATE) inside the test's transaction is refused by PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_table_into_an_empty_database(lived_in, tmp_path):
    before = _tables()
    assert before["kpi.publishedreport"] and before["kpi.historicalkpi"]
    assert before["kpi.historicaltargetrevision"] and before["kpi.historicalkpivalue"]
    users = {
        u.username: (u.is_active, u.is_staff, u.is_superuser)
        for u in get_user_model().objects.all()
    }
    backup = tmp_path / "backup.yaml"
    call_command("export_plan", PLAN_SLUG, "--with-values", "-o", str(backup))
    assert "password" not in backup.read_text(encoding="utf-8")
    call_command("flush", interactive=False, verbosity=0)
    assert not KpiValue.objects.exists() and not get_user_model().objects.exists()
    call_command("import_plan", str(backup), stdout=io.StringIO())
    after = _tables()
    for label in before:
        assert after[label] == before[label], label
    restored = get_user_model().objects.all()
    assert {u.username: (u.is_active, u.is_staff, u.is_superuser) for u in restored} == users
    assert not any(u.has_usable_password() for u in restored)  # set with changepassword
    # Restoring the same backup again changes nothing.
    out = io.StringIO()
    call_command("import_plan", str(backup), stdout=out)
    assert "変更:" not in out.getvalue() and _tables() == after


@pytest.mark.django_db
def test_backup_file_is_readable_by_its_owner_only(sample_values, tmp_path):
    target = tmp_path / "backup.yaml"
    target.write_text("old")
    target.chmod(0o644)
    old = os.umask(0o022)
    try:
        call_command("export_plan", PLAN_SLUG, "--with-values", "-o", str(target))
        fresh = tmp_path / "fresh.yaml"
        call_command("export_plan", PLAN_SLUG, "--with-values", "-o", str(fresh))
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert target.read_text(encoding="utf-8").startswith("# smartdocho plan fixture")


def test_backup_script_writes_owner_only_files(tmp_path):
    """deploy/backup.sh as cron runs it, against a SQLite copy and a stand-in pg_dump."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env = {**clean, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for args in (["migrate", "-v0"], ["loaddata", "hokkaido_smart_docho_3", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"
    fake.write_text(
        '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = --file ] && out=$2; shift; done\n'
        'echo dump > "$out"\n'
    )
    fake.chmod(0o755)
    env_file = tmp_path / "env"
    env_file.write_text(f"DATABASE_URL={env['DATABASE_URL']}\n")
    backups = tmp_path / "backups"
    result = subprocess.run(
        ["bash", str(ROOT / "deploy" / "backup.sh")],
        env={
            **env,
            "PATH": f"{bin_dir}:{env['PATH']}",
            "SMARTDOCHO_HOME": str(ROOT),
            "SMARTDOCHO_ENV_FILE": str(env_file),
            "SMARTDOCHO_BACKUP_DIR": str(backups),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (day,) = backups.iterdir()
    files = sorted(p.name for p in day.iterdir())
    assert files == ["hokkaido.yaml", "smartdocho.dump"]  # one file per organization
    text = (day / "hokkaido.yaml").read_text(encoding="utf-8")
    assert f"slug: {PLAN_SLUG}\n" in text and "pbkdf2" not in text
    assert stat.S_IMODE(backups.stat().st_mode) == 0o700
    assert stat.S_IMODE(day.stat().st_mode) == 0o700
    for path in day.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name

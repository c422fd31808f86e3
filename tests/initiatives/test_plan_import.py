"""import_plan / export_plan: every fault reported, nothing written on error, a faithful round trip."""

import io
from decimal import Decimal

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from initiatives.models import Plan
from kpi import plan_io, services
from kpi.management.commands.import_plan import progress_bar
from kpi.models import Kpi, KpiValue
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

REAL = ROOT / "fixtures" / "hokkaido_smart_docho_3.yaml"
TEMPLATE = ROOT / "fixtures" / "templates" / "plan_template.yaml"


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "initiatives", "kpi", "auth.user", stdout=out)
    return out.getvalue()


def _template_records():
    return yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))


def _kpi(records):
    return next(r for r in records if r["model"] == "kpi.kpi")


def _edit(change):
    records = _template_records()
    change(records)
    return yaml.safe_dump(records, allow_unicode=True).encode("utf-8")


def _set(model, **fields):
    def change(records):
        record = next(r for r in records if r["model"] == model)
        for name, value in fields.items():
            if value is None:
                record["fields"].pop(name, None)
            else:
                record["fields"][name] = value

    return change


def _append(record):
    return lambda records: records.append(record)


BROKEN = [
    ("missing field", _edit(_set("kpi.kpi", name=None)), "kpi.kpi", "name"),
    (
        "baseline value without its year",
        _edit(_set("kpi.kpi", baseline_fy=None)),
        "kpi.kpi",
        "基準年度",
    ),
    (
        "unknown unit",
        _edit(_set("kpi.kpi", unit=["yen-per-goat"])),
        "kpi.kpi",
        "参照先が見つかりません",
    ),
    ("bad unit kind", _edit(_set("kpi.unit", kind="weight")), "kpi.unit", "kind"),
    (
        "target year before the baseline",
        _edit(_set("kpi.kpi", target_fy=2025, baseline_fy=2026)),
        "kpi.kpi",
        "目標年度が基準年度より前",
    ),
    (
        "target year before the plan",
        _edit(_set("kpi.kpi", baseline_fy=2020, target_fy=2021)),
        "kpi.kpi",
        "方針の初年度",
    ),
    (
        "unknown pillar",
        _edit(_set("kpi.kpi", pillar=["example-city-dx-1", 9])),
        "kpi.kpi",
        "参照先が見つかりません",
    ),
    ("duplicate code", _edit(lambda r: r.append(_kpi(r))), "kpi.kpi", "重複しています"),
    (
        "target kind without its value",
        _edit(_set("kpi.kpi", target_value=None)),
        "kpi.kpi",
        "目標の種類と目標値が合っていません",
    ),
    ("unknown target kind", _edit(_set("kpi.kpi", target_kind="soon")), "kpi.kpi", "target_kind"),
    ("bad direction", _edit(_set("kpi.kpi", direction="up")), "kpi.kpi", "direction"),
    (
        "not a number",
        _edit(_set("kpi.kpi", baseline_value="many")),
        "kpi.kpi",
        "値を読み取れません",
    ),
    ("unknown field", _edit(_set("kpi.kpi", colour="blue")), "kpi.kpi", "知らない項目名"),
    (
        "provisional without a reason",
        _edit(_set("kpi.kpi", is_provisional=True)),
        "kpi.kpi",
        "暫定の指標には理由",
    ),
    (
        "plan years reversed",
        _edit(_set("initiatives.plan", first_fy=2030)),
        "initiatives.plan",
        "初年度が最終年度より後",
    ),
    (
        "value year outside the plan",
        _edit(
            _append(
                {
                    "model": "kpi.kpivalue",
                    "fields": {
                        "kpi": ["example-city-dx-1", "1-1"],
                        "fiscal_year": 2031,
                        "value": "5",
                        "status": "final",
                    },
                }
            )
        ),
        "kpi.kpivalue",
        "方針の期間",
    ),
    (
        "unknown parent",
        _edit(_set("kpi.kpi", parent=["example-city-dx-1", "9-9"])),
        "kpi.kpi",
        "参照先が見つかりません",
    ),
    (
        "percent unit with bad scale",
        _edit(_set("kpi.unit", scale="0")),
        "kpi.unit",
        "倍率は0より大きく",
    ),
]
FILE_FAULTS = [
    (
        "malformed YAML",
        b"- model: kpi.unit\n  fields: {code: [unclosed\n",
        "plan.yaml",
        "YAMLの書き方に誤りがあります",
    ),
    (
        "malformed JSON",
        b'[{"model": "kpi.unit", "fields": {}',
        "plan.json",
        "JSONの書き方に誤りがあります",
    ),
    (
        "wrong encoding",
        "- model: kpi.unit\n  fields: {label: 百万円}\n".encode("cp932"),
        "plan.yaml",
        "UTF-8ではありません",
    ),
    ("not a list", b"model: kpi.unit\n", "plan.yaml", "リスト"),
    (
        "unknown model",
        b"- model: admin.logentry\n  fields: {object_repr: x}\n",
        "plan.yaml",
        "読み込めない種類",
    ),
    (
        "accounts through the page",
        b"- model: auth.user\n  fields: {username: x, is_superuser: true}\n",
        "plan.yaml",
        "import_plan コマンド",
    ),
    ("pk used", b"- model: kpi.unit\n  pk: 3\n  fields: {code: x}\n", "plan.yaml", "natural key"),
    ("wrong file type", b"code,label\n", "plan.csv", ".yaml"),
    ("empty file", b"", "plan.yaml", "リスト"),
]


@pytest.fixture
def populated(sample_values):
    """The real plan with sample values: what a broken import must leave exactly as it was."""
    return sample_values


@pytest.mark.parametrize(("case", "content", "model", "says"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_fixture_is_reported_and_the_database_is_unchanged(
    populated, case, content, model, says
):
    before = _dump()
    report = plan_io.import_plan(content, "plan.yaml")
    assert not report.ok and not report.applied
    hits = [
        p for p in report.problems if p.model == model and (says in p.message or says == p.field)
    ]
    assert hits, [str(p) for p in report.problems]
    assert _dump() == before


@pytest.mark.parametrize(
    ("case", "content", "name", "says"), FILE_FAULTS, ids=[f[0] for f in FILE_FAULTS]
)
def test_unreadable_file_is_reported_and_the_database_is_unchanged(
    populated, case, content, name, says
):
    before = _dump()
    with pytest.raises(plan_io.PlanFileError) as err:
        plan_io.import_plan(content, name)
    assert any(says in str(p) for p in err.value.problems), err.value.problems
    assert _dump() == before


def test_every_fault_in_a_file_is_reported_at_once(populated):
    def change(records):
        _set("kpi.kpi", direction="up", baseline_fy=2020, target_fy=2021)(records)
        # A unit the KPI does not use: a KPI whose own unit failed cannot be checked further.
        unit = next(
            r for r in records if r["model"] == "kpi.unit" and r["fields"]["code"] == "percent"
        )
        unit["fields"]["kind"] = "weight"

    report = plan_io.import_plan(_edit(change), "plan.yaml")
    fields = {(p.model, p.field) for p in report.problems}
    assert {("kpi.kpi", "direction"), ("kpi.kpi", "target_fy"), ("kpi.unit", "kind")} <= fields


def test_a_target_year_past_the_plan_period_is_accepted(populated):
    # A 2030 goal in a plan that ends earlier is judged on the path toward it (issue 12).
    report = plan_io.import_plan(_edit(_set("kpi.kpi", target_fy=2030)), "plan.yaml")
    assert report.applied, report.problems
    assert Kpi.objects.filter(target_fy=2030).count() == 1


def test_dry_run_counts_what_would_change_and_writes_nothing(populated):
    before = _dump()
    report = plan_io.import_plan(TEMPLATE.read_bytes(), "plan_template.yaml", dry_run=True)
    assert report.ok and not report.applied
    assert dict(report.created)["成果指標（KPI）"] == 1
    assert _dump() == before
    again = plan_io.import_plan(REAL.read_bytes(), REAL.name, dry_run=True)
    assert dict(again.unchanged)["成果指標（KPI）"] == 16 and not again.created


def test_reimporting_an_edited_fixture_updates_in_place_and_keeps_entered_values(populated):
    text = REAL.read_text(encoding="utf-8").replace("target_value: '288'", "target_value: '300'")
    report = plan_io.import_plan(text.encode("utf-8"), REAL.name)
    assert report.applied
    assert dict(report.updated) == {"成果指標（KPI）": 1}
    assert Kpi.objects.filter(code="1-2").count() == 1
    assert Kpi.objects.get(code="1-2").target_value == Decimal(300)
    assert KpiValue.objects.count() == 58
    samples = (ROOT / "fixtures" / "sample_values.yaml").read_bytes()
    kept = plan_io.import_plan(
        samples.replace(b"value: '290'", b"value: '1'"), "sample_values.yaml"
    )
    assert dict(kept.kept)["実績値"] == 58
    assert KpiValue.objects.get(kpi__code="1-2", fiscal_year=2025).value == Decimal(290)


# TRUNCATE inside the test's transaction is refused by PostgreSQL (pending trigger events).
@pytest.mark.django_db(transaction=True)
def test_round_trip_export_import_export_is_identical(populated, editor, tmp_path):
    # Some values entered through the form's service, so that there is history to carry.
    services.values_save(
        user=editor,
        fiscal_year=2025,
        rows=[
            services.ValueInput(
                kpi=Kpi.objects.get(code="2-1"), value=Decimal(155), status="preliminary", version=1
            )
        ],
    )
    first = plan_io.export_plan("hokkaido-smart-docho-3", with_values=True)
    assert "kpi.historicalkpivalue" in first and "editor" in first
    call_command("flush", interactive=False, verbosity=0)
    assert not Plan.objects.exists()
    report = plan_io.import_plan(first.encode("utf-8"), "backup.yaml", accounts=True)
    assert report.applied, [str(p) for p in report.problems]
    assert report.users_created == []  # the backup carries its users
    second = plan_io.export_plan("hokkaido-smart-docho-3", with_values=True)
    assert second == first
    restored = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2025)
    assert restored.value == Decimal(155) and restored.history.count() == 1


def test_export_without_values_is_the_structure_only(populated):
    text = plan_io.export_plan("hokkaido-smart-docho-3")
    models = {r["model"] for r in yaml.safe_load(text)}
    assert "kpi.kpivalue" not in models and "kpi.kpi" in models


def test_commands_report_and_fail_loudly(populated, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(_edit(_set("kpi.kpi", direction="up")))
    with pytest.raises(CommandError, match="何も書き込んでいません"):
        call_command("import_plan", str(bad))
    assert "direction" in capsys.readouterr().err
    out = io.StringIO()
    call_command("import_plan", str(TEMPLATE), "--dry-run", stdout=out)
    assert (
        "確認のみ" in out.getvalue() and not Plan.objects.filter(slug="example-city-dx-1").exists()
    )
    target = tmp_path / "export.yaml"
    call_command("export_plan", "hokkaido-smart-docho-3", "--with-values", "-o", str(target))
    models = [r["model"] for r in yaml.safe_load(target.read_text(encoding="utf-8"))]
    assert models[models.index("initiatives.plan") + 1] == "kpi.unit"  # the plan's own units
    with pytest.raises(CommandError):
        call_command("export_plan", "nope")


class _Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self._tty = tty

    def isatty(self):
        return self._tty


def test_long_imports_show_progress():
    tty = _Stream(tty=True)
    show = progress_bar(tty)
    for i in range(1, 401):
        show(i, 400)
    assert "[##############################] 400/400" in tty.getvalue()
    log = _Stream(tty=False)
    show = progress_bar(log)
    for i in range(1, 401):
        show(i, 400)
    assert log.getvalue().splitlines() == [
        f"{n}/400 件を処理しました" for n in (1, 100, 200, 300, 400)
    ]
    quiet = _Stream(tty=True)
    progress_bar(quiet)(10, 10)
    assert quiet.getvalue() == ""


def test_the_blank_template_loads_and_lives_beside_the_real_plan(populated):
    report = plan_io.import_plan(TEMPLATE.read_bytes(), TEMPLATE.name)
    assert report.applied
    assert Plan.objects.count() == 2
    assert sorted(Plan.objects.values_list("slug", flat=True)) == [
        "example-city-dx-1",
        "hokkaido-smart-docho-3",
    ]


def test_a_backup_written_before_history_was_generic_still_loads(policy):
    text = """\
- model: kpi.kpivalue
  fields: {kpi: [hokkaido-smart-docho-3, 2-1], fiscal_year: 2024, value: '150', status: final,
           entered_by: [tanto], entered_at: 2025-05-01 09:00:00+00:00, version: 1}
- model: kpi.valuehistory
  fields: {kpi: [hokkaido-smart-docho-3, 2-1], fiscal_year: 2024, value: '150', status: final,
           note: '', source: '', is_sample: false, entered_at: 2025-05-01 09:00:00+00:00,
           version: 1, history_date: 2025-05-01 09:00:00+00:00, history_type: +,
           history_change_reason: null, entered_by: [tanto], history_user: [tanto]}
"""
    report = plan_io.import_plan(text.encode("utf-8"), "old-backup.yaml")
    assert report.applied, [str(p) for p in report.problems]
    assert report.users_created == ["tanto"]
    value = KpiValue.objects.get(kpi__code="2-1", fiscal_year=2024)
    assert value.history.get().history_user.username == "tanto"


def test_checking_stops_after_many_problems(policy):
    bad = "".join(
        f"- model: initiatives.pillar\n  fields: {{plan: [nope], number: {i}, title: t}}\n"
        for i in range(1, 400)
    )
    report = plan_io.import_plan(bad.encode("utf-8"), "plan.yaml", dry_run=True)
    assert len(report.problems) == plan_io.MAX_PROBLEMS + 1
    assert "ここから先は確認していません" in report.problems[-1].message


def test_a_target_changed_by_the_plan_file_is_in_the_kpis_history(client, admin, policy):
    kpi = Kpi.objects.get(plan=policy, code="1-2")
    before = kpi.history.count()
    records = yaml.safe_load(REAL.read_text(encoding="utf-8"))
    for r in records:
        if r["model"] == "kpi.kpi" and r["fields"]["code"] == "1-2":
            r["fields"].update(target_value="300", target_text="300")
    content = yaml.safe_dump(records, allow_unicode=True, sort_keys=False).encode("utf-8")
    report = plan_io.import_plan(content, "plan.yaml")
    assert report.applied
    assert {c.field.split("(")[-1] for c in report.changes} == {"target_value)", "target_text)"}
    kpi.refresh_from_db()
    assert kpi.target_value == Decimal(300)
    assert kpi.history.count() == before + 1
    latest = kpi.history.latest()
    assert latest.target_value == Decimal(300) and latest.history_type == "~"
    assert latest.history_change_reason == plan_io.IMPORT_REASON
    assert latest.prev_record is None or latest.prev_record.target_value == Decimal(288)
    # The same file again changes nothing and records nothing.
    assert not plan_io.import_plan(content, "plan.yaml").changes
    assert kpi.history.count() == before + 1


def test_kpis_created_by_a_plan_file_without_history_get_their_first_history_row(policy):
    report = plan_io.import_plan(TEMPLATE.read_bytes(), TEMPLATE.name)
    assert report.applied
    for kpi in Kpi.objects.filter(plan__slug="example-city-dx-1"):
        assert [h.history_type for h in kpi.history.all()] == ["+"]


@pytest.mark.parametrize(
    ("field", "written"), [("target_value", "NaN"), ("target_value", "1e"), ("baseline_value", "x")]
)
def test_a_value_django_cannot_read_is_named_without_the_deserializers_internals(
    policy, field, written
):
    report = plan_io.import_plan(_edit(_set("kpi.kpi", **{field: written})), "plan.yaml")
    assert not report.applied
    messages = " ".join(p.message for p in report.problems)
    assert f"値を読み取れません（書かれた値「{written}」）" in messages
    assert "field_value was" not in messages and "pk=None" not in messages


def _real_with(old: str, new: str) -> bytes:
    text = REAL.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new).encode("utf-8")


ONE_TWO_UNIT = "name: 情報システム診断・相談数\n    unit: [hokkaido-smart-docho-3, cases]"


def test_moving_a_kpi_with_values_to_another_unit_is_refused(populated):
    assert KpiValue.objects.filter(kpi__code="1-2").exists()
    before = _dump()
    report = plan_io.import_plan(
        _real_with(ONE_TWO_UNIT, ONE_TWO_UNIT.replace("cases]", "hundred-cases]")), REAL.name
    )
    assert not report.applied
    problem = next(p for p in report.problems if p.model == "kpi.kpi" and p.field == "unit")
    assert "実績値が" in problem.message and "「件」から「百件」" in problem.message
    assert _dump() == before


def test_moving_a_kpi_without_values_to_another_unit_is_accepted(policy):
    assert not KpiValue.objects.exists()
    report = plan_io.import_plan(
        _real_with(ONE_TWO_UNIT, ONE_TWO_UNIT.replace("cases]", "hundred-cases]")), REAL.name
    )
    assert report.applied, [str(p) for p in report.problems]
    assert Kpi.objects.get(code="1-2").unit.code == "hundred-cases"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "code: cases, label: 件, base_label: 件, scale: '1'",
            "code: cases, label: 件, base_label: 件, scale: '10'",
            "scale",
        ),
        (
            "code: cases, label: 件, base_label: 件, scale: '1', decimals: 0, kind: count",
            "code: cases, label: 件, base_label: 件, scale: '1', decimals: 0, kind: amount",
            "kind",
        ),
    ],
)
def test_changing_how_a_units_values_are_read_is_refused_once_it_has_values(
    populated, old, new, field
):
    before = _dump()
    report = plan_io.import_plan(_real_with(old, new), REAL.name)
    assert not report.applied
    problem = next(p for p in report.problems if p.model == "kpi.unit")
    assert problem.field == field and "入力済みの実績値" in problem.message
    assert _dump() == before


def test_a_units_label_and_decimals_change_with_values_in_place(populated):
    old = "code: cases, label: 件, base_label: 件, scale: '1', decimals: 0"
    report = plan_io.import_plan(
        _real_with(old, old.replace("decimals: 0", "decimals: 1")), REAL.name
    )
    assert report.applied, [str(p) for p in report.problems]


def test_changing_the_target_of_a_kpi_with_values_is_pointed_out_before_loading(populated):
    assert KpiValue.objects.filter(kpi__code="1-2").count() == 4
    content = _real_with("target_value: '288'", "target_value: '300'")
    report = plan_io.import_plan(content, REAL.name, dry_run=True)
    assert report.ok and not report.applied
    [r] = report.retargeted
    assert (r.key, r.values) == ("1-2", 4)
    assert r.old == "288件 以上、目標年度 R7" and r.new == "300件 以上、目標年度 R7"


def test_a_target_change_on_a_kpi_without_values_is_not_pointed_out(policy):
    content = _real_with("target_value: '288'", "target_value: '300'")
    report = plan_io.import_plan(content, REAL.name, dry_run=True)
    assert report.ok and report.changes and not report.retargeted


def test_the_import_page_shows_the_target_change_notice(client, admin, populated):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin)
    content = _real_with("target_value: '288'", "target_value: '300'")
    response = client.post("/manage/import-plan/", {"file": SimpleUploadedFile(REAL.name, content)})
    html = response.content.decode()
    assert "実績値のある成果指標の目標を変えます" in html and "目標の再設定" in html
    assert "288件 以上、目標年度 R7 → 300件 以上、目標年度 R7" in html

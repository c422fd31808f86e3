"""A plan identifier differing from another only in case is refused (review of issue 14): by
the import, with a message and nothing written, and by the database whatever writes it."""

import pytest
import yaml
from django.db import IntegrityError, transaction

from initiatives.models import Plan
from kpi import plan_io
from tests.conftest import ROOT
from tests.kpi.plan_books import book, kpi_row, plan_of

pytestmark = pytest.mark.django_db

TEMPLATE = ROOT / "fixtures" / "templates" / "plan_template.yaml"
LIKE_ANOTHER = "大文字・小文字の違いだけで同じになる識別子の方針がすでにあります"


def _refused(content: bytes, name: str) -> list[str]:
    """The problems of a file import_plan refuses, whether it raises them or reports them."""
    try:
        report = plan_io.import_plan(content, name)
    except plan_io.PlanFileError as err:
        return [str(p) for p in err.problems]
    assert not report.applied
    return [str(p) for p in report.problems]


def _yaml_with_slug(slug: str) -> bytes:
    records = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False)
    return text.replace("example-city-dx-1", slug).encode("utf-8")


@pytest.mark.parametrize("slug", ["HOKKAIDO-SMART-DOCHO-3", "Hokkaido-Smart-Docho-3"])
def test_a_plan_file_whose_identifier_differs_only_in_case_is_refused(policy, slug):
    plans = Plan.objects.count()
    problems = _refused(_yaml_with_slug(slug), "plan.yaml")
    assert any(LIKE_ANOTHER in p for p in problems), problems
    assert Plan.objects.count() == plans


def test_a_workbook_whose_identifier_differs_only_in_case_is_refused(policy):
    plan = [
        (k, "HOKKAIDO-SMART-DOCHO-3") if k == "識別子" else (k, v) for k, v in plan_of("試験町")
    ]
    plans = Plan.objects.count()
    problems = _refused(book([kpi_row()], plan=plan), "plan.xlsx")
    assert any(LIKE_ANOTHER in p for p in problems), problems
    assert Plan.objects.count() == plans


def test_the_database_refuses_a_plan_identifier_differing_only_in_case(policy):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(
            slug=policy.slug.upper(),
            organization=policy.organization,
            government=policy.government,
            title="x",
            first_fy=2022,
            last_fy=2025,
        )


def test_the_same_identifier_reloads_its_own_plan(policy):
    # Not a look-alike: the plan itself, loaded again, is updated as before.
    report = plan_io.import_plan(_yaml_with_slug("example-city-dx-1"), "plan.yaml")
    assert report.applied
    again = plan_io.import_plan(_yaml_with_slug("example-city-dx-1"), "plan.yaml")
    assert again.applied, again.problems


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_renames_identifiers_that_differ_only_in_case():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("initiatives", "0009_plan_one_current_per_organization")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    OldPlan = apps.get_model("initiatives", "Plan")
    OldOrganization = apps.get_model("initiatives", "Organization")
    org = OldOrganization.objects.create(slug="o", name="甲県", kind="prefecture")
    made = [
        OldPlan.objects.create(
            slug=slug,
            organization=org,
            government="甲県",
            title=slug,
            first_fy=2022,
            last_fy=2025,
            is_current=False,
        )  # fmt: skip
        for slug in ("dx-plan", "DX-Plan", "DX-PLAN", "other")
    ]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    slugs = dict(Plan.objects.values_list("pk", "slug"))
    assert slugs[made[0].pk] == "dx-plan" and slugs[made[3].pk] == "other"
    assert slugs[made[1].pk] == f"DX-Plan-{made[1].pk}"
    assert slugs[made[2].pk] == f"DX-PLAN-{made[2].pk}"
    assert len({s.lower() for s in slugs.values()}) == 4

"""setup_demo's narratives: R4–R6 for every item and KPI, all flagged and worded as samples."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from initiatives.models import InitiativeItem
from kpi.models import Kpi
from narratives.models import InitiativeProgress, ItemDepartment, KpiCommentary

pytestmark = pytest.mark.django_db

REAL = "hokkaido-smart-docho-3"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)


def test_every_item_and_kpi_has_sample_narratives_for_r4_to_r6(demo):
    # The real plan's: the invented city's plan gets sample values only.
    items = InitiativeItem.objects.filter(pillar__plan__slug=REAL).count()
    kpis = Kpi.objects.filter(plan__slug=REAL).count()
    progress = InitiativeProgress.objects.all()
    assert Counter(p.fiscal_year for p in progress) == {2022: items, 2023: items, 2024: items}
    commentary = KpiCommentary.objects.all()
    assert Counter(c.fiscal_year for c in commentary) == {2022: kpis, 2023: kpis, 2024: kpis}
    assert all(p.is_sample for p in progress) and all(c.is_sample for c in commentary)


def test_every_sample_text_says_it_is_a_sample(demo):
    for p in InitiativeProgress.objects.all():
        for text in (p.done, p.results, p.issues, p.next_steps):
            assert "サンプル" in text and "実際の実績ではありません" in text
    for c in KpiCommentary.objects.all():
        assert "サンプル" in c.reason and "サンプル" in c.next_actions


def test_the_demo_mixes_ratings_and_review_states(demo):
    progress = list(InitiativeProgress.objects.all())
    assert {p.rating for p in progress} == {"A", "B", "C", "D"}
    r6 = {p.board_column for p in progress if p.fiscal_year == 2024}
    assert r6 == {"approved", "submitted", "draft", "returned"}
    assert {c.board_column for c in KpiCommentary.objects.filter(fiscal_year=2024)} == r6


def test_every_item_has_one_lead_department_and_one_has_two(demo):
    leads = Counter(ItemDepartment.objects.filter(is_lead=True).values_list("item", flat=True))
    items = InitiativeItem.objects.filter(pillar__plan__slug=REAL)
    assert len(leads) == items.count() and set(leads.values()) == {1}
    assert ItemDepartment.objects.filter(is_lead=False).count() == 1


def test_the_demo_reviewer_reviews_for_the_information_policy_division(demo):
    reviewer = get_user_model().objects.get(username="reviewer")
    assert reviewer.check_password("smartdocho-reviewer")
    assert reviewer.staff_profile.department.name == "情報政策課"
    assert set(reviewer.groups.values_list("name", flat=True)) == {"承認者", "閲覧者"}


def test_running_setup_demo_again_adds_nothing(demo):
    counts = (InitiativeProgress.objects.count(), KpiCommentary.objects.count())
    history = InitiativeProgress.history.count()
    call_command("setup_demo", verbosity=0)
    assert (InitiativeProgress.objects.count(), KpiCommentary.objects.count()) == counts
    assert InitiativeProgress.history.count() == history


def test_pages_say_sample_where_they_show_sample_narratives(demo, client):
    page = client.get("/plans/hokkaido-smart-docho-3/pillars/1/items/1/").content.decode()
    assert "サンプルの記入例を表示しています" in page
    assert 'class="tag tag-sample"' in page
    pillar = client.get("/plans/hokkaido-smart-docho-3/pillars/1/").content.decode()
    assert "の評価：<strong>" in pillar and "サンプル" in pillar

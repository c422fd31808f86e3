"""Pages, tables and downloads for KPIs of every target shape (issue 12): each shape is judged by
its own rule, explained in words, and shown without an error."""

import pytest
from django.urls import reverse

from kpi import progress
from kpi.evaluation import assess, explain
from kpi.models import Kpi
from tests.factories import make_shapes_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def shapes():
    return make_shapes_plan()


def assessed(plan, as_of):
    kpis = list(Kpi.objects.filter(plan=plan).for_display())
    by_id = assess(kpis, plan, as_of)
    return {k.code: by_id[k.id] for k in kpis}


def test_each_shape_is_judged_by_its_own_rule_from_the_database(shapes):
    r4 = assessed(shapes, 2022)
    assert r4["1.1"].status == progress.NEEDS_ACCELERATION  # 35 against the R4 target 40
    assert r4["①"].status == progress.ON_TRACK  # 1,000 against 1,000 a year
    assert r4["2-8-2"].status == progress.ON_TRACK  # 65 on the way from 60 to 80
    assert r4["3.1"].status == progress.ON_TRACK  # nothing due in R4
    assert r4["新1"].status == progress.NOT_ASSESSABLE  # its first value is its start
    r5 = assessed(shapes, 2023)
    assert r5["①"].status == progress.NEEDS_ACCELERATION  # 700/1,000
    assert r5["3.1"].status == progress.ON_TRACK  # 検討 due and reached
    assert r5["新1"].status == progress.LIMITED_PROGRESS  # 20 → 30 where 40 was expected
    r6 = assessed(shapes, 2024)
    assert r6["3.1"].status == progress.NEEDS_ACCELERATION  # 導入 due, still at 検討
    # The 2030 target past the plan: 20 in R5 on the path 0 (R3) → 90 (2030) = 20.
    assert r5["1.2"].status == progress.ON_TRACK


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("1.1", "年度別目標値"),
        ("①", "その年度の目標"),
        ("2-8-2", "80.0%～90.0%"),
        ("3.1", "検討（1/3段階）"),
        ("新1", "起点とした最初の実績"),
    ],
)
def test_each_shape_is_explained_in_words(shapes, code, words):
    assert words in explain(assessed(shapes, 2024)[code])


def test_every_page_of_a_plan_with_every_shape_answers(client, shapes):
    urls = [reverse("initiatives:plan", args=[shapes.slug])]
    urls.append(reverse("initiatives:pillar", args=[shapes.slug, 1]))
    for kpi in Kpi.objects.filter(plan=shapes):
        urls.append(kpi.get_absolute_url())
        urls.append(kpi.get_absolute_url() + "?as_of=R5")
    for name in ("kpi:report", "kpi:report_xlsx", "kpi:report_docx"):
        urls.append(reverse(name, args=[shapes.slug, "R6"]))
    for fmt in ("json", "csv", "xlsx"):
        urls.append(reverse("kpi:export", args=[shapes.slug, fmt]))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def test_new_kpi_shows_no_baseline_as_new(client, shapes):
    kpi = Kpi.objects.get(plan=shapes, code="新1")
    page = client.get(kpi.get_absolute_url()).content.decode()
    assert "—（新規）" in page


def test_a_schedule_with_a_target_year_after_its_last_step_is_judged_until_then(shapes):
    # Steps due R5–R7 and the KPI's target year R8: two steps in R7 are one behind, not final.
    Kpi.objects.filter(plan=shapes, code="3.1").update(target_fy=2026)
    kpi = Kpi.objects.get(plan=shapes, code="3.1")
    kpi.values.update_or_create(fiscal_year=2025, defaults={"value": 2, "status": "final"})
    assert assessed(shapes, 2025)["3.1"].status == progress.NEEDS_ACCELERATION
    Kpi.objects.filter(plan=shapes, code="3.1").update(target_fy=2025)
    assert assessed(shapes, 2025)["3.1"].status == progress.NOT_ACHIEVED


def test_a_target_written_only_in_words_shows_as_written_and_is_not_judged(client, shapes):
    kpi = Kpi.objects.get(plan=shapes, code="新1")
    Kpi.objects.filter(pk=kpi.pk).update(
        target_kind="none", target_value=None, target_text="利用者の満足度を高める"
    )
    kpi = Kpi.objects.for_display().get(pk=kpi.pk)
    assert kpi.target_label == "利用者の満足度を高める（数値目標なし）"
    a = assessed(shapes, 2023)["新1"]
    assert a.status == progress.NOT_ASSESSABLE
    assert a.progress.reason == "目標が数値や段階で書かれていないため、判定しません。"
    html = client.get(reverse("kpi:detail", args=[shapes.slug, "新1"])).content.decode()
    assert "利用者の満足度を高める（数値目標なし）" in html
    assert "判定しません" in html


def test_a_target_not_set_at_all_still_says_so(shapes):
    kpi = Kpi.objects.get(plan=shapes, code="新1")
    Kpi.objects.filter(pk=kpi.pk).update(target_kind="none", target_value=None, target_text="")
    assert Kpi.objects.for_display().get(pk=kpi.pk).target_label == "未設定"


def test_the_report_workbook_has_numbers_as_numbers_and_a_schedules_step_by_name(client, shapes):
    from tests.kpi.plan_books import cell_values

    response = client.get(reverse("kpi:report_xlsx", args=[shapes.slug, "R6"]))
    sheet = cell_values(response.content)["成果指標"]
    column = sheet[0].index("実績値")
    values = {row[1]: row[column] for row in sheet[1:]}
    assert values["①"] == 700 and isinstance(values["①"], int | float)
    assert values["2-8-2"] == 65
    assert values["3.1"] == "検討（1/3段階）"  # the step reached, not "1"


@pytest.mark.parametrize(
    ("text", "fy", "label"),
    [
        ("85%以上（R8年度）", 2026, "85%以上（R8年度）"),  # the year once, as written
        ("85%以上（R8年度）", 2025, "85%以上（R8年度）（R7（2025年度））"),
        ("85%以上", 2026, "85%以上（R8（2026年度））"),
    ],
)
def test_a_target_that_names_its_year_is_not_given_it_twice(shapes, text, fy, label):
    Kpi.objects.filter(plan=shapes, code="新1").update(target_text=text, target_fy=fy)
    assert Kpi.objects.for_display().get(plan=shapes, code="新1").target_label == label


def test_a_range_target_says_inside_the_range_is_better_not_higher(client, shapes):
    html = client.get(reverse("kpi:detail", args=[shapes.slug, "2-8-2"])).content.decode()
    better = html.split("望ましい方向", 1)[1].split("</dd>", 1)[0]
    assert "目標の範囲の中" in better and "高いほど良い" not in better
    other = client.get(reverse("kpi:detail", args=[shapes.slug, "1.1"])).content.decode()
    assert "高いほど良い" in other.split("望ましい方向", 1)[1].split("</dd>", 1)[0]


def test_a_target_built_from_its_value_has_a_space_before_english_words(shapes):
    from django.utils import translation

    Kpi.objects.filter(plan=shapes, code="新1").update(target_kind="at_most", target_value=20)
    kpi = Kpi.objects.for_display().get(plan=shapes, code="新1")
    assert kpi.target_label.startswith("20以下（")
    with translation.override("en"):
        assert kpi.target_label.startswith("20 at most")

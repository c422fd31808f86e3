"""The whole annual report (issue 13, point 5): items' 検証票 blocks, commentary, downloads,
approved text only, publication freezing the narratives, the committee on the cover."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from openpyxl import load_workbook

from initiatives.models import Action, InitiativeItem, Plan
from kpi.models import Kpi, KpiValue, PublishedReport
from narratives import ratings, review, services
from narratives.models import InitiativeProgress, ItemDepartment, ItemKpi, scale_for

pytestmark = pytest.mark.django_db

PLAN = "/plans/hokkaido-smart-docho-3/"
R6 = PLAN + "reports/2024/"
ROOT = Path(__file__).resolve().parents[2]


# --- helpers ---------------------------------------------------------------------------------


def _progress(editor, reviewer, item, text, then, fy=2024, rating="B"):
    """An item's progress written by `editor` and left in state `then` (draft, submitted,
    returned, approved) through the services, as the forms do."""
    current = InitiativeProgress.objects.filter(item=item, fiscal_year=fy).first()
    entry = services.progress_save(
        user=editor,
        item=item,
        fiscal_year=fy,
        data=services.ProgressInput(
            done=text + "の取組実績",
            results=text + "の成果",
            issues=text + "の課題",
            next_steps=text + "の今後",
            rating=rating,
            budget=1200,
            settled=1100,
            actions_carried_out=(1,),
        ),
        version=current.version if current else 0,
        submit=then != "draft",
    )
    if then in ("approved", "returned"):
        action = review.APPROVE if then == "approved" else review.RETURN
        entry = services.entry_act(
            user=reviewer, entry=entry, action=action, version=entry.version, comment="直して"
        )
    return entry


def _commentary(editor, reviewer, kpi, text, then, fy=2024):
    current = kpi.commentaries.filter(fiscal_year=fy).first()
    entry = services.commentary_save(
        user=editor,
        kpi=kpi,
        fiscal_year=fy,
        data=services.CommentaryInput(reason=text + "の要因", next_actions=text + "の取組"),
        version=current.version if current else 0,
        submit=then != "draft",
    )
    if then in ("approved", "returned"):
        action = review.APPROVE if then == "approved" else review.RETURN
        entry = services.entry_act(
            user=reviewer, entry=entry, action=action, version=entry.version, comment="直して"
        )
    return entry


def _docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    parts += [p.text for s in doc.sections for p in s.header.paragraphs]
    return "\n".join(parts)


def _docx_blocks(content: bytes) -> dict[str, str]:
    """{item heading: the text of everything up to the next heading of level 1 or 2}."""
    doc = Document(io.BytesIO(content))
    by_element = {p._p: p for p in doc.paragraphs} | {t._tbl: t for t in doc.tables}
    blocks: dict[str, list[str]] = {}
    current = None
    for element in doc.element.body.iterchildren():
        obj = by_element.get(element)
        if obj is None:
            continue
        if hasattr(obj, "style") and obj.style.name in ("Heading 1", "Heading 2"):
            current = obj.text if obj.text.startswith("取組項目 ") else None
            if current:
                blocks[current] = []
            continue
        if current is None:
            continue
        if hasattr(obj, "rows"):
            blocks[current] += [c.text for row in obj.rows for c in row.cells]
        else:
            blocks[current].append(obj.text)
    return {k: "\n".join(v) for k, v in blocks.items()}


def _sheet(content: bytes, name: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content))[name].iter_rows(values_only=True))


def _html(client, url=R6) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _items(plan) -> list[InitiativeItem]:
    return list(
        InitiativeItem.objects.filter(pillar__plan=plan)
        .select_related("pillar")
        .order_by("pillar__number", "number")
    )


# --- the sample content: every item in HTML, XLSX and DOCX -----------------------------------


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    return Plan.objects.get(slug="hokkaido-smart-docho-3")


def test_r6_report_has_every_items_block_in_html_xlsx_and_docx(client, demo):
    items = _items(demo)
    assert items
    scale = scale_for(demo)
    approved = {
        p.item_id: p
        for p in InitiativeProgress.objects.filter(fiscal_year=2024, state=review.APPROVED)
    }
    assert approved and len(approved) < len(items)  # the demo mixes review states in R6

    html = _html(client)
    for item in items:
        assert f'id="item-{item.pillar.number}-{item.number}"' in html
        assert f"取組項目 {item.pillar.number}-({item.number})　{item.title}" in html

    rows = _sheet(client.get(R6 + "report.xlsx").content, "取組項目")
    assert rows[0][:3] == ("取組方針", "取組項目の番号", "取組項目")
    by_label = {r[1]: r for r in rows[1:]}
    assert set(by_label) == {f"{i.pillar.number}-({i.number})" for i in items}
    for item in items:
        row = by_label[f"{item.pillar.number}-({item.number})"]
        assert row[2] == item.title
        assert row[9] == (approved[item.id].rating if item.id in approved else None)

    blocks = _docx_blocks(client.get(R6 + "report.docx").content)
    assert len(blocks) == len(items)
    for item in items:
        block = blocks[f"取組項目 {item.pillar.number}-({item.number})　{item.title}"]
        if item.id in approved:
            key = approved[item.id].rating
            assert f"{key} {ratings.label_for(scale, key)}" in block
            assert approved[item.id].done in block
        else:
            assert "承認済みの進捗はありません" in block


def test_sample_report_is_marked_in_html_xlsx_and_docx(client, demo):
    html = _html(client)
    assert "【サンプル】" in html and 'tag tag-sample">サンプル</span>' in html
    xlsx = client.get(R6 + "report.xlsx")
    assert "-sample" in xlsx["Content-Disposition"]
    items = _sheet(xlsx.content, "取組項目")[1:]
    assert all(r[14].endswith("（サンプル）") for r in items if r[14].startswith("承認済み（"))
    assert any(r[14] == "承認済み（サンプル）" for r in items)
    docx = client.get(R6 + "report.docx")
    assert "-sample" in docx["Content-Disposition"]
    doc = Document(io.BytesIO(docx.content))
    assert doc.sections[0].header.paragraphs[0].text.startswith("【サンプル】")
    assert doc.core_properties.title.startswith("【サンプル】")


def test_sample_narratives_alone_make_the_report_a_sample(client, demo):
    """Real values, sample texts: still marked サンプル, and said why in the notes."""
    KpiValue.objects.update(is_sample=False)
    html = _html(client)
    assert "取組の進捗と成果指標の説明にはサンプルの記入例" in html
    assert "【サンプル】" in html.split("<h1", 1)[1].split("</h1>", 1)[0]
    text = _docx_text(client.get(R6 + "report.docx").content)
    assert "【サンプル】" in text and "サンプルの記入例" in text


def test_the_cover_names_the_committee_from_the_plan(client, demo):
    committee = demo.report_to
    assert committee  # the fixture takes it from the source text
    source = (ROOT / "fixtures/source/hokkaido_smart_docho_3.txt").read_text(encoding="utf-8")
    assert committee in source
    cover = _html(client).split('class="report-cover"', 1)[1].split("</section>", 1)[0]
    assert committee in cover
    demo.report_to = "架空市DX推進委員会"
    demo.save()  # through save(): the data version moves, so no cached page is served
    cover = _html(client).split('class="report-cover"', 1)[1].split("</section>", 1)[0]
    assert "架空市DX推進委員会" in cover and committee not in cover
    assert "架空市DX推進委員会" in _docx_text(client.get(R6 + "report.docx").content)
    for template in (ROOT / "templates").rglob("*.html"):
        assert committee not in template.read_text(encoding="utf-8"), template


# --- approved text only ----------------------------------------------------------------------


@pytest.fixture
def mixed(owned_items, editor, reviewer):
    """Items 1-(1)…1-(4) in each review state; 1-(5) approved, then edited (a draft again);
    KPI 1-1's commentary approved, 1-2's submitted."""
    plan = owned_items
    items = {i.number: i for i in _items(plan) if i.pillar.number == 1}
    for n, state in enumerate(("draft", "submitted", "returned", "approved"), start=1):
        _progress(editor, reviewer, items[n], f"状態{state}", state)
    _progress(editor, reviewer, items[5], "承認前の版", "approved")
    _progress(editor, reviewer, items[5], "編集中の版", "draft")
    kpis = {k.code: k for k in Kpi.objects.filter(plan=plan)}
    _commentary(editor, reviewer, kpis["1-1"], "承認した説明", "approved")
    _commentary(editor, reviewer, kpis["1-2"], "提出した説明", "submitted")
    return plan


HIDDEN = ("状態draft", "状態submitted", "状態returned", "編集中の版", "提出した説明")
SHOWN = ("状態approvedの取組実績", "承認前の版の取組実績", "承認した説明の要因")


@pytest.mark.parametrize("reader", ["anonymous", "admin", "reviewer"])
def test_only_approved_text_reaches_the_report(client, mixed, request, reader):
    if reader != "anonymous":
        client.force_login(request.getfixturevalue(reader))
    contents = {
        "html": _html(client),
        "xlsx": "\n".join(
            str(c)
            for name in ("取組項目", "成果指標の説明")
            for row in _sheet(client.get(R6 + "report.xlsx").content, name)
            for c in row
        ),
        "docx": _docx_text(client.get(R6 + "report.docx").content),
    }
    for kind, content in contents.items():
        for text in SHOWN:
            assert text in content, (kind, text)
        for text in HIDDEN:
            assert text not in content, (kind, text)


def test_only_approved_text_reaches_the_public_export(client, mixed):
    document = json.loads(client.get(PLAN + "export.json").content)
    dumped = json.dumps(document, ensure_ascii=False)
    csvs = client.get(PLAN + "export-items.csv").content.decode("utf-8-sig")
    csvs += client.get(PLAN + "export-commentary.csv").content.decode("utf-8-sig")
    xlsx = client.get(PLAN + "export.xlsx").content
    cells = "\n".join(
        str(c) for name in ("取組項目", "成果指標の説明") for row in _sheet(xlsx, name) for c in row
    )
    for content in (dumped, csvs, cells):
        for text in SHOWN:
            assert text in content
        for text in HIDDEN:
            assert text not in content
    item = next(i for i in document["initiative_items"] if (i["pillar"], i["number"]) == (1, 4))
    assert item["progress"] == [
        {
            "fy": 2024,
            "rating": "B",
            "rating_label": "おおむね計画どおり",
            "done": "状態approvedの取組実績",
            "results": "状態approvedの成果",
            "issues": "状態approvedの課題",
            "next_steps": "状態approvedの今後",
            "budget": 1200,
            "settled": 1100,
            "actions_carried_out": [1],
            "sample": False,
        }
    ]
    assert item["departments"] == [{"name": "情報政策課", "lead": True}]
    kpi = next(k for k in document["kpis"] if k["code"] == "1-1")
    assert [c["reason"] for c in kpi["commentary"]] == ["承認した説明の要因"]
    assert next(k for k in document["kpis"] if k["code"] == "1-2")["commentary"] == []


def test_report_text_cells_stay_text_in_xlsx(client, owned_items, editor, reviewer):
    item = _items(owned_items)[0]
    _progress(editor, reviewer, item, "=HYPERLINK(1)", "approved")
    book = load_workbook(io.BytesIO(client.get(R6 + "report.xlsx").content))
    assert {"成果指標", "取組項目"} <= set(book.sheetnames)
    cell = book["取組項目"]["F2"]
    assert cell.value == "=HYPERLINK(1)の取組実績" and cell.data_type == "s"
    assert book["取組項目"]["L2"].value == 1200  # amounts stay numbers (千円)
    assert book["成果指標"]["B2"].value == Kpi.objects.filter(plan=owned_items).first().code
    csv_text = client.get(PLAN + "export-items.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)の取組実績" in csv_text


# --- publication freezes the narratives ------------------------------------------------------


def test_publication_freezes_the_narratives(client, owned_items, editor, reviewer, admin):
    call_command("loaddata", "sample_values", verbosity=0)
    KpiValue.objects.update(is_sample=False)
    item = _items(owned_items)[0]
    kpi = Kpi.objects.get(plan=owned_items, code="1-1")
    _progress(editor, reviewer, item, "公表した版", "approved")
    _commentary(editor, reviewer, kpi, "公表した説明", "approved")
    client.force_login(admin)
    page = client.get(R6 + "publish/").content.decode()
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', page).group(1)
    response = client.post(
        R6 + "publish/",
        {"confirm": token, "office": "情報政策課", "values": "with_preliminary"},
    )
    assert response.status_code == 302
    published = PublishedReport.objects.get(fiscal_year=2024)

    _progress(editor, reviewer, item, "後で直した版", "approved", rating="A")
    _commentary(editor, reviewer, kpi, "後で直した説明", "approved")

    snapshot = json.dumps(published.snapshot, ensure_ascii=False)
    assert "公表した版の取組実績" in snapshot and "後で直した版" not in snapshot
    for reader in (None, admin):
        client.logout()
        if reader:
            client.force_login(reader)
        html = _html(client)
        docx = _docx_text(client.get(R6 + "report.docx").content)
        for content in (html, docx):
            assert "公表した版の取組実績" in content and "公表した説明の要因" in content
            assert "後で直した" not in content
        assert "公表後、この報告書の数値と判定に変更はありません。" in html
        assert f"{R6}v/1/report.docx" in html  # the download next to the XLSX one
        version = _docx_text(client.get(R6 + "v/1/report.docx").content)
        assert "公表した版の取組実績" in version and "後で直した" not in version
    # The item page shows the newest approved text: the freeze is the publication's only.
    assert "後で直した版の取組実績" in _html(client, PLAN + "pillars/1/items/1/")


# --- a fixed number of queries ---------------------------------------------------------------


def test_report_query_count_does_not_grow_with_items(
    client, owned_items, editor, reviewer, django_assert_num_queries
):
    call_command("loaddata", "sample_values", verbosity=0)
    client.force_login(reviewer)  # signed in; each save below makes the page be rendered again
    client.get("/plans/")  # the session's first save (its idle timeout starts), not counted
    for item in _items(owned_items)[:2]:
        _progress(editor, reviewer, item, f"項目{item.number}", "approved")
    with CaptureQueriesContext(connection) as before:  # the page with two items
        assert client.get(R6).status_code == 200
    pillar = owned_items.pillars.get(number=1)
    department = ItemDepartment.objects.filter(item__pillar=pillar).first().department
    kpi = Kpi.objects.get(plan=owned_items, code="1-1")
    for n in range(50, 56):
        item = InitiativeItem.objects.create(pillar=pillar, number=n, title=f"追加の項目{n}")
        Action.objects.create(item=item, order=1, text="追加の取組内容")
        ItemDepartment.objects.create(item=item, department=department, is_lead=True)
        ItemKpi.objects.create(item=item, kpi=kpi)
        _progress(editor, reviewer, item, f"追加{n}", "approved")
    with django_assert_num_queries(len(before)):
        html = client.get(R6).content.decode()
    assert "追加50の取組実績" in html and "追加55の取組実績" in html
    # Each added item's block shows its KPI, with a chart whose ids are unique on the page.
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert 'id="item1-50-report-' in html


def test_a_report_published_before_items_still_shows_and_downloads(
    client, owned_items, editor, reviewer, admin
):
    call_command("loaddata", "sample_values", verbosity=0)
    KpiValue.objects.update(is_sample=False)
    client.force_login(admin)
    page = client.get(R6 + "publish/").content.decode()
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', page).group(1)
    client.post(R6 + "publish/", {"confirm": token, "office": "情報政策課", "values": ""})
    published = PublishedReport.objects.get(fiscal_year=2024)
    old = published.snapshot
    old.pop("sample_narratives")
    for pillar in old["pillars"]:
        for key in ("item_blocks", "ratings", "other_kpis"):
            pillar.pop(key)
        for row in pillar["kpis"]:
            row.pop("commentary")
    PublishedReport.objects.filter(pk=published.pk).update(snapshot=old)
    html = _html(client)
    assert 'class="report-item"' not in html and 'class="report-charts"' in html
    book = load_workbook(io.BytesIO(client.get(R6 + "report.xlsx").content))
    assert "取組項目" not in book.sheetnames and "成果指標" in book.sheetnames
    assert "取組項目 " not in _docx_text(client.get(R6 + "report.docx").content)


def test_an_item_shows_its_own_kpis_with_commentary_even_from_another_pillar(
    client, owned_items, editor, reviewer, other_reviewer, other_editor
):
    item = _items(owned_items)[0]
    kpi = Kpi.objects.get(plan=owned_items, code="3-1")  # pillar 3, the other department's
    ItemKpi.objects.create(item=item, kpi=kpi)
    _commentary(other_editor, other_reviewer, kpi, "他の取組方針の指標", "approved")
    html = _html(client)
    block = html.split(f'id="item-1-{item.number}"', 1)[1].split("</article>", 1)[0]
    assert "成果指標 3-1" in block and "他の取組方針の指標の要因" in block
    blocks = _docx_blocks(client.get(R6 + "report.docx").content)
    docx_block = blocks[f"取組項目 1-({item.number})　{item.title}"]
    assert "他の取組方針の指標の要因" in docx_block


def test_a_real_entry_in_a_report_with_sample_values_is_not_marked_sample_in_any_format(
    client, owned_items, editor, reviewer
):
    """The page, the XLSX and the DOCX mark samples per entry alike (fresh-eyes finding)."""
    call_command("loaddata", "sample_values", verbosity=0)  # the report holds sample values
    item = _items(owned_items)[0]
    _progress(editor, reviewer, item, "本番の記入", "approved")
    html = _html(client)
    block = html.split("本番の記入の取組実績", 1)[1].split("</table>", 1)[0]
    assert "おおむね計画どおり" in block and "tag-sample" not in block
    rows = _sheet(client.get(R6 + "report.xlsx").content, "取組項目")[1:]
    real = next(r for r in rows if r[5] == "本番の記入の取組実績")
    assert real[14] == "承認済み"
    text = _docx_text(client.get(R6 + "report.docx").content)
    rating = text.split("本番の記入の今後", 1)[1].split("\n", 3)
    assert not any("【サンプル】" in line and "おおむね" in line for line in rating[:3])


def test_an_item_shows_the_kpis_the_plan_lists_under_it_in_every_format(client, owned_items):
    """Kpi.item (a plan's KPI table) counts as much as a link, as on the item's page."""
    item = _items(owned_items)[0]
    Kpi.objects.filter(plan=owned_items, code="3-1").update(item=item)
    html = _html(client)
    block = html.split(f'id="item-1-{item.number}"', 1)[1].split("</article>", 1)[0]
    assert "成果指標 3-1" in block and "結び付けられた成果指標はありません" not in block
    rows = _sheet(client.get(R6 + "report.xlsx").content, "取組項目")
    row = next(r for r in rows if item.title in r)
    assert "3-1" in row
    blocks = _docx_blocks(client.get(R6 + "report.docx").content)
    assert "3-1" in blocks[f"取組項目 1-({item.number})　{item.title}"]

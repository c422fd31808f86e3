"""The whole report printed on A4 in Chromium (issue 13, point 5): no table wider than the
page, and no page less than a quarter full except the last.

Printed with Playwright's page.pdf(format="A4") and read back with pypdf: every piece of text
is placed on its page (pypdf's text visitor gives each run's position), so the lowest text on a
page tells how full it is, and the rightmost how wide. Charts are drawn as vector graphics, not
text, but each has a caption and a table of its numbers below it, which are text. The same
layout is also checked in the DOM under print media, where a table's own width is measured.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from initiatives.models import InitiativeItem
from tests.browser.helpers import wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "hokkaido-smart-docho-3"
R6 = f"/plans/{SLUG}/reports/2024/"


def _items() -> int:
    """The report's plan's 取組項目 (the demo has another organization's plan too)."""
    return InitiativeItem.objects.filter(pillar__plan__slug=SLUG).count()


A4_WIDTH_PT, A4_HEIGHT_PT = 595.3, 841.9
MARGIN_TOP_PT = 15 / 25.4 * 72  # @page margins in static/css/report.css: 15mm 12mm
MARGIN_SIDE_PT = 12 / 25.4 * 72


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)


def _text_extent(pdf_page) -> tuple[float, float, float]:
    """(lowest y, highest x, lowest x) of the text on a PDF page, in points from the
    bottom-left corner."""
    ys, xs = [], []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        # The text's origin in page space: the text matrix, then the current matrix.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        ys.append(y)
        xs.append(x + size * len(text) * 0.5)  # at least half an em per character
        xs.append(x)

    pdf_page.extract_text(visitor_text=visit)
    if not ys:
        return A4_HEIGHT_PT, 0.0, 0.0
    return min(ys), max(xs), min(xs)


def test_report_prints_on_a4_without_cut_tables_or_near_empty_pages(page, live_server, demo):
    from pypdf import PdfReader

    items = _items()
    page.goto(live_server.url + R6)
    page.wait_for_load_state("networkidle")
    wait_for_charts(page)  # printed as a reader would, once the page has drawn its charts
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    pages = list(pdf.pages)
    assert len(pages) >= 3
    text = "".join(p.extract_text() for p in pages)
    assert text.count("取組項目 ") >= items  # every item's block was printed

    usable = A4_HEIGHT_PT - 2 * MARGIN_TOP_PT
    fills = []
    for number, pdf_page in enumerate(pages, start=1):
        width = float(pdf_page.mediabox.width)
        assert abs(width - A4_WIDTH_PT) < 2 and abs(float(pdf_page.mediabox.height) - 842) < 2
        lowest, right, left = _text_extent(pdf_page)
        assert left >= MARGIN_SIDE_PT - 2, f"page {number}: text cut at the left edge"
        assert right <= width, f"page {number}: text runs past the right edge ({right:.0f}pt)"
        fills.append((A4_HEIGHT_PT - MARGIN_TOP_PT - lowest) / usable)
    near_empty = [(n, round(f, 2)) for n, f in enumerate(fills[:-1], start=1) if f < 0.25]
    assert near_empty == [], f"pages less than a quarter full: {near_empty} of {len(fills)}"


def test_no_table_is_wider_than_the_printed_page(page, live_server, demo):
    # The A4 text block at 96 px per inch: 210mm less 2 × 12mm of margins.
    width = round((210 - 24) / 25.4 * 96)
    page.set_viewport_size({"width": width, "height": 1100})
    page.goto(live_server.url + R6)
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    too_wide = page.evaluate(
        """(width) => [...document.querySelectorAll('table')]
            .filter(t => t.getBoundingClientRect().width > 0)
            .filter(t => t.getBoundingClientRect().right > width + 1
                         || t.scrollWidth > t.getBoundingClientRect().width + 1)
            .map(t => (t.caption ? t.caption.textContent : '?') + ' '
                      + Math.round(t.getBoundingClientRect().right))""",
        width,
    )
    assert too_wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


def test_the_whole_report_passes_axe(page, live_server, demo, axe):
    page.goto(live_server.url + R6)
    page.wait_for_load_state("networkidle")
    assert page.locator("article.report-item").count() == _items()
    axe(page)
    assert page.console_errors == []


def test_a_report_printed_before_its_charts_are_drawn_prints_their_tables(page, live_server, demo):
    """Printed at once after opening (no reader action yet, so no chart drawn): every chart's
    table of numbers is on paper in its place, and no empty chart box is left."""
    page.goto(live_server.url + R6)
    page.wait_for_load_state("domcontentloaded")
    page.emulate_media(media="print")
    charts = page.evaluate(
        """() => [...document.querySelectorAll('figure.chart')].map(f => ({
            drawn: f.querySelector('.chart-canvas').childElementCount > 0,
            canvas: f.querySelector('.chart-canvas').getBoundingClientRect().height,
            table: f.querySelector('table').getBoundingClientRect().height}))"""
    )
    undrawn = [c for c in charts if not c["drawn"]]
    assert len(undrawn) >= _items() // 2  # the report's charts, none drawn yet
    assert all(c["table"] > 0 and c["canvas"] == 0 for c in undrawn), undrawn
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(page.pdf(format="A4"))).pages)
    assert text.count("グラフの数値") >= len(undrawn)


def test_kpi_codes_and_their_heading_print_on_one_line(page, live_server, demo):
    width = round((210 - 24) / 25.4 * 96)  # the A4 text block, as above
    page.set_viewport_size({"width": width, "height": 1100})
    page.goto(live_server.url + R6)
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    broken = page.evaluate(
        """() => [...document.querySelectorAll(
                '.report-kpis td:first-child, .report-kpis thead th:first-child')]
            .filter(cell => {
                const range = document.createRange();
                range.selectNodeContents(cell);
                const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                return tops.size > 1;
            })
            .map(cell => cell.textContent)"""
    )
    assert page.locator(".report-kpis td:first-child").count() >= 10
    assert broken == []

"""The Quotes tab in a real browser (chromium via Playwright, as tests/test_app_browser.py): search
by topic and by speaker, read a quotation highlighted in its article, copy it with its citation,
export the selected ones, and a hostile article's quotation stays inert text."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import DATA
from .test_app_api import running_app
from .test_app_browser import ARTIFACTS, browser, open_tab  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(shipped_index_dir, tmp_path_factory):
    with running_app(shipped_index_dir, tmp_path_factory.mktemp("quotes_browser")) as (url, service):
        report = service.add_uploads([DATA / "quotes" / "hostile_quote.md"], log=lambda m: None)
        assert report.added == ["uploads/hostile_quote.md"]
        yield url, service


@pytest.fixture
def page(browser, app):
    context, page = open_tab(
        browser,
        app[0],
        ready="__qaQuoteHandlers",
        tab="Quotes",
        selector="#qa-q-topic textarea",
        height=900,
        accept_downloads=True,
    )
    yield page
    context.close()


def _search(page, topic: str):
    page.fill("#qa-q-topic textarea", topic)
    page.click("#qa-q-search")
    page.wait_for_function(
        "t => { const c = document.querySelector('#qa-q-results .qa-quotes-count'); return c && c.dataset.seen !== t; }",
        arg=topic,
    )
    page.wait_for_selector("#qa-q-results .qa-qcard")
    return page.locator("#qa-q-results .qa-qcard")


def test_topic_search_open_copy_and_export(page):
    cards = _search(page, "peace agreement with Azerbaijan")
    assert cards.count() >= 5
    first = cards.first
    words = first.locator(".qa-qcard-text").inner_text().strip().removeprefix("“").removesuffix("”")
    assert first.locator(".qa-qcard-who").inner_text().startswith("— ")
    # show in article: the panel highlights exactly these words
    first.locator(".qa-qopen").click()
    page.wait_for_function(
        "t => { const h = document.querySelector('#qa-quote-panel #qa-qhit'); return h && h.innerText.trim() === t; }",
        arg=words,
    )
    # copy with citation
    first.locator(".qa-qcopy").click()
    page.wait_for_function("() => !!window.qaLastCopied")
    copied = page.evaluate("() => window.qaLastCopied")
    assert copied.startswith("“" + words[:40]) and "quoted in" in copied
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quotations_tab.png"))
    # export: all found quotes selected, then only two
    with page.expect_download() as dl:
        page.click("#qa-q-md")
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert md.count("\n") == cards.count() and words[:40] in md
    boxes = page.locator("#qa-q-select input[type=checkbox]")
    for i in range(2, boxes.count()):
        boxes.nth(i).uncheck()
    page.wait_for_timeout(500)
    page.wait_for_function("() => !document.querySelector('#qa-q-md').disabled")
    with page.expect_download() as dl:
        page.click("#qa-q-csv")
    rows = Path(dl.value.path()).read_text(encoding="utf-8").strip().splitlines()
    assert len(rows) == 3 and rows[0].startswith("n,text,speaker")


def test_speaker_picker_lists_counts_and_filters(page):
    box = page.locator("#qa-q-speaker input")
    box.click()
    box.fill("Nikol Pashinian")
    page.wait_for_timeout(500)
    options = page.locator("[role=option]", has_text="Nikol Pashinian (")
    if not options.count():
        print(page.locator("body").inner_html()[-6000:])
    options.first.click()
    page.wait_for_function(
        "() => { const w = [...document.querySelectorAll('#qa-q-results .qa-qcard .qa-speaker')];"
        " return w.length > 0 && w.every(e => e.innerText === 'Nikol Pashinian'); }"
    )


def test_hostile_quotation_stays_text(page):
    cards = _search(page, "lighthouse winter storms")
    card = page.locator("#qa-q-results .qa-qcard", has_text="will shine again").first
    assert "<img src=x" in card.locator(".qa-qcard-text").inner_text()
    card.locator(".qa-qopen").click()
    page.wait_for_selector("#qa-quote-panel #qa-qhit")
    card.locator(".qa-qcopy").click()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__xss") is None and page.evaluate("() => window.__dialogs") == []
    assert card.locator("a").count() == 0  # a javascript: URL is never a link
    assert cards.count() >= 1

"""The Timeline tab and the citation style picker in a real browser (chromium via Playwright, as
tests/test_app_browser.py): build a timeline, open an entry and another outlet's report of it in the
article, export the selected entries (Markdown, CSV, CSL-JSON, BibTeX), copy in the style picked (kept
in the browser across a reload, used by the Ask tab too), and a hostile dated article stays inert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import DATA
from .test_app_api import running_app
from .test_app_browser import ARTIFACTS, ask, browser, open_tab  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.browser

TOPIC = "Armenia–Azerbaijan conflict and peace talks"
GRANADA_TALKS = "Where were the October 5 talks supposed to be held?"


@pytest.fixture(scope="module")
def app(shipped_index_dir, tmp_path_factory):
    with running_app(shipped_index_dir, tmp_path_factory.mktemp("timeline_browser")) as (url, service):
        report = service.add_uploads([DATA / "timeline" / "hostile_dated.md"], log=lambda m: None)
        assert report.added == ["uploads/hostile_dated.md"]
        yield url, service


@pytest.fixture
def page(browser, app):
    context, page = open_tab(
        browser,
        app[0],
        ready="__qaTimelineHandlers",
        tab="Timeline",
        selector="#qa-tl-topic textarea",
        height=1000,
        accept_downloads=True,
    )
    yield page
    context.close()


def _build(page, topic: str):
    page.fill("#qa-tl-topic textarea", topic)
    page.click("#qa-tl-build")
    page.wait_for_selector("#qa-tl-results .qa-tl-entry")
    return page.locator("#qa-tl-results .qa-tl-entry")


def _entry(page, badge: str):
    return page.locator("#qa-tl-results .qa-tl-entry", has=page.locator(".qa-tl-badge", has_text=badge)).first


def _download(page, selector: str) -> str:
    page.wait_for_function("s => !document.querySelector(s).disabled", arg=selector)
    with page.expect_download() as dl:
        page.click(selector)
    return Path(dl.value.path()).read_text(encoding="utf-8")


def _pick_style(page, name: str, key: str):
    page.click("#qa-cite-style input")
    page.get_by_role("option", name=name).click()
    page.wait_for_function("k => localStorage.getItem('qa-cite-style') === k && window.qaCiteStyle === k", arg=key)


def test_timeline_entries_open_in_their_article_and_export(page):
    entries = _build(page, TOPIC)
    assert entries.count() >= 15
    badges = [b.strip() for b in page.locator("#qa-tl-results .qa-tl-badge").all_inner_texts()]
    assert badges[0] == "1991" and "5 October 2023" in badges and "18 November (year not stated)" in badges
    assert "year not stated in the articles" in page.locator("#qa-tl-results .qa-tl-divider").first.inner_text().lower()
    granada = _entry(page, "5 October 2023")
    sentence = granada.locator(".qa-tl-text").inner_text().strip().removeprefix("“").removesuffix("”")
    assert granada.locator(".qa-tl-date").inner_text() == "Oct. 5"  # the words that date it, marked
    granada.locator(".qa-tl-text").click()
    page.wait_for_function(
        "t => { const h = document.querySelector('#qa-tl-panel #qa-tlhit'); return h && h.innerText.trim() === t; }",
        arg=sentence,
    )
    # another outlet's report of an event opens that article
    also = page.locator("#qa-tl-results .qa-tl-also-link").first
    also.click()
    page.wait_for_function(
        "() => (document.querySelector('#qa-tl-panel .qa-source-label') || {}).textContent"
        " === 'Entry ' + document.querySelector('#qa-tl-results .qa-tl-entry.qa-active').dataset.n"
        " + ', as reported here'"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "timeline_tab.png"))
    # export three of the entries
    boxes = page.locator("#qa-tl-select input[type=checkbox]")
    for i in range(3, boxes.count()):
        boxes.nth(i).uncheck()
    page.wait_for_timeout(500)
    md = _download(page, "#qa-tl-md")
    assert md.startswith(f"# Timeline: {TOPIC}") and md.count("\n- **") == 3 and "“The territory declared" in md
    rows = _download(page, "#qa-tl-csv").strip().splitlines()
    assert len(rows) == 4 and rows[0].startswith("n,date,date_label")
    items = json.loads(_download(page, "#qa-tl-csl"))
    assert items and {"id", "type", "title"} <= set(items[0])
    assert _download(page, "#qa-tl-bib").startswith("@")


def test_style_picker_sets_copies_and_exports_and_is_kept(browser, app, page):
    _pick_style(page, "Chicago (notes and bibliography)", "chicago")
    _build(page, TOPIC)
    granada = _entry(page, "5 October 2023")
    granada.locator(".qa-tl-copy").click()
    page.wait_for_function("() => (window.qaLastCopied || '').startsWith('5 October 2023: “The talks')")
    copied = page.evaluate("() => window.qaLastCopied")
    assert copied.endswith(
        "” — Elsa Court, “Bloomberg: Azerbaijani President cancels plans to attend peace talks "
        "with Armenia,” The Kyiv Independent, October 4, 2023."
    )
    assert "<i>The Kyiv Independent</i>" in page.evaluate("() => window.qaLastCopiedHtml")
    assert "## Bibliography" in _download(page, "#qa-tl-md")
    # kept in the browser: a reload shows it again, and the Ask tab copies in it
    page.reload(wait_until="domcontentloaded")
    page.wait_for_function("() => !!window.__qaHandlers && window.qaCiteStyle === 'chicago'")
    page.wait_for_function("() => document.querySelector('#qa-cite-style input').value.startsWith('Chicago')")
    page.get_by_role("tab", name="Ask").click()
    answer = ask(page, GRANADA_TALKS)
    card = answer.locator(".qa-quote", has_text="supposed to be held on Oct. 5").first
    card.locator(".qa-copy").click()
    page.wait_for_function("() => (window.qaLastCopied || '').includes('Elsa Court, “Bloomberg')")
    _pick_style(page, "APA 7", "apa")
    page.evaluate("() => { window.qaLastCopied = ''; }")
    card.locator(".qa-copy").click()
    page.wait_for_function("() => (window.qaLastCopied || '').includes('Court, E. (2023, October 4).')")
    assert "## References" in _download(page, "#qa-download")
    assert json.loads(_download(page, "#qa-csl"))[0]["type"] == "article-newspaper"
    assert "journal = {The Kyiv Independent}" in _download(page, "#qa-bib")


def test_hostile_dated_article_stays_inert(page):
    _build(page, "lighthouse reopened by the harbour council")
    entry = _entry(page, "5 March 2024")
    assert "<img src=x" in entry.locator(".qa-tl-text").inner_text()
    assert entry.locator("a").count() == 0  # a javascript: URL is never a link
    entry.locator(".qa-tl-open").click()
    page.wait_for_selector("#qa-tl-panel #qa-tlhit")
    entry.locator(".qa-tl-copy").click()
    page.wait_for_function("() => !!window.qaLastCopied")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__xss") is None and page.evaluate("() => window.__dialogs") == []
    same_day = page.locator("#qa-tl-results .qa-tl-entry", has_text="The same day").first
    assert same_day.locator(".qa-tl-badge").inner_text().strip() == "5 March 2024"

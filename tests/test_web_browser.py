"""Add by link and Update feeds in a real browser (chromium via Playwright, as tests/test_app_browser.py):
a link and a feed served on loopback are added from the app, asked about at once, and cited with
their outlet, date and canonical URL; a bad address is one line in the report."""

from __future__ import annotations

import pytest

from .test_app_api import running_app
from .test_app_browser import ask, browser, open_quote, open_tab, shot  # noqa: F401  (browser is a fixture)
from .web_server import serve_web

pytestmark = pytest.mark.browser

LEDGER = "https://www.northernledger.example/world/2024/05/14/valdmark-rail-bridge-opens"


@pytest.fixture
def app_and_site(browser, shipped_index_dir, tmp_path):  # noqa: F811  (browser: the fixture of test_app_browser)
    """The app on its own index copy and corpus, allowed to fetch from the loopback test site."""
    with serve_web() as site, running_app(shipped_index_dir, tmp_path, allow_private_urls=True) as (url, service):
        context, page = open_tab(
            browser, url, ready="__qaHandlers", tab="Ask", selector="#qa-question textarea", height=1000
        )
        try:
            yield page, service, site
        finally:
            context.close()


def _add(page, text: str) -> str:
    """Paste `text` into the address box, press Add by link, and return the report once it is in."""
    page.fill("#qa-links textarea", text)
    before = page.locator("#qa-links-report").inner_text()
    page.click("#qa-add-link")
    page.wait_for_function(
        "b => { const r = document.querySelector('#qa-links-report'); return r && r.innerText.trim() && r.innerText !== b"
        " && !r.querySelector('.progress-text, .eta-bar'); }",
        arg=before,
    )
    return page.locator("#qa-links-report").inner_text()


def _status_count(page, n: int) -> None:
    page.wait_for_function(
        "n => document.querySelector('#qa-header .qa-status').innerText.startsWith(n + ' documents')", arg=n
    )


def test_add_a_link_then_a_feed_from_the_app_and_ask_about_them(app_and_site):
    page, service, site = app_and_site
    before = len(service.documents())
    page.click("#qa-add button, #qa-add .label-wrap")
    page.wait_for_selector("#qa-links textarea")
    report = _add(page, f"{site.base}/news/news_article.html?utm_source=share\n{site.base}/missing")
    assert "Added 1 article" in report
    assert (
        "“Valdmark opens its longest rail bridge after six years of work” (The Northern Ledger, 2024-05-14)" in report
    )
    assert f"{site.base}/missing: not found (HTTP 404 Not Found); check the link" in report
    assert page.locator(f"#qa-links-report a[href='{LEDGER}']").count() == 1
    assert page.locator("#qa-links textarea").input_value() == ""
    _status_count(page, before + 1)
    shot(page, "web_1_add_by_link", full_page=True)

    answer = ask(page, "How much did the Orsund rail bridge cost?")
    first = answer.locator(".qa-quote").first
    assert "1.9 billion crowns" in first.locator(".qa-quote-text").inner_text()
    assert first.locator(".qa-outlet").inner_text() == "The Northern Ledger"
    assert first.locator(".qa-date").inner_text() == "2024-05-14"
    open_quote(page, first)
    panel = page.locator("#qa-source-panel")
    assert panel.locator(f"a[href='{LEDGER}']").count() == 1  # the canonical URL, to go back to the source
    assert "web/northernledger.example/valdmark-rail-bridge-opens.md" in panel.inner_text()
    shot(page, "web_2_answer_cites_the_page")

    report = _add(page, f"{site.base}/feed/rss.xml")
    assert "Added 3 articles" in report and "Feed Harbour Radio – News: 3 new, 0 already in the corpus" in report
    _status_count(page, before + 4)
    answer = ask(page, "What will the old customs house in Brannvik become?")
    first = answer.locator(".qa-quote").first
    assert "maritime museum" in first.locator(".qa-quote-text").inner_text()
    assert first.locator(".qa-outlet").inner_text() == "Harbour Radio"
    assert first.locator(".qa-date").inner_text() == "2024-03-06"

    page.click("#qa-update-feeds")
    page.wait_for_function(
        "() => /0 new, 3 already in the corpus/.test(document.querySelector('#qa-links-report').innerText)"
    )
    shot(page, "web_3_update_feeds", full_page=True)
    assert len(service.documents()) == before + 4

"""The app in a real browser: Debian's chromium driven by Playwright, against the real app on a free port.

The app serves a temporary copy of the shipped index (plus one hostile article), so uploads never
touch the shared fixture or the repository's index/. Each state is saved under tests/artifacts/.
Waits are generous (the machine is slow and noisy); a test fails on what it sees, not on time.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from .conftest import CORPUS
from .test_app_api import GRANADA, UI_DATA, running_app

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("QA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WAIT = 120_000  # ms: generous, only a broken app takes this long
LIGHTHOUSE = "What did the Zorbian harbour council decide about the lighthouse?"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium, or point QA_CHROMIUM at a chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def app(shipped_index_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app_browser")
    with running_app(shipped_index_dir, tmp, max_upload_mb=1) as (url, service):
        # a hostile article, added the way an upload is (the upload test below goes through the browser)
        report = service.add_uploads([UI_DATA / "xss_article.md"], log=lambda m: None)
        assert report.added == ["uploads/xss_article.md"]
        yield url, service


# Dialogs are recorded instead of shown, so a test can assert that document text never ran as script.
NO_DIALOGS = (
    "window.__xss = null; window.__dialogs = [];"
    "for (const f of ['alert', 'confirm', 'prompt']) window[f] = (m) => { window.__dialogs.push(String(m)); };"
)


def open_tab(browser, url: str, *, ready: str, tab: str, selector: str, height: int = 1000, **context_options):
    """A new browser context on the app at `url`, once the page script `ready` exists, with `tab`
    open and `selector` shown; returns (context, page): close the context when done."""
    context = browser.new_context(viewport={"width": 1440, "height": height}, **context_options)
    context.add_init_script(NO_DIALOGS)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(f"() => !!window.{ready}")
    page.get_by_role("tab", name=tab).click()
    page.wait_for_selector(selector)
    return context, page


def _open(browser, url):
    return open_tab(browser, url, ready="__qaHandlers", tab="Ask", selector="#qa-question textarea", height=900)[1]


@pytest.fixture
def page(browser, app):
    page = _open(browser, app[0])
    yield page
    page.context.close()


def shot(page, name, full_page=False):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def ask(page, question: str):
    """Type `question`, press Ask, and return the locator of the new answer."""
    before = page.locator("#qa-chat .qa-answer").count()
    page.fill("#qa-question textarea", question)
    page.click("#qa-ask")
    page.wait_for_function("n => document.querySelectorAll('#qa-chat .qa-answer').length > n", arg=before)
    return page.locator("#qa-chat .qa-answer").nth(before)


def quote_text(card) -> str:
    return card.locator(".qa-quote-text").inner_text().strip().removeprefix("“").removesuffix("”")


def open_quote(page, card):
    """Click Show in article and wait until the panel highlights this card's quote."""
    expected = quote_text(card)
    card.locator(".qa-open").click()
    page.wait_for_function(
        "t => { const h = document.querySelector('#qa-source-panel #qa-hit'); return h && h.innerText.trim() === t; }",
        arg=expected.strip(),
    )
    return expected


def hit_is_in_view(page) -> bool:
    return page.evaluate(
        """() => {
          const hit = document.querySelector('#qa-hit'), body = document.querySelector('.qa-source-body');
          const h = hit.getBoundingClientRect(), b = body.getBoundingClientRect();
          return h.bottom > b.top && h.top < b.bottom && h.bottom > 0 && h.top < window.innerHeight;
        }"""
    )


# answered first by The Kyiv Independent, and also by an RFE/RL article of the shipped digest
OCT5 = "Where were the October 5 talks supposed to be held?"


def test_answer_shows_numbered_quotes_with_outlets_and_dates(page):
    answer = ask(page, OCT5)
    cards = answer.locator(".qa-quote")
    assert cards.count() >= 2
    text = answer.locator(".qa-text").inner_text()
    assert "Granada" in text and "[1]" in text
    for i in range(cards.count()):
        head = cards.nth(i).locator(".qa-quote-head").inner_text()
        assert head.startswith(f"[{i + 1}]")
    titles = {cards.nth(i).locator(".qa-title").inner_text() for i in range(cards.count())}
    assert len(titles) >= 2  # quotes from at least two articles
    assert "The Kyiv Independent" in answer.inner_text() and "2023-10-04" in answer.inner_text()
    # the first quote opens by itself beside the chat
    page.wait_for_function("() => !!document.querySelector('#qa-source-panel #qa-hit')")
    shot(page, "1_answer")


def test_clicking_a_quote_highlights_it_in_its_article(page, app):
    documents = app[1].documents()
    answer = ask(page, GRANADA)
    cards = answer.locator(".qa-quote")
    seen_docs = set()
    for i in range(cards.count()):
        expected = open_quote(page, cards.nth(i))
        panel = page.locator("#qa-source-panel .qa-source")
        doc_id = panel.get_attribute("data-doc-id")
        start, end = int(panel.get_attribute("data-start")), int(panel.get_attribute("data-end"))
        assert documents[doc_id].text[start:end] == expected == page.locator("#qa-hit").inner_text().strip()
        seen_docs.add(doc_id)
        page.wait_for_function(
            """() => { const h = document.querySelector('#qa-hit'), b = document.querySelector('.qa-source-body');
                       const r = h.getBoundingClientRect(), s = b.getBoundingClientRect();
                       return r.bottom > s.top && r.top < s.bottom; }"""
        )
        assert hit_is_in_view(page)
    assert len(seen_docs) >= 2
    # the [n] markers in the answer text open their quotes too
    answer.locator(".qa-text .qa-ref").last.click()
    n = answer.locator(".qa-text .qa-ref").last.inner_text().strip("[]")
    open_quote(page, answer.locator(f"#qa-q-0-{n}"))
    shot(page, "2_source_open")


def test_copy_and_markdown_export(page):
    answer = ask(page, OCT5)
    first = answer.locator(".qa-quote").first
    first.locator(".qa-copy").click()
    page.wait_for_function("() => typeof window.qaLastCopied === 'string'")
    copied = page.evaluate("window.qaLastCopied")
    assert copied.startswith(f"“{quote_text(first)}” — ")
    assert "The Kyiv Independent" in copied and "2023-10-04" in copied and "000_f5edb748992077ea.txt" in copied
    with page.expect_download() as download:
        page.click("#qa-download")
    md = Path(download.value.path()).read_text(encoding="utf-8")
    assert md.startswith(f"# {OCT5}")
    assert "## Sources" in md and "**[1]** “" in md and "The Kyiv Independent" in md


def test_follow_up_uses_history_and_clear_empties_the_chat(page, app, monkeypatch):
    service = app[1]
    calls = []
    real_ask = service.ask

    def spy(question, k=None, **kw):
        calls.append((question, list(kw.get("history") or [])))
        return real_ask(question, k, **kw)

    monkeypatch.setattr(service, "ask", spy)
    ask(page, GRANADA)
    when = ask(page, "When was that?")
    russia = ask(page, "And what did Russia say?")
    # each turn goes in with the turns before it and their answers
    question, history = calls[-1]
    assert question == "And what did Russia say?"
    assert [t.question for t in history] == [GRANADA, "When was that?"]
    assert all(t.answer is not None and t.answer.quotes for t in history)
    resolved = page.locator("#qa-chat .qa-resolved")
    assert resolved.count() == 2  # the first question needed no resolving
    assert resolved.nth(0).inner_text().strip() == "Answering: When were the talks in Granada?"
    assert resolved.nth(1).inner_text().strip() == "Answering: What did Russia say about the talks?"
    # the follow-ups are answered from what was just said: the date of those talks, Russia's words
    assert "Oct. 5" in quote_text(when.locator(".qa-quote").first)
    first = quote_text(russia.locator(".qa-quote").first)
    assert "qa-abstain" not in (russia.get_attribute("class") or "") and "Russia" in first and "Moscow" in first
    assert page.locator("#qa-chat .qa-answer").count() == 3
    shot(page, "3_follow_up")
    page.click("#qa-clear")
    page.wait_for_function("() => document.querySelectorAll('#qa-chat .qa-answer').length === 0")
    assert page.locator("#qa-source-panel #qa-hit").count() == 0
    ask(page, "Where were the talks supposed to be held?")
    assert calls[-1][1] == []  # a cleared chat has no history


def test_empty_question_unanswerable_question_and_bad_date(page):
    page.click("#qa-ask")
    page.wait_for_selector("#qa-notice-box .qa-notice")
    assert "Type a question" in page.locator("#qa-notice-box").inner_text()
    assert page.locator("#qa-chat .qa-answer").count() == 0
    answer = ask(page, "What is the recipe for banana bread?")
    assert "qa-abstain" in answer.get_attribute("class")
    assert answer.locator(".qa-quote").count() == 0
    assert "No answer in these articles" in answer.inner_text()
    shot(page, "4_abstention")
    page.click("#qa-settings button, #qa-settings .label-wrap")
    page.fill("#qa-date-from input, #qa-date-from textarea", "last week")
    page.fill("#qa-question textarea", GRANADA)
    page.click("#qa-ask")
    page.wait_for_function("() => /YYYY-MM-DD/.test(document.querySelector('#qa-notice-box').innerText)")
    assert page.locator("#qa-chat .qa-answer").count() == 1


def test_outlet_filter_limits_the_quotes(page, app):
    assert "France24" in app[1].outlets()
    page.click("#qa-settings button, #qa-settings .label-wrap")
    page.click("#qa-outlets input")
    page.get_by_role("option", name="France24").click()
    page.keyboard.press("Escape")
    answer = ask(page, "What summit did Russia propose?")
    outlets = answer.locator(".qa-quote .qa-outlet").all_inner_texts()
    assert outlets and set(outlets) == {"France24"}
    assert "Filtered: France24" in page.locator("#qa-notice-box").inner_text()
    shot(page, "4b_outlet_filter")


@pytest.fixture
def upload_page(browser, shipped_index_dir, tmp_path):
    """A page on an app of its own (own index copy, own port): uploading must not change the shared app."""
    with running_app(shipped_index_dir, tmp_path, max_upload_mb=1) as (url, service):
        page = _open(browser, url)
        try:
            yield page, service
        finally:
            page.context.close()


def test_upload_then_ask_about_it(upload_page):
    page, service = upload_page
    before = len(service.documents())
    page.click("#qa-add button, #qa-add .label-wrap")
    page.set_input_files(
        "#qa-upload input[type=file]",
        [str(UI_DATA / n) for n in ("halvorsen_penguins.txt", "empty.txt", "not_an_article.png")],
    )
    page.wait_for_selector("#qa-upload-report .qa-notice-ok")
    report = page.locator("#qa-upload-report").inner_text()
    assert "Added 1 article: halvorsen_penguins.txt" in report
    assert "empty.txt: empty file" in report and "not_an_article.png: unsupported file type" in report
    page.wait_for_function(
        "n => document.querySelector('#qa-header .qa-status').innerText.startsWith(n + ' documents')", arg=before + 1
    )
    shot(page, "5_upload", full_page=True)
    answer = ask(page, "How many emperor penguin chicks did the Halvorsen Glacier station count?")
    first = answer.locator(".qa-quote").first
    assert "4,212" in quote_text(first)
    assert "Polar Field Notes" in first.inner_text() and "2023-12-02" in first.inner_text()
    open_quote(page, first)
    assert "halvorsen_penguins.txt" in page.locator("#qa-source-panel").inner_text()
    shot(page, "6_upload_answer")
    # the upload is kept in the corpus folder (the bad files are not): `qa index` keeps it
    corpus = Path(service.config.corpus_dir)
    assert sorted(p.name for p in (corpus / "uploads").iterdir()) == ["halvorsen_penguins.txt"]
    assert "kept in the corpus folder" in report
    from qa.api import Assistant

    rebuilt, _ = Assistant.from_corpus([corpus], corpus.parent / "rebuilt", service.config)
    assert list(rebuilt.documents) == ["uploads/halvorsen_penguins.txt"]
    again = rebuilt.ask("How many emperor penguin chicks did the Halvorsen Glacier station count?")
    assert "4,212" in again.quotes[0].text


def test_an_oversized_upload_is_refused_with_a_clear_message(page, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("A long line about nothing in particular.\n" * 40_000)  # ~1.6 MB; the limit here is 1 MB
    page.click("#qa-add button, #qa-add .label-wrap")
    page.set_input_files("#qa-upload input[type=file]", [str(big)])
    toast = page.get_by_text("exceed the maximum allowed size", exact=False).first
    toast.wait_for(state="visible")
    assert "big.txt" in toast.inner_text()
    shot(page, "5b_upload_too_big")


def test_hostile_article_renders_as_inert_text(page, app):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    answer = ask(page, LIGHTHOUSE)
    cards = answer.locator(".qa-quote")
    assert cards.count() >= 2
    chat_text = page.locator("#qa-chat").inner_text()
    assert '<script>window.__xss = "script"</script>' in chat_text  # the literal text is visible
    assert "<img src=x onerror=" in chat_text
    assert page.get_by_text("<script>window.__xss", exact=False).first.is_visible()
    for i in range(cards.count()):
        open_quote(page, cards.nth(i))
        cards.nth(i).locator(".qa-outlet").hover()  # the outlet carries an onmouseover payload
        page.locator("#qa-source-panel .qa-source-title").hover()
    source_text = page.locator("#qa-source-panel").inner_text()
    assert "<script>window.__xss" in source_text and "[click](javascript:" in source_text
    assert "javascript:window.__xss='url" in source_text  # the URL is text, not a link
    page.wait_for_timeout(1000)  # let anything that would run, run
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__dialogs") == [] and dialogs == []
    for scope in ("#qa-chat .qa-answer", "#qa-source-panel"):
        assert page.locator(f"{scope} :is(script, img, iframe, svg, object, embed, a)").count() == 0, scope
    assert page.locator("a[href^='javascript' i]").count() == 0
    handlers = page.evaluate(
        """() => Array.from(document.querySelectorAll('.qa-answer *, #qa-source-panel *'))
                 .flatMap(e => Array.from(e.attributes).map(a => a.name)).filter(n => n.startsWith('on'))"""
    )
    assert handlers == []
    shot(page, "7_xss_inert")


def test_no_index_yet_then_build_from_the_corpus_folder(browser, tmp_path):
    with running_app(None, tmp_path) as (url, service):
        assert not service.ready
        page = _open(browser, url)
        try:
            box = page.locator("#qa-noindex")
            box.wait_for(state="visible")
            assert "No index yet" in box.inner_text() and "Build index" in box.inner_text()
            assert "No index yet" in page.locator("#qa-header").inner_text()
            page.click("#qa-ask")  # asking anyway explains what to do
            page.wait_for_function("() => /Type a question/.test(document.querySelector('#qa-notice-box').innerText)")
            page.fill("#qa-question textarea", GRANADA)
            page.click("#qa-ask")
            page.wait_for_function("() => /No index yet/.test(document.querySelector('#qa-notice-box').innerText)")
            shot(page, "8_no_index")
            for name in ("000_f5edb748992077ea.txt", "002_d8d46fc8e1f04ea1.txt"):
                shutil.copy(CORPUS / name, Path(service.config.corpus_dir) / name)
            page.click("#qa-build")
            page.wait_for_selector("#qa-build-report .qa-notice-ok")
            page.wait_for_function(
                "() => /^2 documents/.test(document.querySelector('#qa-header .qa-status').innerText)"
            )
            box.wait_for(state="hidden")
            answer = ask(page, GRANADA)
            assert re.search(r"destructive position", answer.inner_text())
        finally:
            page.context.close()


def test_login_page_explains_the_rule_and_a_paused_client_is_refused(browser, shipped_index_dir, tmp_path):
    """Any user name and the shared password; after 5 wrong ones the page refuses even the right one."""
    from qa.web.auth import LoginGuard

    now = [0.0]
    guard = LoginGuard(clock=lambda: now[0])
    with running_app(shipped_index_dir, tmp_path, password="s3cret", login_guard=guard) as (url, _service):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.set_default_timeout(WAIT)
        try:
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_selector("input[type=password]")
            text = page.locator("body").inner_text()
            assert "any user name" in text and "5 wrong passwords" in text and "15 minutes" in text

            def log_in(password):
                page.fill("input[type=text], textarea", "someone")
                page.fill("input[type=password]", password)
                with page.expect_response(lambda r: r.url.rstrip("/").endswith("/login")) as reply:
                    page.get_by_role("button", name="Login").click()
                return reply.value

            for _ in range(5):
                assert log_in("wrong").status == 400
            refused = log_in("s3cret")
            assert refused.status == 400 and "try again in 30 seconds" in refused.json()["detail"]
            page.get_by_text("Incorrect", exact=False).first.wait_for(state="visible")
            shot(page, "9_login_paused")
            now[0] += 30
            log_in("s3cret")
            page.wait_for_selector("#qa-question textarea")  # in
        finally:
            context.close()


# the shipped articles cover the Granada talks, but none says what was served there
PARTIAL = "What food was served at the dinner of the Granada summit?"


def test_a_refusal_shows_its_closest_passages_only_on_request(page):
    answer = ask(page, PARTIAL)
    assert "qa-abstain" in answer.get_attribute("class")
    assert answer.locator(".qa-quote").count() == 0  # nothing is offered as the answer
    closest = answer.locator("details.qa-closest")
    assert closest.count() == 1
    assert not closest.locator(".qa-closest-card").first.is_visible()  # folded until asked for
    closest.locator("summary").click()
    card = closest.locator(".qa-closest-card").first
    card.wait_for(state="visible")
    assert "do not answer the question" in closest.inner_text()
    assert card.locator(".qa-closest-text").inner_text().strip()
    shot(page, "4c_closest_passages")

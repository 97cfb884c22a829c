"""The Check a draft tab in a real browser (Debian's chromium via Playwright), against the real app
over a copy of the shipped index plus one hostile article: each sentence marked, sources listed and
exact, the annotated draft copied as Markdown, draft and article text shown inert."""

from __future__ import annotations

import re

import pytest

from .test_app_api import UI_DATA, running_app
from .test_app_browser import browser, open_tab, shot  # noqa: F401  (browser is a fixture)
from .test_drafts import INVENTED, SUPPORTED

pytestmark = pytest.mark.browser

# a claim of the hostile article (its quotes carry <script>, <img onerror> …) and a hostile draft sentence
HOSTILE_CLAIM = "The Zorbian harbour council voted to repaint the old lighthouse in red and white stripes."
HOSTILE_DRAFT = (
    "Our reporter <img src=x onerror=\"window.__xss='draft'\"> saw <script>window.__xss='draft2'</script> nothing."
)


@pytest.fixture(scope="module")
def app(shipped_index_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app_draft_browser")
    with running_app(shipped_index_dir, tmp) as (url, service):
        report = service.add_uploads([UI_DATA / "xss_article.md"], log=lambda m: None)
        assert report.added == ["uploads/xss_article.md"]
        yield url, service


@pytest.fixture
def page(browser, app):  # noqa: F811
    context, page = open_tab(browser, app[0], ready="__qaHandlers", tab="Check a draft", selector="#qa-draft textarea")
    yield page
    context.close()


def check(page, draft: str):
    page.fill("#qa-draft textarea", draft)
    page.click("#qa-draft-check")
    page.wait_for_selector("#qa-draft-result .qa-draft")
    return page.locator("#qa-draft-result .qa-draft")


def test_each_sentence_is_marked_with_its_sources(page, app):
    claims = [SUPPORTED[0][0], INVENTED[0], SUPPORTED[3][0], INVENTED[1], SUPPORTED[1][0]]
    result = check(page, " ".join(claims))
    supported = [t.strip() for t in result.locator(".qa-sent.qa-supported").all_inner_texts()]
    unsupported = [t.strip() for t in result.locator(".qa-sent.qa-unsupported").all_inner_texts()]
    assert supported == [SUPPORTED[0][0], SUPPORTED[3][0], SUPPORTED[1][0]]
    assert unsupported == [INVENTED[0], INVENTED[1]]
    assert [t.strip() for t in result.locator(".qa-draft-missing li").all_inner_texts()] == unsupported
    assert "3 of 5 sentences supported" in result.locator(".qa-draft-summary").inner_text()
    # every [n] marker points at a source card, and every card's quote is its document's exact text
    refs = {int(n) for n in re.findall(r"\[(\d+)\]", result.locator(".qa-draft-text").inner_text())}
    cards = result.locator(".qa-draft-source")
    assert refs == set(range(1, cards.count() + 1))
    documents = app[1].documents()
    for i in range(cards.count()):
        card = cards.nth(i)
        assert card.get_attribute("id") == f"qa-d-{i + 1}"
        doc_id, start, end = (
            card.get_attribute("data-doc-id"),
            int(card.get_attribute("data-start")),
            int(card.get_attribute("data-end")),
        )
        shown = card.locator(".qa-draft-quote").inner_text().strip().removeprefix("“").removesuffix("”")
        assert " ".join(documents[doc_id].text[start:end].split()) == " ".join(shown.split())
    assert "The Kyiv Independent" in result.inner_text()
    shot(page, "draft_1_checked", full_page=True)


def test_a_claim_the_articles_say_otherwise_shows_their_sentence(page, app):
    # the talks were between Azerbaijan and Armenia: the articles discuss this claim, and say otherwise
    changed = (
        "The talks between Azerbaijan and Georgia were supposed to be held on Oct. 5 in Spain, on the sidelines "
        "of the meeting of the European Political Community in Granada."
    )
    result = check(page, changed)
    assert result.locator(".qa-sent.qa-unsupported").get_attribute("title") == "Not what the articles say"
    closest = result.locator(".qa-draft-missing li .qa-draft-closest")
    assert closest.count() == 1 and "The Kyiv Independent" in closest.inner_text()
    doc_id, start, end = (
        closest.get_attribute("data-doc-id"),
        int(closest.get_attribute("data-start")),
        int(closest.get_attribute("data-end")),
    )
    shown = closest.locator(".qa-closest-quote").inner_text()
    assert " ".join(app[1].documents()[doc_id].text[start:end].split()) == " ".join(shown.split())
    assert "Azerbaijan and Armenia" in shown
    shot(page, "draft_3_said_otherwise", full_page=True)


def test_copy_the_annotated_draft_as_markdown(page):
    claims = [SUPPORTED[1][0], INVENTED[2]]
    result = check(page, " ".join(claims))
    result.locator("#qa-draft-copy-md").click()
    page.wait_for_function("() => typeof window.qaLastCopied === 'string'")
    md = page.evaluate("window.qaLastCopied")
    assert re.match(re.escape(SUPPORTED[1][0]) + r" \[1\](?:\[\d\])* " + re.escape(INVENTED[2]), md), md[:300]
    assert "## Sources" in md and "**[1]** “" in md and "Bloomberg" in md
    assert f"## No support in these articles\n\n- “{INVENTED[2]}”" in md


def test_draft_and_article_text_stay_inert(page):
    result = check(page, f"{HOSTILE_CLAIM} {HOSTILE_DRAFT}")
    text = result.inner_text()
    assert "<img src=x onerror=" in text and "<script>window.__xss='draft2'</script>" in text  # shown as written
    # the hostile article backs the first sentence: its quote shows its markup as text
    assert result.locator(".qa-sent.qa-supported").count() == 1
    assert "uploads/xss_article.md" in [
        c.get_attribute("data-doc-id") for c in result.locator(".qa-draft-source").all()
    ]
    assert result.locator("img, script, svg, iframe").count() == 0
    page.wait_for_timeout(500)  # give any payload a moment to run
    assert page.evaluate("window.__xss") is None and page.evaluate("window.__dialogs") == []
    shot(page, "draft_2_inert", full_page=True)


def test_empty_draft_gets_a_notice(page):
    page.fill("#qa-draft textarea", "   ")
    page.click("#qa-draft-check")
    page.wait_for_selector("#qa-draft-notice .qa-notice")
    assert "Paste a paragraph" in page.locator("#qa-draft-notice").inner_text()

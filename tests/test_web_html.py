"""The app's HTML: pure functions, no model, no browser. (Shared text formats: test_render.py.)"""

import re
from html import unescape
from html.parser import HTMLParser

from qa.records import Answer, Document, Quote
from qa.render import copy_text
from qa.web.html import (
    answer_html,
    esc,
    header_html,
    quote_source_html,
    source_html,
    status_text,
    upload_report_html,
)
from qa.web.page import _parse_ref
from qa.web.service import UploadReport

PAYLOADS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss=2">',
    "[click](javascript:window.__xss=3)",
    "${window.__xss=4} {{constructor.constructor('x')()}}",
    '<svg onload="window.__xss=5"></svg> <iframe srcdoc="<script>x</script>"></iframe>',
    "$$\\alpha$$ `code` **bold** _em_ <https://evil.example> https://evil.example",
]
TEXT = "Intro line.\n\n" + " ".join(f"Sentence {i} holds {p}." for i, p in enumerate(PAYLOADS)) + "\nEnd."


def _doc(text=TEXT, **kw):
    meta = dict(
        id="evil.md",
        title="<b>Title</b> [x](javascript:1)",
        source="Out<let>",
        date="2023-11-20",
        url="javascript:alert(1)",
        path="uploads/evil.md",
    )
    meta.update(kw)
    return Document(text=text, **meta)


def _quote(doc, n, needle, **kw):
    start = doc.text.index(needle)
    return Quote(
        n=n,
        text=needle,
        doc_id=doc.id,
        title=doc.title,
        source=doc.source,
        date=doc.date,
        start=start,
        end=start + len(needle),
        score=0.9,
        url=doc.url,
        **kw,
    )


def _answer(doc):
    quotes = [_quote(doc, i + 1, f"Sentence {i} holds {p}.") for i, p in enumerate(PAYLOADS)]
    text = f"“{quotes[0].text}” [1] See also [2], [7]."
    return Answer(question="What <b>is</b> [this](javascript:1)?", answer=text, abstained=False, quotes=quotes)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


OUR_TAGS = {"div", "span", "button", "mark", "strong", "br", "a", "ul", "li"}


def _no_live_markup(html: str):
    """Every tag in `html` is one we wrote: no script, handler, iframe, svg, img or javascript: link."""
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in OUR_TAGS, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert re.match(r"https?://", attrs.get("href") or "http://"), attrs
    assert "${" not in html and "{{" not in html and "$$" not in html and "](" not in html


def test_esc_makes_every_payload_inert_and_round_trips():
    for p in PAYLOADS:
        out = esc(p)
        _no_live_markup(out)
        assert unescape(out) == p  # the reader sees the exact text
    assert esc("a\n\nb") == "a<br><br>b"  # no blank line: a Markdown renderer keeps the block as HTML


def test_answer_html_escapes_quotes_and_links_markers():
    doc = _doc()
    html = answer_html(_answer(doc), 0, {doc.id: doc})
    _no_live_markup(html)
    assert "\n" not in html
    # [1] and [2] are real quotes and become buttons; [7] is not and stays text
    assert re.search(r'<button type="button" class="qa-ref" value="0:1"[^>]*>\[1\]</button>', html)
    assert 'value="0:2"' in html and 'value="0:7"' not in html and "&#91;7&#93;" in html
    assert html.count('class="qa-quote"') == len(PAYLOADS)
    assert esc(PAYLOADS[0]) in html and "&#60;script&#62;window.&#95;&#95;xss" in html  # shown as text
    assert "Out&#60;let&#62;" in html and "2023-11-20" in html


def test_copy_payload_is_quote_in_marks_then_citation():
    doc = _doc(url="https://example.org/a?b=1&c=2")
    q = _quote(doc, 1, "Sentence 0 holds " + PAYLOADS[0] + ".")
    q.url = doc.url
    text = copy_text(q, doc)
    assert text == f"“{q.text}” — Out<let>, “{doc.title}”, 2023-11-20, https://example.org/a?b=1&c=2"
    no_url = copy_text(_quote(_doc(url=""), 1, "End."), _doc(url=""))
    assert no_url.endswith("2023-11-20, file uploads/evil.md")
    html = answer_html(Answer("q", f"“{q.text}” [1]", False, [q]), 3, {doc.id: doc})
    payload = re.search(r'<span class="qa-copy-payload qa-cite-qa" hidden>(.*?)</span>', html).group(1)
    assert unescape(payload) == text


def test_abstention_is_a_plain_message_not_a_quote_list():
    ans = Answer(question="q", answer="The articles in this collection do not answer that question.", abstained=True)
    html = answer_html(ans, 0)
    assert "qa-abstain" in html and "No answer in these articles" in html
    assert "qa-quote" not in html
    assert "filters" in answer_html(ans, 0, filtered=True)


def test_source_html_marks_exact_offsets_and_escapes():
    doc = _doc()
    q = _quote(doc, 2, f"Sentence 1 holds {PAYLOADS[1]}.")
    other = _quote(doc, 3, "Intro line.")
    html = source_html(doc, q.start, q.end, label="Quote [2]", others=[(other.start, other.end), (q.start + 1, q.end)])
    _no_live_markup(html)
    hit = re.search(r'<mark id="qa-hit" class="qa-hit">(.*?)</mark>', html, re.S).group(1)
    assert unescape(hit) == doc.text[q.start : q.end] == q.text
    assert html.count("<mark") == 2  # the overlapping span is dropped, the other one is lightly marked
    assert "\n\n" in html  # paragraphs kept for white-space: pre-wrap
    assert "<a " not in html  # javascript: URL is shown as text, never linked
    ok = source_html(_doc(url="https://example.org/x"), 0, 5)
    assert '<a href="https&#58;//example.org/x" target="_blank" rel="noopener noreferrer nofollow">' in ok


def test_status_refs_and_dates():
    assert status_text({"documents": 5, "chunks": 73, "model": "m"}, ["A", "B"], ("2023-10-04", "2023-11-16")) == (
        "5 documents · 73 chunks · model m · 2 outlets · 2023-10-04 to 2023-11-16"
    )
    assert status_text(None) == "No index yet"
    assert _parse_ref("2:3|1700000000") == (2, 3, None)
    assert _parse_ref("0:1:2|9") == (0, 1, 2)
    assert _parse_ref("<script>") is None
    assert "qa-status-missing" in header_html("No index yet", ready=False)


def test_quote_source_html_opens_the_quote_or_its_other_outlet():
    doc = _doc()
    other = _doc(id="other.md", path="other.md", source="Elsewhere")
    q = _quote(doc, 1, "End.")
    q.also_in = [
        {
            "doc_id": other.id,
            "title": other.title,
            "source": other.source,
            "date": other.date,
            "start": q.start,
            "end": q.end,
        }
    ]
    answer = Answer("q", "“End.” [1]", False, [q])
    docs = {doc.id: doc, other.id: other}
    assert 'data-doc-id="evil.md"' in quote_source_html(answer, 1, docs)
    assert 'data-doc-id="other.md"' in quote_source_html(answer, 1, docs, also=0)
    assert "not part of this answer" in quote_source_html(answer, 9, docs)
    assert "no longer in the index" in quote_source_html(answer, 1, {})


def test_upload_report_lists_added_replaced_and_skipped_files_escaped():
    report = UploadReport(
        added=["uploads/a<b>.txt"],
        replaced=["uploads/c.md"],
        total=7,
        problems=["x.png: unsupported file type '.png'", "<img src=x onerror=1>.txt: empty file"],
        renamed=[".<i>x.txt → &lt;i&gt;x.txt"],
    )
    html = upload_report_html(report)
    _no_live_markup(html)
    assert "Added 2 articles: a&#60;b&#62;.txt, c.md" in html and "7 documents" in html
    assert "Already in the index: c.md" in html and "kept in the corpus folder under uploads/" in html
    assert f"Saved under a safe, unused name: {esc(report.renamed[0])}." in html and "&#38;lt;" in html
    assert "Skipped 2 files (the rest were indexed)" in html and html.count("<li>") == 2
    assert "Nothing to add" in upload_report_html(UploadReport(total=3))


def test_only_http_urls_become_links_in_the_source_panel():
    for odd in (
        "data:text/html,<script>x</script>",
        "vbscript:msgbox(1)",
        " JaVaScRiPt:alert(1)",
        "https://a b",
        "//evil.example/x",
        "https://evil\u202eexample.com",
    ):
        html = source_html(_doc(url=odd), 0, 5)
        _no_live_markup(html)
        assert "<a " not in html and "href" not in html, odd
    ok = source_html(_doc(url="http://example.org/a?b=1&c=2"), 0, 5)
    assert 'href="http&#58;//example.org/a?b=1&#38;c=2"' in ok

"""The text formats the CLI and the app share: one citation, plain text, Markdown. Pure functions."""

from qa.records import Answer, Document, Quote
from qa.render import (
    answer_markdown,
    citation,
    copy_text,
    format_answer_text,
    md_citation,
    md_escape,
    quote_citation,
    safe_url,
)

TEXT = "Intro line.\nThe talks were to be held in Granada. <script>x</script> [click](javascript:1) *bold*\nEnd."


def _doc(**kw) -> Document:
    meta = dict(
        id="a.txt",
        text=TEXT,
        title="Talks off",
        source="France24",
        date="2023-10-04",
        url="https://example.org/a",
        path="news/a.txt",
    )
    meta.update(kw)
    return Document(**meta)


def _quote(doc: Document, n: int, needle: str, **kw) -> Quote:
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


def _answer(doc: Document) -> Answer:
    q1 = _quote(doc, 1, "The talks were to be held in Granada.")
    q2 = _quote(doc, 2, "<script>x</script> [click](javascript:1) *bold*")
    q2.also_in = [
        {"doc_id": "b.txt", "title": "Same line", "source": "Le Monde", "date": "2023-10-05", "start": 0, "end": 10}
    ]
    return Answer(
        question="Where <b>were</b> the talks?",
        answer=f"Granada — “{q1.text}” [1] See also [2].",
        abstained=False,
        quotes=[q1, q2],
        short_answer="Granada",
    )


def test_citation_names_outlet_title_date_then_url_or_file():
    doc = _doc()
    q = _quote(doc, 1, "End.")
    assert citation(q, doc) == "France24, “Talks off”, 2023-10-04, https://example.org/a"
    bare = _doc(url="", source="", date="")
    assert citation(_quote(bare, 1, "End."), bare) == "outlet unknown, “Talks off”, file news/a.txt"
    # without the document the quote's own doc_id names the file
    assert citation(_quote(bare, 1, "End.")) == "outlet unknown, “Talks off”, file a.txt"
    assert (
        citation({"doc_id": "b.txt", "source": "Le Monde", "date": "2023-10-05"}) == "Le Monde, 2023-10-05, file b.txt"
    )
    # a javascript: URL is no citation: the file is named instead
    odd = _doc(url="javascript:alert(1)")
    assert citation(_quote(odd, 1, "End."), odd).endswith(", file news/a.txt")
    assert quote_citation(q, doc) == f"{citation(q, doc)}, characters {q.start}–{q.end}"


def test_copy_text_is_quote_in_marks_then_citation():
    doc = _doc()
    q = _quote(doc, 1, "End.")
    assert copy_text(q, doc) == "“End.” — France24, “Talks off”, 2023-10-04, https://example.org/a"


def test_safe_url_only_http():
    assert safe_url("https://a.example/x") == "https://a.example/x"
    assert safe_url(" HTTP://a.example/a_b*c(1)?q=1&r=2 ") == "HTTP://a.example/a_b*c(1)?q=1&r=2"
    bad = (
        "javascript:alert(1)",
        "data:text/html,x",
        "  JaVaScRiPt:x",
        "http://a b",
        'http://a"onmouseover=1',
        "vbscript:x",
        "file:///etc/passwd",
        "//evil.example",
        "https://",
        "http:///x",
        "https://a\\b",
        "https://a`b",
        "https://a\x00b",
        "https://a\nb",
        "https://evil\u202eelpmaxe.com",
        "https://a>b",
        "ftp://a",
    )
    for url in bad:
        assert safe_url(url) == "", url


def test_plain_text_answer_uses_the_shared_citation():
    doc = _doc()
    answer = _answer(doc)
    text = format_answer_text(answer, {doc.id: doc})
    lines = text.split("\n")
    assert lines[0] == "Short answer: Granada"
    assert lines[1] == answer.answer and lines[2] == ""
    q1, q2 = answer.quotes
    assert lines[3] == f"[1] “{q1.text}”"
    assert lines[4] == f"    — {quote_citation(q1, doc)}"
    assert lines[5] == f"[2] “{q2.text}”"  # plain text: nothing is escaped
    assert lines[7] == "    also reported by Le Monde, “Same line”, 2023-10-05, file b.txt, characters 0–10"
    assert len(lines) == 8
    abstained = Answer("Why?", "The articles in this collection do not answer that question.", True)
    assert format_answer_text(abstained) == abstained.answer


def test_markdown_export_has_answer_and_numbered_sources_with_the_same_citation():
    doc = _doc()
    answer = _answer(doc)
    md = answer_markdown(answer, {doc.id: doc})
    assert md.startswith("# Where \\<b\\>were\\</b\\> the talks?")
    assert "**Short answer:** Granada" in md and "## Sources" in md
    assert "**[1]** “" in md and "**[2]** “" in md
    assert "\\<script\\>" in md and "<script>" not in md and "\\[click\\](javascript:1) \\*bold\\*" in md
    q1 = answer.quotes[0]
    # the same citation, escaped, with its http(s) URL as an exact autolink
    assert f"— France24, “Talks off”, 2023-10-04, <https://example.org/a>, characters {q1.start}–{q1.end}" in md
    assert "  (also reported by Le Monde, “Same line”, 2023-10-05, file b.txt, characters 0–10)" in md
    assert md_escape("a*b_c`d[e]f<g>h\\") == "a\\*b\\_c\\`d\\[e\\]f\\<g\\>h\\\\"
    abst = answer_markdown(Answer("Why?", "The articles in this collection do not answer that question.", True))
    assert "do not answer" in abst and "Sources" not in abst


def test_a_digest_article_is_cited_by_its_outlet_and_placed_in_its_file():
    from qa.render import quote_citation

    article = Document(
        id="digest.txt#2",
        text="Zen sold it. More text.",
        title="Armenia buys Zen",
        source="EurAsian Times",
        date="2023-11-08",
        path="digest.txt",
        file_id="digest.txt",
        offset=500,
    )
    q = Quote(
        1,
        "Zen sold it.",
        article.id,
        article.title,
        article.source,
        article.date,
        0,
        12,
        1.0,
        file_id="digest.txt",
        file_start=500,
        file_end=512,
    )
    assert (
        quote_citation(q, article)
        == "EurAsian Times, “Armenia buys Zen”, 2023-11-08, file digest.txt, characters 500–512"
    )


def test_markdown_links_only_http_urls_and_keeps_them_exact():
    doc = _doc(url="https://example.org/a_b*c?x=[1]", title="A *bold* [t](javascript:1)")
    assert md_citation(_quote(doc, 1, "End."), doc) == (
        "France24, “A \\*bold\\* \\[t\\](javascript:1)”, 2023-10-04, <https://example.org/a_b*c?x=[1]>"
    )
    for odd in ("javascript:alert(1)", "data:text/html,<script>x</script>", "https://a b"):
        bad = _doc(url=odd, path="news/a_1.txt")
        md = answer_markdown(Answer("q", "“End.” [1]", False, [_quote(bad, 1, "End.")]), {bad.id: bad})
        assert "<http" not in md and "javascript" not in md and "data:" not in md
        assert "file news/a\\_1.txt, characters" in md  # the file is named instead
        assert copy_text(_quote(bad, 1, "End."), bad).endswith("file news/a_1.txt")


def test_quote_csv_never_hands_a_spreadsheet_a_formula():
    import csv
    import io
    from types import SimpleNamespace

    from qa.render import QUOTE_CSV_FIELDS, quotations_csv

    row = {f: "" for f in QUOTE_CSV_FIELDS}
    row.update(
        n=1, text='=HYPERLINK("http://evil.example","click")', speaker="@someone", title="Minister", start=3, end=9
    )
    out = list(csv.DictReader(io.StringIO(quotations_csv([SimpleNamespace(to_dict=lambda: row)]))))
    assert out[0]["text"] == "'" + row["text"] and out[0]["speaker"] == "'@someone"
    assert out[0]["title"] == "Minister" and out[0]["start"] == "3"  # ordinary cells are left as they are

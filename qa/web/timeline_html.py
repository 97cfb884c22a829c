"""HTML of the Timeline tab: the entries on a vertical timeline with date badges, and an entry (or
another outlet's report of it) open in its article. Every piece of document text and metadata is
escaped (qa.web.html's esc/attr); links are made only from http(s) URLs."""

from __future__ import annotations

from typing import Mapping

from ..records import Document
from ..render import UNDATED_HEADING, YEAR_UNSTATED_HEADING, copy_html, copy_text, long_date, safe_url
from .html import attr, copy_payloads, esc, source_html, source_placeholder_html

TIMELINE_HINT = (
    "Type a topic (or leave it empty for every dated event) and press Build timeline. Each entry is "
    "the sentence that reports the event, dated from its own words."
)
_BASIS = {
    "sentence": "date given in the sentence",
    "article date": "dated with the article's date",
    "earlier sentence": "dated by the sentence before",
    "reported": "no date in the sentence: the day the article was published",
}


def _text_html(q, when) -> str:
    """The sentence, with the words that date it marked."""
    text = q.text
    if when.phrase and when.start is not None:
        a, b = when.start - q.start, when.end - q.start
        if 0 <= a < b <= len(text):
            return f'{esc(text[:a])}<mark class="qa-tl-date">{esc(text[a:b])}</mark>{esc(text[b:])}'
    return esc(text)


def _also_html(entry) -> str:
    q = entry.quote
    if not q.also_in:
        return ""
    links = []
    for i, other in enumerate(q.also_in):
        name = other.get("source") or "outlet unknown"
        when = (other.get("when") or {}).get("label", "")
        label = " · ".join(esc(x) for x in (name, when) if x)
        links.append(
            f'<button type="button" class="qa-tl-also-link" value="{entry.n}:{i}" '
            f'title="Show this report in {attr(other.get("title") or other.get("doc_id"))}">{label}</button>'
        )
    return f'<div class="qa-tl-also">Also reported by {", ".join(links)}</div>'


def entry_html(entry, document: Document | None = None) -> str:
    """One entry: its date badge, the sentence, outlet · article date · title, how it is dated, the
    other reports, Show in article and Copy with citation."""
    q, when = entry.quote, entry.when
    url = safe_url(q.url)
    outlet = esc(q.source) if q.source else '<span class="qa-unknown">outlet unknown</span>'
    if url:
        outlet = f'<a href="{attr(url)}" target="_blank" rel="noopener noreferrer nofollow">{outlet}</a>'
    published = esc(long_date(q.date)) if q.date else '<span class="qa-unknown">undated article</span>'
    how = _BASIS.get(when.basis, "the words name no date the articles give")
    kind = "qa-tl-unplaced" if not when.placed else "qa-tl-yearless" if not when.year_known else ""
    return (
        f'<li class="qa-tl-entry {kind}" id="qa-tl-{entry.n}" data-n="{entry.n}">'
        f'<div class="qa-tl-badge" title="{attr(how)}">{esc(when.label())}</div>'
        f'<div class="qa-tl-card">'
        f'<div class="qa-tl-text" title="Show in article">“{_text_html(q, when)}”</div>'
        f'<div class="qa-tl-meta">{outlet} · {published} · <span class="qa-tl-title">{esc(q.title or q.doc_id)}</span></div>'
        f'<div class="qa-tl-how">{esc(how)}</div>'
        f"{_also_html(entry)}"
        f'<div class="qa-tl-actions"><button type="button" class="qa-tl-open" value="{entry.n}">Show in article</button> '
        f'<button type="button" class="qa-tl-copy">Copy with citation</button>'
        f"{copy_payloads(lambda style: f'{when.label()}: ' + copy_text(q, document, style), lambda style: esc(when.label()) + ': ' + copy_html(q, document, style))}"
        f"</div></div></li>"
    )


def timeline_html(timeline, documents: Mapping[str, Document] | None = None, message: str = "") -> str:
    """The whole timeline: a count, then the entries in date order, those without a stated year and
    those without a date under their own headings."""
    if timeline is None or not timeline.all:
        return f'<div class="qa-timeline qa-tl-empty">{esc(message or TIMELINE_HINT)}</div>'
    documents = documents or {}
    groups = [
        ("", [e for e in timeline.entries if e.when.year_known]),
        (YEAR_UNSTATED_HEADING, [e for e in timeline.entries if not e.when.year_known]),
        (UNDATED_HEADING, timeline.undated),
    ]
    parts = []
    for heading, entries in groups:
        if not entries:
            continue
        if heading:
            parts.append(f'<div class="qa-tl-divider">{esc(heading)}</div>')
        items = "".join(entry_html(e, documents.get(e.quote.doc_id)) for e in entries)
        parts.append(f'<ol class="qa-tl-list">{items}</ol>')
    n = len(timeline.entries)
    count = f"{n} dated event{'s' if n != 1 else ''}"
    if timeline.undated:
        count += f" · {len(timeline.undated)} without a date the articles give"
    return f'<div class="qa-timeline"><div class="qa-tl-count">{esc(count)}</div>{"".join(parts)}</div>'


def entry_in_article_html(entry, documents: Mapping[str, Document], also: int | None = None) -> str:
    """The article of an entry's sentence (or of its `also`-th other report), the sentence highlighted."""
    q = entry.quote
    doc_id, start, end, label = q.doc_id, q.start, q.end, f"Entry {entry.n} in its article"
    if also is not None and 0 <= also < len(q.also_in):
        other = q.also_in[also]
        doc_id, start, end, label = (
            other["doc_id"],
            int(other["start"]),
            int(other["end"]),
            f"Entry {entry.n}, as reported here",
        )
    doc = documents.get(doc_id)
    if doc is None:
        return source_placeholder_html(f"The article {doc_id} is no longer in the index.")
    html = source_html(doc, start, end, label=label)
    # the Ask tab's panel owns the ids qa-hit / qa-source-body; this panel's hit has its own
    return html.replace('id="qa-hit"', 'id="qa-tlhit"').replace(' id="qa-source-body"', "")

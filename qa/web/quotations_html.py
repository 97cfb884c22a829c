"""HTML of the Quotes tab: result cards and the article with the quotation highlighted. Every piece
of document text and metadata is escaped (qa.web.html's esc/attr)."""

from __future__ import annotations

from typing import Mapping, Sequence

from ..records import Document
from ..render import long_date, quotation_citation, safe_url
from .html import attr, copy_payloads, esc, source_html, source_placeholder_html

QUOTES_HINT = "Search by topic, pick a speaker, or both; click a quote to read it highlighted in its article."


def speaker_label(s) -> str:
    others = [v for v in s.variants if v != s.name]
    also = f" — also {', '.join(others)}" if others else ""
    return f"{s.name} ({s.quotes}){also}"


def quote_results_html(found: Sequence, message: str = "", documents: Mapping[str, Document] | None = None) -> str:
    if not found:
        return f'<div class="qa-quotes-results qa-quotes-empty">{esc(message or QUOTES_HINT)}</div>'
    documents = documents or {}
    cards = [_card(fq, documents.get(fq.doc_id)) for fq in found]
    head = f'<div class="qa-quotes-count">{len(found)} quotation{"s" if len(found) != 1 else ""}</div>'
    return f'<div class="qa-quotes-results">{head}{"".join(cards)}</div>'


def _card(fq, document: Document | None = None) -> str:
    who = (
        f'<span class="qa-speaker">{esc(fq.speaker)}</span>'
        + (f', <span class="qa-speaker-title">{esc(fq.title)}</span>' if fq.title else "")
        if fq.speaker
        else '<span class="qa-unknown">speaker not named</span>'
    )
    url = safe_url(fq.url)
    outlet = esc(fq.source) if fq.source else '<span class="qa-unknown">outlet unknown</span>'
    if url:
        outlet = f'<a href="{attr(url)}" target="_blank" rel="noopener noreferrer nofollow">{outlet}</a>'
    date = esc(long_date(fq.date)) if fq.date else '<span class="qa-unknown">undated</span>'
    return (
        f'<div class="qa-qcard" id="qa-qcard-{fq.n}" data-n="{fq.n}">'
        f'<div class="qa-qcard-text">“{esc(fq.text)}”</div>'
        f'<div class="qa-qcard-who">— {who}</div>'
        f'<div class="qa-qcard-meta">{outlet} · {date} · <span class="qa-qcard-title">{esc(fq.doc_title or fq.doc_id)}</span></div>'
        + _also(fq)
        + f'<div class="qa-qcard-actions">'
        f'<button class="qa-qopen" value="{fq.n}">Show in article</button> '
        f'<button class="qa-qcopy">Copy with citation</button>'
        f"{copy_payloads(lambda style: quotation_citation(fq, style, document))}</div></div>"
    )


def _also(fq) -> str:
    if not fq.also_in:
        return ""
    where = "; ".join(
        f"{esc(o.get('source') or 'outlet unknown')}, {esc(o.get('title') or o.get('doc_id'))}" for o in fq.also_in
    )
    return f'<div class="qa-qcard-also">Also in: {where}</div>'


def quote_in_article_html(fq, documents: Mapping[str, Document]) -> str:
    """The article of a found quotation, the words highlighted and the speaker's mention marked."""
    doc = documents.get(fq.doc_id)
    if doc is None:
        return source_placeholder_html(f"The article {fq.doc_id} is no longer in the index.")
    others = [(fq.speaker_start, fq.speaker_end)] if fq.speaker_start is not None else []
    html = source_html(doc, fq.start, fq.end, label=f"Quotation {fq.n} in its article", others=others)
    # the Ask tab's panel owns the ids qa-hit / qa-source-body; this panel's hit has its own
    return html.replace('id="qa-hit"', 'id="qa-qhit"').replace(' id="qa-source-body"', "")

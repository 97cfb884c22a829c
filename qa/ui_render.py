"""HTML and Markdown for the browser app: pure functions from records to strings.

Article text is untrusted. Every piece of it goes through `esc()`, which escapes HTML and also
turns the characters Markdown, LaTeX and template engines react to into numeric entities, so a
document holding `<script>`, `<img onerror=…>` or `[click](javascript:…)` shows as inert text
whatever renders it. Nothing here relies on a Markdown renderer or a sanitizer for safety.
Links are only made from http(s) URLs.
"""

from __future__ import annotations

import re
from html import escape
from typing import Iterable, Mapping, Sequence

from .records import Answer, Document, Quote

# HTML specials, then what Markdown (links, emphasis, code, autolinks, tables),
# KaTeX ($) and template engines (${…}, {{…}}) would act on. One pass, so entities stay intact.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'[]()*_`~\\$|{}:"}
_INLINE = str.maketrans({**_ENTITIES, "\n": "<br>", "\r": ""})
_BLOCK = str.maketrans(_ENTITIES)  # keeps newlines: for `white-space: pre-wrap` containers

_MARKER = re.compile(r"\[(\d+)\]")
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def esc(text: object) -> str:
    """Inert HTML for untrusted text; newlines become <br> (safe inside a Markdown HTML block)."""
    return str(text or "").translate(_INLINE)


def esc_block(text: object) -> str:
    """Inert HTML for untrusted text that keeps its newlines (for a pre-wrap container)."""
    return str(text or "").translate(_BLOCK)


def attr(text: object) -> str:
    """A double-quoted attribute value; the browser decodes the entities back to the exact text."""
    return str(text or "").translate(_BLOCK).replace("\n", "&#10;").replace("\r", "&#13;")


def safe_url(url: str) -> str:
    """`url` when it is a plain http(s) URL, else "" (no javascript:, data: or other schemes)."""
    url = (url or "").strip()
    return url if _SAFE_URL.match(url) else ""


# --- citations -----------------------------------------------------------------------------------


def _meta(obj) -> tuple[str, str, str, str, str]:
    """(outlet, title, date, url, file) of a Quote, Document or also_in dict."""
    get = obj.get if isinstance(obj, Mapping) else lambda k, d="": getattr(obj, k, d)
    file = get("path", "") or get("doc_id", "") or get("id", "")
    return get("source", "") or "", get("title", "") or "", get("date", "") or "", get("url", "") or "", file or ""


def citation(obj, document: Document | None = None) -> str:
    """Plain-text citation: outlet, “title”, date, and URL or file. Missing parts are left out."""
    outlet, title, date, url, file = _meta(obj)
    if document is not None:
        url = url or document.url
        file = document.path or file
    url = safe_url(url)  # a javascript: or other odd "URL" is no citation: name the file instead
    parts = [outlet, f"“{title}”" if title else "", date, url or (f"file {file}" if file else "")]
    return ", ".join(p for p in parts if p)


def copy_text(quote: Quote, document: Document | None = None) -> str:
    """What the Copy button puts on the clipboard: the quote in quotation marks, then its citation."""
    return f"“{quote.text}” — {citation(quote, document)}"


# --- the answer ----------------------------------------------------------------------------------


def _ref(turn: int, n: int, extra: str = "") -> str:
    return f"{turn}:{n}{extra}"


def _answer_text_html(answer: Answer, turn: int) -> str:
    """The answer text escaped, with each [n] of a real quote turned into a button that opens it."""
    valid = {q.n for q in answer.quotes}
    out, pos = [], 0
    for m in _MARKER.finditer(answer.answer):
        n = int(m.group(1))
        if n not in valid:
            continue
        out.append(esc(answer.answer[pos : m.start()]))
        out.append(
            f'<button type="button" class="qa-ref" value="{_ref(turn, n)}" '
            f'title="Show quote {n} in its article">[{n}]</button>'
        )
        pos = m.end()
    out.append(esc(answer.answer[pos:]))
    return "".join(out)


def _quote_text_html(q: Quote) -> str:
    """The quote, with the short answer (absolute offsets) marked when it lies inside it."""
    text = q.text
    if q.short_start is not None and q.short_end is not None:
        a, b = q.short_start - q.start, q.short_end - q.start
        if 0 <= a < b <= len(text):
            return f'{esc(text[:a])}<mark class="qa-short-mark">{esc(text[a:b])}</mark>{esc(text[b:])}'
    return esc(text)


def quote_card_html(q: Quote, turn: int, document: Document | None = None) -> str:
    """One numbered quote: the quote, the citation line, other outlets, Show in article and Copy."""
    outlet = esc(q.source) if q.source else '<span class="qa-unknown">outlet unknown</span>'
    date = esc(q.date) if q.date else '<span class="qa-unknown">undated</span>'
    title = f'<span class="qa-title">{esc(q.title)}</span>' if q.title else ""
    also = ""
    if q.also_in:
        links = []
        for i, other in enumerate(q.also_in):
            label = " · ".join(esc(x) for x in (other.get("source") or other.get("title") or other.get("doc_id"), other.get("date")) if x)
            links.append(
                f'<button type="button" class="qa-also-link" value="{_ref(turn, q.n, f":{i}")}" '
                f'title="Show this sentence in {attr(other.get("title") or other.get("doc_id"))}">{label}</button>'
            )
        also = f'<div class="qa-also">Also reported by {", ".join(links)}</div>'
    return (
        f'<div class="qa-quote" id="qa-q-{turn}-{q.n}">'
        f'<div class="qa-quote-head"><span class="qa-n">[{q.n}]</span>'
        f'<span class="qa-cite"><span class="qa-outlet">{outlet}</span><span class="qa-sep"> · </span>'
        f'<span class="qa-date">{date}</span>{"<span class=qa-sep> · </span>" if title else ""}{title}</span></div>'
        f'<div class="qa-quote-text" title="Show in article">“{_quote_text_html(q)}”</div>'
        f"{also}"
        f'<div class="qa-actions">'
        f'<button type="button" class="qa-btn qa-open" value="{_ref(turn, q.n)}">Show in article</button>'
        f'<button type="button" class="qa-btn qa-copy" title="Copy the quote with its citation">Copy</button>'
        f'<span class="qa-copy-payload" hidden>{attr(copy_text(q, document))}</span>'
        f"</div></div>"
    )


def abstention_html(answer: Answer, filtered: bool = False) -> str:
    hint = (
        "Your outlet or date filters may have left the answer out: widen them and ask again."
        if filtered
        else "Try other words, or add articles that cover it."
    )
    return (
        '<div class="qa-answer qa-abstain">'
        '<div class="qa-abstain-title">No answer in these articles</div>'
        f'<div class="qa-abstain-text">{esc(answer.answer)}</div>'
        f'<div class="qa-hint">{hint}</div></div>'
    )


def answer_html(
    answer: Answer, turn: int, documents: Mapping[str, Document] | None = None, *, filtered: bool = False
) -> str:
    """A whole answer as one line of HTML (no blank lines, so a Markdown renderer passes it through)."""
    if answer.abstained or not answer.quotes:
        return abstention_html(answer, filtered)
    documents = documents or {}
    short = (
        f'<div class="qa-short">Short answer: <strong>{esc(answer.short_answer)}</strong></div>'
        if answer.short_answer
        else ""
    )
    cards = "".join(quote_card_html(q, turn, documents.get(q.doc_id)) for q in answer.quotes)
    n_docs = len({q.doc_id for q in answer.quotes})
    label = f'{len(answer.quotes)} quote{"s" if len(answer.quotes) != 1 else ""} from {n_docs} article{"s" if n_docs != 1 else ""}'
    return (
        f'<div class="qa-answer" id="qa-a-{turn}">{short}'
        f'<div class="qa-text">{_answer_text_html(answer, turn)}</div>'
        f'<div class="qa-quotes-label">{label}</div>'
        f'<div class="qa-quotes">{cards}</div></div>'
    )


def question_html(question: str) -> str:
    return f'<span class="qa-question">{esc(question)}</span>'


# --- the source panel ----------------------------------------------------------------------------


def source_placeholder_html(message: str = "") -> str:
    message = message or "Click a quote, or its [n], to read it highlighted in its article."
    return f'<div class="qa-source qa-source-empty"><div class="qa-source-placeholder">{esc(message)}</div></div>'


def source_html(
    document: Document,
    start: int,
    end: int,
    *,
    label: str = "",
    others: Iterable[tuple[int, int]] = (),
) -> str:
    """The whole article, escaped, with text[start:end] in <mark id="qa-hit"> and `others` lightly marked."""
    text = document.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    spans = [(start, end, True)]
    for a, b in sorted(set(others)):
        if 0 <= a < b <= len(text) and all(b <= s or a >= e for s, e, _ in spans):
            spans.append((a, b, False))
    spans.sort()
    body, pos = [], 0
    for a, b, hit in spans:
        body.append(esc_block(text[pos:a]))
        if hit:
            body.append(f'<mark id="qa-hit" class="qa-hit">{esc_block(text[a:b])}</mark>')
        else:
            body.append(f'<mark class="qa-other">{esc_block(text[a:b])}</mark>')
        pos = b
    body.append(esc_block(text[pos:]))

    url = safe_url(document.url)
    meta = [esc(document.source) if document.source else '<span class="qa-unknown">outlet unknown</span>']
    meta.append(esc(document.date) if document.date else '<span class="qa-unknown">undated</span>')
    if document.author:
        meta.append(f"by {esc(document.author)}")
    file = esc(document.path or document.id)
    if url:
        where = f'<a href="{attr(url)}" target="_blank" rel="noopener noreferrer nofollow">{esc(url)}</a> <span class="qa-file">(file {file})</span>'
    elif document.url:  # not http(s): shown as text, never as a link
        where = f'{esc(document.url)} <span class="qa-file">(file {file})</span>'
    else:
        where = f"file {file}"
    return (
        f'<div class="qa-source" data-doc-id="{attr(document.id)}" data-start="{start}" data-end="{end}">'
        f'<div class="qa-source-head">'
        f'<div class="qa-source-label">{esc(label)}</div>'
        f'<div class="qa-source-title">{esc(document.title or document.id)}</div>'
        f'<div class="qa-source-meta">{" · ".join(meta)}</div>'
        f'<div class="qa-source-where">{where}</div></div>'
        f'<div class="qa-source-body" id="qa-source-body">{"".join(body)}</div></div>'
    )


# --- notices and status --------------------------------------------------------------------------


def notice_html(message: str, kind: str = "info") -> str:
    """A one-line message under the question box: kind is info, warn or error."""
    if not message:
        return ""
    return f'<div class="qa-notice qa-notice-{kind}" role="status">{esc(message)}</div>'


def status_text(stats: Mapping | None, outlets: Sequence[str] = (), dates: tuple[str, str] | None = None) -> str:
    """The status line: documents, chunks, model (plain text; the caller escapes it)."""
    if not stats:
        return "No index yet"
    parts = [
        f"{stats['documents']} document{'s' if stats['documents'] != 1 else ''}",
        f"{stats['chunks']} chunks",
        f"model {stats['model']}",
    ]
    if outlets:
        parts.append(f"{len(outlets)} outlet{'s' if len(outlets) != 1 else ''}")
    if dates and dates[0]:
        parts.append(dates[0] if dates[0] == dates[1] else f"{dates[0]} to {dates[1]}")
    return " · ".join(parts)


def status_html(text: str, kind: str = "ok") -> str:
    return f'<div class="qa-status qa-status-{kind}">{esc(text)}</div>'


# --- Markdown export -----------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def md_escape(text: str) -> str:
    """Backslash-escape what would make Markdown build links, HTML or code: rendered, the text is exact."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def answer_markdown(answer: Answer, documents: Mapping[str, Document] | None = None) -> str:
    """A whole answer with its numbered sources, for pasting into notes or a draft."""
    documents = documents or {}
    lines = [f"# {md_escape(answer.question)}", ""]
    if answer.abstained or not answer.quotes:
        lines += [f"_{md_escape(answer.answer)}_", ""]
        return "\n".join(lines)
    if answer.short_answer:
        lines += [f"**Short answer:** {md_escape(answer.short_answer)}", ""]
    lines += [md_escape(answer.answer), "", "## Sources", ""]
    for q in answer.quotes:
        doc = documents.get(q.doc_id)
        text = " ".join(md_escape(q.text).split("\n"))
        lines.append(f"**[{q.n}]** “{text}”  ")
        lines.append(f"— {md_escape(citation(q, doc))}, characters {q.start}–{q.end}")
        for other in q.also_in:
            lines.append(f"  (also in {md_escape(citation(other))})")
        lines.append("")
    return "\n".join(lines)

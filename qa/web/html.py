"""HTML for the browser app: pure functions from records to strings.

Article text is untrusted. Every piece of it goes through `esc()`, which escapes HTML and also
turns the characters Markdown, LaTeX and template engines react to into numeric entities, so a
document holding `<script>`, `<img onerror=…>` or `[click](javascript:…)` shows as inert text
whatever renders it. Nothing here relies on a Markdown renderer or a sanitizer for safety.
Links are only made from http(s) URLs (`qa.render.safe_url`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from ..cite import STYLES
from ..records import Answer, Document, Quote
from ..render import (
    CLOSEST_LEAD,
    copy_html,
    copy_text,
    quote_citation,
    safe_url,
    short_answer_text,
    support_markdown,
)

if TYPE_CHECKING:
    from ..drafts import DraftSupport
    from .service import UploadReport

# HTML specials, then what Markdown (links, emphasis, code, autolinks, tables),
# KaTeX ($) and template engines (${…}, {{…}}) would act on. One pass, so entities stay intact.
_ENTITIES = {c: f"&#{ord(c)};" for c in "&<>\"'[]()*_`~\\$|{}:"}
_INLINE = str.maketrans({**_ENTITIES, "\n": "<br>", "\r": ""})
_BLOCK = str.maketrans(_ENTITIES)  # keeps newlines: for `white-space: pre-wrap` containers

_MARKER = re.compile(r"\[(\d+)\]")
_NAMES_SHOWN = 8  # an upload of many files lists the first few names, not a wall of them

SETTINGS_HINT = (
    "<small>Dates as YYYY-MM-DD; the hints show the range the index holds. "
    "A date range leaves out undated articles.</small>"
)


def esc(text: object) -> str:
    """Inert HTML for untrusted text; newlines become <br> (safe inside a Markdown HTML block)."""
    return str(text or "").translate(_INLINE)


def esc_block(text: object) -> str:
    """Inert HTML for untrusted text that keeps its newlines (for a pre-wrap container)."""
    return str(text or "").translate(_BLOCK)


def attr(text: object) -> str:
    """A double-quoted attribute value; the browser decodes the entities back to the exact text."""
    return str(text or "").translate(_BLOCK).replace("\n", "&#10;").replace("\r", "&#13;")


def copy_payloads(text_of: Callable[[str | None], str], html_of: Callable[[str | None], str] | None = None) -> str:
    """The hidden texts a Copy button copies, one per citation style (qa's own, then each of
    qa.cite.STYLES), told apart by class (the chat's sanitizer drops data- attributes); the page
    script copies the one of the style picked and, where given, its HTML with the italics (for word
    processors), kept as escaped text in a twin span."""
    spans = []
    for key in ("qa", *STYLES):
        style = None if key == "qa" else key
        spans.append(f'<span class="qa-copy-payload qa-cite-{key}" hidden>{attr(text_of(style))}</span>')
        if html_of:
            spans.append(f'<span class="qa-copy-html qa-cite-{key}" hidden>{attr(html_of(style))}</span>')
    return "".join(spans)


def quote_payloads(q: Quote, document: Document | None) -> str:
    """A quote's Copy texts: “quote” — its citation, in every style."""
    return copy_payloads(lambda style: copy_text(q, document, style), lambda style: copy_html(q, document, style))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


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
    return (
        f'<div class="qa-quote" id="qa-q-{turn}-{q.n}">'
        f'<div class="qa-quote-head"><span class="qa-n">[{q.n}]</span>'
        f'<span class="qa-cite"><span class="qa-outlet">{outlet}</span><span class="qa-sep"> · </span>'
        f'<span class="qa-date">{date}</span>{"<span class=qa-sep> · </span>" if title else ""}{title}</span></div>'
        f'<div class="qa-quote-text" title="Show in article">“{_quote_text_html(q)}”</div>'
        f"{_also_html(q, turn)}"
        f'<div class="qa-actions">'
        f'<button type="button" class="qa-btn qa-open" value="{_ref(turn, q.n)}">Show in article</button>'
        f'<button type="button" class="qa-btn qa-copy" title="Copy the quote with its citation">Copy</button>'
        f"{quote_payloads(q, document)}"
        f"</div></div>"
    )


def _also_html(q: Quote, turn: int) -> str:
    """Links to the other outlets that carry the same sentence."""
    if not q.also_in:
        return ""
    links = []
    for i, other in enumerate(q.also_in):
        name = other.get("source") or other.get("title") or other.get("doc_id")
        label = " · ".join(esc(x) for x in (name, other.get("date")) if x)
        links.append(
            f'<button type="button" class="qa-also-link" value="{_ref(turn, q.n, f":{i}")}" '
            f'title="Show this sentence in {attr(other.get("title") or other.get("doc_id"))}">{label}</button>'
        )
    return f'<div class="qa-also">Also reported by {", ".join(links)}</div>'


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
        f'<div class="qa-hint">{hint}</div>{closest_html(answer)}</div>'
    )


def closest_html(answer: Answer) -> str:
    """A refusal's closest passages, folded away until asked for and marked as not answering."""
    if not answer.closest:
        return ""
    cards = []
    for q in answer.closest:
        cite = " · ".join(esc(x) for x in (q.source or "outlet unknown", q.date or "undated", q.title) if x)
        cards.append(
            f'<div class="qa-closest-card"><div class="qa-closest-cite">{cite}</div>'
            f'<div class="qa-closest-text">“{esc(q.text)}”</div></div>'
        )
    return (
        '<details class="qa-closest"><summary>Show the closest passages</summary>'
        '<div class="qa-closest-note">These passages do not answer the question: they are what came nearest.</div>'
        f"{''.join(cards)}</details>"
    )


def answer_html(
    answer: Answer, turn: int, documents: Mapping[str, Document] | None = None, *, filtered: bool = False
) -> str:
    """A whole answer as one line of HTML (no blank lines, so a Markdown renderer passes it through)."""
    if answer.abstained or not answer.quotes:
        return abstention_html(answer, filtered)
    documents = documents or {}
    short = (
        f'<div class="qa-short">Short answer: <strong>{esc(short_answer_text(answer))}</strong></div>'
        if answer.short_answer
        else ""
    )
    cards = "".join(quote_card_html(q, turn, documents.get(q.doc_id)) for q in answer.quotes)
    n_docs = len({q.doc_id for q in answer.quotes})
    label = f"{_plural(len(answer.quotes), 'quote')} from {_plural(n_docs, 'article')}"
    return (
        f'<div class="qa-answer" id="qa-a-{turn}">{short}'
        f'<div class="qa-text">{_answer_text_html(answer, turn)}</div>'
        f'<div class="qa-quotes-label">{label}</div>'
        f'<div class="qa-quotes">{cards}</div></div>'
    )


def resolved_html(answer: Answer) -> str:
    """ "Answering: …" above a follow-up's answer: the question as it was understood and searched."""
    if not answer.resolved_question or answer.resolved_question == answer.question:
        return ""
    return f'<div class="qa-resolved">Answering: <em>{esc(answer.resolved_question)}</em></div>'


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


def quote_source_html(answer: Answer, n: int, documents: Mapping[str, Document], also: int | None = None) -> str:
    """The source panel for quote `n` of `answer` (or for its `also`-th other outlet)."""
    quote = next((q for q in answer.quotes if q.n == n), None)
    if quote is None:
        return source_placeholder_html("That quote is not part of this answer.")
    doc_id, start, end, label = quote.doc_id, quote.start, quote.end, f"Quote [{n}] in its article"
    if also is not None and 0 <= also < len(quote.also_in):
        other = quote.also_in[also]
        doc_id, start, end = other["doc_id"], int(other["start"]), int(other["end"])
        label = f"Quote [{n}], as reported here"
    doc = documents.get(doc_id)
    if doc is None:
        return source_placeholder_html(f"The article {doc_id} is no longer in the index.")
    # the answer's other quotes from this article are marked too: they are read together
    others = [(q.start, q.end) for q in answer.quotes if q.doc_id == doc_id and (q.start, q.end) != (start, end)]
    return source_html(doc, start, end, label=label, others=others)


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
        _plural(stats["documents"], "document"),
        f"{stats['chunks']} chunks",
        f"model {stats['model']}",
    ]
    if outlets:
        parts.append(_plural(len(outlets), "outlet"))
    if dates and dates[0]:
        parts.append(dates[0] if dates[0] == dates[1] else f"{dates[0]} to {dates[1]}")
    return " · ".join(parts)


def status_html(text: str, kind: str = "ok") -> str:
    return f'<div class="qa-status qa-status-{kind}">{esc(text)}</div>'


def header_html(status: str, ready: bool) -> str:
    """The title bar with the index status (orange while there is no index)."""
    return (
        '<div id="qa-header"><h1>qa</h1><span class="qa-tagline">answers from your articles, in their own words'
        f"</span>{status_html(status, 'ok' if ready else 'missing')}</div>"
    )


# --- uploads -------------------------------------------------------------------------------------


def upload_report_html(report: UploadReport) -> str:
    """What an upload did: the articles added (and replaced), then each skipped file with its reason."""
    parts = []
    names = report.added + report.replaced + report.overwritten
    if names:
        parts.append(_added_html(names, report))
    if report.problems:
        items = "".join(f"<li>{esc(p)}</li>" for p in report.problems)
        rest = " (the rest were indexed)" if names else ""
        parts.append(
            f'<div class="qa-notice qa-notice-warn" role="alert">Skipped {_plural(len(report.problems), "file")}'
            f"{rest}:<ul>{items}</ul></div>"
        )
    return "".join(parts) or notice_html("Nothing to add.", "info")


def _added_html(names: list[str], report: UploadReport) -> str:
    def shown(ids: list[str]) -> str:
        return ", ".join(esc(i.removeprefix("uploads/")) for i in ids)

    listed = shown(names[:_NAMES_SHOWN]) + (" …" if len(names) > _NAMES_SHOWN else "")
    them = "them" if len(names) != 1 else "it"
    replaced = f" Already in the index: {shown(report.replaced)}." if report.replaced else ""
    replaced += f" Replaced, as you asked: {shown(report.overwritten)}." if report.overwritten else ""
    renames = ", ".join(esc(r) for r in report.renamed[:_NAMES_SHOWN])
    renames += " …" if len(report.renamed) > _NAMES_SHOWN else ""
    renamed = f" Saved under a safe, unused name: {renames}." if report.renamed else ""
    return (
        f'<div class="qa-notice qa-notice-ok" role="status">Added {_plural(len(names), "article")}: {listed}. '
        f"Ask about {them} now ({report.total} documents in the index).{replaced} "
        f"The files are kept in the corpus folder under uploads/, so rebuilding the index keeps them.{renamed}</div>"
    )


# --- sources for a draft (the Check a draft tab) -------------------------------------------------


def _draft_text_html(support: "DraftSupport") -> str:
    """The draft as written, each sentence marked supported (with its [n]) or unsupported."""
    out, last = [], 0
    for s in support.sentences:
        out.append(esc(support.text[last : s.start]))
        if not s.checked:
            out.append(esc(s.text))
        elif s.supported:
            marks = "".join(f'<a class="qa-draft-ref" href="#qa-d-{n}">[{n}]</a>' for n in s.sources)
            out.append(
                f'<span class="qa-sent qa-supported" title="Supported">{esc(s.text)}</span> '
                f'<span class="qa-marks">{marks}</span>'
            )
        else:
            title = s.verdict[:1].upper() + s.verdict[1:]  # "No support in …" or "Not what the articles say"
            out.append(f'<span class="qa-sent qa-unsupported" title="{attr(title)}">{esc(s.text)}</span>')
        last = s.end
    out.append(esc(support.text[last:].rstrip()))
    return "".join(out)


def _draft_source_html(q: Quote, document: Document | None) -> str:
    outlet = esc(q.source) if q.source else '<span class="qa-unknown">outlet unknown</span>'
    date = esc(q.date) if q.date else '<span class="qa-unknown">undated</span>'
    title = f'<span class="qa-sep"> · </span><span class="qa-title">{esc(q.title)}</span>' if q.title else ""
    return (
        f'<div class="qa-quote qa-draft-source" id="qa-d-{q.n}" data-doc-id="{attr(q.doc_id)}" '
        f'data-start="{q.start}" data-end="{q.end}">'
        f'<div class="qa-quote-head"><span class="qa-n">[{q.n}]</span><span class="qa-cite">'
        f'<span class="qa-outlet">{outlet}</span><span class="qa-sep"> · </span><span class="qa-date">{date}</span>'
        f'{title}</span></div><div class="qa-draft-quote">“{esc(q.text)}”</div>'
        f'<div class="qa-actions"><button type="button" class="qa-btn qa-copy" title="Copy the quote with its '
        f'citation">Copy</button>{quote_payloads(q, document)}</div></div>'
    )


def _closest_html(q: Quote, documents: Mapping[str, Document]) -> str:
    """What the articles say instead of an unsupported claim: their closest sentence, exact and cited."""
    return (
        f'<div class="qa-draft-closest" data-doc-id="{attr(q.doc_id)}" data-start="{q.start}" data-end="{q.end}">'
        f'{esc(CLOSEST_LEAD)} “<span class="qa-closest-quote">{esc(q.text)}</span>” '
        f'<span class="qa-cite">{esc(quote_citation(q, documents.get(q.doc_id)))}</span></div>'
    )


def draft_html(support: "DraftSupport", documents: Mapping[str, Document] | None = None) -> str:
    """A checked draft: its sentences marked, Copy as Markdown, the numbered sources, the unsupported
    sentences listed. Draft and document text are escaped like every other untrusted text."""
    documents = documents or {}
    checked = [s for s in support.sentences if s.checked]
    n_ok = sum(s.supported for s in checked)
    summary = f"{n_ok} of {_plural(len(checked), 'sentence')} supported by these articles" + (
        f", {len(checked) - n_ok} with no support" if n_ok < len(checked) else ""
    )
    sources = "".join(_draft_source_html(q, documents.get(q.doc_id)) for q in support.sources)
    missing = "".join(
        f"<li>{esc(s.text)}{_closest_html(s.closest, documents) if s.closest is not None else ''}</li>"
        for s in support.unsupported
    )
    return (
        f'<div class="qa-answer qa-draft"><div class="qa-draft-summary">{esc(summary)}</div>'
        f'<div class="qa-draft-text">{_draft_text_html(support)}</div>'
        f'<div class="qa-quote qa-draft-copy"><button type="button" class="qa-btn qa-copy" id="qa-draft-copy-md" '
        f'title="Copy the draft with its [n] markers and numbered sources, as Markdown">Copy annotated draft '
        f"(Markdown)</button>{copy_payloads(lambda style: support_markdown(support, documents, style))}</div>"
        + (f'<div class="qa-quotes-label">Sources</div><div class="qa-quotes">{sources}</div>' if sources else "")
        + (
            f'<div class="qa-quotes-label">No support in these articles</div><ul class="qa-draft-missing">{missing}</ul>'
            if missing
            else ""
        )
        + "</div>"
    )

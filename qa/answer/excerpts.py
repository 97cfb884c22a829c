"""Cutting quotes: the best sentences, widened to a neighbour when they are short or it is nearly
as relevant, copies folded together, each checked against its document before it leaves."""

from __future__ import annotations

from ..config import Config
from ..errors import FidelityError
from ..records import Document, Quote
from ..store import Store
from .candidates import Candidate, rank_key

NEIGHBOUR_SHARE = 0.7  # a neighbour scoring this share of the best sentence joins its quote
SHORT_SENTENCE = 160  # a sentence shorter than this (characters) takes the next one along
# At most this many other documents are listed under one quote: a line that hundreds of articles
# repeat (an agency's boilerplate) would bury the quote, and twenty outlets already make the point.
MAX_ALSO_IN = 20


def _neighbour(index: Store, doc: Document, row: int, step: int) -> int | None:
    """The row of the sentence before (step -1) or after (+1) `row` in the same paragraph."""
    other = row + step
    if not 0 <= other < len(index.sentence_rows):
        return None
    d, s, e = index.sentence_rows[other].tolist()
    _, s0, e0 = index.sentence_rows[row].tolist()
    if index.doc_ids[d] != doc.id:
        return None
    gap = doc.text[e:s0] if step < 0 else doc.text[e0:s]
    return None if "\n" in gap else other


def extend_span(
    index: Store, doc: Document, row: int, max_chars: int, scores: dict[int, float] | None = None
) -> tuple[int, int]:
    """The sentence at `row`, widened to a neighbour: the next one when it is very short, either
    one when it is nearly as relevant (`scores` by row)."""
    scores = scores or {}
    _, start, end = index.sentence_rows[row].tolist()
    own = scores.get(row, 0.0)
    prev = _neighbour(index, doc, row, -1)
    if prev is not None and own > 0 and scores.get(prev, 0.0) >= NEIGHBOUR_SHARE * own:
        s = int(index.sentence_rows[prev, 1])
        if end - s <= max_chars:
            start = s
    nxt = _neighbour(index, doc, row, +1)
    if nxt is not None and (
        end - start < SHORT_SENTENCE or (own > 0 and scores.get(nxt, 0.0) >= NEIGHBOUR_SHARE * own)
    ):
        e = int(index.sentence_rows[nxt, 2])
        if e - start <= max_chars:
            end = e
    return start, end


def _overlaps(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def verify_quote(quote: Quote, doc: Document) -> None:
    """The promise: a quote is the document's exact characters at its offsets."""
    if not (0 <= quote.start < quote.end <= len(doc.text)) or doc.text[quote.start : quote.end] != quote.text:
        raise FidelityError(f"quote {quote.n} does not match {doc.id} at [{quote.start}:{quote.end}]")


def _make_quote(n: int, doc: Document, c: Candidate, start: int, end: int) -> Quote:
    q = Quote(
        n=n,
        text=doc.text[start:end],
        doc_id=doc.id,
        title=doc.title,
        source=doc.source,
        date=doc.date,
        start=start,
        end=end,
        score=round(float(c.score), 4),
        url=doc.url,
        short_start=c.short[0] if c.short else None,
        short_end=c.short[1] if c.short else None,
        file_id=doc.file_id or doc.id,
        file_start=doc.offset + start,
        file_end=doc.offset + end,
    )
    verify_quote(q, doc)
    return q


def _fold(quote: Quote, doc: Document, start: int, end: int) -> None:
    """Record another document that reports the same sentence, with the exact text it prints there."""
    if len(quote.also_in) >= MAX_ALSO_IN or not 0 <= start < end <= len(doc.text):
        return
    if doc.id != quote.doc_id and all(a["doc_id"] != doc.id for a in quote.also_in):
        quote.also_in.append(
            {
                "doc_id": doc.id,
                "title": doc.title,
                "source": doc.source,
                "date": doc.date,
                "start": start,
                "end": end,
                "text": doc.text[start:end],
                "url": doc.url,
                "file_id": doc.file_id or doc.id,
                "file_start": doc.offset + start,
                "file_end": doc.offset + end,
            }
        )


def _copy_span(index: Store, row: int, copy: int, start: int, end: int) -> tuple[int, int]:
    """The span of the copy at row `copy` that matches the quote [start, end) around `row`: the copy
    of the sentence, widened to the copies of the neighbours the quote took in."""
    d = int(index.sentence_rows[copy, 0])
    canonical = index.sentence_canonical
    lo, hi = int(index.sentence_rows[copy, 1]), int(index.sentence_rows[copy, 2])
    for step in (-1, 1):
        mine, theirs = row + step, copy + step
        if not (0 <= mine < len(canonical) and 0 <= theirs < len(canonical)):
            continue
        _, s, e = index.sentence_rows[mine].tolist()
        taken = start <= s and e <= end and int(index.sentence_rows[mine, 0]) == int(index.sentence_rows[row, 0])
        if taken and int(index.sentence_rows[theirs, 0]) == d and canonical[theirs] == canonical[mine]:
            if step < 0:
                lo = int(index.sentence_rows[theirs, 1])
            else:
                hi = int(index.sentence_rows[theirs, 2])
    return lo, hi


def corroborate(quote: Quote, index: Store, row: int) -> None:
    """Fold in the copies the index knows of the quote's sentence (wire copies, repeated paragraphs):
    each other document that prints it, at the span that matches the quote."""
    for copy in index.copies(row):
        if copy == row:
            continue
        doc = index.documents[index.doc_ids[int(index.sentence_rows[copy, 0])]]
        start, end = _copy_span(index, row, copy, quote.start, quote.end)
        _fold(quote, doc, start, end)


def select_quotes(
    cands: list[Candidate], index: Store, k: int, config: Config, joins: dict[int, tuple[int, int]] | None = None
) -> list[Quote]:
    """The best `k` distinct quotes; copies of a quoted sentence in other documents are folded into `also_in`.
    `joins`: a sentence (by row) whose quote must take in the span given (candidates.answer_neighbour)."""
    joins = joins or {}
    quotes: list[Quote] = []
    canonical: list[int] = []  # each quote's sentence, as the index's canonical row
    spans: list[tuple[str, int, int]] = []
    scores = {c.row: c.score for c in cands}
    ranked = sorted(cands, key=rank_key)
    floor = config.quote_floor * ranked[0].score if ranked and ranked[0].score > 0 else float("-inf")
    for c in ranked:
        if len(quotes) >= k or c.score < floor:
            break
        doc = index.documents[c.doc_id]
        start, end = extend_span(index, doc, c.row, config.max_quote_chars, scores)
        if c.row in joins:
            js, je = joins[c.row]
            if max(end, je) - min(start, js) > config.max_quote_chars:
                start, end = c.start, c.end  # the sentence and the one that names the answer, nothing more
            start, end = min(start, js), max(end, je)
        span = (c.doc_id, start, end)
        if any(_overlaps(span, s) for s in spans):
            continue
        # the sentence itself, not its widening, decides whether it repeats a quote already chosen
        mine = int(index.sentence_canonical[c.row])
        if mine in canonical:
            _fold(quotes[canonical.index(mine)], doc, start, end)
            continue
        quotes.append(_make_quote(len(quotes) + 1, doc, c, start, end))
        corroborate(quotes[-1], index, c.row)
        canonical.append(mine)
        spans.append(span)
    return quotes

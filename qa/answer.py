"""Choosing quotes: score every sentence of the retrieved chunks, cut exact excerpts, cite them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .config import Config
from .entities import EntityCache, expected_labels, pick_short_answer
from .errors import FidelityError
from .index import Index
from .lexical import tokenize
from .records import Answer, Document, Hit, Quote

ABSTAIN_TEXT = "The articles in this collection do not answer that question."

# A sentence that opens like this leans on the one before it; quote both.
_DANGLING = re.compile(
    r"^(?:[\"“‘']\s*)?(?:he|she|it|they|this|that|these|those|his|her|its|their|him|them|there|such|"
    r"but|however|also|meanwhile|instead|still|yet|then|so|and|or|moreover|furthermore)\b",
    re.IGNORECASE,
)


@dataclass
class Candidate:
    doc_id: str
    start: int
    end: int
    row: int
    retrieval: float  # normalised score of the best chunk holding the sentence
    semantic: float = 0.0
    lexical: float = 0.0
    score: float = 0.0
    type_fit: float = 0.0
    short: tuple[int, int] | None = None  # absolute offsets of the short answer in the document
    tokens: set = field(default_factory=set)


def normalize_for_match(text: str) -> str:
    """NFKC, straight quotes, collapsed white space, case folded: how texts are compared."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x00AB: '"', 0x00BB: '"'})
    return " ".join(text.split()).casefold()


class IdfTable:
    """Inverse document frequency of lexical tokens, read off the BM25 index (chunk level)."""

    def __init__(self, index: Index):
        bm25 = index.bm25
        indptr = np.asarray(bm25.scores["indptr"])
        df = np.diff(indptr)
        n = max(int(bm25.scores["num_docs"]), 1)
        self.default = float(np.log(1 + (n - 0.5) / 1.5))  # as rare as a token seen once
        self.idf = {t: float(np.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5))) for t, i in bm25.vocab_dict.items() if i < len(df)}

    def __call__(self, token: str) -> float:
        return self.idf.get(token, self.default)


def collect_candidates(hits: list[Hit], index: Index) -> list[Candidate]:
    """Every distinct sentence of the hit chunks, with the best retrieval score among its chunks."""
    top = max((h.score for h in hits), default=0.0) or 1.0
    seen: dict[tuple[str, int, int], Candidate] = {}
    for h in hits:
        for s, e in h.chunk.sentences:
            key = (h.chunk.doc_id, s, e)
            norm = h.score / top
            if key in seen:
                seen[key].retrieval = max(seen[key].retrieval, norm)
                continue
            row = index.sentence_row(*key)
            if row is None:  # cannot happen with an index built by this version
                continue
            seen[key] = Candidate(doc_id=key[0], start=s, end=e, row=row, retrieval=norm)
    return list(seen.values())


# Weights of the sentence signals. Semantic similarity and rare-word overlap carry most of it;
# the chunk's retrieval score breaks ties towards passages retrieval already trusts; a sentence
# that holds the kind of thing the question asks for (a date for "when") gets a bonus.
W_SEMANTIC = 0.45
W_LEXICAL = 0.35
W_RETRIEVAL = 0.20
W_TYPE = 0.15
TYPE_RERANK = 8  # how many leading sentences get NER for the answer-type check


def score_candidates(
    cands: list[Candidate], question: str, query_vec: np.ndarray, index: Index, idf: IdfTable, config: Config
) -> None:
    """Fill in each candidate's signals and combined score."""
    if not cands:
        return
    q_tokens = set(tokenize(question))
    q_weight = sum(idf(t) for t in q_tokens) or 1.0
    sims = index.sentence_vectors[[c.row for c in cands]] @ query_vec
    for c, sim in zip(cands, sims):
        c.tokens = set(tokenize(index.documents[c.doc_id].text[c.start : c.end]))
        c.semantic = float(sim)
        c.lexical = sum(idf(t) for t in q_tokens & c.tokens) / q_weight
        c.score = W_SEMANTIC * c.semantic + W_LEXICAL * c.lexical + W_RETRIEVAL * c.retrieval


def apply_answer_type(cands: list[Candidate], question: str, index: Index, entities: EntityCache) -> None:
    """Re-rank the leading sentences by whether they hold what the question asks for; find short answers."""
    labels = expected_labels(question)
    if not labels or not cands:
        return
    top = sorted(cands, key=lambda c: -c.score)[:TYPE_RERANK]
    texts = [index.documents[c.doc_id].text[c.start : c.end] for c in top]
    for c, text, ents in zip(top, texts, entities.entities([(c.row, t) for c, t in zip(top, texts)])):
        span = pick_short_answer(question, text, ents, labels)
        if span is not None:
            c.short = (c.start + span[0], c.start + span[1])
            c.type_fit = 1.0
            c.score += W_TYPE


def extend_span(index: Index, doc: Document, row: int, max_chars: int) -> tuple[int, int]:
    """The sentence at `row`, widened to the one before when it cannot stand alone (opens with a pronoun etc.)."""
    _, start, end = index.sentence_rows[row].tolist()
    if row == 0 or not _DANGLING.match(doc.text[start:end]):
        return start, end
    d, s, e = index.sentence_rows[row - 1].tolist()
    # rows are sorted by document then offset; stay inside the same paragraph
    if index.doc_ids[d] != doc.id or "\n" in doc.text[e:start] or end - s > max_chars:
        return start, end
    return s, end


def _overlaps(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def near_duplicate(a: set, b: set) -> bool:
    """Two quotes say the same thing: mostly the same words, or one holds (nearly) all of the other."""
    if not a or not b:
        return False
    common = len(a & b)
    return common / len(a | b) >= 0.8 or (min(len(a), len(b)) >= 4 and common / min(len(a), len(b)) >= 0.9)


def verify_quote(quote: Quote, doc: Document) -> None:
    """The promise: a quote is the document's exact characters at its offsets."""
    if not (0 <= quote.start < quote.end <= len(doc.text)) or doc.text[quote.start : quote.end] != quote.text:
        raise FidelityError(f"quote {quote.n} does not match {doc.id} at [{quote.start}:{quote.end}]")


def select_quotes(cands: list[Candidate], index: Index, k: int, config: Config) -> list[Quote]:
    """The best `k` distinct quotes; near-copies from other documents are folded into `also_in`."""
    quotes: list[Quote] = []
    spans: list[tuple[str, int, int]] = []
    token_sets: list[set] = []
    for c in sorted(cands, key=lambda c: (-c.score, c.doc_id, c.start)):
        if len(quotes) >= k:
            break
        doc = index.documents[c.doc_id]
        start, end = extend_span(index, doc, c.row, config.max_quote_chars)
        span = (c.doc_id, start, end)
        if any(_overlaps(span, s) for s in spans):
            continue
        tokens = c.tokens if (start, end) == (c.start, c.end) else set(tokenize(doc.text[start:end]))
        dup = next((i for i, ts in enumerate(token_sets) if near_duplicate(ts, tokens)), None)
        if dup is not None:
            if c.doc_id != quotes[dup].doc_id and all(a["doc_id"] != c.doc_id for a in quotes[dup].also_in):
                quotes[dup].also_in.append(
                    {"doc_id": doc.id, "title": doc.title, "source": doc.source, "date": doc.date, "start": start, "end": end}
                )
            continue
        q = Quote(
            n=len(quotes) + 1,
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
        )
        verify_quote(q, doc)
        quotes.append(q)
        spans.append(span)
        token_sets.append(tokens)
    return quotes


def compose(question: str, quotes: list[Quote], config: Config) -> Answer:
    """The answer text: the best quote with its marker, then pointers to the other sources."""
    if not quotes or quotes[0].score < config.min_score:
        return Answer(question=question, answer=ABSTAIN_TEXT, abstained=True, quotes=[], config=config.retrieval)
    best = quotes[0]
    short = None
    if best.short_start is not None:
        short = best.text[best.short_start - best.start : best.short_end - best.start]
    text = f"“{best.text}” [1]" if short is None else f"{short} — “{best.text}” [1]"
    others = [q for q in quotes[1:] if q.doc_id != quotes[0].doc_id]
    if others:
        text += " See also " + ", ".join(f"[{q.n}]" for q in others) + "."
    return Answer(
        question=question, answer=text, abstained=False, quotes=quotes, short_answer=short, config=config.retrieval
    )

"""Choosing quotes: score every sentence of the retrieved chunks, cut exact excerpts, cite them."""

from __future__ import annotations

import re
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
    # signals, each in about [0, 1]
    retrieval: float = 0.0  # 1 / (1 + rank of the best retrieved chunk that holds the sentence)
    semantic: float = 0.0  # cosine of sentence and question
    lexical: float = 0.0  # share of the question's rare-word weight found in the sentence
    bigram: float = 0.0  # share of the question's word pairs found side by side in the sentence
    context: float = 0.0  # cosine of the previous sentence and the question (answers follow their set-up)
    type_fit: float = 0.0  # holds an entity of the kind the question asks for
    score: float = 0.0
    short: tuple[int, int] | None = None  # absolute offsets of the short answer in the document
    tokens: set = field(default_factory=set)


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
    """Every distinct sentence of the hit chunks, tagged with the best rank among its chunks."""
    seen: dict[tuple[str, int, int], Candidate] = {}
    for h in hits:
        for s, e in h.chunk.sentences:
            key = (h.chunk.doc_id, s, e)
            if key in seen:
                continue  # hits come best first, so the first chunk seen has the best rank
            row = index.sentence_row(*key)
            if row is None:  # cannot happen with an index built by this version
                continue
            seen[key] = Candidate(doc_id=key[0], start=s, end=e, row=row, retrieval=1.0 / (1 + h.rank))
    return list(seen.values())


# Weights of the sentence signals, set by hand: semantic similarity and rare-word overlap carry
# most of it, the chunk's retrieval rank breaks ties, the answer type adds a bonus. bench/tune.py
# fits a logistic regression over all signals on the tuning halves of xquad-en and covid-qa; it did
# no better on the held-out halves, so these stay. bigram and context are measured for that fit
# and carry no weight. All signals are ratios or cosines, so the weights carry over to news.
WEIGHTS = {
    "semantic": 0.45,
    "lexical": 0.35,
    "bigram": 0.0,
    "context": 0.0,
    "retrieval": 0.20,
    "type_fit": 0.15,
}
TYPE_RERANK = 8  # how many leading sentences get NER for the answer-type check


def _bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:]))


def combined(c: Candidate) -> float:
    return sum(w * getattr(c, name) for name, w in WEIGHTS.items())


def score_candidates(
    cands: list[Candidate], question: str, query_vec: np.ndarray, index: Index, idf: IdfTable, config: Config
) -> None:
    """Fill in each candidate's signals and combined score."""
    if not cands:
        return
    q_list = tokenize(question)
    q_tokens = set(q_list)
    q_bigrams = _bigrams(q_list)
    q_weight = sum(idf(t) for t in q_tokens) or 1.0
    rows = np.array([c.row for c in cands])
    sims = index.sentence_vectors[rows] @ query_vec
    prev = np.maximum(rows - 1, 0)
    prev_sims = index.sentence_vectors[prev] @ query_vec
    same_doc = index.sentence_rows[prev, 0] == index.sentence_rows[rows, 0]
    for c, sim, psim, same in zip(cands, sims, prev_sims, same_doc):
        toks = tokenize(index.documents[c.doc_id].text[c.start : c.end])
        c.tokens = set(toks)
        c.semantic = float(sim)
        c.lexical = sum(idf(t) for t in q_tokens & c.tokens) / q_weight
        c.bigram = len(q_bigrams & _bigrams(toks)) / len(q_bigrams) if q_bigrams else 0.0
        c.context = float(psim) if (same and c.row > 0) else 0.0
        c.score = combined(c)


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
            c.score = combined(c)


NEIGHBOUR_SHARE = 0.7  # a neighbour scoring this share of the best sentence joins its quote
SHORT_SENTENCE = 160  # a sentence shorter than this (characters) takes the next one along


def _neighbour(index: Index, doc: Document, row: int, step: int) -> int | None:
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
    index: Index, doc: Document, row: int, max_chars: int, scores: dict[int, float] | None = None
) -> tuple[int, int]:
    """The sentence at `row`, widened to a neighbour when it cannot stand alone: it opens with a
    pronoun or connective, it is very short, or the neighbour is nearly as relevant (`scores` by row)."""
    scores = scores or {}
    _, start, end = index.sentence_rows[row].tolist()
    own = scores.get(row, 0.0)
    prev = _neighbour(index, doc, row, -1)
    if prev is not None and (
        _DANGLING.match(doc.text[start:end]) or (own > 0 and scores.get(prev, 0.0) >= NEIGHBOUR_SHARE * own)
    ):
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
    scores = {c.row: c.score for c in cands}
    for c in sorted(cands, key=lambda c: (-c.score, c.doc_id, c.start)):
        if len(quotes) >= k:
            break
        doc = index.documents[c.doc_id]
        start, end = extend_span(index, doc, c.row, config.max_quote_chars, scores)
        # a widening that would repeat a quote already shown is dropped, keeping the sentence itself
        if start < c.start and any(near_duplicate(ts, set(tokenize(doc.text[start : c.start]))) for ts in token_sets):
            start = c.start
        if end > c.end and any(near_duplicate(ts, set(tokenize(doc.text[c.end : end]))) for ts in token_sets):
            end = c.end
        span = (c.doc_id, start, end)
        if any(_overlaps(span, s) for s in spans):
            continue
        # the sentence itself, not its widening, decides whether it repeats a quote already chosen
        dup = next((i for i, ts in enumerate(token_sets) if near_duplicate(ts, c.tokens)), None)
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
        token_sets.append(c.tokens if (start, end) == (c.start, c.end) else set(tokenize(doc.text[start:end])))
    return quotes


def confidence(cands: list[Candidate]) -> float:
    """How sure we are that the corpus answers the question at all.

    The mean of the best sentence's score and the best semantic and rare-word matches anywhere
    among the candidates: a question about something the corpus never discusses scores low on
    all three, while one answerable question rarely scores low on more than one.
    """
    if not cands:
        return 0.0
    best = max(c.score for c in cands)
    return (best + max(c.semantic for c in cands) + max(c.lexical for c in cands)) / 3


def compose(question: str, quotes: list[Quote], config: Config, confidence: float = 1.0) -> Answer:
    """The answer text: the best quote with its marker, then pointers to the other sources."""
    if not quotes or confidence < config.min_score:
        return Answer(
            question=question, answer=ABSTAIN_TEXT, abstained=True, quotes=[], config=config.retrieval, confidence=confidence
        )
    best = quotes[0]
    short = None
    if best.short_start is not None:
        short = best.text[best.short_start - best.start : best.short_end - best.start]
    text = f"“{best.text}” [1]" if short is None else f"{short} — “{best.text}” [1]"
    others = [q for q in quotes[1:] if q.doc_id != quotes[0].doc_id]
    if others:
        text += " See also " + ", ".join(f"[{q.n}]" for q in others) + "."
    return Answer(
        question=question,
        answer=text,
        abstained=False,
        quotes=quotes,
        short_answer=short,
        config=config.retrieval,
        confidence=confidence,
    )

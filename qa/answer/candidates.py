"""Candidate sentences: every sentence of the retrieved chunks, scored as a possible first quote.

`find_candidates` is the one place the scoring steps run in order; bench/tune.py fits its
weights on exactly these candidates.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..config import Config
from ..nlp import tokenize
from ..records import Hit
from ..retrieve import Retriever
from ..store import Store
from .entities import EntityCache, cause_span, expected_labels, pick_short_answer
from .reader import cut_words, pair_text, reader_for


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
    type_fit: float = 0.0  # holds an entity of the kind the question asks for
    headline: bool = False  # the article's title: it restates the story, the body tells it
    context: float = 0.0  # prior for sitting next to what the previous answer quoted (a follow-up)
    readings: float = 0.0  # a follow-up read in context: what its other readings add (apply_readings)
    score: float = 0.0
    reader: float | None = None  # the reader's logit; None where the reader did not read the sentence
    short: tuple[int, int] | None = None  # absolute offsets of the short answer in the document
    tokens: set = field(default_factory=set)

    @property
    def hand(self) -> float:
        """The hand-set score of the signals (the weights below): `score` until a reader joins it."""
        return combined(self)


# Documents whose token sets IdfTable keeps. A set costs about 0.33 MB for a covid-qa paper: kept for
# every document, a server answering over a million-chunk collection (23,000 papers) would grow by
# gigabytes as questions touch them all. 512 bounds it near 170 MB, and a conversation returns to a
# handful of articles, which stay cached.
DOC_TOKEN_CACHE = 512


class IdfTable:
    """Inverse document frequency of lexical tokens, read off the BM25 index (chunk level)."""

    def __init__(self, index: Store):
        df, n = index.token_df()  # every store backend counts the same tokens (qa.nlp.tokenize)
        n = max(n, 1)
        self.default = float(np.log(1 + (n - 0.5) / 1.5))  # as rare as a token seen once
        # one array operation, not a NumPy call per token: a million-chunk index has ~10^6 tokens
        f = np.fromiter(df.values(), dtype=np.float64, count=len(df))
        self.idf = dict(zip(df, np.log(1 + (n - f + 0.5) / (f + 0.5)).tolist()))

        self._doc_tokens: OrderedDict[str, frozenset[str]] = OrderedDict()

    def __call__(self, token: str) -> float:
        return self.idf.get(token, self.default)

    def document_tokens(self, index: Store, doc_id: str) -> frozenset[str]:
        """The tokens of a whole document, kept for the DOC_TOKEN_CACHE documents used last (this
        table lives as long as the index it was read from, which may be a server's lifetime)."""
        found = self._doc_tokens.get(doc_id)
        if found is None:
            tokens = tokenize(index.documents[doc_id].text)
            # single tokens, and adjacent pairs as "a b" (for phrases such as "nationality act")
            found = self._doc_tokens[doc_id] = frozenset(tokens) | frozenset(pairs(tokens))
            if len(self._doc_tokens) > DOC_TOKEN_CACHE:
                self._doc_tokens.popitem(last=False)
        else:
            self._doc_tokens.move_to_end(doc_id)
        return found


def pairs(tokens: Sequence[str]) -> set[str]:
    """Adjacent token pairs, "a b": a phrase of the question found as a phrase, not as scattered words."""
    return {f"{a} {b}" for a, b in zip(tokens, tokens[1:])}


# Weights of the sentence signals, set by hand: semantic similarity and rare-word overlap carry
# most of it, the chunk's retrieval rank breaks ties, the answer type adds a bonus. bench/tune.py
# fits a logistic regression over the signals on the tuning halves of xquad-en and covid-qa; it did
# no better on the held-out halves, so these stay. All signals are ratios or cosines, so the
# weights carry over to news.
WEIGHTS = {
    "semantic": 0.45,
    "lexical": 0.35,
    "retrieval": 0.20,
    "type_fit": 0.15,
}
SIGNALS = tuple(WEIGHTS)
TYPE_RERANK = 8  # how many leading sentences get NER for the answer-type check
# A headline is quoted only when it is clearly the best evidence: a body sentence within this much
# of its score (one that says the same, and more) comes first. It also keeps a title that merely
# restates the question from passing for coverage ("Who wrote the letter?" over a "Letter to the
# Editor: …" title): docs/rule-audit.md keeps it for that refusal.
HEADLINE_PENALTY = 0.1


# A follow-up is usually answered next to the previous answer ("Who else attended?"): a sentence
# within NEAR_CHARS of a quote just shown (news paragraphs are often one sentence, so a paragraph
# break does not stop it) gets NEAR_PRIOR; elsewhere in the same article, ARTICLE_PRIOR. Small next to the signals (a sentence's score is ~0.3-0.9), so a
# follow-up that moves to another article still can; set on the tuning half of
# bench/questions/conversations.jsonl (bench/followup.py). Never used for abstaining.
NEAR_PRIOR = 0.12
ARTICLE_PRIOR = 0.04
NEAR_CHARS = 600
REPEAT_PENALTY = 0.15
Span = tuple[str, int, int]  # (doc_id, start, end) of a quote shown in the previous answer


def rank_key(c: Candidate) -> tuple[float, str, int]:
    """The order quotes are chosen in: best score first, ties by document and place, so that the same
    question gives the same quotes in every process."""
    return (-c.score, c.doc_id, c.start)


def combined(c: Candidate) -> float:
    return (
        sum(w * getattr(c, name) for name, w in WEIGHTS.items())
        - (HEADLINE_PENALTY if c.headline else 0.0)
        + c.context
        + c.readings
    )


def _allowed_copy(index: Store, row: int, allowed_docs: set[str]) -> tuple[int, tuple[str, int, int]] | None:
    """The copy of sentence `row` that an allowed document prints (a filter asked for that outlet)."""
    for r in index.copies(row):
        d, s, e = index.sentence_rows[r].tolist()
        if index.doc_ids[d] in allowed_docs:
            return r, (index.doc_ids[d], s, e)
    return None


def collect_candidates(hits: list[Hit], index: Store, allowed_docs: set[str] | None = None) -> list[Candidate]:
    """Every distinct sentence of the hit chunks, tagged with the best rank among its chunks. A copy
    of an earlier sentence (a wire copy, a repeated paragraph) stands for that first copy, which is
    quoted with the others as corroboration; with filters, a sentence of a document they exclude
    stands for its copy in one they allow, if any."""
    seen: dict[tuple[str, int, int], Candidate] = {}
    for h in hits:
        for s, e in h.chunk.sentences:
            key = (h.chunk.doc_id, s, e)
            if key in seen:
                continue  # hits come best first, so the first chunk seen has the best rank
            row = index.sentence_row(*key)
            if row is None:  # cannot happen with an index built by this version
                continue
            first = int(index.sentence_canonical[row])
            if first != row:
                d, fs, fe = index.sentence_rows[first].tolist()
                if allowed_docs is None or index.doc_ids[d] in allowed_docs:
                    row, key = first, (index.doc_ids[d], fs, fe)
                    if key in seen:
                        continue
            if allowed_docs is not None and key[0] not in allowed_docs:
                found = _allowed_copy(index, row, allowed_docs)
                if found is None or found[1] in seen:
                    continue
                row, key = found
            seen[key] = Candidate(doc_id=key[0], start=key[1], end=key[2], row=row, retrieval=1.0 / (1 + h.rank))
    return list(seen.values())


def score_candidates(cands: list[Candidate], question: str, query_vec: np.ndarray, index: Store, idf: IdfTable) -> None:
    """Fill in each candidate's signals and combined score."""
    if not cands:
        return
    q_tokens = set(tokenize(question))
    q_weight = sum(idf(t) for t in q_tokens) or 1.0
    rows = np.array([c.row for c in cands])
    sims = index.sentence_vectors[rows] @ query_vec
    for c, sim in zip(cands, sims):
        doc = index.documents[c.doc_id]
        text = doc.text[c.start : c.end]
        c.tokens = set(tokenize(text))
        c.headline = bool(doc.title) and text.strip() == doc.title.strip()
        c.semantic = float(sim)
        c.lexical = sum(idf(t) for t in q_tokens & c.tokens) / q_weight
        c.score = combined(c)


def apply_answer_type(cands: list[Candidate], question: str, index: Store, entities: EntityCache) -> None:
    """Re-rank the leading sentences by whether they hold what the question asks for; find short answers."""
    labels = expected_labels(question)
    if not cands:
        return
    top = sorted(cands, key=lambda c: -c.score)[:TYPE_RERANK]
    if not labels:
        for c in top:  # "why": the sentence that gives a cause; no short answer
            if cause_span(question, index.documents[c.doc_id].text[c.start : c.end]) is not None:
                c.type_fit = 1.0
                c.score = combined(c)
        return
    texts = [index.documents[c.doc_id].text[c.start : c.end] for c in top]
    for c, text, ents in zip(top, texts, entities.entities([(c.row, t) for c, t in zip(top, texts)])):
        span = pick_short_answer(question, text, ents, labels)
        if span is not None:
            c.short = (c.start + span[0], c.start + span[1])
            c.type_fit = 1.0
            c.score = combined(c)


def answer_neighbour(
    best: Candidate, question: str, index: Store, entities: EntityCache, max_chars: int
) -> tuple[int, int] | None:
    """When the first quote's sentence names nothing of the kind the question asks for ("Which
    country …?" answered by "We are now … a bankrupt country"), the (start, end) of the sentence next
    to it that does: the quote takes it in, so the answer is in what is shown. News paragraphs are
    often one sentence, so a paragraph break does not stop it; max_chars does."""
    labels = expected_labels(question)
    if not labels or best.short is not None:
        return None
    doc = index.documents[best.doc_id]
    found = []
    for step in (1, -1):  # the next sentence goes on with the story; the one before sets it up
        other = best.row + step
        if not 0 <= other < len(index.sentence_rows):
            continue
        d, s, e = index.sentence_rows[other].tolist()
        if index.doc_ids[d] != doc.id or max(e, best.end) - min(s, best.start) > max_chars:
            continue
        found.append((s, e, doc.text[s:e], other))
    for (s, e, text, row), ents in zip(found, entities.entities([(row, t) for s, e, t, row in found])):
        span = pick_short_answer(question, text, ents, labels)  # an entity of the type, not one it names
        if span is not None:
            return s, e
    return None


def context_hits(hits: list[Hit], context: Sequence[Span], index: Store, allowed_docs: set[str] | None) -> list[Hit]:
    """`hits` plus the chunks holding the previous answer's quotes, ranked after every retrieved one,
    so the sentences around them compete even when the follow-up's words miss them."""
    have = {h.chunk.id for h in hits}
    extra = []
    for chunk in index.chunks:
        if chunk.id in have or (allowed_docs is not None and chunk.doc_id not in allowed_docs):
            continue
        if any(chunk.doc_id == d and chunk.start < e and s < chunk.end for d, s, e in context):
            extra.append(chunk)
            have.add(chunk.id)
    return hits + [Hit(chunk=c, score=0.0, rank=len(hits) + i) for i, c in enumerate(extra)]


def apply_context(cands: list[Candidate], context: Sequence[Span], index: Store) -> None:
    """The prior for sentences near the previous answer's quotes, then in the same article."""
    if not context:
        return
    for c in cands:
        prior = 0.0
        for d, s, e in context:
            if c.doc_id != d:
                continue
            prior = max(prior, ARTICLE_PRIOR)
            if max(c.start - e, s - c.end, 0) <= NEAR_CHARS:
                prior = NEAR_PRIOR
        d, s, e = context[0]
        if c.doc_id == d and c.start < e and s < c.end:
            prior -= REPEAT_PENALTY  # what was just quoted first: a follow-up asks for something more
        c.context = prior
        c.score = combined(c)


# A follow-up's other readings (followup.readings): text, vector, weight.
Reading = tuple[str, np.ndarray, float]
# Words a follow-up uses whatever it asks ("What else did he say?"): they say nothing of what it adds,
# so they count neither for its readings' word matches nor for coverage.adds_known_words.
LIGHT_WORDS = frozenset(tokenize("say said says tell told do did does else"))


def merge_hits(lists: Sequence[list[Hit]]) -> list[Hit]:
    """Hit lists of several readings as one: each chunk once, at its best rank (ties: earlier list)."""
    best: dict[str, Hit] = {}
    for hits in lists:
        for h in hits:
            if h.chunk.id not in best or h.rank < best[h.chunk.id].rank:
                best[h.chunk.id] = h
    return sorted(best.values(), key=lambda h: h.rank)


def apply_readings(cands: list[Candidate], readings: Sequence[Reading], index: Store, idf: IdfTable) -> None:
    """Score each sentence against a follow-up's other readings too: its text-match signals become
    the weighted mean over the rewrite (the remaining weight) and the readings. `semantic` and
    `lexical` stay the rewrite's, which is what coverage judges; the difference goes into `readings`."""
    if not cands or not readings:
        return
    rows = np.array([c.row for c in cands])
    for text, vec, weight in readings:
        q_tokens = set(tokenize(text)) - LIGHT_WORDS
        q_weight = sum(idf(t) for t in q_tokens) or 1.0
        sims = index.sentence_vectors[rows] @ vec
        for c, sim in zip(cands, sims):
            lexical = sum(idf(t) for t in q_tokens & c.tokens) / q_weight
            c.readings += weight * (
                WEIGHTS["semantic"] * (float(sim) - c.semantic) + WEIGHTS["lexical"] * (lexical - c.lexical)
            )
    for c in cands:
        c.score = combined(c)


def find_candidates(
    question: str,
    query: str,
    vectors: np.ndarray,
    index: Store,
    entities: EntityCache,
    idf: IdfTable,
    config: Config,
    allowed_docs: set[str] | None = None,
    context: Sequence[Span] = (),
    recent_docs: set[str] | None = None,
    readings: Sequence[Reading] = (),
) -> list[Candidate]:
    """Retrieve with `query` (vectors[-1]), then score every sentence against `question` (vectors[0]);
    `context`: the quotes of the previous answer in a conversation, whose neighbours get a prior;
    `recent_docs`: for a question about the present, the articles of the days before it was asked
    (recency.py), searched on their own as well, so that they can answer alone (answer.recent_first);
    `readings`: a follow-up's other readings, which retrieve too and join its sentences' scores
    (apply_readings)."""
    retriever = Retriever(index, config)
    hits = retriever.search(query, vectors[-1], allowed_docs=allowed_docs)
    if readings:
        hits = merge_hits([hits] + [retriever.search(t, v, allowed_docs=allowed_docs) for t, v, _w in readings])
    if recent_docs:  # their best chunks compete even when older stories fill the top of the list
        hits = hits + retriever.search(query, vectors[-1], allowed_docs=recent_docs)
    if context:
        hits = context_hits(hits, context, index, allowed_docs)
    cands = collect_candidates(hits, index, allowed_docs)
    score_candidates(cands, question, vectors[0], index, idf)
    apply_readings(cands, readings, index, idf)
    apply_context(cands, context, index)
    apply_answer_type(cands, question, index, entities)
    apply_reader(cands, question, index, config)
    return cands


# A sentence the reader did not read ranks below every one it read: its logit is taken as this far
# under the lowest logit read.
UNREAD_MARGIN = 1.0


def read_leading(cands: list[Candidate], text: str, index: Store, config: Config) -> np.ndarray | None:
    """The reader's logit of `text` (a question, or a draft's claim) with each of the `config.reader_top`
    leading candidates, kept in their `reader`; None when no reader is on."""
    settings = reader_for(config.reader)
    if settings is None or not cands:
        return None
    top = sorted(cands, key=rank_key)[: config.reader_top]
    logits = settings.model.logits(text, [reader_text(index, c, settings.context_chars) for c in top])
    for c, z in zip(top, logits):
        c.reader = float(z)
    return logits


def lead_in(index: Store, row: int, chars: int) -> str:
    """The first `chars` characters of the sentence before sentence `row` in its article ("" for an
    article's first sentence): what the reader reads with it (reader.pair_text)."""
    if chars <= 0 or row <= 0:
        return ""
    d, s, e = index.sentence_rows[row - 1].tolist()
    if d != int(index.sentence_rows[row, 0]):
        return ""
    return cut_words(index.documents[index.doc_ids[d]].text[s:e], chars)


def reader_text(index: Store, c: Candidate, context_chars: int) -> str:
    """A candidate as the reader reads it: the sentence, its article's title and, for a model trained
    with them, the first `context_chars` characters of the sentence before it."""
    doc = index.documents[c.doc_id]
    return pair_text(doc.text[c.start : c.end], doc.title, lead_in(index, c.row, context_chars))


def apply_reader(cands: list[Candidate], question: str, index: Store, config: Config) -> None:
    """The reader reads the `config.reader_top` leading sentences with the question and fuses its
    logit with the hand-set score (reader.ReaderSettings.fused). With `reader_scope` "all" the fused
    probability is each candidate's score; with "sentence" it only orders each article's sentences."""
    logits = read_leading(cands, question, index, config)
    if logits is None:
        return
    settings = reader_for(config.reader)
    assert settings is not None  # read_leading returned logits, so a reader is configured
    if config.reader_scope == "all":
        unread = float(logits.min()) - UNREAD_MARGIN
        for c in cands:
            c.score = settings.fused(c.reader if c.reader is not None else unread, c.hand)
        return
    # "sentence": within each article the read sentences trade places by the reader's order, each
    # taking the hand-set score of the place it takes, so articles keep their scores and their order.
    # A headline keeps its place: the reader reads every sentence with its title, so the title read
    # with itself looks like the best match of a question that restates it, which is what the headline
    # penalty and the refusal it protects ("Who wrote the letter?") are for
    by_doc: dict[str, list[tuple[float, Candidate]]] = {}
    for c in cands:
        if c.reader is not None and not c.headline:
            by_doc.setdefault(c.doc_id, []).append((settings.fused(c.reader, c.hand), c))
    for group in by_doc.values():
        scores = sorted((c.score for _, c in group), reverse=True)
        by_reader = [c for _, c in sorted(group, key=lambda fc: -fc[0])]
        for c, s in zip(by_reader, scores):
            c.score = s


def features(cands: Sequence[Candidate]) -> np.ndarray:
    """The signals of each candidate as a matrix (rows: candidates, columns: SIGNALS), for fitting."""
    return np.array([[getattr(c, s) for s in SIGNALS] for c in cands], dtype=np.float64).reshape(-1, len(SIGNALS))

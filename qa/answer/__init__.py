"""Answering: candidate sentences from the retrieved chunks, quotes cut from the best of them,
and the composed answer (or an abstention).

    candidates.py  scoring every sentence of the top chunks; the reader reads the leading ones
    reader.py      the reader: a cross-encoder trained here (bench/train_reader.py), shipped as int8 ONNX
    entities.py    answer types (spaCy NER) and short answers
    excerpts.py    widening, folding copies, the fidelity check
    byline.py      "who wrote the letter …?": the author's line of the article described
    coverage.py    does the best passage answer the question? (signals and their fitted weights)
    compose.py     abstention, partial answers and the answer text
    followup.py    follow-up questions resolved against the turn before them
"""

from __future__ import annotations

import re
from typing import Sequence

from ..config import Config
from ..nlp import tokenize
from ..records import Answer, Turn
from ..store import Store
from .byline import find_byline, put_first
from .candidates import IdfTable, Span, answer_neighbour, find_candidates, rank_key
from .compose import ABSTAIN_TEXT, byline_only, compose
from .coverage import adds_known_words, covers, missing_words, signals
from .entities import EntityCache
from .excerpts import select_quotes, verify_quote
from .followup import readings, resolve, unknown_nouns
from .reader import reader_for
from .recency import recent_documents

__all__ = [
    "ABSTAIN_TEXT",
    "EntityCache",
    "IdfTable",
    "answer_question",
    "context_spans",
    "resolve",
    "retrieval_query",
    "verify_quote",
]

FOLLOW_UP_WORDS = 8  # a question this short after another one is read as a follow-up
_FOLLOW_UP = re.compile(
    r"^(?:and|but|also|so|what about|how about|then)\b|\b(?:he|she|it|they|them|his|her|their|that|this|those|these)\b",
    re.IGNORECASE,
)

# a question that says it goes on from the last one: a connective, a pronoun, "else"/"other"
_CONTINUES = re.compile(_FOLLOW_UP.pattern + r"|\b(?:else|other|too)\b", re.IGNORECASE)


def retrieval_query(question: str, history: Sequence[str] = ()) -> str:
    """The text to retrieve with: a follow-up ("And what did Russia offer?") borrows the previous question."""
    if history and (len(question.split()) <= FOLLOW_UP_WORDS or _FOLLOW_UP.search(question)):
        return f"{history[-1]} {question}"
    return question


def last_answered(history: Sequence[Turn]) -> Turn | None:
    """The latest turn that was answered: a refusal quotes nothing to stand next to, so the
    context of a follow-up after one is the answer before it."""
    return next((t for t in reversed(history) if t.answer is not None and not t.answer.abstained), None)


def context_spans(turn: Turn | None, index: Store) -> list[Span]:
    """Where the quotes of `turn`'s answer stand in this index. A client sends the turns, so only
    offsets that fit a document of the index count, and their text is read from the index."""
    if turn is None or turn.answer is None or turn.answer.abstained:
        return []
    spans = []
    for q in turn.answer.quotes:
        doc = index.documents.get(q.doc_id)
        if (
            doc is not None
            and isinstance(q.start, int)
            and isinstance(q.end, int)
            and 0 <= q.start < q.end <= len(doc.text)
        ):
            spans.append((q.doc_id, q.start, q.end))
    return spans


def decide(found: dict, cands: Sequence, config: Config) -> float:
    """The confidence a refusal is decided on: the reader's (its best logit with the hand-set
    support), or without a reader the fitted coverage signals."""
    settings = reader_for(config.reader) if config.reader_refusal == "reader" else None
    read = [c.reader for c in cands if c.reader is not None]
    if settings is None or not read:
        return covers(found) if settings is None else 0.0
    return settings.confidence(max(read), found["support"])


def recent_first(question: str, cands: list, recent: set[str], index: Store, idf: IdfTable, config: Config) -> list:
    """A question about the present is answered from the recent articles alone when they answer it:
    an older report in the same words ("an earthquake shook the country this week", of 2016) is a
    distractor however well it scores, and a prior only tilts a close race. Whether they answer is the
    coverage decision on their sentences, so no new threshold; when they do not, every article competes
    as it would without a date."""
    mine = [c for c in cands if c.doc_id in recent]
    if not mine or len(mine) == len(cands):
        return cands
    if decide(signals(question, mine, index, idf), mine, config) < config.min_score:
        return cands
    return mine


def first_quote_joins(
    cands: list, question: str, index: Store, entities: EntityCache, config: Config
) -> dict[int, tuple[int, int]]:
    """The span the first quote must take in: the neighbour sentence that names what the question asks
    for, when its own sentence does not (candidates.answer_neighbour). Only the first quote: it is the
    one read as the answer, and the others are there to corroborate it. The neighbour's entity does not
    become the short answer: measured, that showed more short answers and fewer right ones
    (xquad-en exact match 0.492 → 0.468)."""
    if not cands:
        return {}
    best = min(cands, key=rank_key)  # the candidate select_quotes quotes first
    neighbour = answer_neighbour(best, question, index, entities, config.max_quote_chars)
    return {} if neighbour is None else {best.row: neighbour}


def answer_question(
    question: str,
    k: int,
    index: Store,
    embedder,
    entities: EntityCache,
    idf: IdfTable,
    config: Config,
    *,
    history: Sequence[Turn] = (),
    allowed_docs: set[str] | None = None,
    asked_on: str | None = None,
) -> Answer:
    """Up to `k` exact quotes answering `question` (already validated), or an abstention.

    `history`: the earlier turns of a conversation. A follow-up is first rewritten to stand on its
    own (`resolved_question`: "When was that?" → "When were the talks in Granada?"); that is what
    is searched and what sentences are judged against, and the last answer's quotes lend their
    neighbours a prior."""
    resolved = resolve(question, history)
    if resolved != question:
        query = resolved
    else:  # nothing to resolve: a short follow-up still borrows the previous question's words
        query = retrieval_query(question, [t.resolved for t in history])
    answered = last_answered(history)
    # the follow-up as typed, in the last answered turn's context: a wrong rewrite is outvoted
    read = readings(question, answered) if history else []
    texts = [resolved] if query == resolved else [resolved, query]
    vecs = embedder.encode(texts + [t for t, _w in read])
    context = context_spans(answered, index)
    recent = recent_documents(index.documents, asked_on, resolved, allowed_docs)
    extra = [(t, v, w) for (t, w), v in zip(read, vecs[len(texts) :])]
    cands = find_candidates(
        resolved, query, vecs[: len(texts)], index, entities, idf, config, allowed_docs, context, recent, extra
    )
    if recent:
        cands = recent_first(resolved, cands, recent, index, idf, config)
    # a question that goes on from an answer ("What else did India sell?") starts from coverage the
    # answer showed; a new question asked in the same chat does not
    follow_up = answered is not None and (resolved != question or bool(_CONTINUES.search(question)))
    if follow_up:
        config = config.replace(min_score=config.min_score * config.followup_min_share)
    # judged as searched: a follow-up's coverage is that of the question it stands for
    found = signals(resolved, cands, index, idf)
    confidence = decide(found, cands, config)
    shown = answered.answer if answered is not None else None
    previous = shown.quotes[0].doc_id if shown is not None and shown.quotes else None
    byline = find_byline(
        resolved, cands, index, idf, answers=confidence >= config.min_score, typed=question, previous_doc=previous
    )
    if byline is not None:  # "who wrote the letter …": its signature line, and the article named is the evidence
        cands, confidence = put_first(byline, cands), max(confidence, byline.described)
        resolved = byline.resolved(index, resolved)
    quotes = select_quotes(cands, index, k, config, first_quote_joins(cands, resolved, index, entities, config))
    if byline is not None and byline.candidate is None:
        answer = byline_only(resolved, quotes, byline.author, config)
        answer.question, answer.resolved_question = question, resolved
        return answer
    if (
        byline is None
        and (resolved != question or follow_up)
        and (unknown_nouns(question, lambda stem: stem in idf.idf) or not adds_known_words(question, cands, index, idf))
    ):
        quotes = []  # honesty: a follow-up about something no article (or not the best one) mentions is refused
    if not tokenize(resolved):
        # "When was that?" with nothing before it to refer to: no word to look for, so any
        # passage would be a guess, however well its vector happens to score
        quotes = []
    answer = compose(resolved, quotes, config, confidence, found, missing_words(resolved, cands, index, idf))
    answer.question, answer.resolved_question = question, resolved
    return answer

"""Answering: candidate sentences from the retrieved chunks, quotes cut from the best of them,
and the composed answer (or an abstention).

    candidates.py  scoring every sentence of the top chunks (bench/tune.py fits these signals)
    entities.py    answer types (spaCy NER) and short answers
    quotes.py      widening, folding near-copies, the fidelity check
    coverage.py    does the best passage answer the question? (signals and their fitted weights)
    compose.py     abstention, partial answers and the answer text
"""

from __future__ import annotations

import re
from typing import Sequence

from ..config import Config
from ..records import Answer
from ..store import Index
from .candidates import IdfTable, find_candidates
from .compose import ABSTAIN_TEXT, compose
from .coverage import covers, missing_words, signals
from .entities import EntityCache
from .quotes import select_quotes, verify_quote

__all__ = ["ABSTAIN_TEXT", "EntityCache", "IdfTable", "answer_question", "retrieval_query", "verify_quote"]

FOLLOW_UP_WORDS = 8  # a question this short after another one is read as a follow-up
_FOLLOW_UP = re.compile(
    r"^(?:and|but|also|so|what about|how about|then)\b|\b(?:he|she|it|they|them|his|her|their|that|this|those|these)\b",
    re.IGNORECASE,
)


def retrieval_query(question: str, history: Sequence[str] = ()) -> str:
    """The text to retrieve with: a follow-up ("And what did Russia offer?") borrows the previous question."""
    if history and (len(question.split()) <= FOLLOW_UP_WORDS or _FOLLOW_UP.search(question)):
        return f"{history[-1]} {question}"
    return question


def answer_question(
    question: str,
    k: int,
    index: Index,
    embedder,
    entities: EntityCache,
    idf: IdfTable,
    config: Config,
    *,
    history: Sequence[str] = (),
    allowed_docs: set[str] | None = None,
) -> Answer:
    """Up to `k` exact quotes answering `question` (already validated), or an abstention."""
    query = retrieval_query(question, history)
    vecs = embedder.encode([question] if query == question else [question, query])
    # a follow-up finds its passages with the earlier question's help, but its sentences are
    # judged against what is asked now ("And what did Russia offer?")
    cands = find_candidates(question, query, vecs, index, entities, idf, config, allowed_docs)
    quotes = select_quotes(cands, index, k, config)
    found = signals(question, cands, index, idf)
    return compose(question, quotes, config, covers(found), found, missing_words(question, cands, index, idf))

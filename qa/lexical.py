"""Lexical side of retrieval: one tokenizer shared by BM25 (bm25s) and sentence term overlap."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

# A short English stopword list: question words and glue that carry no retrieval signal.
STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have he her
    hers him his how i if in into is it its itself me more most my no nor not of off on once only or
    other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours also about after again against all am any
    because before below between both during each few further here just s t don now""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without stopwords."""
    words = [w.replace("’", "'") for w in _TOKEN.findall(text.casefold())]
    words = [w for w in words if w not in STOPWORDS]
    return _stemmer().stemWords(words) if words else []


def build_bm25(token_lists: list[list[str]]):
    import bm25s

    retriever = bm25s.BM25()
    # bm25s needs at least one token per document to build its matrix
    retriever.index([t or ["\x00empty"] for t in token_lists], show_progress=False)
    return retriever


def load_bm25(path):
    import bm25s

    return bm25s.BM25.load(str(path), allow_pickle=False, show_progress=False)


def bm25_scores(retriever, tokens: list[str]) -> np.ndarray:
    """BM25 score of every indexed document for the query tokens (unknown tokens are ignored)."""
    known = [t for t in tokens if t in retriever.vocab_dict]
    n = retriever.scores["num_docs"]
    if not known:
        return np.zeros(n, dtype=np.float32)
    return np.asarray(retriever.get_scores(known), dtype=np.float32)

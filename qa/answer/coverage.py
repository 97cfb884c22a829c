"""Does the best passage answer the question, or only resemble it?

A collection of the same kind as the question (news asked about news, papers about papers) always
holds passages that share the question's topic; the best of them scores like an answer even when
the collection lacks one. The decision here looks past the score, at what the passage and its
article hold of the question:

- the question's words, weighted by rarity, in the best sentence, around it, and in its article
  (a question's rarest word missing from the whole article is a strong sign it is elsewhere);
- the question's phrases (adjacent word pairs: "nationality act") as phrases, near it and in its article;
- the words that say what happened (lower-case content words: "killed in border clashes") near
  the best sentence, apart from the names, which any article on the topic repeats;
- an answer of the asked-for type (who, when, how many …) present and not part of the question;
- whether the leading sentences come from one article (one that answers tends to hold several).

`SIGNALS` turns a question's candidates into these numbers; `covers` combines them with weights
fitted by bench/abstain.py (logistic regression on the tuning halves of xquad-en, covid-qa and the
shipped news set, checked on the held-out halves) into the probability that the corpus answers it.
"""

from __future__ import annotations

import math
import re
from typing import AbstractSet, Sequence

from ..nlp import STOPWORDS, tokenize
from ..store import Store
from .candidates import LIGHT_WORDS, Candidate, IdfTable, pairs
from .compose import confidence
from .entities import expected_labels

WINDOW = 1  # sentences either side of the best one that still count as "around it" (a quote widens this far)
# The leading sentences whose articles are compared: an article that answers tends to hold several
# of them, while near-misses come one each from many articles on the same subject.
TOP = 5
RARE_WORDS = 2  # how many of the question's rarest words must be in the article
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_WH = frozenset("what which who whom whose when where why how".split())


def weighted_share(tokens: AbstractSet[str], found: AbstractSet[str], idf: IdfTable) -> float:
    """The rarity-weighted share of `tokens` in `found` (1.0 when there are none to find)."""
    total = sum(idf(t) for t in tokens)
    return sum(idf(t) for t in tokens & found) / total if total else 1.0


def _pair_share(phrases: AbstractSet[str], found: AbstractSet[str], idf: IdfTable) -> float:
    """The rarity-weighted share of the question's adjacent word pairs found as pairs (1.0 when it has none)."""
    weight = {p: sum(idf(t) for t in p.split()) for p in phrases}
    total = sum(weight.values())
    return sum(w for p, w in weight.items() if p in found) / total if total else 1.0


def question_words(question: str) -> tuple[set[str], set[str], set[str]]:
    """(every content token, the tokens of lower-case words, the tokens of names): lower-case words
    say what is asked about (events, relations, measures), capitalised ones (after the first word) whom
    or where."""
    words = _WORD.findall(question)
    lower = {w for w in words if w.islower() and w.casefold() not in _WH}
    names = {w for w in words[1:] if w[:1].isupper()}
    tokens = set(tokenize(question))
    return tokens, tokens & set(tokenize(" ".join(lower))), tokens & set(tokenize(" ".join(names)))


def window_tokens(index: Store, best: Candidate) -> set[str]:
    """Tokens of the best sentence and up to WINDOW sentences either side of it in its document."""
    doc = index.documents[best.doc_id]
    rows = index.sentence_rows
    lo, hi = best.start, best.end
    for step in range(1, WINDOW + 1):
        for r in (best.row - step, best.row + step):
            if 0 <= r < len(rows) and index.doc_ids[int(rows[r, 0])] == best.doc_id:
                lo, hi = min(lo, int(rows[r, 1])), max(hi, int(rows[r, 2]))
    tokens = tokenize(doc.text[lo:hi])
    return set(tokens) | pairs(tokens)


def signals(question: str, cands: Sequence[Candidate], index: Store, idf: IdfTable) -> dict[str, float]:
    """The numbers `covers` weighs, for the best candidate by the hand-set score (the first quote
    unless the reader chose another sentence of its article)."""
    if not cands:
        return {name: 0.0 for name in SIGNALS} | {"names": 0.0}
    # judged on the hand-set ranking, which the weights were fitted on: the reader only changes which
    # sentence of an article is quoted first, and a refusal must not turn on that choice
    top = sorted(cands, key=lambda c: -c.hand)[:TOP]
    best = top[0]
    tokens, event, names = question_words(question)
    phrases = pairs(tokenize(question))
    doc = idf.document_tokens(index, best.doc_id)
    near = window_tokens(index, best)
    # ties in rarity broken by the word: set order changes from one process to the next (string
    # hashing is salted), and the answer to a question must not
    rare = sorted(tokens, key=lambda t: (-idf(t), t))[:RARE_WORDS]
    wants_type = bool(expected_labels(question))
    return {
        "support": confidence(cands),
        "semantic": best.semantic,
        "sentence_words": best.lexical,
        "window_words": weighted_share(tokens, near, idf),
        "article_words": weighted_share(tokens, doc, idf),
        "rare_in_article": sum(t in doc for t in rare) / len(rare) if rare else 1.0,
        "event_words": weighted_share(event, near, idf),
        "names_article": weighted_share(names, doc, idf),
        "phrases_near": _pair_share(phrases, near, idf),
        "phrases_article": _pair_share(phrases, doc, idf),
        "type_missing": float(wants_type and best.short is None),
        "retrieval": best.retrieval,
        "one_article": sum(c.doc_id == best.doc_id for c in top) / len(top),
        # an answer stands out from the near-misses around it; look-alikes come in a crowd
        "margin": best.hand - (sum(c.hand for c in top[1:]) / (len(top) - 1) if len(top) > 1 else 0.0),
        "doc_margin": best.hand - max((c.hand for c in cands if c.doc_id != best.doc_id), default=0.0),
        # not weighed: how many names the question has (compose tells "on the subject" by them)
        "names": float(len(names)),
    }


def adds_known_words(question: str, cands: Sequence[Candidate], index: Store, idf: IdfTable) -> bool:
    """Whether the article of the best passage holds any word the follow-up `question` (as typed)
    adds. A resolved follow-up carries the last turn's names and topic, which that article holds
    by construction, so its coverage looks high however little the article says of what is new:
    "How old is he?", "Where was he born?", "When will it be delivered?" ask for something no
    sentence of it mentions ("old", "born", "delivered"). The best passage of the rewrite alone must
    pass too: the follow-up's other readings (followup.readings) can lift a sentence for one typed word
    ("decades-old" for "How old is he?"), which is no sign the question is answered."""
    words = set(tokenize(question)) - LIGHT_WORDS
    if not words or not cands:
        return True
    best = max(cands, key=lambda c: c.score)
    rewritten = max(cands, key=lambda c: c.score - c.readings)
    return all(words & idf.document_tokens(index, c.doc_id) for c in (best, rewritten))


MISSING_SHOWN = 3  # question words a partial answer names as absent


def missing_words(question: str, cands: Sequence[Candidate], index: Store, idf: IdfTable) -> list[str]:
    """The question's words (as written) that are absent around the best passage: the words that
    say what happened first, then names, rarest first within each."""
    if not cands:
        return []
    near = window_tokens(index, max(cands, key=lambda c: c.score))
    seen, found = set(), []
    for w in _WORD.findall(question):
        toks = tokenize(w)
        if w.casefold() in _WH or not toks or toks[0] in near or toks[0] in seen or w.casefold() in STOPWORDS:
            continue
        seen.add(toks[0])
        found.append((not w.islower(), -idf(toks[0]), w))
    return [w for *_k, w in sorted(found)[:MISSING_SHOWN]]


SIGNALS = (
    "support",
    "semantic",
    "sentence_words",
    "window_words",
    "article_words",
    "rare_in_article",
    "event_words",
    "names_article",
    "phrases_near",
    "phrases_article",
    "type_missing",
    "retrieval",
    "one_article",
    "margin",
    "doc_margin",
)

# Fitted by `python bench/abstain.py collect --limit 300 --cross-limit 200` then `... fit` (2026-11-26):
# logistic regression (sklearn, C=1, each set and mode weighted alike) on the tuning halves of
# xquad-en (137 questions), covid-qa (98; the collect run was stopped at 210 of 300) and the
# shipped news set (56 answerable + 6 unanswerable), each asked as it is and without its sources,
# plus 92 xquad-en questions asked of covid-qa's papers. The signals are strongly correlated
# (each alone orders the questions nearly as well as `support`), so single weights mean little;
# only their sum is checked, on the held-out halves. The threshold is config.min_score.
COVER_WEIGHTS: dict[str, float] = {
    "support": 2.017,
    "semantic": 3.232,
    "sentence_words": -0.215,
    "window_words": 1.509,
    "article_words": 0.696,
    "rare_in_article": 0.161,
    "event_words": 0.61,
    "names_article": 0.607,
    "phrases_near": 0.987,
    "phrases_article": 0.14,
    "type_missing": -0.29,
    "retrieval": 0.678,
    "one_article": 0.565,
    "margin": 0.716,
    "doc_margin": 2.412,
}
COVER_INTERCEPT = -7.141


def covers(values: dict[str, float]) -> float:
    """The probability that the corpus answers the question, from its signals."""
    z = COVER_INTERCEPT + sum(w * values.get(name, 0.0) for name, w in COVER_WEIGHTS.items())
    return 1.0 / (1.0 + math.exp(-z))

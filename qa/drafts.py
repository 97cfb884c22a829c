"""Sources for a draft: each sentence of a writer's text backed by exact, cited quotes from the
index, or flagged as having no support in these articles.

The draft is split with the index's own sentence splitter (qa.chunk), each sentence is treated
as a claim and looked up the way `ask` looks up a question (the same retrieval and candidate
sentences), and a claim counts as supported when its best sentence reaches `config.support_min`
on the support score below: the calibrated-abstention idea of `ask`, with a score made for claims
(a claim is supported by a sentence that says the same, not by one that answers it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .answer.candidates import (
    HEADLINE_PENALTY,
    Candidate,
    IdfTable,
    collect_candidates,
    read_leading,
    reader_text,
    score_candidates,
)
from .answer.excerpts import select_quotes, verify_quote
from .answer.reader import ReaderSettings, is_off, reader_for
from .chunk import split_sentences
from .config import Config
from .errors import DraftTooLongError, EmptyDraftError
from .nlp import tokenize
from .records import Quote
from .retrieve import Retriever
from .store import Store

NO_SUPPORT_TEXT = "no support in these articles"
# a claim the articles discuss (a sentence reaches support_min) but, as the reader reads them, do not
# say: most often a name, number or place changed. Its closest sentence is shown to compare against.
CONTESTED_TEXT = "not what the articles say"
NOT_A_CLAIM = "not a claim (no words)"
# A draft is checked sentence by sentence, one retrieval each: about eight pages at most (a long
# article); a book is better checked a chapter at a time.
MAX_DRAFT_CHARS = 20_000
MAX_DRAFT_SENTENCES = 300
# The support score mixes how close the meaning is (cosine of claim and sentence) with how much of
# the claim's rare-word weight the sentence holds. Meaning alone accepts a sentence on the same
# topic that says something else; rare words alone miss a paraphrase. Equal shares: both are in
# about [0, 1]. bench/drafts.py compares each alone, calibrated the same way on the same claims:
# the mix flagged more unsupported claims (1.000 vs 0.990 and 0.995) with no more false flags.
SUPPORT_SEMANTIC_SHARE = 0.5
# A claim word the retrieved sentences never use (weighted by its rarity, as a share of the claim's
# weight) is taken off the score at this rate on top of its missing coverage: "opened a drone factory",
# "awarded a medal" add what the articles never say about the subject. Half: as much again as coverage
# already takes off for a word missing from the best sentence. Measured in bench/drafts.py against
# the score without it.
NOVEL_PENALTY = 0.5
SPARE_QUOTES = 3  # quotes drawn per quote wanted, so that enough come from different articles
# With `reader_support`, the reader must also read a quote as saying what the claim says: the claim's
# logit with the sentence (or, for a model fitted so, that less the sentence's logit with itself) at
# least the cut recorded in the model's card. bench/reader_claims.py fits the cut on the fold models'
# held-out claims so that at most 3% of restatements are flagged (docs/reader.md, round 7).


@dataclass
class SupportedSentence:
    """One sentence of the draft: where it sits in the draft, and the sources that back it (if any)."""

    n: int  # 1-based position in the draft
    text: str
    start: int  # offsets in the draft: draft[start:end] == text
    end: int
    supported: bool
    score: float  # support score of the best sentence found in the articles
    sources: list[int] = field(default_factory=list)  # numbers of DraftSupport.sources backing it
    # False for a "sentence" without a single word (a stray bracket, a dash, a number list marker):
    # nothing to back, so it is neither marked nor listed as unsupported
    checked: bool = True
    # the two signals alone, each at its best over the sentences looked at (bench/drafts.py compares)
    semantic: float = 0.0
    coverage: float = 0.0
    novel: float = 0.0  # share of the claim's rare-word weight in words no retrieved sentence uses
    mixed: float = 0.0  # the support score before the novel-word penalty
    # for a claim the reader did not read in any sentence that reaches the support score: the closest
    # of those sentences, quoted exactly (unnumbered: it is shown to compare with, not cited as support)
    closest: Quote | None = None

    @property
    def verdict(self) -> str:
        if not self.checked:
            return NOT_A_CLAIM
        if self.supported:
            return "supported"
        return CONTESTED_TEXT if self.closest is not None else NO_SUPPORT_TEXT

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "supported": self.supported,
            "score": round(self.score, 4),
            "semantic": round(self.semantic, 4),
            "coverage": round(self.coverage, 4),
            "novel": round(self.novel, 4),
            "sources": list(self.sources),
            "checked": self.checked,
            "verdict": self.verdict,
            "closest": self.closest.to_dict() if self.closest is not None else None,
        }


@dataclass
class DraftSupport:
    """A draft, each of its sentences judged, and the numbered quotes cited as its sources."""

    text: str
    sentences: list[SupportedSentence]
    sources: list[Quote]  # numbered 1.. across the whole draft; a quote backing two sentences appears once
    threshold: float

    @property
    def unsupported(self) -> list[SupportedSentence]:
        return [s for s in self.sentences if s.checked and not s.supported]

    def annotated(self, marker: Callable[[list[int]], str] | None = None, escape: Callable[[str], str] = str) -> str:
        """The draft as written, with ` [n]` after each supported sentence. `escape` is applied to the
        draft's own text (e.g. for Markdown), `marker` formats a sentence's source numbers."""
        marker = marker or (lambda numbers: "".join(f"[{n}]" for n in numbers))
        out, last = [], 0
        for s in self.sentences:
            if s.supported and s.sources:
                out += [escape(self.text[last : s.end]), " " + marker(s.sources)]
                last = s.end
        out.append(escape(self.text[last:]))
        return "".join(out)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "annotated": self.annotated(),
            "threshold": self.threshold,
            "supported": sum(s.supported for s in self.sentences),
            "unsupported": len(self.unsupported),
            "sentences": [s.to_dict() for s in self.sentences],
            "sources": [q.to_dict() for q in self.sources],
        }


def check_draft(text: str | None) -> str:
    """The draft as given (offsets refer to it); typed errors for an empty or too long one."""
    if text is None or not text.strip():
        raise EmptyDraftError("draft: empty; paste a paragraph or more to find sources for")
    if len(text) > MAX_DRAFT_CHARS:
        raise DraftTooLongError(
            f"draft: too long ({len(text)} characters; the limit is {MAX_DRAFT_CHARS}); check it in parts"
        )
    return text


def support_score(c: Candidate) -> float:
    """How well one sentence of the articles backs a claim: meaning and rare-word coverage, mixed.
    A headline gives way to a body sentence that says the same, as in `ask`."""
    mixed = SUPPORT_SEMANTIC_SHARE * c.semantic + (1 - SUPPORT_SEMANTIC_SHARE) * c.lexical
    return mixed - (HEADLINE_PENALTY if c.headline else 0.0)


def novel_share(claim: str, cands: list[Candidate], idf: IdfTable) -> float:
    """The share of the claim's rare-word weight in words that none of the retrieved sentences uses."""
    words = set(tokenize(claim))
    used = set().union(*(c.tokens for c in cands)) if cands else set()
    total = sum(idf(t) for t in words) or 1.0
    return sum(idf(t) for t in words - used) / total


def claim_candidates(claim: str, vector: np.ndarray, index: Store, idf: IdfTable, config: Config) -> list[Candidate]:
    """The sentences `ask` would weigh for this claim, scored for support instead of answering
    (the novel-word penalty applies to every candidate alike: it is the claim's)."""
    hits = Retriever(index, config).search(claim, vector)
    cands = collect_candidates(hits, index)
    score_candidates(cands, claim, vector, index, idf)
    penalty = NOVEL_PENALTY * novel_share(claim, cands, idf)
    for c in cands:
        c.score = support_score(c) - penalty
    judge = claim_judge(config)
    if judge is not None:
        read_claim(cands, claim, index, config, judge)
    return cands


def read_claim(cands: list[Candidate], claim: str, index: Store, config: Config, judge: ReaderSettings) -> None:
    """Each leading sentence's `reader`: the claim's logit with it, less (for a model whose card says
    "relative") the sentence's own logit with itself; what `backs` weighs."""
    if read_leading(cands, claim, index, config) is None or judge.support_measure != "relative":
        return
    read = [(c, c.reader) for c in cands if c.reader is not None]
    docs = index.documents
    own = judge.model.pair_logits(
        [(docs[c.doc_id].text[c.start : c.end], reader_text(index, c, judge.context_chars)) for c, _z in read]
    )
    for (c, claim_logit), self_logit in zip(read, own):
        c.reader = claim_logit - float(self_logit)


def claim_judge(config: Config) -> ReaderSettings | None:
    """The reader that has a say in draft support: `reader_support` on, a reader on, and its card
    fitted for claims; else None."""
    if not config.reader_support or is_off(config.reader):
        return None
    settings = reader_for(config.reader)
    return settings if settings is not None and settings.support_measure is not None else None


def backs(c: Candidate, config: Config) -> bool:
    """Whether one sentence of the articles backs a claim: its support score reaches the threshold and,
    with the reader judging claims, the reader reads it as saying the same."""
    if c.score < config.support_min:
        return False
    judge = claim_judge(config)
    return judge is None or (c.reader is not None and c.reader >= judge.support_cut)


def _claim_quotes(cands: list[Candidate], index: Store, k: int, config: Config) -> list[Quote]:
    """Up to `k` quotes for one claim, each from a sentence that reaches the threshold on its own,
    each from another article: a second quote is there to corroborate, not to repeat the first's story."""
    backing = [c for c in cands if backs(c, config)]
    quotes: list = []
    docs: set[str] = set()
    for q in select_quotes(backing, index, k * SPARE_QUOTES, config) if backing else []:
        if q.doc_id not in docs and len(quotes) < k:
            quotes.append(q)
            docs.add(q.doc_id)
    return quotes


def _closest_quote(cands: list[Candidate], index: Store, config: Config) -> Quote | None:
    """The best sentence that reaches the support score when the reader read none of them as saying
    the claim (None when the reader has no say, or no sentence reaches the score)."""
    if claim_judge(config) is None:
        return None
    near = [c for c in cands if c.score >= config.support_min]
    quotes = select_quotes(near, index, 1, config) if near else []
    if not quotes:
        return None
    quote = quotes[0]
    quote.n = 0
    verify_quote(quote, index.documents[quote.doc_id])
    return quote


def _number(quote: Quote, sources: list[Quote], index: Store) -> int:
    """The draft-wide number of `quote`: the same excerpt backing two sentences is cited once."""
    for q in sources:
        if (q.doc_id, q.start, q.end) == (quote.doc_id, quote.start, quote.end):
            return q.n
    quote.n = len(sources) + 1
    verify_quote(quote, index.documents[quote.doc_id])  # renumbered: checked again before it leaves
    sources.append(quote)
    return quote.n


def support_draft(text: str, index: Store, embedder, idf: IdfTable, config: Config, k: int) -> DraftSupport:
    """Judge every sentence of `text` (already validated) against the index; see the module doc."""
    spans = split_sentences(text)
    if len(spans) > MAX_DRAFT_SENTENCES:
        raise DraftTooLongError(
            f"draft: too many sentences ({len(spans)}; the limit is {MAX_DRAFT_SENTENCES}); check it in parts"
        )
    vectors = embedder.encode([text[s:e] for s, e in spans]) if spans else np.zeros((0, 1))
    sentences: list = []
    sources: list = []
    for i, ((s, e), vector) in enumerate(zip(spans, vectors), start=1):
        if not tokenize(text[s:e]):
            sentences.append(SupportedSentence(i, text[s:e], s, e, False, 0.0, [], checked=False))
            continue
        cands = claim_candidates(text[s:e], vector, index, idf, config)
        best = max((c.score for c in cands), default=0.0)
        novel = novel_share(text[s:e], cands, idf)
        quotes = _claim_quotes(cands, index, k, config) if any(backs(c, config) for c in cands) else []
        numbers = list(dict.fromkeys(_number(q, sources, index) for q in quotes))
        closest = None if numbers else _closest_quote(cands, index, config)
        sentences.append(
            SupportedSentence(
                i,
                text[s:e],
                s,
                e,
                bool(numbers),
                float(best),
                numbers,
                semantic=max((c.semantic for c in cands), default=0.0),
                coverage=max((c.lexical for c in cands), default=0.0),
                novel=novel,
                mixed=best + NOVEL_PENALTY * novel,
                closest=closest,
            )
        )
    return DraftSupport(text=text, sentences=sentences, sources=sources, threshold=config.support_min)

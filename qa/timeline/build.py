"""Building a timeline from an index: the sentences about a topic that report a dated event, each
dated from its own words, reports of one event merged into one entry, every text checked.

    candidates  sentences ranked by closeness to the topic (stored sentence vectors and rare topic words)
    events      the date phrase that dates each sentence's event (phrases.py finds and places them,
                events.py reads the parse)
    merge       wire copies, and sentences from other articles with a compatible date that say much
                the same, become one entry; the sentence giving the fullest date leads it
    entries     a Quote per sentence (the promise: the document's exact characters, verified)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from ..answer.excerpts import verify_quote
from ..errors import FidelityError
from ..nlp import tokenize
from ..records import Document, Quote
from ..store import Store
from .events import choose, parse
from .phrases import find_phrases, resolve
from .records import DAY, MONTH, RANGE, REPORTED, YEAR, EventDate, Timeline, TimelineEntry

# Sentences ranked by closeness to the topic that are read for dates. Reading is the slow part
# (a spaCy parse each), so a timeline of a large collection reads the closest ones only.
MAX_CANDIDATES = 800
LEXICAL_POOL = 4 * MAX_CANDIDATES  # sentences, closest by cosine, whose words are read for the topic's
# Share of the relevance score carried by the topic's rare words, beside the cosine: as `qa quotes`.
LEXICAL_WEIGHT = 0.35 / (0.45 + 0.35)
# A sentence is about the topic at this relevance (cosine blended with rare-word share), or when its
# article is (cosine of the article's mean sentence vector): an article about the talks tells of
# events ("Erdogan canceled his plans on Oct. 4") whose sentences name nothing of the topic. Set on
# the shipped corpus's timeline set (bench/questions/timeline.jsonl, see docs/timeline.md).
MIN_RELEVANCE = 0.30
MIN_ARTICLE_RELEVANCE = 0.70
_BLOCK = 65_536  # sentence vectors read at a time
# Two reports from different articles with compatible dates are one event at this cosine of their
# sentence vectors (wire copies always are).
MERGE_COSINE = 0.50
MAX_ENTRIES = 200


@dataclass
class Candidate:
    """A sentence that reports a dated event: its index row, document, span, date and relevance."""

    row: int
    doc: Document
    start: int
    end: int
    when: EventDate
    score: float
    members: list["Candidate"] = field(default_factory=list)


def _closeness(index, rows: np.ndarray, topic_vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of each sentence row's stored vector with the topic's, and of its article's mean vector."""
    topic_vector = topic_vector.astype(np.float32)
    docs = np.asarray(index.sentence_rows[rows, 0])
    dense = np.empty(len(rows), dtype=np.float32)
    sums: dict[int, np.ndarray] = {}
    for at in range(0, len(rows), _BLOCK):  # a block at a time: the vectors may be memory-mapped float16
        vectors = np.asarray(index.sentence_vectors[rows[at : at + _BLOCK]], dtype=np.float32)
        dense[at : at + _BLOCK] = vectors @ topic_vector
        block_docs = docs[at : at + _BLOCK]
        starts = np.flatnonzero(np.r_[True, block_docs[1:] != block_docs[:-1]])
        for first, total in zip(starts, np.add.reduceat(vectors, starts, axis=0)):
            d = int(block_docs[first])
            sums[d] = sums[d] + total if d in sums else total
    article = {d: float(v @ topic_vector) / (float(np.linalg.norm(v)) or 1.0) for d, v in sums.items()}
    return dense, np.array([article[int(d)] for d in docs], dtype=np.float32)


def candidates(
    index,
    rows: np.ndarray,
    topic: str,
    topic_vector: np.ndarray | None,
    idf: Callable[[str], float],
    texts: "_Texts",
    min_relevance: float = MIN_RELEVANCE,
) -> tuple[np.ndarray, np.ndarray]:
    """The sentence rows to read for dates (in document order: "the same day" reads the sentence
    before), and their relevance. With a topic: the sentences about it, or in an article about it
    (module constants), closest first, at most MAX_CANDIDATES; the rare-word share is counted only for
    the LEXICAL_POOL closest by cosine, so a large collection is not tokenized whole. Without one: the
    first MAX_CANDIDATES sentences that hold a date phrase."""
    if topic_vector is None:
        found = []
        for row in rows.tolist():
            if find_phrases(texts(row)):
                found.append(row)
                if len(found) == MAX_CANDIDATES:
                    break
        return np.array(found, dtype=np.int64), np.ones(len(found))
    dense, article = _closeness(index, rows, topic_vector)
    pool = np.argsort(-(dense + article), kind="stable")[:LEXICAL_POOL]
    scores = dense[pool].astype(np.float64)
    words = set(tokenize(topic))
    if words:
        total = sum(idf(w) for w in words) or 1.0
        lexical = np.array([sum(idf(w) for w in words & set(tokenize(texts(int(r))))) / total for r in rows[pool]])
        scores = (1 - LEXICAL_WEIGHT) * scores + LEXICAL_WEIGHT * lexical
    about = (scores >= min_relevance) | (article[pool] >= MIN_ARTICLE_RELEVANCE)
    keep = np.flatnonzero(about)
    keep = keep[np.argsort(-(scores[keep] + article[pool][keep]), kind="stable")][:MAX_CANDIDATES]
    keep = keep[np.argsort(rows[pool][keep], kind="stable")]
    return rows[pool][keep], scores[keep]


class _Texts:
    """Sentence texts by row, each document's text read once."""

    def __init__(self, index):
        self.index = index
        self._docs: dict[int, Document] = {}

    def doc(self, row: int) -> Document:
        d = int(self.index.sentence_rows[row, 0])
        if d not in self._docs:
            self._docs[d] = self.index.documents[self.index.doc_ids[d]]
        return self._docs[d]

    def span(self, row: int) -> tuple[int, int]:
        _, s, e = self.index.sentence_rows[row].tolist()
        return int(s), int(e)

    def __call__(self, row: int) -> str:
        s, e = self.span(row)
        return self.doc(row).text[s:e]


def _rows_of(index: Store, allowed: set[str] | None) -> np.ndarray:
    if allowed is None:
        return np.arange(len(index.sentence_rows))
    numbers = [i for i, d in enumerate(index.doc_ids) if d in allowed]
    at = index.sentence_doc_at
    return np.concatenate([np.arange(at[d], at[d + 1]) for d in numbers]) if numbers else np.array([], dtype=np.int64)


# "The same day" looks this many sentences back for the date it repeats
ANAPHOR_LOOKBACK = 3


def _previous_date(index, texts: _Texts, row: int, anchor: str) -> EventDate | None:
    """The latest date written out in the few sentences before `row` (same document), for "the same day"."""
    for back in range(row - 1, max(-1, row - 1 - ANAPHOR_LOOKBACK), -1):
        if int(index.sentence_rows[back, 0]) != int(index.sentence_rows[row, 0]):
            return None
        text = texts(back)
        for phrase in reversed(find_phrases(text)):
            if not phrase.relative:
                when = resolve(phrase, text, anchor)
                if when.placed:
                    return when
    return None


def find_events(index, rows: Sequence[int], scores: Sequence[float], texts: _Texts) -> list[Candidate]:
    """The dated events among `rows`: sentences with a date phrase that dates what they report."""
    found: list[tuple[int, float, list]] = []
    for row, score in zip(rows, scores):
        text = texts(row)
        phrases = find_phrases(text)
        if phrases:
            found.append((row, score, phrases))
    out = []
    for (row, score, phrases), sdoc in zip(found, parse(texts(r) for r, _, _ in found)):
        doc = texts.doc(row)
        start, end = texts.span(row)
        previous = _previous_date(index, texts, row, doc.date) if any(p.kind == "anaphor" for p in phrases) else None
        dated = [(p, resolve(p, texts(row), doc.date, previous, offset=start)) for p in phrases]
        choice = choose(sdoc, dated)
        if choice is None:
            continue
        when = choice.date
        if not when.placed and doc.date:  # the words place nothing: say when it was reported
            when = replace(when, kind=DAY, value=doc.date, basis=REPORTED)
        out.append(Candidate(int(row), doc, start, end, when, float(score)))
    return out


# --- merging reports of one event -------------------------------------------------------------------


def _span(when: EventDate) -> tuple[str, str] | None:
    """(first, last) ISO day of a date, with "--" for an unknown year: comparable within a year."""
    if not when.value:
        return None
    if when.kind == RANGE:
        a, b = when.value.split("/")
        return a, b
    if when.kind == DAY:
        return when.value, when.value
    if when.kind == MONTH:
        lo = {"early": "01", "mid": "11", "late": "21"}.get(when.part, "01")
        hi = {"early": "10", "mid": "20", "late": "31"}.get(when.part, "31")
        return f"{when.value}-{lo}", f"{when.value}-{hi}"
    if when.kind == YEAR:
        return f"{when.value}-01-01", f"{when.value}-12-31"
    return None


def compatible(a: EventDate, b: EventDate) -> bool:
    """Whether two dates can name the same event: their spans overlap, reading a date without a year
    against the other's month and day. A date from the article's date ("reported on") never joins."""
    if REPORTED in (a.basis, b.basis):
        return False
    sa, sb = _span(a), _span(b)
    if sa is None or sb is None:
        return False
    if a.kind == YEAR or b.kind == YEAR:
        return a.kind == b.kind == YEAR and a.value == b.value
    if not (a.year_known and b.year_known):
        sa, sb = (sa[0][-5:], sa[1][-5:]), (sb[0][-5:], sb[1][-5:])
    return sa[0] <= sb[1] and sb[0] <= sa[1]


def _fullness(c: Candidate) -> tuple:
    """Which report leads an entry: a stated year, then a day (a range, a month, a year), then the
    sentence's closeness to the topic."""
    rank = {DAY: 0, RANGE: 1, MONTH: 2, YEAR: 3}.get(c.when.kind, 4)
    return (not c.when.year_known, rank, c.when.basis == REPORTED, -c.score, c.row)


def merge(index, events: list[Candidate]) -> list[Candidate]:
    """Group reports of one event: wire copies of a sentence, and sentences of other articles whose
    vectors are at least MERGE_COSINE alike and whose dates fit every report already in the group (so
    "September" cannot chain "19 September" to "20 September"). The fullest date leads each group;
    returns the leads, each with its `members`."""
    if not events:
        return []
    vectors = np.asarray(index.sentence_vectors[[c.row for c in events]], dtype=np.float32)
    sims = vectors @ vectors.T
    canonical = [int(index.sentence_canonical[c.row]) for c in events]
    groups: list[list[int]] = []
    for i in sorted(range(len(events)), key=lambda i: _fullness(events[i])):
        c, best, best_sim = events[i], None, MERGE_COSINE
        for g in groups:
            if any(canonical[j] == canonical[i] for j in g):
                best, best_sim = g, 2.0
                break
            if any(events[j].doc.id == c.doc.id for j in g) or not all(compatible(c.when, events[j].when) for j in g):
                continue
            sim = max(float(sims[i, j]) for j in g)
            if sim >= best_sim:
                best, best_sim = g, sim
        if best is None:
            groups.append([i])
        else:
            best.append(i)
    out = []
    for g in groups:
        lead = events[g[0]]
        lead.members = [events[j] for j in g[1:]]
        lead.score = max(events[j].score for j in g)
        out.append(lead)
    return out


# --- entries ----------------------------------------------------------------------------------------


def _quote(n: int, c: Candidate) -> Quote:
    doc = c.doc
    q = Quote(
        n=n,
        text=doc.text[c.start : c.end],
        doc_id=doc.id,
        title=doc.title,
        source=doc.source,
        date=doc.date,
        start=c.start,
        end=c.end,
        score=round(c.score, 4),
        url=doc.url,
        short_start=c.when.start if c.when.phrase else None,
        short_end=c.when.end if c.when.phrase else None,
        file_id=doc.file_id or doc.id,
        file_start=doc.offset + c.start,
        file_end=doc.offset + c.end,
    )
    verify_quote(q, doc)
    return q


def _report(c: Candidate) -> dict:
    """Another sentence reporting the entry's event, as an also_in entry with its own date."""
    doc = c.doc
    text = doc.text[c.start : c.end]
    if not (0 <= c.start < c.end <= len(doc.text)):
        raise FidelityError(f"timeline report does not match {doc.id} at [{c.start}:{c.end}]")
    return {
        "doc_id": doc.id,
        "title": doc.title,
        "source": doc.source,
        "date": doc.date,
        "start": c.start,
        "end": c.end,
        "text": text,
        "url": doc.url,
        "file_id": doc.file_id or doc.id,
        "file_start": doc.offset + c.start,
        "file_end": doc.offset + c.end,
        "when": c.when.to_dict(),
    }


def entry(n: int, c: Candidate) -> TimelineEntry:
    quote = _quote(n, c)
    members = sorted(c.members, key=lambda m: (m.doc.id != c.doc.id, m.when.sort_key(), m.row))
    quote.also_in = [_report(m) for m in members if (m.doc.id, m.start) != (c.doc.id, c.start)]
    return TimelineEntry(n, c.when, quote, c.score)


def in_range(when: EventDate, since: str | None, until: str | None) -> bool:
    """An event is in [since, until] when its whole date is; a date without a year is in no range."""
    if not (since or until):
        return True
    span = _span(when)
    if span is None or not when.year_known:
        return False
    return (not since or span[0] >= since) and (not until or span[1] <= until)


def build_timeline(
    index: Store,
    topic: str,
    topic_vector: np.ndarray | None,
    idf: Callable[[str], float],
    *,
    allowed: set[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    n: int = MAX_ENTRIES,
    min_relevance: float = MIN_RELEVANCE,
) -> Timeline:
    """The timeline of `topic` (every dated event when `topic` is empty) over the documents in
    `allowed` (None: all), events dated within [since, until] when given."""
    texts = _Texts(index)
    rows, scores = candidates(index, _rows_of(index, allowed), topic, topic_vector, idf, texts, min_relevance)
    events = find_events(index, rows.tolist(), scores.tolist(), texts)
    leads = [c for c in merge(index, events) if in_range(c.when, since, until)]
    leads.sort(key=lambda c: (c.when.sort_key(), c.doc.date or "9999", c.row))
    placed = [c for c in leads if c.when.placed][:n]
    undated = [c for c in leads if not c.when.placed][: max(0, n - len(placed))]
    entries = [entry(i + 1, c) for i, c in enumerate(placed)]
    rest = [entry(len(entries) + i + 1, c) for i, c in enumerate(undated)]
    return Timeline(topic, entries, rest)

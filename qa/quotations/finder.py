"""The quote finder's query: an index's quotations of speech filtered by speaker, outlet and date,
ranked by topic, verified, and the same words in another article listed under the first.

`Assistant.quotes` validates what a caller asks and delegates here; this module trusts its inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from .extract import verify_quotation
from .search import FoundQuote, SentenceCover, also_entry, found_quote, same_words_key, topic_scores
from .speakers import group_speakers, matching_speakers
from .stored import extract_all

if TYPE_CHECKING:
    from ..records import Document
    from ..store import Store


class QuoteFinder:
    """The index's quotations grouped by speaker, and the sentence lookup that ranks them; made once
    per loaded index. An index whose quotations came from another extractor version gets them again."""

    def __init__(self, index: Store):
        self.index = index
        quotations = index.quotations  # None: stored by another extractor version, found again here
        if quotations is None:
            quotations, _ = extract_all(list(index.documents.values()))
        self.quotations = [q for q in quotations if q.doc_id in index.documents]
        self.speakers = group_speakers(self.quotations)
        self.cover = SentenceCover(index.sentence_rows, index.doc_ids)

    def find(
        self,
        topic: str,
        speaker: str,
        source: str,
        since: str | None,
        until: str | None,
        n: int,
        *,
        embed: Callable[[str], np.ndarray],
        idf: Callable[[str], float],
    ) -> list[FoundQuote]:
        """Up to `n` quotations of speech, best match for `topic` first (document order without one).
        `speaker` is any spelling of a speaker's name, `source` an outlet's name casefolded ("" for
        any), `since`/`until` inclusive ISO dates; `embed` gives the topic's vector and `idf` a word's
        weight, each called only when there is a topic to rank by."""
        pool = self._matching(speaker, source, since, until)
        if topic and pool:
            scores = topic_scores(pool, embed(topic), topic, self.cover, self.index.sentence_vectors, idf)
        else:
            scores = [0.0] * len(pool)
        return self._listed(pool, scores, n)

    def _matching(self, speaker: str, source: str, since: str | None, until: str | None) -> list:
        """The quotations of speech by `speaker`, in `source`, dated within since..until."""
        pool = [q for q in self.quotations if q.speech]
        if speaker.strip():
            ids = {s.id for s in matching_speakers(speaker, self.speakers)}
            pool = [q for q in pool if q.speaker_id in ids]
        docs = self.index.documents
        return [
            q
            for q in pool
            if (not source or docs[q.doc_id].source.casefold() == source)
            and _dated_within(docs[q.doc_id], since, until)
        ]

    def _listed(self, pool: list, scores: list[float], n: int) -> list[FoundQuote]:
        """The best `n` of `pool` by score, each verified against its document; a quotation with the
        same words as one listed before goes under that one's `also_in` instead."""
        docs = self.index.documents
        order = sorted(range(len(pool)), key=lambda i: (-scores[i], i))
        by_id = {s.id: s for s in self.speakers}
        out: list[FoundQuote] = []
        first: dict = {}
        for i in order:
            q, doc = pool[i], docs[pool[i].doc_id]
            verify_quotation(q, doc)
            key = same_words_key(q)
            if key in first:  # the same words again, in another article: listed under the first
                first[key].also_in.append(also_entry(q, doc))
                continue
            if len(out) == n:
                continue
            first[key] = found_quote(len(out) + 1, q, doc, by_id, scores[i])
            out.append(first[key])
        return out


def _dated_within(doc: Document, since: str | None, until: str | None) -> bool:
    """True without a range; with one, only a dated article inside it (an undated one is outside)."""
    if not (since or until):
        return True
    return bool(doc.date) and (not since or doc.date >= since) and (not until or doc.date <= until)

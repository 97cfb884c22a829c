"""Finding quotations: filtered by speaker (any spelling), outlet and date, ranked by how close they
are to a topic by the index's own signals: the stored vectors of the sentences a quotation covers
(cosine with the topic's vector) and the rare topic words it contains (IDF from the BM25 index)."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..nlp import tokenize
from ..records import Document
from .records import Quotation, Speaker

# Share of the score the rare-word overlap carries beside the semantic similarity: the two are
# weighted as `ask` weighs its sentence signals (0.45 semantic, 0.35 lexical), rescaled to sum to 1.
LEXICAL_WEIGHT = 0.35 / (0.45 + 0.35)


@dataclass
class FoundQuote:
    """A quotation as a search returns it: its words and offsets, who said it (the grouped speaker's
    name and id, and the mention and title this article uses), and where it was published."""

    n: int
    text: str
    doc_id: str
    start: int
    end: int
    speaker: str  # the speaker's usual name ("Nikol Pashinian"); "" when unattributed
    speaker_id: str
    mention: str  # the name as this article writes it, at speaker_start:speaker_end
    speaker_start: int | None
    speaker_end: int | None
    title: str
    kind: str
    how: str
    source: str
    date: str
    doc_title: str
    url: str
    score: float
    file_id: str = ""
    file_start: int = 0
    file_end: int = 0
    # the same words by the same speaker in other articles: [{"doc_id", "start", "end", "source", "date", "title"}]
    also_in: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class SentenceCover:
    """Which stored sentence rows a character range of a document covers."""

    def __init__(self, rows: np.ndarray, doc_ids: list[str]):
        self.by_doc: dict[str, tuple[list[int], list[int], list[int]]] = {}
        for row, (d, s, e) in enumerate(rows.tolist()):
            starts, ends, ids = self.by_doc.setdefault(doc_ids[d], ([], [], []))
            starts.append(s)
            ends.append(e)
            ids.append(row)

    def rows(self, doc_id: str, start: int, end: int) -> list[int]:
        starts, ends, ids = self.by_doc.get(doc_id, ([], [], []))
        i = max(0, bisect_left(starts, start) - 1)
        out = []
        while i < len(starts) and starts[i] < end:
            if ends[i] > start:
                out.append(ids[i])
            i += 1
        return out


def topic_scores(
    quotations: Sequence[Quotation],
    topic_vector: np.ndarray,
    topic: str,
    cover: SentenceCover,
    sentence_vectors: np.ndarray,
    idf: Callable[[str], float],
) -> list[float]:
    """Relevance of each quotation to the topic: the best cosine of a sentence it covers, blended
    with the IDF-weighted share of the topic's words it contains."""
    words = set(tokenize(topic))
    total = sum(idf(w) for w in words) or 1.0
    scores = []
    for q in quotations:
        rows = cover.rows(q.doc_id, q.start, q.end)
        dense = float(np.max(sentence_vectors[rows] @ topic_vector)) if rows else 0.0
        lexical = sum(idf(w) for w in words & set(tokenize(q.text))) / total if words else 0.0
        scores.append((1 - LEXICAL_WEIGHT) * dense + LEXICAL_WEIGHT * lexical)
    return scores


def found_quote(n: int, q: Quotation, doc: Document, speakers: dict[str, Speaker], score: float) -> FoundQuote:
    spk = speakers.get(q.speaker_id)
    file_id = doc.file_id or doc.id
    return FoundQuote(
        n=n,
        text=q.text,
        doc_id=q.doc_id,
        start=q.start,
        end=q.end,
        speaker=spk.name if spk else q.speaker,
        speaker_id=q.speaker_id,
        mention=q.speaker,
        speaker_start=q.speaker_start,
        speaker_end=q.speaker_end,
        title=q.title or (spk.titles[0] if spk and spk.titles else ""),
        kind=q.kind,
        how=q.how,
        source=doc.source,
        date=doc.date,
        doc_title=doc.title,
        url=doc.url,
        score=round(score, 4),
        file_id=file_id,
        file_start=doc.offset + q.start,
        file_end=doc.offset + q.end,
    )


def same_words_key(q: Quotation) -> tuple[str, str]:
    """Quotations with this key say the same words by the same speaker (a story retold by outlets)."""
    return q.speaker_id, " ".join(q.text.split()).casefold()


def also_entry(q: Quotation, doc: Document) -> dict:
    return {
        "doc_id": q.doc_id,
        "start": q.start,
        "end": q.end,
        "source": doc.source,
        "date": doc.date,
        "title": doc.title,
    }

"""Two baselines a user would otherwise build, answering with exact quotes like the assistant does.

- `Bm25Baseline`: bm25s over the documents' passages; the best sentence of each top passage
  (by the question's rare-word weight) is a quote.
- `ChunkRecipe`: the common recipe: LangChain-style recursive character chunks (1,000 characters,
  200 overlap), the same MiniLM model, FAISS flat inner product; the best sentence of each top
  chunk (cosine with the question) is a quote.

Both cut passages with the same splitter, so they differ only in how they rank. Quotes are
`document.text[start:end]` exactly; neither ever abstains unless nothing matches at all.
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qa.records import Answer, Document, Quote  # noqa: E402

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
SEPARATORS = ("\n\n", "\n", " ", "")


# --- LangChain's RecursiveCharacterTextSplitter, with offsets ------------------------------
# A port of langchain_text_splitters.RecursiveCharacterTextSplitter with its defaults
# (keep_separator=True, strip_whitespace=True, length = characters). It works on (start, end)
# spans so every chunk keeps its exact place in the document.

Span = tuple[int, int]


def _split_on(text: str, start: int, end: int, separator: str) -> list[Span]:
    """Pieces of text[start:end], each separator kept at the start of the piece after it."""
    if separator == "":
        return [(i, i + 1) for i in range(start, end)]
    cuts = [m.start() for m in re.finditer(re.escape(separator), text[start:end])]
    bounds = [start] + [start + c for c in cuts] + [end]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _strip(text: str, span: Span) -> Span | None:
    a, b = span
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if b > a else None


def _merge(text: str, splits: list[Span], size: int, overlap: int) -> list[Span]:
    """Greedily join neighbouring pieces up to `size`, carrying up to `overlap` characters over."""
    out: list[Span] = []
    current: list[Span] = []
    total = 0
    for s in splits:
        n = s[1] - s[0]
        if total + n > size and current:
            joined = _strip(text, (current[0][0], current[-1][1]))
            if joined:
                out.append(joined)
            while total > overlap or (total + n > size and total > 0):
                total -= current[0][1] - current[0][0]
                current = current[1:]
        current.append(s)
        total += n
    if current:
        joined = _strip(text, (current[0][0], current[-1][1]))
        if joined:
            out.append(joined)
    return out


def recursive_character_chunks(
    text: str,
    chunk_size: int = CHUNK_SIZE,
    chunk_overlap: int = CHUNK_OVERLAP,
    separators: Sequence[str] = SEPARATORS,
    start: int = 0,
    end: int | None = None,
) -> list[Span]:
    """(start, end) of each chunk LangChain's recursive splitter would cut from `text`."""
    end = len(text) if end is None else end
    separator, rest = separators[-1], []
    for i, sep in enumerate(separators):
        if sep == "":
            separator = ""
            break
        if text.find(sep, start, end) != -1:
            separator, rest = sep, list(separators[i + 1 :])
            break
    chunks: list[Span] = []
    good: list[Span] = []
    for piece in _split_on(text, start, end, separator):
        if piece[1] - piece[0] < chunk_size:
            good.append(piece)
            continue
        if good:
            chunks.extend(_merge(text, good, chunk_size, chunk_overlap))
            good = []
        if rest:
            chunks.extend(recursive_character_chunks(text, chunk_size, chunk_overlap, rest, *piece))
        else:
            chunks.append(piece)
    if good:
        chunks.extend(_merge(text, good, chunk_size, chunk_overlap))
    return chunks


# --- passages and their sentences ----------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    doc_id: str
    start: int
    end: int
    sentences: tuple[Span, ...]  # absolute offsets in the document


class Passages:
    """Every document cut into recursive-character chunks, each split into sentences."""

    def __init__(self, documents: Sequence[Document], chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP):
        from qa.chunk import split_sentences_many

        self.documents = {d.id: d for d in documents}
        spans = [(d, s) for d in documents for s in recursive_character_chunks(d.text, chunk_size, chunk_overlap)]
        sentence_lists = split_sentences_many(d.text[a:b] for d, (a, b) in spans)
        self.passages = [
            Passage(d.id, a, b, tuple((a + s, a + e) for s, e in sents) or ((a, b),))
            for (d, (a, b)), sents in zip(spans, sentence_lists)
        ]

    def text(self, doc_id: str, span: Span) -> str:
        return self.documents[doc_id].text[span[0] : span[1]]

    def quote(self, n: int, doc_id: str, span: Span, score: float) -> Quote:
        doc = self.documents[doc_id]
        return Quote(
            n=n,
            text=doc.text[span[0] : span[1]],
            doc_id=doc.id,
            title=doc.title,
            source=doc.source,
            date=doc.date,
            start=span[0],
            end=span[1],
            score=round(float(score), 4),
            url=doc.url,
            file_id=doc.file_id or doc.id,
            file_start=doc.offset + span[0],
            file_end=doc.offset + span[1],
        )


def _answer(question: str, quotes: list[Quote], name: str) -> Answer:
    if not quotes:
        return Answer(question=question, answer="No passage matches the question.", abstained=True, retrieval=name)
    return Answer(question=question, answer=f"“{quotes[0].text}” [1]", abstained=False, quotes=quotes, retrieval=name)


def _overlaps(doc_id: str, span: Span, taken: list[tuple[str, int, int]]) -> bool:
    return any(d == doc_id and span[0] < e and s < span[1] for d, s, e in taken)


def _quotes_from(passages: Passages, ranked: list[int], sentence_score, k: int) -> list[Quote]:
    """One quote per passage, best first: the passage's best sentence not already quoted."""
    quotes: list[Quote] = []
    taken: list[tuple[str, int, int]] = []
    for pid in ranked:
        if len(quotes) >= k:
            break
        p = passages.passages[pid]
        scored = sorted(((sentence_score(pid, i), i) for i in range(len(p.sentences))), key=lambda t: (-t[0], t[1]))
        for score, i in scored:
            span = p.sentences[i]
            if not _overlaps(p.doc_id, span, taken):
                quotes.append(passages.quote(len(quotes) + 1, p.doc_id, span, score))
                taken.append((p.doc_id, *span))
                break
    return quotes


# --- BM25 -------------------------------------------------------------------------------------

_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default token pattern


class Bm25Tokenizer:
    """bm25s's default tokenisation: lower case, English stopwords out, Snowball stems."""

    def __init__(self):
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN

        self.stop = set(STOPWORDS_EN)
        self.stemmer = Stemmer.Stemmer("english")

    def __call__(self, text: str) -> list[str]:
        words = [w for w in _WORD.findall(text.lower()) if w not in self.stop]
        return self.stemmer.stemWords(words) if words else []


class Bm25Baseline:
    """bm25s over the passages; each top passage's sentence with the most rare question words is a quote."""

    name = "bm25"

    def __init__(
        self,
        documents: Sequence[Document] | None = None,
        passages: Passages | None = None,
        k1: float = 1.5,
        b: float = 0.75,
    ):
        import bm25s

        self.passages = passages or Passages(documents or [])
        self.tokenize = Bm25Tokenizer()
        docs = [self.tokenize(passages_text) for passages_text in self._passage_texts()]
        self.bm25 = bm25s.BM25(k1=k1, b=b)
        self.bm25.index([t or ["\x00empty"] for t in docs], show_progress=False)
        n = len(docs)
        df: dict[str, int] = {}
        for toks in docs:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.sentence_tokens = [
            [set(self.tokenize(self.passages.text(p.doc_id, s))) for s in p.sentences] for p in self.passages.passages
        ]

    def _passage_texts(self):
        return (self.passages.text(p.doc_id, (p.start, p.end)) for p in self.passages.passages)

    def describe(self) -> dict:
        return {
            "retrieval": "bm25s (k1=1.5, b=0.75) over passages",
            "chunks": f"recursive character {CHUNK_SIZE}/{CHUNK_OVERLAP}",
            "quote": "best sentence of each top passage by question-word IDF",
        }

    def ask(self, question: str, k: int | None = None) -> Answer:
        k = k or 5
        q = [t for t in dict.fromkeys(self.tokenize(question)) if t in self.bm25.vocab_dict]
        if not q or not self.passages.passages:
            return _answer(question, [], self.name)
        scores = np.asarray(self.bm25.get_scores(q))
        ranked = [int(i) for i in np.argsort(-scores, kind="stable")[: 3 * k] if scores[i] > 0]
        weight = sum(self.idf.get(t, 0.0) for t in q) or 1.0

        def sentence_score(pid: int, i: int) -> float:
            return sum(self.idf.get(t, 0.0) for t in q if t in self.sentence_tokens[pid][i]) / weight

        return _answer(question, _quotes_from(self.passages, ranked, sentence_score, k), self.name)


# --- the common dense recipe ------------------------------------------------------------------


def _encode(embedder, texts: list[str], known: dict[str, np.ndarray] | None) -> np.ndarray:
    """Embed `texts`, taking vectors the same model already made for the same text from `known`."""
    known = known or {}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    fresh = dict(zip(missing, embedder.encode(missing, show_progress_bar=len(missing) > 1000))) if missing else {}
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([fresh[t] if t in fresh else known[t] for t in texts]).astype(np.float32)


def cached_encode(
    embedder, texts: list[str], cache_dir: Path | None, known: dict[str, np.ndarray] | None = None
) -> np.ndarray:
    """Embeddings of `texts`, kept on disk under a hash of the model and the texts."""
    if cache_dir is None:
        return _encode(embedder, texts, known)
    h = hashlib.sha256(embedder.name.encode())
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\x00")
    path = Path(cache_dir) / f"vectors-{h.hexdigest()[:20]}.npy"
    if path.is_file():
        vecs = np.load(path, allow_pickle=False)
        if vecs.shape[0] == len(texts):
            return vecs
    vecs = _encode(embedder, texts, known)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vecs, allow_pickle=False)
    tmp.replace(path)
    return vecs


class ChunkRecipe:
    """1,000-character chunks with 200 overlap, MiniLM, FAISS flat; each top chunk's most similar sentence is a quote."""

    name = "chunk-recipe"

    def __init__(
        self,
        documents: Sequence[Document] | None = None,
        passages: Passages | None = None,
        embedder=None,
        cache_dir: Path | None = None,
        known: dict[str, np.ndarray] | None = None,
    ):
        """`known`: text -> vector made by the same model (e.g. our index's sentences), to skip re-embedding."""
        import faiss

        from qa.embed import Embedder

        self.passages = passages or Passages(documents or [])
        self.embedder = embedder or Embedder()
        ps = self.passages.passages
        chunk_vecs = cached_encode(
            self.embedder, [self.passages.text(p.doc_id, (p.start, p.end)) for p in ps], cache_dir, known
        )
        self.index = faiss.IndexFlatIP(self.embedder.dim)
        if len(ps):
            self.index.add(np.ascontiguousarray(chunk_vecs, dtype=np.float32))
        # sentence vectors: every distinct sentence text once
        self.first_row = np.cumsum([0] + [len(p.sentences) for p in ps])
        texts = [self.passages.text(p.doc_id, s) for p in ps for s in p.sentences]
        unique = list(dict.fromkeys(texts))
        vecs = cached_encode(self.embedder, unique, cache_dir, known)
        where = {t: i for i, t in enumerate(unique)}
        self.sentence_vecs = vecs[[where[t] for t in texts]] if texts else np.zeros((0, self.embedder.dim), np.float32)

    def describe(self) -> dict:
        return {
            "retrieval": "FAISS IndexFlatIP over MiniLM chunk vectors",
            "chunks": f"recursive character {CHUNK_SIZE}/{CHUNK_OVERLAP}",
            "model": self.embedder.name,
            "quote": "sentence of each top chunk most similar to the question",
        }

    def ask(self, question: str, k: int | None = None) -> Answer:
        k = k or 5
        if not question.strip() or self.index.ntotal == 0:
            return _answer(question, [], self.name)
        qv = self.embedder.encode([question])[0]
        _, ids = self.index.search(qv.reshape(1, -1), min(3 * k, self.index.ntotal))
        ranked = [int(i) for i in ids[0] if i >= 0]

        def sentence_score(pid: int, i: int) -> float:
            return float(self.sentence_vecs[self.first_row[pid] + i] @ qv)

        return _answer(question, _quotes_from(self.passages, ranked, sentence_score, k), self.name)

"""A loaded index: documents, chunks, FAISS over chunk vectors, bm25s over chunk tokens, and
the vectors of every sentence. Read with `load_index`, which follows the manifest to the current
generation's files (or reads an index written before generations in place); nothing is pickled."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import Config
from ..errors import IndexIncompatibleError
from ..quotes.stored import read_quotations
from ..records import Chunk, Document
from .lexical import load_bm25
from .manifest import check_compatible, files_dir, generation_of, read_manifest

# File names inside an index directory.
DOCUMENTS, CHUNKS, DENSE, SENTENCES, SENTENCE_VECTORS, BM25 = (
    "documents.jsonl", "chunks.jsonl", "chunks.faiss", "sentences.npy", "sentence_vectors.npy", "bm25",
)
# Wire copies (qa/store/dedupe.py): chunks made only of copies (quotable, not searched), each
# sentence's canonical row, and the documents that copy one story. An index without them has none.
DUPLICATE_CHUNKS, SENTENCE_CANONICAL, DUPLICATES = "duplicate_chunks.jsonl", "sentence_canonical.npy", "duplicates.json"


@dataclass
class Index:
    """A loaded index. Documents are keyed by id; chunks and sentences are in index order."""

    path: Path
    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    dense: object  # faiss.Index
    bm25: object  # bm25s.BM25
    sentence_rows: np.ndarray  # (n, 3) int64: document number, start, end
    sentence_vectors: np.ndarray  # (n, dim) float32
    doc_ids: list[str] = field(default_factory=list)
    # ids the index held before the build that produced this one and no longer holds (empty when
    # the index was loaded, not built): a rebuild never drops a document without saying so
    removed: list[str] = field(default_factory=list)
    # chunks made only of copies of earlier sentences: neither embedded nor searched, their
    # sentences quotable as corroboration
    duplicate_chunks: list[Chunk] = field(default_factory=list)
    sentence_canonical: np.ndarray | None = None  # (n,) int64: the first row that says the same
    duplicates: dict = field(default_factory=dict)  # duplicates.json: document groups, counts, method
    _copies: dict | None = None
    # direct quotations (qa/quotes), None when the files hold none of this extractor version; and
    # the marks and documents the last build's extraction skipped, one line each
    quotations: list | None = None
    quote_problems: list[str] = field(default_factory=list)
    _sentence_lookup: dict | None = None
    _chunk_vectors: np.ndarray | None = None

    @property
    def model(self) -> str:
        return self.manifest["model"]["name"]

    def sentence_row(self, doc_id: str, start: int, end: int) -> int | None:
        if self._sentence_lookup is None:
            self._sentence_lookup = {
                (self.doc_ids[d], int(s), int(e)): i for i, (d, s, e) in enumerate(self.sentence_rows.tolist())
            }
        return self._sentence_lookup.get((doc_id, start, end))

    def sentence_text(self, row: int) -> str:
        d, s, e = self.sentence_rows[row].tolist()
        return self.documents[self.doc_ids[d]].text[s:e]

    def __post_init__(self):
        if self.sentence_canonical is None:
            self.sentence_canonical = np.arange(len(self.sentence_rows), dtype=np.int64)

    def copies(self, row: int) -> list[int]:
        """Every row that says what sentence `row` says (itself included), in index order."""
        if self._copies is None:
            canonical = self.sentence_canonical
            dup = np.flatnonzero(canonical != np.arange(len(canonical)))
            groups: dict[int, list[int]] = {}
            for r in dup.tolist():
                c = int(canonical[r])
                groups.setdefault(c, [c]).append(r)
            self._copies = groups
        c = int(self.sentence_canonical[row])
        return self._copies.get(c, [c])

    def chunks_with_copies_in(self, allowed_docs: set[str]) -> list[int]:
        """Positions of the searched chunks that hold the first copy of a sentence some allowed document
        prints: a wire copy whose own chunks are not searched is found through them (filters)."""
        if len(self.sentence_rows):
            self.copies(0)  # builds the groups
        if not self._copies:
            return []
        allowed = {i for i, d in enumerate(self.doc_ids) if d in allowed_docs}
        wanted = {c for c, members in self._copies.items() if any(int(self.sentence_rows[r, 0]) in allowed for r in members)}
        return [i for i, ch in enumerate(self.chunks)
                if any(self.sentence_row(ch.doc_id, s, e) in wanted for s, e in ch.sentences)]

    def chunk_vectors(self) -> np.ndarray:
        if self._chunk_vectors is None:
            self._chunk_vectors = self.dense.reconstruct_n(0, self.dense.ntotal)
        return self._chunk_vectors

    def text_vectors(self) -> dict[str, np.ndarray]:
        """Text -> vector of every chunk and sentence (the cache that lets a rebuild skip known text)."""
        known = {c.text: v for c, v in zip(self.chunks, self.chunk_vectors())}
        for row, v in enumerate(self.sentence_vectors):
            known[self.sentence_text(row)] = v
        return known

    def token_df(self) -> tuple[dict[str, int], int]:
        """Chunk frequency of every lexical token, and the number of chunks (read off bm25s)."""
        indptr = np.asarray(self.bm25.scores["indptr"])
        df = np.diff(indptr)
        vocab = {t: int(df[i]) for t, i in self.bm25.vocab_dict.items() if i < len(df)}
        return vocab, int(self.bm25.scores["num_docs"])

    def stats(self) -> dict:
        return {"documents": len(self.documents), "chunks": len(self.chunks), "model": self.model}


def load_index(index_dir: str | Path, config: Config | None = None) -> Index:
    """Load the index at `index_dir`, checking that it matches `config`'s format and model.

    `Index.path` is `index_dir` itself (the stable folder), whichever generation the files came from.
    """
    config = config or Config()
    index_dir = Path(index_dir)
    manifest, retries = read_manifest(index_dir), 2
    while True:
        check_compatible(manifest, config, index_dir)
        try:
            return _read(index_dir, manifest)
        except IndexIncompatibleError:
            # A build in another process may have switched generations and removed the one we were
            # reading; its successor is complete, so read that. Same generation: really damaged.
            latest = read_manifest(index_dir)
            if not retries or generation_of(latest) == generation_of(manifest):
                raise
            manifest, retries = latest, retries - 1


def _read(index_dir: Path, manifest: dict) -> Index:
    import faiss

    where = files_dir(index_dir, manifest)
    try:
        docs = [Document(**json.loads(line)) for line in _lines(where / DOCUMENTS)]
        chunks = [Chunk.from_dict(json.loads(line)) for line in _lines(where / CHUNKS)]
        dense = faiss.read_index(str(where / DENSE))
        bm25 = load_bm25(where / BM25)
        rows = np.load(where / SENTENCES, allow_pickle=False)
        # memory-mapped: a build that reuses them, or a question that scores a few rows, reads only those
        svecs = np.load(where / SENTENCE_VECTORS, allow_pickle=False, mmap_mode="r")
        dup_chunks = [Chunk.from_dict(json.loads(line)) for line in _lines(where / DUPLICATE_CHUNKS)] \
            if (where / DUPLICATE_CHUNKS).is_file() else []
        canonical = np.load(where / SENTENCE_CANONICAL, allow_pickle=False) \
            if (where / SENTENCE_CANONICAL).is_file() else None
        duplicates = json.loads((where / DUPLICATES).read_text(encoding="utf-8")) \
            if (where / DUPLICATES).is_file() else {}
        quotations = read_quotations(where)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexIncompatibleError(f"{index_dir}: index files are damaged ({exc}); run `qa index` to rebuild") from None
    if dense.ntotal != len(chunks) or len(rows) != len(svecs) or (canonical is not None and len(canonical) != len(rows)):
        raise IndexIncompatibleError(f"{index_dir}: index files disagree in size; run `qa index` to rebuild")
    return Index(
        path=index_dir,
        manifest=manifest,
        documents={d.id: d for d in docs},
        chunks=chunks,
        dense=dense,
        bm25=bm25,
        sentence_rows=rows,
        sentence_vectors=svecs,
        doc_ids=[d.id for d in docs],
        duplicate_chunks=dup_chunks,
        sentence_canonical=canonical,
        duplicates=duplicates,
        quotations=quotations,
    )


def _lines(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line

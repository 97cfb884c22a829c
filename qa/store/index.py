"""A loaded index: documents, chunks, FAISS over chunk vectors, bm25s over chunk tokens, and
the vectors of every sentence. Read with `load_index`, which follows the manifest to the current
generation's files (or reads an index written before generations in place); nothing is pickled."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import Config
from ..errors import IndexIncompatibleError
from ..quotes.stored import read_quotations
from ..records import Chunk, Document
from .lexical import load_bm25
from .manifest import JSONL_FORMAT, check_compatible, files_dir, generation_of, read_manifest
from .tables import (
    CHUNK_TABLE, DUPLICATE_TABLE, SENTENCE_DOC_AT, ChunkTable, DocumentTable, find_rows, mapped, read_chunk_table,
    read_documents, sentence_doc_at, tables_from_records,
)

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
    documents: DocumentTable  # a Mapping id -> Document, texts read when read (tables.py)
    chunks: ChunkTable  # a Sequence of Chunk, each made from its columns when indexed
    dense: object  # faiss.Index
    bm25: object  # bm25s.BM25
    sentence_rows: np.ndarray  # (n, 3) int64: document number, start, end
    sentence_vectors: np.ndarray  # (n, dim) float16 (float32 in older indexes), memory-mapped
    doc_ids: list[str] = field(default_factory=list)
    # ids the index held before the build that produced this one and no longer holds (empty when
    # the index was loaded, not built): a rebuild never drops a document without saying so
    removed: list[str] = field(default_factory=list)
    # chunks made only of copies of earlier sentences: neither embedded nor searched, their
    # sentences quotable as corroboration
    duplicate_chunks: ChunkTable | list = field(default_factory=list)
    sentence_canonical: np.ndarray | None = None  # (n,) int64: the first row that says the same
    duplicates: dict = field(default_factory=dict)  # duplicates.json: document groups, counts, method
    # direct quotations (qa/quotes), None when the files hold none of this extractor version; and
    # the marks and documents the last build's extraction skipped, one line each
    quotations: list | None = None
    quote_problems: list[str] = field(default_factory=list)
    _chunk_vectors: np.ndarray | None = None
    # each document's first sentence row, and the rows that copy another sorted by the row they copy:
    # made at load from the stored columns, so no question pays for them
    sentence_doc_at: np.ndarray | None = None
    _copy_rows: np.ndarray | None = None
    _copy_of: np.ndarray | None = None

    @property
    def model(self) -> str:
        return self.manifest["model"]["name"]

    def __post_init__(self):
        if self.sentence_canonical is None:
            self.sentence_canonical = np.arange(len(self.sentence_rows), dtype=np.int64)
        if self.sentence_doc_at is None:
            self.sentence_doc_at = sentence_doc_at(self.sentence_rows, len(self.doc_ids))
        canonical = np.asarray(self.sentence_canonical)
        dup = np.flatnonzero(canonical != np.arange(len(canonical)))
        order = np.argsort(canonical[dup], kind="stable")
        self._copy_rows, self._copy_of = dup[order], canonical[dup][order]
        self._doc_number = {d: i for i, d in enumerate(self.doc_ids)}

    def sentence_row(self, doc_id: str, start: int, end: int) -> int | None:
        d = self._doc_number.get(doc_id)
        if d is None:
            return None
        row = int(find_rows(self.sentence_rows, self.sentence_doc_at, d, [start], [end])[0])
        return row if row >= 0 else None

    def sentence_text(self, row: int) -> str:
        d, s, e = np.asarray(self.sentence_rows[row]).tolist()
        return self.documents[self.doc_ids[d]].text[s:e]

    def copies(self, row: int) -> list[int]:
        """Every row that says what sentence `row` says (itself included), in index order."""
        c = int(self.sentence_canonical[row])
        lo, hi = np.searchsorted(self._copy_of, [c, c + 1])
        return [c, *self._copy_rows[lo:hi].tolist()]

    def _doc_numbers(self, allowed_docs: set[str]) -> np.ndarray:
        """The document numbers of the ids in `allowed_docs` that this index holds."""
        return np.array([self._doc_number[d] for d in allowed_docs if d in self._doc_number], dtype=np.int64)

    def chunks_of(self, allowed_docs: set[str]) -> np.ndarray:
        """Positions of the searched chunks of these documents (a filter), without making a Chunk each."""
        return np.flatnonzero(np.isin(self.chunks.doc_numbers(), self._doc_numbers(allowed_docs)))

    def chunks_with_copies_in(self, allowed_docs: set[str]) -> list[int]:
        """Positions of the searched chunks that hold the first copy of a sentence some allowed document
        prints: a wire copy whose own chunks are not searched is found through them (filters)."""
        if not len(self._copy_rows):
            return []
        allowed = self._doc_numbers(allowed_docs)
        rows = np.asarray(self.sentence_rows)
        copied_from = np.unique(self._copy_of)
        # a group is wanted when any member (its first row or a copy) is in an allowed document
        wanted = np.union1d(copied_from[np.isin(rows[copied_from, 0], allowed)],
                            self._copy_of[np.isin(rows[self._copy_rows, 0], allowed)])
        table = self.chunks
        hits = np.flatnonzero(np.isin(np.asarray(table.rows), wanted))
        return np.unique(np.searchsorted(np.asarray(table.rows_at), hits, side="right") - 1).tolist()

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
        tokens, ids = list(self.bm25.vocab_dict), np.fromiter(self.bm25.vocab_dict.values(), np.int64)
        known = ids < len(df)
        vocab = dict(zip([t for t, k in zip(tokens, known.tolist()) if k], df[ids[known]].tolist()))
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
        # memory-mapped in place (a flat index's vectors are used where they lie on disk): loading
        # takes no time, and the pages are read by the first search, not parsed at load
        dense = faiss.read_index(str(where / DENSE), faiss.IO_FLAG_MMAP_IFC)
        bm25 = load_bm25(where / BM25)
        _read_ahead(where / DENSE, *(where / BM25).glob("*.npy"))
        # memory-mapped: a question reads the few rows it scores, a build the rows it reuses
        rows = mapped(where / SENTENCES)
        # an np.memmap still (a build's RowReader preads the file it names); read a few rows at a time
        svecs = np.load(where / SENTENCE_VECTORS, allow_pickle=False, mmap_mode="r")
        if manifest.get("format_version") == JSONL_FORMAT:
            documents, chunks, dup_chunks, doc_at = _read_jsonl(where, np.asarray(rows))
        else:
            documents = read_documents(where)
            chunks = read_chunk_table(where, CHUNK_TABLE, rows, documents)
            dup_chunks = read_chunk_table(where, DUPLICATE_TABLE, rows, documents)
            doc_at = np.load(where / SENTENCE_DOC_AT, allow_pickle=False)
        canonical = mapped(where / SENTENCE_CANONICAL) \
            if (where / SENTENCE_CANONICAL).is_file() else None
        duplicates = json.loads((where / DUPLICATES).read_text(encoding="utf-8")) \
            if (where / DUPLICATES).is_file() else {}
        quotations = read_quotations(where)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexIncompatibleError(f"{index_dir}: index files are damaged ({exc}); run `qa index` to rebuild") from None
    if dense.ntotal != len(chunks) or len(rows) != len(svecs) or (canonical is not None and len(canonical) != len(rows)) \
            or len(doc_at) != len(documents) + 1:
        raise IndexIncompatibleError(f"{index_dir}: index files disagree in size; run `qa index` to rebuild")
    return Index(
        path=index_dir,
        manifest=manifest,
        documents=documents,
        chunks=chunks,
        dense=dense,
        bm25=bm25,
        sentence_rows=rows,
        sentence_vectors=svecs,
        doc_ids=documents.ids,
        duplicate_chunks=dup_chunks,
        sentence_canonical=canonical,
        duplicates=duplicates,
        quotations=quotations,
        sentence_doc_at=doc_at,
    )


def _read_ahead(*paths: Path) -> None:
    """Ask the kernel to read these memory-mapped files into the page cache in the background, so
    that the first question does not wait for the disk (the load itself does not wait either)."""
    if not hasattr(os, "posix_fadvise"):  # macOS has none: the first question reads them instead
        return
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(fd)


def _read_jsonl(where: Path, rows: np.ndarray):
    """Documents and chunks of an index written as JSONL (format 2), as the same tables in memory."""
    docs = [Document(**json.loads(line)) for line in _lines(where / DOCUMENTS)]
    chunks = [Chunk.from_dict(json.loads(line)) for line in _lines(where / CHUNKS)]
    dup_chunks = [Chunk.from_dict(json.loads(line)) for line in _lines(where / DUPLICATE_CHUNKS)] \
        if (where / DUPLICATE_CHUNKS).is_file() else []
    return tables_from_records(docs, chunks, dup_chunks, rows)


def _lines(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line

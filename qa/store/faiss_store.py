"""The FAISS folder: a loaded index of documents, chunks, FAISS over chunk vectors, bm25s over chunk
tokens, and the vectors of every sentence. Read with `load_index`, which follows the manifest to the
current generation's files (or reads an index written before generations in place); nothing is
pickled. It searches itself (`search_dense`, `search_lexical`) and has no fused search of its own:
qa/retrieve.py fuses the two."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Config
from ..errors import IndexIncompatibleError
from ..records import Chunk, Document, Quotation
from .approximate import search_parameters
from .contents import Contents
from .lexical import bm25_scores, load_bm25, top_n
from .manifest import JSONL_FORMAT, check_compatible, files_dir, generation_of, read_manifest
from .quotations import read_quotations
from .tables import (
    CHUNK_TABLE,
    DUPLICATE_TABLE,
    SENTENCE_DOC_AT,
    ChunkTable,
    DocumentTable,
    mapped,
    read_chunk_table,
    read_documents,
    tables_from_records,
)

# File names inside an index directory.
DOCUMENTS, CHUNKS, DENSE, SENTENCES, SENTENCE_VECTORS, BM25 = (
    "documents.jsonl",
    "chunks.jsonl",
    "chunks.faiss",
    "sentences.npy",
    "sentence_vectors.npy",
    "bm25",
)
# Wire copies (qa/indexing/dedupe.py): chunks made only of copies (quotable, not searched), each
# sentence's canonical row, and the documents that copy one story. An index without them has none.
DUPLICATE_CHUNKS, SENTENCE_CANONICAL, DUPLICATES = "duplicate_chunks.jsonl", "sentence_canonical.npy", "duplicates.json"


def _no_rows() -> np.ndarray:
    return np.empty(0, dtype=np.int64)


@dataclass
class FaissStore(Contents):
    """A loaded FAISS folder (store/contents.py has what it holds, read as the Milvus store reads it)."""

    path: Path
    manifest: dict
    documents: DocumentTable
    chunks: ChunkTable
    dense: Any  # faiss.Index (faiss ships no types)
    bm25: Any  # bm25s.BM25
    sentence_rows: np.ndarray
    sentence_vectors: np.ndarray  # float16 (float32 in older indexes), memory-mapped
    doc_ids: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    duplicate_chunks: ChunkTable | list = field(default_factory=list)
    # empty: none stored; Contents._find_copies makes them
    sentence_canonical: np.ndarray = field(default_factory=_no_rows)
    duplicates: dict = field(default_factory=dict)
    quotations: list[Quotation] | None = None
    quote_problems: list[str] = field(default_factory=list)
    sentence_doc_at: np.ndarray = field(default_factory=_no_rows)
    _chunk_vectors: np.ndarray | None = None

    def __post_init__(self):
        self._find_copies()

    def chunk_vector(self, position: int) -> np.ndarray:
        return self.dense.reconstruct(int(position))

    def chunk_vectors(self) -> np.ndarray:
        if self._chunk_vectors is None:
            self._chunk_vectors = self.dense.reconstruct_n(0, self.dense.ntotal)
        return self._chunk_vectors

    def use_dense(self, dense) -> None:
        """Search chunk vectors through another FAISS index over the same chunks, in memory (a hook for
        bench/: derived or quantised vectors measured on the same index; nothing is written)."""
        if dense.ntotal != len(self.chunks):
            raise ValueError(f"use_dense: {dense.ntotal} vectors for {len(self.chunks)} chunks")
        self.dense, self._chunk_vectors = dense, None

    def token_df(self) -> tuple[dict[str, int], int]:
        """Chunk frequency of every lexical token, and the number of chunks (read off bm25s)."""
        indptr = np.asarray(self.bm25.scores["indptr"])
        df = np.diff(indptr)
        tokens, ids = list(self.bm25.vocab_dict), np.fromiter(self.bm25.vocab_dict.values(), np.int64)
        known = ids < len(df)
        vocab = dict(zip([t for t, k in zip(tokens, known.tolist()) if k], df[ids[known]].tolist()))
        return vocab, int(self.bm25.scores["num_docs"])

    # --- searches (store/backend.Store) -----------------------------------------------------------

    def search_dense(self, vector: np.ndarray, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        total = self.dense.ntotal
        if total == 0 or (allowed is not None and len(allowed) == 0):
            return {}
        params = None if allowed is None else search_parameters(self.dense, allowed)
        scores, ids = self.dense.search(np.asarray(vector).reshape(1, -1), min(n, total), params=params)
        return {int(i): float(s) for s, i in zip(scores[0], ids[0]) if i >= 0}

    def search_lexical(self, tokens: list[str], n: int, allowed: np.ndarray | None) -> dict[int, float]:
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.chunks), dtype=np.float32)
            mask[allowed] = 1
        scores = bm25_scores(self.bm25, tokens, mask)
        top = top_n(scores, n)
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def search_hybrid(
        self, vector: np.ndarray, tokens: list[str], n: int, k: int, allowed: np.ndarray | None
    ) -> dict[int, float] | None:
        return None  # no fused search of its own: qa/retrieve.py fuses search_dense and search_lexical


def load_index(index_dir: str | Path, config: Config | None = None) -> FaissStore:
    """Load the index at `index_dir`, checking that it matches `config`'s format and model.

    `FaissStore.path` is `index_dir` itself (the stable folder), whichever generation the files came from.
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


def _read(index_dir: Path, manifest: dict) -> FaissStore:
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
        canonical = mapped(where / SENTENCE_CANONICAL) if (where / SENTENCE_CANONICAL).is_file() else _no_rows()
        duplicates = (
            json.loads((where / DUPLICATES).read_text(encoding="utf-8")) if (where / DUPLICATES).is_file() else {}
        )
        quotations = read_quotations(where)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexIncompatibleError(
            f"{index_dir}: index files are damaged ({exc}); run `qa index` to rebuild"
        ) from None
    if (
        dense.ntotal != len(chunks)
        or len(rows) != len(svecs)
        or (len(canonical) and len(canonical) != len(rows))
        or len(doc_at) != len(documents) + 1
    ):
        raise IndexIncompatibleError(f"{index_dir}: index files disagree in size; run `qa index` to rebuild")
    return FaissStore(
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
    dup_chunks = (
        [Chunk.from_dict(json.loads(line)) for line in _lines(where / DUPLICATE_CHUNKS)]
        if (where / DUPLICATE_CHUNKS).is_file()
        else []
    )
    return tables_from_records(docs, chunks, dup_chunks, rows)


def _lines(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line

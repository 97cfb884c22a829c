"""Writing an index from parts computed elsewhere (documents, chunks, sentence rows and vectors),
through the store's atomic generation switch (`qa.store.publish`). bench/perf.py uses it to lay out
synthetic indexes of 100k+ chunks from real ones without embedding them again.

It bypasses the build (qa/indexing/) on purpose: the synthetic copies are near copies of their
originals, which the build's wire-copy search would fold into them, and they must stay searched.
It writes the store's format with the store's public names: the columns (write_tables), FAISS,
bm25s, the sentence rows and vectors; no copies, no quotations (a loaded index finds those itself).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qa.config import Config
from qa.indexing.writer import SENTENCE_VECTOR_DTYPE
from qa.nlp import tokenize
from qa.records import Chunk, Document
from qa.store import publish, sync_tree
from qa.store.approximate import approximate_dense
from qa.store.faiss_store import BM25, CHUNKS, DENSE, SENTENCE_VECTORS, SENTENCES, FaissStore, load_index
from qa.store.lexical import build_bm25
from qa.store.manifest import make_manifest
from qa.store.tables import write_tables


def assemble_index(
    documents: list[Document],
    chunks: list[Chunk],
    sentence_rows: np.ndarray,
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    index_dir: str | Path,
    config: Config,
) -> FaissStore:
    """Write these parts as the index at `index_dir` and load it. Rows are (document number in
    `documents`, start, end); vectors are unit float32 rows aligned with `chunks` and the rows."""
    import faiss

    if len(chunks) != len(chunk_vectors) or len(sentence_rows) != len(sentence_vectors):
        raise ValueError("assemble_index: vectors and records differ in number")
    rows = np.asarray(sentence_rows, dtype=np.int64).reshape(-1, 3)
    chunk_vectors = np.ascontiguousarray(chunk_vectors, dtype=np.float32)
    sentence_vectors = np.ascontiguousarray(sentence_vectors, dtype=np.float32)
    dim = int(chunk_vectors.shape[1])

    def write(folder: Path) -> dict:
        dense = faiss.IndexFlatIP(dim)
        if len(chunk_vectors):
            dense.add(chunk_vectors)
        faiss.write_index(dense, str(folder / DENSE))
        with open(folder / CHUNKS, "w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        np.save(folder / SENTENCES, rows, allow_pickle=False)
        np.save(folder / SENTENCE_VECTORS, sentence_vectors.astype(SENTENCE_VECTOR_DTYPE), allow_pickle=False)
        build_bm25([tokenize(c.text) for c in chunks]).save(str(folder / BM25), show_progress=False)
        write_tables(folder, documents)
        record = approximate_dense(folder, DENSE, sentence_vectors)
        sync_tree(folder)  # durable before the manifest points at it
        counts = {"documents": len(documents), "chunks": len(chunks), "sentences": int(len(rows))}
        return {**make_manifest(documents, config, dim, counts, 0.0), "dense": record}

    publish(Path(index_dir), [d.id for d in documents], write)
    return load_index(index_dir, config)

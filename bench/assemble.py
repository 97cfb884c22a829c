"""Writing an index from parts computed elsewhere (documents, chunks, sentence rows and vectors),
through the same atomic generation switch as a build. bench/perf.py uses it to lay out synthetic
indexes of 100k+ chunks from real ones without embedding them again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.config import Config
from qa.indexing.parts import Built, publish_parts
from qa.records import Chunk, Document
from qa.store.index import Index, load_index
from qa.store.manifest import make_manifest


def assemble_index(
    documents: list[Document],
    chunks: list[Chunk],
    sentence_rows: np.ndarray,
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    index_dir: str | Path,
    config: Config,
) -> Index:
    """Write these parts as the index at `index_dir` and load it. Rows are (document number in
    `documents`, start, end); vectors are unit float32 rows aligned with `chunks` and the rows."""
    if len(chunks) != len(chunk_vectors) or len(sentence_rows) != len(sentence_vectors):
        raise ValueError("assemble_index: vectors and records differ in number")
    built = Built(chunks, np.asarray(sentence_rows, dtype=np.int64).reshape(-1, 3),
                   np.ascontiguousarray(chunk_vectors, dtype=np.float32),
                   np.ascontiguousarray(sentence_vectors, dtype=np.float32))
    dim = int(built.chunk_vectors.shape[1])
    counts = {"documents": len(documents), "chunks": len(chunks), "sentences": int(len(built.rows))}
    publish_parts(Path(index_dir), documents, built, dim, make_manifest(documents, config, dim, counts, 0.0))
    return load_index(index_dir, config)

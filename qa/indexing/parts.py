"""An index computed whole in memory (chunks, sentence rows, vectors), then written as one FAISS
generation or handed to another backend. The Milvus backend, the Ray pipeline and bench/perf.py's
synthetic indexes use it; `qa index` itself streams through writer.py, which also folds wire copies
(dedupe.py). An index written from parts has no copy groups: every text stands alone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..chunk import chunk_documents
from ..config import Config
from ..nlp import tokenize
from ..records import Chunk, Document
from .build import _LazyEmbedder, _publish, _sync_tree
from ..store.index import BM25, CHUNKS, DENSE, DOCUMENTS, SENTENCE_VECTORS, SENTENCES, Index
from ..store.lexical import build_bm25
from ..store.approximate import approximate_dense
from ..store.tables import write_tables
from .writer import SENTENCE_VECTOR_DTYPE
from ..store.manifest import same_vectors, settings_of, unchanged_ids

__all__ = ["Built", "compute_parts", "publish_parts"]


@dataclass
class Built:
    """What a build computed, before it is written."""

    chunks: list[Chunk]
    rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray


def _reuse_vectors(
    texts: list[str], cache: dict[str, np.ndarray], embedder: _LazyEmbedder, show: bool | None
) -> np.ndarray:
    """Vectors for `texts`, embedding only those not found in `cache` (keyed by exact text)."""
    missing = sorted({t for t in texts if t not in cache})
    if missing:
        for t, v in zip(missing, embedder.encode(missing, show_progress_bar=show)):
            cache[t] = v
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([cache[t] for t in texts]).astype(np.float32)


def _chunks(documents: list[Document], config: Config, previous: Index | None) -> list[Chunk]:
    """Chunks of every document: those of unchanged documents are taken from `previous`."""
    same_settings = previous is not None and previous.manifest.get("settings") == settings_of(config)
    reusable: dict[str, list[Chunk]] = {}
    if same_settings:
        for c in previous.chunks:
            reusable.setdefault(c.doc_id, []).append(c)
    unchanged = unchanged_ids(previous.manifest, documents) if same_settings else set()
    fresh = [d for d in documents if d.id not in unchanged]
    new_chunks: dict[str, list[Chunk]] = {}
    # with nothing new to split, do not load spaCy at all (seconds): dropping documents stays quick
    for c in chunk_documents(fresh, config.chunk_tokens, config.chunk_overlap_tokens) if fresh else ():
        new_chunks.setdefault(c.doc_id, []).append(c)
    fresh_ids = {d.id for d in fresh}
    return [c for d in documents for c in (new_chunks if d.id in fresh_ids else reusable).get(d.id, [])]


def compute_parts(documents, config, embedder, previous, progress, show) -> "Built":
    progress("Splitting sentences and chunking", 0.05)
    chunks = _chunks(documents, config, previous)
    doc_number = {d.id: i for i, d in enumerate(documents)}
    sentence_set = sorted({(doc_number[c.doc_id], s, e) for c in chunks for s, e in c.sentences})
    rows = np.asarray(sentence_set, dtype=np.int64).reshape(-1, 3)
    cache = previous.text_vectors() if previous is not None and same_vectors(previous.manifest, config) else {}
    progress(f"Embedding {len(chunks)} chunks", 0.15)
    chunk_vecs = _reuse_vectors([c.text for c in chunks], cache, embedder, show)
    progress(f"Embedding {len(rows)} sentences", 0.55)
    sent_texts = [documents[d].text[s:e] for d, s, e in rows.tolist()]
    sent_vecs = _reuse_vectors(sent_texts, cache, embedder, show)
    return Built(chunks, rows, chunk_vecs, sent_vecs)


def _write_parts(folder: Path, documents: list[Document], built: "Built", dim: int) -> dict:
    """The index files of one generation (the manifest is the pointer, written by `_switch`); returns
    what the manifest records of the dense index."""
    import faiss

    dense = faiss.IndexFlatIP(dim)
    if len(built.chunk_vectors):
        dense.add(built.chunk_vectors)
    with open(folder / DOCUMENTS, "w", encoding="utf-8") as fh:
        for d in documents:
            fh.write(json.dumps({k: v for k, v in d.to_dict().items() if k != "sha256"}, ensure_ascii=False) + "\n")
    with open(folder / CHUNKS, "w", encoding="utf-8") as fh:
        for c in built.chunks:
            fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
    faiss.write_index(dense, str(folder / DENSE))
    np.save(folder / SENTENCES, built.rows, allow_pickle=False)
    np.save(folder / SENTENCE_VECTORS, built.sentence_vectors.astype(SENTENCE_VECTOR_DTYPE), allow_pickle=False)
    build_bm25([tokenize(c.text) for c in built.chunks]).save(str(folder / BM25), show_progress=False)
    write_tables(folder, documents)
    dense_record = approximate_dense(folder, DENSE, built.sentence_vectors)
    # faiss, numpy and bm25s close their own files, so their bytes may still be in the page cache:
    # make every file and folder durable before anything points at them
    _sync_tree(folder)
    return dense_record


def publish_parts(index_dir: Path, documents: list[Document], built: "Built", dim: int, manifest: dict) -> list[str]:
    """Write `built` as a new generation of the FAISS folder `index_dir` and switch to it (atomic,
    as a build); returns the ids the replaced index had that this one lacks."""

    def write(folder: Path) -> dict:
        return {**manifest, "dense": _write_parts(folder, documents, built, dim)}

    return _publish(Path(index_dir), documents, write)

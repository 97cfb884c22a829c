"""Building the index: chunk, embed (only text not seen before), write, and swap into place.

A build writes a sibling temporary directory and renames it into place, so an interrupted
build leaves the previous index as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..chunk import chunk_documents
from ..config import Config
from ..embed import Embedder
from ..errors import EmptyCorpusError, IndexIncompatibleError, IndexMissingError
from ..nlp import tokenize
from ..records import Chunk, Document
from .index import BM25, CHUNKS, DENSE, DOCUMENTS, SENTENCE_VECTORS, SENTENCES, Index, load_index
from .lexical import build_bm25
from .manifest import MANIFEST, is_current, make_manifest, model_of, read_manifest, settings_of

Progress = Callable[[str, float], None]


def _noop(message: str, fraction: float) -> None:
    pass


@dataclass
class _Built:
    """What a build computed, before it is written."""

    chunks: list[Chunk]
    rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray


def _reuse_vectors(texts: list[str], cache: dict[str, np.ndarray], embedder: Embedder, show: bool | None) -> np.ndarray:
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
    fresh = [
        d
        for d in documents
        if not (same_settings and d.id in previous.documents and previous.documents[d.id].text == d.text)
    ]
    new_chunks: dict[str, list[Chunk]] = {}
    for c in chunk_documents(fresh, config.chunk_tokens, config.chunk_overlap_tokens):
        new_chunks.setdefault(c.doc_id, []).append(c)
    fresh_ids = {d.id for d in fresh}
    return [c for d in documents for c in (new_chunks if d.id in fresh_ids else reusable).get(d.id, [])]


def _compute(documents, config, embedder, previous, progress, show) -> _Built:
    progress("Splitting sentences and chunking", 0.05)
    chunks = _chunks(documents, config, previous)
    doc_number = {d.id: i for i, d in enumerate(documents)}
    sentence_set = sorted({(doc_number[c.doc_id], s, e) for c in chunks for s, e in c.sentences})
    rows = np.asarray(sentence_set, dtype=np.int64).reshape(-1, 3)
    cache = previous.text_vectors() if previous is not None and previous.model == config.model else {}
    progress(f"Embedding {len(chunks)} chunks", 0.15)
    chunk_vecs = _reuse_vectors([c.text for c in chunks], cache, embedder, show)
    progress(f"Embedding {len(rows)} sentences", 0.55)
    sent_texts = [documents[d].text[s:e] for d, s, e in rows.tolist()]
    sent_vecs = _reuse_vectors(sent_texts, cache, embedder, show)
    return _Built(chunks, rows, chunk_vecs, sent_vecs)


def _write(tmp: Path, documents: list[Document], built: _Built, dim: int, manifest: dict) -> None:
    import faiss

    dense = faiss.IndexFlatIP(dim)
    if len(built.chunk_vectors):
        dense.add(built.chunk_vectors)
    with open(tmp / DOCUMENTS, "w", encoding="utf-8") as fh:
        for d in documents:
            fh.write(json.dumps({k: v for k, v in d.to_dict().items() if k != "sha256"}, ensure_ascii=False) + "\n")
    with open(tmp / CHUNKS, "w", encoding="utf-8") as fh:
        for c in built.chunks:
            fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
    faiss.write_index(dense, str(tmp / DENSE))
    np.save(tmp / SENTENCES, built.rows, allow_pickle=False)
    np.save(tmp / SENTENCE_VECTORS, built.sentence_vectors, allow_pickle=False)
    build_bm25([tokenize(c.text) for c in built.chunks]).save(str(tmp / BM25), show_progress=False)
    # the manifest goes last: a directory without one is never taken for an index
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")


def build_index(
    documents: list[Document],
    index_dir: str | Path,
    config: Config | None = None,
    *,
    previous: Index | None = None,
    progress: Progress = _noop,
    show_progress_bar: bool | None = None,
) -> Index:
    """Chunk, embed and index `documents` into `index_dir`, replacing what was there atomically.

    Chunks and vectors of documents unchanged since `previous` are reused, not recomputed.
    """
    config = config or Config()
    if not documents:
        raise EmptyCorpusError("no documents to index: add .txt, .md, .html or .jsonl files to the corpus")
    index_dir = Path(index_dir)
    t0 = time.time()
    embedder = Embedder(config.model, config.batch_size)
    built = _compute(documents, config, embedder, previous, progress, show_progress_bar)
    progress("Building the BM25 and FAISS indexes", 0.9)
    counts = {"documents": len(documents), "chunks": len(built.chunks), "sentences": int(len(built.rows))}
    manifest = make_manifest(documents, config, embedder.dim, counts, time.time() - t0)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent))
    try:
        _write(tmp, documents, built, embedder.dim, manifest)
        _swap_into_place(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    progress("Index ready", 1.0)
    return load_index(index_dir, config)


def _swap_into_place(tmp: Path, index_dir: Path) -> None:
    old = None
    if index_dir.exists():
        old = index_dir.with_name(f".{index_dir.name}.old-{os.getpid()}")
        os.replace(index_dir, old)
    os.replace(tmp, index_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def open_previous(index_dir: str | Path, config: Config) -> Index | None:
    """The index at `index_dir` when it can seed a build with this model, else None."""
    try:
        manifest = read_manifest(index_dir)
        return load_index(index_dir, config) if model_of(manifest) == config.model else None
    except (IndexMissingError, IndexIncompatibleError):
        return None


def ensure_index(
    documents: list[Document],
    index_dir: str | Path,
    config: Config | None = None,
    *,
    progress: Progress = _noop,
    show_progress_bar: bool | None = None,
) -> Index:
    """Load the index at `index_dir` if it holds exactly `documents`; otherwise (re)build it, reusing vectors."""
    config = config or Config()
    previous = open_previous(index_dir, config)
    if previous is not None and is_current(previous.manifest, documents, config):
        return previous
    return build_index(
        documents, index_dir, config, previous=previous, progress=progress, show_progress_bar=show_progress_bar
    )


def add_documents(
    index: Index, documents: list[Document], config: Config | None = None, *, progress: Progress = _noop
) -> Index:
    """Add (or replace, by id) documents in `index`, embedding only the new text."""
    config = config or Config()
    new_ids = {d.id for d in documents}
    merged = [d for d in index.documents.values() if d.id not in new_ids] + list(documents)
    return build_index(merged, index.path, config, previous=index, progress=progress)


def remove_documents(
    index: Index, ids: list[str], config: Config | None = None, *, progress: Progress = _noop
) -> tuple[Index, list[str]]:
    """Drop documents by id; returns the new index and the ids that were removed."""
    config = config or Config()
    gone = set(ids) & set(index.documents)
    if not gone:
        return index, []
    kept = [d for d in index.documents.values() if d.id not in gone]
    return build_index(kept, index.path, config, previous=index, progress=progress), sorted(gone)

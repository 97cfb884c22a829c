"""The on-disk index: FAISS over chunk vectors, bm25s over chunk tokens, and a JSON chunk store.

Layout of an index directory (nothing is pickled):

    manifest.json          format version, package and library versions, model, chunking, documents
    documents.jsonl        the cleaned documents, one JSON object a line (quotes are cut from these)
    chunks.jsonl           chunks with their sentence offsets
    chunks.faiss           faiss.IndexFlatIP over unit-length chunk vectors
    sentences.npy          int64 rows (document number, start, end), one per sentence
    sentence_vectors.npy   float32 unit vectors, one per sentence row
    bm25/                  bm25s index (JSON params + .npy arrays)

A build writes a sibling temporary directory and renames it into place, so an
interrupted build leaves the previous index as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__
from .chunk import SPLITTER_VERSION, chunk_documents
from .config import Config
from .embed import Embedder
from .errors import EmptyCorpusError, IndexIncompatibleError, IndexMissingError
from .lexical import build_bm25, load_bm25, tokenize
from .records import Chunk, Document

FORMAT_VERSION = 1
MANIFEST = "manifest.json"

Progress = Callable[[str, float], None]


def _noop(message: str, fraction: float) -> None:
    pass


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

    def chunk_vectors(self) -> np.ndarray:
        if self._chunk_vectors is None:
            self._chunk_vectors = self.dense.reconstruct_n(0, self.dense.ntotal)
        return self._chunk_vectors

    def stats(self) -> dict:
        return {"documents": len(self.documents), "chunks": len(self.chunks), "model": self.model}


def settings_of(config: Config) -> dict:
    """The settings an index depends on: change any and it must be rebuilt."""
    return {
        "format_version": FORMAT_VERSION,
        "model": config.model,
        "chunk_tokens": config.chunk_tokens,
        "chunk_overlap_tokens": config.chunk_overlap_tokens,
        "splitter": SPLITTER_VERSION,
    }


def _versions() -> dict:
    import bm25s
    import faiss
    import sentence_transformers
    import spacy
    import tiktoken
    import torch

    return {
        "qa": __version__,
        "faiss": faiss.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "bm25s": bm25s.__version__,
        "spacy": spacy.__version__,
        "tiktoken": tiktoken.__version__,
    }


def read_manifest(index_dir: str | Path) -> dict:
    """The manifest of the index at `index_dir`; IndexMissingError when there is none."""
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"no index at {index_dir}: run `qa index` to build it from corpus/")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexIncompatibleError(f"{path}: unreadable manifest ({exc}); run `qa index` to rebuild") from None


def check_compatible(manifest: dict, config: Config, index_dir: str | Path) -> None:
    fmt = manifest.get("format_version")
    if fmt != FORMAT_VERSION:
        raise IndexIncompatibleError(
            f"{index_dir}: index format {fmt} but this version of qa reads format {FORMAT_VERSION}; "
            "run `qa index` to rebuild it"
        )
    built = manifest.get("model", {}).get("name")
    if built != config.model:
        raise IndexIncompatibleError(
            f"{index_dir}: index was built with model {built!r} but the configured model is {config.model!r}; "
            f"run `qa index` to rebuild it, or set QA_MODEL={built}"
        )


def load_index(index_dir: str | Path, config: Config | None = None) -> Index:
    """Load the index at `index_dir`, checking that it matches `config`'s format and model."""
    import faiss

    config = config or Config()
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    check_compatible(manifest, config, index_dir)
    try:
        docs = [Document(**json.loads(line)) for line in _lines(index_dir / "documents.jsonl")]
        chunks = [Chunk.from_dict(json.loads(line)) for line in _lines(index_dir / "chunks.jsonl")]
        dense = faiss.read_index(str(index_dir / "chunks.faiss"))
        bm25 = load_bm25(index_dir / "bm25")
        rows = np.load(index_dir / "sentences.npy", allow_pickle=False)
        svecs = np.load(index_dir / "sentence_vectors.npy", allow_pickle=False)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexIncompatibleError(f"{index_dir}: index files are damaged ({exc}); run `qa index` to rebuild") from None
    if dense.ntotal != len(chunks) or len(rows) != len(svecs):
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
    )


def _lines(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line


def _reuse_vectors(texts: list[str], cache: dict[str, np.ndarray], embedder: Embedder, show: bool | None) -> np.ndarray:
    """Vectors for `texts`, embedding only those not found in `cache` (keyed by exact text)."""
    missing = sorted({t for t in texts if t not in cache})
    if missing:
        for t, v in zip(missing, embedder.encode(missing, show_progress_bar=show)):
            cache[t] = v
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([cache[t] for t in texts]).astype(np.float32)


def _previous_vectors(previous: Index | None) -> dict[str, np.ndarray]:
    if previous is None:
        return {}
    cache = {c.text: v for c, v in zip(previous.chunks, previous.chunk_vectors())}
    for (d, s, e), v in zip(previous.sentence_rows.tolist(), previous.sentence_vectors):
        cache[previous.documents[previous.doc_ids[d]].text[s:e]] = v
    return cache


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
    import faiss

    config = config or Config()
    if not documents:
        raise EmptyCorpusError("no documents to index: add .txt, .md, .html or .jsonl files to the corpus")
    index_dir = Path(index_dir)
    t0 = time.time()
    embedder = Embedder(config.model, config.batch_size)

    progress("Splitting sentences and chunking", 0.05)
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
    new_chunks = {}
    for c in chunk_documents(fresh, config.chunk_tokens, config.chunk_overlap_tokens):
        new_chunks.setdefault(c.doc_id, []).append(c)
    fresh_ids = {d.id for d in fresh}
    chunks = [c for d in documents for c in (new_chunks if d.id in fresh_ids else reusable).get(d.id, [])]

    doc_number = {d.id: i for i, d in enumerate(documents)}
    sentence_set = sorted({(doc_number[c.doc_id], s, e) for c in chunks for s, e in c.sentences})
    rows = np.asarray(sentence_set, dtype=np.int64).reshape(-1, 3)
    by_id = {d.id: d for d in documents}

    cache = _previous_vectors(previous) if previous is not None and previous.model == config.model else {}
    progress(f"Embedding {len(chunks)} chunks", 0.15)
    chunk_vecs = _reuse_vectors([c.text for c in chunks], cache, embedder, show_progress_bar)
    progress(f"Embedding {len(rows)} sentences", 0.55)
    sent_texts = [documents[d].text[s:e] for d, s, e in rows.tolist()]
    sent_vecs = _reuse_vectors(sent_texts, cache, embedder, show_progress_bar)

    progress("Building the BM25 and FAISS indexes", 0.9)
    dense = faiss.IndexFlatIP(embedder.dim)
    if len(chunk_vecs):
        dense.add(chunk_vecs)
    bm25 = build_bm25([tokenize(c.text) for c in chunks])

    manifest = {
        "format_version": FORMAT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.time() - t0, 2),
        "versions": {**_versions()},
        "model": {"name": config.model, "dim": embedder.dim},
        "chunking": {
            "max_tokens": config.chunk_tokens,
            "overlap_tokens": config.chunk_overlap_tokens,
            "tokenizer": "tiktoken cl100k_base",
            "sentences": "spaCy en_core_web_sm senter",
        },
        "settings": settings_of(config),
        "counts": {"documents": len(documents), "chunks": len(chunks), "sentences": int(len(rows))},
        "documents": [
            {"id": d.id, "sha256": d.sha256, "title": d.title, "source": d.source, "date": d.date, "path": d.path}
            for d in documents
        ],
    }

    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.building-", dir=index_dir.parent))
    try:
        with open(tmp / "documents.jsonl", "w", encoding="utf-8") as fh:
            for d in documents:
                fh.write(json.dumps({k: v for k, v in d.to_dict().items() if k != "sha256"}, ensure_ascii=False) + "\n")
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        faiss.write_index(dense, str(tmp / "chunks.faiss"))
        np.save(tmp / "sentences.npy", rows, allow_pickle=False)
        np.save(tmp / "sentence_vectors.npy", sent_vecs, allow_pickle=False)
        bm25.save(str(tmp / "bm25"), show_progress=False)
        # the manifest goes last: a directory without one is never taken for an index
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        _swap_into_place(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    progress("Index ready", 1.0)
    index = load_index(index_dir, config)
    return index


def _swap_into_place(tmp: Path, index_dir: Path) -> None:
    old = None
    if index_dir.exists():
        old = index_dir.with_name(f".{index_dir.name}.old-{os.getpid()}")
        os.replace(index_dir, old)
    os.replace(tmp, index_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def is_current(manifest: dict, documents: list[Document], config: Config) -> bool:
    """True when the manifest was built from exactly these documents with these settings."""
    return manifest.get("settings") == settings_of(config) and [
        (d["id"], d["sha256"]) for d in manifest.get("documents", [])
    ] == [(d.id, d.sha256) for d in documents]


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
    previous = None
    try:
        manifest = read_manifest(index_dir)
        previous = load_index(index_dir, config) if manifest.get("model", {}).get("name") == config.model else None
    except (IndexMissingError, IndexIncompatibleError):
        previous = None
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

"""Building the index: chunk, embed (only text not seen before), write a new generation, and
switch to it with one atomic file replace.

Layout of an index folder (the folder itself stays put; `Index.path` is it):

    manifest.json          the manifest, and the pointer: its "generation" names the current generation
    gen-<time>-<pid>-<hex>/ one complete, fsynced set of index files (documents.jsonl, chunks.jsonl, …)
    .lock                  held (flock) while a build writes and switches, so two builds never clean
                           up each other's work
    .tmp-*                 a generation or manifest being written; never read

A build, holding the lock: (1) removes what killed builds left (`.tmp-*`, generations the manifest does
not name); (2) writes the new files into `.tmp-gen-…/`, fsyncs every file and folder, and renames it to
`gen-…/`; (3) writes `.tmp-manifest.json` naming that generation, fsyncs it, `os.replace`s it over
`manifest.json` and fsyncs the index folder (the switch); (4) removes the generation it replaced, or the
files of an index written before generations (the first build converts such an index).

So at every instant `manifest.json` is either the previous manifest, naming complete files, or the new
one, naming complete and durable files: a build killed at any point leaves a loadable index (the
previous one until the replace, the new one after it), and its leftovers go at the next build.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..chunk import chunk_documents
from ..config import Config
from ..embed import Embedder
from ..errors import EmptyCorpusError, IndexIncompatibleError, IndexMissingError
from ..nlp import tokenize
from ..quotes.stored import QUOTATIONS, extract_all, previous_quotations, write_quotations
from ..records import Chunk, Document
from .index import BM25, CHUNKS, DENSE, DOCUMENTS, SENTENCE_VECTORS, SENTENCES, Index, load_index
from .lexical import build_bm25
from .manifest import (
    GENERATION_PREFIX, MANIFEST, generation_of, is_current, make_manifest, model_of, read_manifest, settings_of,
)

TMP_PREFIX = ".tmp-"
LOCK = ".lock"
# The files an index written before generations keeps beside its manifest; removed once converted.
_LEGACY_FILES = (DOCUMENTS, CHUNKS, DENSE, SENTENCES, SENTENCE_VECTORS, BM25, QUOTATIONS)

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
    quotations: list | None = None  # direct quotations found in the documents (qa/quotes)


class _LazyEmbedder:
    """The configured model, loaded on first use: a rebuild that only drops or renames documents
    finds every vector in the previous index and never pays the model's load time."""

    def __init__(self, config: Config, known_dim: int | None):
        self.config = config
        self._dim = known_dim
        self._embedder: Embedder | None = None

    def encode(self, texts: list[str], show_progress_bar: bool | None = None) -> np.ndarray:
        if self._embedder is None:
            self._embedder = Embedder(self.config.model, self.config.batch_size)
            self._dim = self._embedder.dim
        return self._embedder.encode(texts, show_progress_bar=show_progress_bar)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = Embedder(self.config.model, self.config.batch_size).dim
        return self._dim


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
    fresh = [
        d
        for d in documents
        if not (same_settings and d.id in previous.documents and previous.documents[d.id].text == d.text)
    ]
    new_chunks: dict[str, list[Chunk]] = {}
    # with nothing new to split, do not load spaCy at all (seconds): dropping documents stays quick
    for c in chunk_documents(fresh, config.chunk_tokens, config.chunk_overlap_tokens) if fresh else ():
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


def _write(folder: Path, documents: list[Document], built: _Built, dim: int) -> None:
    """The index files of one generation (the manifest is the pointer, written by `_switch`)."""
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
    np.save(folder / SENTENCE_VECTORS, built.sentence_vectors, allow_pickle=False)
    build_bm25([tokenize(c.text) for c in built.chunks]).save(str(folder / BM25), show_progress=False)
    write_quotations(folder, built.quotations or [])
    # faiss, numpy and bm25s close their own files, so their bytes may still be in the page cache:
    # make every file and folder durable before anything points at them
    _sync_tree(folder)


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

    Chunks and vectors of documents unchanged since `previous` are reused, not recomputed. The
    returned index's `removed` lists the ids the replaced index had and this one has not.
    """
    config = config or Config()
    if not documents:
        raise EmptyCorpusError("no documents to index: add .txt, .md, .html or .jsonl files to the corpus")
    index_dir = Path(index_dir)
    t0 = time.time()
    known_dim = previous.sentence_vectors.shape[1] if previous is not None and previous.model == config.model else None
    embedder = _LazyEmbedder(config, known_dim)
    built = _compute(documents, config, embedder, previous, progress, show_progress_bar)
    progress("Finding quotations", 0.85)
    old_quotes = previous_quotations(previous.documents, previous.quotations) if previous is not None else {}
    built.quotations, quote_problems = extract_all(documents, old_quotes)
    progress("Building the BM25 and FAISS indexes", 0.9)
    counts = {"documents": len(documents), "chunks": len(built.chunks), "sentences": int(len(built.rows))}
    manifest = make_manifest(documents, config, embedder.dim, counts, time.time() - t0)
    removed = _publish(index_dir, documents, built, embedder.dim, manifest)
    progress("Index ready", 1.0)
    index = load_index(index_dir, config)
    index.removed = removed
    index.quote_problems = quote_problems
    return index


def _publish(index_dir: Path, documents: list[Document], built: _Built, dim: int, manifest: dict) -> list[str]:
    """Write a new generation and switch `index_dir` to it; returns the ids the replaced index had
    that the new one lacks."""
    if not index_dir.is_dir():
        index_dir.mkdir(parents=True, exist_ok=True)
        _fsync_dir(index_dir.parent)  # a first build's folder must survive a crash like its files
    with _locked(index_dir):
        before = _current_manifest(index_dir)
        _clean(index_dir, before)  # what killed builds left behind
        generation = f"{GENERATION_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
        tmp = index_dir / f"{TMP_PREFIX}{generation}"
        try:
            tmp.mkdir()
            _write(tmp, documents, built, dim)
            # a gen-* folder is always complete: the half-written one never carries that name
            os.replace(tmp, index_dir / generation)
            _fsync_dir(index_dir)
            _switch(index_dir, {**manifest, "generation": generation})
        except BaseException:
            with suppress(OSError):  # never hide why the build failed behind a failed clean-up
                _clean(index_dir, _current_manifest(index_dir))
            raise
        _clean(index_dir, _current_manifest(index_dir))  # the generation just replaced
        _clean_siblings(index_dir)
    kept = {d.id for d in documents}
    return [d["id"] for d in (before or {}).get("documents", []) if d.get("id") not in kept]


def _switch(index_dir: Path, pointer: dict) -> None:
    """Point `index_dir` at a new generation: the one atomic step of a build."""
    tmp = index_dir / f"{TMP_PREFIX}{MANIFEST}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(pointer, indent=2, ensure_ascii=False))
        fh.flush()
        os.fsync(fh.fileno())
    _test_pause("QA_TEST_PAUSE_BEFORE_SWITCH")
    os.replace(tmp, index_dir / MANIFEST)
    _fsync_dir(index_dir)  # the rename itself is durable only once the folder is synced
    _test_pause("QA_TEST_PAUSE_AFTER_SWITCH")


def _test_pause(variable: str) -> None:
    """Test hook, read only here: tests/test_crash.py sets these (seconds) to widen the instants just
    before and just after the switch, so that its SIGKILLs land there for certain. Unset in real use."""
    seconds = os.environ.get(variable)
    if seconds:
        time.sleep(float(seconds))


def _current_manifest(index_dir: Path) -> dict | None:
    """The manifest `index_dir` holds now, or None when it has none or it is unreadable."""
    try:
        return read_manifest(index_dir)
    except (IndexMissingError, IndexIncompatibleError):
        return None


def _clean(index_dir: Path, current: dict | None) -> None:
    """Remove every generation `current` does not name and every temporary file; once the index has
    generations, also the files of the pre-generation layout. Only called with the lock held, so
    nothing removed here is another build's work in progress."""
    live = generation_of(current) if current is not None else None
    for entry in index_dir.iterdir():
        name = entry.name
        stale = (
            name.startswith(TMP_PREFIX)
            or (name.startswith(GENERATION_PREFIX) and name != live)
            or (live is not None and name in _LEGACY_FILES)
        )
        if not stale:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            try:
                entry.unlink()
            except OSError:
                pass


def _clean_siblings(index_dir: Path) -> None:
    """Remove the `.<name>.building-*` / `.<name>.old-*` folders that builds of earlier versions of
    qa left beside the index when killed (they built beside it and swapped folders)."""
    for pattern in (f".{index_dir.name}.building-*", f".{index_dir.name}.old-*"):
        for entry in index_dir.parent.glob(pattern):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    """Hold `index_dir/.lock` exclusively. flock is released by the kernel when its holder dies, so
    a killed build never leaves the index locked."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; builds of one index must not overlap there
        yield
        return
    with open(index_dir / LOCK, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _sync_tree(folder: Path) -> None:
    """fsync every file under `folder`, then every folder deepest first, so bytes and names are durable."""
    paths = sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True)
    for path in paths:
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    for path in [p for p in paths if p.is_dir()] + [folder]:
        _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; NTFS journals renames itself
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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

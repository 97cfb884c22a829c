"""Building the index: chunk, embed (only text not seen before), write a new generation, and
switch to it with one atomic file replace.

Layout of an index folder (the folder itself stays put; `Index.path` is it):

    manifest.json          the manifest, and the pointer: its "generation" names the current generation
    gen-<time>-<pid>-<hex>/ one complete, fsynced set of index files (texts.bin, chunk_spans.npy, …)
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
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..alloc import return_large_blocks
from ..config import Config
from ..embed import Embedder, loads_without_torch
from ..errors import EmptyCorpusError, IndexIncompatibleError, IndexMissingError
from ..parallel import ingest_pool
from ..progress import BuildProgress, Progress
from ..records import Document
from . import writer
from .approximate import approximate_dense
from .tables import write_tables
from .index import (
    BM25, CHUNKS, DENSE, DOCUMENTS, DUPLICATE_CHUNKS, DUPLICATES, SENTENCE_CANONICAL, SENTENCE_VECTORS, SENTENCES,
    Index, load_index,
)
from ..quotes.stored import QUOTATIONS, extract_all, previous_quotations, write_quotations
from .manifest import (
    GENERATION_PREFIX, MANIFEST, generation_of, is_current, make_manifest, read_manifest, same_vectors, unchanged_ids,
)

TMP_PREFIX = ".tmp-"
LOCK = ".lock"
# The files an index written before generations keeps beside its manifest; removed once converted.
_LEGACY_FILES = (DOCUMENTS, CHUNKS, DENSE, SENTENCES, SENTENCE_VECTORS, BM25, DUPLICATE_CHUNKS, SENTENCE_CANONICAL,
                 DUPLICATES, QUOTATIONS)


def _noop(message: str, fraction: float) -> None:
    pass


class _LazyEmbedder:
    """The configured model, loaded on first use: a rebuild that only drops or renames documents
    finds every vector in the previous index and never pays the model's load time."""

    def __init__(self, config: Config, known_dim: int | None):
        # torch's activations of batches of every length would otherwise leave the heap fragmented
        # and growing with the corpus (alloc.py); set before the model allocates anything
        return_large_blocks()
        self.config = config
        self._dim = known_dim
        self._embedder: Embedder | None = None
        self._loading: Future | None = None
        self.pool = None  # a parallel build's workers (qa/parallel.py): they compute the vectors

    def preload(self) -> None:
        """Start loading the model in a thread, so that it loads beside spaCy in the main thread
        (quotations and sentences come before any embedding) rather than after it: the onnx session
        is about half a second of the 2 s a one-document re-index may take (issue #13), though the
        two loads share the GIL and the machine's cores. Only when the load imports no torch: spaCy's
        loader hides torch from thinc for a moment (qa/nlp.py), and a torch import racing that
        moment would fail. Errors surface on first use, as without the thread."""
        if self._embedder is None and self._loading is None and loads_without_torch(self.config.model, self.config.embedder):
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-model")
            self._loading = pool.submit(Embedder, self.config.model, self.config.batch_size, self.config.embedder)
            pool.shutdown(wait=False)  # the one task still runs; the thread ends with it

    def _model(self) -> Embedder:
        if self._embedder is None:
            loading, self._loading = self._loading, None
            self._embedder = loading.result() if loading is not None else Embedder(
                self.config.model, self.config.batch_size, self.config.embedder)
            self._dim = self._embedder.dim
        return self._embedder

    def encode(self, texts: list[str], show_progress_bar: bool | None = None) -> np.ndarray:
        if self.pool is not None and texts:
            return self.pool.encode(texts)
        return self._model().encode(texts, show_progress_bar=show_progress_bar)

    @property
    def dim(self) -> int:
        return self._dim if self._dim is not None else self._model().dim


def _write(folder: Path, documents: list[Document], config: Config, embedder: "_LazyEmbedder",
           previous: Index | None, progress: BuildProgress, show: bool | None,
           quotations: Callable[[], list]) -> tuple[dict, dict]:
    """The index files of one generation, streamed (writer.py); returns the manifest's counts and
    what it records of the dense index. (The manifest is the pointer, written by `_switch`.)
    `quotations()` gives the build's quotations once found (by a parallel build's workers meanwhile)."""
    writer.write_documents(folder, documents)
    layout = writer.chunk_and_dedupe(folder, documents, config, previous, progress)
    quotations = quotations()
    prior = writer.PriorVectors(previous, config)
    embedded = writer.EmbedCount()
    writer.embed_sentences(folder, documents, layout, embedder, prior, embedded, progress, show)
    writer.embed_chunks(folder, documents, layout, embedder, prior, embedded, progress, show)
    progress.note("Writing the index files")
    writer.write_groups(folder, layout)
    write_quotations(folder, quotations)
    write_tables(folder, documents)
    dense = approximate_dense(folder, DENSE, np.load(folder / SENTENCE_VECTORS, mmap_mode="r"))
    # faiss, numpy and bm25s close their own files, so their bytes may still be in the page cache:
    # make every file and folder durable before anything points at them
    _sync_tree(folder)
    counts = {
        "documents": len(documents), "chunks": int(len(layout.kept)), "sentences": int(len(layout.rows)),
        "unindexed_chunks": layout.duplicate_chunks,
        "copied_sentences": int((layout.canonical != np.arange(len(layout.canonical))).sum()),
        "copied_documents": sum(len(g["copies"]) for g in layout.groups),
        "embedded_sentences": embedded.sentences, "embedded_chunks": embedded.chunks,
    }
    return counts, dense


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
    known_dim = (
        previous.sentence_vectors.shape[1] if previous is not None and same_vectors(previous.manifest, config) else None
    )
    embedder = _LazyEmbedder(config, known_dim)
    unchanged = unchanged_ids(previous.manifest, documents) if known_dim is not None else set()
    if len(unchanged) < len(documents):  # text to embed
        embedder.preload()
    fresh = {d.id for d in documents} - unchanged
    tracker = BuildProgress(progress, documents, fresh, config.embedder)
    old_quotes = previous_quotations(previous.documents, previous.quotations) if previous is not None else {}
    found: list = []  # (quotations, problems), once found

    with ingest_pool(config, [d for d in documents if d.id in fresh]) as pool:
        if pool is None:
            tracker.stage("quotations", "Finding quotations")
            found.append(extract_all(documents, old_quotes, done=tracker.advance))
        else:  # the workers search while this process splits and chunks; their vectors come after
            job = pool.quotations(documents, old_quotes)
            embedder.pool = pool

        def quotations() -> list:
            if not found:
                tracker.stage("quotations", "Finding quotations")
                found.append(job.result(done=tracker.advance))
            return found[0][0]

        def write(folder: Path) -> dict:
            counts, dense = _write(folder, documents, config, embedder, previous, tracker, show_progress_bar, quotations)
            return {**make_manifest(documents, config, embedder.dim, counts, time.time() - t0), "dense": dense}

        removed = _publish(index_dir, documents, write)
    quote_problems = found[0][1]
    progress("Index ready", 1.0)
    index = load_index(index_dir, config)
    index.removed = removed
    index.quote_problems = quote_problems
    return index


def _publish(index_dir: Path, documents: list[Document], write: Callable[[Path], dict]) -> list[str]:
    """Write a new generation (`write` fills the folder it is given and returns the manifest) and
    switch `index_dir` to it; returns the ids the replaced index had that the new one lacks."""
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
            manifest = write(tmp)
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
        return load_index(index_dir, config) if same_vectors(manifest, config) else None
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

"""The one build path: every store (the FAISS folder, Milvus) is written by `build`, from documents or
from chunks and vectors computed elsewhere (the Ray pipeline, parts.py), so every backend holds the
same chunks, wire copies and quotations.

A build (1) finds the quotations (qa/quotations), reusing those of a document unchanged since the previous
store; (2) writes one generation of files (writer.py: chunk, find wire copies, embed only text not
seen before) through its target's `publish`: the FAISS folder switches to the generation atomically
(qa/store/generations.py), Milvus takes from it the documents whose rows changed (milvus.py).

`build_store`, `add_to_store` and `remove_from_store` pick the target from `Config.store`;
`build_index` and its kin name the FAISS folder directly (tests, the evaluation cache).
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from ..alloc import return_large_blocks
from ..chunk import preload_encoding
from ..config import Config
from ..embed import Embedder, loads_without_torch
from ..errors import EmptyCorpusError, IndexIncompatibleError, IndexMissingError, QAError
from ..parallel import IngestPool, ingest_pool
from ..progress import BuildProgress, Progress
from ..quotations.stored import extract_all, previous_quotations
from ..records import Chunk, Document
from ..store.approximate import approximate_dense
from ..store.backend import Store, is_milvus, milvus_uri
from ..store.faiss_store import DENSE, SENTENCE_VECTORS, FaissStore, load_index
from ..store.generations import publish, sync_tree
from ..store.manifest import is_current, make_manifest, read_manifest, same_vectors, unchanged_ids, with_embedder_of
from ..store.quotations import write_quotations
from ..store.tables import write_tables
from . import writer
from .parts import Parts


def no_progress(message: str, fraction: float) -> None:
    pass


class LazyEmbedder:
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
        self.pool: IngestPool | None = None  # a parallel build's workers (qa/parallel.py): they compute the vectors

    def preload(self) -> None:
        """Start loading the model in a thread, so that it loads beside spaCy in the main thread
        (quotations and sentences come before any embedding) rather than after it: the onnx session
        is about half a second of the 2 s a one-document re-index may take (issue #13), though the
        two loads share the GIL and the machine's cores. Only when the load imports no torch: spaCy's
        loader hides torch from thinc for a moment (qa/nlp.py), and a torch import racing that
        moment would fail. Errors surface on first use, as without the thread."""
        if (
            self._embedder is None
            and self._loading is None
            and loads_without_torch(self.config.model, self.config.embedder)
        ):
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-model")
            self._loading = pool.submit(Embedder, self.config.model, self.config.batch_size, self.config.embedder)
            pool.shutdown(wait=False)  # the one task still runs; the thread ends with it

    def _model(self) -> Embedder:
        if self._embedder is None:
            loading, self._loading = self._loading, None
            self._embedder = (
                loading.result()
                if loading is not None
                else Embedder(self.config.model, self.config.batch_size, self.config.embedder)
            )
            self._dim = self._embedder.dim
        return self._embedder

    def encode(self, texts: list[str], show_progress_bar: bool | None = None) -> np.ndarray:
        if self.pool is not None and texts:
            return self.pool.encode(texts)
        return self._model().encode(texts, show_progress_bar=show_progress_bar)

    @property
    def dim(self) -> int:
        return self._dim if self._dim is not None else self._model().dim


# --- targets: where a build's generation goes ---------------------------------------------------------


class Target(Protocol):
    """A store a build writes: `publish` calls `write(folder)` to fill a generation's folder (it returns
    the manifest) and makes the store hold what it wrote; `replace` when there is no previous store
    to build on (everything was computed anew)."""

    where: str  # what messages call it

    def manifest(self) -> dict | None:
        """What the store records of its build (model, embedder, documents); None when it holds none."""

    def previous(self, config: Config) -> Store | None:
        """The store as it is, when a build may reuse its chunks and vectors; else None."""

    def publish(
        self,
        documents: list[Document],
        write: Callable[[Path], dict],
        config: Config,
        *,
        replace: bool,
        progress: Progress,
    ) -> Store:
        """The store holding `documents`, its `removed` the ids it held and no longer does."""


class FaissFolder:
    """The index folder: the generation written is switched to atomically (store/generations.py)."""

    def __init__(self, index_dir: str | Path):
        self.path = Path(index_dir)
        self.where = f"{index_dir}/"

    def manifest(self) -> dict | None:
        try:
            return read_manifest(self.path)
        except QAError:  # none, or unreadable: a build replaces it
            return None

    def previous(self, config: Config) -> FaissStore | None:
        return open_previous(self.path, config)

    def publish(
        self,
        documents: list[Document],
        write: Callable[[Path], dict],
        config: Config,
        *,
        replace: bool,
        progress: Progress,
    ) -> FaissStore:
        removed = publish(self.path, [d.id for d in documents], write)
        index = load_index(self.path, config)
        index.removed = removed
        return index


def open_previous(index_dir: str | Path, config: Config) -> FaissStore | None:
    """The index at `index_dir` when it can seed a build with this model, else None."""
    try:
        manifest = read_manifest(index_dir)
        return load_index(index_dir, config) if same_vectors(manifest, config) else None
    except (IndexMissingError, IndexIncompatibleError):
        return None


def target_for(config: Config, index_dir: str | Path) -> Target:
    """The store `config.store` names: the folder `index_dir`, or the Milvus store at its URI."""
    if is_milvus(config):
        from .milvus import MilvusTarget

        return MilvusTarget(milvus_uri(config))
    return FaissFolder(index_dir)


# --- the build ---------------------------------------------------------------------------------------


def _write(
    folder: Path,
    documents: list[Document],
    config: Config,
    embedder: LazyEmbedder,
    reusable: dict[str, list[Chunk]],
    prior: writer.VectorSource,
    progress: BuildProgress,
    show: bool | None,
    find_quotations: Callable[[], list],
) -> tuple[dict, dict]:
    """The index files of one generation, streamed (writer.py); returns the manifest's counts and
    what it records of the dense index. (The manifest is the pointer, written by `publish`.)
    `find_quotations()` gives the build's quotations once found (by a parallel build's workers meanwhile)."""
    writer.write_documents(folder, documents)
    layout = writer.chunk_and_dedupe(folder, documents, config, reusable, progress)
    quotations = find_quotations()
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
    sync_tree(folder)
    counts = {
        "documents": len(documents),
        "chunks": int(len(layout.kept)),
        "sentences": int(len(layout.rows)),
        "unindexed_chunks": layout.duplicate_chunks,
        "copied_sentences": int((layout.canonical != np.arange(len(layout.canonical))).sum()),
        "copied_documents": sum(len(g["copies"]) for g in layout.groups),
        "embedded_sentences": embedded.sentences,
        "embedded_chunks": embedded.chunks,
    }
    return counts, dense


def build(
    documents: Sequence[Document],
    target: Target,
    config: Config | None = None,
    *,
    previous: Store | None = None,
    parts: Parts | None = None,
    progress: Progress = no_progress,
    show_progress_bar: bool | None = None,
    started: float | None = None,
) -> Store:
    """Chunk, embed and index `documents` into `target`, replacing what it held.

    Chunks and vectors of documents unchanged since `previous` are reused, not recomputed; with
    `parts` (the Ray pipeline), every document's chunks and vectors are taken from there instead.
    The store returned lists in `removed` the ids the replaced store had and this one has not.
    """
    config = config or Config()
    documents = list(documents)
    if not documents:
        raise EmptyCorpusError("no documents to index: add .txt, .md, .html or .jsonl files to the corpus")
    t0 = started if started is not None else time.time()
    unchanged: set[str] = set()
    prior: writer.VectorSource
    if parts is not None:
        embedder, reusable, prior = LazyEmbedder(config, parts.dim), parts.chunks, parts
    else:
        reused = previous if previous is not None and same_vectors(previous.manifest, config) else None
        embedder = LazyEmbedder(config, reused.sentence_vectors.shape[1] if reused is not None else None)
        unchanged = unchanged_ids(reused.manifest, documents) if reused is not None else set()
        if len(unchanged) < len(documents):  # text to chunk and embed, after the quotations' spaCy load
            embedder.preload()
            preload_encoding()
        reusable, prior = writer.reusable_chunks(documents, config, previous), writer.PriorVectors(previous, config)
    fresh = {d.id for d in documents} - unchanged
    tracker = BuildProgress(progress, documents, fresh, config.embedder)
    old_quotes = previous_quotations(previous.documents, previous.quotations) if previous is not None else {}
    found: list = []  # (quotations, problems), once found
    # the Ray pipeline (`parts`) brings its own vectors: no pool for it
    with ingest_pool(config, [d for d in documents if d.id in fresh] if parts is None else []) as pool:
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
            counts, dense = _write(
                folder, documents, config, embedder, reusable, prior, tracker, show_progress_bar, quotations
            )
            return {**make_manifest(documents, config, embedder.dim, counts, time.time() - t0), "dense": dense}

        store = target.publish(documents, write, config, replace=previous is None, progress=progress)
    quote_problems = found[0][1]
    progress("Index ready", 1.0)
    store.quote_problems = quote_problems
    return store


def ensure(
    documents: Sequence[Document],
    target: Target,
    config: Config,
    *,
    progress: Progress = no_progress,
    show_progress_bar: bool | None = None,
) -> Store:
    """The store of `target` if it holds exactly `documents`; otherwise (re)built, reusing vectors."""
    documents = list(documents)
    previous = target.previous(config)
    if previous is not None and is_current(previous.manifest, documents, config):
        return previous
    return build(documents, target, config, previous=previous, progress=progress, show_progress_bar=show_progress_bar)


def add(
    store: Store, documents: Sequence[Document], target: Target, config: Config, *, progress: Progress = no_progress
) -> Store:
    """Add (or replace, by id: a replaced document moves to the end) documents, embedding only new text."""
    new_ids = {d.id for d in documents}
    merged = [d for d in store.documents.values() if d.id not in new_ids] + list(documents)
    return build(merged, target, config, previous=store, progress=progress)


def remove(
    store: Store, ids: Sequence[str], target: Target, config: Config, *, progress: Progress = no_progress
) -> tuple[Store, list[str]]:
    """Drop documents by id; returns the new store and the ids that were removed."""
    gone = set(ids) & set(store.documents)
    if not gone:
        return store, []
    kept = [d for d in store.documents.values() if d.id not in gone]
    return build(kept, target, config, previous=store, progress=progress), sorted(gone)


# --- the faces' entry points: the store `config.store` names ------------------------------------------


def build_store(
    documents: Sequence[Document],
    index_dir: str | Path,
    config: Config,
    *,
    rebuild: bool = False,
    progress: Progress = no_progress,
    show_progress_bar: bool | None = None,
) -> Store:
    """Make the store hold exactly `documents` (reusing what it has unless `rebuild`)."""
    target = target_for(config, index_dir)
    if rebuild:  # --rebuild is what switches a store's embedder
        return build(documents, target, config, progress=progress, show_progress_bar=show_progress_bar)
    config = with_embedder_of(target.manifest(), config)  # extended with the embedder of its vectors
    return ensure(documents, target, config, progress=progress, show_progress_bar=show_progress_bar)


def add_to_store(
    store: Store, documents: Sequence[Document], config: Config, *, progress: Progress = no_progress
) -> Store:
    return add(store, documents, target_for(config, store.path), config, progress=progress)


def remove_from_store(
    store: Store, ids: Sequence[str], config: Config, *, progress: Progress = no_progress
) -> tuple[Store, list[str]]:
    return remove(store, ids, target_for(config, store.path), config, progress=progress)


def build_from_parts(
    documents: Sequence[Document],
    parts: Parts,
    index_dir: str | Path,
    config: Config,
    *,
    progress: Progress = no_progress,
    started: float | None = None,
) -> Store:
    """The store holding `documents`, with the chunks and vectors `parts` computed elsewhere (Ray)."""
    return build(documents, target_for(config, index_dir), config, parts=parts, progress=progress, started=started)


# --- the FAISS folder by path ------------------------------------------------------------------------


def build_index(
    documents: Sequence[Document],
    index_dir: str | Path,
    config: Config | None = None,
    *,
    previous: Store | None = None,
    progress: Progress = no_progress,
    show_progress_bar: bool | None = None,
) -> Store:
    """`build` into the index folder `index_dir`."""
    return build(
        documents,
        FaissFolder(index_dir),
        config,
        previous=previous,
        progress=progress,
        show_progress_bar=show_progress_bar,
    )


def ensure_index(
    documents: Sequence[Document],
    index_dir: str | Path,
    config: Config | None = None,
    *,
    progress: Progress = no_progress,
    show_progress_bar: bool | None = None,
) -> Store:
    """Load the index at `index_dir` if it holds exactly `documents`; otherwise (re)build it, reusing vectors."""
    return ensure(
        documents, FaissFolder(index_dir), config or Config(), progress=progress, show_progress_bar=show_progress_bar
    )


def add_documents(
    index: Store, documents: Sequence[Document], config: Config | None = None, *, progress: Progress = no_progress
) -> Store:
    """Add (or replace, by id) documents in `index`, embedding only the new text."""
    return add(index, documents, FaissFolder(index.path), config or Config(), progress=progress)


def remove_documents(
    index: Store, ids: Sequence[str], config: Config | None = None, *, progress: Progress = no_progress
) -> tuple[Store, list[str]]:
    """Drop documents by id; returns the new index and the ids that were removed."""
    return remove(index, ids, FaissFolder(index.path), config or Config(), progress=progress)

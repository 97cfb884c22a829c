"""The store interface: what retrieval and answering read from an index, whichever engine holds it.

Two backends implement it:

- `faiss` (the default): the index folder of store/index.py and store/build.py, in one process, no
  server. Its searches run in qa/retrieve.py (FAISS inner product, bm25s).
- `milvus` (store/milvus.py): collections in Milvus through `pymilvus.MilvusClient(uri)`; a local
  file is Milvus Lite, `http://host:19530` a Milvus server. It searches itself (`search_dense`,
  `search_lexical`, `search_hybrid`), with Milvus's own BM25.

Everything above (fusion by rank, quote selection, verification, abstention, the app) reads only what
`Store` lists. Search results map a chunk's position in `chunks` to its score, best first; scores of
different backends are on different scales, so callers compare them only within one result (ranks,
or max-normalised scores), never across backends.

`open_store`, `build_store`, `add_to_store` and `remove_from_store` pick the backend from
`Config.store`; only the Milvus branch imports pymilvus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from ..config import Config
from ..records import Chunk, Document

MILVUS_PREFIX = "milvus:"


@runtime_checkable
class Store(Protocol):
    """The data the answer stage reads, and the searches retrieval runs."""

    path: Path | str  # where the store is (a folder, or a Milvus URI)
    manifest: dict  # model, settings and the documents (id, sha256, …) it was built from
    documents: dict[str, Document]
    chunks: list[Chunk]  # in index order: search results are positions in this list
    doc_ids: list[str]  # document number (column 0 of sentence_rows) -> id
    sentence_rows: np.ndarray  # (n, 3) int64: document number, start, end; sorted
    sentence_vectors: np.ndarray  # (n, dim) float32 unit vectors
    removed: list[str]
    sentence_canonical: np.ndarray  # (n,) int64: the first row that says the same (itself when unique)

    @property
    def model(self) -> str: ...

    def sentence_row(self, doc_id: str, start: int, end: int) -> int | None: ...

    def sentence_text(self, row: int) -> str: ...

    def copies(self, row: int) -> list[int]:
        """Every row that says what `row` says (wire copies), itself included, in index order."""

    def chunks_with_copies_in(self, allowed_docs: set[str]) -> list[int]:
        """Searched chunks holding the first copy of a sentence an allowed document prints."""

    def token_df(self) -> tuple[dict[str, int], int]:
        """Chunk frequency of every qa.nlp token, and the number of chunks (the answer stage's idf)."""

    def text_vectors(self) -> dict[str, np.ndarray]: ...

    def stats(self) -> dict: ...


class SearchingStore(Store, Protocol):
    """A store that runs its own searches (Milvus); the FAISS index folder is searched by qa/retrieve.py.

    `allowed` holds the chunk positions filters let through (None: all). Each returns
    {chunk position: score} of at most `n` chunks with a positive match.
    """

    def search_dense(self, vector: np.ndarray, n: int, allowed: np.ndarray | None) -> dict[int, float]: ...

    def search_lexical(self, tokens: list[str], n: int, allowed: np.ndarray | None) -> dict[int, float]: ...

    def search_hybrid(self, vector: np.ndarray, tokens: list[str], n: int, k: int,
                      allowed: np.ndarray | None) -> dict[int, float]:
        """Reciprocal rank fusion of the `n` best of each search, the `k` best fused (the store's own)."""


def is_milvus(config: Config) -> bool:
    return config.store.startswith(MILVUS_PREFIX)


def milvus_uri(config: Config) -> str:
    return config.store[len(MILVUS_PREFIX):].strip()


def open_store(index_dir: str | Path, config: Config):
    """The store `config.store` names (the index folder `index_dir` for faiss), checked against the config."""
    if is_milvus(config):
        from .milvus import open_milvus

        return open_milvus(milvus_uri(config), config)
    from .index import load_index

    return load_index(index_dir, config)


def build_store(documents: Sequence[Document], index_dir: str | Path, config: Config, *, rebuild: bool = False,
                progress=None, show_progress_bar: bool | None = None):
    """Make the store hold exactly `documents` (reusing what it has unless `rebuild`)."""
    from ..indexing.build import _noop

    progress = progress or _noop
    if is_milvus(config):
        from .milvus import sync_milvus

        return sync_milvus(list(documents), milvus_uri(config), config, rebuild=rebuild, progress=progress,
                           show_progress_bar=show_progress_bar)
    from ..indexing.build import build_index, ensure_index

    make = build_index if rebuild else ensure_index
    return make(list(documents), index_dir, config, progress=progress, show_progress_bar=show_progress_bar)


def add_to_store(store, documents: Sequence[Document], config: Config, *, progress=None):
    """Add (or replace, by id) documents, embedding only new text."""
    from ..indexing.build import _noop, add_documents

    if hasattr(store, "add"):
        return store.add(list(documents), config, progress=progress or _noop)
    return add_documents(store, list(documents), config, progress=progress or _noop)


def remove_from_store(store, ids: Sequence[str], config: Config, *, progress=None):
    """Drop documents by id; returns (the store, the ids removed)."""
    from ..indexing.build import _noop, remove_documents

    if hasattr(store, "remove"):
        return store.remove(list(ids), config, progress=progress or _noop)
    return remove_documents(store, list(ids), config, progress=progress or _noop)


def publish_built(documents: Sequence[Document], built, dim: int, index_dir: str | Path, config: Config,
                  seconds: float = 0.0):
    """Write chunks and vectors computed elsewhere (the Ray pipeline) as the whole content of the store,
    replacing what it held; returns the store, its `removed` listing the ids it no longer holds."""
    documents = list(documents)
    if is_milvus(config):
        from .milvus import _client, _create, _drop, _load, _stored_ids, write_milvus

        uri = milvus_uri(config)
        client = _client(uri)
        before = _stored_ids(client)
        _drop(client)
        _create(client, dim)
        write_milvus(client, documents, built, config, dim)
        store = _load(client, uri)
    else:
        from ..indexing.parts import publish_parts
        from .index import load_index
        from .manifest import make_manifest

        counts = {"documents": len(documents), "chunks": len(built.chunks), "sentences": int(len(built.rows))}
        removed = publish_parts(Path(index_dir), documents, built, dim, make_manifest(documents, config, dim, counts, seconds))
        store = load_index(index_dir, config)
        before = removed
    kept = {d.id for d in documents}
    store.removed = [i for i in before if i not in kept]
    return store

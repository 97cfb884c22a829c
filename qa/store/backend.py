"""The store interface: what retrieval and answering read from an index, whichever engine holds it.

Two backends implement it:

- `faiss` (the default): the index folder of store/faiss_store.py, in one process, no server; FAISS inner
  product over chunk vectors and bm25s over chunk tokens.
- `milvus` (store/milvus.py): collections in Milvus through `pymilvus.MilvusClient(uri)`; a local
  file is Milvus Lite, `http://host:19530` a Milvus server, with Milvus's own BM25 and fusion.

Both are written by the one build path of qa/indexing/, so they hold the same documents, chunks,
sentence rows, wire copies and quotations; they differ only in how they search. Everything above
(fusion in qa/retrieve.py, quote selection, verification, abstention, the app) reads only what
`Store` lists. Search results map a chunk's position in `chunks` to its score, best first; scores of
different backends are on different scales, so callers compare them only within one result (ranks,
or max-normalised scores), never across backends.

`open_store` picks the backend from `Config.store`; only the Milvus branch imports pymilvus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..config import Config
from ..records import Chunk, Document, Quotation

MILVUS_PREFIX = "milvus:"


@runtime_checkable
class Store(Protocol):
    """The data the answer stage reads, and the searches retrieval runs (store/contents.py holds the
    data side both backends share)."""

    # read-only members: each backend keeps its own concrete types (a FAISS folder's DocumentTable is a
    # Mapping), which a read-only protocol member accepts and a mutable attribute would not

    # where the store is (a folder, or "milvus:URI")
    @property
    def path(self) -> Path | str: ...

    # format, model, settings and the documents (id, sha256, …) it was built from
    @property
    def manifest(self) -> dict: ...

    @property
    def documents(self) -> Mapping[str, Document]: ...

    # the searched chunks, in index order: search results are positions here
    @property
    def chunks(self) -> Sequence[Chunk]: ...

    # chunks made only of wire copies: quotable, never searched
    @property
    def duplicate_chunks(self) -> Sequence[Chunk]: ...

    # document number (column 0 of sentence_rows) -> id
    @property
    def doc_ids(self) -> list[str]: ...

    # (n, 3) int64: document number, start, end; sorted
    @property
    def sentence_rows(self) -> np.ndarray: ...

    # (documents + 1,) int64: each document's first sentence row, the row count last
    @property
    def sentence_doc_at(self) -> np.ndarray: ...

    # (n, dim) unit vectors
    @property
    def sentence_vectors(self) -> np.ndarray: ...

    # (n,) int64: the first row that says the same (itself when unique)
    @property
    def sentence_canonical(self) -> np.ndarray: ...

    # {"documents": [{"canonical": id, "copies": [ids]}], counts, how copies were found}
    @property
    def duplicates(self) -> dict: ...

    # None: none stored by this extractor version (found again on load)
    @property
    def quotations(self) -> list[Quotation] | None: ...

    # plain attributes: a build sets them on the store it returns
    removed: list[str]  # ids the build that produced this store dropped (empty when loaded)

    quote_problems: list[str]  # what that build's quotation extraction skipped, one line each

    @property
    def model(self) -> str: ...

    def sentence_row(self, doc_id: str, start: int, end: int) -> int | None: ...

    def sentence_text(self, row: int) -> str: ...

    def copies(self, row: int) -> list[int]:
        """Every row that says what `row` says (wire copies), itself included, in index order."""

    def chunks_of(self, allowed_docs: set[str]) -> np.ndarray:
        """Positions of the searched chunks of these documents."""

    def chunks_with_copies_in(self, allowed_docs: set[str]) -> list[int]:
        """Searched chunks holding the first copy of a sentence an allowed document prints."""

    def token_df(self) -> tuple[dict[str, int], int]:
        """Chunk frequency of every qa.nlp token, and the number of chunks (the answer stage's idf)."""

    def chunk_vector(self, position: int) -> np.ndarray:
        """The vector of the searched chunk at `position` (a rebuild reuses it for the same text)."""

    def chunk_vectors(self) -> np.ndarray: ...

    def text_vectors(self) -> dict[str, np.ndarray]: ...

    def stats(self) -> dict: ...

    # --- searches: `allowed` holds the chunk positions filters let through (None: all); each returns
    # {chunk position: score} of at most `n` chunks with a match, best first

    def search_dense(self, vector: np.ndarray, n: int, allowed: np.ndarray | None) -> dict[int, float]: ...

    def search_lexical(self, tokens: list[str], n: int, allowed: np.ndarray | None) -> dict[int, float]: ...

    def search_hybrid(
        self, vector: np.ndarray, tokens: list[str], n: int, k: int, allowed: np.ndarray | None
    ) -> dict[int, float] | None:
        """The store's own reciprocal rank fusion of the `n` best of each search, the `k` best fused;
        None when it has none (the FAISS folder), and qa/retrieve.py fuses the two searches itself."""


def is_milvus(config: Config) -> bool:
    return config.store.startswith(MILVUS_PREFIX)


def milvus_uri(config: Config) -> str:
    return config.store[len(MILVUS_PREFIX) :].strip()


def open_store(index_dir: str | Path, config: Config) -> Store:
    """The store `config.store` names (the index folder `index_dir` for faiss), checked against the config."""
    if is_milvus(config):
        from .milvus import open_milvus

        return open_milvus(milvus_uri(config), config)
    from .faiss_store import load_index

    return load_index(index_dir, config)

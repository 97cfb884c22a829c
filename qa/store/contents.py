"""What every store holds, read the same way whichever engine searches it: documents, chunks, sentence
rows and their vectors, the wire copies among the sentences (qa/indexing/dedupe.py), and quotations.

`Contents` is the base of the FAISS folder (faiss_store.py) and of the Milvus store (milvus.py): both keep
documents and chunks in the tables of tables.py, so finding a sentence's row, its copies and the
chunks a filter lets through is one piece of code; only searching differs between them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..records import Quotation
from .tables import ChunkTable, DocumentTable, find_rows, sentence_doc_at


class Contents:
    """Documents are keyed by id; chunks and sentence rows are in index order."""

    path: Path | str  # where the store is (a folder, or "milvus:URI")
    manifest: dict  # format, model, settings and the documents (id, sha256, …) it was built from
    documents: DocumentTable  # a Mapping id -> Document, texts read when read
    chunks: ChunkTable  # the searched chunks: search results are positions in this sequence
    # chunks made only of copies of earlier sentences: neither embedded nor searched, their
    # sentences quotable as corroboration
    duplicate_chunks: ChunkTable | list
    doc_ids: list[str]  # document number (column 0 of sentence_rows) -> id
    sentence_rows: np.ndarray  # (n, 3) int64: document number, start, end; sorted
    sentence_vectors: np.ndarray  # (n, dim) unit vectors (float16 in the FAISS folder)
    # (n,) int64: the first row that says the same (itself when unique); built by _find_copies when a
    # store was written without one
    sentence_canonical: np.ndarray
    sentence_doc_at: np.ndarray  # each document's first sentence row (and the row count last)
    duplicates: dict  # the documents that copy one story, and how copies were found (duplicates.json)
    # direct quotations (qa/quotations), None when the store holds none of this extractor version
    quotations: list[Quotation] | None
    # ids the store held before the build that produced this one and no longer holds (empty when it
    # was loaded, not built): a rebuild never drops a document without saying so
    removed: list[str]
    quote_problems: list[str]  # the marks and documents the last build's extraction skipped, one line each

    def _find_copies(self) -> None:
        """The lookups made once the columns are read (no question pays for them): each document's
        first row, and the rows that copy another sorted by the row they copy."""
        # None or empty: the store was written without them (an older index, or a reader that leaves them)
        if self.sentence_canonical is None or len(self.sentence_canonical) != len(self.sentence_rows):
            self.sentence_canonical = np.arange(len(self.sentence_rows), dtype=np.int64)
        if self.sentence_doc_at is None or len(self.sentence_doc_at) != len(self.doc_ids) + 1:
            self.sentence_doc_at = sentence_doc_at(self.sentence_rows, len(self.doc_ids))
        canonical = np.asarray(self.sentence_canonical)
        dup = np.flatnonzero(canonical != np.arange(len(canonical)))
        order = np.argsort(canonical[dup], kind="stable")
        self._copy_rows, self._copy_of = dup[order], canonical[dup][order]
        self._doc_number = {d: i for i, d in enumerate(self.doc_ids)}

    def chunk_vector(self, position: int) -> np.ndarray:
        """The vector of the searched chunk at `position` (each backend reads its own)."""
        raise NotImplementedError

    @property
    def model(self) -> str:
        return self.manifest["model"]["name"]

    def sentence_row(self, doc_id: str, start: int, end: int) -> int | None:
        d = self._doc_number.get(doc_id)
        if d is None:
            return None
        row = int(find_rows(self.sentence_rows, self.sentence_doc_at, d, [start], [end])[0])
        return row if row >= 0 else None

    def sentence_text(self, row: int) -> str:
        d, s, e = np.asarray(self.sentence_rows[row]).tolist()
        return self.documents[self.doc_ids[d]].text[s:e]

    def copies(self, row: int) -> list[int]:
        """Every row that says what sentence `row` says (itself included), in index order."""
        c = int(self.sentence_canonical[row])
        lo, hi = np.searchsorted(self._copy_of, [c, c + 1])
        return [c, *self._copy_rows[lo:hi].tolist()]

    def _doc_numbers(self, allowed_docs: set[str]) -> np.ndarray:
        """The document numbers of the ids in `allowed_docs` that this store holds."""
        return np.array([self._doc_number[d] for d in allowed_docs if d in self._doc_number], dtype=np.int64)

    def chunks_of(self, allowed_docs: set[str]) -> np.ndarray:
        """Positions of the searched chunks of these documents (a filter), without making a Chunk each."""
        return np.flatnonzero(np.isin(self.chunks.doc_numbers(), self._doc_numbers(allowed_docs)))

    def chunks_with_copies_in(self, allowed_docs: set[str]) -> list[int]:
        """Positions of the searched chunks that hold the first copy of a sentence some allowed document
        prints: a wire copy whose own chunks are not searched is found through them (filters)."""
        if not len(self._copy_rows):
            return []
        allowed = self._doc_numbers(allowed_docs)
        rows = np.asarray(self.sentence_rows)
        copied_from = np.unique(self._copy_of)
        # a group is wanted when any member (its first row or a copy) is in an allowed document
        wanted = np.union1d(
            copied_from[np.isin(rows[copied_from, 0], allowed)],
            self._copy_of[np.isin(rows[self._copy_rows, 0], allowed)],
        )
        table = self.chunks
        hits = np.flatnonzero(np.isin(np.asarray(table.rows), wanted))
        return np.unique(np.searchsorted(np.asarray(table.rows_at), hits, side="right") - 1).tolist()

    def chunk_vectors(self) -> np.ndarray:
        """(chunks, dim) float32: every searched chunk's vector."""
        raise NotImplementedError

    def text_vectors(self) -> dict[str, np.ndarray]:
        """Text -> vector of every chunk and sentence (lets a baseline skip re-embedding known text)."""
        known = {c.text: v for c, v in zip(self.chunks, self.chunk_vectors())}
        for row, v in enumerate(self.sentence_vectors):
            known[self.sentence_text(row)] = v
        return known

    def stats(self) -> dict:
        return {"documents": len(self.documents), "chunks": len(self.chunks), "model": self.model}

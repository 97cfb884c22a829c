"""Chunks and vectors computed elsewhere, for the one build path to take instead of computing them.

The Ray pipeline (distributed.py) reads, chunks and embeds on a cluster; the build (build.py) then
takes each document's chunks and each text's vector from `Parts` rather than chunking and embedding
on the driver, and finds wire copies and quotations as every build does, so a Ray-built store is the
store a plain build makes, vectors batched differently aside."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..records import Chunk
from .dedupe import text_key

__all__ = ["Parts"]


@dataclass
class Parts:
    """Every document's chunks, and vectors found by a 64-bit key of their exact text (writer.py's
    `VectorSource`: a sentence and a chunk of the same text have one vector)."""

    chunks: dict[str, list[Chunk]]  # document id -> its chunks, in order
    keys: np.ndarray  # (n,) int64 text keys, sorted
    vectors: np.ndarray  # (n, dim) float32, in the order of `keys`
    dim: int

    @classmethod
    def collect(cls, chunks: dict[str, list[Chunk]], texts: list[str], vectors: np.ndarray, dim: int) -> "Parts":
        """Parts of these chunks and the vectors of `texts` (a text given twice keeps its first vector)."""
        keys = np.fromiter((text_key(t) for t in texts), np.int64, len(texts))
        keys, first = np.unique(keys, return_index=True)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)[first]
        return cls(chunks, keys, vectors, dim)

    def _find(self, key: int) -> np.ndarray | None:
        i = int(np.searchsorted(self.keys, key))
        return self.vectors[i] if i < len(self.keys) and self.keys[i] == key else None

    def sentence(self, key: int) -> np.ndarray | None:
        return self._find(key)

    def chunk(self, key: int) -> np.ndarray | None:
        return self._find(key)

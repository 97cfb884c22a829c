"""Retrieval of candidate chunks: dense, lexical (BM25) or a fusion of both. The store runs the
searches (store/backend.Store); this module only fuses their rankings."""

from __future__ import annotations

import numpy as np

from .config import Config
from .nlp import tokenize
from .records import Hit
from .store import Store

RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of top ranks


def rrf(rankings: list[list[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion of several ranked id lists."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank + 1)
    return fused


def score_fusion(dense: dict[int, float], lexical: dict[int, float], weight: float = 0.5) -> dict[int, float]:
    """Convex combination of max-normalised scores; missing scores count as 0."""

    def norm(d):
        top = max(d.values(), default=0.0)
        return {i: (v / top if top > 0 else 0.0) for i, v in d.items()}

    dn, ln = norm(dense), norm(lexical)
    return {i: weight * dn.get(i, 0.0) + (1 - weight) * ln.get(i, 0.0) for i in set(dn) | set(ln)}


class Retriever:
    """Finds the chunks most likely to hold the answer."""

    def __init__(self, index: Store, config: Config):
        self.index = index
        self.config = config

    def _allowed_chunks(self, allowed_docs: set[str] | None) -> np.ndarray | None:
        """Positions of the chunks that filters let through, or None when nothing is filtered."""
        if allowed_docs is None:
            return None
        ids = set(self.index.chunks_of(allowed_docs).tolist())
        ids.update(self.index.chunks_with_copies_in(allowed_docs))  # wire copies are searched through their first copy
        return np.array(sorted(ids), dtype=np.int64)

    def search(
        self, question: str, query_vec: np.ndarray, k: int | None = None, allowed_docs: set[str] | None = None
    ) -> list[Hit]:
        """The top `k` chunks (default: config.candidates) for the question, best first."""
        k = k or self.config.candidates
        mode = self.config.retrieval
        allowed = self._allowed_chunks(allowed_docs)
        pool = max(k * 2, 50)  # fuse over a deeper pool than we return
        if mode == "hybrid" and self.config.fusion == "rrf":
            # a store that fuses by rank itself (Milvus hybrid_search with its RRF ranker, k = RRF_K)
            hybrid = self.index.search_hybrid(query_vec, tokenize(question), pool, k, allowed)
            if hybrid is not None:
                order = sorted(hybrid, key=lambda i: (-hybrid[i], i))[:k]
                return [Hit(chunk=self.index.chunks[i], score=float(hybrid[i]), rank=r) for r, i in enumerate(order)]
        dense = self.index.search_dense(query_vec, pool, allowed) if mode in ("dense", "hybrid") else {}
        lexical = self.index.search_lexical(tokenize(question), pool, allowed) if mode in ("bm25", "hybrid") else {}
        if mode == "dense":
            fused = dense
        elif mode == "bm25":
            fused = lexical
        elif self.config.fusion == "rrf":
            fused = rrf(
                [
                    sorted(dense, key=lambda i: dense[i], reverse=True),
                    sorted(lexical, key=lambda i: lexical[i], reverse=True),
                ]
            )
        else:
            fused = score_fusion(dense, lexical, self.config.dense_weight)
        order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [
            Hit(
                chunk=self.index.chunks[i],
                score=float(fused[i]),
                rank=r,
                dense=dense.get(i),
                bm25=lexical.get(i),
            )
            for r, i in enumerate(order)
        ]

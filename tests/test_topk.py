"""BM25 top-k by partition: the same positions, in the same order, as the full stable sort it replaced."""

from __future__ import annotations

import numpy as np

from qa.store.lexical import top_n


def _reference(scores: np.ndarray, n: int) -> np.ndarray:
    return np.argsort(-scores, kind="stable")[:n]


def test_top_n_equals_a_stable_full_sort_with_ties_and_zeros():
    rng = np.random.default_rng(7)
    for size in (0, 1, 5, 50, 1000):
        # few distinct values: many ties, including at the cut; most chunks score 0 as in BM25
        scores = rng.choice([0.0, 0.0, 0.0, 1.5, 2.25, 3.0], size=size).astype(np.float32)
        for n in (1, 3, 10, 50, 2000):
            assert top_n(scores, n).tolist() == _reference(scores, n).tolist(), (size, n)


def test_top_n_on_continuous_scores():
    scores = np.random.default_rng(3).random(10_000).astype(np.float32)
    assert top_n(scores, 100).tolist() == _reference(scores, 100).tolist()
    assert top_n(scores, 0).tolist() == []

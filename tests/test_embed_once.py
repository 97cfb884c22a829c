"""bench/embed_once.py: chunk vectors derived from the index's sentence vectors, swapped in memory."""

from __future__ import annotations

import sys

import numpy as np

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import embed_once  # noqa: E402


def test_derived_chunk_vectors_are_unit_means_of_their_sentences(shipped_index_dir, config):
    from qa.api import Assistant

    assistant = Assistant.load(shipped_index_dir, config)  # its own copy: the swap stays in this test
    index = assistant.index
    derived = embed_once.derived_vectors(index, weighted=False)
    assert derived.shape == (len(index.chunks), index.sentence_vectors.shape[1])
    assert np.allclose(np.linalg.norm(derived, axis=1), 1.0, atol=1e-5)
    one = next(i for i, c in enumerate(index.chunks) if len(c.sentences) == 1)
    row = index.sentence_row(index.chunks[one].doc_id, *index.chunks[one].sentences[0])
    assert np.allclose(derived[one], index.sentence_vectors[row], atol=1e-5)  # one sentence: its own vector
    cosines = np.sum(index.chunk_vectors() * derived, axis=1)
    assert cosines.mean() > 0.8  # the same text, embedded whole or by sentence

    embedded = index.chunk_vectors().copy()
    embed_once.swap_dense(index, derived)
    assert np.allclose(index.chunk_vectors(), derived, atol=1e-6)
    answer = assistant.ask("Which Indian company sells Armenia its anti-drone system?", 3)
    assert not answer.abstained and "Zen" in " ".join(q.text for q in answer.quotes)
    embed_once.swap_dense(index, embedded)
    assert np.allclose(index.chunk_vectors(), embedded, atol=1e-6)

"""bench/vector_precision.py: sentence and chunk vectors swapped, in memory, for their float16 or int8
round trip, and the index still answers from them."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import vector_precision  # noqa: E402


@pytest.mark.slow
def test_round_trips_stay_close_and_the_swapped_index_answers(shipped_index_dir, config):
    from qa.api import Assistant

    assistant = Assistant.load(shipped_index_dir, config)  # its own copy: the swap stays in this test
    index = assistant.index
    stored = np.asarray(index.sentence_vectors).copy()  # float16 on disk since writer.SENTENCE_VECTOR_DTYPE
    # the model's own float32 vectors of the same sentences, which a float32 store would have held
    sentences = assistant.embedder.encode([index.sentence_text(r) for r in range(len(index.sentence_rows))])
    assert np.array_equal(sentences.astype(np.float16), stored)
    chunks = index.chunk_vectors().copy()
    for variant, min_cosine in (("float16", 0.9999), ("int8", 0.999)):
        back = vector_precision.round_trip(sentences, variant)
        assert back.dtype == np.float32 and back.shape == sentences.shape
        assert not np.array_equal(back, sentences)  # it did lose precision
        cosines = np.sum(sentences * back, axis=1) / np.linalg.norm(back, axis=1)
        assert cosines.min() > min_cosine
        vector_precision.swap(index, sentences, chunks, variant)
        assert type(index.dense).__name__ == "IndexScalarQuantizer" and index.dense.ntotal == len(chunks)
        answer = assistant.ask("Which Indian company sells Armenia its anti-drone system?", 3)
        assert not answer.abstained and "Zen" in " ".join(q.text for q in answer.quotes)
    vector_precision.swap(index, sentences, chunks, "float32")
    assert np.array_equal(np.asarray(index.sentence_vectors), sentences)
    assert np.array_equal(vector_precision.round_trip(stored, "float16"), stored)  # already float16: exact

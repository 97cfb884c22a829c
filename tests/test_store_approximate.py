"""Above a size threshold the dense index is IVF over the same vectors (qa/store/approximate.py):
its recall against flat search is recorded in the manifest, a filtered search stays exact, and a
rebuild still reuses its vectors. The threshold is lowered so that the shipped corpus crosses it."""

import json

import faiss
import numpy as np
import pytest

import qa.store.approximate as approximate
from qa.api import Assistant
from qa.store import load_index

from .conftest import CORPUS

pytestmark = pytest.mark.slow  # the module's index is built large enough for IVF

QUESTIONS = [
    "Where were the October 5 talks supposed to be held?",
    "Who is Louis Bono?",
    "What did Pashinian say about the peace treaty?",
]


@pytest.fixture()
def ivf_assistant(tmp_path, config, monkeypatch):
    monkeypatch.setattr(approximate, "APPROXIMATE_ABOVE", 10)
    monkeypatch.setattr(approximate, "PROBE_SHARE", 4)  # a few lists probed, not one
    assistant, _ = Assistant.from_corpus([CORPUS], tmp_path / "index", config)
    return assistant


def test_the_manifest_records_the_ivf_index_and_its_measured_recall(ivf_assistant):
    index = ivf_assistant.index
    manifest = json.loads((index.path / "manifest.json").read_text())
    assert isinstance(index.dense, faiss.IndexIVFFlat) and manifest["dense"]["index"] == "ivf-flat"
    lists, probes = approximate.ivf_layout(index.dense.ntotal)
    assert (
        (index.dense.nlist, index.dense.nprobe)
        == (lists, probes)
        == (manifest["dense"]["lists"], manifest["dense"]["probes"])
    )
    flat = faiss.IndexFlatIP(index.dense.d)
    flat.add(index.chunk_vectors())  # reconstructs every vector through the direct map
    # the same draw as at build time: the recorded figure is reproducible from the files
    rng = np.random.default_rng(approximate.SEED)
    rng.choice(index.dense.ntotal, min(index.dense.ntotal, lists * approximate.TRAIN_PER_LIST), replace=False)
    rows = np.sort(
        rng.choice(
            len(index.sentence_vectors), min(len(index.sentence_vectors), approximate.RECALL_SAMPLE), replace=False
        )
    )
    measured = approximate.recall_at(flat, index.dense, np.ascontiguousarray(index.sentence_vectors[rows]))
    assert manifest["dense"]["recall_at_10"] == round(measured, 4) and 0 < measured <= 1


def test_a_filtered_search_on_ivf_is_exact(ivf_assistant, config):
    index = ivf_assistant.index
    flat = faiss.IndexFlatIP(index.dense.d)
    flat.add(index.chunk_vectors())
    allowed_docs = set(index.doc_ids[::3])
    allowed = index.chunks_of(allowed_docs)
    assert 0 < len(allowed) < len(index.chunks)
    for q in QUESTIONS:
        vec = ivf_assistant.embed([q])[0]
        got = index.search_dense(vec, 5, allowed)
        scores, ids = flat.search(
            vec.reshape(1, -1), 5, params=faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        )
        assert list(got) == ids[0].tolist()
        assert np.allclose(list(got.values()), scores[0], atol=1e-5)


def test_an_ivf_index_answers_and_a_rebuild_reuses_its_vectors(ivf_assistant, config):
    answer = ivf_assistant.ask(QUESTIONS[0])
    assert not answer.abstained and "Spain" in answer.answer
    before = load_index(ivf_assistant.index.path, config)
    vectors = before.text_vectors()
    assert len(vectors) >= len(before.chunks)
    for c, v in zip(before.chunks, before.chunk_vectors()):
        assert np.allclose(vectors[c.text], v)

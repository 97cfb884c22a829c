"""Fusion of dense and BM25 rankings, and the three retrieval modes on a small real index."""

import pytest

from qa.config import Config
from qa.embed import Embedder
from qa.indexing import build_index
from qa.records import Document
from qa.retrieve import Retriever, rrf, score_fusion


def test_rrf_rewards_agreement():
    fused = rrf([[1, 2, 3], [3, 1, 4]])
    assert max(fused, key=fused.get) == 1  # first and second beats third and first
    assert fused[3] > fused[2]  # ranked by both beats ranked once
    assert fused[4] == pytest.approx(1 / 63)


def test_score_fusion_normalises_and_weighs():
    fused = score_fusion({1: 0.8, 2: 0.4}, {2: 10.0, 3: 5.0}, weight=0.3)
    assert fused[1] == pytest.approx(0.3)
    assert fused[2] == pytest.approx(0.3 * 0.5 + 0.7 * 1.0)
    assert fused[3] == pytest.approx(0.35)
    assert score_fusion({}, {}) == {}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    docs = [
        Document(id="zx.txt", text="The ZX-81 reactor was commissioned in 1972 near Lyon."),
        Document(id="cats.txt", text="Cats sleep for most of the day and hunt at dawn."),
        Document(id="dogs.txt", text="Dogs are loyal companions that enjoy long walks."),
    ]
    return build_index(docs, tmp_path_factory.mktemp("r") / "index", Config())


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_mode_finds_the_obvious_document(index, mode):
    config = Config(retrieval=mode)
    question = "When was the ZX-81 reactor commissioned?"
    vec = Embedder().encode([question])[0]
    hits = Retriever(index, config).search(question, vec, k=3)
    assert hits[0].chunk.doc_id == "zx.txt"
    assert [h.rank for h in hits] == list(range(len(hits)))
    if mode == "bm25":
        assert all(h.dense is None for h in hits)


def test_filter_keeps_other_documents_out(index):
    question = "When was the ZX-81 reactor commissioned?"
    vec = Embedder().encode([question])[0]
    hits = Retriever(index, Config()).search(question, vec, allowed_docs={"cats.txt", "dogs.txt"})
    assert hits and {h.chunk.doc_id for h in hits} <= {"cats.txt", "dogs.txt"}
    assert Retriever(index, Config()).search(question, vec, allowed_docs=set()) == []

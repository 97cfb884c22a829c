"""The index on disk: manifest, atomic rebuilds, incremental reuse, and clear errors."""

import json

import numpy as np
import pytest

from qa.config import Config
from qa.embed import Embedder
from qa.errors import IndexIncompatibleError, IndexMissingError
from qa.store import add_documents, build_index, ensure_index, load_index
from qa.records import Document

DOCS = [
    Document(id="a.txt", text="The summit was held in Granada. Leaders met on October 5.", title="A", source="X"),
    Document(id="b.txt", text="Vaccines train the immune system. Trials enrolled 3,000 people.", title="B"),
]


@pytest.fixture()
def built(tmp_path):
    path = tmp_path / "index"
    return path, build_index(DOCS, path, Config())


def test_manifest_records_what_built_it(built):
    path, idx = built
    m = json.loads((path / "manifest.json").read_text())
    assert m["format_version"] == 1
    assert m["model"] == {"name": "all-MiniLM-L6-v2", "dim": 384}
    assert m["chunking"]["max_tokens"] == Config().chunk_tokens
    assert [d["id"] for d in m["documents"]] == ["a.txt", "b.txt"]
    assert m["documents"][0]["sha256"] == DOCS[0].sha256
    assert {"qa", "faiss", "sentence_transformers", "torch"} <= set(m["versions"])
    assert idx.dense.ntotal == len(idx.chunks) == m["counts"]["chunks"]
    assert len(idx.sentence_rows) == 4


def test_nothing_is_pickled(built):
    path, _ = built
    for npy in path.rglob("*.npy"):
        np.load(npy, allow_pickle=False)  # raises if an object array was written


def test_load_round_trip(built):
    path, idx = built
    again = load_index(path)
    assert again.documents == idx.documents
    assert [c.id for c in again.chunks] == [c.id for c in idx.chunks]
    for c in again.chunks:
        assert again.documents[c.doc_id].text[c.start : c.end] == c.text


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexMissingError, match="qa index"):
        load_index(tmp_path / "nowhere")


def test_other_model_or_format_is_refused(built):
    path, _ = built
    with pytest.raises(IndexIncompatibleError, match="rebuild"):
        load_index(path, Config(model="some-other-model"))
    m = json.loads((path / "manifest.json").read_text())
    m["format_version"] = 999
    (path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexIncompatibleError, match="format 999.*qa index"):
        load_index(path)


def test_failed_build_leaves_previous_index(built):
    path, _ = built

    def explode(message, fraction):
        if fraction > 0.5:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        build_index(DOCS + [Document(id="c.txt", text="Something new entirely.")], path, Config(), progress=explode)
    idx = load_index(path)
    assert sorted(idx.documents) == ["a.txt", "b.txt"]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")], "temporary directories are cleaned up"


def test_unchanged_text_is_not_embedded_again(built, monkeypatch):
    path, idx = built
    seen = []
    real = Embedder.encode

    def spy(self, texts, **kw):
        seen.extend(texts)
        return real(self, texts, **kw)

    monkeypatch.setattr(Embedder, "encode", spy)
    assert ensure_index(DOCS, path, Config()).manifest == idx.manifest  # unchanged: loaded, not rebuilt
    assert seen == []
    new = Document(id="c.txt", text="Penguins live in Antarctica.")
    idx2 = add_documents(idx, [new])
    assert sorted(idx2.documents) == ["a.txt", "b.txt", "c.txt"]
    assert seen == ["Penguins live in Antarctica."]  # one chunk that is also one sentence


def test_build_refuses_empty_corpus(tmp_path):
    from qa.errors import EmptyCorpusError

    with pytest.raises(EmptyCorpusError):
        build_index([], tmp_path / "index", Config())

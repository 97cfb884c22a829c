"""The evaluation cache: an evaluated corpus's index is kept, keyed by its text and settings, and reused."""

from __future__ import annotations

from pathlib import Path

from qa.api import Assistant
from qa.config import Config
from qa.indexing.cache import cached_index_dir, corpus_key
from qa.records import Document

from .conftest import isolated_cache
from .eval_fixtures import DOCS, encoded  # noqa: F401  (encoded is a fixture)


def test_cache_key_follows_text_and_settings(tmp_path, monkeypatch):
    docs = list(DOCS.values())
    key = corpus_key(docs, Config())
    assert corpus_key(list(docs), Config()) == key
    assert corpus_key(docs, Config(chunk_tokens=100)) != key
    assert corpus_key(docs, Config(retrieval="bm25")) == key  # retrieval does not change the index
    changed = [Document(id=docs[0].id, text=docs[0].text + " More."), *docs[1:]]
    assert corpus_key(changed, Config()) != key
    isolated_cache(monkeypatch, tmp_path)
    assert cached_index_dir(docs, Config()) == tmp_path / f"index-{key}"


def test_cached_index_is_reused_and_a_changed_corpus_embeds_only_new_text(tmp_path, monkeypatch, encoded):  # noqa: F811
    isolated_cache(monkeypatch, tmp_path)
    docs = list(DOCS.values())
    first = Path(Assistant.cached(docs, Config()).info()["index_dir"])
    assert first.parent == tmp_path and encoded
    encoded.clear()
    again = Path(Assistant.cached(docs, Config()).info()["index_dir"])
    assert again == first and encoded == []  # unchanged: nothing embedded
    changed = [
        Document(id="sochi", title="Sochi", text="Putin hosted the leaders in Sochi. Talks lasted three hours."),
        *docs[:2],
    ]
    other = Path(Assistant.cached(changed, Config()).info()["index_dir"])
    assert other != first  # a new cache entry, keyed by the new text …
    assert "Talks lasted three hours." in encoded  # … that embeds the new sentence …
    assert "The talks were to be held in Granada." not in encoded  # … but not the text it already had


def test_the_cache_keeps_each_embedders_index_apart(tmp_path, monkeypatch):
    """A bench run with QA_EMBEDDER=torch never reads (or seeds from) the default onnx index, and the
    key of a torch index is the one it had before the setting existed."""
    from qa.store.manifest import settings_of

    isolated_cache(monkeypatch, tmp_path)
    docs = list(DOCS.values())
    assert corpus_key(docs, Config(embedder="torch")) != corpus_key(docs, Config())
    assert "embedder" not in settings_of(Config(embedder="torch")) and settings_of(Config())["embedder"] == "onnx"
    onnx = Assistant.cached(docs, Config())
    torch = Assistant.cached(docs, Config(embedder="torch"))
    assert onnx.info()["index_dir"] != torch.info()["index_dir"]
    assert (onnx.info()["embedder"], torch.info()["embedder"]) == ("onnx", "torch")
    assert torch.index.manifest["counts"]["embedded_chunks"] == onnx.index.manifest["counts"]["embedded_chunks"] > 0

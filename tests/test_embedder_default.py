"""int8 ONNX is the default embedder, and an index is always read (and extended) with the embedder
that built it: changing the configured embedder, or its default, never makes an existing index fail.
Switching one is `qa index --rebuild`."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from qa.api import Assistant, load_documents
from qa.cli import cli
from qa.config import Config
from qa.embed import Embedder

from .conftest import CORPUS

QUESTION = "Where were the October 5 talks supposed to be held?"
FILES = ("000_f5edb748992077ea.txt", "001_cd5c93ec7e5e190d.txt")
ADDED = "The lighthouse keeper counted forty-one herons on the frozen lake at dawn."
# the same text embedded by the same backend: equal up to float rounding (int8 against fp32 is ~0.99)
SAME_BACKEND_COSINE = 0.9999


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    for name in FILES:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def _build(corpus, path, embedder: str):
    Assistant.build(load_documents([corpus]).documents, path, Config(embedder=embedder), warm=False)
    return path


@pytest.fixture(scope="module")
def torch_index(corpus, tmp_path_factory):
    return _build(corpus, tmp_path_factory.mktemp("torch") / "index", "torch")


@pytest.fixture(scope="module")
def onnx_index(corpus, tmp_path_factory):
    return _build(corpus, tmp_path_factory.mktemp("onnx") / "index", "onnx")


def _question_vector(assistant) -> np.ndarray:
    return assistant.embed([QUESTION])[0]


@pytest.mark.parametrize("built, configured", [("torch", "onnx"), ("onnx", "torch")])
def test_an_index_is_read_with_the_embedder_that_built_it(built, configured, torch_index, onnx_index):
    index = {"torch": torch_index, "onnx": onnx_index}[built]
    assistant = Assistant.load(index, Config(embedder=configured))
    assert assistant.config.embedder == assistant.embedder.backend == built
    assert assistant.info()["embedder"] == built
    # the question is embedded as the passages were: the built embedder's vector, not the configured one's
    mine = _question_vector(assistant)
    assert float(mine @ Embedder(backend=built).encode([QUESTION])[0]) > SAME_BACKEND_COSINE
    assert float(mine @ Embedder(backend=configured).encode([QUESTION])[0]) < SAME_BACKEND_COSINE
    answer = assistant.ask(QUESTION)
    assert not answer.abstained and "Spain" in answer.answer
    note = assistant.embedder_note()
    assert f"keeps the {built} embedder" in note and f"`qa index --rebuild` re-embeds it with {configured}" in note
    assert Assistant.load(index, Config(embedder=built)).embedder_note() is None


def test_the_default_reads_an_index_of_each_embedder(torch_index, onnx_index):
    """What a user upgrading sees: with no setting, the default (now onnx) reads old torch indexes."""
    assert Config().embedder == "onnx"
    assert Assistant.load(torch_index, Config()).embedder.backend == "torch"
    assert Assistant.load(onnx_index, Config()).embedder.backend == "onnx"


def test_an_index_whose_manifest_names_no_embedder_is_read_with_torch(torch_index, tmp_path):
    """Indexes built before the setting existed name no embedder: torch built them."""
    old = tmp_path / "index"
    shutil.copytree(torch_index, old)
    manifest = json.loads((old / "manifest.json").read_text())
    del manifest["model"]["embedder"]
    assert "embedder" not in manifest["settings"]  # torch was never named in the settings
    (old / "manifest.json").write_text(json.dumps(manifest))
    assistant = Assistant.load(old, Config())
    assert assistant.embedder.backend == "torch"
    assert not assistant.ask(QUESTION).abstained


def test_an_evaluation_of_an_index_of_ones_own_keeps_its_embedder(torch_index, corpus, tmp_path):
    """`qa eval --corpus C --index-dir DIR` on a torch index: read with torch, not rebuilt with onnx."""
    index_dir = tmp_path / "index"
    shutil.copytree(torch_index, index_dir)
    before = json.loads((index_dir / "manifest.json").read_text())
    assistant = Assistant.cached(load_documents([corpus]).documents, Config(), index_dir=index_dir)
    assert assistant.embedder.backend == "torch" and assistant.info()["embedder"] == "torch"
    assert json.loads((index_dir / "manifest.json").read_text())["generation"] == before["generation"]


def _index(corpus, index_dir, *flags, embedder=None):
    """`qa index` as a user runs it; embedder None: no QA_EMBEDDER, whatever the caller's shell says."""
    result = CliRunner().invoke(
        cli, ["index", str(corpus), "--index-dir", str(index_dir), *flags], env={"QA_EMBEDDER": embedder}
    )
    assert result.exit_code == 0, result.output
    return result.output, json.loads((index_dir / "manifest.json").read_text())


def test_qa_index_extends_an_index_with_its_embedder_and_says_how_to_switch(corpus, tmp_path):
    folder, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(corpus, folder)
    _, manifest = _index(folder, index_dir, embedder="torch")
    assert manifest["model"]["embedder"] == "torch"
    path = folder / FILES[1]
    text = path.read_text(encoding="utf-8")
    line = max(text.splitlines(), key=len)  # a body paragraph, which cleaning keeps
    path.write_text(text.replace(line, f"{line} {ADDED}"), encoding="utf-8")

    out, manifest = _index(folder, index_dir)  # the default embedder is onnx
    assert manifest["model"]["embedder"] == "torch" and manifest["counts"]["embedded_chunks"] >= 1
    assert "(torch)" in out and "`qa index --rebuild` re-embeds it with onnx" in out
    assistant = Assistant.load(index_dir, Config())
    chunk = next(i for i, c in enumerate(assistant.index.chunks) if ADDED in c.text)
    stored = assistant.index.dense.reconstruct(chunk)
    fresh = Embedder(backend="torch").encode([assistant.index.chunks[chunk].text])[0]
    assert float(stored @ fresh) > SAME_BACKEND_COSINE  # the new text was embedded by torch, like the rest

    out, manifest = _index(folder, index_dir, "--rebuild")
    assert manifest["model"]["embedder"] == "onnx" and "--rebuild" not in out
    assert Assistant.load(index_dir, Config(embedder="torch")).embedder.backend == "onnx"


def test_a_milvus_store_is_synced_with_its_embedder(corpus, tmp_path):
    pytest.importorskip("pymilvus")
    pytest.importorskip("milvus_lite")
    store = f"milvus:{tmp_path / 'm.db'}"
    documents = load_documents([corpus]).documents
    Assistant.build(documents[:1], config=Config(store=store, embedder="torch"), warm=False)
    synced = Assistant.build(documents, config=Config(store=store), warm=False)  # adds a document
    assert synced.config.embedder == synced.index.manifest["model"]["embedder"] == "torch"
    assert "`qa index --rebuild`" in synced.embedder_note()
    assert Assistant.load(config=Config(store=store)).embedder.backend == "torch"
    rebuilt = Assistant.build(documents, config=Config(store=store), rebuild=True, warm=False)
    assert rebuilt.index.manifest["model"]["embedder"] == "onnx" and rebuilt.embedder_note() is None

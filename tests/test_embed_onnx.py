"""The ONNX int8 embedder: its vectors agree with torch's, `qa ask` works with it, and the question
path never imports torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.config import Config, user_cache_dir
from qa.embed import resolve_model_path
from qa.errors import ConfigError
from qa.onnx_embed import OnnxModel, _optimized_path, onnx_path

from .conftest import CORPUS, ROOT

QUESTION = "Where were the October 5 talks supposed to be held?"
MIN_MEAN_COSINE = 0.98  # what int8 weights may cost against fp32 torch, on average over real sentences


@pytest.fixture(scope="session")
def onnx_root(tmp_path_factory) -> Path:
    """A cache folder holding the exported model: the user's when it already has one (the export
    takes a while), else a temporary one the export is written into once per session."""
    model_dir = Path(resolve_model_path(Config().model))
    if onnx_path(Config().model, model_dir, user_cache_dir()).is_file():
        return user_cache_dir()
    root = tmp_path_factory.mktemp("qa-cache")
    OnnxModel(Config().model, model_dir, root)
    return root


@pytest.fixture(scope="session")
def onnx_model(onnx_root) -> OnnxModel:
    return OnnxModel(Config().model, resolve_model_path(Config().model), onnx_root)


def _real_sentences(limit: int = 120) -> list[str]:
    """Lines of the shipped articles, short and long (up to the model's window and beyond)."""
    lines = []
    for path in sorted(CORPUS.glob("*.txt")):
        lines += [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if len(ln.strip()) > 30]
    step = max(1, len(lines) // limit)
    return lines[::step][:limit]


def _env(onnx_root: Path, **extra: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "QA_CACHE_DIR": str(onnx_root), "QA_EMBEDDER": "onnx", **extra}


def test_onnx_vectors_match_torch_on_real_sentences(onnx_model):
    from qa.embed import Embedder

    texts = _real_sentences()
    assert len(texts) >= 50
    ours = onnx_model.encode(texts, batch_size=16)
    torch_vecs = Embedder(Config().model, backend="torch").encode(texts)
    assert ours.shape == torch_vecs.shape and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosines = (ours * torch_vecs).sum(axis=1)
    assert cosines.mean() >= MIN_MEAN_COSINE, cosines.mean()
    assert cosines.min() >= 0.9, (cosines.min(), texts[int(cosines.argmin())])


def test_a_text_gets_the_same_vector_alone_and_beside_others(onnx_model):
    """Each text runs alone: dynamic quantisation scales activations over its whole input, so a text
    batched with a long one used to move (cosine ~0.98 to itself alone). Texts longer than the model's
    window are truncated, not failing."""
    short = "Armenia and Azerbaijan did not meet in Granada."
    long = " ".join(_real_sentences(20))
    alone = onnx_model.encode([short])[0]
    together = onnx_model.encode([long, short, long], batch_size=3)
    assert np.array_equal(alone, together[1]) and np.array_equal(together[0], together[2])
    assert onnx_model.tokenizer.encode(long).ids.__len__() == onnx_model.max_tokens == 256


def test_export_lives_in_the_cache_and_leaves_no_temporary_files(onnx_root, onnx_model):
    assert onnx_model.path.is_file()
    assert onnx_model.path.is_relative_to(onnx_root / "onnx")
    assert "site-packages" not in str(onnx_model.path)
    assert not [p for p in onnx_model.path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_unknown_embedder_is_a_config_error_and_onnx_is_the_default():
    with pytest.raises(ConfigError, match="embedder"):
        Config.from_env({"QA_EMBEDDER": "tensorflow"})
    assert Config.from_env({"QA_EMBEDDER": "torch"}).embedder == "torch"
    assert Config.from_env({}).embedder == Config().embedder == "onnx"


@pytest.fixture(scope="session")
def onnx_index(onnx_root, tmp_path_factory) -> Path:
    """The shipped corpus indexed by `qa index` with the onnx embedder."""
    index_dir = tmp_path_factory.mktemp("onnx-index") / "index"
    run = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", str(CORPUS), "--index-dir", str(index_dir)],
        env=_env(onnx_root),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    return index_dir


def test_manifest_records_the_embedder_and_another_configured_embedder_reads_it_with_onnx(onnx_index):
    from qa.api import Assistant

    manifest = json.loads((onnx_index / "manifest.json").read_text())
    assert manifest["model"]["embedder"] == "onnx"
    assert manifest["settings"]["embedder"] == "onnx"
    # torch configured (once an error): the index is read with the embedder that built it
    assistant = Assistant.load(onnx_index, Config(embedder="torch"))
    assert assistant.config.embedder == assistant.embedder.backend == "onnx"
    assert "Spain" in assistant.ask(QUESTION).answer


# `qa ask` run as the command runs it, reporting afterwards whether torch was ever imported
_ASK_AND_REPORT = """
import sys
from qa.cli import main
sys.argv = ["qa", "ask", sys.argv[1], "--index-dir", sys.argv[2], "-k", "2"]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "sentence_transformers", "transformers"))
print("MODULES " + ",".join(loaded[:5]), file=sys.stderr)
sys.exit(code)
"""


def test_ask_with_onnx_answers_without_importing_torch(onnx_root, onnx_index):
    run = subprocess.run(
        [sys.executable, "-c", _ASK_AND_REPORT, QUESTION, str(onnx_index)],
        env=_env(onnx_root),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert "Spain" in run.stdout
    assert "[1]" in run.stdout and "characters" in run.stdout
    # torch, sentence-transformers and transformers never loaded, spaCy's thinc included
    assert run.stderr.strip() == "MODULES", run.stderr


def test_ask_json_with_onnx_quotes_exact_text(onnx_root, onnx_index):
    run = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", QUESTION, "--index-dir", str(onnx_index), "--json"],
        env=_env(onnx_root),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert not answer["abstained"] and answer["quotes"]
    from qa.api import load_documents

    docs = {d.id: d for d in load_documents([CORPUS]).documents}
    for q in answer["quotes"]:
        assert docs[q["doc_id"]].text[q["start"] : q["end"]] == q["text"]


def test_without_an_export_or_torch_the_error_says_what_to_do(onnx_index, tmp_path):
    """No exported model and no torch to export one: one line that names the setting, no traceback."""
    script = "import sys; sys.modules['torch'] = None\nfrom qa.cli import main\nmain()\n"
    run = subprocess.run(
        [sys.executable, "-c", script, "ask", QUESTION, "--index-dir", str(onnx_index)],
        env=_env(tmp_path / "empty-cache"),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("Error: embedder:") and "QA_EMBEDDER=torch" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "empty-cache" / "onnx").exists() or not any(
        (tmp_path / "empty-cache" / "onnx").rglob("*.onnx")
    )


# `qa index` run as the command runs it, reporting afterwards whether torch was ever imported
_INDEX_AND_REPORT = _ASK_AND_REPORT.replace(
    '["qa", "ask", sys.argv[1], "--index-dir", sys.argv[2], "-k", "2"]',
    '["qa", "index", sys.argv[1], "--index-dir", sys.argv[2]]',
)


def test_one_document_change_reindexes_with_the_model_loaded_beside_spacy(onnx_root, tmp_path, monkeypatch):
    """With its export cached, the onnx model loads in a thread while spaCy loads (build.py's
    `preload`), never importing torch; the changed document's new sentence is embedded and found."""
    import shutil

    from qa.indexing.build import LazyEmbedder

    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    first = subprocess.run(
        [sys.executable, "-c", _INDEX_AND_REPORT, str(corpus), str(index_dir)],
        env=_env(onnx_root),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert first.returncode == 0, first.stderr
    path = sorted(corpus.glob("*.txt"))[1]
    text = path.read_text(encoding="utf-8")
    line = max(text.splitlines(), key=len)  # a body paragraph, which cleaning keeps
    added = "The lighthouse keeper counted forty-one herons on the frozen lake at dawn."
    path.write_text(text.replace(line, f"{line} {added}"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", _INDEX_AND_REPORT, str(corpus), str(index_dir)],
        env=_env(onnx_root),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().endswith("MODULES"), run.stderr  # spaCy, chunking and the model: no torch
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["counts"]["embedded_chunks"] >= 1

    monkeypatch.setenv("QA_CACHE_DIR", str(onnx_root))
    from qa.api import Assistant

    answer = Assistant.load(index_dir, Config(embedder="onnx")).ask("How many herons did the lighthouse keeper count?")
    assert not answer.abstained and added in answer.quotes[0].text
    # the thread is started only where the load cannot race spaCy's hidden torch
    assert LazyEmbedder(Config(embedder="onnx"), None).preload() is None
    onnx_lazy, torch_lazy = LazyEmbedder(Config(embedder="onnx"), None), LazyEmbedder(Config(embedder="torch"), None)
    onnx_lazy.preload(), torch_lazy.preload()
    assert onnx_lazy._loading is not None and torch_lazy._loading is None
    assert onnx_lazy.dim == 384


def test_set_up_exports_the_model_once_with_a_progress_line(tmp_path):
    """What scripts/setup.sh runs on a fresh machine (an empty cache): the first run exports the model
    and says so in a line, and saves its optimised graph; the next finds both and prints nothing."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QA_CACHE_DIR": str(tmp_path)}
    env.pop("QA_EMBEDDER", None)  # the default: onnx
    setup = [sys.executable, "-m", "qa.onnx_embed"]
    first = subprocess.run(setup, env=env, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith("Exporting the embedding model to int8 ONNX, once, into "), first.stderr
    assert "Exported in" in first.stderr and len(first.stderr.strip().splitlines()) == 2
    model = onnx_path(Config().model, Path(resolve_model_path(Config().model)), tmp_path)
    assert model.is_file() and _optimized_path(model).is_file()
    assert not [p for p in model.parent.iterdir() if p.name.startswith(".tmp-")]
    again = subprocess.run(setup, env=env, capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0 and again.stderr == again.stdout == ""


def test_a_damaged_optimised_graph_is_made_again(onnx_root, onnx_model, tmp_path):
    model = onnx_path(Config().model, Path(resolve_model_path(Config().model)), tmp_path)
    model.parent.mkdir(parents=True)
    shutil.copy(onnx_model.path, model)
    _optimized_path(model).write_bytes(b"half a graph")
    again = OnnxModel(Config().model, resolve_model_path(Config().model), tmp_path)
    texts = _real_sentences(10)
    assert np.array_equal(again.encode(texts), onnx_model.encode(texts))
    assert _optimized_path(model).stat().st_size > 1_000_000  # a whole graph again, which loads
    assert np.array_equal(
        OnnxModel(Config().model, resolve_model_path(Config().model), tmp_path).encode(texts), onnx_model.encode(texts)
    )

"""A parallel build (qa/parallel.py: quotations and vectors found by worker processes) writes the same
index as a serial one: the same documents, chunks and offsets, quotations, and vectors to the bit."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from qa import parallel
from qa.api import load_documents
from qa.config import Config
from qa.indexing import add_documents, build_index
from qa.store import load_index
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def documents():
    docs = list(load_documents([CORPUS]).documents)
    assert len(docs) >= 4 and sum(len(d.text) for d in docs) > 20_000
    return docs


@pytest.fixture
def small_tasks(monkeypatch):
    """A pool for any build, and tasks small enough that the shipped corpus is many of them, finishing
    out of order: results must still come back in document and text order."""
    monkeypatch.setattr(parallel, "MIN_POOL_CHARS", 0)
    monkeypatch.setattr(parallel, "QUOTE_TASK_CHARS", 5_000)
    monkeypatch.setattr(parallel, "EMBED_TASK", 7)
    used = []  # texts the workers embedded: the pool did the work, not the building process
    encode = parallel.IngestPool.encode
    monkeypatch.setattr(parallel.IngestPool, "encode", lambda self, texts: used.extend(texts) or encode(self, texts))
    return used


@pytest.fixture(scope="module")
def serial_index(tmp_path_factory, documents):
    path = tmp_path_factory.mktemp("serial") / "index"
    build_index(documents, path, Config(workers=1))
    return path


def _files(index_dir: Path) -> dict[str, bytes]:
    """Every file of the index's current generation, by its path in the generation."""
    generation = index_dir / json.loads((index_dir / "manifest.json").read_text())["generation"]
    return {str(p.relative_to(generation)): p.read_bytes() for p in sorted(generation.rglob("*")) if p.is_file()}


def _same_index(a: Path, b: Path) -> None:
    x, y = load_index(a), load_index(b)
    assert [d.to_dict() for d in x.documents.values()] == [d.to_dict() for d in y.documents.values()]
    assert [(c.id, c.doc_id, c.start, c.end, c.text, c.sentences) for c in x.chunks] == [
        (c.id, c.doc_id, c.start, c.end, c.text, c.sentences) for c in y.chunks
    ]
    assert np.array_equal(x.sentence_rows, y.sentence_rows)
    assert x.quotations and [q.to_dict() for q in x.quotations] == [q.to_dict() for q in y.quotations]
    # each text is embedded alone, and one onnx thread computes the same bits as two: equal, not close
    assert np.array_equal(np.asarray(x.sentence_vectors), np.asarray(y.sentence_vectors))
    assert np.array_equal(x.chunk_vectors(), y.chunk_vectors())
    # and nothing else differs either: every file of the generation, byte for byte
    assert _files(a) == _files(b)


def test_parallel_build_writes_the_serial_index(tmp_path, documents, serial_index, small_tasks):
    built = build_index(documents, tmp_path / "index", Config(workers=2))
    counts = built.manifest["counts"]
    assert len(small_tasks) == counts["embedded_sentences"] + counts["embedded_chunks"] > 0
    _same_index(tmp_path / "index", serial_index)


def test_parallel_update_reuses_and_matches_the_serial_index(tmp_path, documents, serial_index, small_tasks):
    """An index built serially without the last document, then given it by a parallel build (its
    quotations and vectors of unchanged documents reused), is the serial build of them all."""
    first = build_index(documents[:-1], tmp_path / "index", Config(workers=1))
    updated = add_documents(first, documents[-1:], Config(workers=2))
    assert 0 < updated.manifest["counts"]["embedded_sentences"] < first.manifest["counts"]["embedded_sentences"]
    assert small_tasks
    _same_index(tmp_path / "index", serial_index)


def test_small_builds_and_torch_stay_in_one_process():
    assert parallel.worthwhile(2, "onnx", parallel.MIN_POOL_CHARS)
    assert not parallel.worthwhile(2, "onnx", parallel.MIN_POOL_CHARS - 1)  # a one-document re-index
    assert not parallel.worthwhile(1, "onnx", 10**9)
    assert not parallel.worthwhile(8, "torch", 10**9)  # torch batches: its vectors depend on batch-mates


def test_a_killed_worker_is_a_clear_error(documents):
    with parallel.IngestPool(2, Config().model) as pool:
        assert pool.encode(["The harbour reopened."]).shape == (1, 384)  # the workers are up
        os.kill(next(iter(pool._pool._processes)), signal.SIGKILL)
        with pytest.raises(parallel.WorkerError, match="--workers 1"):
            pool.encode(["The harbour reopened."] * 3)


def test_workers_setting(monkeypatch):
    assert Config().workers >= 1
    assert Config.from_env({"QA_WORKERS": "3"}).workers == 3
    assert Config.from_env({}, workers=1).workers == 1
    from qa.errors import ConfigError

    with pytest.raises(ConfigError, match="workers"):
        Config(workers=0)

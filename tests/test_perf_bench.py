"""bench/perf.py's synthetic scale: copies of real documents with respelled words and real vectors
with noise make a valid index whose every chunk is its document's exact text. Nothing is timed."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import perf  # noqa: E402


def test_perturbed_copy_keeps_offsets_and_changes_words():
    rng = np.random.default_rng(0)
    text = "Negotiations between Armenia and Azerbaijan stalled before the Granada summit. " * 20
    copy = perf.perturbed_copy(text, rng)
    assert len(copy) == len(text) and copy != text
    assert [i for i, (a, b) in enumerate(zip(text, copy)) if a != b and not a.isalpha()] == []


def test_synthetic_index_is_a_valid_index_of_copies(shipped, config, tmp_path):
    from qa.api import Assistant

    source = shipped.index
    big = perf.synthetic_index(source, 3, tmp_path / "big", config)
    assert len(big.chunks) == 3 * len(source.chunks)
    assert len(big.documents) == 3 * len(source.documents)
    assert len(big.sentence_rows) == 3 * len(source.sentence_rows)
    for c in big.chunks:
        assert big.documents[c.doc_id].text[c.start : c.end] == c.text
    vecs = big.chunk_vectors()
    n = len(source.chunks)
    assert np.allclose(vecs[:n], source.chunk_vectors(), atol=1e-6)  # the original, unchanged
    cos = (vecs[n : 2 * n] * source.chunk_vectors()).sum(axis=1)  # a copy: near, not equal
    assert 0.9 < cos.mean() < 0.99
    answer = Assistant.load(big.path, config).ask(perf.QUESTION)
    assert not answer.abstained and "Spain" in answer.answer
    for q in answer.quotes:
        assert big.documents[q.doc_id].text[q.start : q.end] == q.text


def test_markdown_reports_each_figure_with_its_baseline_and_ratio():
    res = {
        "machine": "x86_64, 2 CPUs",
        "date": "2026-11-26",
        "import_baseline_s": 4.0,
        "embedders": {
            "onnx": {
                "cold_ask_s": 2.0,
                "serve_s": 6.0,
                "serve_answer_s": 7.0,
                "reindex_one_s": 3.0,
                "reindex_one_warm_s": 0.25,
                "ingest": {"seconds": 10.0, "chunks": 100, "sentences": 400, "raw_encode_chunks_per_s": 20.0},
                "query": {"chunks": 12000, "p50_ms": 60.0, "p95_ms": 90.0, "base_p50_ms": 30.0, "base_p95_ms": 45.0},
            }
        },
    }
    md = perf.markdown(res, "python bench/perf.py")
    assert "| onnx | cold `qa ask` | 2.00 s |" in md and "| 0.50× |" in md
    assert "10.0 chunks/s" in md and "20.0 chunks/s" in md
    assert md.count("2.00×") == 2  # ask p50 and p95 at twice their baseline
    assert "| 1.50× |" in md  # serve
    assert "to its first answer (/ask asked once HTTP answers) | 7.00 s |" in md and "| 1.75× |" in md
    assert "in a process that indexed before (app, API) | 0.25 s |" in md and "| 0.06× |" in md


@pytest.mark.slow
def test_warm_reindex_times_a_real_one_document_change(tmp_path):
    """The warm figure builds, changes one document and re-indexes in one process, as the app does."""
    seconds = perf.reindex_one_warm(ROOT / "corpus", tmp_path, "torch", repeat=1)
    assert seconds > 0
    corpus = tmp_path / "reindex-warm-torch" / "corpus"
    assert perf.CORRECTION.strip() in "".join(p.read_text(encoding="utf-8") for p in corpus.glob("*.txt"))
    from qa.api import Assistant
    from qa.config import Config

    index = Assistant.load(tmp_path / "reindex-warm-torch" / "index", Config()).index
    assert any(perf.CORRECTION.strip() in index.documents[d].text for d in index.documents)


def test_markdown_reports_ingest_with_each_worker_count_and_the_load():
    runs = [
        {
            "seconds": s,
            "chunks": 100,
            "sentences": 400,
            "raw_encode_chunks_per_s": 20.0,
            "workers": w,
            "load_before": 3.0,
            "load_after": 4.5,
        }
        for w, s in ((1, 10.0), (2, 2.5))
    ]
    res = {
        "machine": "x86_64, 2 CPUs",
        "date": "2026-12-05",
        "import_baseline_s": 4.0,
        "embedders": {"default": {"ingest": runs[-1], "ingest_runs": runs}},
    }
    md = perf.markdown(res, "python bench/perf.py --ingest-only")
    assert "1 worker(s)" in md and "2 worker(s)" in md and "load 3.0→4.5" in md
    assert "| 10.0 chunks/s |" in md and "| 0.50× |" in md  # 1 worker: 100 chunks in 10 s, half the baseline
    assert "| 40.0 chunks/s |" in md and "| 2.00× |" in md

"""Quiet output: `qa ask` prints the answer and nothing else; `qa index` and `qa eval` report progress
as plain lines when their output is not a terminal (here: a pipe), never as redrawn bars."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from .conftest import CORPUS, ROOT

QUESTION = "Where were the October 5 talks supposed to be held?"
NOISE = ("Loading weights", "Batches", "Warning", "warn", "%|", "\r", "it/s")


def _run(*args, env_extra=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    env.pop("QA_EMBEDDER", None)  # the default embedder, whatever the caller's shell says
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], env=env, capture_output=True, text=True, cwd=ROOT)


def test_ask_prints_the_answer_only(shipped_index_dir):
    run = _run("ask", QUESTION, "--index-dir", str(shipped_index_dir), "-k", "2")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert run.stdout.startswith("Short answer: Spain")
    assert not [n for n in NOISE if n in run.stdout]


def test_index_into_a_pipe_reports_plain_lines(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[:2]:
        shutil.copy(path, corpus / path.name)
    run = _run("index", str(corpus), "--index-dir", str(tmp_path / "index"))
    assert run.returncode == 0, run.stderr
    assert not [n for n in NOISE if n in run.stderr], run.stderr
    lines = run.stderr.splitlines()
    assert any(line.startswith("[") and "Embedding" in line and "chunks" in line for line in lines)
    assert lines[-1].endswith("Index ready")
    assert run.stdout.startswith("Indexed 2 documents")
    # each stage on a line with the documents done of the total (and, once measured, the time left);
    # its first line, its last, and one every ten seconds between
    staged = [re.fullmatch(r"\[ *(\d+)%\] ([^:]+): (\d)/2 documents(, about .+ left)?", line) for line in lines[1:-2]]
    assert all(staged), lines
    stages = [m[2] for m in staged]
    assert stages[0] == "Finding quotations" and re.fullmatch(r"Embedding \d+ chunks", stages[-1])
    assert [m[3] for m in staged if m[2] == stages[-1]][-1] == "2"
    assert "left" not in lines[-3]  # nothing is left once the last stage is done
    percents = [int(m[1]) for m in staged]
    assert percents == sorted(percents)


def test_eval_into_a_pipe_reports_plain_lines(shipped_index_dir):
    questions = ROOT / "bench" / "questions" / "shipped.jsonl"
    run = _run("eval", str(questions), "--index-dir", str(shipped_index_dir), "--limit", "4")
    assert run.returncode == 0, run.stderr
    assert not [n for n in NOISE if n in run.stderr], run.stderr
    assert "hybrid: 4/4 questions" in run.stderr
    assert "answer_at_1" in run.stdout


@pytest.mark.slow
def test_index_of_an_unchanged_corpus_loads_no_model(tmp_path):
    """`qa index` over what the index already holds only checks it: neither the embedding model nor
    spaCy is loaded (they cost seconds), and the index still answers afterwards."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(sorted(CORPUS.glob("*.txt"))[0], corpus)
    index = tmp_path / "index"
    assert _run("index", str(corpus), "--index-dir", str(index)).returncode == 0
    probe = (
        "import sys; from qa.cli import cli\n"
        f"try: cli(['index', {str(corpus)!r}, '--index-dir', {str(index)!r}])\n"
        "except SystemExit as e: assert not e.code, e.code\n"
        "print(sorted(m for m in ('spacy', 'torch', 'sentence_transformers', 'onnxruntime') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("QA_EMBEDDER", None)
    run = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "[]", run.stdout
    asked = _run("ask", QUESTION, "--index-dir", str(index), "-k", "1")
    assert asked.returncode == 0 and "Granada" in asked.stdout, asked.stdout + asked.stderr

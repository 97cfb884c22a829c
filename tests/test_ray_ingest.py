"""Distributed ingest: `qa index --ray` on a local Ray cluster (ray.init(num_cpus=2)) over a few
thousand small generated documents gives the same index and the same answers as a plain build;
without --ray, nothing imports Ray."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qa.cli import cli

ROOT = Path(__file__).resolve().parent.parent
# The issue asks for a few thousand; CI embeds every document twice (plain and Ray build) on 2 cores
# and the whole suite must stay well under 15 minutes, so the suite runs 300 (enough for three
# folders and several Ray blocks) and QA_RAY_TEST_DOCS=3000 runs the full size (2,000 took 15 min here).
DOCUMENTS = int(os.environ.get("QA_RAY_TEST_DOCS", "300"))
QUESTIONS = 25
MILVUS_DOCUMENTS = (
    60  # agreement with a plain build is checked above; here only that Ray writes to Milvus and it answers
)

ANIMALS = "otter heron badger lynx falcon walrus gecko bison marmot ibis tapir kestrel".split()
COLOURS = "amber crimson teal violet ochre silver jade cobalt".split()
TOWNS = "Arlen Brisk Corvo Dunmore Elby Farrow Glint Harlow Isca Jarrow".split()
FOODS = "plums acorns clams beetles figs mussels".split()


def generated_corpus(folder: Path, n: int = DOCUMENTS) -> list[tuple[str, str]]:
    """`n` one- or two-sentence articles in folders of 100, each with a fact no other has;
    returns (question, expected words) for every doc a question can be asked about."""
    rng = np.random.default_rng(7)
    facts = []
    for i in range(n):
        animal, colour, town = ANIMALS[i % 12], COLOURS[(i // 12) % 8], TOWNS[(i // 96) % 10]
        count, food = int(rng.integers(2, 999)), FOODS[int(rng.integers(0, 6))]
        text = f"The {colour} {animal} of {town} number {i} ate {count} {food} at dawn."
        if i % 2:
            text += f" Keepers in {town} weighed it on day {int(rng.integers(1, 365))}."
        sub = folder / f"part{i // 100:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"doc{i:05d}.txt").write_text(f"{colour.title()} {animal} report {i}\n\n{text}\n", encoding="utf-8")
        facts.append((f"How many {food} did the {colour} {animal} of {town} number {i} eat?", str(count)))
    return facts


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


@pytest.mark.slow
def test_without_ray_nothing_imports_ray(tmp_path):
    corpus = tmp_path / "corpus"
    generated_corpus(corpus, 3)
    code = (
        "import sys\n"
        "from qa.cli import cli\n"
        f"try: cli(['index', {str(corpus)!r}, '--index-dir', {str(tmp_path / 'index')!r}])\n"
        "except SystemExit as e: assert not e.code, e.code\n"
        "from qa.api import Assistant\n"
        f"print(Assistant.load({str(tmp_path / 'index')!r}).ask('How many plums?').abstained)\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Indexed 3 documents" in done.stdout


def test_ray_without_ray_installed_is_a_one_line_error(tmp_path):
    """A machine without the extra gets the install hint, not a traceback (Ray hidden by a stub path)."""
    (tmp_path / "stub" / "ray").mkdir(parents=True)
    (tmp_path / "stub" / "ray" / "__init__.py").write_text("raise ImportError('no ray here')\n")
    corpus = tmp_path / "corpus"
    generated_corpus(corpus, 2)
    env = {**_env(), "PYTHONPATH": f"{tmp_path / 'stub'}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", str(corpus), "--index-dir", str(tmp_path / "i"), "--ray", "auto"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert 'Error: ray: distributed ingest needs Ray; install it with pip install "qa-assistant[ray]"' in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
@pytest.mark.ray
def test_ray_ingest_matches_a_plain_build(tmp_path, local_ray, config):
    from qa.api import Assistant

    corpus = tmp_path / "corpus"
    facts = generated_corpus(corpus)
    runner = CliRunner()
    plain = runner.invoke(cli, ["index", str(corpus), "--index-dir", str(tmp_path / "plain")])
    distributed = runner.invoke(cli, ["index", str(corpus), "--index-dir", str(tmp_path / "ray"), "--ray", "auto"])
    assert plain.exit_code == 0, plain.output
    assert distributed.exit_code == 0, distributed.output
    assert f"Indexed {DOCUMENTS} documents" in distributed.output
    assert "embedding actor(s)" in distributed.output  # progress shows

    a, b = Assistant.load(tmp_path / "plain", config), Assistant.load(tmp_path / "ray", config)
    assert list(a.documents) == list(b.documents)
    assert [c.to_dict() for c in a.index.chunks] == [c.to_dict() for c in b.index.chunks]
    assert np.array_equal(a.index.sentence_rows, b.index.sentence_rows)
    # the same model batched differently, stored as float16: equal to one float16 step (under 2.5e-4
    # for |x| < 0.5), since a float32 difference of 1e-7 can tip the rounding either way
    assert a.index.sentence_vectors.dtype == b.index.sentence_vectors.dtype == np.float16
    assert np.allclose(
        np.asarray(a.index.sentence_vectors, np.float32), np.asarray(b.index.sentence_vectors, np.float32), atol=5e-4
    )
    picks = np.linspace(0, len(facts) - 1, QUESTIONS).round().astype(int)
    for i in picks:
        question, count = facts[i]
        x, y = a.ask(question, 3), b.ask(question, 3)
        assert [(q.doc_id, q.start, q.end) for q in x.quotes] == [(q.doc_id, q.start, q.end) for q in y.quotes]
        assert count in y.quotes[0].text, (question, y.quotes[0].text)


@pytest.mark.slow
@pytest.mark.ray
def test_ray_ingest_into_milvus(tmp_path, local_ray, config):
    """The pipeline writes to a Milvus Lite store as well, and the store answers from it."""
    pytest.importorskip("pymilvus")
    from qa.api import Assistant

    corpus = tmp_path / "corpus"
    facts = generated_corpus(corpus, MILVUS_DOCUMENTS)
    uri = tmp_path / "ray.db"
    done = CliRunner().invoke(cli, ["index", str(corpus), "--store", f"milvus:{uri}", "--ray", "auto"])
    assert done.exit_code == 0, done.output
    assert f"into milvus:{uri}" in done.output
    store = Assistant.load(config=config.replace(store=f"milvus:{uri}"))
    assert len(store.documents) == MILVUS_DOCUMENTS
    question, count = facts[MILVUS_DOCUMENTS // 2]
    assert count in store.ask(question, 1).quotes[0].text
    answer = json.loads(CliRunner().invoke(cli, ["ask", question, "--json", "--store", f"milvus:{uri}"]).output)
    assert count in answer["quotes"][0]["text"]

"""Crash safety to the last instruction: `qa index` killed with SIGKILL at any instant leaves an index
that loads and answers with verified quotes, and the next run completes.

Each round deletes one more filler file from a copy of the corpus and runs the real command in a
subprocess, so every run is a real rebuild (write a generation, switch, clean up) that finds all its
vectors in the previous index and never loads the model before the switch: a round costs about a
second of start-up, which makes 20+ kills affordable. Rounds are killed after a random delay spread
over the whole measured build (half of them in its last second), or when the build is seen writing
its generation, or, with the build's test hooks QA_TEST_PAUSE_BEFORE_SWITCH / _AFTER_SWITCH widening
those instants, just before and just after manifest.json is replaced. The first rounds meet an index
in the layout written before generations, so its conversion is killed too. After every kill the
phase the build reached is read off the disk and the index is checked.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from qa.answer.excerpts import verify_quote
from qa.api import Assistant, load_documents
from qa.config import Config
from qa.indexing import build_index
from qa.store import files_dir

from .conftest import CORPUS, ROOT

ANCHOR = "000_f5edb748992077ea.txt"  # the Granada article: it answers QUESTION in every state
QUESTION = "Where were the October 5 talks supposed to be held?"
FILLERS = 36  # one is deleted per round: calibration + kill rounds + spare rounds + the final run
SEED = int(os.environ.get("QA_CRASH_SEED", "20261126"))
POLL = 0.001
LEGACY_FILES = {
    "documents.jsonl",
    "chunks.jsonl",
    "chunks.faiss",
    "sentences.npy",
    "sentence_vectors.npy",
    "bm25",
    "quotations.jsonl",
}

BEFORE_WRITING = "before writing (start-up, reading the corpus and the previous index)"
WRITING = "writing the new generation"
WRITTEN = "new generation complete, manifest not yet replaced"
POINTER = "new manifest written, not yet replaced"
SWITCHED = "manifest replaced, replaced generation not yet removed"
DONE = "switched and cleaned up"


def _filler(i: int) -> str:
    animals = ["heron", "otter", "lynx", "beaver", "marten", "ibis", "stoat", "crane", "vole"]
    return (
        f"Station {i} field note\n\nVolunteers at station {i} counted {40 + i} {animals[i % len(animals)]}s "
        f"this spring. The count was repeated {i % 4 + 2} times before it was written down.\n"
    )


def _entries(index_dir: Path) -> dict[str, int]:
    """Name -> inode of what the index folder holds (a name reused by a later build is a new inode)."""
    out = {}
    for name in os.listdir(index_dir):
        try:
            out[name] = os.stat(index_dir / name).st_ino
        except FileNotFoundError:
            pass
    return out


def _appeared(index_dir: Path, start: dict[str, int], wanted) -> bool:
    """True once an entry matching `wanted` exists that was not there when the round started."""
    return any(wanted(n) and start.get(n) != ino for n, ino in _entries(index_dir).items())


def _generation(index_dir: Path) -> str | None:
    try:
        return json.loads((index_dir / "manifest.json").read_text(encoding="utf-8")).get("generation")
    except (OSError, ValueError):
        return "unreadable"


def _phase(index_dir: Path, start: dict[str, int], start_generation: str | None) -> str:
    """How far the killed build got, from what it left on disk (entries that were there when the
    round started, left by an earlier killed round, do not count)."""
    now = _entries(index_dir)
    new = {n for n, ino in now.items() if start.get(n) != ino}
    generation = _generation(index_dir)
    if generation != start_generation:
        stale = {n for n in now if (n.startswith("gen-") and n != generation) or n in LEGACY_FILES}
        return SWITCHED if stale else DONE
    if ".tmp-manifest.json" in new:
        return POINTER
    if any(n.startswith("gen-") for n in new):
        return WRITTEN
    if any(n.startswith(".tmp-gen-") for n in new):
        return WRITING
    return BEFORE_WRITING


def _run(index_dir: Path, corpus: Path, **hooks: float) -> subprocess.Popen:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update({k: str(v) for k, v in hooks.items()})
    cmd = [sys.executable, "-m", "qa.cli", "index", "--index-dir", str(index_dir), str(corpus)]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_until(proc: subprocess.Popen, condition, deadline: float | None = None) -> bool:
    """Poll `condition` until it holds (True), or the build ends or `deadline` seconds pass (False).
    Without a deadline it waits as long as the build runs: a slow machine is no failure."""
    end = time.monotonic() + deadline if deadline is not None else float("inf")
    while proc.poll() is None and time.monotonic() < end:
        if condition():
            return True
        time.sleep(POLL)
    return False


def _to_layout_before_generations(index_dir: Path) -> None:
    """Rewrite the index the way qa wrote it before generations: files beside a manifest without one
    (documents and chunks as JSONL, as they were then)."""
    from .test_store_tables import to_jsonl_format

    to_jsonl_format(index_dir)
    manifest = json.loads((index_dir / "manifest.json").read_text())
    for f in files_dir(index_dir, manifest).iterdir():
        shutil.move(str(f), index_dir / f.name)
    shutil.rmtree(files_dir(index_dir, manifest))
    del manifest["generation"]
    (index_dir / "manifest.json").write_text(json.dumps(manifest))


def _check(index_dir: Path, config: Config, expected: set[str], corpus_docs: dict) -> set[str]:
    """The index loads, holds exactly the `expected` documents (never a mix of two builds), and
    answers with quotes that are the corpus's exact characters. Returns its document ids."""
    assistant = Assistant.load(index_dir, config)
    ids = set(assistant.documents)
    assert ids == expected, f"unexpected documents: {sorted(ids ^ expected)}"
    assert {d["id"] for d in assistant.index.manifest["documents"]} == ids
    answer = assistant.ask(QUESTION, 3)
    assert not answer.abstained and answer.quotes, answer.answer
    assert answer.quotes[0].doc_id == ANCHOR and "Granada" in answer.quotes[0].text
    for quote in answer.quotes:
        verify_quote(quote, corpus_docs[quote.doc_id])  # FidelityError if not exact
    return ids


def _schedule(rng: random.Random, t_switch: float) -> list[tuple[str, float]]:
    """(how, parameter) of each kill round, shuffled: random delays over the whole build and its
    last second, and kills triggered by what the build is seen doing."""
    rounds = [("delay", rng.uniform(0.0, t_switch + 1.0)) for _ in range(6)]
    rounds += [("delay", rng.uniform(max(0.0, t_switch - 1.0), t_switch + 0.1)) for _ in range(6)]
    rounds += [(how, 0.0) for how in ("writing", "before-switch", "after-switch") for _ in range(4)]
    rng.shuffle(rounds)
    return rounds


def _kill_round(
    proc: subprocess.Popen,
    index_dir: Path,
    how: str,
    delay: float,
    rng: random.Random,
    start: dict[str, int],
    start_generation: str | None,
) -> bool:
    """Wait for the moment `how` names, then SIGKILL; False when the build finished first."""
    if how == "delay":
        _wait_until(proc, lambda: False, deadline=delay)
    elif how == "writing":
        _wait_until(proc, lambda: _appeared(index_dir, start, lambda n: n.startswith(".tmp-gen-")))
        time.sleep(rng.uniform(0.0, 0.02))
    elif how == "before-switch":  # the build pauses 0.4 s with its new manifest written beside the old
        _wait_until(proc, lambda: _appeared(index_dir, start, lambda n: n == ".tmp-manifest.json"))
        time.sleep(rng.uniform(0.0, 0.3))
    else:  # after-switch: the build pauses 0.4 s right after the replace, before removing the old generation
        _wait_until(proc, lambda: _generation(index_dir) != start_generation)
        time.sleep(rng.uniform(0.0, 0.3))
    if proc.poll() is not None:
        return False
    proc.kill()  # SIGKILL: no handler, no finally, no atexit runs
    proc.communicate()
    return True


@pytest.mark.slow
def test_index_survives_sigkill_at_any_instant(tmp_path, config):
    rng = random.Random(SEED)
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copyfile(CORPUS / ANCHOR, corpus / ANCHOR)
    fillers = [f"station_{i:02d}.txt" for i in range(FILLERS)]
    for i, name in enumerate(fillers):
        (corpus / name).write_text(_filler(i), encoding="utf-8")
    corpus_docs = {d.id: d for d in load_documents([corpus]).documents}
    build_index(list(corpus_docs.values()), index_dir, config)  # the previous index (in-process: one model load)
    ids = set(corpus_docs)

    # calibration: one complete run, timed to the switch (manifest replaced) and to its exit
    (corpus / fillers.pop(0)).unlink()
    start_generation, t0 = _generation(index_dir), time.monotonic()
    proc = _run(index_dir, corpus)
    assert _wait_until(proc, lambda: _generation(index_dir) != start_generation)
    t_switch = time.monotonic() - t0
    out, _ = proc.communicate()
    assert proc.returncode == 0 and "removed from the index: station_00.txt" in out, out
    ids = _check(index_dir, config, ids - {"station_00.txt"}, corpus_docs)
    _to_layout_before_generations(index_dir)  # the first rounds convert an index of the old layout

    phases, kills = Counter(), 0
    hooks = {"before-switch": {"QA_TEST_PAUSE_BEFORE_SWITCH": 0.4}, "after-switch": {"QA_TEST_PAUSE_AFTER_SWITCH": 0.4}}
    rounds = _schedule(rng, t_switch)
    while (rounds or kills < 20) and len(fillers) > 1:
        how, delay = rounds.pop(0) if rounds else ("delay", rng.uniform(0.0, t_switch + 1.0))
        (corpus / fillers.pop(0)).unlink()
        target = {d for d in corpus_docs if (corpus / d).exists()}
        start, start_generation = _entries(index_dir), _generation(index_dir)
        proc = _run(index_dir, corpus, **hooks.get(how, {}))
        if _kill_round(proc, index_dir, how, delay, rng, start, start_generation):
            kills += 1
            phase = _phase(index_dir, start, start_generation)
            # killed before the replace: the previous index, whole; after it: the new one, whole
            expected = target if phase in (SWITCHED, DONE) else ids
        else:
            out, _ = proc.communicate()
            assert proc.returncode == 0, out
            phase, expected = "finished before the kill", target
        phases[phase] += 1
        ids = _check(index_dir, config, expected, corpus_docs)

    summary = f"{kills} kills (seed {SEED}, switch at {t_switch:.1f}s): {dict(phases)}"
    print(summary)
    assert kills >= 20, summary
    assert {BEFORE_WRITING, SWITCHED} <= set(phases) and phases[WRITTEN] + phases[POINTER] >= 1, summary
    assert len(set(phases) - {"finished before the kill"}) >= 4, summary

    # the next run completes, names what the killed runs had not yet removed, and leaves no debris
    pending = sorted(d for d in ids if not (corpus / d).exists())
    out, _ = _run(index_dir, corpus).communicate()
    assert "Indexed" in out and "Traceback" not in out, out
    listed = [line for line in out.splitlines() if line.startswith("removed from the index: ")]
    assert all(any(d in line for line in listed) for d in pending), out
    final = _check(index_dir, config, {d for d in corpus_docs if (corpus / d).exists()}, corpus_docs)
    generation = _generation(index_dir)
    assert sorted(os.listdir(index_dir)) == [".lock", generation, "manifest.json"] and ANCHOR in final

"""Progress a person can plan by: each stage of a build with the documents done of the total and the
time left, as the CLI prints it into a pipe and as the app shows it while it builds."""

from __future__ import annotations

import re
import shutil

import pytest

from qa.progress import (
    LINE_INTERVAL_S,
    MIN_MEASURED_S,
    REPORT_INTERVAL_S,
    REUSED_SHARE,
    STAGE_COST,
    BuildProgress,
    throttled,
    time_left,
)
from qa.records import Document

from .conftest import CORPUS

# what every progress message of a build's stages looks like
STAGE_LINE = re.compile(r"(?P<stage>[^:]+): (?P<done>[\d,]+)/(?P<total>[\d,]+) documents(?:, about .+ left)?")


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _docs(n: int, chars: int = 1000) -> list[Document]:
    return [Document(id=f"d{i}.txt", text="x" * chars) for i in range(n)]


def test_stage_messages_count_documents_and_estimate_the_time_left():
    calls, clock = [], Clock()
    docs = _docs(4)
    p = BuildProgress(lambda m, f: calls.append((m, f)), docs, {d.id for d in docs}, clock=clock)
    total = sum(STAGE_COST.values()) * 4000
    p.stage("quotations", "Finding quotations")
    assert calls[-1] == ("Finding quotations: 0/4 documents", 0.0)
    clock.t = 1.0
    p.advance(1)  # the rate is measured from here: what came before was loading
    assert calls[-1] == ("Finding quotations: 1/4 documents", pytest.approx(500 / total))
    clock.t = 1.0 + MIN_MEASURED_S + 1
    p.advance(2)
    rate = 500 / (MIN_MEASURED_S + 1)  # work per second between the first and the second document
    left = (total - 1000) / rate
    assert calls[-1][0] == f"Finding quotations: 2/4 documents, {time_left(left)}"
    assert p.seconds_left(clock.t, p.work_done()) == pytest.approx(left)
    p.advance(4)
    p.stage("chunking", "Splitting sentences and chunking")
    assert calls[-1][0].startswith("Splitting sentences and chunking: 0/4 documents, about ")
    assert calls[-1][1] == pytest.approx(STAGE_COST["quotations"] * 4000 / total)
    fractions = [f for _, f in calls]
    assert fractions == sorted(fractions)


def test_reused_documents_weigh_little_and_the_embedder_sets_the_embedding_share():
    docs = _docs(2)
    p = BuildProgress(lambda m, f: None, docs, {"d1.txt"})  # d0 unchanged: its work is looked up
    p.stage("sentences", "Embedding 9 sentences")
    p.advance(1)
    assert p.work_done() / p._work == pytest.approx(REUSED_SHARE / (1 + REUSED_SHARE) / sum(STAGE_COST.values()))
    onnx = BuildProgress(lambda m, f: None, docs, {"d0.txt", "d1.txt"}, embedder="onnx")
    torch = BuildProgress(lambda m, f: None, docs, {"d0.txt", "d1.txt"}, embedder="torch")
    for p in (onnx, torch):
        p.stage("quotations", "Finding quotations")
        p.advance(2)
    assert torch.work_done() / torch._work < onnx.work_done() / onnx._work  # torch embeds slower


def test_calls_within_a_stage_are_spaced_but_its_ends_always_come():
    calls, clock = [], Clock()
    p = BuildProgress(lambda m, f: calls.append(m), _docs(5), {f"d{i}.txt" for i in range(5)}, clock=clock)
    p.stage("chunking", "Chunking")
    for done in range(1, 6):
        clock.t += REPORT_INTERVAL_S / 4
        p.advance(done)
    # the start, the first call REPORT_INTERVAL_S after it, and the end
    assert [STAGE_LINE.fullmatch(m)["done"] for m in calls] == ["0", "4", "5"]


def test_time_left_reads_like_a_person_says_it():
    assert time_left(3) == "about 5 s left"
    assert time_left(42) == "about 40 s left"
    assert time_left(170) == "about 3 min left"
    assert time_left(4800) == "about 1 h 20 min left"


def test_throttled_lines_keep_each_stages_first_and_last():
    shown, clock = [], Clock()
    show = throttled(lambda m, f: shown.append(m), clock=clock)
    for i in range(100):  # one call a second
        clock.t = float(i)
        show(f"Embedding 100 sentences: {i}/100 documents", i / 100)
    show("Index ready", 1.0)
    every = int(LINE_INTERVAL_S)
    expected = [f"Embedding 100 sentences: {i}/100 documents" for i in range(0, 100, every)]
    assert shown == expected + ["Embedding 100 sentences: 99/100 documents", "Index ready"]


@pytest.fixture()
def two_articles(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[:2]:
        shutil.copy(path, corpus / path.name)
    return corpus


def test_the_apps_build_shows_stage_documents_and_time_in_its_status(two_articles, tmp_path, capsys):
    """What the page shows while "Build index" runs: gradio's progress gets each message as its status
    text, with the fraction of the work done; the terminal's log gets the same, thinned out."""
    from qa.config import Config
    from qa.web import Service
    from qa.web.page import _Handlers

    config = Config(index_dir=str(tmp_path / "index"), corpus_dir=str(two_articles))
    service = Service(config)
    status = []
    _Handlers(service).on_build(progress=lambda fraction, desc=None: status.append((fraction, desc)))
    assert service.ready
    stages = [STAGE_LINE.fullmatch(desc) for _, desc in status if desc != "Index ready" and ":" in desc]
    assert {m["stage"] for m in stages} >= {"Finding quotations", "Splitting sentences and chunking"}
    assert any(re.fullmatch(r"Embedding \d+ sentences", m["stage"]) for m in stages)
    assert {m["total"] for m in stages} == {"2"} and any(m["done"] == "2" for m in stages)
    assert status[-1] == (1.0, "Index ready")
    fractions = [f for f, _ in status]
    assert fractions == sorted(fractions) and 0.0 <= fractions[0] < 0.5
    log = capsys.readouterr().out
    assert "Finding quotations: 0/2 documents" in log and "Index ready" in log
    service.close()

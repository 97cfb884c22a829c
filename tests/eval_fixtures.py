"""Tiny hand-checked records and fixtures shared by the evaluation tests (tests/test_eval_*.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.eval import Question, QuestionSet
from qa.records import Answer, Document, Quote

from .conftest import isolated_cache

ROOT = Path(__file__).resolve().parent.parent
EVAL = Path(__file__).resolve().parent / "data" / "eval"

DOCS = {
    d.id: d
    for d in [
        Document(id="granada", title="Talks", text="The talks were to be held in Granada. Aliyev refused to attend."),
        Document(
            id="penguins", title="Penguins", text="Males incubate the eggs for about two months. Females feed at sea."
        ),
        Document(id="sochi", title="Sochi", text="Putin hosted the leaders in Sochi."),
    ]
}


def q(doc_id: str, text: str, n: int = 1, score: float = 0.9) -> Quote:
    """A quote of the first occurrence of `text` in the document, with exact offsets."""
    doc = DOCS[doc_id]
    start = doc.text.index(text)
    return Quote(
        n=n,
        text=text,
        doc_id=doc_id,
        title=doc.title,
        source="",
        date="",
        start=start,
        end=start + len(text),
        score=score,
    )


def answer(*quotes: Quote, short: str | None = None, abstained: bool = False) -> Answer:
    quotes = [Quote(**{**qq.__dict__, "n": i}) for i, qq in enumerate(quotes, 1)]
    return Answer(
        question="?", answer="" if abstained else "…", abstained=abstained, quotes=list(quotes), short_answer=short
    )


GRANADA = Question("q1", "Where were the talks to be held?", ("Granada",), ("granada",))
PENGUINS = Question("q2", "How long do males incubate?", ("about two months",), ("penguins",))
UNANSWERABLE = Question("q3", "What is the boiling point of mercury?", (), (), answerable=False)


class Scripted:
    """An answerer that replies from a dict, to run the runner without a model."""

    def __init__(self, replies: dict[str, Answer], config_name: str = "scripted"):
        self.replies = replies
        self.asked: list[tuple[str, int | None]] = []

    def ask(self, question: str, k: int | None = None) -> Answer:
        self.asked.append((question, k))
        reply = self.replies[question]
        if isinstance(reply, Exception):
            raise reply
        return reply


QSET = QuestionSet("tiny.jsonl", "jsonl", [GRANADA, PENGUINS, UNANSWERABLE])


def replies(first_quote_broken: bool = False) -> dict[str, Answer]:
    granada = q("granada", "The talks were to be held in Granada.")
    if first_quote_broken:
        granada = Quote(**{**granada.__dict__, "text": "The talks were to be held in Seville."})
    return {
        GRANADA.question: answer(granada, short="Granada"),
        PENGUINS.question: answer(q("sochi", "Putin hosted the leaders in Sochi.", score=0.8)),
        UNANSWERABLE.question: answer(abstained=True),
    }


@pytest.fixture()
def encoded(monkeypatch):
    """Every text the embedder is asked to encode, in order."""
    from qa.embed import Embedder

    texts: list[str] = []
    original = Embedder.encode

    def spy(self, batch, *args, **kwargs):
        texts.extend(batch)
        return original(self, batch, *args, **kwargs)

    monkeypatch.setattr(Embedder, "encode", spy)
    return texts


@pytest.fixture()
def cli_env(tmp_path, monkeypatch):
    from click.testing import CliRunner

    isolated_cache(monkeypatch, tmp_path / "cache")
    return CliRunner()

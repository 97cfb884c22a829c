"""Honest refusals on a collection of the same kind: leave-source-out evaluation, the "does it
answer?" decision, partial answers with their closest passages, and how the app shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.answer.compose import ABSTAIN_TEXT, compose
from qa.config import Config
from qa.errors import InvalidRequestError
from qa.eval import QuestionSet, evaluate, write_report
from qa.eval.metrics import abstention_curve
from qa.eval.sets import sources_left_out
from qa.records import Answer, Document, Quote
from qa.web.html import answer_html

from .eval_fixtures import DOCS, GRANADA, PENGUINS, UNANSWERABLE, q

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_QUESTIONS = ROOT / "bench" / "questions" / "shipped.jsonl"


class Masking:
    """An answerer over DOCS that answers from a question's source unless it is masked out, and
    records what it was told to exclude."""

    def __init__(self):
        self.excluded: list[tuple[str, tuple[str, ...]]] = []

    def ask(self, question: str, k: int | None = None, *, exclude_docs=None) -> Answer:
        self.excluded.append((question, tuple(exclude_docs or ())))
        if question == GRANADA.question and "granada" not in (exclude_docs or ()):
            return Answer(question, "…", False, [q("granada", "The talks were to be held in Granada.")], confidence=0.9)
        if question == PENGUINS.question and "penguins" not in (exclude_docs or ()):
            # answerable, but refused: a false abstention
            return Answer(question, ABSTAIN_TEXT, True, [], confidence=0.3)
        # masked out: one confident wrong answer (Granada's copy) and refusals otherwise
        if question == GRANADA.question:
            return Answer(question, "…", False, [q("sochi", "Putin hosted the leaders in Sochi.")], confidence=0.7)
        return Answer(question, ABSTAIN_TEXT, True, [], confidence=0.1)


# --- the evaluation mode --------------------------------------------------------------------------


def test_leave_source_out_copies_each_answerable_question_without_its_sources():
    qset = sources_left_out(QuestionSet("t.jsonl", "jsonl", [GRANADA, PENGUINS, UNANSWERABLE]))
    copies = [x for x in qset.questions if x.exclude]
    assert [x.id for x in qset.questions] == ["q1", "q2", "q3", "q1/lso", "q2/lso"]
    assert [(x.exclude, x.answerable, x.answers, x.sources) for x in copies] == [
        (("granada",), False, (), ()),
        (("penguins",), False, (), ()),
    ]


def test_evaluate_leave_source_out_scores_refusals_and_false_refusals(tmp_path):
    bot = Masking()
    report = evaluate(
        QuestionSet("t.jsonl", "jsonl", [GRANADA, PENGUINS, UNANSWERABLE]),
        {"m": bot},
        DOCS,
        progress=False,
        leave_source_out=True,
    )
    m = report.metrics["m"]
    # unanswerable: q3, q1/lso (answered wrongly), q2/lso → 2 of 3 refused
    assert m["abstain_recall"] == pytest.approx(2 / 3)
    assert m["false_abstain_rate"] == 0.5  # q2 refused although answerable
    assert m["answer_at_1"] == 0.5
    assert ("Where were the talks to be held?", ("granada",)) in bot.excluded
    assert all(ex == () for qq, ex in bot.excluded[:4])  # warm-up and the normal copies mask nothing
    paths = write_report(report, tmp_path)
    data = json.loads(paths["json"].read_text())
    assert data["leave_source_out"] is True and data["metrics"]["m"]["false_abstain_rate"] == 0.5
    curve = data["abstention_curve"]["m"]
    assert curve and curve[-1]["abstain_recall"] == 1.0
    assert "Abstention by confidence threshold" in paths["markdown"].read_text()
    assert paths["abstention_chart"].stat().st_size > 1000


def test_abstention_curve_trades_recall_for_false_refusals():
    report = evaluate(
        QuestionSet("t.jsonl", "jsonl", [GRANADA, PENGUINS, UNANSWERABLE]),
        {"m": Masking()},
        DOCS,
        progress=False,
        leave_source_out=True,
    )
    curve = abstention_curve(report.runs[0].results)
    recalls = [p["abstain_recall"] for p in curve]
    false = [p["false_abstain_rate"] for p in curve]
    assert recalls == sorted(recalls) and false == sorted(false)  # a higher threshold refuses more of both
    # confidences: answerable 0.9 and 0.3, unanswerable 0.7, 0.1 and 0.1; refusing below 0.7 refuses
    # 0.3 (wrongly) and both 0.1s
    point = next(p for p in curve if p["threshold"] == 0.7)
    assert point == {"threshold": 0.7, "abstain_precision": 0.6667, "abstain_recall": 0.6667, "false_abstain_rate": 0.5}


def test_no_curve_without_both_kinds_of_question():
    report = evaluate(QuestionSet("t.jsonl", "jsonl", [GRANADA]), {"m": Masking()}, DOCS, progress=False)
    assert abstention_curve(report.runs[0].results) == []
    assert report.metrics["m"]["false_abstain_rate"] == 0.0


# --- partial answers and their closest passages -----------------------------------------------------


def test_partial_answer_names_the_subject_and_keeps_the_closest_passages_apart():
    quotes = [q("granada", "Aliyev refused to attend.", n=1), q("sochi", "Putin hosted the leaders in Sochi.", n=2)]
    config = Config()
    found = {"support": 0.6, "article_words": 0.8}
    a = compose(
        "How many people were killed in Granada?", quotes, config, confidence=0.1, signals=found, missing=["killed"]
    )
    assert a.abstained and a.quotes == []
    assert a.answer.startswith("The articles discuss “Talks”") and "“killed”" in a.answer
    assert [c.text for c in a.closest] == [x.text for x in quotes]
    assert a.to_dict()["closest"][0]["doc_id"] == "granada"


def test_a_refusal_far_from_the_question_keeps_the_plain_text_and_no_passages():
    quotes = [q("granada", "Aliyev refused to attend.")]
    a = compose(
        "What is the boiling point of mercury?",
        quotes,
        Config(),
        confidence=0.1,
        signals={"support": 0.2, "article_words": 0.1},
        missing=["mercury"],
    )
    assert a.abstained and a.answer == ABSTAIN_TEXT and a.closest == []


def test_app_shows_closest_passages_only_on_request_and_escaped():
    hostile = Document(id="x", title="<b>T</b>", text="Forces <script>alert(1)</script> met at the border.")
    quote = Quote(
        n=1,
        text=hostile.text,
        doc_id="x",
        title=hostile.title,
        source="<i>Out</i>",
        date="",
        start=0,
        end=len(hostile.text),
        score=0.5,
    )
    a = Answer(
        "Who was killed?",
        "The articles discuss “<b>T</b>” but do not say anything about “killed” there.",
        True,
        [],
        closest=[quote],
    )
    html = answer_html(a, 1, {"x": hostile})
    assert '<details class="qa-closest">' in html and "<summary>" in html
    assert "do not answer the question" in html
    assert "alert" in html and "<script>" not in html and "<b>T</b>" not in html and "<i>" not in html
    assert answer_html(Answer("?", ABSTAIN_TEXT, True), 1).count("qa-closest") == 0


# --- the real pipeline --------------------------------------------------------------------------------


def _shipped_questions() -> list[dict]:
    return [json.loads(line) for line in SHIPPED_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_exclude_docs_is_validated(shipped):
    with pytest.raises(InvalidRequestError, match="exclude_docs"):
        shipped.ask("Who hosted the talks in Sochi?", exclude_docs="004_f2d8585abce55c4c.txt")
    with pytest.raises(InvalidRequestError, match="exclude_docs: 'nope.txt'"):
        shipped.ask("Who hosted the talks in Sochi?", exclude_docs=["nope.txt"])


def test_excluded_documents_are_never_quoted(shipped):
    digest = "003_43a853f10424dbd0.txt"  # a digest file: excluding it excludes every article cut out of it
    a = shipped.ask("Where were the October 5 talks supposed to be held?", k=10, exclude_docs=[digest])
    assert all(x.file_id != digest for x in a.quotes + a.closest)
    full = shipped.ask("Where were the October 5 talks supposed to be held?", k=10)
    assert any(x.file_id == digest for x in full.quotes)  # it would have been quoted


def test_shipped_questions_without_their_sources_are_refused_and_with_them_answered(shipped):
    """Leave-source-out on the shipped news corpus: the rest of the collection is news on the same
    conflict, so a question asked without its own articles must be refused; asked normally it is answered."""
    from qa.eval.metrics import contains_answer

    picked = [x for x in _shipped_questions() if x["answers"]][::8]
    refused = answered = 0
    for x in picked:
        masked = shipped.ask(x["question"], exclude_docs=x["sources"])
        refused += masked.abstained
        full = shipped.ask(x["question"])
        answered += (not full.abstained) and any(contains_answer(y.text, x["answers"]) for y in full.quotes)
    assert refused / len(picked) >= 0.7, (refused, len(picked))
    assert answered / len(picked) >= 0.8, (answered, len(picked))


def test_a_question_on_the_subject_gets_a_partial_answer_and_one_off_it_a_plain_refusal(shipped):
    on_subject = shipped.ask("What food was served at the dinner of the Granada summit?")
    assert on_subject.abstained and on_subject.quotes == []
    assert on_subject.answer.startswith("The articles discuss ") and "“food”" in on_subject.answer
    assert on_subject.closest and all(
        shipped.documents[c.doc_id].text[c.start : c.end] == c.text for c in on_subject.closest
    )
    off = shipped.ask("What is the recipe for banana bread?")
    assert off.abstained and off.answer == ABSTAIN_TEXT and off.closest == []

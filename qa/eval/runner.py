"""Running a question set: ask every question of every answerer, time and score each answer.

An answerer is anything with `.ask(question, k) -> Answer` (the Assistant, or a baseline in
bench/baselines.py). `prepare` loads a question set with its corpus and opens the index to
evaluate, through the public API only.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Protocol, Sequence

from ..config import Config
from ..errors import EmptyCorpusError, FidelityError, QAError
from ..progress import throttled
from ..records import Answer, Document, Turn
from ..version import __version__
from .metrics import (
    FidelityProblem,
    QuestionResult,
    abstention_curve,
    aggregate,
    contains_answer,
    counts,
    has_short_answers,
    score_answer,
    score_question,
)
from .sets import Question, QuestionSet, check_sources, load_questions, sources_left_out

if TYPE_CHECKING:
    from ..api import Assistant

EVAL_K = 10  # quotes asked for: enough for mrr_at_10; the first five are the ones a user sees
# Serving settings say nothing about answers (and the password must not reach a report).
_NOT_RECORDED = ("serve", "corpus_dir", "index_dir")


class Answerer(Protocol):
    def ask(self, question: str, k: int | None = None) -> Answer: ...


@dataclass
class ConfigRun:
    """The results of one answerer (configuration) over a question set."""

    name: str
    settings: dict
    results: list[QuestionResult]

    @property
    def metrics(self) -> dict[str, float | None]:
        return aggregate(self.results)

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.results)

    @property
    def fidelity(self) -> list[FidelityProblem]:
        return [p for r in self.results for p in r.fidelity]

    @property
    def by_turn(self) -> dict[str, dict]:
        """A conversation set's metrics over its first turns and over its follow-ups, apart."""
        first = [r for r in self.results if not r.question.follow_up]
        follow = [r for r in self.results if r.question.follow_up]
        return {
            "first_turn": aggregate(first),
            "follow_up": aggregate(follow),
            "counts": {"first_turn": counts(first), "follow_up": counts(follow)},
        }


def settings_of_answerer(answerer) -> dict:
    """What to record about an answerer: its Config (minus serving settings) or its own description."""
    config = getattr(answerer, "config", None)
    if isinstance(config, Config):
        d = dataclasses.asdict(config)
        for key in _NOT_RECORDED:
            d.pop(key, None)
        # JSON has no infinity; no-abstain's min_score is -inf
        return {k: (str(v) if isinstance(v, float) and v in (float("inf"), float("-inf")) else v) for k, v in d.items()}
    describe = getattr(answerer, "describe", None)
    return describe() if callable(describe) else {"type": type(answerer).__name__}


def _takes(answerer: Answerer, name: str) -> bool:
    names = _keywords(type(answerer))
    return names is None or name in names


@functools.lru_cache(maxsize=None)
def _keywords(kind: type[Answerer]) -> frozenset[str] | None:
    """The keyword names `kind.ask` accepts, None when it takes **kwargs: read once per answerer
    class, not once per question."""
    import inspect

    params = inspect.signature(kind.ask).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return frozenset(params)


def _ask_one(
    answerer: Answerer,
    q: Question,
    documents: Mapping[str, Document],
    *,
    name: str,
    k: int,
    short_answers: bool,
    history: Sequence[Turn] = (),
) -> QuestionResult:
    """Ask one question, timed; a QAError (e.g. FidelityError) is kept with the question, not raised.
    A follow-up turn of a conversation is asked with the turns before it."""
    t0 = time.perf_counter()
    try:
        # only a leave-source-out copy passes exclude_docs and only a follow-up passes history, so
        # any answerer (a baseline too) runs the normal mode
        extra: dict[str, object] = {"exclude_docs": list(q.exclude)} if q.exclude else {}
        if history:
            extra["history"] = list(history)
        if q.asked_on and _takes(answerer, "asked_on"):  # baselines know no dates
            extra["asked_on"] = q.asked_on
        answer = answerer.ask(q.question, k, **extra)
    except QAError as failure:
        latency = (time.perf_counter() - t0) * 1000
        error = f"{type(failure).__name__}: {failure}"
        scores = score_answer(q, Answer(q.question, "", True), short_answers=short_answers)
        problems = (
            [FidelityProblem(q.id, name, 0, "", 0, 0, "", None, error)] if isinstance(failure, FidelityError) else []
        )
        return QuestionResult(q, None, latency, scores, problems, error)
    latency = (time.perf_counter() - t0) * 1000
    return score_question(q, answer, documents, latency_ms=latency, short_answers=short_answers, config=name)


def run_questions(
    answerer: Answerer,
    questions: Sequence[Question],
    documents: Mapping[str, Document],
    *,
    name: str = "",
    k: int = EVAL_K,
    short_answers: bool | None = None,
    progress: bool = True,
    warmup: bool = True,
) -> ConfigRun:
    """Ask every question, time each answer, and score it against the gold and the documents."""
    from tqdm import tqdm

    if short_answers is None:
        short_answers = has_short_answers(questions)
    if warmup and questions:
        # the first call loads models lazily; that is start-up time, not answer time
        try:
            answerer.ask(questions[0].question, k)
        except QAError:
            pass
    results: list[QuestionResult] = []
    # a terminal gets a bar; a log or pipe gets a plain line per tenth of the questions
    tty = progress and sys.stderr.isatty()
    bar = tqdm(questions, desc=name or "eval", unit="q", disable=not tty, file=sys.stderr, dynamic_ncols=True)
    hits = n_gold = 0
    tenth = max(1, len(questions) // 10)
    history: list[Turn] = []
    for done, q in enumerate(bar, 1):
        if not q.follow_up:
            history = []
        result = _ask_one(answerer, q, documents, name=name, k=k, short_answers=short_answers, history=history)
        results.append(result)
        if q.dialogue:
            history.append(Turn(q.question, result.answer))
        if result.scores["answer_at_5"] is not None:
            n_gold += 1
            hits += int(result.scores["answer_at_5"])
            if n_gold % 10 == 0:
                bar.set_postfix_str(f"answer@5 {hits / n_gold:.3f}")
        if progress and not tty and (done % tenth == 0 or done == len(questions)):
            rate = f", answer@5 {hits / n_gold:.3f}" if n_gold else ""
            print(f"{name or 'eval'}: {done}/{len(questions)} questions{rate}", file=sys.stderr, flush=True)
    bar.close()
    return ConfigRun(name, settings_of_answerer(answerer), results)


@dataclass
class EvalReport:
    """Several configurations run on one question set and one corpus."""

    question_set: QuestionSet
    documents: int
    runs: list[ConfigRun]
    k: int = EVAL_K
    index: dict = field(default_factory=dict)  # where the index is, what built it
    warnings: list[str] = field(default_factory=list)
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    leave_source_out: bool = False  # answerable questions were also asked without their sources

    @property
    def metrics(self) -> dict[str, dict[str, float | None]]:
        return {run.name: run.metrics for run in self.runs}

    @property
    def fidelity(self) -> list[FidelityProblem]:
        return [p for run in self.runs for p in run.fidelity]

    def summary(self) -> dict:
        """The --json output: the first configuration's metrics at the top, every one under "configs"."""
        first = self.runs[0]
        out: dict = {
            "config": first.name,
            **first.metrics,
            "questions": len(self.question_set.questions),
            "configs": {run.name: run.metrics for run in self.runs},
        }
        if self.question_set.format == "conversations":
            out["by_turn"] = {run.name: run.by_turn for run in self.runs}
        return out

    def to_dict(self) -> dict:
        qs = self.question_set
        return {
            "question_set": {
                "path": qs.path,
                "format": qs.format,
                "questions": len(qs.questions),
                "answerable": qs.answerable,
                "unanswerable": len(qs.questions) - qs.answerable,
            },
            "corpus": {"documents": self.documents, **self.index},
            "created": self.created,
            "qa_version": __version__,
            "k": self.k,
            "configs": [run.name for run in self.runs],
            "metrics": {run.name: run.metrics for run in self.runs},
            **({"by_turn": {run.name: run.by_turn for run in self.runs}} if qs.format == "conversations" else {}),
            "counts": {run.name: run.counts for run in self.runs},
            "settings": {run.name: run.settings for run in self.runs},
            "leave_source_out": self.leave_source_out,
            "abstention_curve": {run.name: abstention_curve(run.results) for run in self.runs},
            "fidelity_problems": [p.to_dict() for p in self.fidelity],
            "warnings": self.warnings,
            "results": {run.name: [r.to_dict() for r in run.results] for run in self.runs},
        }


def evaluate(
    qset: QuestionSet,
    answerers: Mapping[str, Answerer],
    documents: Sequence[Document] | Mapping[str, Document],
    *,
    k: int = EVAL_K,
    progress: bool = True,
    index: dict | None = None,
    leave_source_out: bool = False,
) -> EvalReport:
    """Run each answerer over the question set, side by side, and collect one report.

    `leave_source_out` also asks every answerable question with its own sources masked out of
    retrieval (see sets.sources_left_out); the answerers must take `exclude_docs`."""
    docs = documents if isinstance(documents, Mapping) else {d.id: d for d in documents}
    check_sources(qset, docs.values())
    if leave_source_out:
        qset = sources_left_out(qset)
    short = has_short_answers(qset.questions)
    runs = [
        run_questions(a, qset.questions, docs, name=name, k=k, short_answers=short, progress=progress)
        for name, a in answerers.items()
    ]
    return EvalReport(
        qset, len(docs), runs, k, dict(index or {}), answer_warnings(qset, docs), leave_source_out=leave_source_out
    )


def answer_warnings(qset: QuestionSet, documents: Mapping[str, Document], show: int = 5) -> list[str]:
    """Questions whose gold answers occur in none of their sources: no quote can ever match them."""
    texts: dict[str, list[str]] = {}  # a source id -> the texts it names (a digest file: its articles)
    for d in documents.values():
        for i in {d.id, d.file_id or d.id}:
            texts.setdefault(i, []).append(d.text)
    missing = [
        q.id
        for q in qset.questions
        if q.answers
        and q.sources
        and not any(contains_answer(t, q.answers) for s in q.sources for t in texts.get(s, ()))
    ]
    if not missing:
        return []
    more = f" and {len(missing) - show} more" if len(missing) > show else ""
    return [
        f"{len(missing)} question(s) have gold answers that occur in none of their source documents "
        f"(after text normalisation): {', '.join(missing[:show])}{more}"
    ]


# --- the corpus and the index to evaluate ------------------------------------------------------


def _stderr_line(message: str, fraction: float) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr)


# An index-building progress callback: `[ 15%] Embedding …` lines on stderr, apart from the results,
# a few per stage (qa.progress.throttled)
stderr_progress = throttled(_stderr_line)


def _quiet(message: str, fraction: float) -> None:
    pass


@dataclass
class EvalInputs:
    """What an evaluation runs on: the questions, the corpus as loaded, and an assistant over its index."""

    qset: QuestionSet
    documents: list[Document]
    assistant: "Assistant"
    index_info: dict
    problems: list = field(default_factory=list)  # corpus files that could not be read


def prepare(
    questions: str | Path,
    *,
    corpus: str | Path | None = None,
    index_dir: str | Path | None = None,
    config: Config | None = None,
    limit: int | None = None,
    progress: bool = True,
) -> EvalInputs:
    """Load the question set and its corpus, and open (building when needed) the index to evaluate.

    The corpus is `corpus` when given, else the one a SQuAD or BEIR set brings, else the
    configured corpus folder, which must match the index at `index_dir`.
    """
    from ..api import Assistant, load_documents

    config = config or Config()
    qset = load_questions(questions).limited(limit)
    if corpus is None and qset.documents is None:
        assistant, documents, problems = _index_with_its_corpus(index_dir or config.index_dir, config)
        check_sources(qset, documents)
        return EvalInputs(qset, documents, assistant, assistant.info(), problems)
    problems = []
    if corpus is not None:
        result = load_documents([corpus])
        documents, problems = list(result.documents), list(result.problems)
    else:
        documents = list(qset.documents or [])
    if not documents:
        raise EmptyCorpusError(f"{corpus or qset.path}: no readable documents")
    check_sources(qset, documents)  # fail before spending time on an index
    assistant = Assistant.cached(
        documents,
        config,
        index_dir=index_dir,
        progress=stderr_progress if progress else _quiet,
        show_progress_bar=progress and sys.stderr.isatty(),
    )
    return EvalInputs(qset, documents, assistant, assistant.info(), problems)


def _index_with_its_corpus(index_dir: str | Path, config: Config) -> tuple["Assistant", list[Document], list]:
    """An existing index and the corpus folder it was built from, checked to hold the same text."""
    from ..api import Assistant, load_documents

    assistant = Assistant.load(index_dir, config)
    result = load_documents([config.corpus_dir])
    differ = assistant.differs_from(result.documents)
    if differ:
        raise QAError(
            f"{index_dir}: index was built from other documents than {config.corpus_dir}/ "
            f"({len(differ)} differ, e.g. {differ[0]!r}); pass --corpus, or run `qa index` first"
        )
    return assistant, list(result.documents), list(result.problems)

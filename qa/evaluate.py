"""Evaluation: score a question set against any answerer, compare configurations, write a report.

    qs = load_questions("questions.jsonl")
    report = evaluate(qs, configured(assistant, ["hybrid", "bm25"]), documents)
    print(format_table(report)); write_report(report, "out/")

An answerer is anything with `.ask(question, k) -> Answer` (the Assistant, or a baseline in
bench/baselines.py). Metrics are pure functions of the Answer, the gold question and the
documents as loaded from the corpus: quote fidelity is checked against those, never against
the index's copy of the text.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import statistics
import string
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Protocol, Sequence

from .config import Config
from .errors import ConfigError, FidelityError, QAError
from .questions import Question, QuestionSet, check_sources, load_questions
from .records import Answer, Document, Quote

# --- named configurations ------------------------------------------------------------------

# NAME -> Config overrides. "hybrid" is the default configuration.
CONFIGS: dict[str, dict] = {
    "hybrid": {"retrieval": "hybrid"},
    "dense": {"retrieval": "dense"},
    "bm25": {"retrieval": "bm25"},
    "hybrid-rrf": {"retrieval": "hybrid", "fusion": "rrf"},
    # never abstain: measures how good the best quotes are when the threshold is out of the way
    "no-abstain": {"retrieval": "hybrid", "min_score": float("-inf")},
}
DEFAULT_CONFIG = "hybrid"

EVAL_K = 10  # quotes asked for: enough for mrr_at_10; the first five are the ones a user sees
SHOWN = 5
SHORT_ANSWER_MAX_WORDS = 5  # a set "has short answers" when its median gold answer is this short

METRICS = (
    "answer_at_1",
    "answer_at_5",
    "short_answer_em",
    "short_answer_f1",
    "short_answer_rate",
    "source_hit_at_1",
    "source_hit_at_5",
    "mrr_at_10",
    "quote_fidelity",
    "abstain_precision",
    "abstain_recall",
    "mean_quote_chars",
    "latency_ms_p50",
    "latency_ms_p95",
)
LOWER_IS_BETTER = {"latency_ms_p50", "latency_ms_p95", "mean_quote_chars"}
MAIN_METRICS = ("answer_at_1", "answer_at_5", "short_answer_f1", "source_hit_at_1", "source_hit_at_5", "mrr_at_10")

METRIC_HELP = {
    "answer_at_1": "a gold answer occurs inside the first quote",
    "answer_at_5": "a gold answer occurs inside one of the first five quotes",
    "short_answer_em": "the short answer equals a gold answer (SQuAD normalisation), when one is given",
    "short_answer_f1": "token F1 of the short answer against the best gold answer, when one is given",
    "short_answer_rate": "share of questions with gold answers that got a short answer",
    "source_hit_at_1": "the first cited document is a gold source",
    "source_hit_at_5": "one of the first five cited documents is a gold source",
    "mrr_at_10": "1 / rank of the first gold source among the first ten cited documents",
    "quote_fidelity": "share of quotes equal to document.text[start:end] (anything below 1.0 is a bug)",
    "abstain_precision": "share of abstentions that were on unanswerable questions",
    "abstain_recall": "share of unanswerable questions that got an abstention",
    "mean_quote_chars": "mean length of the quotes shown (first five)",
    "latency_ms_p50": "median time to answer one question",
    "latency_ms_p95": "95th percentile time to answer one question",
}


def resolve_configs(names: Iterable[str] | None) -> list[str]:
    """Validated configuration names (commas split, repeats dropped); ConfigError lists the valid ones."""
    out: list[str] = []
    for raw in names or ():
        for name in (n.strip() for n in raw.split(",")):
            if not name:
                continue
            if name not in CONFIGS:
                raise ConfigError(f"--config: unknown configuration {name!r}; choose from {', '.join(CONFIGS)}")
            if name not in out:
                out.append(name)
    return out or [DEFAULT_CONFIG]


def configured(assistant, names: Iterable[str]) -> dict[str, "Answerer"]:
    """One answerer per named configuration, all sharing the assistant's loaded index and model."""
    return {name: assistant.with_config(**CONFIGS[name]) for name in resolve_configs(names)}


# --- text matching -------------------------------------------------------------------------

_QUOTES = {
    **{ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032"},
    **{ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"},
}


def normalize_text(text: str) -> str:
    """NFKC, curly quotes made straight, white space collapsed, case folded."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split()).casefold()


def texts_match(a: str, b: str) -> bool:
    return normalize_text(a) == normalize_text(b)


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Whether any gold answer occurs inside `text`, both normalised."""
    haystack = normalize_text(text)
    return any(normalize_text(a) in haystack for a in answers if normalize_text(a))


_ARTICLES = re.compile(r"\b(a|an|the)\b")


def squad_normalize(text: str) -> str:
    """SQuAD's answer normalisation (lower case, no punctuation or articles), after normalize_text."""
    text = normalize_text(text)
    text = "".join(" " if (ch in string.punctuation or unicodedata.category(ch).startswith("P")) else ch for ch in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when the prediction equals some gold answer after SQuAD normalisation."""
    p = squad_normalize(prediction)
    return float(any(p == squad_normalize(a) for a in answers))


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """SQuAD token F1 against the best-matching gold answer."""
    pred = squad_normalize(prediction).split()
    best = 0.0
    for a in answers:
        gold = squad_normalize(a).split()
        if not pred or not gold:
            best = max(best, float(pred == gold))
            continue
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            precision, recall = common / len(pred), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def has_short_answers(questions: Iterable[Question]) -> bool:
    """A set has short answers when its median (first) gold answer has at most SHORT_ANSWER_MAX_WORDS words."""
    lengths = [len(q.answers[0].split()) for q in questions if q.answers]
    return bool(lengths) and statistics.median(lengths) <= SHORT_ANSWER_MAX_WORDS


# --- per-question metrics -----------------------------------------------------------------


def shown_quotes(answer: Answer) -> list[Quote]:
    """The quotes a user gets: none when the answer abstains."""
    return [] if answer.abstained else list(answer.quotes)


def answer_hit(answer: Answer, answers: Sequence[str], n: int) -> float:
    """1.0 when a gold answer occurs inside one of the first `n` quotes."""
    return float(any(contains_answer(q.text, answers) for q in shown_quotes(answer)[:n]))


def cited_documents(answer: Answer) -> list[str]:
    """Documents in the order the quotes cite them, each once."""
    return list(dict.fromkeys(q.doc_id for q in shown_quotes(answer)))


def source_hit(answer: Answer, sources: Sequence[str], n: int) -> float:
    """1.0 when one of the first `n` cited documents is a gold source."""
    return float(bool(set(cited_documents(answer)[:n]) & set(sources)))


def reciprocal_rank(answer: Answer, sources: Sequence[str], n: int = 10) -> float:
    """1 / rank of the first gold source among the first `n` cited documents; 0 when none."""
    for rank, doc_id in enumerate(cited_documents(answer)[:n], 1):
        if doc_id in sources:
            return 1.0 / rank
    return 0.0


@dataclass
class FidelityProblem:
    """A quote that is not its document's text at its offsets."""

    question_id: str
    config: str
    n: int
    doc_id: str
    start: int
    end: int
    quoted: str
    actual: str | None  # the document's text at [start:end], when the document and offsets exist
    reason: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def check_fidelity(answer: Answer, documents: Mapping[str, Document], question_id: str = "", config: str = "") -> list[FidelityProblem]:
    """Every quote of `answer` (shown or not) that does not equal documents[doc_id].text[start:end]."""
    problems = []
    for q in answer.quotes:
        doc = documents.get(q.doc_id)
        actual, reason = None, ""
        if doc is None:
            reason = "document not in the corpus"
        elif not (0 <= q.start <= q.end <= len(doc.text)):
            reason = f"offsets outside the document (length {len(doc.text)})"
        else:
            actual = doc.text[q.start : q.end]
            if actual != q.text:
                reason = "text differs from the document at these offsets"
        if reason:
            problems.append(FidelityProblem(question_id, config, q.n, q.doc_id, q.start, q.end, q.text, actual, reason))
    return problems


def score_answer(question: Question, answer: Answer, *, short_answers: bool) -> dict[str, float | None]:
    """The per-question metrics; None where a metric does not apply to this question."""
    gold = question.answers if question.answerable else ()
    sources = question.sources if question.answerable else ()
    s: dict[str, float | None] = dict.fromkeys(
        ("answer_at_1", "answer_at_5", "short_answer_em", "short_answer_f1", "short_answer_rate",
         "source_hit_at_1", "source_hit_at_5", "mrr_at_10")
    )
    if gold:
        s["answer_at_1"] = answer_hit(answer, gold, 1)
        s["answer_at_5"] = answer_hit(answer, gold, SHOWN)
        if short_answers:
            short = None if answer.abstained else answer.short_answer
            s["short_answer_rate"] = float(bool(short))
            if short:
                s["short_answer_em"] = exact_match(short, gold)
                s["short_answer_f1"] = token_f1(short, gold)
    if sources:
        s["source_hit_at_1"] = source_hit(answer, sources, 1)
        s["source_hit_at_5"] = source_hit(answer, sources, SHOWN)
        s["mrr_at_10"] = reciprocal_rank(answer, sources, 10)
    return s


@dataclass
class QuestionResult:
    question: Question
    answer: Answer | None  # None when the answerer raised a QAError (see `error`)
    latency_ms: float
    scores: dict[str, float | None]
    fidelity: list[FidelityProblem] = field(default_factory=list)
    error: str | None = None

    @property
    def abstained(self) -> bool:
        return self.answer is None or self.answer.abstained

    @property
    def quotes_checked(self) -> int:
        # an answerer that failed with a FidelityError lost a quote we cannot see: count it as one bad quote
        return len(self.answer.quotes) if self.answer is not None else len(self.fidelity)

    def to_dict(self) -> dict:
        a = self.answer
        return {
            **self.question.to_dict(),
            "abstained": self.abstained,
            "answer": a.answer if a else None,
            "short_answer": a.short_answer if a else None,
            "latency_ms": round(self.latency_ms, 2),
            "scores": self.scores,
            "quotes": [q.to_dict() for q in a.quotes] if a else [],
            "fidelity_problems": [p.to_dict() for p in self.fidelity],
            "error": self.error,
        }


def score_question(
    question: Question,
    answer: Answer,
    documents: Mapping[str, Document],
    *,
    latency_ms: float = 0.0,
    short_answers: bool = True,
    config: str = "",
) -> QuestionResult:
    return QuestionResult(
        question=question,
        answer=answer,
        latency_ms=latency_ms,
        scores=score_answer(question, answer, short_answers=short_answers),
        fidelity=check_fidelity(answer, documents, question.id, config),
    )


# --- aggregation -----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile with linear interpolation (numpy's default); None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _mean(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def aggregate(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    """The aggregate metrics, under the names of METRICS; None where no question qualifies."""
    m: dict[str, float | None] = {}
    for name in ("answer_at_1", "answer_at_5", "short_answer_em", "short_answer_f1", "short_answer_rate",
                 "source_hit_at_1", "source_hit_at_5", "mrr_at_10"):
        m[name] = _mean(r.scores.get(name) for r in results)
    checked = sum(r.quotes_checked for r in results)
    bad = sum(len(r.fidelity) for r in results)
    m["quote_fidelity"] = (checked - bad) / checked if checked else None
    abstained = [r for r in results if r.abstained]
    unanswerable = [r for r in results if not r.question.answerable]
    right = sum(not r.question.answerable for r in abstained)
    m["abstain_precision"] = right / len(abstained) if abstained else None
    m["abstain_recall"] = right / len(unanswerable) if unanswerable else None
    lengths = [len(q.text) for r in results if r.answer is not None for q in shown_quotes(r.answer)[:SHOWN]]
    m["mean_quote_chars"] = sum(lengths) / len(lengths) if lengths else None
    latencies = [r.latency_ms for r in results]
    m["latency_ms_p50"] = percentile(latencies, 50)
    m["latency_ms_p95"] = percentile(latencies, 95)
    return {name: m[name] for name in METRICS}


def counts(results: Sequence[QuestionResult]) -> dict[str, int]:
    return {
        "questions": len(results),
        "answerable": sum(r.question.answerable for r in results),
        "unanswerable": sum(not r.question.answerable for r in results),
        "abstained": sum(r.abstained for r in results),
        "quotes": sum(r.quotes_checked for r in results),
        "fidelity_problems": sum(len(r.fidelity) for r in results),
        "errors": sum(r.error is not None for r in results),
    }


# --- the runner --------------------------------------------------------------------------------


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


def settings_of_answerer(answerer) -> dict:
    """What to record about an answerer: its Config (minus serving settings) or its own description."""
    config = getattr(answerer, "config", None)
    if isinstance(config, Config):
        d = dataclasses.asdict(config)
        for key in ("host", "port", "password", "max_upload_mb", "corpus_dir", "index_dir"):
            d.pop(key, None)
        return {k: (str(v) if isinstance(v, float) and v in (float("inf"), float("-inf")) else v) for k, v in d.items()}
    describe = getattr(answerer, "describe", None)
    return describe() if callable(describe) else {"type": type(answerer).__name__}


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
    bar = tqdm(questions, desc=name or "eval", unit="q", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    hits = n_gold = 0
    for q in bar:
        t0 = time.perf_counter()
        failure: QAError | None = None
        try:
            answer = answerer.ask(q.question, k)
        except QAError as exc:  # e.g. FidelityError: keep going, and report it with the question
            answer, failure = None, exc
        latency = (time.perf_counter() - t0) * 1000
        if answer is None:
            error = f"{type(failure).__name__}: {failure}"
            scores = score_answer(q, Answer(q.question, "", True), short_answers=short_answers)
            problems = []
            if isinstance(failure, FidelityError):
                problems = [FidelityProblem(q.id, name, 0, "", 0, 0, "", None, error)]
            result = QuestionResult(q, None, latency, scores, problems, error)
        else:
            result = score_question(q, answer, documents, latency_ms=latency, short_answers=short_answers, config=name)
        results.append(result)
        if result.scores["answer_at_5"] is not None:
            n_gold += 1
            hits += int(result.scores["answer_at_5"])
            if n_gold % 10 == 0:
                bar.set_postfix_str(f"answer@5 {hits / n_gold:.3f}")
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

    @property
    def metrics(self) -> dict[str, dict[str, float | None]]:
        return {run.name: run.metrics for run in self.runs}

    @property
    def fidelity(self) -> list[FidelityProblem]:
        return [p for run in self.runs for p in run.fidelity]

    def summary(self) -> dict:
        """The --json output: the first configuration's metrics at the top, every one under "configs"."""
        first = self.runs[0]
        return {
            "config": first.name,
            **first.metrics,
            "questions": len(self.question_set.questions),
            "configs": {run.name: run.metrics for run in self.runs},
        }

    def to_dict(self) -> dict:
        from . import __version__

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
            "counts": {run.name: run.counts for run in self.runs},
            "settings": {run.name: run.settings for run in self.runs},
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
) -> EvalReport:
    """Run each answerer over the question set, side by side, and collect one report."""
    docs = documents if isinstance(documents, Mapping) else {d.id: d for d in documents}
    check_sources(qset, docs)
    short = has_short_answers(qset.questions)
    runs = [
        run_questions(a, qset.questions, docs, name=name, k=k, short_answers=short, progress=progress)
        for name, a in answerers.items()
    ]
    return EvalReport(qset, len(docs), runs, k, dict(index or {}), answer_warnings(qset, docs))


def answer_warnings(qset: QuestionSet, documents: Mapping[str, Document], show: int = 5) -> list[str]:
    """Questions whose gold answers occur in none of their sources: no quote can ever match them."""
    missing = [
        q.id
        for q in qset.questions
        if q.answers and q.sources and not any(contains_answer(documents[s].text, q.answers) for s in q.sources if s in documents)
    ]
    if not missing:
        return []
    more = f" and {len(missing) - show} more" if len(missing) > show else ""
    return [
        f"{len(missing)} question(s) have gold answers that occur in none of their source documents "
        f"(after text normalisation): {', '.join(missing[:show])}{more}"
    ]


# --- corpus, index and cache ---------------------------------------------------------------


def cache_root() -> Path:
    """Where indexes of evaluated corpora are kept: $QA_CACHE_DIR, else ~/.cache/qa."""
    return Path(os.environ.get("QA_CACHE_DIR") or Path.home() / ".cache" / "qa")


def corpus_key(documents: Sequence[Document], config: Config) -> str:
    """A hash of the documents (ids and SHA-256 of their text) and the settings an index depends on."""
    from .index import settings_of

    payload = json.dumps(
        {"documents": [[d.id, d.sha256] for d in documents], "settings": settings_of(config)}, sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def cached_index_dir(documents: Sequence[Document], config: Config, root: Path | None = None) -> Path:
    return (root or cache_root()) / f"index-{corpus_key(documents, config)}"


def _seed_index(root: Path, documents: Sequence[Document], config: Config) -> Path | None:
    """The cached index sharing the most document text with `documents` (same model), to reuse vectors from."""
    wanted = {d.sha256 for d in documents}
    best, best_shared = None, 0
    for manifest_path in root.glob("index-*/manifest.json"):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("model", {}).get("name") != config.model:
            continue
        shared = len(wanted & {d.get("sha256") for d in manifest.get("documents", [])})
        if shared > best_shared:
            best, best_shared = manifest_path.parent, shared
    return best


def ensure_cached_index(
    documents: Sequence[Document],
    config: Config,
    index_dir: str | Path | None = None,
    *,
    progress: bool = True,
    root: Path | None = None,
):
    """The index of `documents`: reused from `index_dir` or the cache when unchanged, else built.

    A new cache entry borrows the vectors of the closest cached corpus, so text that was
    embedded once, in any cached corpus, is not embedded again.
    """
    from .errors import IndexIncompatibleError
    from .index import build_index, ensure_index, load_index

    show = progress or None
    notify = _stderr_progress if progress else (lambda message, fraction: None)
    if index_dir is not None:
        return ensure_index(list(documents), index_dir, config, progress=notify, show_progress_bar=show)
    root = root or cache_root()
    path = cached_index_dir(documents, config, root)
    if (path / "manifest.json").is_file():
        return ensure_index(list(documents), path, config, progress=notify, show_progress_bar=show)
    previous = None
    seed = _seed_index(root, documents, config) if root.is_dir() else None
    if seed is not None:
        try:
            previous = load_index(seed, config)
        except QAError:
            previous = None
    try:
        return build_index(list(documents), path, config, previous=previous, progress=notify, show_progress_bar=show)
    except IndexIncompatibleError:
        return build_index(list(documents), path, config, progress=notify, show_progress_bar=show)


def _stderr_progress(message: str, fraction: float) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr)


@dataclass
class EvalInputs:
    """What an evaluation runs on: the questions, the corpus as loaded, and an assistant over its index."""

    qset: QuestionSet
    documents: list[Document]
    assistant: object
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
    from .assistant import Assistant

    config = config or Config()
    qset = load_questions(questions).limited(limit)
    problems: list = []
    if corpus is not None:
        from .ingest import load_corpus

        result = load_corpus([corpus])
        documents, problems = list(result.documents), list(result.problems)
    elif qset.documents is not None:
        documents = qset.documents
    else:
        documents = None
    if documents is not None:
        if not documents:
            from .errors import EmptyCorpusError

            raise EmptyCorpusError(f"{corpus or qset.path}: no readable documents")
        check_sources(qset, {d.id for d in documents})  # fail before spending time on an index
        index = ensure_cached_index(documents, config, index_dir, progress=progress)
    else:
        index, documents, problems = _index_with_its_corpus(index_dir or config.index_dir, config)
        check_sources(qset, {d.id for d in documents})
    info = {"index_dir": str(index.path), "model": index.model, "chunks": len(index.chunks)}
    return EvalInputs(qset, documents, Assistant(index, config), info, problems)


def _index_with_its_corpus(index_dir, config: Config):
    """An existing index and the corpus folder it was built from, checked to hold the same text."""
    from .index import load_index
    from .ingest import load_corpus

    index = load_index(index_dir, config)
    result = load_corpus([config.corpus_dir])
    built = {d["id"]: d["sha256"] for d in index.manifest.get("documents", [])}
    loaded = {d.id: d.sha256 for d in result.documents}
    if built != loaded:
        differ = sorted(set(built) ^ set(loaded) | {i for i in set(built) & set(loaded) if built[i] != loaded[i]})
        raise QAError(
            f"{index_dir}: index was built from other documents than {config.corpus_dir}/ "
            f"({len(differ)} differ, e.g. {differ[0]!r}); pass --corpus, or run `qa index` first"
        )
    return index, list(result.documents), list(result.problems)


# --- reports ---------------------------------------------------------------------------------


def format_value(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if name.startswith("latency") or name == "mean_quote_chars":
        return f"{value:.1f}"
    return f"{value:.3f}"


def text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return [line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def set_name(path: str) -> str:
    """A question set's short name: its file with the folder it is in (e.g. xquad-en/questions.jsonl)."""
    p = Path(path)
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name


def describe_set(report: EvalReport, name: bool = True) -> str:
    qs = report.question_set
    n = len(qs.questions)
    return (
        (f"{set_name(qs.path)} ({qs.format}): " if name else f"{qs.format}, ")
        + f"{n} questions, {qs.answerable} answerable, {n - qs.answerable} unanswerable; {report.documents} documents"
    )


def format_table(report: EvalReport) -> str:
    """The terminal table: one row per metric, one column per configuration."""
    header = ["metric"] + [run.name for run in report.runs]
    metrics = report.metrics
    rows = [[m] + [format_value(m, metrics[run.name][m]) for run in report.runs] for m in METRICS]
    lines = [describe_set(report), ""] + text_table(header, rows)
    bad = report.fidelity
    if bad:
        lines += ["", f"QUOTE FIDELITY BUG: {len(bad)} quote(s) do not match their documents:"]
        lines += [f"  {p.config} {p.question_id} [{p.n}] {p.doc_id}[{p.start}:{p.end}]: {p.reason}" for p in bad[:20]]
    lines += [f"warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _clip(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def worst_misses(run: ConfigRun, n: int = 10) -> list[QuestionResult]:
    """Missed questions, worst first: confident quotes from the wrong document, then wrong quotes
    from the right one, then abstentions (which quote nothing to look at)."""
    def missed(r: QuestionResult) -> bool:
        if not r.question.answerable:
            return not r.abstained  # should have abstained
        a5, s5 = r.scores.get("answer_at_5"), r.scores.get("source_hit_at_5")
        return a5 == 0.0 or (a5 is None and s5 == 0.0)

    def severity(r: QuestionResult):
        top = r.answer.quotes[0].score if r.answer and r.answer.quotes and not r.answer.abstained else 0.0
        return (r.abstained, r.scores.get("source_hit_at_5") or 0.0, -top)

    return sorted((r for r in run.results if missed(r)), key=severity)[:n]


def format_markdown(report: EvalReport, chart: str | None = "chart.png", misses: int = 10) -> str:
    """report.md: the comparison table, quote fidelity, and the worst misses of each configuration."""
    names = [run.name for run in report.runs]
    metrics = report.metrics
    out = [f"# Evaluation: {set_name(report.question_set.path)}", ""]
    out.append(f"- Question set: `{report.question_set.path}` ({describe_set(report, name=False)})")
    if report.index:
        out.append(f"- Index: `{report.index.get('index_dir', '')}` ({report.index.get('model', '')}, {report.index.get('chunks', '?')} chunks)")
    out += [f"- Quotes asked for per question: {report.k}; run {report.created}", ""]
    out += ["## Metrics", "", "| metric | " + " | ".join(names) + " | meaning |", "|---|" + "---:|" * len(names) + "---|"]
    for m in METRICS:
        out.append(f"| {m} | " + " | ".join(format_value(m, metrics[n][m]) for n in names) + f" | {METRIC_HELP[m]} |")
    out.append("")
    out += ["Abstained: " + ", ".join(f"{run.name} {run.counts['abstained']} of {run.counts['questions']}" for run in report.runs), ""]
    if chart:
        out += [f"![metrics by configuration]({chart})", ""]
    out += ["## Quote fidelity", ""]
    bad = report.fidelity
    total = sum(run.counts["quotes"] for run in report.runs)
    if not bad:
        out.append(f"All {total:,} quotes equal their document's text at [start:end] (checked against the corpus as loaded).")
    else:
        out.append(f"**{len(bad)} of {total:,} quotes do not match their documents. This is a bug.**")
        out += ["", "| config | question | quote | document | offsets | reason | quoted | document text |", "|---|---|---:|---|---|---|---|---|"]
        for p in bad:
            out.append(
                f"| {p.config} | {_md_cell(p.question_id)} | {p.n} | {_md_cell(p.doc_id)} | {p.start}–{p.end} | {p.reason} "
                f"| {_md_cell(_clip(p.quoted, 120))} | {_md_cell(_clip(p.actual or '', 120))} |"
            )
    out.append("")
    if report.warnings:
        out += ["## Warnings", ""] + [f"- {w}" for w in report.warnings] + [""]
    for run in report.runs:
        worst = worst_misses(run, misses)
        out += [f"## Worst misses — {run.name}", ""]
        if not worst:
            out += ["None.", ""]
            continue
        for i, r in enumerate(worst, 1):
            q = r.question
            out.append(f"{i}. **{_md_cell(q.question)}** (`{q.id}`)")
            gold = "; ".join(f"“{_clip(a, 200)}”" for a in q.answers) or ("(unanswerable)" if not q.answerable else "(no answer text)")
            out.append(f"   - gold: {gold}" + (f" in {', '.join(f'`{s}`' for s in q.sources)}" if q.sources else ""))
            if r.error:
                out.append(f"   - error: {r.error}")
            elif r.abstained:
                out.append("   - we abstained")
            else:
                top = r.answer.quotes[0]
                out.append(f"   - we quoted [1] `{top.doc_id}` (score {top.score:.3f}): “{_clip(top.text)}”")
                rest = cited_documents(r.answer)[1:SHOWN]
                if rest:
                    out.append(f"   - also cited: {', '.join(f'`{d}`' for d in rest)}")
        out.append("")
    return "\n".join(out)


def write_chart(report: EvalReport, path: str | Path) -> Path:
    """A PNG comparing the configurations: main metrics as grouped bars, latency beside them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [run.name for run in report.runs]
    metrics = report.metrics
    fig, (ax, lat) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        xs = [j + i * width for j in range(len(MAIN_METRICS))]
        vals = [metrics[name][m] for m in MAIN_METRICS]
        bars = ax.bar(xs, [v or 0 for v in vals], width, label=name)
        for b, v in zip(bars, vals):
            ax.annotate("n/a" if v is None else f"{v:.2f}", (b.get_x() + b.get_width() / 2, b.get_height()),
                        ha="center", va="bottom", fontsize=7)
        lat_vals = [metrics[name]["latency_ms_p50"] or 0, metrics[name]["latency_ms_p95"] or 0]
        lat.bar([j + i * width for j in range(2)], lat_vals, width, label=name)
    ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(MAIN_METRICS))])
    ax.set_xticklabels([m.replace("_at_", "@").replace("_", " ") for m in MAIN_METRICS], fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.set_title(describe_set(report), fontsize=9)
    ax.legend(fontsize=8)
    lat.set_xticks([j + width * (len(names) - 1) / 2 for j in range(2)])
    lat.set_xticklabels(["p50", "p95"])
    lat.set_title("latency (ms)", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(report: EvalReport, out_dir: str | Path) -> dict[str, Path]:
    """report.json, report.md and chart.png in `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "markdown": out / "report.md", "chart": out / "chart.png"}
    paths["json"].write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=_json_default), encoding="utf-8")
    write_chart(report, paths["chart"])
    paths["markdown"].write_text(format_markdown(report, paths["chart"].name), encoding="utf-8")
    return paths


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps_summary(report: EvalReport) -> str:
    return json.dumps(report.summary(), ensure_ascii=False, indent=2)


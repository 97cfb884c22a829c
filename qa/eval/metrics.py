"""What a question set measures: text matching, per-question scores, and their aggregates.

Every metric is one `Metric` record in `METRIC_TABLE`; the names, their help, which are better
lower and which are charted are all read from it. Metrics are pure functions of the Answer, the
gold question and the documents as loaded from the corpus: quote fidelity is checked against
those, never against the index's copy of the text.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

from ..records import Answer, Document, Quote
from .sets import Question

SHOWN = 5  # quotes a user sees; answer_at_5 and source_hit_at_5 look at these
SHORT_ANSWER_MAX_WORDS = 5  # a set "has short answers" when its median gold answer is this short

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


# --- what one answer gets right ----------------------------------------------------------------


def shown_quotes(answer: Answer) -> list[Quote]:
    """The quotes a user gets: none when the answer abstains."""
    return [] if answer.abstained else list(answer.quotes)


def answer_hit(answer: Answer, answers: Sequence[str], n: int) -> float:
    """1.0 when a gold answer occurs inside one of the first `n` quotes."""
    return float(any(contains_answer(q.text, answers) for q in shown_quotes(answer)[:n]))


def cited_documents(answer: Answer) -> list[str]:
    """Documents in the order the quotes cite them, each once."""
    return list(dict.fromkeys(q.doc_id for q in shown_quotes(answer)))


def _cited_ids(answer: Answer) -> list[set[str]]:
    """For each cited document in order, the ids a gold source may name it by (article and file),
    so a set that names a digest file as its source is matched by the digest's articles."""
    ids: dict[str, set[str]] = {}
    for q in shown_quotes(answer):
        ids.setdefault(q.doc_id, set()).update(q.ids)
    return list(ids.values())


def source_hit(answer: Answer, sources: Sequence[str], n: int) -> float:
    """1.0 when one of the first `n` cited documents is a gold source."""
    return float(any(ids & set(sources) for ids in _cited_ids(answer)[:n]))


def reciprocal_rank(answer: Answer, sources: Sequence[str], n: int = 10) -> float:
    """1 / rank of the first gold source among the first `n` cited documents; 0 when none."""
    for rank, ids in enumerate(_cited_ids(answer)[:n], 1):
        if ids & set(sources):
            return 1.0 / rank
    return 0.0


def citation_precision(answer: Answer, sources: Sequence[str], n: int = SHOWN) -> float | None:
    """Share of the quotes shown (first `n`) that come from a gold source document; None when
    nothing is shown (an abstention cites nothing, so it is no citation to judge)."""
    shown = shown_quotes(answer)[:n]
    if not shown:
        return None
    return sum(bool(q.ids & set(sources)) for q in shown) / len(shown)


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


def check_fidelity(
    answer: Answer, documents: Mapping[str, Document], question_id: str = "", config: str = ""
) -> list[FidelityProblem]:
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


# --- per-question scores: None where a metric does not apply to the question --------------------

Score = Callable[[Question, Answer, bool], "float | None"]  # (question, answer, set has short answers)


def _gold(question: Question) -> tuple[str, ...]:
    return question.answers if question.answerable else ()


def _sources(question: Question) -> tuple[str, ...]:
    return question.sources if question.answerable else ()


def _short_answer(answer: Answer) -> str | None:
    return None if answer.abstained else answer.short_answer


def _answer_at(n: int) -> Score:
    return lambda question, answer, short_answers: answer_hit(answer, _gold(question), n) if _gold(question) else None


def _source_at(n: int) -> Score:
    return lambda question, answer, short_answers: (
        source_hit(answer, _sources(question), n) if _sources(question) else None
    )


def _mrr_at(n: int) -> Score:
    return lambda question, answer, short_answers: (
        reciprocal_rank(answer, _sources(question), n) if _sources(question) else None
    )


def _citation_precision(question: Question, answer: Answer, short_answers: bool) -> float | None:
    return citation_precision(answer, _sources(question)) if _sources(question) else None


def _short_answer_score(compare: Callable[[str, Sequence[str]], float]) -> Score:
    # Only where the set has short answers (a sentence-long gold is no target for a short answer),
    # and only when one was given: the rate says how often that was.
    def score(question: Question, answer: Answer, short_answers: bool) -> float | None:
        gold, short = _gold(question), _short_answer(answer)
        return compare(short, gold) if gold and short_answers and short else None

    return score


def _short_answer_rate(question: Question, answer: Answer, short_answers: bool) -> float | None:
    return float(bool(_short_answer(answer))) if _gold(question) and short_answers else None


# --- aggregates over a whole run ----------------------------------------------------------------

Total = Callable[[Sequence[QuestionResult]], "float | None"]


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


def _quote_fidelity(results: Sequence[QuestionResult]) -> float | None:
    checked = sum(r.quotes_checked for r in results)
    bad = sum(len(r.fidelity) for r in results)
    return (checked - bad) / checked if checked else None


def _right_abstentions(results: Sequence[QuestionResult]) -> int:
    return sum(r.abstained and not r.question.answerable for r in results)


def _abstain_precision(results: Sequence[QuestionResult]) -> float | None:
    abstained = sum(r.abstained for r in results)
    return _right_abstentions(results) / abstained if abstained else None


def _abstain_recall(results: Sequence[QuestionResult]) -> float | None:
    unanswerable = sum(not r.question.answerable for r in results)
    return _right_abstentions(results) / unanswerable if unanswerable else None


def _false_abstain_rate(results: Sequence[QuestionResult]) -> float | None:
    answerable = [r for r in results if r.question.answerable]
    return sum(r.abstained for r in answerable) / len(answerable) if answerable else None


CURVE_POINTS = 21  # thresholds of the abstention curve: enough to read it, few enough to print


def abstention_curve(results: Sequence[QuestionResult], points: int = CURVE_POINTS) -> list[dict]:
    """Abstention precision and recall if the answer's confidence had to reach each threshold.

    A question is refused at threshold t when its confidence is below t (an answerer that failed
    counts as refusing at every threshold); thresholds run over quantiles of the confidences seen, so the curve
    spans the whole range whatever the scale. Empty when the run has no unanswerable question
    or no answerable one (then either side of the trade-off is missing)."""
    rows = [(r.answer.confidence if r.answer is not None else float("-inf"), r.question.answerable) for r in results]
    n_un = sum(not a for _c, a in rows)
    n_ans = len(rows) - n_un
    finite = sorted(c for c, _a in rows if c != float("-inf"))
    if not n_un or not n_ans or not finite:
        return []
    thresholds = sorted(
        {round(finite[min(int(i * len(finite) / (points - 1)), len(finite) - 1)], 4) for i in range(points)}
    )
    curve = []
    for t in thresholds:
        refused = [a for c, a in rows if c < t]
        right = sum(not a for a in refused)
        curve.append(
            {
                "threshold": t,
                "abstain_precision": round(right / len(refused), 4) if refused else None,
                "abstain_recall": round(right / n_un, 4),
                "false_abstain_rate": round((len(refused) - right) / n_ans, 4),
            }
        )
    return curve


def _mean_quote_chars(results: Sequence[QuestionResult]) -> float | None:
    lengths = [len(q.text) for r in results if r.answer is not None for q in shown_quotes(r.answer)[:SHOWN]]
    return sum(lengths) / len(lengths) if lengths else None


def _latency(p: float) -> Total:
    return lambda results: percentile([r.latency_ms for r in results], p)


# --- the metrics -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One metric: scored per question and averaged (`score`), or computed over the run (`total`)."""

    name: str
    help: str
    score: Score | None = None
    total: Total | None = None
    unit: str = ""  # "" for a share in 0..1; else what the number counts ("ms", "chars")
    lower_is_better: bool = False
    main: bool = False  # one of the headline metrics drawn in the chart

    def aggregate(self, results: Sequence[QuestionResult]) -> float | None:
        if self.total is not None:
            return self.total(results)
        return _mean(r.scores.get(self.name) for r in results)


# The order here is the order of every table, report and JSON summary.
METRIC_TABLE: tuple[Metric, ...] = (
    Metric("answer_at_1", "a gold answer occurs inside the first quote", _answer_at(1), main=True),
    Metric("answer_at_5", "a gold answer occurs inside one of the first five quotes", _answer_at(SHOWN), main=True),
    Metric(
        "short_answer_em",
        "the short answer equals a gold answer (SQuAD normalisation), when one is given",
        _short_answer_score(exact_match),
    ),
    Metric(
        "short_answer_f1",
        "token F1 of the short answer against the best gold answer, when one is given",
        _short_answer_score(token_f1),
        main=True,
    ),
    Metric("short_answer_rate", "share of questions with gold answers that got a short answer", _short_answer_rate),
    Metric("source_hit_at_1", "the first cited document is a gold source", _source_at(1), main=True),
    Metric("source_hit_at_5", "one of the first five cited documents is a gold source", _source_at(SHOWN), main=True),
    Metric(
        "mrr_at_10", "1 / rank of the first gold source among the first ten cited documents", _mrr_at(10), main=True
    ),
    Metric(
        "citation_precision",
        "share of the quotes shown (first five) that come from a gold source document",
        _citation_precision,
    ),
    Metric(
        "quote_fidelity",
        "share of quotes equal to document.text[start:end] (anything below 1.0 is a bug)",
        total=_quote_fidelity,
    ),
    Metric("abstain_precision", "share of abstentions that were on unanswerable questions", total=_abstain_precision),
    Metric("abstain_recall", "share of unanswerable questions that got an abstention", total=_abstain_recall),
    Metric(
        "false_abstain_rate",
        "share of answerable questions that got an abstention",
        total=_false_abstain_rate,
        lower_is_better=True,
    ),
    Metric(
        "mean_quote_chars",
        "mean length of the quotes shown (first five)",
        total=_mean_quote_chars,
        unit="chars",
        lower_is_better=True,
    ),
    Metric("latency_ms_p50", "median time to answer one question", total=_latency(50), unit="ms", lower_is_better=True),
    Metric(
        "latency_ms_p95",
        "95th percentile time to answer one question",
        total=_latency(95),
        unit="ms",
        lower_is_better=True,
    ),
)
METRICS = tuple(m.name for m in METRIC_TABLE)
METRIC_HELP = {m.name: m.help for m in METRIC_TABLE}
LOWER_IS_BETTER = {m.name for m in METRIC_TABLE if m.lower_is_better}
MAIN_METRICS = tuple(m.name for m in METRIC_TABLE if m.main)
BY_NAME = {m.name: m for m in METRIC_TABLE}


def score_answer(question: Question, answer: Answer, *, short_answers: bool) -> dict[str, float | None]:
    """The per-question metrics; None where a metric does not apply to this question."""
    return {m.name: m.score(question, answer, short_answers) for m in METRIC_TABLE if m.score is not None}


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


def aggregate(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    """The aggregate metrics, under the names of METRICS; None where no question qualifies."""
    return {m.name: m.aggregate(results) for m in METRIC_TABLE}


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

"""Evaluation metrics: text matching, per-question scores and aggregates on tiny hand-checked records."""

from __future__ import annotations

import pytest

from qa.eval import (
    LOWER_IS_BETTER,
    MAIN_METRICS,
    METRIC_HELP,
    METRIC_TABLE,
    METRICS,
    Question,
    aggregate,
    answer_hit,
    check_fidelity,
    contains_answer,
    exact_match,
    has_short_answers,
    normalize_text,
    percentile,
    reciprocal_rank,
    score_answer,
    score_question,
    source_hit,
    texts_match,
    token_f1,
)
from qa.records import Answer, Quote

from .eval_fixtures import DOCS, GRANADA, PENGUINS, UNANSWERABLE, answer, q

# --- text matching ------------------------------------------------------------------------------


def test_normalize_text_nfkc_quotes_whitespace_casefold():
    assert normalize_text("  The \u201cDestructive\u201d\n\tposition\u2019s  ") == 'the "destructive" position\'s'
    assert normalize_text("\uff21\uff22\uff23 \ufb01le") == "abc file"  # full-width letters and the fi ligature
    assert texts_match("STRASSE", "Straße")
    assert not texts_match("Granada", "Granada.")
    assert contains_answer("held in  GRANADA, Spain", ["granada"])
    assert contains_answer("the \u201cbiased\u201d position", ['"biased"'])
    assert not contains_answer("held in Spain", ["Granada", ""])


def test_squad_exact_match_and_f1():
    assert exact_match("the Antarctic winter.", ["Antarctic winter"]) == 1.0  # articles and punctuation ignored
    assert exact_match("Antarctic", ["Antarctic winter"]) == 0.0
    assert token_f1("Antarctic winter months", ["Antarctic winter"]) == pytest.approx(0.8)  # P 2/3, R 1
    assert token_f1("two", ["about two months", "two months"]) == pytest.approx(2 / 3)  # best gold: P 1, R 1/2
    assert token_f1("Sochi", ["Granada"]) == 0.0


# --- the metric table ------------------------------------------------------------------------------


def test_every_metric_name_comes_from_the_one_table():
    assert METRICS == tuple(m.name for m in METRIC_TABLE) and len(set(METRICS)) == len(METRICS)
    assert set(METRIC_HELP) == set(METRICS) and all(METRIC_HELP.values())
    assert LOWER_IS_BETTER == {"false_abstain_rate", "mean_quote_chars", "latency_ms_p50", "latency_ms_p95"}
    assert MAIN_METRICS == (
        "answer_at_1",
        "answer_at_5",
        "short_answer_f1",
        "source_hit_at_1",
        "source_hit_at_5",
        "mrr_at_10",
    )
    per_question = list(score_answer(GRANADA, answer(q("granada", "Granada")), short_answers=True))
    assert per_question == [m for m in METRICS if m in per_question]  # in table order
    assert per_question == [
        "answer_at_1",
        "answer_at_5",
        "short_answer_em",
        "short_answer_f1",
        "short_answer_rate",
        "source_hit_at_1",
        "source_hit_at_5",
        "mrr_at_10",
        "citation_precision",
    ]


# --- per-question metrics ------------------------------------------------------------------------


def test_answer_at_1_and_5():
    a = answer(q("granada", "Aliyev refused to attend."), q("granada", "The talks were to be held in Granada."))
    assert answer_hit(a, GRANADA.answers, 1) == 0.0
    assert answer_hit(a, GRANADA.answers, 5) == 1.0
    sixth = answer(*[q("sochi", "Putin")] * 5, q("granada", "Granada"))
    assert answer_hit(sixth, GRANADA.answers, 5) == 0.0  # only the first five count
    assert answer_hit(answer(abstained=True), GRANADA.answers, 5) == 0.0


def test_source_hits_and_mrr_rank_documents_not_quotes():
    a = answer(q("sochi", "Putin"), q("sochi", "Sochi"), q("penguins", "Males"), q("granada", "Granada"))
    # cited documents in order: sochi, penguins, granada
    assert source_hit(a, ["granada"], 1) == 0.0
    assert source_hit(a, ["granada"], 5) == 1.0
    assert reciprocal_rank(a, ["granada"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(a, ["sochi", "granada"]) == 1.0
    assert reciprocal_rank(a, ["nowhere"]) == 0.0
    assert reciprocal_rank(a, ["granada"], n=2) == 0.0


def test_short_answer_scores_only_when_a_short_answer_is_given():
    hit = answer(q("penguins", "Males incubate the eggs for about two months."), short="two months")
    s = score_answer(PENGUINS, hit, short_answers=True)
    assert s["short_answer_em"] == 0.0 and s["short_answer_f1"] == pytest.approx(0.8)  # P 1, R 2/3
    assert s["short_answer_rate"] == 1.0
    none = score_answer(PENGUINS, answer(q("penguins", "Females feed at sea.")), short_answers=True)
    assert none["short_answer_em"] is None and none["short_answer_f1"] is None and none["short_answer_rate"] == 0.0
    long_set = score_answer(PENGUINS, hit, short_answers=False)  # e.g. covid-qa's sentence-long answers
    assert long_set["short_answer_em"] is None and long_set["short_answer_rate"] is None


def test_unanswerable_question_has_no_answer_or_source_scores():
    s = score_answer(UNANSWERABLE, answer(q("sochi", "Putin")), short_answers=True)
    assert all(v is None for v in s.values())


def test_has_short_answers_by_median_length():
    assert has_short_answers([GRANADA, PENGUINS, UNANSWERABLE])
    long = Question("x", "?", ("Mother-to-child transmission is the main cause of infection in children",), ("d",))
    assert not has_short_answers([long, long, GRANADA])
    assert not has_short_answers([UNANSWERABLE])


def test_quote_fidelity_checks_the_documents_not_the_quote():
    good = q("granada", "Granada")
    shifted = Quote(**{**good.__dict__, "n": 2, "start": good.start + 1, "end": good.end + 1})
    unknown = Quote(**{**good.__dict__, "n": 3, "doc_id": "elsewhere"})
    beyond = Quote(**{**good.__dict__, "n": 4, "start": 60, "end": 999})
    problems = check_fidelity(Answer("?", "", False, [good, shifted, unknown, beyond]), DOCS, "q1", "hybrid")
    assert [(p.n, p.reason.split()[0]) for p in problems] == [(2, "text"), (3, "document"), (4, "offsets")]
    assert problems[0].actual == "ranada." and problems[0].quoted == "Granada"
    assert problems[0].question_id == "q1" and problems[0].config == "hybrid"
    r = score_question(GRANADA, Answer("?", "", False, [good, shifted, unknown, beyond]), DOCS)
    assert aggregate([r])["quote_fidelity"] == 0.25


# --- aggregation -------------------------------------------------------------------------------------


def test_abstain_precision_and_recall():
    results = [
        score_question(UNANSWERABLE, answer(abstained=True), DOCS),  # right abstention
        score_question(Question("q4", "?", (), (), answerable=False), answer(q("sochi", "Putin")), DOCS),  # missed
        score_question(GRANADA, answer(abstained=True), DOCS),  # wrong abstention
        score_question(PENGUINS, answer(q("penguins", "Males")), DOCS),
    ]
    m = aggregate(results)
    assert m["abstain_precision"] == 0.5 and m["abstain_recall"] == 0.5
    answerable_only = aggregate(results[2:])
    assert answerable_only["abstain_precision"] == 0.0 and answerable_only["abstain_recall"] is None
    assert aggregate(results[3:])["abstain_precision"] is None  # no abstentions at all


def test_percentiles_interpolate_like_numpy():
    assert percentile([40, 10, 30, 20], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([7], 95) == 7 and percentile([], 50) is None


def test_aggregate_all_metrics_by_hand():
    r1 = score_question(  # first quote holds the answer, short answer exact, right document first
        GRANADA, answer(q("granada", "The talks were to be held in Granada."), short="Granada"), DOCS, latency_ms=10
    )
    r2 = score_question(  # answer in the second quote; second cited document is the source
        PENGUINS,
        answer(
            q("sochi", "Putin hosted the leaders in Sochi."),
            q("penguins", "Males incubate the eggs for about two months."),
        ),
        DOCS,
        latency_ms=30,
    )
    r3 = score_question(UNANSWERABLE, answer(abstained=True), DOCS, latency_ms=20)
    m = aggregate([r1, r2, r3])
    assert list(m) == list(METRICS)
    assert m["answer_at_1"] == 0.5 and m["answer_at_5"] == 1.0
    assert m["short_answer_em"] == 1.0 and m["short_answer_f1"] == 1.0 and m["short_answer_rate"] == 0.5
    assert m["source_hit_at_1"] == 0.5 and m["source_hit_at_5"] == 1.0 and m["mrr_at_10"] == 0.75
    assert m["quote_fidelity"] == 1.0
    assert m["abstain_precision"] == 1.0 and m["abstain_recall"] == 1.0
    assert m["mean_quote_chars"] == pytest.approx((37 + 34 + 45) / 3)
    assert m["latency_ms_p50"] == 20 and m["latency_ms_p95"] == pytest.approx(29)


def test_citation_precision_counts_shown_quotes_from_gold_sources():
    from qa.eval.metrics import citation_precision

    a = answer(q("granada", "Granada"), q("penguins", "two months"), q("granada", "Aliyev refused"))
    assert citation_precision(a, ["granada"]) == pytest.approx(2 / 3)
    assert citation_precision(a, ["nowhere"]) == 0.0
    assert citation_precision(answer(abstained=True), ["granada"]) is None  # nothing cited, nothing to judge
    assert score_answer(GRANADA, a, short_answers=True)["citation_precision"] == pytest.approx(2 / 3)


def test_a_digest_article_counts_as_its_file():
    quote = q("granada", "Granada")
    article = Quote(**{**quote.__dict__, "doc_id": "digest.txt#3", "file_id": "digest.txt"})
    a = answer(q("penguins", "two months"), article)
    assert source_hit(a, ["digest.txt"], 1) == 0.0 and source_hit(a, ["digest.txt"], 5) == 1.0
    assert reciprocal_rank(a, ["digest.txt"]) == 0.5
    assert reciprocal_rank(a, ["digest.txt#3"]) == 0.5  # the article's own id works too

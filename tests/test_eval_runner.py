"""The evaluation runner: asking every question of every answerer, scoring, and the named configurations."""

from __future__ import annotations

import pytest

from qa.config import Config
from qa.errors import ConfigError, FidelityError, QuestionSetError
from qa.eval import CONFIGS, Question, QuestionSet, evaluate, load_questions, resolve_configs, run_questions

from .eval_fixtures import DOCS, EVAL, GRANADA, PENGUINS, QSET, ROOT, Scripted, answer, replies


def test_runner_asks_for_ten_quotes_and_scores_each_question():
    bot = Scripted(replies())
    run = run_questions(bot, QSET.questions, DOCS, name="scripted", progress=False)
    assert bot.asked[0] == (GRANADA.question, 10)  # the warm-up call, not timed
    assert len(bot.asked) == 4 and all(k == 10 for _, k in bot.asked)
    assert [r.question.id for r in run.results] == ["q1", "q2", "q3"]
    assert run.metrics["answer_at_5"] == 0.5 and run.metrics["abstain_recall"] == 1.0
    assert all(r.latency_ms >= 0 for r in run.results)
    assert run.counts == {
        "questions": 3,
        "answerable": 2,
        "unanswerable": 1,
        "abstained": 1,
        "quotes": 2,
        "fidelity_problems": 0,
        "errors": 0,
    }


def test_runner_reports_an_answerer_that_raises_fidelity_error():
    scripted = replies()
    scripted[PENGUINS.question] = FidelityError("quote 1 does not match penguins at [0:5]")
    run = run_questions(Scripted(scripted), QSET.questions, DOCS, name="x", progress=False)
    failed = run.results[1]
    assert failed.error.startswith("FidelityError") and failed.abstained
    assert run.metrics["quote_fidelity"] == 0.5  # one good quote, one lost to the error
    assert run.metrics["answer_at_5"] == 0.5


def test_runner_records_pipeline_settings_but_not_serving_ones():
    class Configured(Scripted):
        config = Config().replace(password="secret", min_score=float("-inf"))

    run = run_questions(Configured(replies()), QSET.questions, DOCS, name="c", progress=False)
    assert run.settings["retrieval"] == "hybrid" and run.settings["min_score"] == "-inf"  # JSON has no infinity
    assert not {"serve", "password", "index_dir", "corpus_dir"} & set(run.settings)
    assert "secret" not in repr(run.settings)


def test_report_warns_about_gold_answers_missing_from_their_sources():
    wrong = Question("w", "?", ("Madrid",), ("granada",))
    report = evaluate(
        QuestionSet("t", "jsonl", [wrong]), {"a": Scripted({"?": answer(abstained=True)})}, DOCS, progress=False
    )
    assert report.warnings and "w" in report.warnings[0]


def test_evaluate_refuses_sources_missing_from_the_corpus():
    qset = load_questions(EVAL / "questions.jsonl")
    with pytest.raises(QuestionSetError, match=r"questions.jsonl:1: field 'sources': document 'granada'"):
        evaluate(qset, {}, {"elsewhere": DOCS["sochi"]}, progress=False)


def test_named_configurations():
    assert resolve_configs(None) == ["hybrid"]
    assert resolve_configs(["dense,bm25", "dense", "hybrid"]) == ["dense", "bm25", "hybrid"]
    with pytest.raises(ConfigError) as err:
        resolve_configs(["magic"])
    assert "'magic'" in str(err.value) and "dense, bm25" in str(err.value)
    for overrides in CONFIGS.values():
        Config().replace(**overrides)  # every named configuration is a valid Config


def test_importing_the_configurations_loads_no_model_or_index():
    # the CLI imports qa.eval.configs to list the names in --help; that must stay quick
    import subprocess
    import sys

    code = (
        "import sys, qa.eval.configs, qa.eval; "
        "print(sorted(m for m in ('torch', 'faiss', 'qa.api', 'qa.store', 'qa.ingest', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"

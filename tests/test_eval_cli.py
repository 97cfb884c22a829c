"""`qa eval` end to end, with the real model on tiny corpora: formats, the cache, errors as one line."""

from __future__ import annotations

import json

import pytest

from qa.cli import cli
from qa.eval import METRICS, load_questions

from .eval_fixtures import EVAL, cli_env, encoded  # noqa: F401  (fixtures)


def test_qa_eval_squad_writes_its_report_files_and_json(cli_env, tmp_path, encoded):  # noqa: F811
    out = tmp_path / "report"
    args = ["eval", str(EVAL / "squad_v2.json"), "--config", "hybrid,bm25", "--out", str(out), "--json"]
    result = cli_env.invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["config"] == "hybrid" and summary["quote_fidelity"] == 1.0
    assert set(summary["configs"]) == {"hybrid", "bm25"} and set(METRICS) <= set(summary)
    assert summary["answer_at_5"] == 1.0  # both answerable questions are quoted
    assert summary["abstain_recall"] in (0.0, 1.0)  # the impossible question is scored, not dropped
    # the set has an unanswerable question, so the abstention curve is drawn too
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md", "chart.png", "abstention.png"}
    assert len(json.loads((out / "report.json").read_text())["results"]["bm25"]) == 3

    # a second run reuses the cached index: only the questions are embedded
    encoded.clear()
    again = cli_env.invoke(cli, ["eval", str(EVAL / "squad_v2.json")])
    assert again.exit_code == 0, again.output
    assert "metric" in again.stdout and "quote_fidelity" in again.stdout
    questions = {q.question for q in load_questions(EVAL / "squad_v2.json").questions}
    assert set(encoded) <= questions


def test_qa_eval_reports_index_building_progress_on_stderr(cli_env):  # noqa: F811
    result = cli_env.invoke(
        cli, ["eval", str(EVAL / "questions.jsonl"), "--corpus", str(EVAL / "corpus.jsonl"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "] Embedding " in result.stderr and "[100%] Index ready" in result.stderr
    assert "Embedding" not in result.stdout  # stdout holds only the results
    json.loads(result.stdout)


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            '{"id": "a", "question": "Why?", "answers": ["x"], "sources": ["Granada"]}\n{"id": "b"\n',
            "qs.jsonl:2: not valid JSON",
        ),
        ('{"id": "a", "question": "Why?", "sources": []}\n', "qs.jsonl:1: missing field 'answers'"),
    ],
)
def test_qa_eval_bad_question_file_is_one_line_error(cli_env, tmp_path, content, expected):  # noqa: F811
    path = tmp_path / "qs.jsonl"
    path.write_text(content)
    result = cli_env.invoke(cli, ["eval", str(path), "--corpus", str(EVAL / "corpus.jsonl")])
    assert result.exit_code == 1
    assert expected in result.output and "Traceback" not in result.output


def test_qa_eval_unknown_format_and_config(cli_env, tmp_path):  # noqa: F811
    csv = tmp_path / "qs.csv"
    csv.write_text("id,question\n")
    result = cli_env.invoke(cli, ["eval", str(csv)])
    assert result.exit_code == 1 and "unknown question-set format" in result.output
    result = cli_env.invoke(cli, ["eval", str(EVAL / "squad_v1.json"), "--config", "fast"])
    assert result.exit_code == 1 and "'fast'" in result.output and "hybrid, dense, bm25" in result.output


def test_qa_eval_jsonl_with_corpus_scores_unanswerable_and_checks_fidelity(cli_env, tmp_path):  # noqa: F811
    out = tmp_path / "r"
    args = [
        "eval",
        str(EVAL / "questions.jsonl"),
        "--corpus",
        str(EVAL / "corpus.jsonl"),
        "--config",
        "no-abstain,hybrid",
        "--out",
        str(out),
    ]
    result = cli_env.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "4 questions, 3 answerable, 1 unanswerable; 3 documents" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["counts"]["hybrid"]["questions"] == 4  # the unanswerable one is kept
    assert report["metrics"]["no-abstain"]["quote_fidelity"] == 1.0
    assert report["metrics"]["no-abstain"]["abstain_recall"] == 0.0  # never abstains, by construction
    assert report["metrics"]["no-abstain"]["answer_at_5"] == 1.0
    first = report["results"]["hybrid"][0]
    assert first["id"] == "q1" and "Granada" in first["quotes"][0]["text"]


def test_qa_eval_refuses_sources_the_corpus_lacks(cli_env, tmp_path):  # noqa: F811
    path = tmp_path / "qs.jsonl"
    path.write_text(
        '{"id": "a", "question": "Where?", "answers": ["Granada"], "sources": ["granada"]}\n'
        '{"id": "b", "question": "Who?", "answers": ["Putin"], "sources": ["moscow.txt"]}\n'
    )
    result = cli_env.invoke(cli, ["eval", str(path), "--corpus", str(EVAL / "corpus.jsonl")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}:2: field 'sources': document 'moscow.txt' is not in the corpus" in result.output


def test_qa_eval_on_an_existing_index_checks_it_against_the_corpus_folder(cli_env, tmp_path, monkeypatch):  # noqa: F811
    from qa.api import Assistant
    from qa.config import Config

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "penguins.txt").write_text("Emperor penguins breed during the Antarctic winter.\n")
    Assistant.from_corpus([corpus], tmp_path / "index", Config())
    qs = tmp_path / "qs.jsonl"
    qs.write_text(
        '{"id": "a", "question": "When do emperor penguins breed?", "answers": ["Antarctic winter"], "sources": ["penguins.txt"]}\n'
    )
    monkeypatch.setenv("QA_CORPUS_DIR", str(corpus))
    result = cli_env.invoke(cli, ["eval", str(qs), "--index-dir", str(tmp_path / "index"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["answer_at_1"] == 1.0
    (corpus / "penguins.txt").write_text("Emperor penguins breed in winter, edited.\n")
    result = cli_env.invoke(cli, ["eval", str(qs), "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 1 and "built from other documents" in result.output


def test_qa_eval_beir_folder_scores_sources_only(cli_env):  # noqa: F811
    result = cli_env.invoke(cli, ["eval", str(EVAL / "beir"), "--config", "bm25", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["answer_at_1"] is None  # BEIR has relevant documents, not answer strings
    assert summary["source_hit_at_1"] == 1.0 and summary["quote_fidelity"] == 1.0
    assert summary["abstain_recall"] is not None  # b4 (nothing relevant) counts as unanswerable

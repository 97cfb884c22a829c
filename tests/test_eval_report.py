"""Evaluation reports: the terminal table, the --json summary, report.json, report.md and chart.png."""

from __future__ import annotations

import json

from qa.eval import METRICS, evaluate, format_table, format_value, write_report

from .eval_fixtures import DOCS, QSET, Scripted, replies


def test_report_files_table_and_summary(tmp_path):
    report = evaluate(QSET, {"good": Scripted(replies()), "broken": Scripted(replies(True))}, DOCS, progress=False)
    assert [r.name for r in report.runs] == ["good", "broken"]
    table = format_table(report)
    assert table.splitlines()[2].split() == ["metric", "good", "broken"]
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[4:] if line.strip()}
    assert rows["quote_fidelity"] == ["1.000", "0.500"]
    assert rows["answer_at_1"] == ["0.500", "0.000"]  # the broken quote no longer says Granada
    assert "QUOTE FIDELITY BUG: 1 quote(s)" in table and "broken q1 [1] granada[" in table

    summary = report.summary()
    assert summary["config"] == "good" and summary["quote_fidelity"] == 1.0
    assert set(METRICS) <= set(summary) and summary["configs"]["broken"]["quote_fidelity"] == 0.5

    paths = write_report(report, tmp_path / "out")
    # the set has answerable and unanswerable questions, so the abstention curve is drawn too
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"report.json", "report.md", "chart.png", "abstention.png"}
    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(paths["json"].read_text())
    assert data["metrics"]["good"]["answer_at_1"] == 0.5
    assert data["question_set"] == {
        "path": "tiny.jsonl",
        "format": "jsonl",
        "questions": 3,
        "answerable": 2,
        "unanswerable": 1,
    }
    first = data["results"]["good"][0]
    assert first["id"] == "q1" and first["quotes"][0]["text"] == "The talks were to be held in Granada."
    assert first["scores"]["answer_at_1"] == 1.0 and first["short_answer"] == "Granada"
    assert [p["question_id"] for p in data["fidelity_problems"]] == ["q1"]

    md = paths["markdown"].read_text()
    assert "| answer_at_1 | 0.500 | 0.000 |" in md
    assert "![metrics by configuration](chart.png)" in md
    assert "**1 of 4 quotes do not match their documents. This is a bug.**" in md
    assert "Seville" in md  # the offending quote is listed
    assert "## Worst misses — good" in md
    assert "How long do males incubate?" in md and "“about two months”" in md  # question and gold
    assert "we quoted [1] `sochi`" in md and "Putin hosted the leaders in Sochi." in md  # what we quoted


def test_values_are_shares_to_three_places_and_counts_to_one():
    assert format_value("answer_at_1", 0.5) == "0.500"
    assert format_value("latency_ms_p95", 12.345) == "12.3"
    assert format_value("mean_quote_chars", 140.0) == "140.0"
    assert format_value("mrr_at_10", None) == "n/a"

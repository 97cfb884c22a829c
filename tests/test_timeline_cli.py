"""`qa timeline`, citation styles (--cite) and source exports (--format csl-json|bibtex) on the command
line, and `qa eval` on a timeline set, over the shipped corpus's index."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from qa.cli import cli

from .conftest import CORPUS, ROOT

TOPIC = "Armenia–Azerbaijan conflict and peace talks"


@pytest.fixture()
def run(shipped_index_dir):
    runner = CliRunner()

    def invoke(*args, input=None):
        result = runner.invoke(cli, [*args, "--index-dir", str(shipped_index_dir)], input=input)
        assert "Traceback" not in result.output
        return result

    return invoke


def test_timeline_text_and_json(run):
    result = run("timeline", TOPIC, "-n", "30")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith(f"Timeline: {TOPIC}")
    assert "[1] 1991" in out and "5 October 2023 (“Oct. 5”, dated by the article)" in out
    assert "Year not stated in the articles:" in out and "also reported by" in out
    record = json.loads(run("timeline", TOPIC, "--json").output)
    assert record["entries"][0]["when"]["label"] == "1991" and "text" in record["entries"][0]


def test_timeline_markdown_csv_and_exports(run):
    md = run("timeline", TOPIC, "--format", "md", "--cite", "chicago", "-n", "5").output
    assert md.startswith(f"# Timeline: {TOPIC}") and "## Bibliography" in md
    assert (
        "Court, Elsa. “Bloomberg: Azerbaijani President cancels plans to attend peace talks with Armenia.” "
        "*The Kyiv Independent*, October 4, 2023." in md
    )
    rows = list(csv.reader(io.StringIO(run("timeline", TOPIC, "--format", "csv", "--cite", "apa").output)))
    assert rows[0][:3] == ["n", "date", "date_label"] and len(rows) > 15
    kyiv = next(r for r in rows[1:] if r[6] == "The Kyiv Independent")
    assert kyiv[-1].startswith("Court, E. (2023, October 4).")
    bib = run("timeline", TOPIC, "--format", "bibtex").output
    assert bib.startswith("@") and "author = {Court, Elsa}" in bib
    items = json.loads(run("timeline", TOPIC, "--format", "csl-json", "--accessed", "2024-01-02").output)
    assert {i["type"] for i in items} == {"article-newspaper", "webpage"}
    assert all(i["accessed"] == {"date-parts": [[2024, 1, 2]]} for i in items)


def test_cite_on_ask_quotes_and_support(run):
    ask = run("ask", "Where were the October 5 talks supposed to be held?", "-k", "1", "--cite", "apa")
    assert ask.exit_code == 0, ask.output
    assert (
        "    — Court, E. (2023, October 4). Bloomberg: Azerbaijani President cancels plans to attend peace talks "
        "with Armenia. The Kyiv Independent. [file 000_f5edb748992077ea.txt, characters 480–645]" in ask.output
    )
    mla = run(
        "ask", "Where were the October 5 talks supposed to be held?", "-k", "1", "--format", "md", "--cite", "mla"
    )
    assert "## Works Cited" in mla.output and "*The Kyiv Independent*, 4 Oct. 2023." in mla.output
    bib = run("ask", "Where were the October 5 talks supposed to be held?", "-k", "1", "--format", "bibtex")
    assert bib.output.startswith("@article{court2023bloomberg,")
    chicago = run("quotes", "peace", "--speaker", "Pashinyan", "-n", "1", "--cite", "chicago").output
    assert chicago.startswith("[1] “") and "” Nikol Pashinian, Armenian Prime Minister. “" in chicago
    assert (
        "“Pashinian Says Yerevan, Baku ‘Still Speaking Different Diplomatic Languages’ In Peace Talks,” RFE/RL."
        in chicago
    )
    draft = "Azerbaijan's president Ilham Aliyev cancelled his plans to attend the peace talks with Armenia's prime minister.\n"
    support = run("support", "-", "--format", "bibtex", input=draft)
    assert support.exit_code == 0 and support.output.startswith("@")


def test_bad_style_options_are_one_line_errors(run):
    for args, words in [
        (("timeline", "--accessed", "2024-02-30"), "accessed"),
        (("timeline", "--since", "May"), "since"),
        (("ask", "Who?", "--cite", "harvard"), "harvard"),
    ]:
        result = run(*args)
        assert result.exit_code != 0 and words in result.output


def test_eval_scores_a_timeline_set(run, tmp_path):
    result = run(
        "eval",
        str(ROOT / "bench" / "questions" / "timeline.jsonl"),
        "--corpus",
        str(CORPUS),
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 0, result.output
    assert "| event_recall |" in result.output and "| precision |" in result.output
    report = json.loads((tmp_path / "out" / "timeline_report.json").read_text())
    assert report["event_recall"] >= 0.8 and report["precision"] >= 0.8 and report["fidelity"] == 1.0

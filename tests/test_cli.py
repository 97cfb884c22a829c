"""The `qa` command line, end to end on small real corpora in temporary directories."""

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from qa.cli import cli

from .conftest import CORPUS


@pytest.fixture()
def runner():
    return CliRunner()


def test_index_skips_bad_files_and_lists_them(runner, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Penguins breed in the Antarctic winter. Males keep the eggs warm.\n")
    (corpus / "empty.txt").write_text("   \n")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 au lait is served hot.".encode("latin-1"))
    (corpus / "broken.jsonl").write_text('{"id": "x", "text": "fine line"}\n{not json\n')
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = runner.invoke(cli, ["index", str(corpus), "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Indexed 3 documents" in out  # good.txt, latin1.txt (read as Latin-1) and the valid JSONL line
    for name in ("empty.txt", "broken.jsonl:2", "image.png"):
        assert f"skipped {name}" in out
    assert "skipped latin1.txt" not in out
    assert "Traceback" not in out


def test_ask_json_quotes_granada_with_exact_offsets(runner, shipped_index_dir):
    q = "Where were the October 5 talks supposed to be held?"
    result = runner.invoke(cli, ["ask", q, "--json", "--index-dir", str(shipped_index_dir)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert set(answer) >= {"question", "answer", "abstained", "quotes"}
    assert answer["abstained"] is False
    first = answer["quotes"][0]
    assert set(first) >= {"n", "text", "doc_id", "title", "source", "date", "start", "end", "score"}
    assert "Granada" in first["text"]
    from qa.ingest import load_corpus

    docs = {d.id: d for d in load_corpus([CORPUS]).documents}
    for quote in answer["quotes"]:
        assert docs[quote["doc_id"]].text[quote["start"] : quote["end"]] == quote["text"]


def test_ask_prints_numbered_quotes_with_sources(runner, shipped_index_dir):
    result = runner.invoke(
        cli, ["ask", "Who hosted the talks in Sochi?", "-k", "3", "--index-dir", str(shipped_index_dir)]
    )
    assert result.exit_code == 0, result.output
    assert "[1] “" in result.output and "— " in result.output
    assert "[4]" not in result.output
    # the citation the app's Copy and Markdown export use (qa.render): outlet, “title”, date, file or URL, offsets
    cites = [line for line in result.output.splitlines() if line.startswith("    — ")]
    assert 1 <= len(cites) <= 3
    assert all(re.search(r", (file \S+|https?://\S+), characters \d+–\d+$", c) for c in cites), cites


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_one_line_error(runner, shipped_index_dir, question):
    result = runner.invoke(cli, ["ask", question, "--index-dir", str(shipped_index_dir)])
    assert result.exit_code == 1
    assert "Error: question: empty" in result.output
    assert "Traceback" not in result.output


def test_missing_index_is_one_line_error(runner, tmp_path):
    result = runner.invoke(cli, ["ask", "Anything?", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no index at" in result.output and "qa index" in result.output


def test_incompatible_index_says_rebuild(runner, tmp_path, shipped_index_dir):
    copy = tmp_path / "index"
    shutil.copytree(shipped_index_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["model"]["name"] = "another-model"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(cli, ["ask", "Anything?", "--index-dir", str(copy)])
    assert result.exit_code == 1
    assert "another-model" in result.output and "qa index" in result.output


def test_remove_drops_documents_and_index_lists_what_a_rebuild_leaves_out(runner, tmp_path, shipped_index_dir):
    from qa.api import Assistant

    index = tmp_path / "index"
    shutil.copytree(shipped_index_dir, index)
    digest, single = "003_43a853f10424dbd0.txt", "000_f5edb748992077ea.txt"
    result = runner.invoke(cli, ["remove", single, digest, "nothere.txt", "--index-dir", str(index)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Removed 13 document(s)" in out and f"{digest}#12" in out  # a digest file's id removes its articles
    assert "not found in the index: nothere.txt" in out
    assert "`qa index` adds them back" in out
    left = Assistant.load(index).documents
    assert single not in left and not [i for i in left if i.startswith(digest)] and len(left) == 3
    # `qa index` of a folder that lacks a document the index has says so instead of dropping it silently
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("001_cd5c93ec7e5e190d.txt", "002_d8d46fc8e1f04ea1.txt"):
        shutil.copyfile(CORPUS / name, corpus / name)
    result = runner.invoke(cli, ["index", str(corpus), "--index-dir", str(index)])
    assert result.exit_code == 0, result.output
    assert "removed from the index: 004_f2d8585abce55c4c.txt" in result.output
    assert sorted(Assistant.load(index).documents) == ["001_cd5c93ec7e5e190d.txt", "002_d8d46fc8e1f04ea1.txt"]


def test_remove_of_ids_not_in_the_index_is_a_one_line_error(runner, tmp_path, shipped_index_dir):
    index = tmp_path / "index"
    shutil.copytree(shipped_index_dir, index)
    manifest = (index / "manifest.json").read_text()
    result = runner.invoke(cli, ["remove", "nothere.txt", "corpus/000_f5edb748992077ea.txt", "--index-dir", str(index)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: not in the index at ")
    assert "nothere.txt, corpus/000_f5edb748992077ea.txt; nothing was removed" in lines[0]
    assert (index / "manifest.json").read_text() == manifest  # untouched
    assert runner.invoke(cli, ["remove", "--index-dir", str(index)]).exit_code == 2  # an id is required

"""Loading articles: every format, boilerplate removal on the shipped corpus, and bad files."""

import re

import pytest

from qa.errors import EmptyCorpusError
from qa.ingest import load_corpus

from .conftest import CORPUS, DATA

INGEST = DATA / "ingest"
BOILERPLATE = ["subscribe", "indicates required", "newsletter", "become a member", "gift membership",
               "visa mastercard", "news feed", "skip to content", "this audio is created"]


@pytest.fixture(scope="module")
def shipped():
    result = load_corpus([CORPUS])
    assert result.problems == []
    return {d.id: d for d in result.documents}


def test_shipped_corpus_loads_without_boilerplate(shipped):
    assert sorted(shipped) == sorted(p.name for p in CORPUS.iterdir())
    for doc in shipped.values():
        low = doc.text.casefold()
        for phrase in BOILERPLATE:
            assert phrase not in low, f"{doc.id} still holds {phrase!r}"


def test_article_prose_survives(shipped):
    kyiv = shipped["000_f5edb748992077ea.txt"].text
    assert "The talks between Azerbaijan and Armenia were supposed to be held on Oct. 5 in Spain" in kyiv
    assert kyiv.rstrip().endswith("together with the surrounding regions.")
    assert "Crimean Tatar editor" not in kyiv, "the news feed after the article is not part of it"
    assert "Moscow on Saturday offered to host" in shipped["001_cd5c93ec7e5e190d.txt"].text
    assert "Putin’s talks with Armenian Prime Minister" in shipped["004_f2d8585abce55c4c.txt"].text
    assert "Home »" not in shipped["004_f2d8585abce55c4c.txt"].text


def test_metadata_from_the_text(shipped):
    kyiv = shipped["000_f5edb748992077ea.txt"]
    assert kyiv.title == "Bloomberg: Azerbaijani President cancels plans to attend peace talks with Armenia"
    assert (kyiv.source, kyiv.date, kyiv.author) == ("The Kyiv Independent", "2023-10-04", "Elsa Court")
    assert shipped["001_cd5c93ec7e5e190d.txt"].source == "France24"
    assert shipped["001_cd5c93ec7e5e190d.txt"].title == "Azerbaijan, Armenia hold talks, Russia proposes Moscow summit"
    assert shipped["004_f2d8585abce55c4c.txt"].source == "Euro News"
    assert shipped["002_d8d46fc8e1f04ea1.txt"].source == ""  # "source site-59" names no outlet
    assert shipped["002_d8d46fc8e1f04ea1.txt"].date == "", "a date inside a quote is not the article's date"
    assert "Source:" not in shipped["001_cd5c93ec7e5e190d.txt"].text


def test_html_keeps_the_article_and_drops_the_page():
    doc = load_corpus([INGEST / "article.html"]).documents[0]
    assert "reopened on Saturday after a three-day closure" in doc.text
    assert "Fishermen, who lost three days of work" in doc.text
    assert "newsletter" not in doc.text.lower() and "All rights reserved" not in doc.text
    assert doc.source == "Coastal Times" and doc.date == "2024-03-02"
    assert "Harbour reopens" in doc.title


def test_front_matter_sets_metadata():
    doc = load_corpus([INGEST / "notes.md"]).documents[0]
    assert (doc.title, doc.source, doc.date, doc.author, doc.url) == (
        "Glacier survey results", "Alpine Review", "2022-09-14", "J. Roth", "https://example.org/glacier")
    assert not doc.text.startswith("---") and "title:" not in doc.text
    assert "eleven metres" in doc.text


def test_jsonl_text_is_kept_exactly():
    docs = {d.id: d for d in load_corpus([INGEST / "wire.jsonl"]).documents}
    assert docs["wire-1"].text == "The new bridge opened on Monday.\nTraffic was light.  Two  spaces stay."
    assert (docs["wire-1"].source, docs["wire-1"].date, docs["wire-1"].path) == ("Wire", "2024-01-08", "wire.jsonl:1")
    assert docs["wire-2"].title == "Rain"


def test_ids_are_relative_posix_paths(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "story.txt").write_text("A story about rivers and the sea.\n")
    (tmp_path / ".hidden.txt").write_text("Not read.\n")
    docs = load_corpus([tmp_path]).documents
    assert [d.id for d in docs] == ["a/b/story.txt"]


BAD = {
    "empty.txt": b"  \n\n",
    "binary.txt": b"abc\x00\x01\x02def",
    "latin1.txt": "Caf\xe9 cr\xe8me".encode("latin-1"),
    "broken.jsonl": b'{"id": "ok", "text": "Fine."}\n{"id": "x", "text": \n',
    "nofield.jsonl": b'{"id": "y"}\n',
    "badtype.jsonl": b'{"id": "z", "text": 42}\n',
    "picture.png": b"\x89PNG\r\n",
    "dup.jsonl": b'{"id": "wire-7", "text": "First copy."}\n',
    "dup2.jsonl": b'{"id": "wire-7", "text": "Second copy."}\n',
}
EXPECT = {
    "empty.txt": "empty file",
    "binary.txt": "binary file",
    "latin1.txt": r"not valid UTF-8 \(byte 0xe9 at offset 3\); re-save the file as UTF-8",
    "broken.jsonl": r"broken.jsonl:2: malformed JSON",
    "nofield.jsonl": r"nofield.jsonl:1: missing field 'text'",
    "badtype.jsonl": r"badtype.jsonl:1: field 'text' must be a string",
    "picture.png": r"unsupported file type '.png'; use one of .txt, .md, .html, .jsonl",
    "dup2.jsonl": r"dup2.jsonl:1: duplicate document id 'wire-7' \(also in dup.jsonl:1\)",
}


def test_each_bad_file_is_one_problem_and_the_rest_loads(tmp_path):
    (tmp_path / "good.txt").write_text("Rivers flow to the sea. The sea is salty.\n")
    for name, data in BAD.items():
        (tmp_path / name).write_bytes(data)
    result = load_corpus([tmp_path])
    assert sorted(d.id for d in result.documents) == ["good.txt", "ok", "wire-7"]  # broken.jsonl line 1 is fine
    messages = [str(p) for p in result.problems]
    assert len(messages) == len(BAD) - 1, messages  # the first of the two duplicates loads
    for name, pattern in EXPECT.items():
        assert any(m.startswith(name) and re.search(pattern, m) for m in messages), (name, messages)
    assert all("\n" not in m for m in messages)


def test_oversized_file_is_refused(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 300_000)
    (tmp_path / "small.txt").write_text("A short note about tides.\n")
    result = load_corpus([tmp_path], max_file_mb=1)
    assert [d.id for d in result.documents] == ["small.txt"]
    assert "over the 1 MB limit" in str(result.problems[0])


def test_nothing_usable_is_an_error_that_says_why(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(EmptyCorpusError, match="empty.txt: empty file"):
        load_corpus([tmp_path])
    with pytest.raises(EmptyCorpusError, match="no such file"):
        load_corpus([tmp_path / "missing"])

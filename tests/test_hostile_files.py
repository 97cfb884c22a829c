"""Files people really have, and files that lie (issue 26, items 2, 7 and 8): UTF-16 and legacy
encodings read (or refused as unclear, never guessed), a JSONL line that claims another file's id,
malformed front matter, a page nested 10,000 deep, and where `qa serve` takes its password from."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.ingest import load_corpus, load_file

from .conftest import CORPUS

ARTICLE = (
    "The harbour of Port Ellen reopened on Monday after the storm, the council said in a statement.\n\n"
    "Fishing boats returned to their moorings by the afternoon, and the ferry office opened again.\n"
)
FAKE = {
    "id": "000_f5edb748992077ea.txt",
    "source": "The Kyiv Independent",
    "text": "The meeting of the leaders was held on Oct. 5 in Reykjavik, the officials said on Monday.",
}
OCTOBER = "Where were the October 5 talks supposed to be held?"


# --- encodings -----------------------------------------------------------------------------------

READ = {  # name -> (bytes, a phrase of the text it must give)
    "utf16-le.txt": ("A story saved as “Unicode” by Windows Notepad.\r\n".encode("utf-16"), "saved as “Unicode” by"),
    "utf16-be.md": (b"\xfe\xff" + "Big endian: the caf\u00e9 reopened.".encode("utf-16-be"), "the café reopened"),
    "utf16.jsonl": ('{"id": "u16", "text": "A JSON line in UTF-16."}\n'.encode("utf-16"), "A JSON line in UTF-16."),
    "latin1.txt": ("Caf\u00e9 cr\u00e8me in Port Ellen, na\u00efve and s\u00fb\u00ee.".encode("latin-1"), "Café crème"),
    "cp1252.md": ("He said \u201cno\u201d twice \u2014 at 5\u20ac a cup.".encode("cp1252"), "said “no” twice — at 5€"),
    "latin1.html": (
        (
            "<html><body><article><p>Le caf\u00e9 de la gare a rouvert lundi apr\u00e8s les travaux, a "
            "d\u00e9clar\u00e9 le maire de la ville devant les \u00e9l\u00e8ves.</p></article></body>"
            "</html>"
        ).encode("latin-1"),
        "après les travaux",
    ),
    "cp1251.txt": (
        ("Министр заявил, что переговоры продолжатся в понедельник в Гранаде. " * 3).encode("cp1251"),
        "переговоры продолжатся",
    ),
}
REFUSED = {  # name -> (bytes, the one-line reason)
    "cyrillic-short.txt": ("Привет, мир".encode("cp1251"), "encoding unclear: not UTF-8, and it reads as "),
    "greek-short.txt": ("Καλημέρα κόσμε".encode("cp1253"), "encoding unclear: not UTF-8, and it reads as "),
    "damaged-utf8.txt": ("Café “quoted”".encode() + b" and \xe9 here.", "not valid UTF-8 (byte 0xe9 at offset 23)"),
    "overlong.txt": (b"Slash \xc0\xaf here.", "not valid UTF-8 (byte 0xc0 at offset 6)"),
    "utf16-damaged.txt": (b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8", "damaged UTF-16"),
}


def test_utf16_and_clear_legacy_encodings_are_read_and_unclear_ones_refused_in_one_line(tmp_path):
    for name, (data, _) in {**READ, **REFUSED}.items():
        (tmp_path / name).write_bytes(data)
    result = load_corpus([tmp_path])
    texts = {d.id: d.text for d in result.documents}
    for name, (_, phrase) in READ.items():
        doc_id = "u16" if name == "utf16.jsonl" else name
        assert phrase in texts[doc_id], (name, texts.get(doc_id))
    problems = {p.path: str(p) for p in result.problems}
    assert set(problems) == set(REFUSED)
    for name, (_, reason) in REFUSED.items():
        assert reason in problems[name] and "\n" not in problems[name], (name, problems[name])


# --- one holder per document id ------------------------------------------------------------------


@pytest.fixture
def claimed_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "000_f5edb748992077ea.txt", corpus)
    # "0-notes.jsonl" sorts before the article it claims: the first claim in corpus order is the fake one
    (corpus / "0-notes.jsonl").write_text(json.dumps(FAKE) + "\n", encoding="utf-8")
    return corpus


def test_qa_index_keeps_an_ids_file_and_refuses_the_line_that_claims_it(claimed_corpus, tmp_path):
    index = tmp_path / "index"
    result = CliRunner().invoke(cli, ["index", str(claimed_corpus), "--index-dir", str(index)])
    assert result.exit_code == 0, result.output
    assert (
        "skipped 0-notes.jsonl:1: duplicate document id '000_f5edb748992077ea.txt' (also in "
        "000_f5edb748992077ea.txt); ids must be unique, so this one was skipped and 000_f5edb748992077ea.txt "
        "keeps its text"
    ) in result.output
    asked = CliRunner().invoke(cli, ["ask", OCTOBER, "--json", "--index-dir", str(index)])
    answer = json.loads(asked.output)
    assert "Reykjavik" not in asked.output and any("Granada" in q["text"] for q in answer["quotes"])


def test_qa_index_replace_lets_the_named_claim_win(claimed_corpus, tmp_path):
    docs = load_corpus([claimed_corpus], replace=["000_f5edb748992077ea.txt"]).documents
    assert [d.text for d in docs] == [FAKE["text"]]
    result = CliRunner().invoke(
        cli,
        ["index", str(claimed_corpus), "--index-dir", str(tmp_path / "index"), "--replace", "000_f5edb748992077ea.txt"],
    )
    assert result.exit_code == 0, result.output
    assert (
        "skipped 000_f5edb748992077ea.txt: duplicate document id '000_f5edb748992077ea.txt' (also in "
        "0-notes.jsonl:1); replaced by that later claim, as asked with --replace" in result.output
    )


def test_an_upload_never_takes_a_held_id_unless_it_is_named(shipped_index_dir, tmp_path):
    """The service behind the app's upload box: a JSONL file claiming a held id is refused whole,
    naming both places, and saved nowhere; named under Replace, it replaces that document."""
    from qa.api import Assistant
    from qa.config import Config
    from qa.web import Service

    index, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(shipped_index_dir, index)
    shutil.copytree(CORPUS, corpus)
    service = Service(Config(index_dir=str(index), corpus_dir=str(corpus)), Assistant.load(index))
    notes = tmp_path / "notes.jsonl"
    good = {"id": "harbour-1", "text": ARTICLE}
    notes.write_text(json.dumps(good) + "\n" + json.dumps(FAKE) + "\n", encoding="utf-8")
    try:
        report = service.add_uploads([notes], log=lambda m: None)
        assert report.added == [] and report.problems == [
            "notes.jsonl:2: document id '000_f5edb748992077ea.txt' is already held by 000_f5edb748992077ea.txt; "
            "not added, so 000_f5edb748992077ea.txt keeps its text (to replace it, name 000_f5edb748992077ea.txt "
            "under “Replace”)"
        ]
        assert not (corpus / "uploads").exists() and "harbour-1" not in service.documents()
        assert "Reykjavik" not in service.documents()["000_f5edb748992077ea.txt"].text
        named = service.add_uploads([notes], replace=["000_f5edb748992077ea.txt"], log=lambda m: None)
        assert named.added == ["harbour-1"] and named.overwritten == ["000_f5edb748992077ea.txt"]
        assert "Reykjavik" in service.documents()["000_f5edb748992077ea.txt"].text
    finally:
        service.close()


# --- what a page says about itself ---------------------------------------------------------------


def test_malformed_front_matter_is_neither_title_nor_outlet(tmp_path):
    page = tmp_path / "notes.md"
    page.write_text("---\ntitle: [unclosed\nsource: : :\n---\n" + ARTICLE, encoding="utf-8")
    [doc], _ = load_file(page, tmp_path)
    assert doc.title == "notes" and doc.source == ""
    assert doc.text.startswith("The harbour of Port Ellen") and "unclosed" not in doc.text
    prose = tmp_path / "rules.md"  # rules around prose are not front matter: the text stays
    prose.write_text("---\nEditor's note: this story was updated [see below\n---\n" + ARTICLE, encoding="utf-8")
    [kept], _ = load_file(prose, tmp_path)
    assert "Editor's note" in kept.text


def test_a_page_nested_ten_thousand_deep_keeps_its_paragraph(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text(
        "<html><head><title>Granada</title><script>var x = 1;</script></head><body>"
        + "<div>" * 10_000
        + "<nav>Home | World</nav><p>The talks were held in Granada on Thursday, both leaders said in "
        "a joint statement after the meeting.</p>" + "</div>" * 10_000 + "</body></html>",
        encoding="utf-8",
    )
    [doc], _ = load_file(page, tmp_path)
    assert doc.text == (
        "The talks were held in Granada on Thursday, both leaders said in a joint statement after the meeting."
    )
    assert doc.title == "Granada"


# --- the password of `qa serve` ------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch):
    import qa.web

    seen = {}
    monkeypatch.setattr(qa.web, "serve", lambda config: seen.__setitem__("config", config))
    monkeypatch.delenv("QA_PASSWORD", raising=False)
    return seen


def test_qa_serve_reads_its_password_from_a_file_a_prompt_or_the_environment(served, tmp_path, monkeypatch):
    runner = CliRunner()
    secret = tmp_path / "password"
    secret.write_text("correct horse battery\nsecond line ignored\n", encoding="utf-8")
    assert runner.invoke(cli, ["serve", "--password-file", str(secret)]).exit_code == 0
    assert served["config"].serve.password == "correct horse battery"
    prompted = runner.invoke(cli, ["serve", "--ask-password"], input="typed\ntyped\n")
    assert prompted.exit_code == 0 and served["config"].serve.password == "typed"
    assert "typed" not in prompted.output  # not echoed
    monkeypatch.setenv("QA_PASSWORD", "from-env")
    assert runner.invoke(cli, ["serve"]).exit_code == 0 and served["config"].serve.password == "from-env"


def test_a_password_on_the_command_line_still_works_with_a_warning(served, tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--password", "pw"])
    assert result.exit_code == 0 and served["config"].serve.password == "pw"
    assert "Warning: --password is visible to every user of this machine (ps, /proc)" in result.output
    both = CliRunner().invoke(cli, ["serve", "--password", "pw", "--password-file", str(tmp_path / "pw")])
    assert both.exit_code == 2 and "give the password one way only" in both.output
    empty = tmp_path / "empty"
    empty.write_text("\n")
    refused = CliRunner().invoke(cli, ["serve", "--password-file", str(empty)])
    assert refused.exit_code == 1 and "the password file is empty" in refused.output
    help_text = " ".join(CliRunner().invoke(cli, ["serve", "--help"]).output.split())
    for words in ("QA_PASSWORD", "--password-file", "--ask-password", "visible to every user"):
        assert words in help_text

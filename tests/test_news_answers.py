"""News-grade answers on the shipped corpus: digest articles cited by outlet, no filler citations,
headlines behind the body sentences that tell the story."""

import shutil

import pytest

from qa.api import Assistant, load_documents
from qa.records import Document

from .conftest import CORPUS

DIGEST = "003_43a853f10424dbd0.txt"


def test_the_digest_is_answered_as_its_articles(shipped):
    parts = {i: d for i, d in shipped.documents.items() if d.file_id == DIGEST}
    assert len(parts) >= 10 and DIGEST not in shipped.documents
    answer = shipped.ask("Which Indian company sells Armenia its anti-drone system?")
    first = answer.quotes[0]
    assert first.source == "EurAsian Times" and first.date == "2023-11-08"
    assert first.doc_id.startswith(DIGEST + "#") and first.file_id == DIGEST
    article = shipped.documents[first.doc_id]
    assert article.text[first.start : first.end] == first.text
    # the file-level offsets place the quote in the file's cleaned text
    assert first.file_start == article.offset + first.start and first.file_end - first.file_start == len(first.text)


def test_quotes_name_their_outlet_wherever_the_text_gives_one(shipped):
    answer = shipped.ask("Who represented the United States at the secret meeting in Turkey?", 5)
    assert answer.quotes
    for q in answer.quotes:
        doc = shipped.documents[q.doc_id]
        assert q.source == doc.source and q.title == doc.title


@pytest.fixture(scope="module")
def with_zebra(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("zebra") / "corpus"
    shutil.copytree(CORPUS, folder)
    (folder / "zebra.txt").write_text(
        "Zebra migration reaches the Mara\n\n"
        "The great zebra migration reached the Mara river in early July this year, weeks ahead of the wildebeest.\n\n"
        "Rangers counted about 200,000 zebras crossing near the Kenyan border after heavy rains.\n",
        encoding="utf-8",
    )
    assistant, problems = Assistant.from_corpus([folder], folder.parent / "index", config)
    assert problems == []
    return assistant


def test_no_citation_from_an_article_that_does_not_support_the_answer(with_zebra):
    answer = with_zebra.ask("When did the zebra migration reach the Mara river?")
    assert not answer.abstained and answer.quotes
    assert {q.doc_id for q in answer.quotes} == {"zebra.txt"}
    assert "See also" not in answer.answer
    assert "early July" in answer.quotes[0].text


def test_a_headline_gives_way_to_the_body_sentence_that_says_the_same(tmp_path, config):
    doc = Document(
        id="plant.txt",
        title="Metsamor plant extension to start in 2024",
        text="Metsamor plant extension to start in 2024\n\n"
        "The extension of the Metsamor plant will start in 2024, the minister told lawmakers on Tuesday.\n\n"
        "Other projects were discussed.",
    )
    assistant = Assistant.build([doc], tmp_path / "index", config)
    answer = assistant.ask("When will the Metsamor plant extension start?")
    assert answer.quotes[0].text.startswith("The extension of the Metsamor plant")


def test_loaded_parts_are_what_the_index_holds(shipped):
    loaded = load_documents([CORPUS]).documents
    assert shipped.built_from(loaded)


def test_who_is_a_named_person_quotes_what_the_article_says_they_are(shipped):
    answer = shipped.ask("Who is Louis Bono?", 3)
    first = answer.quotes[0]
    assert "Louis Bono, Washington’s senior adviser" in first.text
    assert shipped.documents[first.doc_id].text[first.start : first.end] == first.text

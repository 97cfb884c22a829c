"""Quote selection on small hand-made documents: exact offsets, extension, dedupe, abstention."""

import pytest

from qa.answer import verify_quote
from qa.api import Assistant
from qa.config import Config
from qa.errors import EmptyQuestionError, FidelityError
from qa.indexing import build_index
from qa.records import Document, Quote

DOCS = [
    Document(
        id="summit.txt",
        title="Summit moved",
        source="Daily Planet",
        date="2023-10-04",
        text=(
            "Leaders of both countries planned to meet this autumn.\n\n"
            "The summit was supposed to be held in Granada, Spain. "
            "It was cancelled after the president refused to travel.\n\n"
            "Officials blamed a busy schedule."
        ),
    ),
    Document(
        id="copy.txt",
        title="Wire copy",
        source="Wire",
        text="The summit was supposed to be held in Granada, Spain. Other news followed that day.",
    ),
    Document(
        id="penguins.txt",
        title="Penguins",
        text="Emperor penguins breed during the Antarctic winter. Males incubate the eggs on their feet for two months.",
    ),
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    path = tmp_path_factory.mktemp("answer") / "index"
    return Assistant(build_index(DOCS, path, Config()), Config())


def test_quotes_are_exact_sentences_with_offsets(assistant):
    ans = assistant.ask("Where was the summit supposed to be held?")
    assert not ans.abstained
    first = ans.quotes[0]
    assert "Granada" in first.text
    docs = {d.id: d for d in DOCS}
    for q in ans.quotes:
        assert docs[q.doc_id].text[q.start : q.end] == q.text
        assert len(q.text) < 200, "a quote is a sentence or two, not a chunk"
    assert "[1]" in ans.answer
    assert [q.n for q in ans.quotes] == list(range(1, len(ans.quotes) + 1))


def test_same_sentence_in_two_sources_is_one_quote(assistant):
    ans = assistant.ask("Where was the summit supposed to be held?")
    granada = [q for q in ans.quotes if "supposed to be held in Granada" in q.text]
    assert len(granada) == 1
    assert {a["doc_id"] for a in granada[0].also_in} | {granada[0].doc_id} == {"summit.txt", "copy.txt"}


def test_unrelated_question_abstains(assistant):
    ans = assistant.ask("What is the boiling point of mercury in kelvin?")
    assert ans.abstained
    assert ans.quotes == []
    assert "do not answer" in ans.answer


def test_empty_question_is_an_error(assistant):
    for q in ["", "   \n\t"]:
        with pytest.raises(EmptyQuestionError, match="question"):
            assistant.ask(q)


def test_filters_restrict_sources(assistant):
    ans = assistant.ask("Where was the summit supposed to be held?", sources=["Wire"])
    assert ans.quotes and {q.doc_id for q in ans.quotes} == {"copy.txt"}
    ans = assistant.ask("Where was the summit supposed to be held?", date_from="2023-10-01", date_to="2023-10-31")
    assert {q.doc_id for q in ans.quotes} == {"summit.txt"}


def test_verify_quote_catches_a_mismatch():
    doc = DOCS[2]
    good = Quote(1, doc.text[0:8], doc.id, "", "", "", 0, 8, 1.0)
    verify_quote(good, doc)
    with pytest.raises(FidelityError):
        verify_quote(Quote(1, "Emperor!", doc.id, "", "", "", 0, 8, 1.0), doc)


def test_answer_matching_ignores_width_quotes_space_and_case():
    from qa.eval.metrics import normalize_text

    assert normalize_text("“Ｇranada”  Spain\u2019s\n") == normalize_text('"granada" spain\'s')


def test_document_token_cache_is_bounded(shipped_index_dir, config, monkeypatch):
    """The idf table keeps the token sets of the last DOC_TOKEN_CACHE documents only, so a server
    over a large collection does not grow with every article its questions touch."""
    import qa.answer.candidates as candidates

    monkeypatch.setattr(candidates, "DOC_TOKEN_CACHE", 3)
    assistant = Assistant.load(shipped_index_dir, config)  # its own table: the bound stays in this test
    idf, index = assistant.idf, assistant.index
    ids = list(index.documents)
    assert len(ids) > 5
    first = idf.document_tokens(index, ids[0])
    assert "armenia" in first or any(t.startswith("armen") for t in first)
    for doc_id in ids[1:]:
        idf.document_tokens(index, doc_id)
        assert len(idf._doc_tokens) <= 3
    assert list(idf._doc_tokens) == ids[-3:]  # the last used stay
    again = idf.document_tokens(index, ids[0])  # evicted: computed again, the same set
    assert again == first and again is not first
    kept = idf.document_tokens(index, ids[-1])
    assert kept is idf.document_tokens(index, ids[-1])  # a hit is the kept set itself

"""“Who wrote the letter …?”: the author of the article described, quoted from its signature line,
or named from its byline without a quote; signatures read into the author at ingest."""

import pytest

from qa.answer.byline import _printed_at, _row_at, asks_author
from qa.api import Assistant, load_documents
from qa.ingest.text import clean_text

HARBOUR_LETTER = """Letter to the Editor: The harbour needs a second ferry berth

I have lived in Halden for thirty years and have never seen the ferry queues as long as they were this winter. Passengers waited up to three hours at the mainland terminal while a single berth handled every crossing.

The council has spent four years debating a wind farm off Skarvik, yet it has not set aside a single krone for a second berth. A modest pier on the north side of the harbour would double the number of crossings at peak hours.

I urge the council to put the berth in next year's budget before another winter of queues drives families off the island.

Ingrid Solberg
Halden, Norway
"""

LIBRARY_LETTER = """Opinion: Keep the Skarvik library open on Sundays

The library is the only warm public room in Skarvik that asks nothing of its visitors. Closing it on Sundays to save the cost of one librarian would shut out the pensioners and students who use it most.

Last winter more than two hundred people came through its doors on an ordinary Sunday, the librarians counted, many of them to read the papers they can no longer afford.

The council should find the money elsewhere, and it should ask the readers before it cuts their hours.

Tomas Eriksen
"""

FERRY_STORY = """Ferry strike ends after nine days

By Mara Lind
March 4, 2024

The ferry crews' strike ended on Sunday after nine days, when the union and the operator agreed on a new rota for the winter season. Union leader Knut Berg said the crews would return on Monday morning.

The agreement gives crews two more rest days a month and caps night shifts at four a week, the union said in a statement.
"""


@pytest.fixture(scope="module")
def letters(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("letters") / "corpus"
    folder.mkdir()
    for name, text in [
        ("harbour_letter.txt", HARBOUR_LETTER),
        ("library_letter.txt", LIBRARY_LETTER),
        ("ferry_strike.txt", FERRY_STORY),
    ]:
        (folder / name).write_text(text, encoding="utf-8")
    assistant, problems = Assistant.from_corpus([folder], folder.parent / "index", config)
    assert problems == []
    return assistant


def _check_quotes(assistant, answer):
    for q in answer.quotes + answer.closest:
        assert assistant.documents[q.doc_id].text[q.start : q.end] == q.text


def test_who_wrote_a_letter_quotes_the_signature_of_the_letter_described(letters):
    answer = letters.ask("Who wrote the letter saying the harbour needs a second ferry berth?")
    assert not answer.abstained and answer.short_answer == "Ingrid Solberg"
    first = answer.quotes[0]
    assert first.doc_id == "harbour_letter.txt" and "Ingrid Solberg" in first.text
    _check_quotes(letters, answer)

    other = letters.ask("Whose opinion piece asks to keep the Skarvik library open on Sundays?")
    assert other.short_answer == "Tomas Eriksen" and other.quotes[0].doc_id == "library_letter.txt"
    # described by what it is about rather than by its title: the best article holds every word of it
    about = letters.ask("Who wrote the letter about the library?")
    assert about.short_answer == "Tomas Eriksen"
    # no description at all: which letter?
    assert letters.ask("Who wrote the letter?").abstained


def test_who_wrote_it_after_an_answer_asks_about_that_answer_s_article(letters):
    first = letters.ask("What would a modest pier on the north side of the harbour do?")
    assert first.quotes[0].doc_id == "harbour_letter.txt"
    for follow_up in ("Who wrote it?", "Who wrote that letter?", "Who is the author?"):
        answer = letters.ask(follow_up, history=[first])
        assert answer.short_answer == "Ingrid Solberg", follow_up
        assert answer.resolved_question == "Who wrote “Letter to the Editor: The harbour needs a second ferry berth”?"
    # the same words with no answer before them name no article
    assert letters.ask("Who wrote it?").abstained


def test_an_author_named_only_in_the_byline_is_said_but_not_quoted(letters):
    answer = letters.ask("Who wrote the article saying the ferry strike ended after nine days?")
    # the byline is metadata, not text: no quote, and not the union leader the story quotes
    assert answer.abstained and answer.quotes == []
    assert "Mara Lind" in answer.answer and "Knut Berg" not in answer.answer
    assert answer.closest and {q.doc_id for q in answer.closest} == {"ferry_strike.txt"}
    _check_quotes(letters, answer)


def test_a_letter_the_collection_lacks_gets_no_author(letters):
    # the same question with its letter masked out: the other letter's signer must not stand in
    answer = letters.ask(
        "Who wrote the letter saying the harbour needs a second ferry berth?", exclude_docs=["harbour_letter.txt"]
    )
    assert answer.short_answer != "Tomas Eriksen"
    assert all("Tomas Eriksen" not in q.text for q in answer.quotes)


def test_the_shipped_digest_letter_is_attributed(shipped):
    answer = shipped.ask("Who wrote the Armenian Weekly letter asking whether Artsakh is a test of Armenian fortitude?")
    assert answer.short_answer == "Hazel Barsamian"
    assert answer.quotes[0].source == "Armenian Weekly"


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Who wrote the letter about the harbour?", True),
        ("Who wrote the Armenian Weekly letter asking whether Artsakh is a test?", True),
        ("Who is the author of this op-ed on ferries?", True),
        ("Whose column criticised the council?", True),
        ("Who penned the editorial?", True),
        # words, a book, a law: their author is not the article's
        ("Who wrote that the council must act?", False),
        ("Who wrote the Iliad?", False),
        ("Who signed the treaty in 1994?", False),
        ("Who reported the strike to the police?", False),
        ("Who wrote the report on the strike?", False),  # the report an article covers, more often than not
    ],
)
def test_which_questions_ask_for_an_article_author(question, expected):
    assert asks_author(question) is expected


def test_a_signature_under_a_single_letter_becomes_its_author(tmp_path):
    text, meta = clean_text(HARBOUR_LETTER)
    assert meta.author == "Ingrid Solberg"
    assert text.endswith("Ingrid Solberg\n\nHalden, Norway")  # the signature stays quotable text
    # a byline wins over a signature
    assert clean_text(FERRY_STORY)[1].author == "Mara Lind"


@pytest.mark.parametrize(
    "tail",
    [
        "Associated Press",  # an end credit names an outlet, not a writer
        "Reuters Staff",
        "Ingrid Solberg\n\nHalden, Norway\n\nMember of the harbour council since 2011 and chair of its transport committee",
        "the council should act",  # no name
    ],
)
def test_lines_that_are_no_signature_give_no_author(tail):
    body = HARBOUR_LETTER.split("Ingrid Solberg")[0]
    assert clean_text(body + tail + "\n")[1].author == ""


def test_load_documents_reads_the_signature(tmp_path):
    (tmp_path / "letter.txt").write_text(LIBRARY_LETTER, encoding="utf-8")
    [doc] = load_documents([tmp_path]).documents
    assert doc.author == "Tomas Eriksen" and doc.text.endswith("Tomas Eriksen")


def test_the_row_holding_a_name_is_found_from_any_sentence_of_its_article(letters):
    index = letters.index
    number = index.doc_ids.index("harbour_letter.txt")
    rows = [r for r in range(len(index.sentence_rows)) if int(index.sentence_rows[r, 0]) == number]
    assert len(rows) >= 5
    for anchor in rows:
        for want in rows:
            _, s, e = index.sentence_rows[want].tolist()
            assert _row_at(index, anchor, s) == want and _row_at(index, anchor, e - 1) == want
    # a character between two sentences (the blank line) stands in none
    _, _, end = index.sentence_rows[rows[0]].tolist()
    assert _row_at(index, rows[-1], end) is None and _row_at(index, rows[0], end) is None


def test_a_name_repeated_along_a_huge_line_is_skipped_in_one_pass():
    # a 2 MB line naming the author 90,000 times is no signature; the signature line after it is
    # (each long line is passed over once, not once per repeat of the name)
    text = "Ingrid Solberg said so. " * 90_000 + "\n\nIngrid Solberg\n\nHalden, Norway"
    at = _printed_at(text, "Ingrid Solberg")
    assert at == text.rindex("Ingrid Solberg") and text[at - 2 : at] == "\n\n"
    assert _printed_at("Ingrid Solberg " * 150_000, "Ingrid Solberg") is None

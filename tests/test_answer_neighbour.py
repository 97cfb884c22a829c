"""The first quote takes in the sentence beside it that names what the question asks for, when its own
sentence does not: "Which country …?" is not answered by "the country's most populous island"."""

from __future__ import annotations

import pytest

from tests.conftest import news_assistant

# News paragraphs of one sentence each: the lede names the country, the next one matches the question's
# words (the magnitude, "shook") but names no country.
ARTICLES = [
    {
        "id": "quake.txt",
        "title": "Deadly quake in the north",
        "source": "Wire",
        "date": "2022-07-27",
        "text": "At least five people died after a powerful earthquake struck the northern Philippines on "
        "Wednesday, according to the authorities.\n\n"
        "The 7.0-magnitude quake shook the country’s most populous island at 8:43 a.m. local time, "
        "seismologists said.\n\n"
        "Rescue teams were sent to the mountain towns.",
    },
    {
        "id": "market.txt",
        "title": "Markets steady",
        "source": "Wire",
        "date": "2022-07-27",
        "text": "Stock markets were steady on Wednesday as traders waited for the central bank's decision.",
    },
]
QUESTION = "Which country was shaken by a 7.0-magnitude quake?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, config):
    return news_assistant(tmp_path_factory.mktemp("neighbour"), ARTICLES, config)


def test_the_first_quote_takes_in_the_sentence_that_names_the_answer(assistant):
    answer = assistant.ask(QUESTION)
    first = answer.quotes[0]
    assert "7.0-magnitude quake shook" in first.text  # the sentence that matches the question …
    assert "Philippines" in first.text  # … and the lede before it, across the paragraph break
    assert "\n\n" in first.text
    assert assistant.documents[first.doc_id].text[first.start : first.end] == first.text


def test_a_sentence_that_names_the_answer_is_quoted_alone(assistant):
    answer = assistant.ask("Where did a powerful earthquake strike on Wednesday?")
    first = answer.quotes[0]
    assert "Philippines" in first.text and "\n" not in first.text


def test_an_untyped_question_is_not_widened(assistant):
    answer = assistant.ask("What did seismologists say about the 7.0-magnitude quake?")
    assert answer.quotes and "\n" not in answer.quotes[0].text

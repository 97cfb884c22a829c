"""Questions about the present: the day a question is asked (`asked_on`) makes the articles of the days
before it searched and preferred."""

from __future__ import annotations

import json

import pytest

from qa.answer.recency import RECENT_DAYS, asks_about_now, recent_documents, recent_window
from qa.errors import InvalidRequestError, QuestionSetError
from tests.conftest import news_assistant

# Two box-office reports in the same words, years apart, and a newsletter dated after the question.
ARTICLES = [
    {
        "id": "old.txt",
        "title": "Box office: comedy sequel opens at No. 1",
        "source": "Old Wire",
        "date": "2016-01-17",
        "text": "The comedy sequel Ride Along 2 topped the US box office this weekend with $35 million. "
        "It opened below its predecessor, which made $41.5 million two years ago.",
    },
    {
        "id": "new.txt",
        "title": "Thor sequel rules the weekend",
        "source": "New Wire",
        "date": "2022-07-10",
        "text": "Thor: Love and Thunder topped the US box office this weekend with $143 million. "
        "It is the fourth Thor film from Marvel Studios.",
    },
    {
        "id": "quake-2016.txt",
        "title": "Earthquake shakes Ecuador",
        "source": "Old Wire",
        "date": "2016-04-17",
        "text": "A powerful magnitude-7.8 earthquake shook the country of Ecuador this week, killing more than 230 "
        "people. The country was shaken again by aftershocks on Sunday.",
    },
    {
        "id": "quake-2022.txt",
        "title": "Quake hits Luzon",
        "source": "New Wire",
        "date": "2022-07-26",
        "text": "The Philippines was shaken by a 7.0-magnitude earthquake on Wednesday, according to the US "
        "Geological Survey. Buildings swayed in Manila.",
    },
    {
        "id": "quiz.txt",
        "title": "Five things to know",
        "source": "Newsletter",
        "date": "2022-07-15",
        "text": "Test your knowledge with this week's quiz on movies and music. Send us your answers by Friday.",
    },
]
QUESTION = "Which movie topped the US box office this weekend?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, config):
    return news_assistant(tmp_path_factory.mktemp("recency"), ARTICLES, config)


def test_present_tense_cues():
    assert asks_about_now("Which movie is at the top of the box office this week?")
    assert asks_about_now("Which country is now bankrupt?")
    assert not asks_about_now("Which movie topped the box office in January 2016?")


def test_window_is_the_days_before_the_question():
    first, last = recent_window("2022-07-14")
    assert (first, last) == ("2022-07-05", "2022-07-14") and RECENT_DAYS == 9


def test_recent_documents_need_a_day_and_a_cue(assistant):
    docs = assistant.documents
    ids = {i.split("#")[0].rsplit("/", 1)[-1]: i for i in docs}
    assert recent_documents(docs, None, QUESTION) is None
    assert recent_documents(docs, "2022-07-14", "Which movie topped the box office in 2016?") is None
    # the newsletter is dated after the question was asked: not what "this weekend" was about
    assert recent_documents(docs, "2022-07-14", "What topped the box office this week?") == {ids["new.txt"]}


def test_asked_on_prefers_the_articles_of_that_week(assistant):
    then = assistant.ask(QUESTION, asked_on="2016-01-20")
    now = assistant.ask(QUESTION, asked_on="2022-07-14")
    assert then.quotes[0].doc_id.endswith("old.txt")
    assert now.quotes[0].doc_id.endswith("new.txt")
    for answer in (then, now):  # the promise holds whatever the day
        for q in answer.quotes:
            assert assistant.documents[q.doc_id].text[q.start : q.end] == q.text


QUAKE = "Which country was shaken by a powerful earthquake this week?"


def test_this_weeks_articles_answer_alone_when_they_cover_it(assistant):
    # the 2016 report says more of the question's words; the week's report still answers it
    without_day = assistant.ask(QUAKE)
    assert without_day.quotes[0].doc_id.endswith("quake-2016.txt")
    answer = assistant.ask(QUAKE, asked_on="2022-07-28")
    assert answer.quotes and all(q.doc_id.endswith("quake-2022.txt") for q in answer.quotes)


def test_older_articles_answer_when_the_weeks_do_not_cover_it(assistant):
    # that week's only article is about a film: the earthquake of another year is still quoted, not refused
    answer = assistant.ask(QUAKE, asked_on="2022-07-14")
    assert answer.quotes and answer.quotes[0].doc_id.endswith("quake-2016.txt")


def test_asked_on_must_be_a_day(assistant):
    with pytest.raises(InvalidRequestError, match="asked_on"):
        assistant.ask(QUESTION, asked_on="last Tuesday")


def test_question_sets_carry_their_date(tmp_path):
    from qa.eval.sets import load_questions

    path = tmp_path / "q.jsonl"
    path.write_text(
        json.dumps({"id": "a", "question": QUESTION, "answers": ["Thor"], "sources": ["new.txt"], "date": "2022/07/14"})
        + "\n",
        encoding="utf-8",
    )
    (q,) = load_questions(path).questions
    assert q.asked_on == "2022-07-14" and q.to_dict()["date"] == "2022-07-14"
    path.write_text(
        json.dumps({"id": "a", "question": QUESTION, "answers": [], "sources": [], "date": "July"}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(QuestionSetError, match="'date'"):
        load_questions(path)


def test_cli_asked_on(shipped_index_dir):
    from click.testing import CliRunner

    from qa.cli import cli

    ask = ["ask", "Who hosted the talks in Sochi?", "--index-dir", str(shipped_index_dir)]
    bad = CliRunner().invoke(cli, ask + ["--asked-on", "soon"])
    assert bad.exit_code != 0 and "asked_on" in bad.output and "Traceback" not in bad.output
    good = CliRunner().invoke(cli, ask + ["--asked-on", "2023-10-06", "--json"])
    assert good.exit_code == 0, good.output
    assert json.loads(good.output)["quotes"]

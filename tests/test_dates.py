"""Relative dates in short answers are placed on the calendar by the article's date; the words stay."""

import pytest

from qa.answer.dates import resolve_relative_date
from qa.render import format_answer_text

MONDAY = "2023-10-09"


@pytest.mark.parametrize(
    "phrase, context, expected",
    [
        ("on Saturday", "They met on Saturday in Malta.", "2023-10-07"),  # past: the Saturday just gone
        ("Monday", "Talks were held on Monday.", MONDAY),  # the article's own day
        ("last Monday", "", "2023-10-02"),
        ("next Friday", "", "2023-10-13"),
        ("Saturday", "ahead of the party's convention on Saturday", "2023-10-14"),  # still to come
        ("yesterday", "", "2023-10-08"),
        ("the day before yesterday", "", "2023-10-07"),
        ("Oct. 4", "", "2023-10-04"),
        ("4 October", "", "2023-10-04"),
        ("Sept. 5", "", "2023-09-05"),
        ("5th of May", "", "2023-05-05"),
    ],
)
def test_relative_dates_resolve_against_the_article_date(phrase, context, expected):
    assert resolve_relative_date(phrase, MONDAY, context) == expected


def test_a_date_without_year_early_in_the_year_means_the_december_just_gone():
    assert resolve_relative_date("Dec. 28", "2024-01-05") == "2023-12-28"


@pytest.mark.parametrize(
    "phrase, anchor",
    [
        ("Dec 28, 2022", MONDAY),  # a full date needs no resolving
        ("2023", MONDAY),
        ("Feb 30", MONDAY),  # no such day
        ("sometime soon", MONDAY),
        ("Saturday", ""),  # an undated article places nothing
        ("Saturday", "2023-13-45"),
    ],
)
def test_what_names_no_single_day_is_left_alone(phrase, anchor):
    assert resolve_relative_date(phrase, anchor) is None


def test_the_answer_keeps_the_phrase_and_adds_its_day(shipped):
    # 000_… (The Kyiv Independent, 2023-10-04, a Wednesday): "… ahead of his ruling party's convention on Saturday"
    answer = shipped.ask("When is the convention of Erdogan's ruling party?")
    assert not answer.abstained and answer.short_answer == "Saturday"
    assert answer.short_answer_date == "2023-10-07"
    assert answer.to_dict()["short_answer_date"] == "2023-10-07"
    assert "Short answer: Saturday (2023-10-07)" in format_answer_text(answer, shipped.documents)
    # a weekday in an undated article stays as written
    undated = shipped.ask("When did Grigoryan meet Yermak?")
    assert undated.short_answer == "Saturday" and undated.short_answer_date is None

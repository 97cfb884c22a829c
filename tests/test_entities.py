"""Answer types and short answers on hand-made sentences (real spaCy NER)."""

import pytest

from qa.answer.entities import (
    DATE, FACILITY, NUMBER, ORGS, PEOPLE, PERSON, PLACE, EntityCache, expected_labels, named_in, pick_short_answer,
    based_places,
)


@pytest.mark.parametrize(
    "question, labels",
    [
        ("Who mediated the talks?", PERSON),
        ("When did the offensive start?", DATE),
        ("In what year was the treaty signed?", DATE),
        ("Where were the talks supposed to be held?", PLACE),
        ("Which city hosted the summit?", PLACE),
        ("How many people died in the fighting?", NUMBER),
        ("How much aid was promised?", NUMBER),
        ("Why did Aliyev refuse to attend?", frozenset()),
        # a role wants a person, not the organisation beside it
        ("Which members of parliament were part of the delegation?", PEOPLE),
        ("Who is Armenia's foreign minister who met Colonna?", PEOPLE),
        ("Which company sold Armenia its anti-drone system?", ORGS),
        ("What organization did General Nimeiry invite members of?", ORGS),
        ("Which venue in Yerevan hosted the session?", FACILITY),
    ],
)
def test_expected_labels(question, labels):
    assert expected_labels(question) == labels


def short(question, sentence):
    ents = EntityCache().entities([(0, sentence)])[0]
    span = pick_short_answer(question, sentence, ents, expected_labels(question))
    return None if span is None else sentence[span[0] : span[1]]


def test_short_answers_have_the_right_type():
    s = "The talks were supposed to be held on Oct. 5 in Spain, on the sidelines of a meeting in Granada."
    assert short("Where were the talks supposed to be held?", s) in {"Spain", "Granada"}
    assert short("When were the talks supposed to be held?", s) == "Oct. 5"
    assert "6,500" in short("How many people died?", "More than 6,500 people died in the fighting.")


def test_entity_named_in_the_question_is_not_the_answer():
    s = "Putin hosted Pashinyan and Aliyev in Sochi."
    assert short("Where did Putin host the leaders?", s) == "Sochi"
    assert short("Where did Putin meet them in Sochi?", "Putin met them in Sochi.") is None


def test_untyped_question_has_no_short_answer():
    assert short("Why did the talks fail?", "The talks failed in Granada in October.") is None


@pytest.mark.parametrize(
    "entity, question, named",
    [
        ("the United States", "In which city did US, EU and Russian officials meet?", True),  # initials
        ("European Union", "Whom did the EU send?", True),
        ("India", "In which Indian city is the company based?", True),  # the stem of a question word
        ("Istanbul", "In which city did US, EU and Russian officials meet?", False),
        ("Toivo Klaar", "Whom did the EU send?", False),
        ("Hakob Arshakyan", "Which members of parliament were part of Arshakyan's delegation?", True),  # the surname
    ],
)
def test_an_entity_the_question_names_in_other_words(entity, question, named):
    assert named_in(entity, {w for w in question.casefold().replace("?", "").replace(",", "").split()}, question) is named


def test_the_short_answer_is_not_what_the_question_calls_by_another_name():
    s = "Top officials from the United States and the EU met in Istanbul."
    assert short("In which city did US and EU officials meet?", s) == "Istanbul"
    met = "Deputy Speaker Hakob Arshakyan and his delegation met Canadian Senator Salma Ataullahjan."
    assert short("Whom did Arshakyan's delegation meet?", met) == "Salma Ataullahjan"


def test_the_place_of_an_x_based_company_is_a_place():
    deal = "Armenia has contracted the Hyderabad-based Zen Technologies."
    at = deal.index("Hyderabad")
    assert based_places(deal, []) == [(at, at + len("Hyderabad"), "GPE")]
    assert short("In which Indian city is the company based?", deal) == "Hyderabad"

"""Answer types and short answers on hand-made sentences (real spaCy NER)."""

import pytest

from qa.answer.entities import (
    DATE,
    NUMBER,
    ORGS,
    PEOPLE,
    PERSON,
    PLACE,
    EntityCache,
    expected_labels,
    named_in,
    pick_short_answer,
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
        ("the Armenian delegation", "Whom did the Armenian delegation meet?", True),  # an article aside
        ("Putin", "Where did Putin host the leaders?", True),
        # only its own words name an entity: not initials, a surname alone or a word's stem
        ("the United States", "In which city did US, EU and Russian officials meet?", False),
        ("India", "In which Indian city is the company based?", False),
        ("Istanbul", "In which city did US, EU and Russian officials meet?", False),
        ("Toivo Klaar", "Whom did the EU send?", False),
    ],
)
def test_an_entity_the_question_names(entity, question, named):
    assert named_in(entity, {w for w in question.casefold().replace("?", "").replace(",", "").split()}) is named


def test_why_questions_look_for_the_words_that_give_a_cause():
    from qa.answer.entities import cause_span

    q = "Why did Aliyev refuse to attend the talks in Granada?"
    assert cause_span(q, "Aliyev is refusing to attend due to the position of France.") is not None
    assert cause_span(q, "Aliyev and Pashinian were to meet in Granada.") is None
    assert cause_span("Who refused to attend?", "He refused due to the position of France.") is None


def test_the_short_answer_is_the_entity_of_the_type_after_the_question_s_words():
    s = "Vladimir Putin met Angela Merkel in Moscow, then flew to Sochi."
    assert short("Where did Vladimir Putin meet Angela Merkel?", s) == "Moscow"
    assert short("Whom did Vladimir Putin meet?", s) == "Angela Merkel"

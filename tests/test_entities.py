"""Answer types and short answers on hand-made sentences (real spaCy NER)."""

import pytest

from qa.answer.entities import DATE, NUMBER, PERSON, PLACE, EntityCache, expected_labels, pick_short_answer


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

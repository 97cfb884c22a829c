"""The public API validates what it is asked, and changes the collection through one door."""

import pytest

from qa.api import MAX_K, Assistant, check_date
from qa.errors import EmptyQuestionError, InvalidRequestError, QuestionTooLongError
from qa.records import Document

DOCS = [
    Document(
        id="granada.txt",
        title="Summit",
        source="Daily Planet",
        date="2023-10-04",
        text="The summit was supposed to be held in Granada, Spain. It was cancelled.",
    ),
    Document(
        id="penguins.txt",
        title="Penguins",
        source="Nature Notes",
        date="2022-01-10",
        text="Emperor penguins breed during the Antarctic winter. Males incubate the eggs.",
    ),
]


@pytest.fixture()
def assistant(tmp_path, config):
    return Assistant.build(DOCS, tmp_path / "index", config)


def test_question_validation_names_the_field(assistant):
    with pytest.raises(EmptyQuestionError, match="^question: empty"):
        assistant.ask("  ")
    with pytest.raises(QuestionTooLongError, match="^question: too long"):
        assistant.ask("why " * 400)


@pytest.mark.parametrize("k", [0, -1, MAX_K + 1, 2.5, "3", True])
def test_k_outside_its_range_is_refused(assistant, k):
    with pytest.raises(InvalidRequestError, match="^k: "):
        assistant.ask("Where was the summit?", k)


def test_dates_are_checked_like_the_cli(assistant):
    with pytest.raises(InvalidRequestError, match="^date_from: '2023-13-45' is not a date"):
        assistant.ask("Where was the summit?", date_from="2023-13-45")
    with pytest.raises(InvalidRequestError, match="after date_to"):
        assistant.ask("Where was the summit?", date_from="2023-12-01", date_to="2023-01-01")
    assert check_date(" 2023-10-04 ", "date_to") == "2023-10-04"
    assert check_date("", "date_to") is None


def test_add_and_remove_change_what_can_be_quoted(assistant):
    extra = Document(
        id="zebra.txt",
        title="Zebras",
        source="Wild",
        text="The zebra migration reached the Mara river in July after heavy rains.",
    )
    assistant.add([extra])
    answer = assistant.ask("When did the zebra migration reach the Mara river?")
    assert answer.quotes and answer.quotes[0].doc_id == "zebra.txt"
    assert assistant.remove(["zebra.txt", "not-there.txt"]) == ["zebra.txt"]
    assert "zebra.txt" not in assistant.documents
    assert all(
        q.doc_id != "zebra.txt" for q in assistant.ask("When did the zebra migration reach the Mara river?").quotes
    )


def test_built_from_tells_a_changed_corpus(assistant):
    assert assistant.built_from(DOCS)
    changed = [DOCS[0], Document(id="penguins.txt", text="Penguins changed.", title="P")]
    assert not assistant.built_from(changed)
    assert assistant.differs_from(changed) == ["penguins.txt"]

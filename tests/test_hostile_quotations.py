"""Quotation extraction under real news shapes that broke it: a fault costs one quotation's speaker
at most, never an article's quotations (issue 26, item 6)."""

from __future__ import annotations

from qa.quotations import extract as extract_module
from qa.quotations import extract_quotations
from qa.quotations.stored import extract_all
from qa.records import Document

# The shape of the live-blog posts that lost every quotation of 10 CNN articles: a post signed
# "– Reporter Name" on its own line, then the next post's headline. The small tagger runs the
# signature's PERSON entity on into the blank lines after it, so a pronoun resolved to it got the
# speaker "\n\n", and the next quotation's `q.speaker.split()[-1]` raised IndexError.
LIVE_BLOG = (
    "So far, the storm has closed 40 harbours along the coast. Efforts to repair the piers have left boats idle.\n\n"
    "The vote came after some last-minute drama that sent council members back to the town hall over worries "
    "councillor Thomas Brekke would call for a recorded vote. Brekke did request a recorded vote, but it did not "
    "receive a second.\n\n"
    "– Christal Hayes\n\n"
    "Third council member tests positive for flu\n\n"
    "Shortly after the council passed the repair package, councillor Joe Lund, of Vik, announced a positive test "
    "for the flu.\n\n"
    '"While I otherwise feel fine, since March 17th I have been unable to smell or taste, which I learned this '
    'week is a potential symptom of the flu," he said. Lund said he was tested on Thursday after a remote '
    "consultation with a physician.\n\n"
    '"While my symptoms are mild, I will stay at home until the doctors say it is safe to return," he said in '
    "a statement.\n"
)


def _doc(text: str, id: str = "live.txt") -> Document:
    return Document(id=id, text=text, title="Live", source="Test Wire", date="2020-03-27", path=id)


def test_a_signature_before_blank_lines_never_becomes_a_blank_speaker():
    found, problems = extract_quotations(_doc(LIVE_BLOG))
    speech = [q for q in found if q.speech]
    assert len(speech) == 2 and problems == []
    for q in speech:
        assert q.speaker.strip() == q.speaker and q.speaker  # no "\n\n" speaker
        assert LIVE_BLOG[q.speaker_start : q.speaker_end] == q.speaker
    assert [q.speaker for q in speech] == ["Joe Lund", "Joe Lund"]


def test_the_index_build_keeps_every_quotation_of_that_article():
    quotations, problems = extract_all([_doc(LIVE_BLOG)])
    assert not any("quotations not extracted" in p for p in problems), problems
    assert len([q for q in quotations if q.speech]) == 2


def test_a_fault_in_one_quotation_costs_that_quotations_speaker_only(monkeypatch):
    """Whatever the next unforeseen fault is, it stays inside its quotation: the others keep theirs."""
    real = extract_module.attribute
    calls = []

    def attribute(text, span, skip, history=()):
        calls.append(span.open)
        if len(calls) == 1:
            raise IndexError("list index out of range")
        return real(text, span, skip, history)

    monkeypatch.setattr(extract_module, "attribute", attribute)
    found, problems = extract_quotations(_doc(LIVE_BLOG))
    first, second = [q for q in found if q.speech]
    assert first.speaker == "" and first.speaker_start is None  # kept, unattributed
    assert second.speaker == "Joe Lund"
    [line] = problems
    assert (
        line.startswith(f"live.txt: character {calls[0]}: speaker not attributed (IndexError: list index out of range)")
        and "\n" not in line
    )

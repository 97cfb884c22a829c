"""The timeline: date phrases and what they name (made-up sentences), which phrase dates a sentence's
event (spaCy's parse), merging reports of one event, and `Assistant.timeline` on the shipped corpus
scored against its timeline set (bench/questions/timeline.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import InvalidRequestError, QuestionSetError
from qa.timeline import DAY, MONTH, RANGE, REPORTED, YEAR, EventDate, compatible, in_range
from qa.timeline.events import choose, parse
from qa.timeline.phrases import find_phrases, resolve

from .conftest import CORPUS, ROOT

GOLD = ROOT / "bench" / "questions" / "timeline.jsonl"


def _date(sentence: str, anchor: str = "", previous: EventDate | None = None, which: int = 0) -> EventDate:
    phrases = find_phrases(sentence)
    assert phrases, sentence
    return resolve(phrases[which], sentence, anchor, previous)


# --- phrases ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, anchor, kind, value, basis",
    [
        ("The talks were held on Oct. 5 in Granada.", "2023-10-04", DAY, "2023-10-05", "article date"),
        ("The talks were held on Oct. 5 in Granada.", "", DAY, "--10-05", "sentence"),  # no year anywhere: none made up
        ("The meeting on November 20, 2023 is off.", "", DAY, "2023-11-20", "sentence"),
        ("Troops attacked on 19 September 2023.", "", DAY, "2023-09-19", "sentence"),
        ("Fighting raged between 19 and 20 September.", "2023-10-04", RANGE, "2023-09-19/2023-09-20", "article date"),
        ("The visit ran from October 16 to 23.", "2023-11-09", RANGE, "2023-10-16/2023-10-23", "article date"),
        ("He announced them in late October.", "", MONTH, "--10", "sentence"),
        ("He announced them in October 2023.", "", MONTH, "2023-10", "sentence"),
        ("The territory declared independence in 1991.", "", YEAR, "1991", "sentence"),
        ("Talks resumed on Saturday.", "2023-10-04", DAY, "2023-09-30", "article date"),
        ("He will fly there on Saturday.", "2023-10-04", DAY, "2023-10-07", "article date"),
        ("They met last month.", "2023-11-16", MONTH, "2023-10", "article date"),
        ("Talks resumed yesterday.", "2023-10-04", DAY, "2023-10-03", "article date"),
    ],
)
def test_phrases_are_placed_only_as_far_as_the_text_says(sentence, anchor, kind, value, basis):
    when = _date(sentence, anchor)
    assert (when.kind, when.value, when.basis) == (kind, value, basis)
    assert sentence[find_phrases(sentence)[0].start : find_phrases(sentence)[0].end] == when.phrase


def test_what_the_text_cannot_place_stays_unplaced():
    assert not _date("Talks resumed on Saturday.", "").placed  # a weekday of an undated article
    assert not _date("They met last month.", "").placed
    assert not _date("The same day, troops withdrew.", "2023-10-04").placed  # no earlier date to repeat
    previous = _date("On Oct. 3, the minister spoke.", "2023-10-04")
    same = _date("The same day, troops withdrew.", "2023-10-04", previous)
    assert (same.value, same.basis) == ("2023-10-03", "earlier sentence")
    nxt = _date("The next day, troops withdrew.", "2023-10-04", previous)
    assert nxt.value == "2023-10-04"


@pytest.mark.parametrize(
    "sentence",
    [
        "May the talks succeed.",
        "They march on the capital.",
        "It cost US$2023 million.",
        "In the 1990s it grew.",
        "About 2,000 troops and 286 people.",
        "It lasted 24 hours over three decades.",
    ],
)
def test_words_that_are_not_dates(sentence):
    assert find_phrases(sentence) == []


def test_labels_and_order():
    day = EventDate(DAY, "2023-10-05", "sentence")
    assert day.label() == "5 October 2023"
    assert EventDate(DAY, "--11-18", "sentence").label() == "18 November (year not stated)"
    assert EventDate(MONTH, "2023-10", "sentence", part="late").label() == "late October 2023"
    assert EventDate(RANGE, "2023-10-16/2023-10-23", "sentence").label() == "16–23 October 2023"
    assert EventDate(RANGE, "2023-09-30/2023-10-02", "sentence").label() == "30 September – 2 October 2023"
    assert EventDate(DAY, "2023-10-04", REPORTED).label() == "reported on 4 October 2023"
    assert EventDate(phrase="on Saturday").label() == "“on Saturday” (no date given)"
    dates = [
        EventDate(phrase="x"),
        EventDate(DAY, "--01-02", "sentence"),
        EventDate(DAY, "2023-10-05", "sentence"),
        EventDate(MONTH, "2023-10", "sentence", part="late"),
        EventDate(YEAR, "2020", "sentence"),
        EventDate(MONTH, "2023-10", "sentence"),
    ]
    ordered = sorted(dates, key=lambda d: d.sort_key())
    assert [d.value for d in ordered] == ["2020", "2023-10", "2023-10-05", "2023-10", "--01-02", ""]
    assert ordered[3].part == "late"


def test_compatible_dates_and_ranges():
    sept = EventDate(MONTH, "--09", "sentence")
    assert compatible(sept, EventDate(DAY, "2023-09-19", "sentence"))
    assert not compatible(EventDate(DAY, "2023-09-19", "sentence"), EventDate(DAY, "2023-09-20", "sentence"))
    assert not compatible(EventDate(MONTH, "--10", "sentence", part="late"), EventDate(DAY, "2023-10-04", "sentence"))
    assert not compatible(EventDate(DAY, "2023-10-04", REPORTED), EventDate(DAY, "2023-10-04", "sentence"))
    assert in_range(EventDate(DAY, "2023-10-05", "sentence"), "2023-10-01", "2023-10-31")
    assert not in_range(EventDate(DAY, "--10-05", "sentence"), "2023-10-01", None)  # no year: in no range
    assert not in_range(EventDate(MONTH, "2023-10", "sentence"), "2023-10-15", None)


# --- which phrase dates the event ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, anchor, expected",
    [
        (
            'Erdogan canceled his plans on Oct. 4 due to his "busy schedule ahead of the convention on Saturday," aides said.',
            "2023-10-04",
            "2023-10-04",
        ),
        ("Mr O'Brien told the committee that nothing will be normal after the events of September 19.", "", None),
        ("Those principles, he said at the time, were based on the 1991 Alma-Ata Declaration.", "", None),
        ("The Kremlin said the leaders would discuss the implementation of the 2020 peace deal.", "", None),
        (
            "The Assembly adopted a resolution on Thursday condemning the operation launched on September 19.",
            "",
            "--09-19",
        ),
        ("Baku said on November 16 that it would not attend talks planned this month.", "", "--11-16"),
    ],
)
def test_the_parse_picks_the_date_of_the_event(sentence, anchor, expected):
    dated = [(p, resolve(p, sentence, anchor)) for p in find_phrases(sentence)]
    choice = choose(next(parse([sentence])), dated)
    assert (choice.date.value if choice else None) == expected


# --- the timeline of the shipped corpus ------------------------------------------------------------------


TOPIC = "Armenia–Azerbaijan conflict and peace talks"


@pytest.fixture(scope="module")
def timeline(shipped):
    return shipped.timeline(TOPIC, n=200)


def test_entries_are_in_date_order_exact_and_dated_from_their_words(shipped, timeline):
    assert len(timeline.entries) >= 15
    keys = [e.when.sort_key() for e in timeline.entries]
    assert keys == sorted(keys)
    assert all(not e.when.placed for e in timeline.undated)
    docs = shipped.documents
    for e in timeline.all:
        q = e.quote
        assert docs[q.doc_id].text[q.start : q.end] == q.text
        for other in q.also_in:
            assert docs[other["doc_id"]].text[other["start"] : other["end"]] == other["text"]
        if e.when.basis == REPORTED:
            assert e.when.value == docs[q.doc_id].date
        elif e.when.phrase:
            assert docs[q.doc_id].text[e.when.start : e.when.end] == e.when.phrase
            assert q.start <= e.when.start < e.when.end <= q.end
    labels = {e.when.label() for e in timeline.entries}
    assert "5 October 2023" in labels and "16–23 October 2023" in labels and "2020" in labels
    assert "18 November (year not stated)" in labels  # the RFE/RL articles give no year
    assert any("Saturday" in e.when.phrase for e in timeline.undated)  # undated article: not placed


def test_reports_of_one_event_are_one_entry(timeline):
    washington = [e for e in timeline.entries if e.when.value == "2023-11-20"]
    assert len(washington) == 1
    assert washington[0].quote.also_in and washington[0].quote.also_in[0]["when"]["value"] == "--11-20"
    assert len([e for e in timeline.entries if e.when.value == "2023-10-04"]) == 2  # Aliyev and Erdogan: two events


def test_filters_and_limits(shipped, timeline):
    october = shipped.timeline(TOPIC, since="2023-10-01", until="2023-10-31")
    assert october.entries and all("2023-10" <= e.when.value[:7] <= "2023-10" for e in october.entries)
    assert october.undated == []  # an undated event is in no date range
    kyiv = shipped.timeline(TOPIC, source="the kyiv independent")
    assert kyiv.all and {e.quote.source for e in kyiv.all} == {"The Kyiv Independent"}
    assert len(shipped.timeline(TOPIC, n=3).all) == 3
    everything = shipped.timeline()
    assert len(everything.all) >= len(timeline.all)  # no topic: every dated event
    for bad, field in [
        (dict(n=0), "n"),
        (dict(since="2023-13-01"), "since"),
        (dict(topic="x" * 1001), "topic"),
        (dict(since="2023-11-01", until="2023-10-01"), "swap"),
    ]:
        with pytest.raises(InvalidRequestError, match=field):
            shipped.timeline(**bad)


def test_the_timeline_set_scores_above_the_targets(shipped, timeline):
    from qa.api import load_documents
    from qa.eval.timeline import load_timeline_set, score_timeline

    docs = {d.id: d for d in load_documents([CORPUS]).documents}
    events = load_timeline_set(GOLD, docs)
    assert len(events) >= 20 and {g.topic for g in events} == {TOPIC}
    result = score_timeline(events, {TOPIC: timeline}, docs)
    assert result["event_recall"] >= 0.8 and result["precision"] >= 0.8, result
    assert result["fidelity"] == 1.0 and result["traceable"] == 1.0


def test_the_timeline_set_loader_names_file_line_and_field(tmp_path):
    from qa.eval.timeline import is_timeline_set, load_timeline_set
    from qa.records import Document

    docs = {"a.txt": Document(id="a.txt", text="Talks were held on Oct. 5 in Granada.")}
    good = {
        "id": "t1",
        "topic": "talks",
        "date": "--10-05",
        "event": "Talks",
        "reports": [{"doc_id": "a.txt", "text": "Talks were held on Oct. 5 in Granada.", "date": "--10-05"}],
    }
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(good) + "\n")
    assert is_timeline_set(path) and load_timeline_set(path, docs)[0].reports[0].start == 0
    for change, message in [
        ({"date": "5 Oct"}, '"date"'),
        ({"reports": []}, '"reports"'),
        ({"reports": [{"doc_id": "a.txt", "text": "Not there.", "date": ""}]}, "not in a.txt"),
        ({"reports": [{"doc_id": "b.txt", "text": "x", "date": ""}]}, "not in the corpus"),
    ]:
        path.write_text(json.dumps({**good, **change}) + "\n")
        with pytest.raises(QuestionSetError, match=message) as err:
            load_timeline_set(path, docs)
        assert f"{path}:1" in str(err.value)
    assert not is_timeline_set(Path(ROOT / "bench" / "questions" / "shipped.jsonl"))

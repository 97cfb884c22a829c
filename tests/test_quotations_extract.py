"""The quote finder's extraction: marks, speech, speakers and offsets on hard cases written here,
unbalanced marks, and hostile text. Every quotation and speaker mention must be the document's
exact characters."""

import json

import pytest

from qa.errors import FidelityError
from qa.quotations import Quotation, extract_quotations, is_speech, verify_quotation
from qa.quotations.speakers import group_speakers, matching_speakers, same_speaker
from qa.quotations.stored import extract_all
from qa.records import Document


def _doc(text: str, id: str = "t.txt") -> Document:
    return Document(id=id, text=text, title="T", source="Test Wire", date="2023-11-18")


def _speech(doc: Document) -> list[Quotation]:
    found, _ = extract_quotations(doc)
    for q in found:  # the promise holds for every quotation the extractor returns
        assert doc.text[q.start : q.end] == q.text
        if q.speaker:
            assert doc.text[q.speaker_start : q.speaker_end] == q.speaker
    return [q for q in found if q.speech]


def test_verb_after_the_quote_names_the_speaker_and_keeps_the_title_apart():
    doc = _doc(
        "“The desire to sign a peace agreement remains unshakeable,” Armenian Prime Minister "
        "Nikol Pashinian said on Thursday."
    )
    [q] = _speech(doc)
    assert q.text == "The desire to sign a peace agreement remains unshakeable"
    assert (q.speaker, q.title, q.kind) == ("Nikol Pashinian", "Armenian Prime Minister", "person")


def test_split_quote_both_parts_get_the_speaker():
    doc = _doc(
        "Talks resumed in Brussels. “We have come here to sign, not to talk about signing,” "
        "Pashinyan told reporters. “If the other side is ready, the document can be ready within a week.”"
    )
    first, second = _speech(doc)
    assert first.speaker == second.speaker == "Pashinyan"
    assert (first.part, second.part) == (1, 2) and second.group == first.id


def test_quote_over_two_paragraphs_reopened_without_closing_is_one_quotation():
    doc = _doc(
        "Minister of Transport Davit Harutyunian spoke about the railway.\n\n"
        "“The line will be finished by 2026. We have the money and the engineers.\n\n"
        "“What we do not have yet is time,” Harutyunian said."
    )
    [q] = _speech(doc)
    assert q.text.startswith("The line will be finished") and q.text.endswith("is time")
    assert "\n\n“What we do not" in q.text
    assert q.speaker == "Harutyunian"


@pytest.mark.parametrize("intro", ["Putin: ", "Putin — "])
def test_colon_and_dash_introductions(intro):
    doc = _doc(
        f"The Kremlin sent its answer on Monday.\n\n{intro}“Russia remains ready to host the signing "
        "ceremony in Moscow if both sides ask for it.”"
    )
    [q] = _speech(doc)
    assert q.speaker == "Putin" and q.how == "colon"


def test_according_to_with_title_before_the_name():
    doc = _doc(
        "According to Deputy Chief of Mission Laura Fenwick, the talks will be held “behind closed "
        "doors, with no statements until the last day.”"
    )
    [q] = _speech(doc)
    assert (q.speaker, q.title, q.how) == ("Laura Fenwick", "Deputy Chief of Mission", "according_to")


def test_she_said_resolves_to_the_last_named_person():
    doc = _doc(
        "Kateryna Marchenko, a spokeswoman for the presidential office, said the next step would be a "
        "visit. “The invitation has been accepted, and the dates will be announced soon,” she said."
    )
    [q] = _speech(doc)
    assert q.speaker == "Kateryna Marchenko" and q.how == "pronoun"
    assert q.speaker_start < q.start  # the mention is the earlier name, verified at its offsets


def test_he_said_with_no_named_person_stays_unattributed():
    doc = _doc("The storm closed the pass for a week. “We will reopen it when the snow melts,” he said.")
    [q] = _speech(doc)
    assert q.speaker == ""


def test_institutions_speak_and_it_resolves_to_the_institution():
    doc = _doc(
        "Armenia’s Ministry of Defense said the soldier was in a stable condition. "
        "“An investigation is underway to clarify all the circumstances,” it added. "
        "“We categorically deny the provocative information,” Azerbaijan’s Defense Ministry said."
    )
    first, second = _speech(doc)
    assert first.speaker == "Armenia’s Ministry of Defense" and first.kind == "institution"
    assert second.speaker == "Azerbaijan’s Defense Ministry"


def test_scare_quotes_titles_and_single_words_are_not_speech():
    doc = _doc(
        "Critics call it a “railway to nowhere” and the officials a “circus”. He unveiled the "
        "“Crossroads of Peace” project and condemned “anti-terrorist” measures, which he called “biased”."
    )
    found, _ = extract_quotations(doc)
    assert [q.text for q in found] == [
        "railway to nowhere",
        "circus",
        "Crossroads of Peace",
        "anti-terrorist",
        "biased",
    ]
    assert not any(q.speech for q in found)
    assert not is_speech("Never Again") and is_speech("we often do not understand each other.")


@pytest.mark.parametrize("marks", [("«", "»"), ('"', '"'), ("‘", "’")])
def test_other_quotation_marks(marks):
    o, c = marks
    doc = _doc(f"{o}We will not forget who stood with our children,{c} Zelenskyy wrote on Telegram.")
    [q] = _speech(doc)
    assert q.text == "We will not forget who stood with our children" and q.speaker == "Zelenskyy"


def test_apostrophes_and_nested_single_quotes_do_not_split_a_quote():
    doc = _doc(
        "“They have begun calling the Republic of Armenia ‘Western Azerbaijan.’ This is Russia’s "
        "doing, not ours,” the speaker’s deputy Hakob Arshakyan said."
    )
    [q] = _speech(doc)
    assert q.text.endswith("not ours") and "‘Western Azerbaijan.’" in q.text


def test_unbalanced_marks_keep_the_rest_of_the_document_and_are_reported():
    text = (
        "Opposition leader Armen Sargsyan spoke first. “The commission has met eleven times, he said.\n\n"
        "Stray closer here” in the middle.\n\n"
        "“Every line will be shown to the public before it is signed,” Arshakyan said.\n\n"
        "“And this one never closes"
    )
    doc = _doc(text)
    found, problems = extract_quotations(doc)
    assert [q.text for q in found if q.speech] == ["Every line will be shown to the public before it is signed"]
    assert found[0].speaker == "Arshakyan"
    assert len(problems) == 3 and all(p.startswith("t.txt: character ") for p in problems)
    offsets = sorted(int(p.split("character ")[1].split(":")[0]) for p in problems)
    assert [text[i] for i in offsets] == ["“", "”", "“"]


def test_a_two_megabyte_line_without_quotes_and_one_with_a_lone_mark():
    line = "word " * 400_000
    assert extract_quotations(_doc(line)) == ([], [])
    found, problems = extract_quotations(_doc("“" + line))
    assert found == [] and len(problems) == 1


def test_lone_surrogates_never_crash():
    doc = _doc("“We will stay \ud800 here until the end,” Aliyev said. A stray \udfff mark.")
    found, _ = extract_quotations(doc)
    assert found[0].text == doc.text[found[0].start : found[0].end]


def test_a_failing_document_becomes_a_problem_and_the_others_are_kept():
    good = _doc("“The road will be open to all, under our laws,” Harutyunian said.", "good.txt")
    bad = Document(id="bad.txt", text=None)  # not text at all: extraction fails on it
    quotations, problems = extract_all([bad, good])
    assert [q.doc_id for q in quotations] == ["good.txt"]
    assert len(problems) == 1 and problems[0].startswith("bad.txt: quotations not extracted")


def test_verification_refuses_a_quotation_that_does_not_match():
    doc = _doc("“We need to be able to work with the Russians on this,” the official said.")
    [q] = _speech(doc)
    q.start += 1
    with pytest.raises(FidelityError):
        verify_quotation(q, doc)


def test_quotation_json_round_trip():
    [q] = _speech(_doc("“This conflict has been going on for a decade,” Putin said."))
    again = Quotation.from_dict(json.loads(json.dumps(q.to_dict())))
    assert again == q


@pytest.mark.parametrize(
    "a,b",
    [
        ("Pashinian", "Pashinyan"),
        ("Zelensky", "Zelenskyy"),
        ("Aliyev", "Aliev"),
        ("Nikol Pashinian", "Prime Minister Pashinian"),
        ("Mr O’Brien", "James O'Brien"),
    ],
)
def test_spelling_variants_are_one_speaker(a, b):
    assert same_speaker(a, b)


@pytest.mark.parametrize(
    "a,b",
    [
        ("Aliyev", "Pashinyan"),
        ("Baku’s foreign ministry", "the country’s foreign ministry"),
        ("Zelensky", "Zelenskaya Olena Street"),
    ],
)
def test_different_speakers_stay_apart(a, b):
    assert not same_speaker(a, b)


def test_grouping_gives_one_speaker_with_every_spelling_and_stable_ids():
    docs = [
        _doc("“We have good and bad news about the peace process,” Pashinian was quoted as saying.", "a.txt"),
        _doc("“The document can be ready within a week,” Prime Minister Nikol Pashinyan said.", "b.txt"),
        _doc("“There are still three issues to settle,” Azerbaijani President Ilham Aliev said.", "c.txt"),
        _doc("“We will not sign under pressure,” Aliyev told reporters.", "d.txt"),
    ]
    quotations, _ = extract_all(docs)
    speakers = group_speakers(quotations)
    by_name = {s.name: s for s in speakers}
    assert set(by_name["Nikol Pashinyan"].variants) == {"Pashinian", "Nikol Pashinyan"}
    assert set(by_name["Ilham Aliev"].variants) == {"Ilham Aliev", "Aliyev"}
    assert [s.id for s in group_speakers(extract_all(docs)[0])] == [s.id for s in speakers]
    for query in ("Pashinyan", "pashinian", "Prime Minister Pashinian", "Nikol Pashinian"):
        assert [s.name for s in matching_speakers(query, speakers)] == ["Nikol Pashinyan"]


def test_a_surname_takes_the_articles_fuller_mention_with_its_title():
    doc = _doc(
        "On Oct. 3, French Foreign Minister Catherine Colonna said that France was ready to help.\n\n"
        "“France has agreed to sign a contract with Armenia on the provision of military aid,” Colonna said."
    )
    [q] = _speech(doc)
    assert (q.speaker, q.title) == ("Catherine Colonna", "French Foreign Minister")
    assert q.speaker_start < q.start

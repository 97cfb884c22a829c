"""Follow-up questions: references resolved against the turn before, the context prior, the
conversation API (turns with their answers, as records or dicts), `qa chat` and the
conversation format of the evaluation runner."""

from __future__ import annotations

import json

import pytest

from qa.errors import InvalidRequestError, QuestionSetError
from qa.records import Answer, Quote, Turn

GRANADA = "Why did Aliyev refuse to attend the talks in Granada?"


def turn(question: str, quote: str = "", short: str | None = None) -> list[Turn]:
    quotes = [Quote(1, quote, "d", "", "", "", 0, len(quote), 1.0)] if quote else []
    return [Turn(question, Answer(question, quote, not quotes, quotes, short_answer=short))]


# --- resolution (spaCy only) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, history, expected",
    [
        ("When was that?", turn(GRANADA), "When were the talks in Granada?"),
        (
            "What about Aliyev?",
            turn("What did Pashinian say about the peace treaty?"),
            "What did Aliyev say about the peace treaty?",
        ),
        (
            "What about the EU?",
            turn("Who represented the United States at the talks in Istanbul?"),
            "Who represented the EU at the talks in Istanbul?",
        ),
        ("And what did Russia say?", turn(GRANADA), "What did Russia say about the talks?"),
        (
            "Why?",
            turn("When did Azerbaijan refuse to attend the Washington talks?"),
            "Why did Azerbaijan refuse to attend the Washington talks?",
        ),
        (
            "Near which village?",
            turn("When was the Armenian soldier wounded?"),
            "Near which village was the Armenian soldier wounded?",
        ),
        (
            "Who else attended that meeting?",
            turn("Who is Louis Bono?", "The U.S. was represented by Louis Bono, while the EU dispatched Toivo Klaar."),
            "Who else besides Louis Bono attended the meeting?",
        ),
        (
            "How much did it cost?",
            turn("What anti-drone system did Armenia buy?"),
            "How much did the anti-drone system cost?",
        ),
        (
            "And the other side?",
            turn(
                "What did Armenia say about the wounded soldier?",
                "Azerbaijan, meanwhile, categorically denied the report.",
            ),
            "What did Azerbaijan say about the wounded soldier?",
        ),
        ("What did she bring to Kyiv?", turn("Who is Anna Hakopyan?"), "What did Anna Hakopyan bring to Kyiv?"),
        # "the one in Paris": the noun of the event the last turn was about
        (
            "Who would attend the one in Paris?",
            turn(
                "What did the minister plan next?",
                "The minister said she planned a summit in Berlin and another in Paris in May.",
            ),
            "Who would attend the summit in Paris?",
        ),
        # "there" after a question that names an event and no place: at that event
        (
            "Who spoke there?",
            turn("When did the climate conference open?", "The climate conference opened on Monday.", "Monday"),
            "Who spoke at the climate conference?",
        ),
        # "Where?" after a subject question: whom it answered, in the subject's place, with the verb's lemma
        (
            "Where?",
            turn(
                "Who unveiled the new budget?",
                "Finance Minister Jane Doe unveiled the new budget in Brussels.",
                "Jane Doe",
            ),
            "Where did Jane Doe unveil the new budget?",
        ),
        # "it" after "What did X bring?": what the answer says was brought, not the place of the question
        (
            "Who thanked her for it?",
            turn(
                "What did Maria Lopez bring to the hospital?",
                "Lopez brought with her a donation of medical supplies, for which she was thanked by the director.",
            ),
            "Who thanked Maria Lopez for a donation of medical supplies?",
        ),
        # "it" is what the question named, not what it asked for ("which village")
        (
            "What did Armenia say about it?",
            turn("Near which village was the soldier wounded?"),
            "What did Armenia say about the soldier?",
        ),
        # the question's own noun before a demonstrative of the quote ("these negotiations" points elsewhere)
        (
            "Who unveiled it?",
            turn("What is the Crossroads of Peace project?", "“These negotiations will yield results,” he said."),
            "Who unveiled the Crossroads of Peace project?",
        ),
        # an actor only when the question names nothing else
        (
            "What did it warn Azerbaijan about?",
            turn("What did PACE adopt on Thursday?"),
            "What did PACE warn Azerbaijan about?",
        ),
        # a preposition the new phrase brings is not doubled
        (
            "And in 2020?",
            turn("How many people were killed in the clashes in September?"),
            "How many people were killed in the clashes in 2020?",
        ),
        # #23 part 5: rewrite errors of general kinds
        # a question phrase replaces the previous question's own, whatever it was ("Until when?" was
        # glued in front of the whole question before)
        (
            "Until when?",
            turn("Until what year is the plant's lifespan to be extended?"),
            "Until when is the plant's lifespan to be extended?",
        ),
        (
            "Until when?",
            turn("How much will the government allocate for the plant in 2024?"),
            "Until when will the government allocate for the plant in 2024?",
        ),
        # a subject question phrase keeps its noun: not "When many people were killed …"
        (
            "When?",
            turn("How many people were killed in the border clashes?"),
            "When were people killed in the border clashes?",
        ),
        # "And <phrase>?" stands in for the phrase of the same kind, the old event's date going with it
        (
            "And in the 2020 war?",
            turn("How many people were killed in the border clashes in September?"),
            "How many people were killed in the 2020 war?",
        ),
        (
            "And in October?",
            turn("How many people were killed in the border clashes in September?"),
            "How many people were killed in the border clashes in October?",
        ),
        # the pronoun in the role "who" had is whom the answer named, not whom the question named
        (
            "What did he say?",
            turn("Who met Andriy Yermak in Malta?", "Armen Grigoryan met Andriy Yermak in Malta.", "Armen Grigoryan"),
            "What did Armen Grigoryan say?",
        ),
        # "he" and "him" in one question are two people: the subject asked about and the one answered
        (
            "What did he thank him for?",
            turn("Whom did Zelensky call before the meeting?", "Zelensky called Ilham Aliyev.", "Ilham Aliyev"),
            "What did Zelensky thank Ilham Aliyev for?",
        ),
        # an answer that is no person, or that the question named itself, is not a "he"
        (
            "What did Moscow do after his wife's visit?",
            turn("Who warned that Pashinyan was becoming the next Zelensky?", "The EU warned it.", "EU"),
            "What did Moscow do after Pashinyan's wife's visit?",
        ),
    ],
)
def test_references_resolve_to_the_previous_turn(question, history, expected):
    from qa.answer.followup import resolve

    assert resolve(question, history) == expected


def test_there_is_not_a_kind_of_event():
    from qa.answer.followup import resolve

    # "hours of attacks" names no one event to be "at": "there" is left as asked
    question = "How many people have left from there since then?"
    assert resolve(question, turn("After how many hours of attacks did the city fall?")) == question


def test_a_question_that_refers_to_nothing_stays_as_asked():
    from qa.answer.followup import resolve

    assert (
        resolve("Who won the 2022 FIFA World Cup final?", turn("Who is Louis Bono?"))
        == "Who won the 2022 FIFA World Cup final?"
    )
    assert resolve("When was that?", []) == "When was that?"  # nothing before it to refer to


def test_a_third_turn_reads_the_second_as_resolved():
    from qa.answer.followup import resolve

    second = Answer("When was that?", "", True, resolved_question="When were the talks in Granada?")
    assert (
        resolve("Who was going to mediate them?", [Turn(GRANADA), Turn("When was that?", second)])
        == "Who was going to mediate the talks in Granada?"
    )


# --- the context prior ---------------------------------------------------------------------------


def test_context_prior_is_near_then_article_and_never_counts_for_confidence(shipped):
    from qa.answer.candidates import (
        ARTICLE_PRIOR,
        NEAR_CHARS,
        NEAR_PRIOR,
        REPEAT_PENALTY,
        apply_context,
        combined,
        find_candidates,
    )
    from qa.answer.compose import confidence

    q = "Who attended the meeting in Istanbul?"
    cands = find_candidates(q, q, shipped.embed([q]), shipped.index, shipped.entities, shipped.idf, shipped.config)
    best = max(cands, key=lambda c: c.score)
    before = confidence(cands)
    apply_context(cands, [(best.doc_id, best.start, best.end)], shipped.index)
    # the sentence just quoted is not offered again first; its neighbours are preferred
    assert best.context == pytest.approx(NEAR_PRIOR - REPEAT_PENALTY) and best.score == pytest.approx(combined(best))
    same = [c for c in cands if c.doc_id == best.doc_id and c is not best]
    near = [c for c in same if max(c.start - best.end, best.start - c.end) <= NEAR_CHARS]
    assert near and all(c.context == NEAR_PRIOR for c in near)
    assert all(c.context == ARTICLE_PRIOR for c in same if c not in near)
    assert {c.context for c in cands if c.doc_id != best.doc_id} == {0.0}
    assert confidence(cands) == pytest.approx(before)


# --- the four follow-ups of issue 14, end to end ---------------------------------------------------


def _follow(shipped, first: str, second: str) -> Answer:
    a1 = shipped.ask(first)
    assert not a1.abstained
    return shipped.ask(second, history=[Turn(first, a1)])


def test_when_was_that(shipped):
    a = _follow(shipped, GRANADA, "When was that?")
    assert a.resolved_question == "When were the talks in Granada?"
    assert not a.abstained and ("Oct. 5" in a.quotes[0].text or "October 5" in a.quotes[0].text)


def test_who_else_attended_that_meeting(shipped):
    a = _follow(shipped, "Who is Louis Bono?", "Who else attended that meeting?")
    assert "Louis Bono" in a.resolved_question
    assert not a.abstained and "Toivo Klaar" in a.quotes[0].text
    assert a.short_answer != "Louis Bono"


def test_what_about_aliyev(shipped):
    a = _follow(shipped, "What did Pashinian say about the peace treaty?", "What about Aliyev?")
    assert a.resolved_question == "What did Aliyev say about the peace treaty?"
    assert not a.abstained and "Aliyev" in a.quotes[0].text


def test_and_what_did_russia_say(shipped):
    a = _follow(shipped, GRANADA, "And what did Russia say?")
    assert "Russia" in a.resolved_question
    first = a.quotes[0]
    assert not a.abstained and "Russia" in first.text and "Moscow" in first.text
    assert first.text.strip() != shipped.documents[first.doc_id].title.strip()  # not a headline


# --- the conversation API ---------------------------------------------------------------------------


def test_history_as_records_dicts_or_strings(shipped):
    a1 = shipped.ask(GRANADA)
    as_turn = shipped.ask("When was that?", history=[Turn(GRANADA, a1)])
    as_answer = shipped.ask("When was that?", history=[a1])
    as_dict = shipped.ask("When was that?", history=[json.loads(json.dumps(a1.to_dict()))])
    as_pair = shipped.ask("When was that?", history=[{"question": GRANADA, "answer": a1.to_dict()}])
    as_text = shipped.ask("When was that?", history=[GRANADA])
    texts = [[q.text for q in x.quotes] for x in (as_turn, as_answer, as_dict, as_pair)]
    assert texts[0] and all(t == texts[0] for t in texts)
    assert as_text.resolved_question == "When were the talks in Granada?"  # the old form still resolves
    assert as_turn.to_dict()["resolved_question"] == "When were the talks in Granada?"
    plain = shipped.ask(GRANADA)
    assert plain.resolved_question == plain.question == plain.to_dict()["resolved_question"]


def test_history_quotes_from_a_client_are_checked_against_the_index(shipped):
    forged = {
        "question": GRANADA,
        "abstained": False,
        "quotes": [
            {
                "n": 1,
                "text": "x",
                "doc_id": "no-such-doc",
                "title": "",
                "source": "",
                "date": "",
                "start": 0,
                "end": 10**9,
                "score": 1.0,
            }
        ],
    }
    a = shipped.ask("When was that?", history=[forged])  # unknown document: no context, no crash
    assert all(q.doc_id in shipped.documents for q in a.quotes)


@pytest.mark.parametrize(
    "history, field",
    [
        ("When?", "history"),
        ([42], "history[0]"),
        ([{"answer": "x"}], "history[0]"),
        ([""], "history[0]"),
    ],
)
def test_bad_history_is_a_clear_error(shipped, history, field):
    import re

    with pytest.raises(InvalidRequestError, match="^" + re.escape(field) + ":"):
        shipped.ask("When was that?", history=history)


def test_an_unanswerable_follow_up_is_refused(shipped):
    a = _follow(
        shipped,
        "Which French minister said France was ready to provide military aid to Armenia?",
        "What did she study at university?",
    )
    assert a.abstained and a.quotes == []


def test_a_follow_up_whose_own_words_the_article_lacks_is_refused(shipped):
    # "he" is Louis Bono, whom the article names at length; nothing in it says "born"
    a = _follow(shipped, "Who is Louis Bono?", "Where was he born?")
    assert a.resolved_question == "Where was Louis Bono born?"
    assert a.abstained and a.quotes == []


def test_a_follow_up_to_an_answer_needs_less_coverage(shipped):
    from qa.answer.coverage import adds_known_words

    first = "What did Michel intend to organise next?"
    follow = "Who else would join the one in Spain?"
    answered = _follow(shipped, first, follow)
    asked_alone_history = shipped.ask(follow, history=[first])  # no answer: no lowered threshold
    # answered below the full threshold but above its follow-up share, from the article just quoted
    config = shipped.config
    assert config.min_score * config.followup_min_share <= answered.confidence < config.min_score
    assert not answered.abstained and any(n in answered.quotes[0].text for n in ("Scholz", "Macron"))
    assert asked_alone_history.abstained
    assert adds_known_words("", [], shipped.index, shipped.idf)  # nothing added: nothing to check


def test_a_new_question_in_a_chat_gets_no_follow_up_allowance(shipped):
    # not rewritten and nothing in it says it goes on from the answer: judged like a first question
    a = _follow(shipped, GRANADA, "Who won the 2022 FIFA World Cup final?")
    assert a.resolved_question == a.question and a.abstained
    assert a.confidence < shipped.config.min_score


def test_the_context_of_a_follow_up_after_a_refusal_is_the_last_answer():
    from qa.answer import last_answered

    answered, refused = turn(GRANADA, "Aliyev refused."), turn("How old is he?")
    assert last_answered(answered + refused) is answered[0]
    assert last_answered(refused) is None and last_answered([]) is None


# --- qa chat -----------------------------------------------------------------------------------------


def test_qa_chat_reads_stdin_resolves_follow_ups_and_starts_over(shipped_index_dir):
    from click.testing import CliRunner

    from qa.cli import cli

    lines = [GRANADA, "When was that?", "/new", "When was that?", "", "/quit", "Who is Louis Bono?"]
    result = CliRunner().invoke(
        cli, ["chat", "--index-dir", str(shipped_index_dir), "-k", "2"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.count("Answering: When were the talks in Granada?") == 1
    assert "Oct. 5" in out and "New conversation." in out
    # after /new, "When was that?" refers to nothing: asked as is and refused; /quit stops before Bono
    assert "do not answer that question" in out and "Louis Bono" not in out


def test_qa_chat_json_and_errors_keep_going(shipped_index_dir):
    from click.testing import CliRunner

    from qa.cli import cli

    long = "x" * 2000
    result = CliRunner().invoke(
        cli, ["chat", "--json", "--index-dir", str(shipped_index_dir)], input=f"{GRANADA}\n{long}\nWhen was that?\n"
    )
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["resolved_question"] for r in records] == [GRANADA, "When were the talks in Granada?"]
    assert "Error: question: too long" in result.stderr


# --- the conversation format of the evaluation runner --------------------------------------------------


def _write(tmp_path, lines) -> str:
    path = tmp_path / "conv.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return str(path)


def test_conversation_set_loads_as_turns(tmp_path):
    from qa.eval import load_questions

    path = _write(
        tmp_path,
        [
            {
                "id": "a",
                "turns": [
                    {"question": "Q1", "answers": ["x"], "sources": ["d"]},
                    {"question": "Q2", "answers": [], "sources": []},
                ],
            },
            {"id": "b", "turns": [{"question": "Q3", "answers": ["y"], "sources": ["d"]}]},
        ],
    )
    qs = load_questions(path)
    assert qs.format == "conversations"
    assert [(q.id, q.dialogue, q.turn, q.follow_up, q.answerable) for q in qs.questions] == [
        ("a/1", "a", 0, False, True),
        ("a/2", "a", 1, True, False),
        ("b/1", "b", 0, False, True),
    ]
    assert [q.id for q in qs.limited(1).questions] == ["a/1", "a/2"]  # whole dialogues


@pytest.mark.parametrize(
    "line, message",
    [
        ({"id": "a", "turns": []}, "field 'turns'"),
        ({"id": "a", "turns": [{"answers": [], "sources": []}]}, "turns[0]: missing field 'question'"),
        ({"id": "a", "turns": ["Q"]}, "turns[0]: expected an object"),
    ],
)
def test_malformed_conversations_name_line_and_field(tmp_path, line, message):
    from qa.eval import load_questions

    with pytest.raises(QuestionSetError, match=r"conv\.jsonl:1: " + message.replace("[", r"\[").replace("]", r"\]")):
        load_questions(_write(tmp_path, [line]))


def test_runner_asks_follow_ups_with_their_turns_and_reports_them_apart(tmp_path):
    from qa.eval import load_questions, run_questions
    from qa.records import Document

    doc = Document("d", "Alpha met Beta in Gamma on Monday.")
    calls = []

    class Echo:
        def ask(self, question, k=None, history=()):
            calls.append((question, [t.question for t in history], [t.answer is not None for t in history]))
            q = Quote(1, doc.text, "d", "", "", "", 0, len(doc.text), 1.0)
            return Answer(question, doc.text, False, [q])

    qs = load_questions(
        _write(
            tmp_path,
            [
                {
                    "id": "a",
                    "turns": [
                        {"question": "Who met Beta?", "answers": ["Alpha"], "sources": ["d"]},
                        {"question": "Where?", "answers": ["Gamma"], "sources": ["d"]},
                        {"question": "And then?", "answers": ["Tuesday"], "sources": ["d"]},
                    ],
                },
                {"id": "b", "turns": [{"question": "Who?", "answers": ["Beta"], "sources": ["d"]}]},
            ],
        )
    )
    run = run_questions(Echo(), qs.questions, {"d": doc}, progress=False, warmup=False)
    assert calls == [
        ("Who met Beta?", [], []),
        ("Where?", ["Who met Beta?"], [True]),
        ("And then?", ["Who met Beta?", "Where?"], [True, True]),
        ("Who?", [], []),
    ]
    by = run.by_turn
    assert by["counts"]["first_turn"]["questions"] == 2 and by["counts"]["follow_up"]["questions"] == 2
    assert by["first_turn"]["answer_at_1"] == 1.0 and by["follow_up"]["answer_at_1"] == 0.5


def test_shipped_conversation_set_is_valid():
    from pathlib import Path

    from qa.eval import load_questions

    qs = load_questions(Path(__file__).resolve().parent.parent / "bench" / "questions" / "conversations.jsonl")
    dialogues = {q.dialogue for q in qs.questions}
    follow = [q for q in qs.questions if q.follow_up]
    assert len(dialogues) >= 40 and all(2 <= sum(q.dialogue == d for q in qs.questions) <= 4 for d in dialogues)
    assert sum(not q.answerable for q in follow) >= 5


# --- #23 part 5: rewrite errors of general kinds, and a follow-up read in context --------------------


def test_and_in_another_event_is_answered_from_it(shipped):
    # the rewrite once replaced "September" and kept "the border clashes": the 286 of the first answer came first
    a = _follow(shipped, "How many people were killed in the border clashes in September?", "And in the 2020 war?")
    assert a.resolved_question == "How many people were killed in the 2020 war?"
    assert not a.abstained and "6,500" in a.quotes[0].text


def test_a_follow_up_can_be_searched_as_typed_in_context(shipped, monkeypatch):
    from qa.answer import followup

    first = "Who hosted the talks in Sochi?"
    history = [Turn(first, shipped.ask(first))]
    follow = "What did he call the meetings?"
    monkeypatch.setattr(followup, "READING_WEIGHTS", {"typed": 0.3, "previous question": 0.3})
    # as typed, and after the previous question, each with its weight
    assert followup.readings(follow, history[0]) == [(follow, 0.3), (f"{first} {follow}", 0.3)]
    assert followup.readings(follow, None) == []
    read = shipped.ask(follow, history=history)
    monkeypatch.setattr(followup, "READING_WEIGHTS", {"typed": 0.0, "previous question": 0.0})
    assert followup.readings(follow, history[0]) == []
    alone = shipped.ask(follow, history=history)
    # the rewrite names the wrong man (the short answer of the first turn is Pashinyan, not Putin):
    # alone it quotes a meeting of his; read as typed too, Putin's "very useful" comes first
    assert read.resolved_question == alone.resolved_question
    assert "very useful" in read.quotes[0].text and "very useful" not in alone.quotes[0].text
    assert all(q.text == shipped.documents[q.doc_id].text[q.start : q.end] for q in read.quotes)

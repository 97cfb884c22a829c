"""Question sets (qa.eval.sets): the three formats on tiny hand-made files, and every kind of bad input."""

import json
from pathlib import Path

import pytest

from qa.errors import QuestionSetError
from qa.eval import Question, check_sources, detect_format, load_questions

EVAL = Path(__file__).resolve().parent / "data" / "eval"


def test_project_jsonl_keeps_unanswerable_questions():
    qs = load_questions(EVAL / "questions.jsonl")
    assert qs.format == "jsonl" and qs.documents is None
    assert [q.id for q in qs.questions] == ["q1", "q2", "q3", "q4"]  # the blank line is skipped
    q2, q4 = qs.questions[1], qs.questions[3]
    assert q2.answers == ("about two months", "two months") and q2.sources == ("penguins",)
    assert q2.line == 2
    assert q4.answers == () and q4.answerable is False  # scored as unanswerable, not dropped
    assert qs.questions[2].line == 4
    assert qs.answerable == 3


def test_squad_v1_one_document_per_article():
    qs = load_questions(EVAL / "squad_v1.json")
    assert qs.format == "squad"
    assert [d.id for d in qs.documents] == ["Emperor_penguin", "Sochi"]
    penguin = qs.documents[0]
    assert penguin.title == "Emperor penguin"
    assert penguin.text == (
        "Emperor penguins breed during the Antarctic winter.\n\nMales incubate the eggs on their feet for about two months."
    )
    p1, p2, s1 = qs.questions
    # answers trimmed, repeats dropped, order kept
    assert p1 == Question(
        "p1", "When do emperor penguins breed?", ("the Antarctic winter", "Antarctic winter"), ("Emperor_penguin",)
    )
    assert p2.sources == ("Emperor_penguin",) and s1.sources == ("Sochi",)
    for q in qs.questions:
        doc = next(d for d in qs.documents if d.id == q.sources[0])
        assert all(a in doc.text for a in q.answers)


def test_squad_v2_impossible_questions_are_unanswerable_and_untitled_articles_use_document_id():
    qs = load_questions(EVAL / "squad_v2.json")
    g1, g2, covid = qs.questions
    assert g1.answers == ("Andalusia",) and g1.answerable
    assert g2.answers == () and g2.sources == () and not g2.answerable  # plausible_answers are not gold
    assert [d.id for d in qs.documents] == ["Granada", "630"]
    assert covid.id == "262" and covid.sources == ("630",) and covid.answers == ("Mother-to-child transmission",)


def test_beir_folder_uses_test_split_and_relevant_documents():
    qs = load_questions(EVAL / "beir")
    assert qs.format == "beir"
    assert [d.id for d in qs.documents] == ["d1", "d2", "d3"]
    assert qs.documents[0].title == "Granada" and qs.documents[0].text.startswith("Granada is a city")
    by_id = {q.id: q for q in qs.questions}
    assert set(by_id) == {"b1", "b2", "b4"}  # b3 is judged only in train
    assert by_id["b2"].sources == ("d2",)  # the score-0 judgement is not relevant
    assert by_id["b2"].answers == () and by_id["b2"].answerable
    assert not by_id["b4"].answerable  # judged, but nothing relevant: the corpus cannot answer it


def test_beir_qrels_file_picks_the_split():
    qs = load_questions(EVAL / "beir" / "qrels" / "train.tsv")
    assert [q.id for q in qs.questions] == ["b3"]
    assert detect_format(EVAL / "beir" / "queries.jsonl") == "beir"


def test_limit_spreads_the_sample_over_the_set():
    qs = load_questions(EVAL / "questions.jsonl")
    assert [q.id for q in qs.limited(2).questions] == ["q1", "q3"]
    assert qs.limited(None) is qs and qs.limited(10) is qs


# --- bad input: file, line and field in the message -------------------------------------------


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = '{"id": "a", "question": "Why?", "answers": ["x"], "sources": ["d"]}'


@pytest.mark.parametrize(
    "line2, reason",
    [
        ('{"id": "b", "question": "Why?", "answers": ["x"]', "not valid JSON"),
        ('{"id": "b", "question": "Why?", "sources": ["d"]}', "missing field 'answers'"),
        ('{"question": "Why?", "answers": [], "sources": []}', "missing field 'id'"),
        ('{"id": "b", "question": "  ", "answers": [], "sources": []}', "field 'question': empty"),
        ('{"id": "b", "question": "Why?", "answers": "x", "sources": ["d"]}', "field 'answers': expected a list"),
        ('{"id": "b", "question": "Why?", "answers": [""], "sources": ["d"]}', "field 'answers': item 0"),
        ('{"id": "a", "question": "Why?", "answers": [], "sources": []}', "'a' repeats line 1"),
        ('["not", "an", "object"]', "expected a JSON object"),
        ('{"id": "b", "title": "T", "text": "a document"}', "looks like a corpus file"),
    ],
)
def test_malformed_jsonl_names_file_line_and_field(tmp_path, line2, reason):
    path = _write(tmp_path, "qs.jsonl", GOOD + "\n" + line2 + "\n")
    with pytest.raises(QuestionSetError) as err:
        load_questions(path)
    assert err.value.line == 2
    assert str(err.value).startswith(f"{path}:2: ")
    assert reason in str(err.value)


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(QuestionSetError, match="no questions"):
        load_questions(_write(tmp_path, "empty.jsonl", "\n\n"))
    with pytest.raises(QuestionSetError, match="no such file"):
        load_questions(tmp_path / "absent.jsonl")
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"id": "a", "question": "Caf\xe9?", "answers": [], "sources": []}\n')
    with pytest.raises(QuestionSetError, match="not UTF-8"):
        load_questions(latin)


@pytest.mark.parametrize("name", ["questions.csv", "questions.txt", "questions"])
def test_unknown_format_is_refused(tmp_path, name):
    path = _write(tmp_path, name, "id,question\n1,Why?\n")
    with pytest.raises(QuestionSetError, match="unknown question-set format"):
        load_questions(path)


def test_folder_that_is_not_beir_is_refused(tmp_path):
    with pytest.raises(QuestionSetError, match="BEIR"):
        load_questions(tmp_path)


@pytest.mark.parametrize(
    "data, reason",
    [
        ({"version": "1.1"}, "'data' list"),
        ([1, 2], "'data' list"),
        ({"data": [{"title": "A"}]}, "data[0]: missing field 'paragraphs'"),
        (
            {"data": [{"title": "A", "paragraphs": [{"context": "c", "qas": [{"id": "1", "answers": []}]}]}]},
            "data[0].paragraphs[0].qas[0]: missing field 'question'",
        ),
        (
            {"data": [{"title": "A", "paragraphs": [{"context": "c", "qas": [{"id": "1", "question": "q?"}]}]}]},
            "data[0].paragraphs[0].qas[0]: missing field 'answers'",
        ),
        ({"data": [{"title": "A", "paragraphs": [{"qas": []}]}]}, "data[0].paragraphs[0]: missing field 'context'"),
        (
            {"data": [{"title": "A", "paragraphs": []}, {"title": "A", "paragraphs": []}]},
            "data[1].title: 'A' names data[0]",
        ),
    ],
)
def test_malformed_squad_names_the_field(tmp_path, data, reason):
    path = _write(tmp_path, "squad.json", json.dumps(data))
    with pytest.raises(QuestionSetError) as err:
        load_questions(path)
    assert str(path) in str(err.value) and reason in str(err.value)


def test_squad_that_is_not_json_gives_the_line(tmp_path):
    path = _write(tmp_path, "squad.json", '{"data": [\n  {"title": "A",\n  oops}\n]}')
    with pytest.raises(QuestionSetError) as err:
        load_questions(path)
    assert err.value.line == 3 and "not valid JSON" in str(err.value)


def _beir(tmp_path, qrels="query-id\tcorpus-id\tscore\nq1\td1\t1\n", queries='{"_id": "q1", "text": "Why?"}\n'):
    root = tmp_path / "beir"
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text('{"_id": "d1", "title": "", "text": "Because."}\n')
    (root / "queries.jsonl").write_text(queries)
    (root / "qrels" / "test.tsv").write_text(qrels)
    return root


@pytest.mark.parametrize(
    "qrels, reason, line",
    [
        ("query-id\tcorpus-id\tscore\nq1\td9\t1\n", "field 'corpus-id': 'd9' is not in corpus.jsonl", 2),
        ("query-id\tcorpus-id\tscore\nq9\td1\t1\n", "field 'query-id': 'q9' is not in queries.jsonl", 2),
        ("query-id\tcorpus-id\tscore\nq1\td1\n", "expected 3 tab-separated fields", 2),
        ("q1\td1\tmany\n", "field 'score': 'many' is not a number", 1),
    ],
)
def test_malformed_beir_qrels(tmp_path, qrels, reason, line):
    root = _beir(tmp_path, qrels=qrels)
    with pytest.raises(QuestionSetError) as err:
        load_questions(root)
    assert reason in str(err.value) and err.value.line == line
    assert "test.tsv" in err.value.path


def test_malformed_beir_query(tmp_path):
    root = _beir(tmp_path, queries='{"_id": "q1"}\n')
    with pytest.raises(QuestionSetError, match=r"queries.jsonl:1: missing field 'text'"):
        load_questions(root)


def test_sources_must_name_corpus_documents():
    qs = load_questions(EVAL / "questions.jsonl")
    check_sources(qs, ["granada", "penguins", "sochi"])
    with pytest.raises(QuestionSetError) as err:
        check_sources(qs, ["granada", "sochi"])
    assert err.value.line == 2 and "field 'sources': document 'penguins' is not in the corpus" in str(err.value)
    assert err.value.path.endswith("questions.jsonl")


def test_shipped_question_set_matches_the_shipped_corpus():
    from qa.api import load_documents
    from qa.eval import answer_warnings

    root = EVAL.parent.parent.parent
    qset = load_questions(root / "bench" / "questions" / "shipped.jsonl")
    docs = {d.id: d for d in load_documents([root / "corpus"]).documents}
    check_sources(qset, docs)
    assert answer_warnings(qset, docs) == []  # every gold answer occurs in the cleaned text of its sources
    assert any(
        q.question == "Where were the October 5 talks supposed to be held?" and q.answers == ("Granada",)
        for q in qset.questions
    )
    assert sum(not q.answerable for q in qset.questions) >= 2

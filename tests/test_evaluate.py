"""The evaluation runner: every metric on tiny hand-checked records, the reports, the baselines, `qa eval`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from qa.config import Config
from qa.errors import ConfigError, FidelityError, QuestionSetError
from qa.evaluate import (
    CONFIGS,
    METRICS,
    aggregate,
    answer_hit,
    cached_index_dir,
    check_fidelity,
    contains_answer,
    corpus_key,
    evaluate,
    exact_match,
    format_table,
    has_short_answers,
    normalize_text,
    percentile,
    reciprocal_rank,
    resolve_configs,
    run_questions,
    score_answer,
    score_question,
    source_hit,
    texts_match,
    token_f1,
    write_report,
)
from qa.questions import Question, QuestionSet, load_questions
from qa.records import Answer, Document, Quote

ROOT = Path(__file__).resolve().parent.parent
EVAL = Path(__file__).resolve().parent / "data" / "eval"

DOCS = {
    d.id: d
    for d in [
        Document(id="granada", title="Talks", text="The talks were to be held in Granada. Aliyev refused to attend."),
        Document(id="penguins", title="Penguins", text="Males incubate the eggs for about two months. Females feed at sea."),
        Document(id="sochi", title="Sochi", text="Putin hosted the leaders in Sochi."),
    ]
}


def q(doc_id: str, text: str, n: int = 1, score: float = 0.9) -> Quote:
    """A quote of the first occurrence of `text` in the document, with exact offsets."""
    doc = DOCS[doc_id]
    start = doc.text.index(text)
    return Quote(n=n, text=text, doc_id=doc_id, title=doc.title, source="", date="", start=start, end=start + len(text), score=score)


def answer(*quotes: Quote, short: str | None = None, abstained: bool = False) -> Answer:
    quotes = [Quote(**{**qq.__dict__, "n": i}) for i, qq in enumerate(quotes, 1)]
    return Answer(question="?", answer="" if abstained else "…", abstained=abstained, quotes=list(quotes), short_answer=short)


GRANADA = Question("q1", "Where were the talks to be held?", ("Granada",), ("granada",))
PENGUINS = Question("q2", "How long do males incubate?", ("about two months",), ("penguins",))
UNANSWERABLE = Question("q3", "What is the boiling point of mercury?", (), (), answerable=False)


# --- text matching ------------------------------------------------------------------------------


def test_normalize_text_nfkc_quotes_whitespace_casefold():
    assert normalize_text("  The \u201cDestructive\u201d\n\tposition\u2019s  ") == 'the "destructive" position\'s'
    assert normalize_text("\uff21\uff22\uff23 \ufb01le") == "abc file"  # full-width letters and the fi ligature
    assert texts_match("STRASSE", "Straße")
    assert not texts_match("Granada", "Granada.")
    assert contains_answer("held in  GRANADA, Spain", ["granada"])
    assert contains_answer("the \u201cbiased\u201d position", ['"biased"'])
    assert not contains_answer("held in Spain", ["Granada", ""])


def test_squad_exact_match_and_f1():
    assert exact_match("the Antarctic winter.", ["Antarctic winter"]) == 1.0  # articles and punctuation ignored
    assert exact_match("Antarctic", ["Antarctic winter"]) == 0.0
    assert token_f1("Antarctic winter months", ["Antarctic winter"]) == pytest.approx(0.8)  # P 2/3, R 1
    assert token_f1("two", ["about two months", "two months"]) == pytest.approx(2 / 3)  # best gold: P 1, R 1/2
    assert token_f1("Sochi", ["Granada"]) == 0.0


# --- per-question metrics ------------------------------------------------------------------------


def test_answer_at_1_and_5():
    a = answer(q("granada", "Aliyev refused to attend."), q("granada", "The talks were to be held in Granada."))
    assert answer_hit(a, GRANADA.answers, 1) == 0.0
    assert answer_hit(a, GRANADA.answers, 5) == 1.0
    sixth = answer(*[q("sochi", "Putin")] * 5, q("granada", "Granada"))
    assert answer_hit(sixth, GRANADA.answers, 5) == 0.0  # only the first five count
    assert answer_hit(answer(abstained=True), GRANADA.answers, 5) == 0.0


def test_source_hits_and_mrr_rank_documents_not_quotes():
    a = answer(q("sochi", "Putin"), q("sochi", "Sochi"), q("penguins", "Males"), q("granada", "Granada"))
    # cited documents in order: sochi, penguins, granada
    assert source_hit(a, ["granada"], 1) == 0.0
    assert source_hit(a, ["granada"], 5) == 1.0
    assert reciprocal_rank(a, ["granada"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(a, ["sochi", "granada"]) == 1.0
    assert reciprocal_rank(a, ["nowhere"]) == 0.0
    assert reciprocal_rank(a, ["granada"], n=2) == 0.0


def test_short_answer_scores_only_when_a_short_answer_is_given():
    hit = answer(q("penguins", "Males incubate the eggs for about two months."), short="two months")
    s = score_answer(PENGUINS, hit, short_answers=True)
    assert s["short_answer_em"] == 0.0 and s["short_answer_f1"] == pytest.approx(0.8)  # P 1, R 2/3
    assert s["short_answer_rate"] == 1.0
    none = score_answer(PENGUINS, answer(q("penguins", "Females feed at sea.")), short_answers=True)
    assert none["short_answer_em"] is None and none["short_answer_f1"] is None and none["short_answer_rate"] == 0.0
    long_set = score_answer(PENGUINS, hit, short_answers=False)  # e.g. covid-qa's sentence-long answers
    assert long_set["short_answer_em"] is None and long_set["short_answer_rate"] is None


def test_unanswerable_question_has_no_answer_or_source_scores():
    s = score_answer(UNANSWERABLE, answer(q("sochi", "Putin")), short_answers=True)
    assert all(v is None for v in s.values())


def test_has_short_answers_by_median_length():
    assert has_short_answers([GRANADA, PENGUINS, UNANSWERABLE])
    long = Question("x", "?", ("Mother-to-child transmission is the main cause of infection in children",), ("d",))
    assert not has_short_answers([long, long, GRANADA])
    assert not has_short_answers([UNANSWERABLE])


def test_quote_fidelity_checks_the_documents_not_the_quote():
    good = q("granada", "Granada")
    shifted = Quote(**{**good.__dict__, "n": 2, "start": good.start + 1, "end": good.end + 1})
    unknown = Quote(**{**good.__dict__, "n": 3, "doc_id": "elsewhere"})
    beyond = Quote(**{**good.__dict__, "n": 4, "start": 60, "end": 999})
    problems = check_fidelity(Answer("?", "", False, [good, shifted, unknown, beyond]), DOCS, "q1", "hybrid")
    assert [(p.n, p.reason.split()[0]) for p in problems] == [(2, "text"), (3, "document"), (4, "offsets")]
    assert problems[0].actual == "ranada." and problems[0].quoted == "Granada"
    assert problems[0].question_id == "q1" and problems[0].config == "hybrid"
    r = score_question(GRANADA, Answer("?", "", False, [good, shifted, unknown, beyond]), DOCS)
    assert aggregate([r])["quote_fidelity"] == 0.25


def test_abstain_precision_and_recall():
    results = [
        score_question(UNANSWERABLE, answer(abstained=True), DOCS),  # right abstention
        score_question(Question("q4", "?", (), (), answerable=False), answer(q("sochi", "Putin")), DOCS),  # missed
        score_question(GRANADA, answer(abstained=True), DOCS),  # wrong abstention
        score_question(PENGUINS, answer(q("penguins", "Males")), DOCS),
    ]
    m = aggregate(results)
    assert m["abstain_precision"] == 0.5 and m["abstain_recall"] == 0.5
    answerable_only = aggregate(results[2:])
    assert answerable_only["abstain_precision"] == 0.0 and answerable_only["abstain_recall"] is None
    assert aggregate(results[3:])["abstain_precision"] is None  # no abstentions at all


def test_percentiles_interpolate_like_numpy():
    assert percentile([40, 10, 30, 20], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([7], 95) == 7 and percentile([], 50) is None


def test_aggregate_all_metrics_by_hand():
    r1 = score_question(  # first quote holds the answer, short answer exact, right document first
        GRANADA, answer(q("granada", "The talks were to be held in Granada."), short="Granada"), DOCS, latency_ms=10
    )
    r2 = score_question(  # answer in the second quote; second cited document is the source
        PENGUINS,
        answer(q("sochi", "Putin hosted the leaders in Sochi."), q("penguins", "Males incubate the eggs for about two months.")),
        DOCS,
        latency_ms=30,
    )
    r3 = score_question(UNANSWERABLE, answer(abstained=True), DOCS, latency_ms=20)
    m = aggregate([r1, r2, r3])
    assert list(m) == list(METRICS)
    assert m["answer_at_1"] == 0.5 and m["answer_at_5"] == 1.0
    assert m["short_answer_em"] == 1.0 and m["short_answer_f1"] == 1.0 and m["short_answer_rate"] == 0.5
    assert m["source_hit_at_1"] == 0.5 and m["source_hit_at_5"] == 1.0 and m["mrr_at_10"] == 0.75
    assert m["quote_fidelity"] == 1.0
    assert m["abstain_precision"] == 1.0 and m["abstain_recall"] == 1.0
    assert m["mean_quote_chars"] == pytest.approx((37 + 34 + 45) / 3)
    assert m["latency_ms_p50"] == 20 and m["latency_ms_p95"] == pytest.approx(29)


# --- the runner and the reports -------------------------------------------------------------------


class Scripted:
    """An answerer that replies from a dict, to run the runner without a model."""

    def __init__(self, replies: dict[str, Answer], config_name: str = "scripted"):
        self.replies = replies
        self.asked: list[tuple[str, int | None]] = []

    def ask(self, question: str, k: int | None = None) -> Answer:
        self.asked.append((question, k))
        reply = self.replies[question]
        if isinstance(reply, Exception):
            raise reply
        return reply


QSET = QuestionSet("tiny.jsonl", "jsonl", [GRANADA, PENGUINS, UNANSWERABLE])


def _replies(first_quote_broken: bool = False):
    granada = q("granada", "The talks were to be held in Granada.")
    if first_quote_broken:
        granada = Quote(**{**granada.__dict__, "text": "The talks were to be held in Seville."})
    return {
        GRANADA.question: answer(granada, short="Granada"),
        PENGUINS.question: answer(q("sochi", "Putin hosted the leaders in Sochi.", score=0.8)),
        UNANSWERABLE.question: answer(abstained=True),
    }


def test_runner_asks_for_ten_quotes_and_scores_each_question():
    bot = Scripted(_replies())
    run = run_questions(bot, QSET.questions, DOCS, name="scripted", progress=False)
    assert bot.asked[0] == (GRANADA.question, 10)  # the warm-up call, not timed
    assert len(bot.asked) == 4 and all(k == 10 for _, k in bot.asked)
    assert [r.question.id for r in run.results] == ["q1", "q2", "q3"]
    assert run.metrics["answer_at_5"] == 0.5 and run.metrics["abstain_recall"] == 1.0
    assert all(r.latency_ms >= 0 for r in run.results)
    assert run.counts == {"questions": 3, "answerable": 2, "unanswerable": 1, "abstained": 1, "quotes": 2,
                          "fidelity_problems": 0, "errors": 0}


def test_runner_reports_an_answerer_that_raises_fidelity_error():
    replies = _replies()
    replies[PENGUINS.question] = FidelityError("quote 1 does not match penguins at [0:5]")
    run = run_questions(Scripted(replies), QSET.questions, DOCS, name="x", progress=False)
    failed = run.results[1]
    assert failed.error.startswith("FidelityError") and failed.abstained
    assert run.metrics["quote_fidelity"] == 0.5  # one good quote, one lost to the error
    assert run.metrics["answer_at_5"] == 0.5


def test_report_files_table_and_summary(tmp_path):
    report = evaluate(QSET, {"good": Scripted(_replies()), "broken": Scripted(_replies(True))}, DOCS, progress=False)
    assert [r.name for r in report.runs] == ["good", "broken"]
    table = format_table(report)
    assert table.splitlines()[2].split() == ["metric", "good", "broken"]
    assert "quote_fidelity     1.000   0.500" in table
    assert "answer_at_1        0.500   0.000" in table  # the broken quote no longer says Granada
    assert "QUOTE FIDELITY BUG: 1 quote(s)" in table and "broken q1 [1] granada[" in table

    summary = report.summary()
    assert summary["config"] == "good" and summary["quote_fidelity"] == 1.0
    assert set(METRICS) <= set(summary) and summary["configs"]["broken"]["quote_fidelity"] == 0.5

    paths = write_report(report, tmp_path / "out")
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"report.json", "report.md", "chart.png"}
    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(paths["json"].read_text())
    assert data["metrics"]["good"]["answer_at_1"] == 0.5
    assert data["question_set"] == {"path": "tiny.jsonl", "format": "jsonl", "questions": 3, "answerable": 2, "unanswerable": 1}
    first = data["results"]["good"][0]
    assert first["id"] == "q1" and first["quotes"][0]["text"] == "The talks were to be held in Granada."
    assert first["scores"]["answer_at_1"] == 1.0 and first["short_answer"] == "Granada"
    assert [p["question_id"] for p in data["fidelity_problems"]] == ["q1"]

    md = paths["markdown"].read_text()
    assert "| answer_at_1 | 0.500 | 0.000 |" in md
    assert "![metrics by configuration](chart.png)" in md
    assert "**1 of 4 quotes do not match their documents. This is a bug.**" in md
    assert "Seville" in md  # the offending quote is listed
    assert "## Worst misses — good" in md
    assert "How long do males incubate?" in md and "“about two months”" in md  # question and gold
    assert "we quoted [1] `sochi`" in md and "Putin hosted the leaders in Sochi." in md  # what we quoted


def test_report_warns_about_gold_answers_missing_from_their_sources():
    wrong = Question("w", "?", ("Madrid",), ("granada",))
    report = evaluate(QuestionSet("t", "jsonl", [wrong]), {"a": Scripted({"?": answer(abstained=True)})}, DOCS, progress=False)
    assert report.warnings and "w" in report.warnings[0]


def test_evaluate_refuses_sources_missing_from_the_corpus():
    qset = load_questions(EVAL / "questions.jsonl")
    with pytest.raises(QuestionSetError, match=r"questions.jsonl:1: field 'sources': document 'granada'"):
        evaluate(qset, {}, {"elsewhere": DOCS["sochi"]}, progress=False)


def test_named_configurations():
    assert resolve_configs(None) == ["hybrid"]
    assert resolve_configs(["dense,bm25", "dense", "hybrid"]) == ["dense", "bm25", "hybrid"]
    with pytest.raises(ConfigError) as err:
        resolve_configs(["magic"])
    assert "'magic'" in str(err.value) and "dense, bm25" in str(err.value)
    for overrides in CONFIGS.values():
        Config().replace(**overrides)  # every named configuration is a valid Config


def test_cache_key_follows_text_and_settings(tmp_path, monkeypatch):
    docs = list(DOCS.values())
    key = corpus_key(docs, Config())
    assert corpus_key(list(docs), Config()) == key
    assert corpus_key(docs, Config(chunk_tokens=100)) != key
    assert corpus_key(docs, Config(retrieval="bm25")) == key  # retrieval does not change the index
    changed = [Document(id=docs[0].id, text=docs[0].text + " More."), *docs[1:]]
    assert corpus_key(changed, Config()) != key
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path))
    assert cached_index_dir(docs, Config()) == tmp_path / f"index-{key}"


# --- baselines (bench/baselines.py) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def baselines():
    sys.path.insert(0, str(ROOT / "bench"))
    import baselines as b

    return b


def test_recursive_character_chunks_match_langchain(baselines):
    text = "Granada hosts the summit.\n\nLeaders meet on Oct. 5 in Spain.\nAliyev refused to attend the talks in the end."
    # expected values produced by langchain_text_splitters.RecursiveCharacterTextSplitter 1.1.3
    cut = lambda size, overlap: [text[a:b] for a, b in baselines.recursive_character_chunks(text, size, overlap)]  # noqa: E731
    assert cut(40, 10) == ["Granada hosts the summit.", "Leaders meet on Oct. 5 in Spain.", "Aliyev refused to attend the talks in", "talks in the end."]
    assert cut(30, 0) == ["Granada hosts the summit.", "Leaders meet on Oct. 5 in", "Spain.", "Aliyev refused to attend the", "talks in the end."]
    assert cut(1000, 200) == [text]


def test_bm25_baseline_quotes_exact_sentences(baselines):
    docs = list(DOCS.values())
    bot = baselines.Bm25Baseline(docs)
    a = bot.ask("Where were the talks to be held?", 5)
    assert not a.abstained and a.quotes[0].text == "The talks were to be held in Granada."
    assert check_fidelity(a, DOCS) == []
    assert bot.ask("zebra xylophone", 5).abstained  # no question word in any passage


def test_chunk_recipe_quotes_exact_sentences(baselines):
    docs = list(DOCS.values())
    bot = baselines.ChunkRecipe(docs)
    a = bot.ask("How long do male penguins incubate the eggs?", 5)
    assert a.quotes[0].text == "Males incubate the eggs for about two months."
    assert [qq.n for qq in a.quotes] == list(range(1, len(a.quotes) + 1))
    assert len({(qq.doc_id, qq.start) for qq in a.quotes}) == len(a.quotes)
    assert check_fidelity(a, DOCS) == []


# --- the index cache and `qa eval`, with the real model on tiny corpora ------------------------------


@pytest.fixture()
def encoded(monkeypatch):
    """Every text the embedder is asked to encode, in order."""
    from qa.embed import Embedder

    texts: list[str] = []
    original = Embedder.encode

    def spy(self, batch, *args, **kwargs):
        texts.extend(batch)
        return original(self, batch, *args, **kwargs)

    monkeypatch.setattr(Embedder, "encode", spy)
    return texts


def test_cached_index_is_reused_and_a_changed_corpus_embeds_only_new_text(tmp_path, encoded):
    from qa.evaluate import ensure_cached_index

    docs = list(DOCS.values())
    first = ensure_cached_index(docs, Config(), root=tmp_path, progress=False)
    assert first.path.parent == tmp_path and encoded
    encoded.clear()
    again = ensure_cached_index(docs, Config(), root=tmp_path, progress=False)
    assert again.path == first.path and encoded == []  # unchanged: nothing embedded
    changed = [Document(id="sochi", title="Sochi", text="Putin hosted the leaders in Sochi. Talks lasted three hours."), *docs[:2]]
    other = ensure_cached_index(changed, Config(), root=tmp_path, progress=False)
    assert other.path != first.path  # a new cache entry, keyed by the new text …
    assert "Talks lasted three hours." in encoded  # … that embeds the new sentence …
    assert "The talks were to be held in Granada." not in encoded  # … but not the text it already had


@pytest.fixture()
def cli_env(tmp_path, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    return CliRunner()


def test_qa_eval_squad_writes_three_files_and_json(cli_env, tmp_path, encoded):
    from qa.cli import cli

    out = tmp_path / "report"
    args = ["eval", str(EVAL / "squad_v2.json"), "--config", "hybrid,bm25", "--out", str(out), "--json"]
    result = cli_env.invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["config"] == "hybrid" and summary["quote_fidelity"] == 1.0
    assert set(summary["configs"]) == {"hybrid", "bm25"} and set(METRICS) <= set(summary)
    assert summary["answer_at_5"] == 1.0  # both answerable questions are quoted
    assert summary["abstain_recall"] in (0.0, 1.0)  # the impossible question is scored, not dropped
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md", "chart.png"}
    assert len(json.loads((out / "report.json").read_text())["results"]["bm25"]) == 3

    # a second run reuses the cached index: only the questions are embedded
    encoded.clear()
    again = cli_env.invoke(cli, ["eval", str(EVAL / "squad_v2.json")])
    assert again.exit_code == 0, again.output
    assert "metric" in again.stdout and "quote_fidelity" in again.stdout
    questions = {q.question for q in load_questions(EVAL / "squad_v2.json").questions}
    assert set(encoded) <= questions


@pytest.mark.parametrize(
    "content, expected",
    [
        ('{"id": "a", "question": "Why?", "answers": ["x"], "sources": ["Granada"]}\n{"id": "b"\n', "qs.jsonl:2: not valid JSON"),
        ('{"id": "a", "question": "Why?", "sources": []}\n', "qs.jsonl:1: missing field 'answers'"),
    ],
)
def test_qa_eval_bad_question_file_is_one_line_error(cli_env, tmp_path, content, expected):
    from qa.cli import cli

    path = tmp_path / "qs.jsonl"
    path.write_text(content)
    result = cli_env.invoke(cli, ["eval", str(path), "--corpus", str(EVAL / "corpus.jsonl")])
    assert result.exit_code == 1
    assert expected in result.output and "Traceback" not in result.output


def test_qa_eval_unknown_format_and_config(cli_env, tmp_path):
    from qa.cli import cli

    csv = tmp_path / "qs.csv"
    csv.write_text("id,question\n")
    result = cli_env.invoke(cli, ["eval", str(csv)])
    assert result.exit_code == 1 and "unknown question-set format" in result.output
    result = cli_env.invoke(cli, ["eval", str(EVAL / "squad_v1.json"), "--config", "fast"])
    assert result.exit_code == 1 and "'fast'" in result.output and "hybrid, dense, bm25" in result.output


def test_qa_eval_jsonl_with_corpus_scores_unanswerable_and_checks_fidelity(cli_env, tmp_path):
    from qa.cli import cli

    out = tmp_path / "r"
    args = ["eval", str(EVAL / "questions.jsonl"), "--corpus", str(EVAL / "corpus.jsonl"), "--config", "no-abstain,hybrid", "--out", str(out)]
    result = cli_env.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "4 questions, 3 answerable, 1 unanswerable; 3 documents" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["counts"]["hybrid"]["questions"] == 4  # the unanswerable one is kept
    assert report["metrics"]["no-abstain"]["quote_fidelity"] == 1.0
    assert report["metrics"]["no-abstain"]["abstain_recall"] == 0.0  # never abstains, by construction
    assert report["metrics"]["no-abstain"]["answer_at_5"] == 1.0
    first = report["results"]["hybrid"][0]
    assert first["id"] == "q1" and "Granada" in first["quotes"][0]["text"]


def test_qa_eval_refuses_sources_the_corpus_lacks(cli_env, tmp_path):
    from qa.cli import cli

    path = tmp_path / "qs.jsonl"
    path.write_text('{"id": "a", "question": "Where?", "answers": ["Granada"], "sources": ["granada"]}\n'
                    '{"id": "b", "question": "Who?", "answers": ["Putin"], "sources": ["moscow.txt"]}\n')
    result = cli_env.invoke(cli, ["eval", str(path), "--corpus", str(EVAL / "corpus.jsonl")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}:2: field 'sources': document 'moscow.txt' is not in the corpus" in result.output


def test_qa_eval_on_an_existing_index_checks_it_against_the_corpus_folder(cli_env, tmp_path, monkeypatch):
    from qa.cli import cli
    from qa.index import build_index
    from qa.ingest import load_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "penguins.txt").write_text("Emperor penguins breed during the Antarctic winter.\n")
    build_index(load_corpus([corpus]).documents, tmp_path / "index", Config())
    qs = tmp_path / "qs.jsonl"
    qs.write_text('{"id": "a", "question": "When do emperor penguins breed?", "answers": ["Antarctic winter"], "sources": ["penguins.txt"]}\n')
    monkeypatch.setenv("QA_CORPUS_DIR", str(corpus))
    result = cli_env.invoke(cli, ["eval", str(qs), "--index-dir", str(tmp_path / "index"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["answer_at_1"] == 1.0
    (corpus / "penguins.txt").write_text("Emperor penguins breed in winter, edited.\n")
    result = cli_env.invoke(cli, ["eval", str(qs), "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 1 and "built from other documents" in result.output


def test_shipped_question_set_matches_the_shipped_corpus():
    from qa.evaluate import answer_warnings
    from qa.ingest import load_corpus
    from qa.questions import check_sources

    qset = load_questions(ROOT / "bench" / "questions" / "shipped.jsonl")
    docs = {d.id: d for d in load_corpus([ROOT / "corpus"]).documents}
    check_sources(qset, docs)
    assert answer_warnings(qset, docs) == []  # every gold answer occurs in the cleaned text of its sources
    assert any(q.question == "Where were the October 5 talks supposed to be held?" and q.answers == ("Granada",) for q in qset.questions)
    assert sum(not q.answerable for q in qset.questions) >= 2


def test_qa_eval_beir_folder_scores_sources_only(cli_env):
    from qa.cli import cli

    result = cli_env.invoke(cli, ["eval", str(EVAL / "beir"), "--config", "bm25", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["answer_at_1"] is None  # BEIR has relevant documents, not answer strings
    assert summary["source_hit_at_1"] == 1.0 and summary["quote_fidelity"] == 1.0
    assert summary["abstain_recall"] is not None  # b4 (nothing relevant) counts as unanswerable

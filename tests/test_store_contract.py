"""The store contract: the FAISS index folder and the Milvus store (Milvus Lite, a local .db file) give
the same retrieval and the same exact quotes, and both take added, changed and removed documents.

The shipped corpus is the fixture corpus: the FAISS side is the session's shipped index, the Milvus
side is built by `qa index --store milvus:…` itself (which is what "done" asks of the CLI).
Milvus Lite is not the Milvus server; docs/scaling.md lists what differs and how the code copes.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from qa.answer import verify_quote
from qa.api import Assistant, load_documents
from qa.cli import cli
from qa.config import Config
from qa.errors import ConfigError, IndexIncompatibleError, IndexMissingError
from qa.records import Document
from qa.retrieve import Retriever
from qa.store import Store

from .conftest import CORPUS

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")
pytestmark = pytest.mark.slow  # Milvus Lite: every test here starts or fills a store

QUESTIONS = 100
TOP = 10
MIN_AGREEMENT = 0.9  # share of questions whose top-10 chunk ids must be the same on both backends
GRANADA = "Where were the October 5 talks supposed to be held?"


def generated_questions(index, n: int = QUESTIONS) -> list[str]:
    """`n` queries spread evenly over the corpus: the words of a sentence of at least eight words,
    shuffled and cut to eight (a query that shares words with its sentence but is not it)."""
    rng = np.random.default_rng(11)
    sentences = [index.sentence_text(r) for r in range(len(index.sentence_rows))]
    usable = [s for s in sentences if len(re.findall(r"\w+", s)) >= 8]
    picks = np.linspace(0, len(usable) - 1, n).round().astype(int)
    out = []
    for i in picks:
        words = re.findall(r"\w+", usable[i])
        rng.shuffle(words)
        out.append(" ".join(words[:8]) + "?")
    return out


@pytest.fixture(scope="module")
def milvus_uri(tmp_path_factory):
    """The shipped corpus indexed into Milvus Lite through the CLI."""
    uri = str(tmp_path_factory.mktemp("milvus") / "milvus.db")
    result = CliRunner().invoke(cli, ["index", str(CORPUS), "--store", f"milvus:{uri}"])
    assert result.exit_code == 0, result.output
    assert f"into milvus:{uri}" in result.output
    return uri


@pytest.fixture(scope="module")
def milvus(milvus_uri, config):
    return Assistant.load(config=config.replace(store=f"milvus:{milvus_uri}"))


@pytest.mark.contract
def test_both_stores_hold_the_same_documents_chunks_and_sentences(shipped, milvus):
    a, b = shipped.index, milvus.index
    assert isinstance(a, Store) and isinstance(b, Store)
    assert list(a.documents) == list(b.documents)
    assert all(a.documents[i].text == b.documents[i].text for i in a.documents)
    assert [c.id for c in a.chunks] == [c.id for c in b.chunks]
    assert [c.sentences for c in a.chunks] == [c.sentences for c in b.chunks]
    assert np.array_equal(a.sentence_rows, b.sentence_rows)
    # the folder keeps sentence vectors as float16 (writer.SENTENCE_VECTOR_DTYPE), Milvus as float32:
    # equal to within float16's step at these magnitudes (|x| < 0.5: under 2.5e-4)
    assert np.allclose(np.asarray(a.sentence_vectors, dtype=np.float32), b.sentence_vectors, atol=5e-4)
    assert a.token_df() == b.token_df()


@pytest.mark.contract
@pytest.mark.parametrize("retrieval", ["hybrid", "dense", "bm25"])
def test_top10_chunk_ids_agree_on_generated_questions(shipped, milvus, retrieval):
    config = shipped.config.replace(retrieval=retrieval)
    questions = generated_questions(shipped.index)
    assert len(set(questions)) == QUESTIONS
    vectors = shipped.embed(questions)
    same = 0
    for q, v in zip(questions, vectors):
        ids = [[h.chunk.id for h in Retriever(s.index, config).search(q, v, k=TOP)] for s in (shipped, milvus)]
        assert ids[0], q  # every generated question finds something
        same += ids[0] == ids[1]
    print(f"\n{retrieval}: top-{TOP} chunk ids agree for {same}/{QUESTIONS} questions")
    assert same / QUESTIONS >= MIN_AGREEMENT, f"{retrieval}: {same}/{QUESTIONS} agree"


@pytest.mark.contract
def test_rrf_through_milvus_hybrid_search_matches_our_rrf(shipped, milvus):
    """hybrid_search with Milvus's RRF ranker ranks by order, like qa.retrieve.rrf: same top 10."""
    config = shipped.config.replace(fusion="rrf")
    questions = generated_questions(shipped.index)[::5]
    vectors = shipped.embed(questions)
    same = sum(
        [h.chunk.id for h in Retriever(shipped.index, config).search(q, v, k=TOP)]
        == [h.chunk.id for h in Retriever(milvus.index, config).search(q, v, k=TOP)]
        for q, v in zip(questions, vectors)
    )
    print(f"\nrrf via hybrid_search: top-{TOP} chunk ids agree for {same}/{len(questions)} questions")
    assert same / len(questions) >= MIN_AGREEMENT


def _quotes(answer):
    return [(q.doc_id, q.start, q.end, q.text) for q in answer.quotes]


@pytest.mark.contract
def test_answers_have_the_same_exact_quotes(shipped, milvus):
    questions = [
        GRANADA,
        "Why did Aliyev refuse to attend the talks in Granada?",
        "What did Russia offer?",
        "Who is the president of Azerbaijan?",
        "What is the capital of Peru?",
    ]
    questions += generated_questions(shipped.index, 10)
    corpus = {d.id: d for d in load_documents([CORPUS]).documents}  # as read from the files, not either store
    for q in questions:
        a, b = shipped.ask(q), milvus.ask(q)
        assert _quotes(a) == _quotes(b), q
        assert (a.abstained, a.short_answer) == (b.abstained, b.short_answer), q
        for quote in b.quotes:
            verify_quote(quote, corpus[quote.doc_id])


@pytest.mark.contract
def test_filters_give_the_same_quotes(shipped, milvus):
    outlet = shipped.outlets()[0]
    a = shipped.ask("What happened at the border?", sources=[outlet])
    b = milvus.ask("What happened at the border?", sources=[outlet])
    assert _quotes(a) == _quotes(b)
    assert all(shipped.documents[q.doc_id].source == outlet for q in b.quotes)


@pytest.mark.contract
def test_cli_ask_on_milvus_gives_the_default_stores_quotes(milvus_uri, shipped_index_dir):
    runner = CliRunner()
    answers = []
    for where in (["--store", f"milvus:{milvus_uri}"], ["--index-dir", str(shipped_index_dir)]):
        result = runner.invoke(cli, ["ask", GRANADA, "--json", *where])
        assert result.exit_code == 0, result.output
        answers.append(json.loads(result.output))
    assert answers[0]["quotes"] and answers[0]["quotes"] == answers[1]["quotes"]
    assert "Spain" in answers[0]["quotes"][0]["text"]


@pytest.mark.contract
def test_eval_on_milvus_scores_like_the_default_store(milvus_uri, shipped_index_dir, tmp_path):
    """`qa eval --store milvus:…` runs on the Milvus store (its corpus already in it: nothing is rebuilt)."""
    questions = str(CORPUS.parent / "bench" / "questions" / "shipped.jsonl")
    runner, results = CliRunner(), []
    for where in (["--store", f"milvus:{milvus_uri}"], ["--index-dir", str(shipped_index_dir)]):
        done = runner.invoke(cli, ["eval", questions, "--corpus", str(CORPUS), "--limit", "6", "--json", *where])
        assert done.exit_code == 0, done.output
        results.append(json.loads(done.output[done.output.index("{") :]))

    def scores(summary: dict) -> dict:  # everything but the latencies, which measure the machine
        return {k: v for k, v in summary["configs"]["hybrid"].items() if not k.startswith("latency")}

    assert scores(results[0]) == scores(results[1])
    assert results[0]["configs"]["hybrid"]["quote_fidelity"] == 1.0


@pytest.mark.contract
def test_a_reopened_milvus_store_gives_the_same_answers(milvus_uri, milvus, config):
    again = Assistant.load(config=Config.from_env({"QA_STORE": f"milvus:{milvus_uri}"}))
    assert again.index is not milvus.index
    for q in generated_questions(milvus.index, 5) + [GRANADA]:
        assert _quotes(again.ask(q)) == _quotes(milvus.ask(q))


# --- changes: the same steps on both backends, compared after each -----------------------------------

FIXTURE = {
    "alpaca.txt": "Alpacas live in the Andes of Peru. They are shorn once a year for their fleece. "
    "A herd of alpacas is guarded by a llama.",
    "bees.txt": "Honey bees dance to show where flowers are. A colony has one queen. "
    "Worker bees live about six weeks in summer.",
    "comets.txt": "Halley's comet returns every 76 years. Its last visit was in 1986. "
    "The nucleus is a dirty snowball of ice and dust.",
}


def _docs(texts: dict[str, str]) -> list[Document]:
    return [Document(id=k, text=v, title="", path=k) for k, v in texts.items()]


def _state(assistant) -> tuple:
    index = assistant.index
    return (list(index.documents), [c.id for c in index.chunks], index.sentence_rows.tolist())


@pytest.mark.contract
def test_add_change_remove_agree_between_backends(tmp_path, config):
    stores = {
        "faiss": Assistant.build(_docs(FIXTURE), tmp_path / "index", config),
        "milvus": Assistant.build(_docs(FIXTURE), config=config.replace(store=f"milvus:{tmp_path / 'm.db'}")),
    }

    def same(question: str, want: str | None):
        answers = {name: s.ask(question, 1) for name, s in stores.items()}
        assert _state(stores["faiss"]) == _state(stores["milvus"])
        assert _quotes(answers["faiss"]) == _quotes(answers["milvus"])
        if want is not None:
            assert want in answers["milvus"].quotes[0].text
        return answers["milvus"]

    same("Who guards a herd of alpacas?", "llama")
    for s in stores.values():  # add
        s.add(_docs({"dunes.txt": "The tallest sand dunes on Earth stand in the Namib desert."}))
    same("Where are the tallest sand dunes?", "Namib")
    for s in stores.values():  # change: same id, new text
        s.add(_docs({"comets.txt": FIXTURE["comets.txt"].replace("1986", "the year 1986 of our era")}))
    assert "of our era" in same("When was the last visit of Halley's comet?", "1986").quotes[0].text
    for s in stores.values():  # remove
        assert s.remove(["bees.txt"]) == ["bees.txt"]
    answer = same("How long do worker bees live?", None)
    assert all(q.doc_id != "bees.txt" for q in answer.quotes)
    # reopened from Milvus, the changed store still answers the same
    reopened = Assistant.load(config=stores["milvus"].config)
    assert _state(reopened) == _state(stores["milvus"])
    assert _quotes(reopened.ask("Where are the tallest sand dunes?", 1)) == _quotes(
        stores["milvus"].ask("Where are the tallest sand dunes?", 1)
    )


@pytest.mark.contract
def test_reindexing_a_changed_corpus_syncs_milvus(tmp_path, config):
    cfg = config.replace(store=f"milvus:{tmp_path / 'sync.db'}")
    Assistant.build(_docs(FIXTURE), config=cfg)
    smaller = {k: v for k, v in FIXTURE.items() if k != "alpaca.txt"}
    assistant = Assistant.build(_docs(smaller), config=cfg)
    assert assistant.removed == ["alpaca.txt"]
    assert set(assistant.documents) == set(smaller)
    assert list(Assistant.build(_docs(smaller), config=cfg).index.chunks) == list(assistant.index.chunks)


@pytest.mark.contract
@pytest.mark.parametrize("backend", ["faiss", "milvus"])
def test_new_metadata_for_unchanged_text_reaches_the_store(tmp_path, config, backend):
    """Front matter added to a file (or an ingest rule that now finds its outlet) changes no character
    of the cleaned text, only the citation: re-indexing must still take it."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    body = (
        "Talks fail in Istanbul\n\nThe talks in Istanbul ended without a deal on Sunday after two days of meetings.\n"
    )
    (folder / "talks.txt").write_text(body, encoding="utf-8")
    cfg = config.replace(store=f"milvus:{tmp_path / 'm.db'}") if backend == "milvus" else config
    first, _ = Assistant.from_corpus([folder], tmp_path / "index", cfg)
    assert first.documents["talks.txt"].source == ""
    (folder / "talks.txt").write_text("---\nsource: La Presse\ndate: 2023-11-16\n---\n" + body, encoding="utf-8")
    second, _ = Assistant.from_corpus([folder], tmp_path / "index", cfg)
    assert (second.documents["talks.txt"].source, second.documents["talks.txt"].date) == ("La Presse", "2023-11-16")
    quote = second.ask("Where did the talks end without a deal?", 1).quotes[0]
    assert quote.source == "La Presse" and quote.date == "2023-11-16"
    reopened = Assistant.load(tmp_path / "index", cfg)
    assert reopened.documents["talks.txt"].source == "La Presse"
    assert reopened.built_from(load_documents([folder]).documents)


# --- selecting the store ---------------------------------------------------------------------------


def test_unknown_store_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match=r"store: unknown store 'mongo'.*faiss, milvus:URI"):
        Config.from_env({"QA_STORE": "mongo"})
    with pytest.raises(ConfigError, match="milvus:URI"):
        Config(store="milvus:")
    result = CliRunner().invoke(cli, ["ask", "anything", "--store", "elastic"])
    assert result.exit_code == 1
    assert "Error: store: unknown store 'elastic'" in result.output and "Traceback" not in result.output


@pytest.mark.contract
def test_an_empty_milvus_store_says_to_run_qa_index(tmp_path):
    uri = str(tmp_path / "empty.db")
    with pytest.raises(IndexMissingError, match="qa index --store milvus:"):
        Assistant.load(config=Config(store=f"milvus:{uri}"))
    result = CliRunner().invoke(cli, ["ask", "anything", "--store", f"milvus:{tmp_path / 'nowhere' / 'x.db'}"])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_default_store_loads_no_milvus(tmp_path):
    """Without --store, nothing imports pymilvus (it starts threads and costs a second)."""
    import subprocess
    import sys

    code = "import sys, qa.api, qa.cli; from qa.config import Config; assert 'pymilvus' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=_env())


def _env():
    import os
    from pathlib import Path

    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


@pytest.mark.contract
def test_cli_index_and_remove_on_milvus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in FIXTURE.items():
        (corpus / name).write_text(text + "\n", encoding="utf-8")
    store = f"milvus:{tmp_path / 'cli.db'}"
    runner = CliRunner()
    done = runner.invoke(cli, ["index", str(corpus), "--store", store])
    assert done.exit_code == 0 and "Indexed 3 documents" in done.output, done.output
    done = runner.invoke(cli, ["remove", "bees.txt", "--store", store])
    assert done.exit_code == 0, done.output
    assert f"Removed 1 document(s) from {store}: bees.txt" in done.output
    done = runner.invoke(cli, ["remove", "nothing.txt", "--store", store])
    assert done.exit_code == 1 and f"not in the index at {store}: nothing.txt" in done.output
    (corpus / "bees.txt").unlink()
    done = runner.invoke(cli, ["index", str(corpus), "--store", store])  # nothing changed: nothing to do
    assert done.exit_code == 0 and "Indexed 2 documents" in done.output and "removed from the index" not in done.output
    answer = json.loads(runner.invoke(cli, ["ask", "How long do worker bees live?", "--json", "--store", store]).output)
    assert all(q["doc_id"] != "bees.txt" for q in answer["quotes"])


# --- one build path: every backend and the Ray pipeline find the same wire copies and quotations -------

SAID = (
    "“We have agreed to meet again before the end of the year,” Armenian Foreign Minister Ararat Mirzoyan "
    "said after the talks."
)


@pytest.fixture(scope="module")
def wire_corpus(tmp_path_factory):
    """tests/test_dedupe.py's wire story under three outlets and two unrelated articles, as files with
    front matter, the story quoting a minister."""
    from .test_dedupe import UNRELATED, WIRE

    folder = tmp_path_factory.mktemp("wire") / "corpus"
    folder.mkdir()
    for d in WIRE + UNRELATED:
        text = d.text + (f"\n\n{SAID}" if d in WIRE else "")
        front = f"---\ntitle: {d.title}\nsource: {json.dumps(d.source)}\ndate: {d.date or '2023-11-20'}\n---\n"
        (folder / d.id).write_text(front + text + "\n", encoding="utf-8")
    return folder


def _copies(index) -> tuple:
    """Everything a store says about wire copies and quotations, by document and offsets."""
    rows = [(index.doc_ids[d], s, e) for d, s, e in np.asarray(index.sentence_rows).tolist()]
    return (
        index.duplicates["documents"],
        [(rows[r], rows[int(c)]) for r, c in enumerate(index.sentence_canonical) if int(c) != r],
        [c.id for c in index.chunks],
        [c.id for c in index.duplicate_chunks],
        [(q.id, q.text, q.speaker, q.speech) for q in index.quotations],
    )


@pytest.mark.contract
@pytest.mark.ray
@pytest.mark.slow
def test_faiss_milvus_and_ray_builds_give_the_same_wire_copies_and_quotations(wire_corpus, tmp_path, config):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        builds = {
            "faiss": ["--index-dir", str(tmp_path / "faiss")],
            "milvus": ["--store", f"milvus:{tmp_path / 'm.db'}"],
            "ray": ["--index-dir", str(tmp_path / "ray"), "--ray", "auto"],
            "ray into milvus": ["--store", f"milvus:{tmp_path / 'rm.db'}", "--ray", "auto"],
        }
        stores = {}
        for name, where in builds.items():
            done = CliRunner().invoke(cli, ["index", str(wire_corpus), *where])
            assert done.exit_code == 0, (name, done.output)
            store = where[where.index("--store") + 1] if "--store" in where else "faiss"
            stores[name] = Assistant.load(tmp_path / name, config.replace(store=store))
    finally:
        ray.shutdown()
    reference = _copies(stores["faiss"].index)
    groups, copied, _, unsearched, quotations = reference
    assert groups == [{"canonical": "euronews.md", "copies": ["france24.md", "wire.md"]}]  # files in name order
    assert copied and unsearched  # sentences that copy an earlier one, chunks made only of copies
    assert "Ararat Mirzoyan" in {q[2] for q in quotations}
    question = "Where will the border commission hold its first session?"
    first = stores["faiss"].ask(question).quotes[0]
    assert first.doc_id == "euronews.md" and first.also_reported_by == ["France24", "<b>Wire</b> & Co"]
    for name, s in stores.items():
        assert _copies(s.index) == reference, name
        got = s.ask(question).quotes[0]
        assert (got.doc_id, got.start, got.end, got.also_reported_by) == (
            first.doc_id,
            first.start,
            first.end,
            first.also_reported_by,
        ), name
        assert s.quotation_summary()[0] == stores["faiss"].quotation_summary()[0], name


@pytest.mark.contract
def test_a_milvus_change_rewrites_only_the_documents_it_changes(tmp_path, config, monkeypatch):
    from qa.store import milvus

    cfg = config.replace(store=f"milvus:{tmp_path / 'few.db'}")
    assistant = Assistant.build(_docs(FIXTURE), config=cfg)
    written: list[list[str]] = []
    real = milvus.Rows.insert

    def recording(self, client, numbers, digests):
        written.append([self.g.doc_ids[n] for n in numbers])
        return real(self, client, numbers, digests)

    monkeypatch.setattr(milvus.Rows, "insert", recording)
    assistant.add(_docs({"dunes.txt": "The tallest sand dunes on Earth stand in the Namib desert."}))
    assistant.add(_docs({"comets.txt": FIXTURE["comets.txt"].replace("1986", "the year 1986")}))
    assert written == [["dunes.txt"], ["comets.txt"]]
    assert assistant.remove(["alpaca.txt"]) == ["alpaca.txt"]
    assert written[2:] == []  # the others only moved up in the order
    assert list(assistant.documents) == ["bees.txt", "dunes.txt", "comets.txt"]
    assert list(Assistant.load(config=cfg).documents) == ["bees.txt", "dunes.txt", "comets.txt"]


@pytest.mark.contract
def test_a_milvus_store_of_an_earlier_layout_is_refused_then_replaced(tmp_path, config):
    from qa.store import milvus

    uri = str(tmp_path / "old.db")
    cfg = config.replace(store=f"milvus:{uri}")
    Assistant.build(_docs(FIXTURE), config=cfg)
    client = milvus.connect(uri)
    meta = milvus.read_meta(client)
    client.upsert(
        milvus.META,
        [{"pk": milvus.MANIFEST_KEY, "body": json.dumps({**meta, "layout": 1}), "v": [0.0] * milvus.PLACEHOLDER_DIM}],
    )
    client.drop_collection(milvus.QUOTATIONS)  # as a store of layout 1 has none
    with pytest.raises(IndexIncompatibleError, match=r"older version of qa; run `qa index --store milvus:"):
        Assistant.load(config=cfg)
    rebuilt = Assistant.build(_docs(FIXTURE), config=cfg)
    assert rebuilt.removed == [] and list(rebuilt.documents) == list(FIXTURE)
    assert list(Assistant.load(config=cfg).documents) == list(FIXTURE)

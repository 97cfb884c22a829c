"""The app's API (gradio_client), its launch paths (`python app.py`, `qa serve`) and its upload service.

Every server runs on a free loopback port over a temporary copy of the shipped index, so nothing
here touches the shared fixture or the repository's index/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT

UI_DATA = Path(__file__).resolve().parent / "data" / "ui"
GRANADA = "Why did Aliyev refuse to attend the talks in Granada?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(index_src: Path | None, tmp: Path, *, login_guard=None, **overrides):
    """Serve the real app in this process over a copy of `index_src` (or no index); yields (url, service)."""
    from qa.config import Config
    from qa.web import Service, serve

    tmp.mkdir(parents=True, exist_ok=True)
    index_dir = tmp / "index"
    if index_src is not None:
        shutil.copytree(index_src, index_dir)
    corpus = tmp / "corpus"
    corpus.mkdir(exist_ok=True)  # empty: the app must not build from the repository's corpus
    config = Config(index_dir=str(index_dir), corpus_dir=str(corpus)).replace(port=free_port(), **overrides)
    quiet = lambda message: None  # noqa: E731
    service = Service.start(config, log=quiet)
    demo = serve(config, service=service, prevent_thread_lock=True, log=quiet, login_guard=login_guard)
    try:
        yield f"http://127.0.0.1:{config.serve.port}/", service
    finally:
        demo.close()
        service.close()


@pytest.fixture(scope="module")
def app(shipped_index_dir, tmp_path_factory):
    with running_app(shipped_index_dir, tmp_path_factory.mktemp("app_api")) as running:
        yield running


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app[0], verbose=False)


def test_api_ask_returns_the_answer_record(app, client):
    _url, service = app
    result = client.predict(GRANADA, 4, api_name="/ask")
    assert result["question"] == GRANADA and result["abstained"] is False
    assert 1 <= len(result["quotes"]) <= 4
    assert "[1]" in result["answer"]
    docs = service.documents()
    assert len({q["doc_id"] for q in result["quotes"]}) >= 2
    for q in result["quotes"]:
        assert docs[q["doc_id"]].text[q["start"] : q["end"]] == q["text"]
        assert set(q) >= {"n", "text", "doc_id", "title", "source", "date", "start", "end", "score", "url", "also_in"}
    assert any("destructive position" in q["text"] for q in result["quotes"])


def test_api_defaults_filters_and_errors(app, client):
    from gradio_client.exceptions import AppError

    default = client.predict(GRANADA, api_name="/ask")
    assert len(default["quotes"]) == 5  # config.quotes
    only = client.predict("What summit did Russia propose?", 5, ["France24"], api_name="/ask")
    assert only["abstained"] is False and only["quotes"]
    assert {q["source"] for q in only["quotes"]} == {"France24"}
    # France24 did not report why Aliyev stayed away: filtered to it, the app says so instead of quoting others
    assert client.predict(GRANADA, 5, ["France24"], api_name="/ask")["quotes"] == []
    dated = client.predict(GRANADA, 5, None, "2023-10-01", "2023-10-31", api_name="/ask")
    assert dated["abstained"] is False and dated["quotes"]
    assert all("2023-10-01" <= q["date"] <= "2023-10-31" for q in dated["quotes"])
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", api_name="/ask")
    with pytest.raises(AppError, match="YYYY-MM-DD"):
        client.predict(GRANADA, 5, None, "last week", api_name="/ask")
    unanswerable = client.predict("What is the recipe for banana bread?", api_name="/ask")
    assert unanswerable["abstained"] is True and unanswerable["quotes"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((GRANADA, 0), "k: 0 is outside 1..50"),
        ((GRANADA, 51), "k: 51 is outside 1..50"),
        ((GRANADA, 5, None, "2023-13-45"), "date_from: '2023-13-45' is not a date"),
        ((GRANADA, 5, None, "2023-11-01", "2023-10-01"), "is after date_to"),
    ],
)
def test_api_refuses_a_bad_k_or_date_in_one_line(client, args, message):
    """The endpoint validates like the CLI and the Python API: it never clamps or guesses."""
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as refused:
        client.predict(*args, api_name="/ask")
    text = str(refused.value)
    assert message in text and "\n" not in text.strip()


def test_api_follow_up_takes_the_returned_records_as_history(client):
    from gradio_client.exceptions import AppError

    first = client.predict(question=GRANADA, k=3, api_name="/ask")
    assert first["resolved_question"] == GRANADA
    follow = client.predict(question="When was that?", k=3, history=[first], api_name="/ask")
    assert follow["resolved_question"] == "When were the talks in Granada?"
    assert not follow["abstained"] and "Oct. 5" in follow["quotes"][0]["text"]
    old_form = client.predict(question="When was that?", k=3, history=[GRANADA], api_name="/ask")
    assert old_form["resolved_question"] == "When were the talks in Granada?"
    with pytest.raises(AppError, match=r"history\[0\]"):
        client.predict(question="When was that?", history=[{"answer": "no question"}], api_name="/ask")


def test_api_is_documented_with_a_stable_name(client):
    info = client.view_api(return_format="dict", print_info=False)
    names = info["named_endpoints"]
    assert "/ask" in names
    params = [p["parameter_name"] for p in names["/ask"]["parameters"]]
    assert params[:2] == ["question", "k"]
    # the UI's own events are private: a script sees the clear endpoints only (/support: sources for a
    # draft, /timeline: the dated events about a topic)
    assert set(names) == {"/ask", "/support", "/timeline"}


def test_upload_service_indexes_good_files_and_explains_bad_ones(shipped_index_dir, tmp_path):
    from qa.api import Assistant
    from qa.config import Config
    from qa.web import Service

    index_dir = tmp_path / "index"
    shutil.copytree(shipped_index_dir, index_dir)
    config = Config(index_dir=str(index_dir), corpus_dir=str(tmp_path / "none")).replace(max_upload_mb=1)
    service = Service(config, Assistant.load(index_dir, config))
    big = tmp_path / "big.txt"
    big.write_text("A long line about nothing in particular.\n" * 40_000)  # ~1.6 MB
    before = len(service.documents())
    report = service.add_uploads(
        [UI_DATA / "halvorsen_penguins.txt", UI_DATA / "empty.txt", UI_DATA / "not_an_article.png", big],
        log=lambda m: None,
    )
    assert report.added == ["uploads/halvorsen_penguins.txt"]
    assert report.total == before + 1 == len(service.documents())
    problems = "\n".join(report.problems)
    assert "empty.txt: empty file" in problems
    assert "not_an_article.png: unsupported file type" in problems
    assert "big.txt: file is 1.6 MB, over the 1 MB limit" in problems  # ingest's own size check
    answer = service.ask("How many emperor penguin chicks did the Halvorsen Glacier station count?")
    assert answer.quotes[0].doc_id == "uploads/halvorsen_penguins.txt" and "4,212" in answer.quotes[0].text
    # the same file again replaces the document instead of duplicating it
    again = service.add_uploads([UI_DATA / "halvorsen_penguins.txt"], log=lambda m: None)
    assert again.replaced == ["uploads/halvorsen_penguins.txt"] and again.total == before + 1
    # the index on disk holds the upload too: a restart keeps it
    assert "uploads/halvorsen_penguins.txt" in Assistant.load(index_dir, config).documents
    service.close()


def test_no_index_and_empty_corpus_is_a_friendly_state(tmp_path):
    from qa.config import Config
    from qa.errors import IndexMissingError
    from qa.web import Service

    (tmp_path / "corpus").mkdir()
    config = Config(index_dir=str(tmp_path / "index"), corpus_dir=str(tmp_path / "corpus"))
    service = Service.start(config, log=lambda m: None)
    assert not service.ready and "No index yet" in service.message and "Build index" in service.message
    with pytest.raises(IndexMissingError):
        service.ask(GRANADA)
    assert service.status() == "No index yet"
    # an upload then creates the index
    report = service.add_uploads([UI_DATA / "halvorsen_penguins.txt"], log=lambda m: None)
    assert service.ready and report.total == 1 and (tmp_path / "index" / "manifest.json").is_file()
    assert "4,212" in service.ask("How many emperor penguin chicks were counted?").quotes[0].text
    service.close()


def test_qa_serve_passes_its_flags(monkeypatch):
    from click.testing import CliRunner

    import qa.web
    from qa.cli import cli

    seen = {}
    monkeypatch.setattr(qa.web, "serve", lambda config: seen.__setitem__("config", config))
    monkeypatch.setenv("QA_PASSWORD", "from-env")
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "7999", "--index-dir", "idx"])
    assert result.exit_code == 0, result.output
    c = seen["config"]
    assert (c.serve.host, c.serve.port, c.index_dir, c.serve.password) == ("0.0.0.0", 7999, "idx", "from-env")
    monkeypatch.delenv("QA_PASSWORD")
    assert CliRunner().invoke(cli, ["serve", "--password", "pw"]).exit_code == 0
    c = seen["config"]
    assert (c.serve.host, c.serve.port, c.serve.password) == ("127.0.0.1", 7860, "pw")
    help_text = CliRunner().invoke(cli, ["serve", "--help"]).output
    for flag in ("--host", "--port", "--index-dir", "--password"):
        assert flag in help_text
    assert "any user name" in help_text  # the login takes any user name, as password_check does


@pytest.mark.slow
def test_python_app_py_builds_the_index_on_first_run_and_asks_for_the_password(tmp_path):
    """`python app.py` on a fresh checkout: no index, articles in the corpus folder, QA_PASSWORD set."""
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_f5edb748992077ea.txt", "002_d8d46fc8e1f04ea1.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    port = free_port()
    env = dict(
        os.environ,
        QA_INDEX_DIR=str(tmp_path / "index"),
        QA_CORPUS_DIR=str(corpus),
        QA_PORT=str(port),
        QA_PASSWORD="s3cret",
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        while "Running on" not in log.read_text() and proc.poll() is None:  # however long a busy machine takes
            time.sleep(0.5)
        text = log.read_text()
        assert "Running on" in text, text
        # the server answers HTTP first and builds after: a question asked now waits for the index
        assert "Indexed 2 documents" not in text.split("Running on")[0]
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(url, verbose=False)  # the password is required
        with pytest.raises(ValueError, match="Could not login"):  # gradio answers a wrong password with 400
            Client(url, auth=("anyone", "wrong"), verbose=False)
        client = Client(url, auth=("anyone", "s3cret"), verbose=False)
        result = client.predict(GRANADA, 3, api_name="/ask")
        assert result["quotes"] and result["quotes"][0]["doc_id"] == "000_f5edb748992077ea.txt"
        text = log.read_text()
        assert "Building the index" in text and "Indexed 2 documents" in text
        assert (tmp_path / "index" / "manifest.json").is_file()
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """End a server this test started: politely, then for certain."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- uploads are kept in the corpus folder -------------------------------------------------------

HOSTILE_NAMES = ["../../etc/x.txt", "a\nb.txt", ".hidden.txt", "n" * 296 + ".txt", "..\\..\\win.md"]


def _article(tmp: Path, i: int, **front) -> Path:
    """A small article of its own about harbour number `i` (front matter: title, source, url …)."""
    path = tmp / f"article{i}.md"
    head = "".join(f"{k}: {v}\n" for k, v in front.items())
    path.write_text(
        f"---\n{head}---\n"
        f"The harbour of Quellmoor {i} counted {1000 + i} fishing boats on Monday, the port office said.\n\n"
        f"Harbour master Ilse Varga {i} said the boats came back early because of the storm.\n",
        encoding="utf-8",
    )
    return path


def _uploads(service) -> list[str]:
    folder = Path(service.config.corpus_dir) / "uploads"
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def upload_service(shipped_index_dir, tmp_path):
    """A Service over a copy of the shipped index whose corpus folder holds one shipped article."""
    from qa.api import Assistant
    from qa.config import Config
    from qa.web import Service

    index_dir, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(shipped_index_dir, index_dir)
    corpus.mkdir()
    shutil.copy(CORPUS / "000_f5edb748992077ea.txt", corpus)
    config = Config(index_dir=str(index_dir), corpus_dir=str(corpus)).replace(max_upload_mb=1)
    service = Service(config, Assistant.load(index_dir, config))
    yield service
    service.close()


def test_uploads_are_saved_in_the_corpus_and_survive_a_rebuild(upload_service, tmp_path):
    from qa.api import Assistant

    service = upload_service
    files = [UI_DATA / "halvorsen_penguins.txt", UI_DATA / "empty.txt", UI_DATA / "not_an_article.png"]
    report = service.add_uploads(files, log=lambda m: None)
    assert report.added == ["uploads/halvorsen_penguins.txt"] and len(report.problems) == 2
    assert _uploads(service) == ["halvorsen_penguins.txt"]  # the files that failed to load are not kept
    saved = Path(service.config.corpus_dir) / "uploads" / "halvorsen_penguins.txt"
    assert saved.read_bytes() == files[0].read_bytes()
    # the same file again: nothing new on disk, the document is the one already there
    again = service.add_uploads([files[0]], log=lambda m: None)
    assert again.replaced == ["uploads/halvorsen_penguins.txt"] and _uploads(service) == ["halvorsen_penguins.txt"]
    # another file of the same name never overwrites it: it is saved as -2
    other = tmp_path / "other" / "halvorsen_penguins.txt"
    other.parent.mkdir()
    other.write_bytes(_article(tmp_path, 7, title="Boats").read_bytes())
    renamed = service.add_uploads([other], log=lambda m: None)
    assert renamed.added == ["uploads/halvorsen_penguins-2.txt"]
    assert renamed.renamed == ["halvorsen_penguins.txt → halvorsen_penguins-2.txt"]
    assert saved.read_bytes() == files[0].read_bytes()

    # `qa index` of the corpus folder keeps every upload, under the same ids, answerable
    rebuilt, problems = Assistant.from_corpus([service.config.corpus_dir], tmp_path / "rebuilt", service.config)
    assert problems == []
    uploaded = {i for i in service.documents() if i.startswith("uploads/")}
    assert uploaded == {i for i in rebuilt.documents if i.startswith("uploads/")}
    assert uploaded == {"uploads/halvorsen_penguins.txt", "uploads/halvorsen_penguins-2.txt"}
    answer = rebuilt.ask("How many emperor penguin chicks did the Halvorsen Glacier station count?")
    assert answer.quotes[0].doc_id == "uploads/halvorsen_penguins.txt" and "4,212" in answer.quotes[0].text


def test_hostile_upload_names_land_safely_inside_corpus_uploads(upload_service, tmp_path):
    from qa.api import Assistant

    service = upload_service
    corpus = Path(service.config.corpus_dir).resolve()
    sources = [_article(tmp_path, i, title=f"Harbour {i}") for i in range(len(HOSTILE_NAMES))]
    report = service.add_uploads(sources, names=HOSTILE_NAMES, log=lambda m: None)
    assert report.problems == [] and len(report.added) == len(HOSTILE_NAMES)
    names = _uploads(service)
    assert len(names) == len(HOSTILE_NAMES)
    for name in names:
        path = corpus / "uploads" / name
        assert path.resolve().parent == corpus / "uploads" and path.is_file() and not path.is_symlink()
        assert not name.startswith((".", "-")) and "/" not in name and "\\" not in name
        assert all(ch.isprintable() for ch in name) and len(name.encode()) <= 150 and name.endswith((".txt", ".md"))
    assert {"x.txt", "a_b.txt", "hidden.txt", "win.md"} <= set(names)
    assert not (corpus.parent / "etc").exists() and not Path("/etc/x.txt").exists()
    assert ".hidden.txt → hidden.txt" in report.renamed
    rebuilt, _ = Assistant.from_corpus([corpus], tmp_path / "rebuilt", service.config)
    assert {f"uploads/{n}" for n in names} <= set(rebuilt.documents)  # not hidden, not skipped: all read


def test_uploads_never_write_through_a_symbolic_link(upload_service, tmp_path):
    service = upload_service
    outside = tmp_path / "outside"
    outside.mkdir()
    uploads = Path(service.config.corpus_dir) / "uploads"
    # a link in uploads/ named like the upload: the upload takes another name, the target is untouched
    uploads.mkdir()
    (uploads / "x.txt").symlink_to(outside / "target.txt")
    report = service.add_uploads([_article(tmp_path, 1)], names=["x.txt"], log=lambda m: None)
    assert report.added == ["uploads/x-2.txt"] and not (outside / "target.txt").exists()
    # uploads/ itself a link: nothing is saved, nothing is indexed, the reason is given
    shutil.rmtree(uploads)
    uploads.symlink_to(outside, target_is_directory=True)
    before = len(service.documents())
    report = service.add_uploads([_article(tmp_path, 2)], names=["y.txt"], log=lambda m: None)
    assert report.added == [] and report.total == before == len(service.documents())
    assert report.problems == [
        "y.txt: not added, as it could not be saved in the corpus folder "
        "(uploads/ is a symbolic link; make it a real folder)"
    ]
    assert list(outside.iterdir()) == []


def test_a_failed_indexing_removes_the_saved_upload(upload_service, tmp_path, monkeypatch):
    service = upload_service

    def broken(documents, progress, stale=()):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_index", broken)
    with pytest.raises(RuntimeError):
        service.add_uploads([_article(tmp_path, 3)], log=lambda m: None)
    assert _uploads(service) == []


def test_api_flags_which_urls_may_become_links(upload_service, tmp_path):
    from qa.web.page import _api_ask

    service = upload_service
    safe = _article(tmp_path, 4, title="Boats", source="Quellmoor Post", url="https://example.org/boats?id=4")
    service.add_uploads([UI_DATA / "xss_article.md", safe], log=lambda m: None)
    ask = _api_ask(service)
    hostile = ask("What did the Zorbian harbour council decide about the lighthouse?", 3)
    assert hostile["quotes"] and all(q["doc_id"] == "uploads/xss_article.md" for q in hostile["quotes"])
    for q in hostile["quotes"]:  # returned as written, flagged: for showing as text, never as a link
        assert q["url"] == "javascript:window.__xss='url'" and q["url_safe"] is False
    fine = ask("How many fishing boats did the harbour of Quellmoor 4 count?", 1)["quotes"][0]
    assert fine["doc_id"] == "uploads/article4.md"
    assert fine["url"] == "https://example.org/boats?id=4" and fine["url_safe"] is True
    plain = ask(GRANADA, 1)["quotes"][0]
    assert plain["url"] == "" and plain["url_safe"] is False

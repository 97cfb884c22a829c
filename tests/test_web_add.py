"""`qa add` and `qa update`, and `Assistant.add_from_web`, end to end: pages and feeds served on
loopback are saved in a temporary corpus, indexed with the real model, and asked about; each quote
cites the article's canonical URL, outlet and date, and is the saved file's exact characters."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.ingest.rules import FRONT_MATTER
from qa.render import format_answer_text

from .web_server import serve_web

FEED_QUESTIONS = {  # a question each item of the 3-item feed answers, and where its answer stands
    "When did the ferry to Skarholm resume service?": (
        "Harbour Radio",
        "2024-03-04",
        "skarholm-ferry-resumes",
        "resumed service on Monday morning",
    ),
    "How much will the covered fish market hall in Brannvik cost?": (
        "Harbour Radio",
        "2024-03-05",
        "brannvik-fish-market-approved",
        "42 million crowns",
    ),
    "What will the old customs house in Brannvik become?": (
        "Harbour Radio",
        "2024-03-06",
        "item3.html",
        "will become a maritime museum",
    ),
}


@pytest.fixture(scope="module")
def site():
    with serve_web() as server:
        yield server


@pytest.fixture()
def env(monkeypatch):
    monkeypatch.setenv("QA_ALLOW_PRIVATE_URLS", "1")  # the test site is on 127.0.0.1
    monkeypatch.setenv("QA_FETCH_TIMEOUT", "10")


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    return result


@pytest.fixture(scope="module")
def fed(site, tmp_path_factory):
    """`qa add FEED` into an empty corpus with no index yet: one command."""
    tmp = tmp_path_factory.mktemp("fed")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QA_ALLOW_PRIVATE_URLS", "1")
        result = run(
            "add", f"{site.base}/feed/rss.xml", "--corpus-dir", str(tmp / "corpus"), "--index-dir", str(tmp / "index")
        )
    return tmp, result


def saved_body(corpus, doc_id: str) -> str:
    raw = (corpus / doc_id).read_text(encoding="utf-8")
    return raw[FRONT_MATTER.match(raw).end() :]


def test_adding_a_feed_is_one_command_and_three_documents(fed, site):
    tmp, result = fed
    assert result.exit_code == 0, result.output
    added = [line for line in result.output.splitlines() if line.startswith("added web/")]
    assert len(added) == 3
    assert (
        "added web/harbourradio.example/skarholm-ferry-resumes.md: “Skarholm ferry resumes after ice closure” "
        "(Harbour Radio, 2024-03-04) https://harbourradio.example/news/2024/03/04/skarholm-ferry-resumes" in added
    )
    assert (
        f"feed Harbour Radio – News: 3 new article(s), 0 already in the corpus (3 listed; {site.base}/feed/rss.xml)"
        in result.output
    )
    assert "No index at" in result.output and "3 documents in the index" in result.output


@pytest.mark.parametrize("question", sorted(FEED_QUESTIONS))
def test_each_feed_article_answers_with_url_outlet_and_date_in_its_citation(fed, question):
    from qa.api import Assistant
    from qa.config import Config

    tmp, _ = fed
    outlet, date, in_url, words = FEED_QUESTIONS[question]
    assistant = Assistant.load(tmp / "index", Config(index_dir=str(tmp / "index")))
    answer = assistant.ask(question)
    assert not answer.abstained and answer.quotes
    doc = assistant.documents[answer.quotes[0].doc_id]
    assert in_url in doc.url and doc.id.startswith("web/")
    quotes = [q for q in answer.quotes if q.doc_id == doc.id]
    assert any(words in q.text for q in quotes), [q.text for q in answer.quotes]
    for q in quotes:
        assert (q.url, q.source, q.date) == (doc.url, outlet, date)
        # fidelity: the quote is the saved file's own characters at its offsets
        assert saved_body(tmp / "corpus", doc.id)[q.start : q.end] == q.text == doc.text[q.start : q.end]
    cited = format_answer_text(answer, assistant.documents)
    assert f"— {outlet}, “{doc.title}”, {date}, {doc.url}" in cited


def test_update_then_adds_nothing_new_and_lists_the_feed(fed, site, env):
    tmp, _ = fed
    where = ["--corpus-dir", str(tmp / "corpus"), "--index-dir", str(tmp / "index")]
    result = run("update", *where)
    assert result.exit_code == 0, result.output
    assert "feed Harbour Radio – News: 0 new article(s), 3 already in the corpus" in result.output
    listed = run("update", "--list", *where)
    assert (
        listed.exit_code == 0
        and f"{site.base}/feed/rss.xml  Harbour Radio – News (3 article(s); checked 20" in listed.output
    )


def test_add_with_every_address_bad_is_an_error_with_one_line_each(site, env, tmp_path):
    result = run(
        "add",
        f"{site.base}/missing",
        "mailto:desk@example.com",
        f"{site.base}/news/paywall.html",
        "--corpus-dir",
        str(tmp_path / "corpus"),
        "--index-dir",
        str(tmp_path / "index"),
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("skipped ")]
    assert lines == [
        f"skipped {site.base}/missing: not found (HTTP 404 Not Found); check the link",
        "skipped mailto:desk@example.com: mailto: addresses are not fetched; only http:// and https:// links are",
        f"skipped {site.base}/news/paywall.html: a paywall (54 words of text), not the article; save the article's "
        "text and upload it instead",
    ]
    assert "Error: nothing was added: 3 address(es) failed" in result.output
    assert not (tmp_path / "index").exists()


def test_private_addresses_are_refused_by_default(site, tmp_path, monkeypatch):
    monkeypatch.delenv("QA_ALLOW_PRIVATE_URLS", raising=False)
    result = run(
        "add",
        f"{site.base}/news/news_article.html",
        "--corpus-dir",
        str(tmp_path / "corpus"),
        "--index-dir",
        str(tmp_path / "index"),
    )
    assert result.exit_code == 1 and "a loopback address" in result.output and "QA_ALLOW_PRIVATE_URLS" in result.output
    allowed = run(
        "add",
        f"{site.base}/news/news_article.html",
        "--allow-private",
        "--corpus-dir",
        str(tmp_path / "corpus"),
        "--index-dir",
        str(tmp_path / "index"),
    )
    assert allowed.exit_code == 0, allowed.output


def test_update_with_no_feeds_says_how_to_add_one(tmp_path):
    result = run("update", "--corpus-dir", str(tmp_path))
    assert result.exit_code == 0 and "No feeds in" in result.output and "qa add FEED_URL" in result.output


def test_add_from_web_extends_an_index_and_a_wire_copy_is_also_reported_by(site, shipped_index_dir, tmp_path):
    from qa.api import Assistant
    from qa.config import Config

    shutil.copytree(shipped_index_dir, tmp_path / "index")
    config = Config(index_dir=str(tmp_path / "index"), corpus_dir=str(tmp_path / "corpus"), allow_private_urls=True)
    assistant = Assistant.load(config.index_dir, config)
    before = len(assistant.documents)
    report = assistant.add_from_web([f"{site.base}/news/news_article.html", f"{site.base}/news/wire_copy.html"])
    assert report.problems == [] and len(report.added) == 2
    assert len(assistant.documents) == before + 2
    answer = assistant.ask("How much did the Orsund rail bridge cost?")
    first = answer.quotes[0]
    assert "1.9 billion crowns" in first.text and first.doc_id.startswith("web/")
    outlets = {first.source} | {a["source"] for a in first.also_in}
    assert outlets == {"The Northern Ledger", "Baltic Daily"}  # the same sentence, reported by both
    assert set(answer.quotes[0].also_reported_by) & {"The Northern Ledger", "Baltic Daily"}
    # a rebuild from the corpus folder keeps them, with the same text and metadata
    rebuilt, problems = Assistant.from_corpus([config.corpus_dir], tmp_path / "rebuilt", config)
    assert problems == []
    assert [rebuilt.documents[s.path] for s in report.added] == [assistant.documents[s.path] for s in report.added]
    # adding them again fetches nothing new and changes nothing
    again = assistant.add_from_web([f"{site.base}/news/news_article.html"])
    assert again.added == [] and len(assistant.documents) == before + 2


def test_the_app_fetches_only_for_a_logged_in_user_when_a_password_is_set(site):
    import gradio as gr

    from qa.config import Config
    from qa.web import Service
    from qa.web.links import LOGIN_FIRST, _adder, _updater

    asked = len(site.requests)
    service = Service(Config(allow_private_urls=True).replace(password="s3cret"))
    try:
        refresh = lambda: ()  # noqa: E731
        progress = lambda *a, **k: None  # noqa: E731
        anonymous = gr.Request(username=None)
        (html, _box) = _adder(service, refresh)(f"{site.base}/news/news_article.html", anonymous, progress)
        assert LOGIN_FIRST in html.replace("&#58;", ":")
        (html,) = _updater(service, refresh)(anonymous, progress)
        assert "Log in first" in html
        assert len(site.requests) == asked  # nothing was fetched
    finally:
        service.close()


def test_an_anonymous_client_cannot_make_a_password_protected_app_fetch(site, tmp_path):
    import httpx

    from .test_app_api import running_app

    asked = len(site.requests)
    with running_app(None, tmp_path, password="s3cret", allow_private_urls=True) as (url, _service):
        for fn_index in range(40):  # every event of the page, "Add by link" and "Update feeds" among them
            reply = httpx.post(
                f"{url}gradio_api/queue/join",
                json={
                    "fn_index": fn_index,
                    "data": [f"{site.base}/news/news_article.html"],
                    "session_hash": "anonymous",
                },
            )
            assert reply.status_code == 401, (fn_index, reply.text[:200])
    assert len(site.requests) == asked

"""Adding articles from the web, without the index: addresses, fetching within limits, the article
and its metadata, the saved files, feeds, and one line per hostile address. Every page comes from
a loopback server the test starts (tests/web_server.py), never from the internet."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess

import pytest

from qa.errors import FetchError
from qa.fetch import Limits, add_urls, feeds_of, update_feeds
from qa.fetch import http as fetch_http
from qa.fetch.http import Response, fetch, refused_address
from qa.fetch.page import decode, read_article
from qa.fetch.store import WEB, slug
from qa.fetch.urls import canonical_url, check_url, url_key
from qa.ingest import load_corpus, load_file
from qa.ingest.rules import FRONT_MATTER

from .web_server import DATA, HUGE_BYTES, serve_web

LOOPBACK = Limits(timeout=10.0, allow_private=True)  # the test server is on 127.0.0.1
OUTLETS = json.loads((DATA / "outlets" / "expected.json").read_text(encoding="utf-8"))
LEDGER = "https://www.northernledger.example/world/2024/05/14/valdmark-rail-bridge-opens"


@pytest.fixture(scope="module")
def site():
    with serve_web() as server:
        yield server


def body_of(path):
    """A saved article's text: the file after its front matter (without the final newline)."""
    raw = path.read_text(encoding="utf-8")
    m = FRONT_MATTER.match(raw)
    assert m, f"{path} has no front matter"
    return raw[m.end() :].removesuffix("\n"), raw[: m.end()]


# --- addresses -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, canonical, key",
    [
        (
            "HTTPS://WWW.Example.COM:443/a/b/?utm_source=x&b=2&a=1&fbclid=zz#frag",
            "https://www.example.com/a/b/?b=2&a=1",
            "example.com/a/b?a=1&b=2",
        ),
        ("http://example.com", "http://example.com/", "example.com/"),
        (
            "http://example.com:8080/x?gclid=1&id=5&mc_cid=9&ref=home",
            "http://example.com:8080/x?id=5&ref=home",
            "example.com:8080/x?id=5&ref=home",
        ),
        (
            "https://ex.com/%7euser/a%2fb/caf\u00e9",
            "https://ex.com/~user/a%2Fb/caf%C3%A9",
            "ex.com/~user/a%2Fb/caf%C3%A9",
        ),
        ("https://b\u00fccher.example/x?at_medium=rss", "https://xn--bcher-kva.example/x", "xn--bcher-kva.example/x"),
    ],
)
def test_canonical_url_and_key(url, canonical, key):
    assert canonical_url(check_url(url)) == canonical
    assert url_key(url) == key


def test_one_article_by_any_of_its_addresses():
    same = [
        "https://www.example.com/news/story/",
        "http://example.com/news/story",
        "https://example.com/news/story?utm_campaign=rss&utm_medium=feed#comments",
        "https://EXAMPLE.com/news/story?fbclid=IwAR0&gclid=abc",
    ]
    assert len({url_key(u) for u in same}) == 1
    assert url_key("https://example.com/news/story?id=2") != url_key("https://example.com/news/story?id=3")
    assert url_key("https://example.com/news/story") != url_key("https://example.com/news/other-story")


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://example.com/a.txt", "only http:// and https:// links"),
        ("file:///etc/passwd", "only http:// and https:// links"),
        ("javascript:alert(1)", "only http:// and https:// links"),
        ("www.example.com/story", "no scheme; write it as https://www.example.com/story"),
        ("http://user:secret@example.com/", "user name or password"),
        ("http:///path", "no host name"),
        ("http://example.com/a b", "spaces or control characters"),
        ("http://example.com:99999/", "not a valid address"),
        ("", "no address"),
        ("https://example.com/" + "a" * 3000, "longer than 2048 characters"),
    ],
)
def test_addresses_that_are_refused_before_any_fetch(url, reason):
    with pytest.raises(FetchError) as err:
        check_url(url)
    assert reason in err.value.reason
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "address, why",
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("0.0.0.0", "this machine"),
        ("::", "this machine"),
        ("100.64.0.1", "not a public"),
        ("224.0.0.1", "not a public"),
        ("2002:7f00:1::1", "loopback"),
        ("8.8.8.8", ""),
        ("2606:4700:4700::1111", ""),
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(address, why):
    assert (why in refused_address(address)) and (bool(refused_address(address)) == bool(why))


def test_the_loopback_server_is_refused_unless_private_addresses_are_allowed(site):
    port = site.server_address[1]
    asked = len(site.requests)
    for url in (
        f"{site.base}/news/news_article.html",
        f"http://localhost:{port}/news/news_article.html",
        f"http://2130706433:{port}/news/news_article.html",
    ):  # 127.0.0.1 written as one number
        with pytest.raises(FetchError) as err:
            fetch(url, Limits(timeout=5.0))
        assert "a loopback address" in err.value.reason and "QA_ALLOW_PRIVATE_URLS" in err.value.reason
    assert len(site.requests) == asked  # refused before connecting
    assert fetch(f"{site.base}/news/news_article.html", LOOPBACK).status == 200


def test_every_redirect_hop_is_checked(site, monkeypatch):
    """A public page that redirects into the private network is refused at the hop that goes there.
    There is no public server here, so 127.0.0.1 stands for one: only 127.0.0.2 counts as private."""
    monkeypatch.setattr(fetch_http, "refused_address", lambda a: "a private address" if a == "127.0.0.2" else "")
    inside = f"http://127.0.0.2:{site.server_address[1]}/news/news_article.html"
    with pytest.raises(FetchError) as err:
        fetch(f"{site.base}/away?to={inside}", Limits(timeout=5.0))
    assert err.value.url == f"{site.base}/away?to={inside}"
    assert "127.0.0.2, a private address" in err.value.reason and f"redirected to {inside}" in err.value.reason
    assert fetch(f"{site.base}/redirect/2", Limits(timeout=5.0)).url == f"{site.base}/news/news_article.html"


# --- fetching within limits ------------------------------------------------------------------------


def test_the_10_mb_page_is_cut_at_the_limit_not_read_whole(tmp_path):
    with serve_web() as server:
        with pytest.raises(FetchError) as err:
            # the page stalls after 6 MB: a reader that went on would end in a timeout, not this
            fetch(f"{server.base}/huge", Limits(timeout=60.0, allow_private=True))
        assert "larger than 5 MB" in err.value.reason
        with pytest.raises(FetchError) as err:
            fetch(f"{server.base}/huge?declared=1", LOOPBACK)
        assert "larger than 5 MB (10.0 MB)" in err.value.reason
        with pytest.raises(FetchError) as err:
            fetch(f"{server.base}/bomb", LOOPBACK)  # 60 MB of zeros, gzip-compressed to ~60 kB
        assert "larger than 5 MB" in err.value.reason
        assert fetch(f"{server.base}/gzipped", LOOPBACK).body == (DATA / "news_article.html").read_bytes()
        two = fetch(f"{server.base}/gzipped?members=2", LOOPBACK)  # a gzip body of two members is read whole
        assert two.body == (DATA / "news_article.html").read_bytes() * 2
    assert server.huge_sent and max(server.huge_sent) < HUGE_BYTES


def test_charsets_are_read_as_declared_and_a_broken_one_is_refused():
    text = "Jörgen Falk runs the café on Kessby’s square."
    page = f"<html><head><title>x</title></head><body><p>{text}</p></body></html>"
    url = "http://127.0.0.1/x"
    assert text in decode(Response(url, 200, "text/html", "windows-1252", page.encode("cp1252")), url)
    meta = page.replace("<head>", '<head><meta charset="windows-1252">').encode("cp1252")
    assert text in decode(Response(url, 200, "text/html", "", meta), url)  # only the page says it
    assert text in decode(Response(url, 200, "text/html", "", b"\xef\xbb\xbf" + page.encode()), url)  # a BOM
    assert text in decode(Response(url, 200, "text/html", "x-no-such-charset", page.encode()), url)  # unknown: UTF-8
    assert text in decode(Response(url, 200, "text/html", "", page.encode("cp1252")), url)  # undeclared legacy page
    with pytest.raises(FetchError) as err:
        decode(Response(url, 200, "text/html", "utf-8", page.encode("cp1252")), url)
    assert "says it is utf-8, but byte 0xf6" in err.value.reason


# --- the article and its metadata --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OUTLETS))
def test_outlet_date_author_and_canonical_url_come_from_each_layouts_markup(name):
    """Ten outlets' layouts: the outlet and date come from the page's metadata whenever it has them."""
    url = f"http://127.0.0.1:1/outlets/{name}"
    expected = OUTLETS[name]
    article = read_article(Response(url, 200, "text/html", "", (DATA / "outlets" / name).read_bytes()), url)
    assert (article.outlet, article.date, article.author) == (expected["outlet"], expected["date"], expected["author"])
    assert article.url == (expected["url"] or url)
    assert article.title and article.title in (DATA / "outlets" / name).read_text(encoding="utf-8")
    assert len(article.text.split()) >= 80


def test_a_page_without_metadata_gets_none_made_up(site, tmp_path):
    report = add_urls([f"{site.base}/news/plain_article.html"], tmp_path, LOOPBACK)
    (saved,) = report.added
    assert (saved.outlet, saved.date) == ("", "")  # not the host name, not a date from the prose
    assert (
        saved.url == f"{site.base}/news/plain_article.html"
        and saved.title == "Kessby library extends its opening hours"
    )
    (doc,) = report.documents
    assert (doc.source, doc.date, doc.author, doc.url) == ("", "", "", saved.url)


def test_a_saved_article_is_its_indexed_text_with_its_metadata_as_front_matter(site, tmp_path):
    report = add_urls([f"{site.base}/news/news_article.html?utm_source=newsletter#top"], tmp_path, LOOPBACK)
    assert report.problems == []
    (saved,) = report.added
    assert saved.path == "web/northernledger.example/valdmark-rail-bridge-opens.md"
    body, front = body_of(tmp_path / saved.path)
    assert front.splitlines()[1:7] == [
        "title: Valdmark opens its longest rail bridge after six years of work",
        "outlet: The Northern Ledger",
        "author: Helga Strand",
        "date: '2024-05-14'",
        f"url: {LEDGER}",
        f"fetched_from: {site.base}/news/news_article.html",
    ]
    assert front.splitlines()[7].startswith("fetched_at: '20")
    (doc,) = report.documents
    assert doc.id == saved.path and doc.text == body  # what is saved is what is indexed and quoted
    assert (doc.title, doc.source, doc.date, doc.author, doc.url) == (
        "Valdmark opens its longest rail bridge after six years of work",
        "The Northern Ledger",
        "2024-05-14",
        "Helga Strand",
        LEDGER,
    )
    for furniture in (
        "Skip to content",
        "Subscribe",
        "Facebook",
        "Tags:",
        "More stories",
        "All rights reserved",
        "Photo: Ledger staff",
    ):
        assert furniture not in body
    assert "Transport Minister Ebba Lindqvist said at the opening ceremony" in body


def test_every_saved_test_page_reads_back_as_exactly_its_text(site, tmp_path):
    pages = (
        [f"{site.base}/outlets/{n}" for n in sorted(OUTLETS)]
        + [f"{site.base}/news/{n}" for n in ("news_article.html", "plain_article.html", "wire_copy.html")]
        + [f"{site.base}/feed/item{i}.html" for i in (1, 2, 3)]
    )
    report = add_urls(pages, tmp_path, LOOPBACK)
    assert report.problems == [] and len(report.added) == len(pages)
    for saved in report.added:
        docs, problems = load_file(tmp_path / saved.path, tmp_path)
        assert problems == [] and len(docs) == 1, saved.path
        assert docs[0].text == body_of(tmp_path / saved.path)[0], saved.path
        assert docs[0].url == saved.url and docs[0].source == saved.outlet and docs[0].date == saved.date
    assert len({s.path for s in report.added}) == len(pages)


def test_slugs_come_from_the_address_or_the_title_where_the_address_is_an_id():
    from qa.fetch.page import Article

    def s(url, title="A title"):
        return slug(Article(url, url, title, "", "", "", "text"))

    assert s("https://x.example/world/2024/05/14/valdmark-rail-bridge-opens") == "valdmark-rail-bridge-opens"
    assert s("https://x.example/a/port-inquiry/32787125.html", "Port inquiry called") == "port-inquiry-called-32787125"
    assert s("https://x.example/news/articles/c0x2k9e7m1po", "Storm") == "storm-c0x2k9e7m1po"
    assert s("https://x.example/", "Ünïcode Title!") == "unicode-title"
    assert s("https://x.example/article.php?id=7", "T").startswith("t-article-")
    assert len(s("https://x.example/" + "-".join(["word"] * 60))) <= 80


# --- the same article once --------------------------------------------------------------------------


def test_the_same_article_twice_is_one_document_and_not_fetched_again(site, tmp_path):
    first = add_urls([f"{site.base}/news/news_article.html"], tmp_path, LOOPBACK)
    asked = len(site.requests)
    again = add_urls(
        [f"{site.base}/news/news_article.html?utm_source=x&fbclid=y#comments", f"{site.base}/redirect/2"],
        tmp_path,
        LOOPBACK,
    )
    assert again.added == [] and again.problems == []
    assert [path for _, path in again.already] == [first.added[0].path] * 2
    # the first address was known: not fetched; the redirect was fetched, and its canonical URL is known
    assert site.requests[asked:] == [
        "/redirect/2",
        "/redirect/1?to=/news/news_article.html",
        "/redirect/0?to=/news/news_article.html",
        "/news/news_article.html",
    ]
    assert [d.id for d in again.documents] == [first.added[0].path]
    assert len(list((tmp_path / WEB).rglob("*.md"))) == 1


def test_a_wire_copy_at_another_address_is_a_document_of_its_own(site, tmp_path):
    report = add_urls([f"{site.base}/news/news_article.html", f"{site.base}/news/wire_copy.html"], tmp_path, LOOPBACK)
    assert [(s.outlet, s.url) for s in report.added] == [
        ("The Northern Ledger", LEDGER),
        ("Baltic Daily", "https://balticdaily.example/news/valdmark-opens-longest-rail-bridge-1234"),
    ]


# --- hostile addresses: one line each, and the rest go on ------------------------------------------------


HOSTILE = {  # path on the test server -> what its one line says
    "/missing": "not found (HTTP 404 Not Found); check the link",
    "/error": "the site failed to serve it (HTTP 500 Internal Server Error); try again later",
    "/slow": "no complete answer within 1 seconds",
    "/drip": "no complete answer within 1 seconds",  # headers sent a byte at a time
    "/huge": "larger than 5 MB",
    "/bomb": "larger than 5 MB",
    "/loop": "more than 5 redirects",
    "/redirect/7": "more than 5 redirects",
    "/away?to=file:///etc/passwd": "redirected to file:///etc/passwd, which is refused: file: addresses are not fetched",
    "/pdf": "application/pdf, not a web page or a feed",
    "/news/paywall.html": "a paywall",
    "/news/consent.html": "a cookie consent page",
    "/news/broken_charset.html": "it says it is utf-8, but byte 0xe9",
    "/feed/malformed.xml": "a malformed feed (undefined entity at line 8); no item could be read from it",
    "/empty-feed": "the feed lists no articles",
}


def test_each_hostile_address_is_one_line_naming_it_and_the_rest_go_on(tmp_path):
    with serve_web() as server:
        good = [f"{server.base}/news/plain_article.html", f"{server.base}/plain-type"]
        bad = {f"{server.base}{path}": why for path, why in HOSTILE.items()}
        bad["gopher://example.com/1"] = "only http:// and https:// links"
        bad[f"http://no-such-host.invalid:{server.server_address[1]}/"] = (
            "no-such-host.invalid"  # no such host (or a lookup too slow)
        )
        urls = [good[0]] + list(bad) + [good[1]]
        report = add_urls(urls, tmp_path, Limits(timeout=1.0, allow_private=True))
    assert [s.title for s in report.added] == [
        "Kessby library extends its opening hours",
        "Valdmark opens its longest rail bridge after six years of work",
    ]
    assert [p.url for p in report.problems] == list(bad)  # one line per bad address, in the order given
    for problem in report.problems:
        assert bad[problem.url] in problem.reason, str(problem)
        assert str(problem).startswith(problem.url + ": ") and "\n" not in str(problem)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.md")) == sorted(
        s.path for s in report.added
    )  # nothing of the bad ones was saved


# --- feeds ---------------------------------------------------------------------------------------------


def test_a_feed_adds_each_of_its_articles_and_a_second_feed_of_them_adds_none(site, tmp_path):
    rss = add_urls([f"{site.base}/feed/rss.xml"], tmp_path, LOOPBACK)
    assert rss.problems == []
    assert [(s.title, s.outlet, s.date) for s in rss.added] == [
        ("Skarholm ferry resumes after ice closure", "Harbour Radio", "2024-03-04"),
        ("Brannvik council approves covered fish market", "Harbour Radio", "2024-03-05"),
        # its page gives no date and no canonical URL: the date is the feed's
        ("Old customs house to become maritime museum", "Harbour Radio", "2024-03-06"),
    ]
    assert [s.url for s in rss.added][:2] == [
        "https://harbourradio.example/news/2024/03/04/skarholm-ferry-resumes",
        "https://harbourradio.example/news/2024/03/05/brannvik-fish-market-approved",
    ]
    assert rss.added[2].url == f"{site.base}/feed/item3.html"  # the feed's link, without its utm_ parameters
    assert len(rss.documents) == 3 and {d.date for d in rss.documents} == {"2024-03-04", "2024-03-05", "2024-03-06"}
    (feed,) = rss.feeds
    assert (feed.title, feed.listed, feed.new, feed.known) == ("Harbour Radio – News", 3, 3, 0)
    # the same three articles through an Atom feed (served as text/xml) with other tracking parameters
    asked = len(site.requests)
    atom = add_urls([f"{site.base}/feed/atom.xml"], tmp_path, LOOPBACK)
    assert atom.added == [] and atom.problems == []
    assert (atom.feeds[0].new, atom.feeds[0].known) == (0, 3)
    assert site.requests[asked:] == ["/feed/atom.xml"]  # no item fetched again
    assert len(list((tmp_path / WEB).rglob("*.md"))) == 3
    assert [f["url"] for f in feeds_of(tmp_path)] == [f"{site.base}/feed/rss.xml", f"{site.base}/feed/atom.xml"]


def test_update_fetches_only_the_new_items_of_every_feed(site, tmp_path):
    site.live_items = 2
    first = add_urls([f"{site.base}/live-feed"], tmp_path, LOOPBACK)
    assert len(first.added) == 2
    asked = len(site.requests)
    nothing = update_feeds(tmp_path, LOOPBACK)
    assert nothing.added == [] and site.requests[asked:] == ["/live-feed"]
    site.live_items = 3
    asked = len(site.requests)
    newer = update_feeds(tmp_path, LOOPBACK)
    assert [s.title for s in newer.added] == ["Old customs house to become maritime museum"]
    assert site.requests[asked:] == ["/live-feed", "/feed/item3.html"]
    (feed,) = feeds_of(tmp_path)
    assert sorted(feed["items"].values()) == sorted(s.path for s in first.added + newer.added)


def test_the_feed_list_survives_a_reindex_and_is_no_article(site, tmp_path):
    add_urls([f"{site.base}/feed/rss.xml"], tmp_path, LOOPBACK)
    assert (tmp_path / WEB / ".feeds.json").is_file()
    result = load_corpus([tmp_path])
    assert result.problems == [] and result.skipped_hidden == 1  # the feed list: hidden, never read as an article
    assert sorted(d.id for d in result.documents) == sorted(
        p.relative_to(tmp_path).as_posix() for p in (tmp_path / WEB).rglob("*.md")
    )
    assert len(feeds_of(tmp_path)) == 1


def test_a_damaged_feed_list_is_one_line_and_left_as_it_is(site, tmp_path):
    (tmp_path / WEB).mkdir()
    damaged = tmp_path / WEB / ".feeds.json"
    damaged.write_text('{"version": 1, "feeds": [{"url": ', encoding="utf-8")
    report = update_feeds(tmp_path, LOOPBACK)
    (problem,) = report.problems
    assert str(damaged) in str(problem) and "delete it to start the list of feeds afresh" in problem.reason
    report = add_urls([f"{site.base}/feed/rss.xml"], tmp_path, LOOPBACK)  # articles still added, list untouched
    assert len(report.added) == 3 and [p.url for p in report.problems] == [str(damaged)]
    assert damaged.read_text(encoding="utf-8") == '{"version": 1, "feeds": [{"url": '


def test_a_feed_that_became_a_page_is_one_line_on_update(site, tmp_path):
    (tmp_path / WEB).mkdir()
    (tmp_path / WEB / ".feeds.json").write_text(
        json.dumps({"version": 1, "feeds": [{"url": f"{site.base}/news/plain_article.html", "items": {}}]}),
        encoding="utf-8",
    )
    report = update_feeds(tmp_path, LOOPBACK)
    assert report.added == [] and "no longer a feed" in report.problems[0].reason


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_nothing_is_written_through_a_symlinked_web_folder(site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / WEB).symlink_to(outside, target_is_directory=True)
    report = add_urls([f"{site.base}/news/plain_article.html"], corpus, LOOPBACK)
    assert report.added == [] and "is a symbolic link" in report.problems[0].reason
    assert list(outside.iterdir()) == []


def test_nothing_is_fetched_unless_asked(tmp_path, monkeypatch):
    """Loading, indexing and opening never touch the network: only add_urls and update_feeds do."""

    def refuse(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    (tmp_path / WEB).mkdir()
    (tmp_path / WEB / "a.md").write_text("---\nurl: https://example.com/a\n---\n" + "A sentence of text. " * 30)
    assert len(load_corpus([tmp_path]).documents) == 1
    assert update_feeds(tmp_path, LOOPBACK).problems == []  # no feeds: nothing to fetch


def test_fetch_settings_come_from_qa_variables_and_bad_ones_are_refused():
    from qa.config import Config
    from qa.errors import ConfigError

    config = Config.from_env({"QA_ALLOW_PRIVATE_URLS": "1", "QA_FETCH_TIMEOUT": "3", "QA_FETCH_MAX_MB": "0.5"})
    assert (config.allow_private_urls, config.fetch_timeout, config.fetch_max_mb) == (True, 3.0, 0.5)
    assert Config.from_env({}).allow_private_urls is False  # off unless set
    for bad in (
        {"QA_FETCH_TIMEOUT": "0"},
        {"QA_FETCH_TIMEOUT": "inf"},
        {"QA_FETCH_MAX_MB": "-1"},
        {"QA_FETCH_MAX_MB": "nan"},
        {"QA_FETCH_TIMEOUT": "soon"},
    ):
        with pytest.raises(ConfigError) as err:
            Config.from_env(bad)
        assert next(iter(bad)).removeprefix("QA_").lower() in str(err.value).lower()


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command to make a certificate")
def test_a_certificate_that_cannot_be_verified_is_one_line(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    with serve_web(tls=(cert, key)) as server:
        with pytest.raises(FetchError) as err:
            fetch(f"{server.base}/news/news_article.html", LOOPBACK)
    assert err.value.reason.startswith("its certificate is not valid (self-signed certificate")

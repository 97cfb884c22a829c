"""A loopback web server for the tests of adding articles from the web: the saved pages and feeds of
tests/data/web/, and the hostile cases (a redirect chain and loop, a 404 and a 500, a slow page, a
10 MB page, a compressed bomb, a PDF). `{{BASE}}` in a served file is replaced by the server's
address, so feeds link to pages on it. The 10 MB page is made when served, not stored.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).resolve().parent / "data" / "web"
SLOW_S = 4.0  # the slow page waits this long before answering; tests give fetches 1 s
HUGE_BYTES = 10 * 1024 * 1024
_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml"}
_FEED_TYPES = {"rss.xml": "application/rss+xml; charset=utf-8", "atom.xml": "text/xml"}  # atom: sniffed from its root

HUGE_HEAD = b"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Annual report, in full</title>
<meta property="og:site_name" content="The Northern Ledger"></head><body><article><h1>Annual report</h1>
"""
HUGE_PARAGRAPH = (
    b"<p>The harbour authority's annual report lists every ship that called at the port during the year, "
    b"with its tonnage, its cargo and the days it spent at the quay.</p>\n"
)
NOT_FOUND = b"<html><head><title>Page not found</title></head><body><h1>404</h1><p>Sorry, this page does not exist.</p></body></html>"


class _Handler(BaseHTTPRequestHandler):
    server_version = "TestNews/1.0"

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        self.server.requests.append(self.path)
        route = getattr(self, "route_" + parts.path.strip("/").split("/")[0].replace("-", "_"), None)
        if route is None:
            return self._send(404, NOT_FOUND)
        route(parts.path, parse_qs(parts.query))

    # --- the saved pages and feeds -------------------------------------------------------------

    def _file(self, path: str, content_type: str | None = None):
        name = path.strip("/")
        file = (DATA / name).resolve()
        if not file.is_relative_to(DATA) or not file.is_file():
            return self._send(404, NOT_FOUND)
        body = file.read_bytes().replace(b"{{BASE}}", self.server.base.encode())
        kind = content_type or _FEED_TYPES.get(file.name) or _TYPES.get(file.suffix, "application/octet-stream")
        self._send(200, body, kind)

    def route_news(self, path, query):  # /news/x.html: a page at the top of tests/data/web/
        self._file(path.removeprefix("/news"))

    def route_feed(self, path, query):  # /feed/…, /outlets/…: the folders of tests/data/web/
        self._file(path)

    route_outlets = route_feed

    def route_plain_type(self, path, query):  # a page served with no Content-Type at all
        self._file("/news_article.html", content_type="")

    # --- redirects -----------------------------------------------------------------------------

    def route_redirect(self, path, query):
        """/redirect/N goes to /redirect/N-1 …, /redirect/0 to the page named by ?to= (or the news article)."""
        n = int(path.rstrip("/").rsplit("/", 1)[-1] or 0)
        to = query.get("to", ["/news/news_article.html"])[0]
        target = to if n <= 0 else f"/redirect/{n - 1}?to={to}"
        self._redirect(target)

    def route_loop(self, path, query):
        self._redirect("/loop")

    def route_away(self, path, query):
        """A redirect to another host (?to=http://…), or to a scheme that is never fetched."""
        self._redirect(query.get("to", ["file:///etc/passwd"])[0])

    def _redirect(self, target: str, status: int = 302):
        self.send_response(status)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # --- failures ------------------------------------------------------------------------------

    def route_missing(self, path, query):
        self._send(404, NOT_FOUND)

    def route_error(self, path, query):
        self._send(500, b"<html><body><h1>Internal Server Error</h1></body></html>")

    def route_slow(self, path, query):
        self.server.stop.wait(SLOW_S)
        self._file("/news_article.html")

    def route_drip(self, path, query):
        """A server that sends its status line, then a header a byte at a time, for as long as one listens."""
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(600):
                self.wfile.write(b"X")
                self.wfile.flush()
                if self.server.stop.wait(0.1):
                    return
        except OSError:
            pass

    def route_huge(self, path, query):
        """10 MB of a real-looking page, with no length said; after 6 MB it stalls until the server
        stops, so a reader that does not stop at its limit waits out its timeout instead."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if "declared" in query:
            self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        sent = 0
        block = HUGE_HEAD + HUGE_PARAGRAPH * (1024 * 1024 // len(HUGE_PARAGRAPH))
        try:
            while sent < HUGE_BYTES:
                if sent >= 6 * 1024 * 1024:
                    self.server.stop.wait(60)
                    return
                self.wfile.write(block)
                self.wfile.flush()
                sent += len(block)
        except OSError:  # the reader hung up at its limit
            pass
        finally:
            self.server.huge_sent.append(sent)

    def route_bomb(self, path, query):
        """60 MB of zeros, gzip-compressed to a few tens of kilobytes (60 gzip members of 1 MB each)."""
        self._send_gzip(gzip.compress(b"0" * (1024 * 1024), compresslevel=9) * 60)

    def route_gzipped(self, path, query):
        """The news article, gzip-compressed (as most servers send pages); ?members=N: N gzip members of it."""
        self._send_gzip(gzip.compress((DATA / "news_article.html").read_bytes()) * int(query.get("members", ["1"])[0]))

    def _send_gzip(self, body: bytes):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the reader stopped at its limit
            pass

    def route_pdf(self, path, query):
        self._send(
            200, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", "application/pdf"
        )

    def route_live_feed(self, path, query):
        """An RSS feed of the first `server.live_items` of the three feed items: a feed that grows."""
        items = "".join(
            f"<item><title>Item {n}</title><link>{self.server.base}/feed/item{n}.html</link>"
            f"<pubDate>0{n + 3} Mar 2024 09:00:00 GMT</pubDate></item>"
            for n in range(1, self.server.live_items + 1)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Live</title>{items}</channel></rss>'
        self._send(200, body.encode(), "application/rss+xml")

    def route_empty_feed(self, path, query):
        self._send(
            200,
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>',
            "application/rss+xml",
        )

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8"):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass


@contextlib.contextmanager
def serve_web(host: str = "127.0.0.1", *, tls: tuple[Path, Path] | None = None):
    """Serve the test site on a free loopback port; yields the server (`.base` is its address,
    `.requests` every path asked for, `.huge_sent` what the 10 MB page got out). `tls`: (certificate,
    key) files to serve it over HTTPS."""
    server = ThreadingHTTPServer((host, 0), _Handler)
    server.daemon_threads = True
    scheme = "http"
    if tls:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*map(str, tls))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    server.base = f"{scheme}://{host}:{server.server_address[1]}"
    server.requests = []
    server.huge_sent = []
    server.live_items = 3
    server.stop = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="test-web")
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
        time.sleep(0)  # let handler threads see the stop

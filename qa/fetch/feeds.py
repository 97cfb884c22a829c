"""RSS and Atom feeds (feedparser): is a response a feed, and which articles does it list."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

from ..errors import FetchError
from ..ingest import find_date
from ..ingest.text import normalise_line
from .http import Response
from .page import Hint
from .urls import canonical_url, check_url

# feedparser 6 reads RSS, Atom and RDF; a JSON Feed is not among them
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "text/rss+xml",
    "text/atom+xml",
)
_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf", b"<channel")
# A feed lists its newest items first; more than this at once is an archive, not news to follow
# (each item is a page to fetch), so only the newest are taken and the rest wait for no one.
MAX_ITEMS = 50
_SNIFF_BYTES = 2048


@dataclass(frozen=True)
class FeedItem:
    url: str  # the item's link, checked
    hint: Hint  # what the feed says about it (title, author, date; the feed's title as outlet)


@dataclass(frozen=True)
class Feed:
    url: str  # canonical
    title: str
    items: list[FeedItem] = field(default_factory=list)
    problems: list[FetchError] = field(default_factory=list)  # items listed without a usable link


def is_feed(response: Response) -> bool:
    """Whether the response is a feed, by its type, or by its first element when the type says little."""
    kind = response.content_type
    if kind in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
        return True
    if kind and kind not in FEED_TYPES and kind != "text/plain":
        return False
    return _skip_prologue(response.body[:_SNIFF_BYTES].lower()).startswith(_FEED_ROOTS)


def _skip_prologue(head: bytes) -> bytes:
    """`head` after a byte order mark, the XML declaration, comments and processing instructions."""
    head = head.lstrip(b"\xef\xbb\xbf").lstrip()
    while head.startswith((b"<?", b"<!--", b"<!doctype")):
        end = head.find(b"-->" if head.startswith(b"<!--") else b">")
        if end < 0:
            return b""
        head = head[end + (3 if head.startswith(b"<!--") else 1) :].lstrip()
    return head


def read_feed(response: Response, asked: str) -> Feed:
    """The items a feed lists (newest MAX_ITEMS), each with its link; FetchError for a feed with none."""
    import feedparser

    # a stream, never bytes or a string: feedparser would take those for a file name or a URL to fetch
    parsed = feedparser.parse(
        io.BytesIO(response.body),
        response_headers={"content-location": response.url, "content-type": response.content_type or "application/xml"},
    )
    title = normalise_line(parsed.feed.get("title", "") or "")
    items, problems, seen = [], [], set()
    for n, entry in enumerate(parsed.entries[:MAX_ITEMS], start=1):
        link = _link(entry)
        if not link:
            problems.append(FetchError(asked, f"item {n} ({_title(entry) or 'untitled'}) has no link; skipped"))
            continue
        try:
            url = check_url(urljoin(response.url, link))
        except FetchError as exc:
            problems.append(FetchError(asked, f"item {n} links to {exc.url}: {exc.reason}"))
            continue
        if canonical_url(url) in seen:
            continue
        seen.add(canonical_url(url))
        items.append(FeedItem(url, Hint(title=_title(entry), outlet=title, author=_author(entry), date=_date(entry))))
    if not items:
        if parsed.bozo:
            raise FetchError(asked, f"a malformed feed ({_bozo(parsed)}); no item could be read from it")
        raise FetchError(
            asked,
            "the feed lists no articles" + (f" ({len(problems)} item(s) without a usable link)" if problems else ""),
        )
    return Feed(canonical_url(response.url), title, items, problems)


def _link(entry) -> str:
    link = entry.get("link") or ""
    if not link:
        link = next((x.get("href", "") for x in entry.get("links", []) if x.get("rel", "alternate") == "alternate"), "")
    return link.strip() if isinstance(link, str) else ""


def _title(entry) -> str:
    return normalise_line(str(entry.get("title", "") or ""))


def _author(entry) -> str:
    return normalise_line(str(entry.get("author", "") or ""))


def _date(entry) -> str:
    """The item's date as the feed wrote it (its own time zone), else feedparser's UTC reading of it."""
    for key in ("published", "updated"):
        written = entry.get(key)
        if isinstance(written, str):
            iso = find_date(written)[0]
            if iso:
                return iso
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return time.strftime("%Y-%m-%d", parsed)
    return ""


def _bozo(parsed) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "unreadable"
    line = getattr(exc, "getLineNumber", lambda: None)()
    what = getattr(exc, "getMessage", lambda: str(exc))()
    return f"{what} at line {line}" if line else str(what)

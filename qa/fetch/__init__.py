"""Articles from the web: a link or a feed in, articles saved in the corpus (and their documents) out.

    report = add_urls(["https://…/story", "https://…/rss"], "corpus")   # pages and feeds
    report = update_feeds("corpus")                                      # new items of followed feeds

Nothing is fetched unless asked: this package is only called by `qa add`, `qa update`, and the
app's "Add by link" and "Update feeds". Each page is fetched within limits (`http`), its article
read with its metadata (`page`), saved as `corpus/web/<site>/<slug>.md` (`store`), and loaded back
through the ingest as the document to index, so what is indexed is what `qa index` will read.
Every address that fails is one `FetchError` line naming it, and the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..errors import FetchError, InputFileError
from ..ingest import load_file
from ..records import Document
from .feeds import is_feed, read_feed
from .http import MB, Limits, Response, fetch
from .page import Hint, is_html, read_article
from .store import FEEDS_FILE, WEB, WebFolder, now_utc
from .urls import canonical_url, check_url, url_key

Progress = Callable[[str, float], None]

__all__ = [
    "FEEDS_FILE",
    "WEB",
    "FeedReport",
    "FetchError",
    "Limits",
    "MB",
    "Saved",
    "WebReport",
    "add_urls",
    "canonical_url",
    "feeds_of",
    "update_feeds",
]


@dataclass(frozen=True)
class Saved:
    """An article saved in the corpus by this run."""

    path: str  # its document id: "web/<site>/<slug>.md"
    url: str  # canonical
    title: str
    outlet: str
    date: str


@dataclass
class FeedReport:
    url: str
    title: str
    listed: int = 0  # items the feed lists now (at most feeds.MAX_ITEMS)
    new: int = 0  # articles saved from it in this run
    known: int = 0  # items already in the corpus (fetched before, or through another feed or link)


@dataclass
class WebReport:
    added: list[Saved] = field(default_factory=list)
    already: list[tuple[str, str]] = field(default_factory=list)  # (address given, document id) saved before
    feeds: list[FeedReport] = field(default_factory=list)
    problems: list[FetchError] = field(default_factory=list)  # one per address that could not be added
    documents: list[Document] = field(default_factory=list)  # of the articles added or already saved: to index


def add_urls(
    urls: Iterable[str], corpus_dir: str | Path, limits: Limits = Limits(), *, progress: Progress | None = None
) -> WebReport:
    """Fetch each address (an article page or an RSS/Atom feed, whose items are fetched in turn) and
    save its article in `corpus_dir`/web/. An article saved before is not fetched again."""
    run = _Run(corpus_dir, limits, progress)
    urls = list(urls)
    for i, url in enumerate(urls):
        run.link(url, i / max(1, len(urls)), 1 / max(1, len(urls)))
    return run.finish()


def update_feeds(corpus_dir: str | Path, limits: Limits = Limits(), *, progress: Progress | None = None) -> WebReport:
    """Fetch the new items of every feed added before (their list is in `corpus_dir`/web/.feeds.json)."""
    run = _Run(corpus_dir, limits, progress)
    try:
        feeds = [f["url"] for f in run.folder.feeds()]
    except FetchError as exc:
        run.report.problems.append(exc)
        return run.finish()
    for i, url in enumerate(feeds):
        run.link(url, i / len(feeds), 1 / len(feeds), feed_only=True)
    return run.finish()


def feeds_of(corpus_dir: str | Path) -> list[dict]:
    """The feeds followed in `corpus_dir`: url, title, added_at, checked_at and items (fetched articles)."""
    return WebFolder(Path(corpus_dir)).feeds()


class _Run:
    """One `add_urls` or `update_feeds`: what it saved, found, and failed on."""

    def __init__(self, corpus_dir: str | Path, limits: Limits, progress: Progress | None):
        self.folder = WebFolder.open(corpus_dir)
        self.limits = limits
        self.progress = progress or (lambda message, fraction: None)
        self.report = WebReport()
        self._wanted: dict[str, str] = {}  # document path -> the address it was saved or found for

    def link(self, url: str, start: float, share: float, *, feed_only: bool = False) -> None:
        """Add what `url` holds: its article, or each item of its feed. A failure is one problem line."""
        self.progress(f"Fetching {url}", start)
        try:
            url = check_url(url)
            known = None if feed_only else self.folder.find(url)
            if known:
                self.report.already.append((url, known))
                self._want(known, url)
                return
            response = fetch(url, self.limits)
            if is_feed(response):
                self._feed(url, response, start, share)
            elif feed_only:
                raise FetchError(
                    url,
                    f"no longer a feed ({response.content_type or 'no type'}); remove it from "
                    f"{WEB}/{FEEDS_FILE} or add the feed's new address",
                )
            else:
                path, new = self._article(url, response, Hint())
                if not new:
                    self.report.already.append((url, path))
        except FetchError as exc:
            self.report.problems.append(exc)

    def _article(self, asked: str, response: Response, hint: Hint) -> tuple[str, bool]:
        """Save the page's article; (its document path, True), or (the path, False) when it was saved before."""
        if not is_html(response):
            kind = response.content_type or "not HTML"
            raise FetchError(asked, f"{kind}, not a web page or a feed; save the file and upload it instead")
        article = read_article(response, asked, hint)
        known = self.folder.find(article.url)
        if known:  # reached by another address: the same article is one document
            self.folder.known.setdefault(url_key(asked), known)
            self._want(known, asked)
            return known, False
        path = self.folder.save(article)
        self.report.added.append(Saved(path, article.url, article.title, article.outlet, article.date))
        self._want(path, asked)
        return path, True

    def _feed(self, asked: str, response: Response, start: float, share: float) -> None:
        feed = read_feed(response, asked)
        try:
            record = self.folder.feed(feed.url, feed.title)
        except FetchError as exc:  # a damaged feed list: its articles are still added, the list is left alone
            self.report.problems.append(exc)
            record = {"items": {}}
        done = FeedReport(feed.url, feed.title, listed=len(feed.items))
        self.report.problems += feed.problems
        for i, item in enumerate(feed.items):
            key = url_key(item.url)
            if key in record["items"]:  # fetched from this feed before
                done.known += 1
                continue
            self.progress(
                f"{feed.title or feed.url}: item {i + 1} of {len(feed.items)}", start + share * i / len(feed.items)
            )
            known = self.folder.find(item.url)
            try:
                if known is None:
                    known, new = self._article(item.url, fetch(item.url, self.limits), item.hint)
                    done.new += new
                    done.known += not new
                else:
                    done.known += 1
                    self._want(known, item.url)
            except FetchError as exc:  # not recorded: the next update tries it again
                self.report.problems.append(FetchError(exc.url, f"{exc.reason} (an item of the feed {asked})"))
                continue
            record["items"][key] = known
        record["checked_at"] = now_utc()
        self.report.feeds.append(done)

    def _want(self, path: str, url: str) -> None:
        self._wanted.setdefault(path, url)

    def finish(self) -> WebReport:
        """Save the feed list, and load the documents of the articles added or found."""
        try:
            self.folder.save_feeds()
        except FetchError as exc:
            self.report.problems.append(exc)
        added = {s.path for s in self.report.added}
        for path, url in self._wanted.items():
            try:
                docs, _ = load_file(self.folder.corpus / path, self.folder.corpus)
            except InputFileError as exc:
                if path in added:  # never kept unless it can be indexed: the corpus and the index agree
                    (self.folder.corpus / path).unlink(missing_ok=True)
                    self.report.added = [s for s in self.report.added if s.path != path]
                self.report.problems.append(
                    FetchError(url, f"saved as {path}, which cannot be read back ({exc.reason})")
                )
                continue
            self.report.documents += docs
        self.progress("Fetched", 1.0)
        return self.report

"""The web part of the corpus: `corpus/web/<site>/<slug>.md` files, and the list of followed feeds.

Each article is a Markdown file whose YAML front matter says what the page said (title, outlet,
author, date, canonical url) and when it was fetched; the ingest reads those keys like any other
.md file's, so `qa index` keeps the article with its citation. The files are the record of what
was fetched: the canonical URL of each (and the address it was first asked by, when another) makes
the same article, linked again or reached through another feed, one document.

The followed feeds and the items fetched from each are kept in `corpus/web/.feeds.json`. A hidden
file is no article to the ingest (it skips hidden files), so a re-index leaves it alone.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from ..errors import FetchError
from ..ingest import clean_page, list_files
from ..ingest.metadata import Metadata
from ..ingest.rules import FRONT_MATTER
from .page import Article
from .urls import check_url, site_of, url_key

WEB = "web"  # articles are saved in <corpus>/web/ and become documents `web/<site>/<slug>.md`
FEEDS_FILE = ".feeds.json"
FEEDS_VERSION = 1
MAX_SLUG_CHARS = 80  # file names stay readable and far under the 255-byte limit
_ID_MAX_CHARS = 20  # a last path part this short and without hyphens is an id ("32787125", "c0x2k9e7m1po")
_HEAD_BYTES = 16 * 1024  # a saved file's front matter is in its first few hundred bytes
_FEEDS_MAX_BYTES = 20 * 1024 * 1024
# Cleaning a cleaned text again changes nothing, except that a line it kept as the page's first
# may turn out to be a byline or date line once the lines around it are gone: two rounds settle it.
_SETTLE_ROUNDS = 3
_PAGE_SUFFIXES = re.compile(r"\.(html?|php\d?|aspx?|jsp|cms|shtml)$", re.I)


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def settled(article: Article) -> tuple[str, Metadata]:
    """The article's text as the ingest will read it from the saved file, and the metadata its
    cleaning finds on the way (a byline line): saved as this, the file's text is what is indexed."""
    text, meta = article.text, Metadata()
    for _ in range(_SETTLE_ROUNDS):
        cleaned = clean_page(text)
        meta.fill(**{k: getattr(cleaned.meta, k) for k in ("title", "source", "date", "author")})
        if cleaned.text == text:
            break
        text = cleaned.text
    return text, meta


def slug(article: Article) -> str:
    """A file name (without .md) from the article's address, or its title where the address is an id."""
    parts = urlsplit(article.url)
    segments = [s for s in parts.path.split("/") if s]
    last = _PAGE_SUFFIXES.sub("", segments[-1]) if segments else ""
    words = _slugify(last)
    if not words or ("-" not in words and len(words) <= _ID_MAX_CHARS):
        words = "-".join(filter(None, (_slugify(article.title)[: MAX_SLUG_CHARS - len(words) - 1], words)))
    if parts.query:  # "article.php?id=7": the query names the article
        words += "-" + sha256(parts.query.encode()).hexdigest()[:8]
    return _cut(words or "article")


def _slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _cut(words: str) -> str:
    if len(words) <= MAX_SLUG_CHARS:
        return words
    cut = words[:MAX_SLUG_CHARS]
    return cut.rsplit("-", 1)[0] if "-" in cut[MAX_SLUG_CHARS // 2 :] else cut


def site_folder(url: str) -> str:
    """The folder of an article's site: its host, as a safe, visible folder name."""
    return re.sub(r"[^a-z0-9.-]+", "-", site_of(url)).strip(".-") or "site"


def front_matter(article: Article, meta: Metadata, fetched_at: str) -> str:
    fields = {
        "title": article.title or meta.title,
        "outlet": article.outlet or meta.source,
        "author": article.author or meta.author,
        "date": article.date or meta.date,
        "url": article.url,
        "fetched_from": article.asked if url_key(article.asked) != url_key(article.url) else "",
        "fetched_at": fetched_at,
    }
    body = yaml.safe_dump({k: v for k, v in fields.items() if v}, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{body}---\n"


# --- the folder ------------------------------------------------------------------------------------


@dataclass
class WebFolder:
    """`corpus/web/`: which articles it holds (by URL key) and which feeds it follows."""

    corpus: Path
    known: dict[str, str] = field(default_factory=dict)  # url key -> document path ("web/site/slug.md")
    _feeds: list[dict] | None = None

    @classmethod
    def open(cls, corpus_dir: str | Path) -> "WebFolder":
        folder = cls(Path(corpus_dir))
        for path in list_files(folder.root):
            if path.suffix.lower() == ".md":
                rel = path.relative_to(folder.corpus).as_posix()
                for url in _saved_urls(path):
                    folder.known.setdefault(url_key(url), rel)
        return folder

    @property
    def root(self) -> Path:
        return self.corpus / WEB

    def find(self, url: str) -> str | None:
        """The document path of the article at `url`, when it was saved before."""
        return self.known.get(url_key(url))

    def save(self, article: Article) -> str:
        """Write the article as a new file; returns its document path. FetchError naming its URL
        when it cannot be saved; nothing is ever written over another file or through a link."""
        text, meta = settled(article)
        if not text:
            raise FetchError(article.asked, "no article text left after removing page boilerplate")
        folder = self.root / site_folder(article.url)
        for d in (self.root, folder):  # the corpus folder itself may be a link (its owner's choice)
            if d.is_symlink():
                raise FetchError(article.asked, f"{d} is a symbolic link; make it a real folder")
        data = (front_matter(article, meta, now_utc()) + text + "\n").encode("utf-8")
        name = slug(article)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = _write_new(folder, name, data)
        except OSError as exc:
            raise FetchError(article.asked, f"could not be saved in {folder} ({exc.strerror or exc})") from None
        rel = path.relative_to(self.corpus).as_posix()
        for url in (article.url, article.asked):
            self.known.setdefault(url_key(url), rel)
        return rel

    # --- feeds -----------------------------------------------------------------------------------

    @property
    def feeds_path(self) -> Path:
        return self.root / FEEDS_FILE

    def feeds(self) -> list[dict]:
        """The followed feeds: {"url", "title", "added_at", "checked_at", "items": {url key: path}}."""
        if self._feeds is None:
            self._feeds = _read_feeds(self.feeds_path)
        return self._feeds

    def feed(self, url: str, title: str) -> dict:
        """The record of the feed at `url`, added to the list when it is new."""
        key = url_key(url)
        for feed in self.feeds():
            if url_key(feed["url"]) == key:
                feed["title"] = title or feed.get("title", "")
                return feed
        feed = {"url": url, "title": title, "added_at": now_utc(), "checked_at": "", "items": {}}
        self.feeds().append(feed)
        return feed

    def save_feeds(self) -> None:
        """Write the feed list (atomically: a kill leaves the old file or the new one)."""
        if self._feeds is None:
            return
        if self.root.is_symlink():
            raise FetchError(str(self.feeds_path), f"{self.root} is a symbolic link; make it a real folder")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"{FEEDS_FILE}.{os.getpid()}.tmp"
        data = json.dumps({"version": FEEDS_VERSION, "feeds": self._feeds}, ensure_ascii=False, indent=1)
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(data + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.feeds_path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise FetchError(
                str(self.feeds_path), f"the feed list could not be saved ({exc.strerror or exc})"
            ) from None


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` to folder/name.md, or name-2.md, name-3.md …: the first that does not exist."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for n in range(1, 1000):
        path = folder / (f"{name}.md" if n == 1 else f"{name}-{n}.md")
        try:
            fd = os.open(path, flags, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path
    raise FileExistsError(f"{folder}/{name}-*.md: a thousand files of that name")


def _saved_urls(path: Path) -> list[str]:
    """The `url` and `fetched_from` of a saved article's front matter ([] for any other file)."""
    try:
        with open(path, "rb") as f:
            head = f.read(_HEAD_BYTES).decode("utf-8", "ignore").replace("\r\n", "\n")
        m = FRONT_MATTER.match(head)
        fields = yaml.safe_load(m.group("body")) if m else None
    except (OSError, yaml.YAMLError, RecursionError, ValueError):
        return []
    if not isinstance(fields, dict):
        return []
    urls = []
    for key in ("url", "fetched_from"):
        value = fields.get(key)
        if isinstance(value, str):
            try:
                urls.append(check_url(value))
            except FetchError:
                pass
    return urls


def _read_feeds(path: Path) -> list[dict]:
    """The feed list from `path` ([] when there is none); FetchError when it cannot be read as one,
    so that a damaged list is never written over (the feeds it names would be lost)."""
    fix = "fix it, or delete it to start the list of feeds afresh (the articles stay)"
    try:
        if path.stat().st_size > _FEEDS_MAX_BYTES:
            raise FetchError(str(path), f"the feed list is over {_FEEDS_MAX_BYTES // (1024 * 1024)} MB; {fix}")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FetchError(str(path), f"the feed list cannot be read ({type(exc).__name__}); {fix}") from None
    feeds = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(feeds, list) or not all(_valid_feed(f) for f in feeds):
        raise FetchError(str(path), f"the feed list is not in the expected form; {fix}")
    return feeds


def _valid_feed(feed) -> bool:
    return (
        isinstance(feed, dict)
        and isinstance(feed.get("url"), str)
        and isinstance(feed.get("items", {}), dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in feed.get("items", {}).items())
    )

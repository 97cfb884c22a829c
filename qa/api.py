"""The Python API: `Assistant.load("index").ask("…")` returns an `Answer` of exact, cited quotes.

Every face (the CLI, the web app, the evaluation runner, bench/) goes through this module: it
loads, builds, extends and shrinks the index, and validates what a caller asks before asking.
Nothing below it imports it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from .answer import answer_question
from .answer.candidates import IdfTable, find_candidates
from .answer.entities import EntityCache
from .answer.reader import preload as preload_reader
from .answer.recency import today
from .config import Config
from .drafts import DraftSupport, support_draft
from .drafts import check_draft as _draft_rules
from .embed import Embedder
from .errors import (
    EmptyQuestionError,
    IndexIncompatibleError,
    IndexMissingError,
    InvalidRequestError,
    QuestionTooLongError,
)
from .fetch import MB, Limits, WebReport, add_urls, feeds_of, update_feeds
from .indexing import add_to_store, build_store, cache_root, ensure_cached_index, remove_from_store
from .ingest import ACCEPTED, SUFFIXES, IngestResult, list_files, load_corpus
from .ingest.encoding import decode_text
from .inputs import text_field, text_list
from .progress import Progress
from .quotations import Speaker
from .quotations.extract import SPEAKER_FAILED
from .quotations.finder import QuoteFinder
from .quotations.search import FoundQuote
from .quotations.speakers import group_speakers
from .quotations.stored import extract_all
from .records import Answer, Document, Turn
from .store import (
    MANIFEST,
    Store,
    document_record,
    is_current,
    is_milvus,
    open_store,
    read_manifest,
    recorded,
    with_embedder_of,
)
from .timeline import Timeline, build_timeline

MAX_QUESTION_CHARS = 1000
MAX_K = 50  # quotes one answer may ask for; more is never useful and only costs time
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

__all__ = [
    "today",
    "ACCEPTED",
    "SPEAKER_FAILED",
    "Assistant",
    "IngestResult",
    "MAX_K",
    "Progress",
    "MAX_QUESTION_CHARS",
    "SUFFIXES",
    "Turn",
    "cache_root",
    "check_date",
    "check_draft",
    "check_history",
    "check_outlets",
    "check_quote_count",
    "corpus_files",
    "decode_text",
    "load_documents",
    "FoundQuote",
    "Speaker",
    "Timeline",
    "WebReport",
    "fetch_articles",
    "fetch_feed_updates",
    "followed_feeds",
]


def _noop(message: str, fraction: float) -> None:
    pass


def load_documents(
    paths: Iterable[str | Path] | str | Path,
    *,
    max_file_mb: float | None = None,
    allow_empty: bool = False,
    replace: Iterable[str] = (),
) -> IngestResult:
    """Read, clean and describe every article under `paths`; unusable files become `problems`. An id
    claimed twice keeps its first holder (the file it names), unless it is in `replace`."""
    kwargs = {} if max_file_mb is None else {"max_file_mb": max_file_mb}
    return load_corpus(paths, allow_empty=allow_empty, replace=replace, **kwargs)


def corpus_files(corpus_dir: str | Path) -> list[Path]:
    """The article files under `corpus_dir` that `load_documents` would read."""
    return list_files(corpus_dir)


# --- articles from the web (qa/fetch): fetched only when asked -------------------------------------


def _limits(config: Config) -> Limits:
    return Limits(
        timeout=config.fetch_timeout, max_bytes=int(config.fetch_max_mb * MB), allow_private=config.allow_private_urls
    )


def fetch_articles(urls: Iterable[str], config: Config | None = None, *, progress: Progress | None = None) -> WebReport:
    """Fetch each address (an article page, or an RSS/Atom feed whose items are fetched in turn) and
    save its article in `config.corpus_dir`/web/<site>/<slug>.md, with its title, outlet, author, date
    and canonical URL as front matter. Indexes nothing: `report.documents` are the documents to add
    (`Assistant.add_from_web` does both). An address that fails is one line in `report.problems`."""
    config = config or Config()
    return add_urls(urls, config.corpus_dir, _limits(config), progress=progress)


def fetch_feed_updates(config: Config | None = None, *, progress: Progress | None = None) -> WebReport:
    """Fetch the new items of every feed added before (`fetch_articles` with a feed's address)."""
    config = config or Config()
    return update_feeds(config.corpus_dir, _limits(config), progress=progress)


def followed_feeds(corpus_dir: str | Path) -> list[dict]:
    """The feeds added to `corpus_dir`: url, title, added_at, checked_at, items (address key -> document id)."""
    return feeds_of(corpus_dir)


def check_date(value: str | None, name: str) -> str | None:
    """An ISO date or None; InvalidRequestError naming the field otherwise."""
    value = text_field(value, name, what="a date as text (YYYY-MM-DD)").strip()
    if not value:
        return None
    if _ISO_DATE.match(value):
        try:
            from datetime import date

            date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise InvalidRequestError(f"{name}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2023-10-04")


def check_draft(text) -> str:
    """A draft for `support`: text by the one input policy (qa.inputs), then support's own rules
    (not empty, not too long); offsets refer to it as given."""
    return _draft_rules(text_field(text, "text", what="the draft as text", required=True))


def check_outlets(names, outlets: Iterable[str], field: str) -> list[str]:
    """The outlets `names` names (any case), as the articles spell them; InvalidRequestError naming
    `field` and listing the known outlets for a name no article has."""
    known = {o.casefold(): o for o in outlets}
    out = []
    for name in (n.strip() for n in text_list(names, field)):
        if not name:
            continue
        if name.casefold() not in known:
            raise InvalidRequestError(_unknown_outlet(field, name, sorted(known.values())))
        out.append(known[name.casefold()])
    return out


MAX_OUTLETS_LISTED = 20  # an error line stays readable; the closest names come first


def _unknown_outlet(field: str, name: str, outlets: list[str]) -> str:
    if not outlets:
        return f"{field}: no outlet named {name!r}: these articles name no outlet; leave it out"
    import difflib

    close = difflib.get_close_matches(name.casefold(), [o.casefold() for o in outlets], n=3, cutoff=0.6)
    close = [o for c in close for o in outlets if o.casefold() == c][:3]
    listed = close + [o for o in outlets if o not in close]
    more = len(listed) - MAX_OUTLETS_LISTED
    shown = ", ".join(listed[:MAX_OUTLETS_LISTED]) + (f" and {more} more" if more > 0 else "")
    hint = f"; did you mean {close[0]!r}?" if close else "."
    return f"{field}: no outlet named {name!r} in these articles{hint} Known outlets: {shown}."


def check_topic_range(topic: str | None, since: str | None, until: str | None) -> tuple[str, str | None, str | None]:
    """A topic (empty allowed, at most MAX_QUESTION_CHARS) and an inclusive ISO date range, checked."""
    topic = text_field(topic, "topic").strip()
    if len(topic) > MAX_QUESTION_CHARS:
        raise InvalidRequestError(
            f"topic: too long ({len(topic)} characters; the limit is {MAX_QUESTION_CHARS}); shorten it"
        )
    since, until = check_date(since, "since"), check_date(until, "until")
    if since and until and since > until:
        raise InvalidRequestError(f"since {since} is after until {until}; swap them")
    return topic, since, until


def check_question(question: str | None) -> str:
    question = text_field(question, "question", what="the question as text", required=True).strip()
    if not question:
        raise EmptyQuestionError("question: empty; type a question about the articles")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionTooLongError(
            f"question: too long ({len(question)} characters; the limit is {MAX_QUESTION_CHARS}); shorten it"
        )
    return question


def check_k(k: int | None, default: int) -> int:
    if k is None:
        return default
    whole = isinstance(k, (int, np.integer)) or (isinstance(k, float) and k.is_integer())
    if isinstance(k, bool) or not whole:  # True is an int to Python, but no count of quotes
        raise InvalidRequestError(f"k: {k!r} is not a whole number; ask for 1 to {MAX_K} quotes")
    if not 1 <= int(k) <= MAX_K:
        raise InvalidRequestError(f"k: {k} is outside 1..{MAX_K}; ask for 1 to {MAX_K} quotes")
    return int(k)


MAX_HISTORY = 100  # turns a conversation may send; only the last one is read, the rest is checked


def check_history(history) -> list[Turn]:
    """The turns of a conversation: each a Turn, an Answer, an Answer record as `to_dict` or the
    JSON API gives it (a dict with "question"), or (the old form) a plain question string."""
    if history is None:
        return []
    if isinstance(history, (str, dict)) or not isinstance(history, Sequence):
        raise InvalidRequestError("history: give a list of earlier turns (questions or answer records), oldest first")
    if len(history) > MAX_HISTORY:
        raise InvalidRequestError(f"history: {len(history)} turns; send at most the last {MAX_HISTORY}")
    return [_turn(item, i) for i, item in enumerate(history)]


def _turn(item, i: int) -> Turn:
    if isinstance(item, Turn):
        return item
    if isinstance(item, Answer):
        return Turn(item.question, item)
    if isinstance(item, str) and text_field(item, f"history[{i}]").strip():
        return Turn(item.strip())
    if isinstance(item, dict) and text_field(item.get("question"), f"history[{i}].question").strip():
        # {"question", "answer": {record}} or the record itself ({"question", "answer": "text", "quotes"…})
        record = item["answer"] if isinstance(item.get("answer"), dict) else item
        if "quotes" not in record and "abstained" not in record:
            return Turn(item["question"].strip())
        try:
            return Turn(item["question"].strip(), Answer.from_dict(record))
        except (TypeError, ValueError, AttributeError) as exc:
            raise InvalidRequestError(f"history[{i}]: not an answer record ({exc}); send what /ask returned") from None
    raise InvalidRequestError(
        f"history[{i}]: {type(item).__name__} is not a turn; give the question text or the answer record /ask returned"
    )


class Assistant:
    """Answers questions from one index with quotes cut from its documents."""

    def __init__(
        self,
        index: Store,
        config: Config | None = None,
        embedder: Embedder | None = None,
        entities: EntityCache | None = None,
        idf: IdfTable | None = None,
        *,
        warm: bool = True,
    ):
        self.index = index
        config = config or Config()
        # the index is read with the embedder that built it, whatever is configured (embedder_note says so)
        self.configured_embedder = config.embedder
        self.config = with_embedder_of(index.manifest, config)
        self._manifest_seen: tuple | None = None  # (inode, mtime, size) of a manifest found unchanged
        self._embedder = embedder
        self.entities = entities or EntityCache()
        self._idf: IdfTable | None = idf  # given when it is for this same index
        self._quotes: QuoteFinder | None = None  # the quote finder's state, made on first use
        if warm:
            # load the model, spaCy's NER and the idf of every token (a second at a million chunks)
            # now, not inside the first question; a caller that only builds (`qa index`) says
            # warm=False and skips the seconds they cost
            preload_reader(self.config.reader)
            self.embedder
            self.entities.warm_up()
            self.idf

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(self.config.model, self.config.batch_size, self.config.embedder)
        return self._embedder

    # --- opening and building -------------------------------------------------------------------

    @classmethod
    def load(cls, index_dir: str | Path = "index", config: Config | None = None, *, warm: bool = True) -> "Assistant":
        """Open an existing index; IndexMissingError or IndexIncompatibleError say what to run.
        `warm=False`: the caller only changes the collection, so nothing is loaded for questions."""
        config = config or Config()
        return cls(open_store(index_dir, config), config, warm=warm)  # config.store picks the backend

    @classmethod
    def build(
        cls,
        documents: Sequence[Document],
        index_dir: str | Path = "index",
        config: Config | None = None,
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        show_progress_bar: bool | None = None,
        warm: bool = True,
    ) -> "Assistant":
        """Index `documents` at `index_dir`: reuse it when it holds exactly them, else (re)build it,
        embedding only text it has not seen (`rebuild` embeds everything again). `warm=False`: the
        caller only builds, so neither the model, spaCy's NER nor the idf table is loaded for questions."""
        config = config or Config()
        index = build_store(
            list(documents),
            index_dir,
            config,
            rebuild=rebuild,
            progress=progress or _noop,
            show_progress_bar=show_progress_bar,
        )
        return cls(index, config, warm=warm)

    @classmethod
    def from_corpus(
        cls,
        paths: Iterable[str | Path],
        index_dir: str | Path = "index",
        config: Config | None = None,
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        show_progress_bar: bool | None = None,
    ) -> tuple["Assistant", list]:
        """Load the documents under `paths`, build or reuse the index, and return (assistant, problems)."""
        result = load_documents(paths)
        assistant = cls.build(
            result.documents,
            index_dir,
            config,
            rebuild=rebuild,
            progress=progress or _noop,
            show_progress_bar=show_progress_bar,
        )
        return assistant, list(result.problems)

    @classmethod
    def from_corpus_on_ray(
        cls,
        paths: Iterable[str | Path],
        index_dir: str | Path = "index",
        config: Config | None = None,
        *,
        address: str = "auto",
        progress: Progress | None = None,
        warm: bool = True,
    ) -> tuple["Assistant", IngestResult]:
        """`from_corpus` with reading, cleaning, chunking and embedding run as a Ray Data pipeline on the
        cluster at `address` ("auto": the running one, else a local one); needs `qa-assistant[ray]`.
        Embeds everything (no reuse of an earlier index's vectors); returns (assistant, load result)."""
        import time

        from .indexing import build_from_parts
        from .indexing.distributed import RAY_SHARE, ray_ingest

        config = config or Config()
        progress = progress or _noop
        t0 = time.time()
        result, parts = ray_ingest(list(paths), config, address, progress=progress)
        index = build_from_parts(
            result.documents,
            parts,
            index_dir,
            config,
            started=t0,
            progress=lambda message, f: progress(message, RAY_SHARE + (1 - RAY_SHARE) * f),
        )
        return cls(index, config, warm=warm), result

    @classmethod
    def cached(
        cls,
        documents: Sequence[Document],
        config: Config | None = None,
        *,
        index_dir: str | Path | None = None,
        progress: Progress | None = None,
        show_progress_bar: bool | None = None,
    ) -> "Assistant":
        """An assistant over `documents` whose index lives in the cache ($QA_CACHE_DIR, ~/.cache/qa),
        keyed by the documents and settings (or at `index_dir` when given): a second call loads it."""
        config = config or Config()
        if is_milvus(config):  # the Milvus store named by config.store is the cache
            return cls.build(documents, config=config, progress=progress, show_progress_bar=show_progress_bar)
        if index_dir is not None:  # the caller's own index: kept with its embedder, as `qa index` keeps it
            return cls.build(documents, index_dir, config, progress=progress, show_progress_bar=show_progress_bar)
        index = ensure_cached_index(
            list(documents), config, index_dir, progress=progress or _noop, show_progress_bar=show_progress_bar
        )
        return cls(index, config)

    def with_config(self, **overrides) -> "Assistant":
        """Another assistant over the same loaded index and model, with some settings changed."""
        return Assistant(self.index, self.config.replace(**overrides), self.embedder, self.entities, self.idf)

    def changed_on_disk(self) -> bool:
        """True when another process (`qa index`, `qa remove`) has switched the index folder to a new
        generation since this assistant loaded or built it: a stat per call, the manifest read only
        when its file changed. False for a Milvus store (no folder to watch) and when the manifest
        cannot be read (this assistant keeps answering from what it loaded)."""
        if is_milvus(self.config):
            return False
        try:
            st = (Path(self.index.path) / MANIFEST).stat()
        except OSError:
            return False
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if key == self._manifest_seen:
            return False
        try:
            on_disk = read_manifest(self.index.path)
        except (IndexMissingError, IndexIncompatibleError):
            return False
        loaded = self.index.manifest
        changed = any(on_disk.get(k) != loaded.get(k) for k in ("generation", "created"))
        if not changed:
            self._manifest_seen = key
        return changed

    def reloaded(self) -> "Assistant":
        """An assistant over the index as it is on disk now, sharing this one's model and NER."""
        return Assistant(open_store(self.index.path, self.config), self.config, self.embedder, self.entities)

    # --- changing the collection ----------------------------------------------------------------

    def add(self, documents: Sequence[Document], *, progress: Progress | None = None) -> None:
        """Index more documents (same id: replaced), embedding only the new text."""
        self.index = add_to_store(self.index, list(documents), self.config, progress=progress or _noop)
        self._idf = None

    def not_indexed(self, documents: Sequence[Document]) -> list[Document]:
        """Those of `documents` the index lacks, or holds with other text or metadata."""
        held = self.index.documents
        return [d for d in documents if held.get(d.id) != d]

    def add_from_web(self, urls: Iterable[str], *, progress: Progress | None = None) -> WebReport:
        """`fetch_articles(urls)` into this assistant's corpus folder, then index what it saved (and any
        article it had saved before that the index lacks)."""
        report = fetch_articles(urls, self.config, progress=progress)
        self._add_fetched(report, progress)
        return report

    def update_feeds(self, *, progress: Progress | None = None) -> WebReport:
        """`fetch_feed_updates()` for this assistant's corpus folder, then index the new articles."""
        report = fetch_feed_updates(self.config, progress=progress)
        self._add_fetched(report, progress)
        return report

    def _add_fetched(self, report: WebReport, progress: Progress | None) -> None:
        documents = self.not_indexed(report.documents)
        if documents:
            self.add(documents, progress=progress)

    def remove(self, ids: Iterable[str], *, progress: Progress | None = None) -> list[str]:
        """Drop documents by id; returns the ids that were there and are now gone."""
        self.index, removed = remove_from_store(self.index, list(ids), self.config, progress=progress or _noop)
        self._idf = None
        return removed

    # --- reading --------------------------------------------------------------------------------

    @property
    def idf(self) -> IdfTable:
        if self._idf is None:
            self._idf = IdfTable(self.index)
        return self._idf

    @property
    def documents(self) -> Mapping[str, Document]:
        return self.index.documents

    @property
    def removed(self) -> list[str]:
        """Ids the index held before the last build and no longer holds (a rebuild never drops one silently)."""
        return list(self.index.removed)

    def stats(self) -> dict:
        return self.index.stats()

    def info(self) -> dict:
        """Where the index is and what built it (for reports)."""
        return {
            "index_dir": str(self.index.path),
            "model": self.index.model,
            "embedder": self.config.embedder,
            "chunks": len(self.index.chunks),
        }

    def embedder_note(self) -> str | None:
        """One line when the index keeps another embedder than the configured one (it is read, and
        extended, with the one its vectors came from) saying how to switch; None when they agree."""
        built, wanted = self.config.embedder, self.configured_embedder
        if built == wanted:
            return None
        return (
            f"The index keeps the {built} embedder it was built with (configured: {wanted}); "
            f"`qa index --rebuild` re-embeds it with {wanted}."
        )

    def outlets(self) -> list[str]:
        return sorted({d.source for d in self.index.documents.values() if d.source})

    def date_range(self) -> tuple[str, str] | None:
        dates = sorted(d.date for d in self.index.documents.values() if d.date)
        return (dates[0], dates[-1]) if dates else None

    def built_from(self, documents: Sequence[Document]) -> bool:
        """True when the index holds exactly these documents (ids and text) with these settings."""
        return is_current(self.index.manifest, list(documents), self.config)

    def differs_from(self, documents: Sequence[Document]) -> list[str]:
        """Ids that are in the index or in `documents` but not both, or whose text or metadata differs."""
        built = {d["id"]: recorded(d) for d in self.index.manifest.get("documents", [])}
        loaded = {d.id: document_record(d) for d in documents}
        return sorted(set(built) ^ set(loaded) | {i for i in set(built) & set(loaded) if built[i] != loaded[i]})

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of `texts` with the index's model."""
        return self.embedder.encode(list(texts))

    def text_vectors(self) -> dict[str, np.ndarray]:
        """Text -> vector of every chunk and sentence the index embedded (lets a baseline skip re-embedding)."""
        return self.index.text_vectors()

    # --- asking ---------------------------------------------------------------------------------

    def candidates(self, question: str, *, exclude_docs: Sequence[str] | None = None) -> list:
        """The scored candidate sentences `ask` chooses quotes from (for tuning and inspection)."""
        question = check_question(question)
        vecs = self.embed([question])
        return find_candidates(
            question,
            question,
            vecs,
            self.index,
            self.entities,
            self.idf,
            self.config,
            self._without(None, exclude_docs),
        )

    def _allowed_docs(self, sources, date_from, date_to) -> set[str] | None:
        if not sources and not date_from and not date_to:
            return None
        allowed = set()
        for d in self.index.documents.values():
            if sources and d.source not in sources:
                continue
            # an undated document cannot be placed in a date range, so a range excludes it
            if (date_from or date_to) and not d.date:
                continue
            if date_from and d.date < date_from:
                continue
            if date_to and d.date > date_to:
                continue
            allowed.add(d.id)
        return allowed

    def _without(self, allowed: set[str] | None, exclude_docs) -> set[str] | None:
        """`allowed` (None: every document) minus the documents `exclude_docs` names, by id or by file."""
        if exclude_docs is None:
            return allowed
        if isinstance(exclude_docs, (str, bytes)) or not all(isinstance(x, str) for x in exclude_docs):
            raise InvalidRequestError("exclude_docs: give a list of document ids, e.g. ['000_f5edb748992077ea.txt']")
        names = set(exclude_docs)
        docs = self.index.documents.values()
        unknown = names - {d.id for d in docs} - {d.file_id for d in docs if d.file_id}
        if unknown:
            raise InvalidRequestError(
                f"exclude_docs: {sorted(unknown)[0]!r} is not a document of this index; check the id"
            )
        pool = allowed if allowed is not None else set(self.index.documents)
        # a digest file's id excludes every article cut out of it
        return {i for i in pool if i not in names and (self.index.documents[i].file_id or i) not in names}

    def ask(
        self,
        question: str,
        k: int | None = None,
        *,
        history: Sequence[Turn | Answer | dict | str] = (),
        sources: Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        exclude_docs: Sequence[str] | None = None,
        asked_on: str | None = None,
    ) -> Answer:
        """Answer `question` with up to `k` quotes (default: config.quotes, at most MAX_K).

        `history` holds the earlier turns of a conversation, oldest first: each a `Turn` (question
        and its Answer), an Answer, an answer record dict, or just the question text. A follow-up
        ("When was that?") is resolved against the last one: `Answer.resolved_question` says what was
        searched. The assistant keeps no state: the caller sends the turns. `sources` (outlets),
        `date_from` and `date_to` (ISO dates, inclusive) restrict which documents may be quoted.
        `exclude_docs` (document or file ids) masks documents out of retrieval, as if they were not in
        the collection (the leave-source-out evaluation asks each question without its own sources).
        `asked_on` (ISO date): the day the question is asked; a question about the present ("this
        week", "recently", "now") then also searches the articles of the days before it and prefers
        them (qa/answer/recency.py). The CLI and the app pass today; None leaves dates out of it.
        """
        question = check_question(question)
        history = check_history(history)
        k = check_k(k, self.config.quotes)
        date_from, date_to = check_date(date_from, "date_from"), check_date(date_to, "date_to")
        asked_on = check_date(asked_on, "asked_on")
        if date_from and date_to and date_from > date_to:
            raise InvalidRequestError(f"date_from {date_from} is after date_to {date_to}; swap them")
        sources = check_outlets(sources, self.outlets(), "sources")
        allowed = self._without(self._allowed_docs(sources, date_from, date_to), exclude_docs)
        return answer_question(
            question,
            k,
            self.index,
            self.embedder,
            self.entities,
            self.idf,
            self.config,
            history=history,
            allowed_docs=allowed,
            asked_on=asked_on,
        )

    # --- quotations (the quote finder, qa/quotations) -------------------------------------------------

    def _quote_finder(self) -> QuoteFinder:
        finder = self._quotes
        if finder is None or finder.index is not self.index:
            finder = self._quotes = QuoteFinder(self.index)
        return finder

    def quotation_summary(self) -> tuple[int, list[str]]:
        """(quotations of speech in the index, the problems its last build's extraction reported)."""
        return sum(q.speech for q in self._quote_finder().quotations), list(self.index.quote_problems)

    def speakers(self) -> list[Speaker]:
        """Everyone quoted in the articles: one Speaker per person or institution, with every
        spelling the articles use and the number of quotations; most quoted first."""
        return list(self._quote_finder().speakers)

    def quotes(
        self,
        topic: str | None = None,
        speaker: str | None = None,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
        n: int | None = 10,
    ) -> list[FoundQuote]:
        """Direct quotations (speech only), best match for `topic` first (document order without
        one); `speaker` matches any spelling of a speaker's name, `source` an outlet, `since` and
        `until` are inclusive ISO dates (an undated article is outside any date range). Each quote
        is verified against its document before it is returned."""
        topic, since, until = check_topic_range(topic, since, until)
        speaker = text_field(speaker, "speaker")
        n = check_quote_count(n)
        source = "".join(check_outlets(text_field(source, "source"), self.outlets(), "source")).casefold()
        return self._quote_finder().find(
            topic,
            speaker,
            source,
            since,
            until,
            n,
            embed=lambda text: self.embed([text])[0],
            idf=lambda word: self.idf(word),
        )

    def timeline(
        self,
        topic: str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
        n: int | None = None,
    ) -> Timeline:
        """The dated events about `topic` (every dated event without one), in date order: each the
        exact sentence that reports it, its date as that sentence gives it (qa/timeline/), and the other
        articles that report the same event under `quote.also_in`. `since` and `until` (ISO dates,
        inclusive) bound the events' own dates, so an event without a stated year is in no range;
        `source` keeps one outlet's articles; `n` caps the entries (default 50, at most 200)."""
        topic, since, until = check_topic_range(topic, since, until)
        n = check_entry_count(n)
        source = "".join(check_outlets(text_field(source, "source"), self.outlets(), "source")).casefold()
        allowed = {d.id for d in self.index.documents.values() if d.source.casefold() == source} if source else None
        vector = self.embed([topic])[0] if topic else None
        return build_timeline(self.index, topic, vector, self.idf, allowed=allowed, since=since, until=until, n=n)

    def support(self, text: str, k: int | None = None) -> DraftSupport:
        """Sources for a draft: each sentence of `text` backed by up to `k` quotes (default:
        config.support_quotes) or flagged as having no support in these articles (qa/drafts.py)."""
        text = check_draft(text)
        k = check_k(k, self.config.support_quotes)
        return support_draft(text, self.index, self.embedder, self.idf, self.config, k)


MAX_QUOTES = 200  # quotations one search may return
MAX_TIMELINE = 200  # entries one timeline may hold
DEFAULT_TIMELINE = 50


def check_entry_count(n) -> int:
    return _check_count(n, DEFAULT_TIMELINE, MAX_TIMELINE, "entries")


def check_quote_count(n) -> int:
    return _check_count(n, 10, MAX_QUOTES, "quotations")


def _check_count(n, default: int, limit: int, what: str) -> int:
    """`n` as a whole number in 1..limit (None: `default`); InvalidRequestError naming the field otherwise."""
    if n is None:
        return default
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) and not (isinstance(n, float) and n.is_integer()):
        raise InvalidRequestError(f"n: {n!r} is not a whole number; ask for 1 to {limit} {what}")
    if not 1 <= int(n) <= limit:
        raise InvalidRequestError(f"n: {n} is outside 1..{limit}; ask for 1 to {limit} {what}")
    return int(n)


def quotations_of(documents: Sequence[Document]) -> tuple[list, list[str]]:
    """The quotations of `documents`, speakers grouped (each quotation's `speaker_id` set), and one
    problem line per unpaired mark or failed document: what an index build stores, without an index."""
    quotations, problems = extract_all(list(documents))
    group_speakers(quotations)
    return quotations, problems


def same_speaker(a: str, b: str) -> bool:
    """True when two names name one speaker across spellings and titles (Pashinyan, Nikol Pashinian)."""
    from .quotations.speakers import same_speaker as _same

    return _same(a, b)

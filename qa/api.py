"""The Python API: `Assistant.load("index").ask("…")` returns an `Answer` of exact, cited quotes.

Every face (the CLI, the web app, the evaluation runner, bench/) goes through this module: it
loads, builds, extends and shrinks the index, and validates what a caller asks before asking.
Nothing below it imports it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from .answer import answer_question
from .answer.candidates import IdfTable, find_candidates
from .answer.entities import EntityCache
from .config import Config
from .embed import Embedder
from .errors import EmptyQuestionError, InvalidRequestError, QuestionTooLongError
from .ingest import ACCEPTED, SUFFIXES, IngestResult, list_files, load_corpus
from .quotes import Speaker, verify_quotation
from .quotes.search import FoundQuote, SentenceCover, also_entry, found_quote, same_words_key, topic_scores
from .quotes.speakers import group_speakers, matching_speakers
from .quotes.stored import extract_all
from .records import Answer, Document, Turn
from .support import DraftSupport, check_draft, support_draft
from .indexing import add_to_store, build_store, cache_root, ensure_cached_index, remove_from_store
from .store import Store, document_record, is_current, is_milvus, open_store, recorded

Progress = Callable[[str, float], None]
MAX_QUESTION_CHARS = 1000
MAX_K = 50  # quotes one answer may ask for; more is never useful and only costs time
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

__all__ = [
    "ACCEPTED", "Assistant", "IngestResult", "MAX_K", "Progress", "MAX_QUESTION_CHARS", "SUFFIXES",
    "Turn", "cache_root", "check_date", "check_draft", "check_history", "check_quote_count", "corpus_files",
    "load_documents", "FoundQuote", "Speaker",
]


def _noop(message: str, fraction: float) -> None:
    pass


def load_documents(
    paths: Iterable[str | Path] | str | Path, *, max_file_mb: float | None = None, allow_empty: bool = False
) -> IngestResult:
    """Read, clean and describe every article under `paths`; unusable files become `problems`."""
    kwargs = {} if max_file_mb is None else {"max_file_mb": max_file_mb}
    return load_corpus(paths, allow_empty=allow_empty, **kwargs)


def corpus_files(corpus_dir: str | Path) -> list[Path]:
    """The article files under `corpus_dir` that `load_documents` would read."""
    return list_files(corpus_dir)


def check_date(value: str | None, name: str) -> str | None:
    """An ISO date or None; InvalidRequestError naming the field otherwise."""
    value = (value or "").strip()
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


def check_question(question: str | None) -> str:
    question = (question or "").strip()
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
    if isinstance(item, str) and item.strip():
        return Turn(item.strip())
    if isinstance(item, dict) and isinstance(item.get("question"), str) and item["question"].strip():
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

    def __init__(self, index: Store, config: Config | None = None, embedder: Embedder | None = None,
                 entities: EntityCache | None = None, idf: IdfTable | None = None, *, warm: bool = True):
        self.index = index
        self.config = config or Config()
        self._embedder = embedder
        self.entities = entities or EntityCache()
        self._idf: IdfTable | None = idf  # given when it is for this same index
        self._quotes: _QuoteState | None = None  # the quote finder's state, made on first use
        if warm:
            # load the model, spaCy's NER and the idf of every token (a second at a million chunks)
            # now, not inside the first question; a caller that only builds (`qa index`) says
            # warm=False and skips the seconds they cost
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
    def load(cls, index_dir: str | Path = "index", config: Config | None = None) -> "Assistant":
        """Open an existing index; IndexMissingError or IndexIncompatibleError say what to run."""
        config = config or Config()
        return cls(open_store(index_dir, config), config)  # config.store picks the backend

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
        index = build_store(list(documents), index_dir, config, rebuild=rebuild, progress=progress or _noop,
                            show_progress_bar=show_progress_bar)
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
        assistant = cls.build(result.documents, index_dir, config, rebuild=rebuild, progress=progress or _noop,
                              show_progress_bar=show_progress_bar)
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
        index = build_from_parts(result.documents, parts, index_dir, config, started=t0,
                                 progress=lambda message, f: progress(message, RAY_SHARE + (1 - RAY_SHARE) * f))
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
        index = ensure_cached_index(list(documents), config, index_dir, progress=progress or _noop,
                                    show_progress_bar=show_progress_bar)
        return cls(index, config)

    def with_config(self, **overrides) -> "Assistant":
        """Another assistant over the same loaded index and model, with some settings changed."""
        return Assistant(self.index, self.config.replace(**overrides), self.embedder, self.entities, self.idf)

    # --- changing the collection ----------------------------------------------------------------

    def add(self, documents: Sequence[Document], *, progress: Progress | None = None) -> None:
        """Index more documents (same id: replaced), embedding only the new text."""
        self.index = add_to_store(self.index, list(documents), self.config, progress=progress or _noop)
        self._idf = None

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
    def documents(self) -> dict[str, Document]:
        return self.index.documents

    @property
    def removed(self) -> list[str]:
        """Ids the index held before the last build and no longer holds (a rebuild never drops one silently)."""
        return list(self.index.removed)

    def stats(self) -> dict:
        return self.index.stats()

    def info(self) -> dict:
        """Where the index is and what built it (for reports)."""
        return {"index_dir": str(self.index.path), "model": self.index.model, "chunks": len(self.index.chunks)}

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
        return find_candidates(question, question, vecs, self.index, self.entities, self.idf, self.config,
                               self._without(None, exclude_docs))

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
            raise InvalidRequestError(f"exclude_docs: {sorted(unknown)[0]!r} is not a document of this index; check the id")
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
    ) -> Answer:
        """Answer `question` with up to `k` quotes (default: config.quotes, at most MAX_K).

        `history` holds the earlier turns of a conversation, oldest first: each a `Turn` (question
        and its Answer), an Answer, an answer record dict, or just the question text. A follow-up
        ("When was that?") is resolved against the last one: `Answer.resolved_question` says what was
        searched. The assistant keeps no state: the caller sends the turns. `sources` (outlets),
        `date_from` and `date_to` (ISO dates, inclusive) restrict which documents may be quoted.
        `exclude_docs` (document or file ids) masks documents out of retrieval, as if they were not in
        the collection (the leave-source-out evaluation asks each question without its own sources).
        """
        question = check_question(question)
        history = check_history(history)
        k = check_k(k, self.config.quotes)
        date_from, date_to = check_date(date_from, "date_from"), check_date(date_to, "date_to")
        if date_from and date_to and date_from > date_to:
            raise InvalidRequestError(f"date_from {date_from} is after date_to {date_to}; swap them")
        allowed = self._without(self._allowed_docs(list(sources or []), date_from, date_to), exclude_docs)
        return answer_question(
            question, k, self.index, self.embedder, self.entities, self.idf, self.config,
            history=history, allowed_docs=allowed,
        )

    # --- quotations (the quote finder, qa/quotes) -------------------------------------------------

    def _quote_state(self) -> "_QuoteState":
        state = self._quotes
        if state is None or state.index is not self.index:
            state = self._quotes = _QuoteState(self.index)
        return state

    def quotation_summary(self) -> tuple[int, list[str]]:
        """(quotations of speech in the index, the problems its last build's extraction reported)."""
        return sum(q.speech for q in self._quote_state().quotations), list(self.index.quote_problems)

    def speakers(self) -> list[Speaker]:
        """Everyone quoted in the articles: one Speaker per person or institution, with every
        spelling the articles use and the number of quotations; most quoted first."""
        return list(self._quote_state().speakers)

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
        topic = (topic or "").strip()
        if len(topic) > MAX_QUESTION_CHARS:
            raise InvalidRequestError(f"topic: too long ({len(topic)} characters; the limit is {MAX_QUESTION_CHARS}); shorten it")
        n = check_quote_count(n)
        since, until = check_date(since, "since"), check_date(until, "until")
        if since and until and since > until:
            raise InvalidRequestError(f"since {since} is after until {until}; swap them")
        state = self._quote_state()
        pool = [q for q in state.quotations if q.speech]
        if speaker is not None and str(speaker).strip():
            ids = {s.id for s in matching_speakers(str(speaker), state.speakers)}
            pool = [q for q in pool if q.speaker_id in ids]
        docs = self.index.documents
        source = (source or "").strip().casefold()
        pool = [
            q for q in pool
            if (not source or docs[q.doc_id].source.casefold() == source)
            and (not (since or until) or docs[q.doc_id].date and (not since or docs[q.doc_id].date >= since)
                 and (not until or docs[q.doc_id].date <= until))
        ]
        if topic and pool:
            vec = self.embed([topic])[0]
            scores = topic_scores(pool, vec, topic, state.cover, self.index.sentence_vectors, self.idf)
        else:
            scores = [0.0] * len(pool)
        order = sorted(range(len(pool)), key=lambda i: (-scores[i], i))
        by_id = {s.id: s for s in state.speakers}
        out, first = [], {}
        for i in order:
            q, doc = pool[i], docs[pool[i].doc_id]
            verify_quotation(q, doc)
            key = same_words_key(q)
            if key in first:  # the same words again, in another article: listed under the first
                first[key].also_in.append(also_entry(q, doc))
                continue
            if len(out) == n:
                continue
            first[key] = found_quote(len(out) + 1, q, doc, by_id, scores[i])
            out.append(first[key])
        return out


    def support(self, text: str, k: int | None = None) -> DraftSupport:
        """Sources for a draft: each sentence of `text` backed by up to `k` quotes (default:
        config.support_quotes) or flagged as having no support in these articles (qa/support.py)."""
        text = check_draft(text)
        k = check_k(k, self.config.support_quotes)
        return support_draft(text, self.index, self.embedder, self.idf, self.config, k)

MAX_QUOTES = 200  # quotations one search may return


def check_quote_count(n) -> int:
    if n is None:
        return 10
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) and not (isinstance(n, float) and n.is_integer()):
        raise InvalidRequestError(f"n: {n!r} is not a whole number; ask for 1 to {MAX_QUOTES} quotations")
    if not 1 <= int(n) <= MAX_QUOTES:
        raise InvalidRequestError(f"n: {n} is outside 1..{MAX_QUOTES}; ask for 1 to {MAX_QUOTES} quotations")
    return int(n)


class _QuoteState:
    """The index's quotations grouped by speaker, and the sentence lookup that ranks them; made once
    per loaded index. An index whose quotations came from another extractor version gets them again."""

    def __init__(self, index: Store):
        self.index = index
        quotations = index.quotations  # None: stored by another extractor version, found again here
        if quotations is None:
            quotations, _ = extract_all(list(index.documents.values()))
        self.quotations = [q for q in quotations if q.doc_id in index.documents]
        self.speakers = group_speakers(self.quotations)
        self.cover = SentenceCover(index.sentence_rows, index.doc_ids)


def quotations_of(documents: Sequence[Document]) -> tuple[list, list[str]]:
    """The quotations of `documents`, speakers grouped (each quotation's `speaker_id` set), and one
    problem line per unpaired mark or failed document: what an index build stores, without an index."""
    quotations, problems = extract_all(list(documents))
    group_speakers(quotations)
    return quotations, problems


def same_speaker(a: str, b: str) -> bool:
    """True when two names name one speaker across spellings and titles (Pashinyan, Nikol Pashinian)."""
    from .quotes.speakers import same_speaker as _same

    return _same(a, b)

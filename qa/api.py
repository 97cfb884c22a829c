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
from .records import Answer, Document, Turn
from .store import (
    Index,
    add_documents,
    build_index,
    cache_root,
    ensure_cached_index,
    ensure_index,
    is_current,
    load_index,
    remove_documents,
)

Progress = Callable[[str, float], None]
MAX_QUESTION_CHARS = 1000
MAX_K = 50  # quotes one answer may ask for; more is never useful and only costs time
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

__all__ = [
    "ACCEPTED", "Assistant", "IngestResult", "MAX_K", "Progress", "MAX_QUESTION_CHARS", "SUFFIXES",
    "Turn", "cache_root", "check_date", "check_history", "corpus_files", "load_documents",
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
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) and not (isinstance(k, float) and k.is_integer()):
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

    def __init__(self, index: Index, config: Config | None = None, embedder: Embedder | None = None,
                 entities: EntityCache | None = None):
        self.index = index
        self.config = config or Config()
        self.embedder = embedder or Embedder(self.config.model, self.config.batch_size)
        self.entities = entities or EntityCache()
        self._idf: IdfTable | None = None
        self.entities.warm_up()  # load spaCy's NER now, not inside the first question

    # --- opening and building -------------------------------------------------------------------

    @classmethod
    def load(cls, index_dir: str | Path = "index", config: Config | None = None) -> "Assistant":
        """Open an existing index; IndexMissingError or IndexIncompatibleError say what to run."""
        config = config or Config()
        return cls(load_index(index_dir, config), config)

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
    ) -> "Assistant":
        """Index `documents` at `index_dir`: reuse it when it holds exactly them, else (re)build it,
        embedding only text it has not seen (`rebuild` embeds everything again)."""
        config = config or Config()
        make = build_index if rebuild else ensure_index
        index = make(list(documents), index_dir, config, progress=progress or _noop, show_progress_bar=show_progress_bar)
        return cls(index, config)

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
        index = ensure_cached_index(list(documents), config, index_dir, progress=progress or _noop,
                                    show_progress_bar=show_progress_bar)
        return cls(index, config)

    def with_config(self, **overrides) -> "Assistant":
        """Another assistant over the same loaded index and model, with some settings changed."""
        other = Assistant(self.index, self.config.replace(**overrides), self.embedder, self.entities)
        other._idf = self._idf
        return other

    # --- changing the collection ----------------------------------------------------------------

    def add(self, documents: Sequence[Document], *, progress: Progress | None = None) -> None:
        """Index more documents (same id: replaced), embedding only the new text."""
        self.index = add_documents(self.index, list(documents), self.config, progress=progress or _noop)
        self._idf = None

    def remove(self, ids: Iterable[str], *, progress: Progress | None = None) -> list[str]:
        """Drop documents by id; returns the ids that were there and are now gone."""
        self.index, removed = remove_documents(self.index, list(ids), self.config, progress=progress or _noop)
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
        return list(getattr(self.index, "removed", []))

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
        """Ids that are in the index or in `documents` but not both, or whose text differs."""
        built = {d["id"]: d["sha256"] for d in self.index.manifest.get("documents", [])}
        loaded = {d.id: d.sha256 for d in documents}
        return sorted(set(built) ^ set(loaded) | {i for i in set(built) & set(loaded) if built[i] != loaded[i]})

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of `texts` with the index's model."""
        return self.embedder.encode(list(texts))

    def text_vectors(self) -> dict[str, np.ndarray]:
        """Text -> vector of every chunk and sentence the index embedded (lets a baseline skip re-embedding)."""
        return self.index.text_vectors()

    # --- asking ---------------------------------------------------------------------------------

    def candidates(self, question: str) -> list:
        """The scored candidate sentences `ask` chooses quotes from (for tuning and inspection)."""
        question = check_question(question)
        vecs = self.embed([question])
        return find_candidates(question, question, vecs, self.index, self.entities, self.idf, self.config)

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

    def ask(
        self,
        question: str,
        k: int | None = None,
        *,
        history: Sequence[Turn | Answer | dict | str] = (),
        sources: Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> Answer:
        """Answer `question` with up to `k` quotes (default: config.quotes, at most MAX_K).

        `history` holds the earlier turns of a conversation, oldest first: each a `Turn` (question
        and its Answer), an Answer, an answer record dict, or just the question text. A follow-up
        ("When was that?") is resolved against the last one: `Answer.resolved_question` says what was
        searched. The assistant keeps no state: the caller sends the turns. `sources` (outlets),
        `date_from` and `date_to` (ISO dates, inclusive) restrict which documents may be quoted.
        """
        question = check_question(question)
        history = check_history(history)
        k = check_k(k, self.config.quotes)
        date_from, date_to = check_date(date_from, "date_from"), check_date(date_to, "date_to")
        if date_from and date_to and date_from > date_to:
            raise InvalidRequestError(f"date_from {date_from} is after date_to {date_to}; swap them")
        allowed = self._allowed_docs(list(sources or []), date_from, date_to)
        return answer_question(
            question, k, self.index, self.embedder, self.entities, self.idf, self.config,
            history=history, allowed_docs=allowed,
        )

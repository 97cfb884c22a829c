"""The Python API: `Assistant.load("index").ask("…")` returns an `Answer` of exact, cited quotes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Sequence

from .answer import IdfTable, apply_answer_type, collect_candidates, compose, confidence, score_candidates, select_quotes
from .entities import EntityCache
from .config import Config
from .embed import Embedder
from .errors import EmptyQuestionError, QAError
from .index import Index, Progress, _noop, add_documents, ensure_index, load_index
from .records import Answer, Document

MAX_QUESTION_CHARS = 1000
_FOLLOW_UP = re.compile(
    r"^(?:and|but|also|so|what about|how about|then)\b|\b(?:he|she|it|they|them|his|her|their|that|this|those|these)\b",
    re.IGNORECASE,
)


def retrieval_query(question: str, history: Sequence[str] = ()) -> str:
    """The text to retrieve with: a follow-up ("And what did Russia say?") borrows the previous question."""
    if history and (len(question.split()) <= 8 or _FOLLOW_UP.search(question)):
        return f"{history[-1]} {question}"
    return question


class Assistant:
    """Answers questions from one index with quotes cut from its documents."""

    def __init__(self, index: Index, config: Config | None = None, embedder: Embedder | None = None):
        self.index = index
        self.config = config or Config()
        self.embedder = embedder or Embedder(self.config.model, self.config.batch_size)
        self._idf: IdfTable | None = None
        self.entities = EntityCache()
        self.entities.warm_up()  # load spaCy's NER now, not inside the first question

    @classmethod
    def load(cls, index_dir: str | Path = "index", config: Config | None = None) -> "Assistant":
        """Open an existing index; IndexMissingError or IndexIncompatibleError say what to run."""
        config = config or Config()
        return cls(load_index(index_dir, config), config)

    @classmethod
    def from_corpus(
        cls,
        paths: Iterable[str | Path],
        index_dir: str | Path = "index",
        config: Config | None = None,
        *,
        progress: Progress = _noop,
        show_progress_bar: bool | None = None,
    ) -> tuple["Assistant", list[QAError]]:
        """Load the documents under `paths`, build or reuse the index, and return (assistant, problems)."""
        from .ingest import load_corpus

        config = config or Config()
        result = load_corpus(paths)
        index = ensure_index(result.documents, index_dir, config, progress=progress, show_progress_bar=show_progress_bar)
        return cls(index, config), list(result.problems)

    def with_config(self, **overrides) -> "Assistant":
        """Another assistant over the same loaded index and model, with some settings changed."""
        other = Assistant(self.index, self.config.replace(**overrides), self.embedder)
        other._idf = self._idf
        other.entities = self.entities
        return other

    @property
    def idf(self) -> IdfTable:
        if self._idf is None:
            self._idf = IdfTable(self.index)
        return self._idf

    def stats(self) -> dict:
        return self.index.stats()

    def outlets(self) -> list[str]:
        return sorted({d.source for d in self.index.documents.values() if d.source})

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
        history: Sequence[str] = (),
        sources: Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> Answer:
        """Answer `question` with up to `k` quotes (default: config.quotes).

        `history` holds earlier questions of a conversation; `sources`, `date_from` and
        `date_to` (ISO dates) restrict which documents may be quoted.
        """
        from .retrieve import Retriever

        question = (question or "").strip()
        if not question:
            raise EmptyQuestionError("question: empty; type a question about the articles")
        if len(question) > MAX_QUESTION_CHARS:
            raise EmptyQuestionError(
                f"question: too long ({len(question)} characters; the limit is {MAX_QUESTION_CHARS})"
            )
        k = k or self.config.quotes
        query = retrieval_query(question, history)
        vecs = self.embedder.encode([question] if query == question else [question, query])
        allowed = self._allowed_docs(sources, date_from, date_to)
        # a follow-up finds its passages with the earlier question's help, but its sentences are
        # judged against what is asked now ("And what did Russia say?")
        hits = Retriever(self.index, self.config).search(query, vecs[-1], allowed_docs=allowed)
        cands = collect_candidates(hits, self.index)
        score_candidates(cands, question, vecs[0], self.index, self.idf, self.config)
        apply_answer_type(cands, question, self.index, self.entities)
        quotes = select_quotes(cands, self.index, k, self.config)
        answer = compose(question, quotes, self.config, confidence(cands))
        return answer

    def add_files(self, paths: Iterable[str | Path], *, progress: Progress = _noop) -> tuple[int, list[QAError]]:
        """Index more files into this assistant's index; returns (documents added, problems)."""
        from .ingest import load_corpus

        result = load_corpus(paths)
        self.add_documents(result.documents, progress=progress)
        return len(result.documents), list(result.problems)

    def add_documents(self, documents: list[Document], *, progress: Progress = _noop) -> None:
        """Index already loaded documents into this assistant's index (same id: replaced)."""
        self.index = add_documents(self.index, documents, self.config, progress=progress)
        self._idf = None

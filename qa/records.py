"""Records that cross pipeline stages. Ids are derived from content and position."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import asdict, dataclass, field, fields


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    """One article. `text` is the cleaned text that every quote is cut from."""

    id: str
    text: str
    title: str = ""
    source: str = ""  # outlet, e.g. "France24"
    date: str = ""  # ISO YYYY-MM-DD when known
    author: str = ""
    url: str = ""
    path: str = ""  # where it came from: file path relative to the corpus root
    # An article cut out of a digest file: the file's document id, and where this article's text
    # starts in the file's cleaned text (so file offset = offset + offset in this document).
    file_id: str = ""
    offset: int = 0
    # A paged format (PDF): where each page starts in `text`, in order (first is 0); () for the others.
    pages: tuple[int, ...] = ()

    def __post_init__(self):
        # an index stores pages as a JSON list; a frozen record keeps a tuple (hashable, immutable)
        if not isinstance(self.pages, tuple):
            object.__setattr__(self, "pages", tuple(int(p) for p in self.pages))

    def page_at(self, offset: int) -> int | None:
        """The 1-based page that character `offset` of `text` stands on, or None for a non-paged format."""
        if not self.pages:
            return None
        return max(1, bisect_right(self.pages, offset))

    @property
    def sha256(self) -> str:
        return sha256_text(self.text)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sha256"] = self.sha256
        return d


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one document: `doc.text[start:end] == text`."""

    id: str
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # absolute (start, end) offsets in the document
    n_tokens: int = 0

    @staticmethod
    def make_id(doc_id: str, start: int, end: int) -> str:
        return f"{doc_id}#{start}-{end}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sentences"] = [list(s) for s in self.sentences]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Chunk":
        return cls(
            id=d["id"],
            doc_id=d["doc_id"],
            start=int(d["start"]),
            end=int(d["end"]),
            text=d["text"],
            sentences=tuple((int(a), int(b)) for a, b in d["sentences"]),
            n_tokens=int(d.get("n_tokens", 0)),
        )


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the per-retriever scores behind it."""

    chunk: Chunk
    score: float
    rank: int
    dense: float | None = None
    bm25: float | None = None


@dataclass
class Quote:
    """An exact excerpt: `documents[doc_id].text[start:end] == text`."""

    n: int
    text: str
    doc_id: str
    title: str
    source: str
    date: str
    start: int
    end: int
    score: float
    url: str = ""
    # where inside the document the short answer sits, when there is one in this quote
    short_start: int | None = None
    short_end: int | None = None
    # other documents that report the same sentence: [{"doc_id", "title", "source", "date", "start", "end",
    # "text", "url"}], where text is that document's own characters at start:end
    also_in: list[dict] = field(default_factory=list)
    # the file the quote's article belongs to, and the quote's place in that file's cleaned text:
    # the same as doc_id/start/end unless the article was cut out of a digest file
    file_id: str = ""
    file_start: int = 0
    file_end: int = 0

    @property
    def ids(self) -> set[str]:
        """The ids a gold source may name to mean this quote's document: the article's and its file's."""
        return {self.doc_id, self.file_id or self.doc_id}

    @property
    def also_reported_by(self) -> list[str]:
        """The outlets of the other documents that report this quote, each once, in order."""
        out: list[str] = []
        for other in self.also_in:
            name = other.get("source") or "outlet unknown"
            if name != self.source and name not in out:
                out.append(name)
        return out

    def to_dict(self) -> dict:
        return {**asdict(self), "also_reported_by": self.also_reported_by}

    @classmethod
    def from_dict(cls, d: dict) -> "Quote":
        """A quote as `to_dict` (or the JSON API) gives it; unknown keys (e.g. url_safe) are ignored."""
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    quotes: list[Quote] = field(default_factory=list)
    short_answer: str | None = None
    retrieval: str = ""  # the retrieval mode that found the quotes (dense, bm25 or hybrid)
    confidence: float = 0.0  # how sure the corpus answers the question; below config.min_score it abstains
    # the short answer's day (ISO) when it is a relative date ("on Saturday") placed by the article's date
    short_answer_date: str | None = None
    # a refusal's nearest verified quotes, shown only as context: they do not answer the question
    closest: list[Quote] = field(default_factory=list)
    # what was searched: a follow-up ("When was that?") rewritten from the conversation before it;
    # the question itself when nothing needed resolving
    resolved_question: str = ""

    def __post_init__(self):
        if not self.resolved_question:
            self.resolved_question = self.question

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "answer": self.answer,
            "abstained": self.abstained,
            "short_answer": self.short_answer,
            "short_answer_date": self.short_answer_date,
            "retrieval": self.retrieval,
            "confidence": round(self.confidence, 4),
            "quotes": [q.to_dict() for q in self.quotes],
            "closest": [q.to_dict() for q in self.closest],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Answer":
        """An answer as `to_dict` (or the JSON API) gives it."""
        return cls(
            question=str(d.get("question") or ""),
            answer=str(d.get("answer") or ""),
            abstained=bool(d.get("abstained", False)),
            quotes=[Quote.from_dict(q) for q in d.get("quotes") or []],
            short_answer=d.get("short_answer"),
            retrieval=str(d.get("retrieval") or ""),
            confidence=float(d.get("confidence") or 0.0),
            resolved_question=str(d.get("resolved_question") or ""),
            short_answer_date=d.get("short_answer_date"),
        )


@dataclass
class Turn:
    """One earlier exchange of a conversation: the question asked and the Answer it got (None when
    only the question is known). A follow-up is read against the turns before it."""

    question: str
    answer: Answer | None = None

    @property
    def resolved(self) -> str:
        """What this turn asked, after resolving its own references."""
        return (self.answer.resolved_question if self.answer else "") or self.question


@dataclass
class Quotation:
    """Direct speech: `documents[doc_id].text[start:end] == text` (the words between the marks).

    `speaker` is the speaker's name as one mention in the same document spells it, at
    `speaker_start:speaker_end` (so it verifies like the quote); "" when the quote is unattributed.
    `title` ("Prime Minister", "Deputy Chief of Mission") is kept apart from the name. `how` says what
    tied the speaker to the quote: verb, colon, according_to, pronoun, title, continuation.
    `speech` is False for scare quotes, titles and single quoted words, which are kept only so that
    they can be shown as such; searches leave them out.
    """

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    speaker: str = ""
    speaker_start: int | None = None
    speaker_end: int | None = None
    title: str = ""
    kind: str = ""  # person, institution, or "" when unattributed
    how: str = ""
    verb: str = ""
    speech: bool = True
    part: int = 0  # 0 for a whole quote; 1, 2, … for the parts of a quote split around its attribution
    group: str = ""  # the id of the first part of a split quote (the quote's own id otherwise)
    speaker_id: str = ""  # filled in by speakers.group_speakers

    @staticmethod
    def make_id(doc_id: str, start: int, end: int) -> str:
        return f"{doc_id}@{start}-{end}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Quotation":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

"""Records of the quote finder: a direct quotation found in a document, and a speaker (one person or
institution under all the spellings the articles use). Both are plain dataclasses that go to JSON and
back; ids are derived from content and position."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


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


@dataclass
class Speaker:
    """One speaker under every spelling: `id` is derived from the normalised name, so it is the same
    in every build of the same articles."""

    id: str
    name: str  # the fullest, most used spelling
    kind: str
    variants: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    quotes: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

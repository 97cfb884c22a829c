"""Records of the quote finder: a direct quotation found in a document (`Quotation`, in qa/records.py:
the index stores them), and a speaker (one person or institution under all the spellings the articles
use). Both are plain dataclasses that go to JSON and back; ids are derived from content and position."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..records import Quotation

__all__ = ["Quotation", "Speaker"]


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

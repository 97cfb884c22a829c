"""The answer as shown: the best quote with its marker, pointers to other sources, or an
honest abstention when the corpus does not answer."""

from __future__ import annotations

from ..config import Config
from ..records import Answer, Quote
from .candidates import Candidate
from .dates import resolve_relative_date

ABSTAIN_TEXT = "The articles in this collection do not answer that question."


def confidence(cands: list[Candidate]) -> float:
    """How sure we are that the corpus answers the question at all.

    The mean of the best sentence's score and the best semantic and rare-word matches anywhere
    among the candidates: a question about something the corpus never discusses scores low on
    all three, while one answerable question rarely scores low on more than one.
    """
    if not cands:
        return 0.0
    best = max(c.score for c in cands)
    return (best + max(c.semantic for c in cands) + max(c.lexical for c in cands)) / 3


def compose(question: str, quotes: list[Quote], config: Config, confidence: float = 1.0) -> Answer:
    """The answer text: the best quote with its marker, then pointers to the other sources."""
    if not quotes or confidence < config.min_score:
        return Answer(
            question=question, answer=ABSTAIN_TEXT, abstained=True, quotes=[], retrieval=config.retrieval,
            confidence=confidence,
        )
    best = quotes[0]
    short = None
    if best.short_start is not None:
        short = best.text[best.short_start - best.start : best.short_end - best.start]
    day = resolve_relative_date(short, best.date, best.text) if short and best.date else None
    shown = f"{short} ({day})" if day else short
    text = f"“{best.text}” [1]" if short is None else f"{shown} — “{best.text}” [1]"
    if best.also_reported_by:  # wire copies and repeats: the story is corroborated elsewhere
        text += f" Also reported by {', '.join(best.also_reported_by)}."
    others = [q for q in quotes[1:] if q.doc_id != quotes[0].doc_id]
    if others:
        text += " See also " + ", ".join(f"[{q.n}]" for q in others) + "."
    return Answer(
        question=question,
        answer=text,
        abstained=False,
        quotes=quotes,
        short_answer=short,
        short_answer_date=day,
        retrieval=config.retrieval,
        confidence=confidence,
    )

"""The answer as shown: the best quote with its marker, pointers to other sources, or an
honest abstention when the corpus does not answer."""

from __future__ import annotations

from ..config import Config
from ..records import Answer, Quote
from .candidates import Candidate

ABSTAIN_TEXT = "The articles in this collection do not answer that question."


def confidence(cands: list[Candidate]) -> float:
    """How sure we are that the corpus answers the question at all.

    The mean of the best sentence's score and the best semantic and rare-word matches anywhere
    among the candidates: a question about something the corpus never discusses scores low on
    all three, while one answerable question rarely scores low on more than one. A follow-up's
    context prior is left out: sitting next to the last answer is no evidence of an answer.
    """
    if not cands:
        return 0.0
    best = max(c.score - c.context for c in cands)
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
    text = f"“{best.text}” [1]" if short is None else f"{short} — “{best.text}” [1]"
    others = [q for q in quotes[1:] if q.doc_id != quotes[0].doc_id]
    if others:
        text += " See also " + ", ".join(f"[{q.n}]" for q in others) + "."
    return Answer(
        question=question,
        answer=text,
        abstained=False,
        quotes=quotes,
        short_answer=short,
        retrieval=config.retrieval,
        confidence=confidence,
    )

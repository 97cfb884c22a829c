"""The answer as shown: the best quote with its marker, pointers to other sources, or an
honest abstention when the corpus does not answer."""

from __future__ import annotations

from typing import Sequence

from ..config import Config
from ..records import Answer, Quote
from .candidates import Candidate
from .dates import resolve_relative_date

ABSTAIN_TEXT = "The articles in this collection do not answer that question."
# The articles come near the question (the closest passage shares its subject) without answering it.
PARTIAL_TEXT = "The articles discuss {topic} but do not say {detail}."
CLOSEST = 3  # closest passages a refusal keeps as context
# A refusal is "partial" when the closest passage scored like an answer by the older measure
# (the mean of best scores, whose calibrated threshold was 0.48) or its article holds most of
# the question's words, or every name the question gives: the subject is there, the detail is not.
TOPIC_SUPPORT = 0.48
TOPIC_WORDS = 0.6


def confidence(cands: Sequence[Candidate]) -> float:
    """How near the corpus comes to the question (the "support" signal of coverage.py).

    The mean of the best sentence's score and the best semantic and rare-word matches anywhere
    among the candidates: a question about something the corpus never discusses scores low on
    all three, while one answerable question rarely scores low on more than one. A follow-up's
    context prior is left out: sitting next to the last answer is no evidence of an answer. The
    hand-set score is used, not the reader's fused one: the reader's own evidence is weighed apart.
    """
    if not cands:
        return 0.0
    best = max(c.hand - c.context for c in cands)
    return (best + max(c.semantic for c in cands) + max(c.lexical for c in cands)) / 3


def partial_text(quotes: list[Quote], signals: dict | None, missing: list[str]) -> str | None:
    """ "The articles discuss X but do not say Y" when the closest passage is on the question's
    subject; None when nothing near it was found (a plain refusal says that better)."""
    if not quotes or not signals:
        return None
    named = signals.get("names", 0.0) > 0 and signals.get("names_article", 0.0) >= 1.0
    if signals.get("support", 0.0) < TOPIC_SUPPORT and signals.get("article_words", 0.0) < TOPIC_WORDS and not named:
        return None
    best = quotes[0]
    topic = f"“{best.title}”" if best.title else "this subject"
    where = f" ({best.source})" if best.source else ""
    detail = "what was asked" if not missing else "anything about " + " or ".join(f"“{w}”" for w in missing) + " there"
    return PARTIAL_TEXT.format(topic=topic + where, detail=detail)


BYLINE_TEXT = (
    "{article} names its author only in its byline, which is not part of its text, so there is "
    "no passage to quote: the byline says {author}."
)


def byline_only(question: str, quotes: list[Quote], author: str, config: Config) -> Answer:
    """A refusal that still says who wrote the article asked about: its byline names the author but
    its text does not (see byline.py). The article's closest passages stay context."""
    best = quotes[0] if quotes else None
    article = f"“{best.title}”" + (f" ({best.source})" if best.source else "") if best and best.title else "The article"
    return Answer(
        question=question,
        answer=BYLINE_TEXT.format(article=article, author=author),
        abstained=True,
        quotes=[],
        retrieval=config.retrieval,
        confidence=0.0,
        closest=quotes[:CLOSEST],
    )


def compose(
    question: str,
    quotes: list[Quote],
    config: Config,
    confidence: float = 1.0,
    signals: dict | None = None,
    missing: list[str] | None = None,
) -> Answer:
    """The answer text: the best quote with its marker, then pointers to the other sources.

    Below the threshold it refuses; when the closest passages are on the question's subject
    (`signals`, see coverage.py) it says so, names what they lack (`missing`: question words
    absent around the closest passage), and keeps them as `closest`, never as quotes."""
    if not quotes or confidence < config.min_score:
        partial = partial_text(quotes, signals, list(missing or []))
        return Answer(
            question=question,
            answer=partial or ABSTAIN_TEXT,
            abstained=True,
            quotes=[],
            retrieval=config.retrieval,
            confidence=confidence,
            closest=quotes[:CLOSEST] if partial else [],
        )
    best = quotes[0]
    short = None
    if best.short_start is not None and best.short_end is not None:
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

"""Which date phrase of a sentence dates the event it reports, read off spaCy's dependency parse.

A date dates the sentence's event when it hangs off its verb, directly or through a preposition of
time ("canceled his plans on Oct. 4", "We note the October 16 to 23 visit", "During a war in 2020").
It does not when it only says what the event came after or before ("after the events of September
19", "following Azerbaijan's September 19th military operation", "Until 2020, …": the event is
another one), when another preposition makes it part of a thing ("the implementation of the 2020
peace deal"), or when it is part of a name ("the 1991 Alma-Ata Declaration"). Of the dates left, the
reporter's words beat a quotation's, the one nearest the main clause wins, and a date written out
beats a weekday or "last month" at the same depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from ..nlp import pipeline
from .phrases import Phrase
from .records import EventDate

# Words that relate an event to another one instead of dating it
RELATIONAL = frozenset("after before since until till following preceding prior ahead".split())
# Prepositions that say when the event happened ("on Oct. 5", "during the 2020 war"); a date behind any
# other one names a thing ("the implementation of the 2020 peace deal", "obligations under a 2020
# ceasefire", "the situation resulting from the September 19 attack"), not when this event happened
TEMPORAL = frozenset("in on at during throughout by over within around circa".split())
_NAME_DEPS = frozenset({"compound", "nmod", "amod", "nummod", "npadvmod", "appos"})
# The parser's pipes only: tagger and parser (no NER, no sentence recogniser: the text is one sentence)
PARSE_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler")
# How explicit a phrase is: written-out dates first, then months and years, then words that lean on
# the article's date or an earlier sentence
_EXPLICIT = {
    "range_md": 0,
    "range_dm": 0,
    "md": 0,
    "dm": 0,
    "month": 1,
    "year": 1,
    "relmonth": 2,
    "weekday": 2,
    "relday": 2,
    "anaphor": 2,
}


@dataclass(frozen=True)
class Choice:
    """The date phrase chosen for a sentence, and how deep in its parse it hangs (0: the main verb)."""

    phrase: Phrase
    date: EventDate
    depth: int


def parse(sentences: Iterable[str]) -> Iterator:
    """spaCy docs with part-of-speech tags and the dependency parse."""
    nlp = pipeline()
    return nlp.pipe(sentences, disable=[p for p in nlp.pipe_names if p not in PARSE_PIPES])


def attachment(sdoc, start: int, end: int) -> int | None:
    """How many steps the phrase at sentence offsets [start, end) is from the main verb, or None when
    it does not date the sentence's event (a name part, or after/before/since/until another event)."""
    span = sdoc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return None
    root = span.root
    head = root.head
    inside = span.start <= head.i < span.end
    if root.dep_ in _NAME_DEPS and head.pos_ == "PROPN" and not inside:
        return None  # the date is part of a name: "the 2020 Trilateral Statement"
    token = root
    while token.head.i != token.i:
        token = token.head
        word = token.lower_
        if word in RELATIONAL and (token.dep_ in ("prep", "mark", "advmod", "pcomp", "agent") or token.pos_ == "VERB"):
            return None
        if token.dep_ == "prep" and word not in TEMPORAL:
            return None
        if token.pos_ in ("VERB", "AUX"):
            break
    return sum(1 for _ in root.ancestors)


def quoted_at(text: str, pos: int) -> bool:
    """Whether `pos` of `text` lies inside quotation marks (curly or straight)."""
    depth, straight = 0, False
    for ch in text[:pos]:
        if ch == "“":
            depth += 1
        elif ch == "”":
            depth = max(0, depth - 1)
        elif ch == '"':
            straight = not straight
    return depth > 0 or straight


def choose(sdoc, candidates: Sequence[tuple[Phrase, EventDate]]) -> Choice | None:
    """The phrase that dates the sentence's event: a date the text can place before one it cannot, the
    reporter's words before a quotation's ("canceled his plans on Oct. 4 due to his 'busy schedule ahead
    of his convention on Saturday'"), then the one nearest the main verb, written-out dates before
    relative ones, then the earliest; None when no phrase dates the event."""
    best: tuple | None = None
    for phrase, when in candidates:
        depth = attachment(sdoc, phrase.start, phrase.end)
        if depth is None:
            continue
        key = (not when.placed, quoted_at(sdoc.text, phrase.start), depth, _EXPLICIT.get(phrase.kind, 3), phrase.start)
        if best is None or key < best[0]:
            best = (key, Choice(phrase, when, depth))
    return best[1] if best else None

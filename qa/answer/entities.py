"""Answer types: what kind of thing a question asks for, and where such things sit in a sentence.

*Who* wants a person or organisation, *when* a date, *where* a place, *how many/much* a number
or amount. Entities come from spaCy's small English NER, run only on the few sentences that
compete for the first quote, so a question costs a few milliseconds, not an index-wide pass.
"""

from __future__ import annotations

import re

from ..nlp import entity_docs

PERSON = frozenset({"PERSON", "ORG", "NORP"})
DATE = frozenset({"DATE", "TIME"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
NUMBER = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
PEOPLE = frozenset({"PERSON"})
ORGS = frozenset({"ORG", "NORP"})
_ROLES = (r"person|people|man|men|woman|women|president|minister|leader|member|official|envoy|diplomat|speaker"
          r"|ambassador|spokes(?:man|woman|person)|author|writer|chairman|senator|commander")

# (pattern on the question, expected entity labels); the first match wins.
# Nouns after "what"/"which", with up to two words between ("which Indian city") and an optional
# plural ("which countries"), say what kind of thing is asked for.
def _asks(nouns: str) -> str:
    return r"\b(what|which)\s+(?:[\w-]+\s+){0,2}?(?:" + nouns + r")(?:s|es)?\b"


_RULES: list[tuple[re.Pattern, frozenset]] = [
    (re.compile(r"\bhow (many|much)\b|" + _asks("percentage|percent|proportion|number|amount|fraction|sum|price"), re.I), NUMBER),
    (re.compile(r"\bhow (long|old|far|large|big|tall|high|often)\b", re.I), NUMBER | DATE),
    (re.compile(r"\bwhen\b|\bin what year\b|" + _asks("year|decade|century|date|day|month|time|period|season"), re.I), DATE),
    (re.compile(r"\bwhere\b|" + _asks("country|countries|city|cities|state|town|region|place|continent|location|island"
                                       r"|river|nation|village|capital"), re.I), PLACE),
    # a role asks for a person ("which members of parliament", "who is Armenia's foreign minister"),
    # so an organisation in the same sentence is not its answer
    (re.compile(_asks(_ROLES) + r"|\bwho(m|se)?\b(?:\s+[\w'’-]+){0,4}?\s+(?:" + _ROLES + r")s?\b", re.I), PEOPLE),
    (re.compile(_asks("company|companies|organi[sz]ation|group|team|agency|agencies|party|parties|firm|outlet"
                      r"|newspaper|ministry|ministries|bank|institution"), re.I), ORGS),
    (re.compile(r"\bwho(m|se)?\b", re.I), PERSON),
]


def expected_labels(question: str) -> frozenset:
    """Entity labels that would answer `question`; empty when the question wants no particular type."""
    for pattern, labels in _RULES:
        if pattern.search(question):
            return labels
    return frozenset()


class EntityCache:
    """NER results per sentence key, computed once and kept (sentences are immutable)."""

    def __init__(self, size: int = 50_000):
        self.size = size
        self._cache: dict = {}

    def warm_up(self) -> None:
        list(entity_docs(["Warm up."]))

    def entities(self, items: list[tuple[object, str]]) -> list[list[tuple[int, int, str]]]:
        """For each (key, sentence) the (start, end, label) of its entities, offsets relative to the sentence."""
        todo = [(k, t) for k, t in items if k not in self._cache]
        if todo:
            if len(self._cache) + len(todo) > self.size:
                self._cache.clear()
            for (k, t), doc in zip(todo, entity_docs(t for _k, t in todo)):
                self._cache[k] = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        return [self._cache[k] for k, _t in items]


def _norm_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.casefold())}


_DETERMINERS = frozenset({"the", "a", "an"})


def named_in(entity: str, q_words: set[str]) -> bool:
    """Whether the question already names `entity`: all of its words are the question's (an article aside)."""
    words = {w.casefold() for w in re.findall(r"\w+", entity)} - _DETERMINERS
    return bool(words) and words <= q_words


def pick_short_answer(
    question: str, sentence: str, ents: list[tuple[int, int, str]], labels: frozenset
) -> tuple[int, int] | None:
    """The first entity of the wanted type that the question does not already name. Offsets are
    relative to `sentence`. (Choosing the entity nearest the question's words instead lost short-answer
    F1 on shipped and realtimeqa-dev for what it won on xquad-en: docs/rule-audit.md.)"""
    if not labels:
        return None
    q_words = _norm_words(question)
    return next(((s, e) for s, e, label in ents if label in labels and not named_in(sentence[s:e], q_words)), None)

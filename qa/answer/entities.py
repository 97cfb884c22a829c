"""Answer types: what kind of thing a question asks for, and where such things sit in a sentence.

*Who* wants a person or organisation, *when* a date, *where* a place, *how many/much* a number
or amount. Entities come from spaCy's small English NER, run only on the few sentences that
compete for the first quote, so a question costs a few milliseconds, not an index-wide pass.
"""

from __future__ import annotations

import re

from ..lexicon import QUESTION_ROLES
from ..nlp import STOPWORDS, entity_docs

PERSON = frozenset({"PERSON", "ORG", "NORP"})
DATE = frozenset({"DATE", "TIME"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
NUMBER = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
PEOPLE = frozenset({"PERSON"})
ORGS = frozenset({"ORG", "NORP"})


# (pattern on the question, expected entity labels); the first match wins.
# Nouns after "what"/"which", with up to two words between ("which Indian city") and an optional
# plural ("which countries"), say what kind of thing is asked for.
def _asks(nouns: str) -> str:
    return r"\b(what|which)\s+(?:[\w-]+\s+){0,2}?(?:" + nouns + r")(?:s|es)?\b"


_RULES: list[tuple[re.Pattern, frozenset]] = [
    (
        re.compile(
            r"\bhow (many|much)\b|" + _asks("percentage|percent|proportion|number|amount|fraction|sum|price"), re.I
        ),
        NUMBER,
    ),
    (re.compile(r"\bhow (long|old|far|large|big|tall|high|often)\b", re.I), NUMBER | DATE),
    (
        re.compile(
            r"\bwhen\b|\bin what year\b|" + _asks("year|decade|century|date|day|month|time|period|season"), re.I
        ),
        DATE,
    ),
    (
        re.compile(
            r"\bwhere\b|"
            + _asks(
                "country|countries|city|cities|state|town|region|place|continent|location|island"
                r"|river|nation|village|capital"
            ),
            re.I,
        ),
        PLACE,
    ),
    # a role asks for a person ("which members of parliament", "who is Armenia's foreign minister"),
    # so an organisation in the same sentence is not its answer
    (
        re.compile(
            _asks(QUESTION_ROLES) + r"|\bwho(m|se)?\b(?:\s+[\w'’-]+){0,4}?\s+(?:" + QUESTION_ROLES + r")s?\b", re.I
        ),
        PEOPLE,
    ),
    (
        re.compile(
            _asks(
                "company|companies|organi[sz]ation|group|team|agency|agencies|party|parties|firm|outlet"
                r"|newspaper|ministry|ministries|bank|institution"
            ),
            re.I,
        ),
        ORGS,
    ),
    (re.compile(r"\bwho(m|se)?\b", re.I), PERSON),
]


# "why" wants a cause, a kind of statement no entity type marks, whose words news and encyclopaedic
# text share ("refused, citing a “biased” position", "due to what he believes …"). Causes only:
# purpose words ("talks aimed at resolving …") describe what anything is for and would lift
# sentences that merely mention the event.
_WHY = re.compile(r"^\s*why\b|\bfor what reason\b|\bwhat (?:was|were|is|are) the reasons?\b", re.I)
_CAUSE = re.compile(
    r"\b(?:because|due to|owing to|as a result of|citing|cited|in protest|in response to"
    r"|on the grounds|the reason|blamed|accused)\b",
    re.I,
)


def cause_span(question: str, sentence: str) -> tuple[int, int] | None:
    """For a "why" question, the words in `sentence` that give a cause (and are not in the question);
    None for other questions or when there are none."""
    if not _WHY.search(question):
        return None
    q = question.casefold()
    return next((m.span() for m in _CAUSE.finditer(sentence) if m.group().casefold() not in q), None)


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


def word_set(text: str) -> set[str]:
    """The words of `text`, case-folded (what "named in the question" compares)."""
    return {w for w in re.findall(r"\w+", text.casefold())}


_DETERMINERS = frozenset({"the", "a", "an"})


def named_in(entity: str, q_words: set[str]) -> bool:
    """Whether the question already names `entity`: all of its words are the question's (an article aside)."""
    words = {w.casefold() for w in re.findall(r"\w+", entity)} - _DETERMINERS
    return bool(words) and words <= q_words


def pick_short_answer(
    question: str, sentence: str, ents: list[tuple[int, int, str]], labels: frozenset
) -> tuple[int, int] | None:
    """The entity of the wanted type that answers the question: not already named in the question,
    and nearest to the question's words inside the sentence. Offsets are relative to `sentence`."""
    if not labels:
        return None
    q_words = word_set(question)
    best, best_key = None, None  # best_key: distance to the nearest question word
    # positions of question words in the sentence anchor the answer
    anchors = [
        m.start()
        for m in re.finditer(r"\w+", sentence)
        if m.group().casefold() in q_words and len(m.group()) > 2 and m.group().casefold() not in STOPWORDS
    ]
    for s, e, label in ents:
        if label not in labels or named_in(sentence[s:e], q_words):
            continue  # not the wanted type, or the question already names it
        # answers tend to follow the words the question shares with the sentence ("held on Oct. 5
        # in Spain"), so an entity before a shared word counts as twice as far away
        distance = min((s - a if s >= a else 10 + 2 * (a - s) for a in anchors), default=0)
        # ...and the more of those words come before it, the likelier it completes the statement
        distance -= 15 * sum(1 for a in anchors if a < s)
        if label == "NORP":
            distance += 60  # "Russian" answers "who" only when no person or organisation is near
        if best_key is None or distance < best_key:
            best, best_key = (s, e), distance
    return best

"""Answer types: what kind of thing a question asks for, and where such things sit in a sentence.

*Who* wants a person or organisation, *when* a date, *where* a place, *how many/much* a number
or amount. Entities come from spaCy's small English NER, run only on the few sentences that
compete for the first quote, so a question costs a few milliseconds, not an index-wide pass.
"""

from __future__ import annotations

import re

from ..nlp import STOPWORDS, entity_docs

PERSON = frozenset({"PERSON", "ORG", "NORP"})
DATE = frozenset({"DATE", "TIME"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
FACILITY = frozenset({"FAC", "ORG"})  # spaCy often tags venues as organisations ("… Concert Complex"); a city is not a venue
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
    (re.compile(_asks("venue|building|stadium|hall|complex|hotel|palace|residence"), re.I), FACILITY),
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
                found = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
                self._cache[k] = found + based_places(t, found)
        return [self._cache[k] for k, _t in items]


# News names where a company or group sits as "the Hyderabad-based Zen Technologies"; spaCy reads
# the whole phrase as one organisation, so the place inside it is added as a place of its own.
_BASED = re.compile(r"\b((?:[A-Z][a-z][\w’'.]*[ -])?[A-Z][a-z][\w’'.]*)-based\b")
_PLACE_LABELS = frozenset({"GPE", "LOC"})


def based_places(sentence: str, found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """("Hyderabad") in "Hyderabad-based …" as a GPE, unless NER already tagged that span as a place."""
    have = {(s, e) for s, e, label in found if label in _PLACE_LABELS}
    out = []
    for m in _BASED.finditer(sentence):
        start, text = m.start(1), m.group(1)
        if text.split()[0] in ("The", "An"):  # "The London-based …": the article is not the place
            start += len(text.split()[0]) + 1
        if (start, m.end(1)) not in have:
            out.append((start, m.end(1), "GPE"))
    return out


def _norm_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.casefold())}


_DETERMINERS = frozenset({"the", "a", "an"})
MIN_STEM = 4  # "India" in "Indian", "Armenia" in "Armenians"; shorter words prefix too much by chance


def named_in(entity: str, q_words: set[str], question: str) -> bool:
    """Whether the question already names `entity`: the same words (an article aside), its last
    word as written ("Hakob Arshakyan" for "Arshakyan's"), its initials ("the United States" for
    "US", "European Union" for "EU"), or each word as the stem of a question word ("India" for
    "Indian")."""
    raw = re.findall(r"\w+", entity)
    words = [w.casefold() for w in raw if w.casefold() not in _DETERMINERS]
    if not words:
        return False
    if set(words) <= q_words:
        return True
    if len(words) > 1 and len(words[-1]) >= MIN_STEM and re.search(r"\b" + re.escape(raw[-1]) + r"\b", question):
        return True  # a person by surname ("Arshakyan's delegation"), a body by its last name word
    caps = [w for w in raw if w[:1].isupper()]
    if len(caps) > 1 and re.search(r"\b" + "".join(w[0] for w in caps) + r"\b", question):
        return True
    # a long word may be the stem of a question word; a short one must be there as it is
    return all(any(q.startswith(w) for q in q_words) if len(w) >= MIN_STEM else w in q_words for w in words)


def pick_short_answer(
    question: str, sentence: str, ents: list[tuple[int, int, str]], labels: frozenset
) -> tuple[int, int] | None:
    """The entity of the wanted type that answers the question: not already named in the question,
    and nearest to the question's words inside the sentence. Offsets are relative to `sentence`."""
    if not labels:
        return None
    q_words = _norm_words(question)
    best, best_key = None, None  # best_key: distance to the nearest question word
    # positions of question words in the sentence anchor the answer
    anchors = [
        m.start()
        for m in re.finditer(r"\w+", sentence)
        if m.group().casefold() in q_words and len(m.group()) > 2 and m.group().casefold() not in STOPWORDS
    ]
    for s, e, label in ents:
        if label not in labels:
            continue
        if named_in(sentence[s:e], q_words, question):
            continue  # the question already names it: it is not the answer
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

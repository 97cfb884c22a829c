"""From the subject of a reporting verb to a speaker: the name as the text spells it (with its exact
offsets), the title kept apart, person or institution; pronouns and roles resolved to a named
person earlier in the same article, or left unresolved."""

from __future__ import annotations

import re

from ..lexicon import RANKS, ROLE_WORDS, TITLE_WORDS
from ..nlp import pipeline
from .attribute import HONORIFICS, PRONOUN_LOOKBACK, Attribution, parseable

# Heads that name a text rather than its author: "the resolution said" speaks for who adopted it.
DOCUMENT_WORDS = frozenset("resolution statement text post readout report communique release letter".split())
# Heads that make a subject an institution even when tagged as a proper noun ("Foreign Ministry").
INSTITUTION_WORDS = frozenset(
    """ministry embassy assembly department office government council committee parliament agency service
    commission court union kremlin presidency administration cabinet party army military police bank""".split()
)
_PERSON_PRONOUNS = frozenset({"he", "she"})
_THING_PRONOUNS = frozenset({"it", "they"})
_INSTITUTION_ENTS = ("ORG", "GPE", "NORP", "FAC")
_NAME = r"((?:[A-Z][\w’'.\-]*\s){0,2}[A-Z][\w’'\-]+)"


def _slice(window, first, last) -> tuple[int, int]:
    return window.offset + first.idx, window.offset + last.idx + len(last)


def _entity_of(tok):
    for ent in tok.doc.ents:
        if ent.start <= tok.i < ent.end:
            return ent
    return None


def _left_words(subj):
    """The subject's own words: its left edge through the head, without a leading determiner."""
    toks = [t for t in subj.doc[subj.left_edge.i : subj.i + 1]]
    while toks and (toks[0].dep_ in ("det", "punct") or toks[0].tag_ == "PRP$"):
        toks = toks[1:]
    return toks


def _right_of(subj):
    """An "of …"/"in …"/"for …" phrase after an institution's head (Ministry of Foreign Affairs)."""
    for c in subj.children:
        if c.dep_ == "prep" and c.i > subj.i and c.lower_ in ("of", "in", "for", "on"):
            last = max(c.subtree, key=lambda t: t.i)
            return last
    return None


def _title_text(window, text: str, toks) -> str:
    toks = [t for t in toks if t.lower_ not in HONORIFICS and t.dep_ != "det" and t.tag_ != "PRP$"]
    while toks and (toks[-1].is_punct or toks[-1].tag_ == "POS"):
        toks = toks[:-1]
    while toks and toks[0].is_punct:
        toks = toks[1:]
    if not toks:
        return ""
    s, e = _slice(window, toks[0], toks[-1])
    return text[s:e]


def _name_after_title(subj):
    """The run of proper nouns that ends a title phrase headed by a title word (Deputy Minister of
    Territorial Administration Hakob Vardanyan), or None."""
    toks = [t for t in subj.subtree if t.i > subj.i]
    runs, run = [], []
    for t in toks:
        if t.pos_ == "PROPN" and t.lower_ not in TITLE_WORDS and t.lower_ not in INSTITUTION_WORDS:
            run.append(t)
        else:
            runs, run = runs + ([run] if run else []), []
    runs += [run] if run else []
    if not runs or runs[-1][-1].i != max(t.i for t in toks):
        return None  # the phrase does not end with a name
    return subj.doc[runs[-1][0].i : runs[-1][-1].i + 1]


def _person_inside(subj):
    """A PERSON named at the end of a title phrase the parser headed with the title."""
    if subj.pos_ not in ("NOUN", "PROPN") or subj.lower_ in INSTITUTION_WORDS:
        return None
    doc = subj.doc
    inside = [
        e
        for e in doc.ents
        if e.label_ == "PERSON" and subj.left_edge.i <= e.start and e.end - 1 <= subj.right_edge.i and e.start > subj.i
    ]
    if not inside or any(t.dep_ in ("relcl", "acl") for t in doc[subj.i : inside[0].start]):
        return None
    return inside[0]


def _person(window, text: str, subj, ent, title_from=None) -> Attribution:
    toks = list(ent) if ent is not None else [subj]
    while toks and (toks[0].lower_ in HONORIFICS or toks[0].tag_ in ("DT", "PRP$") or toks[0].is_punct):
        toks = toks[1:]
    toks = toks or [subj]
    s, e = _slice(window, toks[0], toks[-1])
    title_toks = [t for t in subj.doc[(title_from or subj.left_edge).i : toks[0].i]]
    title = _title_text(window, text, title_toks)
    for c in subj.children:
        if c.dep_ == "appos" and not title:
            title = _title_text(window, text, list(c.subtree))
    return Attribution(speaker=text[s:e], start=s, end=e, title=title, kind="person")


def _name_chain(subj):
    """A proper-noun head with the proper nouns compounded onto it (Nikol Pashinian)."""
    first = subj
    while first.i > 0 and first.doc[first.i - 1].pos_ == "PROPN" and first.doc[first.i - 1].dep_ == "compound":
        first = first.doc[first.i - 1]
    return subj.doc[first.i : subj.i + 1]


def describe(window, text: str, subj, before: int, skip: list[tuple[int, int]], history=()) -> Attribution | None:
    """The speaker a reporting verb's subject names, or None (unattributed). `history` holds the
    document's quotations found so far (earlier speakers help resolve "he" and "it")."""
    low = subj.lower_
    if low in _PERSON_PRONOUNS:
        return nearest_person(text, before, skip, history)
    if low in _THING_PRONOUNS:
        return nearest_institution(window, subj, text, before, skip, history)
    if subj.pos_ == "PRON":
        return None  # I, we, you, someone: no one to name
    if subj.is_punct or not any(ch.isalpha() for ch in subj.text):
        return None
    ent = _entity_of(subj)
    institution_word = low in INSTITUTION_WORDS
    named = _person_inside(subj) if ent is None or ent.label_ != "PERSON" else None
    if named is not None:  # "Deputy Chief of Mission Laura Fenwick": the title heads the phrase
        return _person(window, text, subj, named, title_from=subj.left_edge)
    if ent is not None and ent.label_ == "PERSON" and not institution_word:
        return _person(window, text, subj, ent)
    if subj.pos_ == "PROPN" and not institution_word and (ent is None or ent.label_ not in ("GPE", "NORP", "FAC")):
        chain = _name_chain(subj)
        if all(t.lower_ in TITLE_WORDS for t in chain):  # "Deputy Minister … Hakob Vardanyan": the name is later
            name = _name_after_title(subj)
            return _person(window, text, subj, name, title_from=subj.left_edge) if name is not None else None
        if not any(t.lower_ in INSTITUTION_WORDS for t in chain):
            return _person(window, text, subj, chain)
    words = _left_words(subj)
    if low in ROLE_WORDS and (ent is None or ent.label_ not in _INSTITUTION_ENTS):
        found = _named_role(text, _title_text(window, text, words), before)
        if found is not None:
            return found
        if low in RANKS and subj.doc[subj.left_edge.i].lower_ == "the":
            return None  # "the Ukrainian leader" is someone the article named another way: no guess
    if low in DOCUMENT_WORDS:
        agent = next(
            (
                g
                for t in subj.subtree
                if t.lower_ in ("by", "of") and t.head.i >= subj.i
                for g in t.children
                if g.dep_ == "pobj"
            ),
            None,
        )
        if agent is not None and agent.lower_ not in DOCUMENT_WORDS:
            return describe(window, text, agent, before, skip, history)
        return _named_institution(text, before, skip, "", how="document")
    if not words:
        return None
    if len(words) == 1 and institution_word:  # "the ministry": the one the article named before
        found = _named_institution(text, before, skip, low)
        if found is not None:
            return found
    last = _right_of(subj) or subj
    s, e = _slice(window, words[0], last)
    kind = "unnamed" if low in ROLE_WORDS and not (ent and ent.label_ in _INSTITUTION_ENTS) else "institution"
    return Attribution(speaker=text[s:e], start=s, end=e, kind=kind)


def _lookback(text: str, before: int):
    lo = max(0, before - PRONOUN_LOOKBACK)
    nlp = pipeline()
    disabled = [p for p in nlp.pipe_names if p not in ("tok2vec", "ner")]
    return lo, nlp(parseable(text[lo:before]), disable=disabled)


def _named_institution(text: str, before: int, skip, word: str, how: str = "") -> Attribution | None:
    """The last organisation named before `before` (outside quotations) whose name holds `word`
    (any organisation when `word` is "")."""
    lo, doc = _lookback(text, before)
    for ent in reversed(doc.ents):
        s, e = lo + ent.start_char, lo + ent.end_char
        if ent.label_ != "ORG" or any(a <= s < b for a, b in skip):
            continue
        if word and word not in ent.text.lower():
            continue
        toks = [t for t in ent if t.dep_ != "det" and t.lower_ != "the"]
        if not toks:
            continue
        s, e = lo + toks[0].idx, lo + toks[-1].idx + len(toks[-1])
        return Attribution(speaker=text[s:e], start=s, end=e, kind="institution", how=how or "reference")
    return None


def _named_role(text: str, role: str, before: int) -> Attribution | None:
    """The person an article named with `role` before `before` ("Armenian Prime Minister Nikol
    Pashinian" for "the Armenian prime minister")."""
    if not role or len(role.split()) < 2:
        return None  # a bare "minister" could be anyone the article mentions
    pattern = re.compile(rf"(?i:{re.escape(role)})\s+{_NAME}")
    found = None
    for m in pattern.finditer(text, max(0, before - PRONOUN_LOOKBACK), before):
        found = m
    if found is None:
        return None
    name_start = found.start(1)
    return Attribution(
        speaker=found.group(1),
        start=name_start,
        end=found.end(1),
        title=text[found.start() : name_start].strip(),
        kind="person",
        how="title",
    )


def nearest_person(text: str, before: int, skip: list[tuple[int, int]], history=()) -> Attribution | None:
    """The last person named before `before` in the article, outside quotations.

    The small tagger calls towns and peoples PERSON now and then ("Yerevan"), so a lone word counts
    only when the article also names that person in full (Nikol Pashinian), with an honorific
    (Mr O’Brien) or as an earlier quotation's speaker; then its last mention is where it was named.
    """
    lo, doc = _lookback(text, before)
    known: dict[str, str] = {}
    candidates: list[tuple[int, int]] = []
    for ent in doc.ents:
        # the small tagger may run a name on into the blank lines after it ("– Christal Hayes\n\n"
        # under a live-blog post): a whitespace token is never part of the name
        toks = [t for t in ent if t.lower_ not in HONORIFICS and not t.is_punct and not t.is_space and t.tag_ != "POS"]
        if ent.label_ != "PERSON" or not toks:
            continue
        honorific = ent.start > 0 and doc[ent.start - 1].lower_ in HONORIFICS or ent[0].lower_ in HONORIFICS
        if len(toks) > 1 or honorific:
            known[toks[-1].text] = toks[-1].text
            candidates.append((lo + toks[0].idx, lo + toks[-1].idx + len(toks[-1])))
    for q in history:
        words = q.speaker.split() if q.kind == "person" and q.speaker else []
        if words and words[-1].lower() not in TITLE_WORDS:  # a blank speaker names no one
            known[words[-1]] = words[-1]
    for name in known:
        for m in re.finditer(rf"(?<![\w’']){re.escape(name)}(?![\w])", text[lo:before]):
            candidates.append((lo + m.start(), lo + m.end()))
    candidates = [(s, e) for s, e in candidates if not any(a <= s < b for a, b in skip)]
    if not candidates:
        return None
    s, e = max(candidates, key=lambda c: (c[1], -c[0]))  # the latest mention, in full when full
    return Attribution(speaker=text[s:e], start=s, end=e, kind="person", how="pronoun")


def nearest_institution(window, subj, text: str, before: int, skip, history=()) -> Attribution | None:
    """For "it said": the last institution that reported something earlier in the parsed window
    (the ministry said …; “…,” it added), else an earlier quotation's institution, else (for "it")
    the last organisation the article named."""
    from .attribute import _is_reporting

    for t in reversed(list(window.doc[: subj.i])):
        if t.dep_ not in ("nsubj", "nsubjpass") or t.pos_ == "PRON":
            continue
        ent = _entity_of(t)
        if not (_is_reporting(t.head) or t.lower_ in INSTITUTION_WORDS or ent is not None and ent.label_ == "ORG"):
            continue
        found = describe(window, text, t, window.offset + t.idx, skip, history)
        if found is not None and found.kind == "institution":
            found.how = "pronoun"
            return found
    for q in reversed(list(history)):
        if q.kind == "institution" and q.speaker_start is not None and before - q.speaker_start < PRONOUN_LOOKBACK:
            return Attribution(
                speaker=q.speaker,
                start=q.speaker_start,
                end=q.speaker_end,
                title=q.title,
                kind="institution",
                how="pronoun",
            )
    return None


_CAP = r"[A-Z][\w’'\-]*"
# Words that start a sentence or join a list, not a title ("And Foreign Minister …")
_GAP = r"[ \t\u00a0]+"  # within a line: a title never runs on from a headline above
_NOT_TITLE = frozenset("the a an and in on as but of for".split())


def fuller_name(text: str, who: Attribution, before: int) -> Attribution:
    """A person named by surname only ("Colonna said") gets the article's fuller mention of the same
    person, first name and title ("French Foreign Minister Catherine Colonna"), when the article has
    one before the quote; the mention's offsets move there, so it still verifies."""
    if who.kind != "person" or not who.speaker or " " in who.speaker.strip() or who.speaker.lower() in TITLE_WORDS:
        return who
    pattern = re.compile(rf"((?:(?:{_CAP}|of|for|and){_GAP}){{0,6}}?)({_CAP}){_GAP}{re.escape(who.speaker)}(?![\w’'])")
    found = None
    for m in pattern.finditer(text, max(0, before - PRONOUN_LOOKBACK), before):
        if m.group(2).lower() not in TITLE_WORDS and m.group(2).lower() not in HONORIFICS:
            found = m
    if found is None:
        return who
    title_words = found.group(1).split()
    while title_words and title_words[0].lower() in _NOT_TITLE:
        title_words = title_words[1:]
    start = found.start(2)
    return Attribution(
        speaker=text[start : found.end()],
        start=start,
        end=found.end(),
        title=who.title or " ".join(title_words),
        kind="person",
        how=who.how,
        verb=who.verb,
    )

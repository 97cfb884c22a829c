"""Who said it: the speaker of a quoted span, read from the spaCy parse of the text around it.

Cues, tried in order: a colon or dash introduction (Putin: “…”), a reporting verb after the quote
(“…,” he said / said the ministry / Pashinian was quoted as saying), a reporting verb before it
whose clause holds the quote (O’Brien told the committee that “…”), and "according to X" in the
same sentence. The speaker is the verb's subject; a he/she subject becomes the nearest named person
before the quote in the same article, an it/they subject the nearest institution that reported
something there, a role ("the Armenian prime minister") the person the article first named with
that role. When none of this holds the quote stays unattributed: no speaker beats a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..lexicon import REPORTING_VERBS
from ..nlp import pipeline

# Nouns that announce the words after a colon: "issued a statement:", "with a warning:".
SPEECH_NOUNS = frozenset("statement warning message words remarks appeal promise reply answer post tweet".split())
# Courtesy titles: kept out of a name (Mr O’Brien is O’Brien).
HONORIFICS = frozenset({"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "sir", "madam"})
# How far (characters) the parse reaches around a quote: the attributing sentence is always within
# this; a longer reach costs parse time on every quote.
BEFORE_CHARS, AFTER_CHARS, INSIDE_CHARS = 700, 400, 300
# A named person is looked for this far back for "he said" (several paragraphs of an article).
PRONOUN_LOOKBACK = 4000
# An after-quote cue must come within this many tokens of the closing mark.
AFTER_TOKENS = 20
_SUBJ = ("nsubj", "nsubjpass")


@dataclass
class Attribution:
    speaker: str = ""
    start: int | None = None
    end: int | None = None
    title: str = ""
    kind: str = ""
    how: str = ""
    verb: str = ""


_SURROGATE = re.compile("[\ud800-\udfff]")


def parseable(text: str) -> str:
    """`text` with lone surrogates (which spaCy cannot encode) as U+FFFD: one character for one, so
    every offset stays where it was."""
    return _SURROGATE.sub("\ufffd", text)


@dataclass
class _Window:
    doc: Any  # spaCy Doc (spaCy's types are not checked here)
    offset: int  # where the parsed text starts in the document


def parse_window(text: str, open_at: int, close_at: int, lo: int, hi: int) -> list[_Window]:
    """The parse of the text around a quote, bounded by [lo, hi) (its paragraphs); a long quote's
    middle is left out (two windows), so parse time does not grow with the quote."""
    a, b = max(lo, open_at - BEFORE_CHARS), min(hi, close_at + 1 + AFTER_CHARS)
    a = _after_sentence_start(text, a, open_at)
    nlp = pipeline()
    if close_at - open_at <= 2 * INSIDE_CHARS:
        return [_Window(nlp(parseable(text[a:b])), a)]
    head_end, tail_start = open_at + INSIDE_CHARS, close_at - INSIDE_CHARS
    return [_Window(nlp(parseable(text[a:head_end])), a), _Window(nlp(parseable(text[tail_start:b])), tail_start)]


def _after_sentence_start(text: str, a: int, limit: int) -> int:
    """Start a window at a sentence start when one is near, so the parser sees whole sentences."""
    m = re.compile(r"[.!?][”\"’]?\s+(?=[“\"A-Z])").search(text, a, limit)
    return m.end() if m and m.end() - a < BEFORE_CHARS // 2 else a


def _tok_at(window: _Window, offset: int, after: bool):
    """The first token starting at or after (after=True) / ending at or before `offset`."""
    rel = offset - window.offset
    if after:
        return next((t for t in window.doc if t.idx >= rel), None)
    before = [t for t in window.doc if t.idx + len(t) <= rel]
    return before[-1] if before else None


def _is_reporting(tok) -> bool:
    return tok.lower_ in REPORTING_VERBS and tok.pos_ in ("VERB", "AUX")


def subject_of(verb):
    """The subject of a reporting verb; a participle ("…, adding that") borrows its head verb's."""
    seen = 0
    while verb is not None and seen < 4:
        subj = [c for c in verb.children if c.dep_ in _SUBJ and not c.is_punct]
        if subj:
            return subj[0]
        if verb.dep_ in ("advcl", "conj", "xcomp", "ccomp", "pcomp") and verb.head is not verb:
            verb, seen = verb.head, seen + 1
            continue
        return None
    return None


def _inverted_subject(verb):
    """The noun right after a verb that the parser took for its object: “…,” added the resolution."""
    nxt = [c for c in verb.children if c.i > verb.i and c.dep_ in ("dobj", "attr", "npadvmod")]
    return nxt[0] if nxt and nxt[0].pos_ in ("NOUN", "PROPN") else None


def _according_to(tokens):
    for t in tokens:
        if t.lower_ == "according":
            for c in t.children:
                if c.lower_ == "to":
                    objs = [g for g in c.children if g.dep_ == "pobj"]
                    if objs:
                        return objs[0]
    return None


def after_cue(window: _Window, text: str, span, ends_sentence: bool):
    """(verb, subject) of a reporting verb just after the closing mark, in the same sentence."""
    first = _tok_at(window, span.close + 1, after=True)
    if first is None:
        return None
    toks: list = []
    for t in window.doc[first.i : first.i + AFTER_TOKENS]:
        if t.text in ("“", "«", "‹") or (t.text in ".!?;" and toks):
            break
        toks.append(t)
    acc = _according_to(toks)
    if acc is not None:
        return "according", acc
    for t in toks:
        if _is_reporting(t):
            subj = subject_of(t) or _inverted_subject(t)
            if subj is None or subj.i < first.i and not t.dep_ == "ROOT":
                continue
            # a quote that ended its sentence is claimed only by a verb whose saying is the quote
            # itself (“….” Pashinian was quoted as saying.), not one that says something else
            if ends_sentence and any(c.dep_ in ("ccomp", "dobj") and c.i > t.i for c in t.children):
                return None
            return t.text, subj
    return None


def before_cue(window: _Window, span):
    """(verb, subject) of a reporting verb before the opening mark whose clause holds the quote, or
    of "according to X" in the same sentence."""
    first_inner = _tok_at(window, span.start, after=True)
    last_before = _tok_at(window, span.open, after=False)
    if first_inner is None or last_before is None:
        return None
    sent = first_inner.sent
    toks = [t for t in window.doc[sent.start : last_before.i + 1]]
    acc = _according_to(toks)
    if acc is not None:
        return "according", acc
    for t in reversed(toks):
        if _is_reporting(t) and _governs(t, first_inner):
            subj = subject_of(t)
            if subj is not None:
                return t.text, subj
    return None


def _governs(verb, tok) -> bool:
    """True when the quote's first word hangs from `verb` through what it says (a complement, an
    object, a clause), not through another clause with its own subject joined on (…, while Blinken
    has joined calls for “…”)."""
    steps = 0
    while tok.i != verb.i and steps < 12:
        if tok.head.i == tok.i or tok.dep_ in ("conj", "advcl", "relcl", "parataxis") and tok.head.i <= verb.i:
            return False
        tok, steps = tok.head, steps + 1
    return tok.i == verb.i


def _can_speak(tok) -> bool:
    """A subject that names a speaker: a name, a person pronoun, an organisation or an institution."""
    from .mention import INSTITUTION_WORDS

    return (
        tok.pos_ == "PROPN"
        or tok.lower_ in ("he", "she")
        or tok.ent_type_ in ("PERSON", "ORG")
        or tok.lower_ in INSTITUTION_WORDS
    )


def colon_cue(window: _Window, text: str, span):
    """The speaker named just before a colon or dash that introduces the quote (Putin: “…”)."""
    before = text[: span.open].rstrip()
    if not before or before[-1] not in ":—–-":
        return None
    last = _tok_at(window, len(before) - 1 + 1, after=False)
    if last is None:
        return None
    sent_toks = [t for t in window.doc[last.sent.start : last.i + 1] if not t.is_punct]
    for t in reversed(sent_toks):
        if _is_reporting(t):
            subj = subject_of(t)
            if subj is not None:
                return t.text, subj
    acc = _according_to(sent_toks)
    if acc is not None:
        return "according", acc
    # "The ministry issued a statement:", "… closed the session with a warning:"
    for t in reversed(sent_toks):
        if t.lower_ in SPEECH_NOUNS:
            owner = t.head if t.dep_ in ("dobj", "pobj") else None
            owner = owner.head if owner is not None and owner.dep_ == "prep" else owner
            subj = subject_of(owner) if owner is not None else None
            if owner is not None and subj is not None:
                return owner.text, subj
    # "The ministry rejected the claim:": a named or institutional subject of the clause speaks
    root = last.sent.root
    subj = subject_of(root) if root.i <= last.i else None
    if subj is not None and _can_speak(subj):
        return root.text, subj
    # a bare name before the colon ("Putin:"), a line or a sentence that says nothing else
    if 0 < len(sent_toks) <= 6:
        ents = [e for e in window.doc.ents if e.label_ in ("PERSON", "ORG") and e.end - 1 <= last.i]
        if ents and ents[-1].end >= sent_toks[-1].i:
            return ":", ents[-1].root
    return None

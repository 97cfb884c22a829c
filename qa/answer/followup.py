"""Follow-up questions: what "that", "he", "that meeting" or "What about Aliyev?" refer to.

A follow-up is read against the turn before it: that turn's (resolved) question and the first
quote of its answer. References are resolved with the spaCy parse and entities of those texts, and
the result is a question that stands on its own (`resolved_question`), which is what retrieval and
scoring use. Nothing here invents content: every word put into the question comes from the
previous question or from a quote cut out of the corpus.

The rules, in the order they are tried:

- ellipsis: "What about Aliyev?", "And the EU?" take the previous question's frame with the new
  entity in place of the one of its kind ("What did Aliyev say about the peace treaty?");
- a bare question word: "Why?", "When?" ask the previous question again with the new word;
- "who else"/"what else" exclude what the previous answer already named ("… else besides X …");
- pronouns and demonstratives: "he/she/his" become the previous turn's person, "they/their" its
  actors, "there" its place (else "at" the event its question names), "that/it" its event ("When
  was that?" → "When were the talks in Granada?"), else what its answer gave for "What did X
  bring?", else the thing its question named; "that meeting" the previous turn's meeting, "the one
  in Spain" its event noun, "the other side" the actor of the previous answer that was not asked about;
- "Where?" after "Who unveiled …?" puts the person answered in the subject's place;
- a verb of saying without its topic ("And what did Russia say?") takes the previous topic.

A rewrite can be wrong ("he" read as the wrong person, "it" as the wrong thing), so it is not the only
reading searched: `readings` gives the follow-up as typed, alone and after the previous question; they
retrieve too, and a sentence's text-match signals become the weighted mean over the rewrite and them
(candidates.apply_readings), with weights fitted out of fold by dialogue (bench/followup_folds.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from ..lexicon import QUESTION_SAY_VERBS, WHO_IS_NAME
from ..nlp import lemmatizer, pipeline, tokenize
from ..records import Turn

# Nouns that name events a "that"/"it" usually points back to.
EVENT_NOUNS = frozenset(
    """talk talks meeting meetings summit session negotiation negotiations conference visit war offensive
    attack attacks operation incident deal treaty agreement ceasefire cease-fire resolution blockade hearing
    speech statement election vote visit trip call conversation exodus surrender clash clashes fighting
    decision announcement contract order assembly forum round""".split()
)
ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
PERSON_LABELS = frozenset({"PERSON", "NORP"})  # spaCy's small model often tags "Pashinian" NORP
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_CONNECTIVE = re.compile(r"^\s*(?:and|but|so|also|then|ok(?:ay)?|well)\b[\s,]*", re.I)
_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<x>.+?)\s*[?.!]*\s*$", re.I)
_BARE_WH = re.compile(
    r"^\s*(?P<wh>why|when|where|how|who|what)(?:\s+(?P<else>else))?(?:\s+(?:not|so))?\s*[?.!]*\s*$", re.I
)
_WH_START = re.compile(r"^\s*(?:why|when|where|how|who|whom|whose|what|which)\b", re.I)
_ELSE = re.compile(r"\b(who|what|where|which)\s+else\b", re.I)
_OTHER_SIDE = re.compile(r"\bthe other (?:side|party|country|leader|one)\b", re.I)
DEMONSTRATIVES = frozenset({"that", "this", "those", "these"})
# the roles in which a noun phrase is what a question is about ("What did the leaders discuss?",
# "What is the Crossroads of Peace project?")
THING_DEPS = frozenset({"dobj", "pobj", "nsubj", "nsubjpass", "attr"})
PREPOSITIONS = frozenset({"in", "at", "on", "during", "after", "before", "since", "for"})
SHORT_ELLIPSIS_WORDS = 4  # "And Azerbaijan?", "And the EU's envoy?": a noun phrase this short, no verb


@dataclass(frozen=True)
class Mention:
    text: str
    label: str


@lru_cache(maxsize=512)
def _parse(text: str):
    # parser and NER (the sentence recogniser is redundant with the parser on one sentence), and
    # lemmas: "Who unveiled it?" → "Where did Pashinian unveil it?", "bring" is "brought"
    return lemmatizer()(pipeline()(text, disable=["senter"]))


@dataclass
class _Context:
    """What the previous turn talked about."""

    question: str
    quote: str
    short: str

    @property
    def qdoc(self):
        return _parse(self.question)

    @property
    def adoc(self):
        return _parse(self.quote) if self.quote else None

    def mentions(self, labels: frozenset, *, answer: bool = True) -> list[Mention]:
        """Entities of these labels, the question's first (its subject leading), then the quote's."""
        out: list[Mention] = []
        subj = [e for e in self.qdoc.ents if e.label_ in labels and any(t.dep_.startswith("nsubj") for t in e)]
        for e in subj + list(self.qdoc.ents) + (list(self.adoc.ents) if answer and self.adoc is not None else []):
            if e.root.tag_.startswith("W") or e.label_ == "NORP" and e.root.dep_ in ("amod", "compound"):
                continue  # "Whom", "French minister": not a name to point back to
            if e.label_ in labels and all(m.text != e.text for m in out):
                out.append(Mention(e.text, e.label_))
        return out

    def places_in_answer(self) -> list[Mention]:
        """Places the quote puts something in or at ("held … in Spain"), before other places."""
        if self.adoc is None:
            return []
        ents = [e for e in self.adoc.ents if e.label_ in PLACE_LABELS]
        ents.sort(key=lambda e: e.root.head.lower_ not in ("in", "at"))
        return [Mention(e.text, e.label_) for e in ents]

    def event(self, bare: bool = False) -> str | None:
        """The event the previous turn was about: a noun phrase headed by an event noun, with its
        modifiers ("the talks in Granada"; `bare`: "the talks"); the question's first, then the quote's."""
        return _event_text(_event_chunk(self.qdoc) or _event_chunk(self.adoc), bare)

    def event_noun(self) -> str | None:
        """The noun of that event ("talks"), for "the one in Spain"."""
        chunk = _event_chunk(self.qdoc) or _event_chunk(self.adoc)
        return chunk.root.text if chunk is not None else None

    def topic(self, bare: bool = False) -> str | None:
        """The previous turn's subject matter: the event its question names, else what its answer
        gave for "what did X <verb>", else the thing its question asks about, else the quote's event.
        The question comes before the quote: a quote mentions other things in passing ("these
        negotiations" in a sentence about a project)."""
        return (
            _event_text(_event_chunk(self.qdoc), bare)
            or self._thing_answered()
            or self._thing_asked()
            or _event_text(_event_chunk(self.adoc), bare)
        )

    def _thing_asked(self) -> str | None:
        """The previous question's own noun phrase, one it names before the one it asks for:
        after "Near which village was the soldier wounded?", "it" is the soldier's wounding, not the village."""
        named, asked, agent_phrase = None, None, None
        for chunk in self.qdoc.noun_chunks:
            if chunk.root.dep_ in THING_DEPS and chunk.root.tag_.startswith("NN") and not chunk.root.ent_type_:
                wh = re.match(r"(?i)(what|which|whose)\s+", _phrase(chunk.root))
                agent = chunk.root.dep_ == "nsubj" and chunk.root.head.lemma_ != "be"  # who acted, not what about
                if wh and asked is None:
                    asked = "the " + _phrase(chunk.root)[wh.end() :]
                elif not wh and not agent and named is None:
                    named = _phrase(chunk.root)
                elif not wh and agent and agent_phrase is None:
                    agent_phrase = _phrase(chunk.root)
        # the actor last: "What did it warn about?" after "What did PACE adopt?"
        return named or asked or agent_phrase

    def _thing_answered(self) -> str | None:
        """What the last answer gave for "What did X bring?": the object of the same verb in its quote
        ("brought … Armenia's humanitarian assistance") is what "it" points back to."""
        wh = next((t for t in self.qdoc if t.tag_ == "WP" and t.dep_ == "dobj"), None)
        if wh is None or self.adoc is None:
            return None
        for t in self.adoc:
            if t.pos_ == "VERB" and t.lemma_ == wh.head.lemma_:
                # its object, else a common noun after one of its prepositions ("brought with her … assistance")
                objs = [c for c in t.children if c.dep_ == "dobj"] + [
                    g for c in t.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"
                ]
                obj = next((o for o in objs if o.tag_ in ("NN", "NNS") and not o.ent_type_), None)
                if obj is not None:
                    return _phrase(obj)
        return None


def _event_chunk(doc):
    """The first noun phrase of `doc` headed by an event noun and not pointing elsewhere itself
    ("these negotiations" in a quote refers to something before the quote)."""
    if doc is None:
        return None
    for chunk in doc.noun_chunks:
        if chunk.root.lower_ in EVENT_NOUNS and not any(t.lower_ in DEMONSTRATIVES for t in chunk):
            return chunk
    return None


def _event_text(chunk, bare: bool) -> str | None:
    """An event's noun phrase as it stands (`bare`: "the talks"), or with what follows its noun
    ("the talks in Granada"); None for no event."""
    if chunk is None:
        return None
    return chunk.text if bare else _phrase(chunk.root)


def _phrase(root) -> str:
    """A noun with its modifiers and following prepositional phrases ("the talks in Granada"), as
    written, without a relative clause or what follows a comma."""
    end = root.right_edge.i + 1
    for child in root.rights:
        if child.dep_ in ("relcl", "acl", "punct", "appos", "cc", "conj"):
            end = min(end, child.left_edge.i)
    # a comma or a relative pronoun deeper down ends it too ("… to Ukraine's schoolchildren, for which …")
    end = next((t.i for t in root.doc[root.i + 1 : end] if t.is_punct or t.tag_ in ("WDT", "WP")), end)
    while end - 1 > root.i and root.doc[end - 1].dep_ == "prep" and not list(root.doc[end - 1].children):
        end -= 1  # "forces of" in "What did they accuse the forces of?": the object is the question word
    start = root.left_edge.i
    if root.doc[start].tag_ == "PRP$" and root.doc[start].head.i != root.i:
        start += 1  # "her Armenia's assistance": "her" points back to the quote's own subject
    return root.doc[start:end].text.strip()


def context_of(turn: Turn) -> _Context:
    answer = turn.answer
    quote = answer.quotes[0].text if answer and not answer.abstained and answer.quotes else ""
    short = (answer.short_answer or "") if answer and not answer.abstained else ""
    return _Context(question=turn.resolved, quote=quote, short=short)


# How much each reading of a follow-up as typed counts beside its rewrite (which keeps the rest):
# fitted out of fold by dialogue on bench/questions/conversations.jsonl (bench/followup_folds.py,
# docs/benchmarks.md). The previous answer's quote as a third reading lost 4 of 111 there, and
# was dropped.
READING_WEIGHTS = {"typed": 0.0, "previous question": 0.0}


def readings(question: str, turn: Turn | None) -> list[tuple[str, float]]:
    """The follow-up `question` as typed, alone and after `turn`'s (the last answered turn's)
    question, each with its weight: what a sentence matching them adds when the rewrite named the
    wrong thing ("he" read as the wrong person). None when there is no answered turn."""
    if turn is None:
        return []
    texts = {"typed": question, "previous question": f"{turn.resolved} {question}"}
    return [(texts[name], w) for name, w in READING_WEIGHTS.items() if w > 0]


def resolve(question: str, history: Sequence[Turn]) -> str:
    """`question` made to stand on its own, read against the last turn of `history`; the question
    itself when it refers to nothing before it."""
    if not history:
        return question
    ctx = context_of(history[-1])
    for rule in (_ellipsis, _bare_wh, _pronouns):
        resolved = rule(question, ctx)
        if resolved is not None:
            return _tidy(resolved)
    return question


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([?,.!’'])", r"\1", re.sub(r"\s+", " ", text)).strip()
    text = re.sub(r"\s+’s\b|\s+'s\b", "'s", text)
    text = text[:1].upper() + text[1:]
    return text if text.endswith("?") else text.rstrip(".!") + "?"


# --- rules -------------------------------------------------------------------------------------


def _ellipsis(question: str, ctx: _Context) -> str | None:
    """ "What about X?" / "And X?": the previous question with X in place of its entity of X's kind."""
    m = _ABOUT.match(question)
    if m:
        x = m.group("x")
    else:
        stripped = _CONNECTIVE.sub("", question)
        if stripped == question or len(stripped.split()) > SHORT_ELLIPSIS_WORDS:
            return None
        doc = _parse(stripped)
        if any(t.pos_ in ("VERB", "AUX") for t in doc) or any(t.tag_.startswith("W") for t in doc):
            return None
        x = stripped.rstrip("?.! ")
    x = _resolve_other_side(x, ctx) or x
    xdoc = _parse(f"What about {x}?")
    x_labels = {e.label_ for e in xdoc.ents}
    return _same_preposition(ctx, x) or _substitute(ctx, x, x_labels)


def _same_preposition(ctx: _Context, x: str) -> str | None:
    """A fragment that is a prepositional phrase ("And in the 2020 war?") stands in for the previous
    question's phrase with the same preposition ("… killed in the border clashes in September?" →
    "… killed in the 2020 war in September?"); of several, the one whose object is of the same kind
    (a date for a date, a thing for a thing), else the first. None when `x` opens with no preposition
    the previous question also has."""
    xdoc = _parse(x)
    if len(xdoc) < 2 or xdoc[0].tag_ != "IN" or xdoc[0].lower_ not in PREPOSITIONS:
        return None
    x_obj = xdoc[1:]
    x_kind = _kind(x_obj.root)
    preps = [
        t
        for t in ctx.qdoc
        if t.lower_ == xdoc[0].lower_ and t.dep_ == "prep" and any(c.dep_ == "pobj" for c in t.children)
    ]
    if not preps:
        return None
    prep = next((p for p in preps if _kind(_object(p)) == x_kind), preps[0])
    # a new event comes with its own time: the old one's date goes with it ("in September")
    dropped = [p for p in preps if p is not prep and p.head == prep.head and x_kind != "date" == _kind(_object(p))]
    out, i = [], 0
    for p in sorted([prep] + dropped, key=lambda p: p.i):
        end = _object(p).right_edge
        out.append(ctx.question[i : p.idx].rstrip() + (" " + x if p is prep else ""))
        i = end.idx + len(end)
    return "".join(out) + ctx.question[i:]


def _object(prep):
    return next(c for c in prep.children if c.dep_ == "pobj")


def _kind(token) -> str:
    """A phrase's kind for matching phrases: a date or time, a name, or a thing."""
    if token.ent_type_ in ("DATE", "TIME"):
        return "date"
    return "name" if token.ent_type_ or token.pos_ == "PROPN" else "thing"


def _substitute(ctx: _Context, x: str, x_labels: set[str]) -> str:
    """The previous question with `x` in place of its entity of the same kind (its subject first)."""
    q = ctx.question
    family = ACTOR_LABELS if (x_labels & ACTOR_LABELS or not x_labels) else frozenset(x_labels)
    if x_labels & {"DATE", "TIME"}:
        family = frozenset({"DATE", "TIME"})
    elif x_labels & PLACE_LABELS and not x_labels & (ACTOR_LABELS - {"GPE"}):
        family = ACTOR_LABELS | PLACE_LABELS
    targets = [e for e in ctx.qdoc.ents if e.label_ in family]
    subj = [e for e in targets if any(t.dep_.startswith("nsubj") for t in e)]
    if x_labels & PLACE_LABELS and not x_labels & (ACTOR_LABELS - {"GPE"}):
        # "And Granada?" after "Why did Azerbaijan refuse the Washington talks?": the place, not the actor
        places = [e for e in targets if e.label_ in PLACE_LABELS and e not in subj]
        subj = places or subj
    if not targets:
        # proper nouns the NER missed still name who or what was asked about
        targets = [t for t in ctx.qdoc if t.pos_ == "PROPN"][:1]
    target = (subj or targets or [None])[0]
    if target is None:
        return f"{q.rstrip('?.! ')}: what about {x}?"
    start = getattr(target, "start_char", None)
    start = target.idx if start is None else start
    end = start + len(target.text)
    # take a leading "the" along ("the United States" → "the EU", not "the the EU"), and a
    # preposition ("in September" → "in the 2020 war", not "in in the 2020 war")
    before = q[:start].lower().split()[-1:] or [""]
    if before[0] in PREPOSITIONS | {"the"} and x.lower().startswith(before[0] + " "):
        start -= len(before[0]) + 1
    return q[:start] + x + q[end:]


def _bare_wh(question: str, ctx: _Context) -> str | None:
    """ "Why?", "When?", "Until when?", "Near which village?", "Who else?": the previous question
    asked with the new question phrase in place of its own (wh_phrase)."""
    q = _CONNECTIVE.sub("", question)
    m = _BARE_WH.match(q)
    if not m:
        # a fragment with a question word and no verb: "Near which village?", "Until when?"
        doc = _parse(q)
        if len(doc) > 8 or any(t.pos_ in ("VERB", "AUX") for t in doc) or not any(t.tag_.startswith("W") for t in doc):
            return None
        return _ask_instead(q.rstrip("?.! "), ctx)
    wh = m.group("wh").lower()
    first = ctx.qdoc[0] if len(ctx.qdoc) else None
    if first is not None and first.tag_.startswith("W") and first.dep_.startswith("nsubj") and not m.group("else"):
        # "Where?" after "Who unveiled it?": no auxiliary to keep; put whom it answered in the
        # subject's place ("Where did Pashinian unveil it?"), else ask "Where: who unveiled …?"
        return _with_answered_subject(wh, ctx) or f"{wh}: {ctx.question[:1].lower()}{ctx.question[1:]}"
    if m.group("else"):
        rest = _WH_START.sub("", ctx.question, count=1).strip() if _WH_START.match(ctx.question) else ctx.question
        rest = f"else besides {_focus(ctx)} {rest}" if _focus(ctx) and wh == "who" else f"else {rest}"
        return f"{wh} {rest.rstrip('?.! ')}?"
    return _ask_instead(wh, ctx)


# Words that open the verb group of a question after its question phrase ("When *did* …", "Until what
# year *is* …"); spaCy's small model tags "did" a main verb often enough that its tags cannot say it.
AUXILIARIES = frozenset(
    "do does did is are was were will would can could shall should may might must has have had".split()
)


def wh_phrase(doc) -> tuple[int, bool] | None:
    """Where the question phrase of `doc` ends (the index of the first verb or auxiliary after it:
    "Until what year | is the plant's lifespan to be extended?") and whether it is the subject
    ("How many people | were killed …?", "Who | unveiled …?": a main verb, or an auxiliary followed
    by a participle, not by a subject); None when `doc` does not open with one (within three words)."""
    if not any(t.tag_.startswith("W") for t in doc[:3]):
        return None
    end = next((t.i for t in doc if t.pos_ in ("VERB", "AUX") or t.lower_ in AUXILIARIES), None)
    if end is None or end == 0:
        return None
    after = doc[end + 1] if end + 1 < len(doc) else None
    subject = doc[end].lower_ not in AUXILIARIES or (after is not None and after.tag_ in ("VBN", "VBG"))
    return end, subject


def _ask_instead(phrase: str, ctx: _Context) -> str:
    """The previous question with `phrase` ("When", "Until when", "Near which village") in place of
    its own question phrase: "Until what year is the lifespan to be extended?" → "Until when is the
    lifespan to be extended?". A subject phrase keeps its noun ("How many people were killed?" →
    "When were people killed?"); a question opening with none takes `phrase` before it."""
    doc = ctx.qdoc
    found = wh_phrase(doc)
    if found is None:
        return f"{phrase} {ctx.question.rstrip('?.! ')}?"
    end, subject = found
    rest = doc[end:].text.rstrip("?.! ")
    if subject:
        # the noun of the question phrase, without its question words ("many people" → "people")
        nouns = [t for t in doc[:end] if t.pos_ in ("NOUN", "PROPN")]
        if not nouns:
            return (
                _with_answered_subject(phrase.lower(), ctx) or f"{phrase}: {ctx.question[:1].lower()}{ctx.question[1:]}"
            )
        aux, verb = doc[end], doc[end + 1 :].text.rstrip("?.! ")
        if aux.pos_ == "VERB":  # "Which country sent troops?" → "When did the country send troops?"
            return f"{phrase} did the {nouns[-1].text} {aux.lemma_} {verb}?"
        return f"{phrase} {aux.text} {doc[nouns[0].i : nouns[-1].i + 1].text} {verb}?"
    return f"{phrase} {rest}?"


def _with_answered_subject(wh: str, ctx: _Context) -> str | None:
    """ "Where?" after "Who unveiled the project?" answered "Pashinian": "Where did Pashinian unveil
    the project?". Only a verb in the simple past or present with nothing between it and the subject."""
    root = ctx.qdoc[1] if len(ctx.qdoc) > 1 else None
    aux = {"VBD": "did", "VBZ": "does", "VBP": "do"}.get(root.tag_ if root is not None else "")
    if not ctx.short or aux is None or root is None or root.dep_ != "ROOT":
        return None
    rest = ctx.qdoc[2:].text.rstrip("?.! ")
    return f"{wh} {aux} {ctx.short} {root.lemma_} {rest}?"


def _focus(ctx: _Context) -> str:
    """Whom the previous turn was about: the person its question names, else its short answer,
    else the actor its question names."""
    if re.match(r"(?i)^\s*who\s+(?!is\b|was\b)", ctx.question):
        return ctx.short  # "Who represented the U.S.?": whom it answered, not what it named
    people = ctx.mentions(frozenset({"PERSON"}), answer=False)
    if people:
        return people[0].text
    if ctx.short:
        return ctx.short
    actors = ctx.mentions(ACTOR_LABELS, answer=False)
    return actors[0].text if actors else ""


def _resolve_other_side(text: str, ctx: _Context) -> str | None:
    """ "the other side": the actor of the previous answer that the previous question did not name."""
    if not _OTHER_SIDE.search(text):
        return None
    asked = {m.text for m in ctx.mentions(ACTOR_LABELS, answer=False)}
    for m in ctx.mentions(ACTOR_LABELS):
        if m.text not in asked:
            return _OTHER_SIDE.sub(m.text, text)
    return None


def _pronouns(question: str, ctx: _Context) -> str | None:
    """Pronouns, demonstratives, "who else" and a topicless verb of saying, resolved in place."""
    q = _CONNECTIVE.sub("", question)
    other = _resolve_other_side(q, ctx)
    q = other or q
    doc = _parse(q)
    spans = _replacements(doc, ctx)
    out, i = [], 0
    while i < len(doc):
        if i in spans:
            end, rep = spans[i]
            out.append(rep + doc[end - 1].whitespace_)
            i = end
        else:
            out.append(doc[i].text_with_ws)
            i += 1
    text = _agree("".join(out))
    changed = bool(other or spans)
    m = _ELSE.search(text)
    # "who else" leaves out whom the last turn named; "what else" asks for more of the same kind
    if m and m.group(1).lower() == "who" and "besides" not in text and _focus(ctx):
        focus = _focus(ctx)
        # "who else attended the meeting with X" → "who else besides X attended the meeting"
        text = text.replace(f" with {focus}", "")
        text = text[: m.end()] + f" besides {focus}" + text[m.end() :]
        changed = True
    if not changed:
        text, changed = _add_topic(doc, text, ctx)
    return text if changed else None


def _agree(text: str) -> str:
    """ "When was the talks …" → "When were the talks …": the copula follows a plural event noun."""
    m = re.match(r"(?i)^(\w+\s+)(was|is)\s+the\s+((?:[\w-]+\s+){0,2})", text)
    words = m.group(3).lower().split() if m else []
    if m and any(w in EVENT_NOUNS and w.endswith("s") and not w.endswith("ss") for w in words):
        plural = {"was": "were", "is": "are"}[m.group(2).lower()]
        return m.group(1) + plural + text[m.end(2) :]
    return text


def _replacements(doc, ctx: _Context) -> dict[int, tuple[int, str]]:
    """Token index → (end index, text) of each reference to replace."""
    spans: dict[int, tuple[int, str]] = {}
    taken: dict[bool, str] = {}  # the people given to this question's subject (True) and object pronouns
    for t in doc:
        if t.lower_ in DEMONSTRATIVES and t.dep_ == "det" and t.head.tag_.startswith("NN"):
            rep = _demonstrative(t.head, ctx)
            if rep:
                spans[t.i] = (t.head.i + 1, rep)
        elif t.lower_ == "one" and t.i > 0 and doc[t.i - 1].lower_ == "the" and ctx.event_noun():
            # "the one in Spain" after "a fresh meeting in Brussels and another in Spain": the event's noun
            spans[t.i - 1] = (t.i + 1, f"the {ctx.event_noun()}")
        elif not any(a <= t.i < b for a, (b, _r) in spans.items()):
            rep = _replacement(t, ctx, taken)
            if rep is not None:
                spans[t.i] = (t.i + 1, rep)
    return spans


def _people(ctx: _Context) -> list[Mention]:
    """People the previous turn named; after a "who" question the person it answered comes first."""
    asked = ctx.mentions(frozenset({"PERSON"}), answer=False) or ctx.mentions(PERSON_LABELS, answer=False)
    m = WHO_IS_NAME.match(ctx.question)
    if not asked and m:  # "Who is Anna Hakopyan?" names a person the NER may miss
        asked = [Mention(m.group(1), "PERSON")]
    if not asked:  # "Whom did Hakob Arshakyan meet?": a proper-noun subject is who the turn was about
        subj = next(
            (t for t in ctx.qdoc if t.dep_.startswith("nsubj") and t.pos_ == "PROPN" and t.head.dep_ == "ROOT"), None
        )
        if subj is not None:
            names = [c for c in subj.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"]
            start = names[0].i if names else subj.i
            asked = [Mention(ctx.qdoc[start : subj.i + 1].text, "PERSON")]
    if asked:
        return asked
    people = ctx.mentions(frozenset({"PERSON"})) or ctx.mentions(PERSON_LABELS)
    if ctx.short and re.match(r"(?i)^\s*who\b", ctx.question):
        return [Mention(ctx.short, "PERSON")] + [p for p in people if p.text != ctx.short]
    return people


def _answered(ctx: _Context) -> tuple[str, bool] | None:
    """Whom the previous turn's answer named for its "who"/"whom" (its short answer, when a person
    the question did not name itself), and whether the question word was the subject ("Who met
    Yermak?") or not ("Whom did Zelensky call?"); None for "Who is X?" (answered by a description)."""
    first = ctx.qdoc[0] if len(ctx.qdoc) else None
    if not ctx.short or first is None or first.lower_ not in ("who", "whom") or WHO_IS_NAME.match(ctx.question):
        return None
    if not any(e.label_ == "PERSON" for e in _parse(ctx.short).ents) and not any(
        e.text == ctx.short and e.label_ == "PERSON" for e in (ctx.adoc.ents if ctx.adoc is not None else ())
    ):
        return None  # "Who warned …?" answered "EU": not a he or a she
    if set(tokenize(ctx.short)) & set(tokenize(ctx.question)):
        return None  # an answer the question already names is a misread ("Parliament Hakob Arshakyan")
    found = wh_phrase(ctx.qdoc)
    return ctx.short, first.lower_ == "who" and found is not None and found[1]


def _person_for(t, ctx: _Context, taken: dict[bool, str]) -> str | None:
    """The person a he/him/his/she/her stands for. The pronoun in the role the previous question's
    "who"/"whom" had takes whom its answer named ("he" after "Who met Yermak?" answered "Grigoryan");
    otherwise the previous turn's people in order (_people). A subject (or possessive) and an object
    of one question are different people ("What did he thank him for?"); `taken` holds them by role."""
    subject = t.dep_.startswith("nsubj") or t.dep_ == "poss"
    if subject in taken:
        return taken[subject]
    other = taken.get(not subject)
    answered = _answered(ctx)
    if answered is not None and answered[1] == subject and answered[0] != other:
        taken[subject] = answered[0]
        return answered[0]
    people = [p.text for p in _people(ctx) if p.text != other]
    if answered is not None and len(people) > 1:  # whom the answer named stands in the other role
        people = [p for p in people if p != answered[0]] + [p for p in people if p == answered[0]]
    if people:
        taken[subject] = people[0]
    return people[0] if people else None


def _replacement(t, ctx: _Context, taken: dict[bool, str] | None = None) -> str | None:
    low = t.lower_
    if low in ("he", "him", "she", "her", "his"):
        person = _person_for(t, ctx, {} if taken is None else taken)
        if person is None:
            return None
        return person + "'s" if t.dep_ == "poss" or low == "his" else person
    bare = ctx.event(bare=True) if low == "them" else None
    if bare and bare.split()[-1].endswith("s"):
        return ctx.event()  # "Who was going to mediate them?" after "… the talks in Granada?"
    if low in ("they", "them", "their"):
        actors = ctx.mentions(ACTOR_LABELS - {"NORP"}, answer=False) or ctx.mentions(ACTOR_LABELS)
        if not actors:
            return None
        names = " and ".join(m.text for m in actors[:2])
        return names + "'s" if low == "their" else names
    if low == "there" and t.dep_ != "expl":
        if ctx.short and re.match(r"(?i)^\s*where\b", ctx.question):
            return f"in {ctx.short}"
        places = ctx.mentions(PLACE_LABELS, answer=False)
        if places:
            return f"in {places[0].text}"
        # "there" after "When did the OSCE session open?": at that event, not a place its answer mentions
        event = _event_chunk(ctx.qdoc)
        # one event ("the OSCE session"), not a kind of them ("after how many hours of attacks")
        if event is not None and any(w.dep_ in ("det", "poss") or w.tag_.startswith("NNP") for w in event):
            return f"at {_phrase(event.root)}"
        places = ctx.places_in_answer()
        return f"in {places[0].text}" if places else None
    if (
        low in ("that", "this", "it")
        and t.tag_ in ("DT", "PRP")
        and t.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "attr")
    ):
        return ctx.topic()
    return None


def _demonstrative(noun, ctx: _Context) -> str | None:
    """ "that meeting": the previous turn's phrase headed by the same noun ("the talks in Granada"),
    else "the meeting" tied to whom the previous turn was about ("the meeting with Louis Bono")."""
    for doc in (ctx.qdoc, ctx.adoc):
        if doc is None:
            continue
        for chunk in doc.noun_chunks:
            if chunk.root.lower_ == noun.lower_ and not any(
                t.lower_ in DEMONSTRATIVES or t.tag_.startswith("W") for t in chunk
            ):
                return _phrase(chunk.root)
    focus = _focus(ctx) if noun.lower_ in EVENT_NOUNS else ""
    head = " ".join(t.text for t in noun.subtree if t.i <= noun.i and t.dep_ != "det")
    return f"the {head} with {focus}" if focus else f"the {head}"


def _add_topic(doc, text: str, ctx: _Context) -> tuple[str, bool]:
    """ "And what did Russia say?" → "What did Russia say about the talks in Granada?"."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lower_ not in QUESTION_SAY_VERBS:
        return text, False
    if any(
        c.dep_ in ("prep", "ccomp", "xcomp") or (c.dep_ == "dobj" and not c.tag_.startswith("W")) for c in root.children
    ):
        return text, False
    # the new speaker was not at the previous actor's event ("the talks in Granada"), but its kind
    # is the topic: "What did Russia say about the talks?"
    topic = ctx.topic(bare=True)
    if not topic:
        return text, False
    return text.rstrip("?.! ") + f" about {topic}?", True


def unknown_nouns(question: str, known) -> list[str]:
    """The nouns of `question` (as the user typed it) that no article uses: `known(stem)` says
    whether the corpus has a word. A resolved follow-up carries the previous turn's names, which
    make any question about them look answerable ("Where was Louis Bono born?"); a thing asked
    about that no article mentions ("the Pope", "lunch") cannot be answered from them."""
    out = []
    for t in _parse(question):
        if t.pos_ in ("NOUN", "PROPN") and not t.tag_.startswith("W"):
            stems = tokenize(t.text)
            if stems and not any(known(s) for s in stems):
                out.append(t.text)
    return out

"""“Who wrote the letter …?”: the article's author, quoted where the article prints the name.

A writer citing a letter to the editor or an op-ed needs its author. Ingest reads the author from
a byline, an "Author:" line or a letter's signature (ingest/metadata.py, ingest/digest.py), but
no sentence of the body says "X wrote this", so ranking sentences by what the question asks never
reaches the signature line: a question about the article itself is answered by its metadata.

The answer is still a quote: the line of the article that prints the author's name (a signature
under a letter, a byline kept in the text), with the name as the short answer. When the name
stands only in the byline, which ingest keeps as metadata rather than text, there is nothing to
quote: the answer refuses, as any answer without a passage must, and says what the byline says.
Ranking sentences instead would quote whichever person the article mentions.

Only a question that asks who wrote a piece of writing ("the letter", "the op-ed", "the article")
is read this way, and only about an article it describes: by its title, or by its outlet when that
article is also the best match for the question. "Who wrote that Armenians must take up arms?"
asks about words, whose author may be someone the article quotes, so it is left to the usual path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from ..nlp import tokenize
from ..store import Store
from .candidates import Candidate, IdfTable
from .coverage import weighted_share

# Pieces of writing an outlet prints under a writer's name. Not "report" or "study": the report an
# article covers (the UN's, a watchdog's) is more often meant than the article itself.
_PIECE = r"(?:letter|article|op-?ed|column|editorial|essay|commentary|opinion|piece|story)s?"
# "Who wrote the Armenian Weekly letter …", "Who is the author of this op-ed …", "Whose column …":
# up to three words (an outlet, "open") may stand between the article and the piece it names
AUTHOR_QUESTION = re.compile(
    r"^\s*(?:who\s+(?:wrote|writes|penned|authored|signed|(?:is|was)\s+the\s+(?:author|writer)s?\s+of)\s+"
    r"(?:the|this|that|an?)\s+|whose\s+)(?:[\w’'./-]+\s+){0,3}?" + _PIECE + r"\b",
    re.IGNORECASE,
)
# "Who wrote it?", "Who is the author?", "Who wrote that letter?": after an answer, its article
AUTHOR_FOLLOW_UP = re.compile(
    r"^\s*(?:who\s+(?:wrote|penned|authored|signed)\s+(?:it|this|that|(?:the|this|that)\s+" + _PIECE + r")"
    r"|who\s+(?:is|was)\s+(?:its|the)\s+(?:author|writer)|who\s+(?:is|was)\s+the\s+(?:author|writer)\s+of\s+"
    r"(?:it|this|that|(?:the|this|that)\s+" + _PIECE + r"))\s*\??\s*$",
    re.IGNORECASE,
)
# Share of the title's rarity-weighted words the question must hold to describe the article by its
# title: "the letter asking whether Artsakh is a test of Armenian fortitude" holds all of "Is
# Artsakh a test of Armenian fortitude?"; half is a paraphrase that keeps the subject and the claim.
TITLE_SHARE = 0.5
# Words that say how a question describes a piece ("the letter saying …", "the op-ed about …"),
# not what the piece holds.
DESCRIBING = frozenset(
    tokenize(
        "say saying says said ask asking asks asked argue arguing argues argued call calling calls called urge urging "
        "urges urged claim claiming claims claimed criticise criticising criticised criticize criticizing criticized "
        "about on titled headlined"
    )
)
# A byline or signature is a line of its own; a name inside a longer line is a sentence about
# the person (the author quoted by someone else, or a namesake), not the article's signature.
SIGNATURE_MAX_CHARS = 200


@dataclass
class Byline:
    """The author of the described article, and the line that prints the name (None: only its byline does)."""

    doc_id: str
    author: str
    candidate: Candidate | None
    described: float  # how well the question describes the article (see _described), a floor for confidence
    follow_up: bool = False  # "Who wrote it?" after an answer: the question names no article itself

    def resolved(self, index: Store, question: str) -> str:
        """What a follow-up stands for ("Who wrote “<title>”?"); other questions stand for themselves."""
        title = index.documents[self.doc_id].title
        return f"Who wrote “{title}”?" if self.follow_up and title else question


def asks_author(question: str) -> bool:
    return bool(AUTHOR_QUESTION.match(question))


def title_share(question: str, title: str, idf: IdfTable) -> float:
    """The rarity-weighted share of the title's words the question holds (0.0 for an untitled article)."""
    words = set(tokenize(title))
    return weighted_share(words, set(tokenize(question)), idf) if words else 0.0


def names_outlet(question: str, outlet: str) -> bool:
    """The question names the outlet as written ("the Armenian Weekly letter"), as whole words."""
    return bool(outlet) and re.search(rf"(?<!\w){re.escape(outlet)}(?!\w)", question, re.IGNORECASE) is not None


def description_words(question: str) -> set[str]:
    """What the question says of the piece after "Who wrote the letter": "about the library" → {librari}."""
    m = AUTHOR_QUESTION.match(question)
    return set(tokenize(question[m.end() :] if m else question)) - DESCRIBING


def _described(
    question: str, cands: Sequence[Candidate], index: Store, idf: IdfTable, answers: bool
) -> tuple[Candidate, float] | None:
    """A candidate of the article the question describes, and how well it is described (0-1): the
    article whose title the question holds best (its share, at least TITLE_SHARE); else the best
    candidate's article, when it holds every word of the description (1.0), or when the question
    names its outlet and the corpus answers it (`answers`; 0.0, the coverage decides)."""
    firsts: dict[str, Candidate] = {}
    for c in sorted(cands, key=lambda c: -c.score):
        firsts.setdefault(c.doc_id, c)
    shares = {d: title_share(question, index.documents[d].title, idf) for d in firsts if index.documents[d].author}
    if shares:
        doc_id = max(shares, key=lambda d: (shares[d], firsts[d].score))
        if shares[doc_id] >= TITLE_SHARE:
            return firsts[doc_id], shares[doc_id]
    if not cands:
        return None
    best = max(cands, key=lambda c: c.score)
    words = description_words(question)
    if words and words <= idf.document_tokens(index, best.doc_id):
        return best, 1.0
    if answers and names_outlet(question, index.documents[best.doc_id].source):
        return best, 0.0
    return None


def _row_at(index: Store, anchor: int, offset: int) -> int | None:
    """The sentence row holding character `offset` of the document of row `anchor`. A document's rows
    are contiguous and sorted by start, so the walk stays inside it (a whole-column search would
    read millions of rows of a large index for one question)."""
    rows = index.sentence_rows
    doc_number = int(rows[anchor, 0])
    step = 1 if offset >= int(rows[anchor, 1]) else -1
    row = anchor
    while 0 <= row < len(rows) and int(rows[row, 0]) == doc_number:
        _, s, e = rows[row].tolist()
        if s <= offset < e:
            return row
        if (step > 0 and s > offset) or (step < 0 and e <= offset and row != anchor):
            return None  # between two sentences: the name stands in no sentence
        row += step
    return None


def _printed_at(text: str, name: str) -> int | None:
    """Where `name` stands in a line of at most SIGNATURE_MAX_CHARS (a signature or byline). A
    line too long is skipped whole, so a name repeated along one huge line costs one pass, not
    one pass per repeat."""
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    at = 0
    while (m := pattern.search(text, at)) is not None:
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        if line_end - line_start <= SIGNATURE_MAX_CHARS:
            return m.start()
        at = line_end + 1
    return None


def _previous(cands: Sequence[Candidate], previous_doc: str) -> tuple[Candidate, float] | None:
    """The best candidate of the article the last answer quoted first, which a follow-up asks about."""
    mine = [c for c in cands if c.doc_id == previous_doc]
    return (max(mine, key=lambda c: c.score), 1.0) if mine else None


def find_byline(
    question: str,
    cands: Sequence[Candidate],
    index: Store,
    idf: IdfTable,
    answers: bool,
    typed: str = "",
    previous_doc: str | None = None,
) -> Byline | None:
    """The line naming the author of the article `question` asks about, or None (see the module).

    `typed`: the question as typed, when `question` is a follow-up rewritten from it; "Who wrote
    it?" asks about `previous_doc`, the article the last answer quoted first."""
    if not cands:
        return None
    follow_up = previous_doc is not None and AUTHOR_FOLLOW_UP.match(typed or question) is not None
    if previous_doc is not None and follow_up:
        found = _previous(cands, previous_doc)
    elif asks_author(question):
        found = _described(question, cands, index, idf, answers)
    else:
        return None
    if found is None:
        return None
    anchor, share = found
    doc = index.documents[anchor.doc_id]
    for name in re.split(r",\s*|\s+and\s+", doc.author):
        at = _printed_at(doc.text, name.strip()) if name.strip() else None
        row = None if at is None else _row_at(index, anchor.row, at)
        if at is None or row is None:
            continue
        _, s, e = index.sentence_rows[row].tolist()
        c = Candidate(
            doc_id=doc.id,
            start=s,
            end=e,
            row=row,
            retrieval=anchor.retrieval,
            type_fit=1.0,
            short=(at, at + len(name.strip())),
            tokens=set(tokenize(doc.text[s:e])),
        )
        return Byline(doc.id, doc.author, c, share, follow_up)
    return Byline(doc.id, doc.author, None, share, follow_up)


def put_first(byline: Byline, cands: Sequence[Candidate]) -> list[Candidate]:
    """`cands` with the byline's line scored just above the best of them (the quote floor stays
    relative to it); when no line prints the name, the described article's own sentences, which
    a refusal shows as context."""
    if byline.candidate is None:
        return [c for c in cands if c.doc_id == byline.doc_id]
    top = max((c.score for c in cands), default=0.0)
    byline.candidate.score = top + BYLINE_LEAD
    return [byline.candidate, *(c for c in cands if c.row != byline.candidate.row)]


BYLINE_LEAD = 0.01  # enough to come first; the other quotes keep their order and scores

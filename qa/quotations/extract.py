"""Direct quotations of one document: the spans between quotation marks (marks.py), which of them
are speech, and who spoke (attribute.py, mention.py). Every quotation and every speaker mention is
the document's exact characters at its offsets, checked before it is returned."""

from __future__ import annotations

import re

from ..errors import FidelityError
from ..lexicon import REPORTING_VERBS
from ..records import Document
from .attribute import Attribution, after_cue, before_cue, colon_cue, parse_window
from .marks import Span, find_spans
from .mention import describe, fuller_name
from .records import Quotation

# Fewer words than this between the marks is a label, a scare quote or a title ("biased",
# “absolute lie”, the “Crossroads of Peace” project), not speech: a news quotation of someone's
# words runs longer (a split quote's short first part is the exception, handled apart).
MIN_SPEECH_WORDS = 4
# A title in quotation marks: a few capitalised words and no sentence punctuation.
MAX_TITLE_WORDS = 6
# Between the two parts of a split quote there is only the attribution (“…,” he said, “…”).
MAX_SPLIT_GAP = 120
_WORD = re.compile(r"[^\W_]+(?:[’'\-][^\W_]+)*")
_SMALL = frozenset("a an and as at by for from in of on or the to with".split())


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def is_speech(text: str) -> bool:
    """Words that someone said or wrote rather than a label or a title."""
    words = _words(text)
    if len(words) < MIN_SPEECH_WORDS:
        return False
    titled = all(w[0].isupper() or w.lower() in _SMALL for w in words)
    return not (titled and len(words) <= MAX_TITLE_WORDS and not re.search(r"[.!?,]\s*$", text))


def _paragraph(text: str, span: Span) -> tuple[int, int]:
    lo = text.rfind("\n", 0, span.open) + 1
    hi = text.find("\n", span.close)
    return lo, (len(text) if hi < 0 else hi)


def _ends_clause(text: str, span: Span) -> bool:
    """True when the quote's words end with a comma, ? or ! or a comma follows the closing mark:
    the attribution comes after it (“…,” she said)."""
    inner = text[span.start : span.end]
    return bool(re.search(r"[,?!]$", inner)) or text[span.close + 1 : span.close + 2] == ","


def attribute(text: str, span: Span, skip: list[tuple[int, int]], history=()) -> Attribution | None:
    """The speaker of the quote at `span`, or None."""
    lo, hi = _paragraph(text, span)
    windows = parse_window(text, span.open, span.close, lo, hi)
    head, tail = windows[0], windows[-1]
    ends_clause = _ends_clause(text, span)
    inner = text[span.start : span.end]
    cues = [("colon", lambda: colon_cue(head, text, span))]
    after = ("verb", lambda: after_cue(tail, text, span, ends_sentence=bool(re.search(r"[.]$", inner))))
    before = ("verb", lambda: before_cue(head, span))
    cues += [after, before] if ends_clause else [before, after]
    for how, find in cues:
        found = find()
        if found is None:
            continue
        verb, subj = found
        window = head if subj.doc is head.doc else tail
        who = describe(window, text, subj, span.open, skip, history)
        if who is None:
            return None  # a cue that names no one: unattributed, never a guess from further away
        who.how = who.how or ("according_to" if verb == "according" else how)
        who.verb = "" if verb in ("according", ":") else verb
        return fuller_name(text, who, span.open)
    return None


def _split_gap(text: str, left: Span, right: Span) -> bool:
    """Only an attribution stands between two quoted spans: parts of one split quote."""
    gap = text[left.close + 1 : right.open]
    if len(gap) > MAX_SPLIT_GAP or "\n" in gap or not re.search(r"[,.:]\s*$", gap):
        return False
    return any(w.lower() in REPORTING_VERBS for w in _words(gap)) and bool(
        re.search(r"[,?!]$", text[left.start : left.end]) or gap.lstrip().startswith(",")
    )


def _trimmed(text: str, span: Span) -> tuple[int, int]:
    """The quote's words without the comma that belongs to the sentence around them."""
    end = span.end
    while end > span.start and text[end - 1] in ",;":
        end -= 1
    return span.start, end


def extract_quotations(doc: Document) -> tuple[list[Quotation], list[str]]:
    """The quotations of `doc` (speech and not-speech) and one problem line per mark that paired
    with nothing (those marks are skipped; the rest of the document is still read)."""
    text = doc.text
    spans, strays = find_spans(text)
    problems = [f"{doc.id}: character {s.offset}: {s.reason}; that quote was skipped" for s in strays]
    skip = [(s.open, s.close + 1) for s in spans]
    out: list[Quotation] = []
    prev: tuple[Span, Quotation] | None = None
    for i, span in enumerate(spans):
        split_prev = prev is not None and prev[1].speech and _split_gap(text, prev[0], span)
        split_next = i + 1 < len(spans) and _split_gap(text, span, spans[i + 1])
        speech = is_speech(text[span.start : span.end]) or split_next or split_prev
        start, end = _trimmed(text, span)
        q = Quotation(
            id=Quotation.make_id(doc.id, start, end),
            doc_id=doc.id,
            text=text[start:end],
            start=start,
            end=end,
            speech=speech,
        )
        q.group = q.id
        if speech:
            try:
                _attribute(q, text, span, skip, out, prev if split_prev else None)
                verify_quotation(q, doc)
            except Exception as exc:  # noqa: BLE001 - a fault in one quotation costs its speaker, not the article's
                _unattributed(q)
                problems.append(
                    f"{doc.id}: character {span.open}: {SPEAKER_FAILED} ({type(exc).__name__}: {exc}); "
                    "the quotation is kept without a speaker"
                )
        verify_quotation(q, doc)
        out.append(q)
        prev = (span, q)
    return out, problems


# the problem line of a quotation whose speaker could not be worked out (`qa index` counts them apart)
SPEAKER_FAILED = "speaker not attributed"


def _attribute(q: Quotation, text: str, span: Span, skip, out: list[Quotation], prev) -> None:
    """Give speech quotation `q` its speaker (or the first part's, for the second part of a split quote)."""
    who = attribute(text, span, [s for s in skip if s[0] != span.open], out)
    if who is None and prev is not None and prev[1].speaker:
        _continue(q, prev[1])
    elif who is not None:
        _set_speaker(q, who)
        if prev is not None and (prev[1].speaker == q.speaker or not prev[1].speaker):
            _link(q, prev[1])


def _unattributed(q: Quotation) -> None:
    q.speaker, q.speaker_start, q.speaker_end = "", None, None
    q.title, q.kind, q.how, q.verb = "", "", "", ""
    q.part, q.group = 0, q.id


def _set_speaker(q: Quotation, who: Attribution) -> None:
    q.speaker, q.speaker_start, q.speaker_end = who.speaker, who.start, who.end
    q.title, q.kind, q.how, q.verb = who.title, who.kind, who.how, who.verb


def _link(q: Quotation, first: Quotation) -> None:
    first.part = first.part or 1
    q.part, q.group = first.part + 1, first.group
    if not first.speaker and q.speaker:  # “…,” she said, “…”: the cue after the first part
        first.speaker, first.speaker_start, first.speaker_end = q.speaker, q.speaker_start, q.speaker_end
        first.title, first.kind, first.how, first.verb = q.title, q.kind, "continuation", q.verb


def _continue(q: Quotation, first: Quotation) -> None:
    """The second part of a quote split around its attribution takes the first part's speaker."""
    q.speaker, q.speaker_start, q.speaker_end = first.speaker, first.speaker_start, first.speaker_end
    q.title, q.kind, q.verb, q.how = first.title, first.kind, first.verb, "continuation"
    _link(q, first)


def verify_quotation(q: Quotation, doc: Document) -> None:
    """The promise, for quotations: the words and the speaker mention are the document's characters."""
    text = doc.text
    if not (0 <= q.start < q.end <= len(text)) or text[q.start : q.end] != q.text:
        raise FidelityError(f"quotation {q.id} does not match {doc.id} at [{q.start}:{q.end}]")
    if q.speaker and (
        q.speaker_start is None or q.speaker_end is None or text[q.speaker_start : q.speaker_end] != q.speaker
    ):
        raise FidelityError(f"speaker {q.speaker!r} of {q.id} does not match {doc.id} at its offsets")

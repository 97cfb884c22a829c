"""Pairing quotation marks: “…”, "…", ‘…’ and «…», with the exact offsets of what they enclose.

A scraped page often has marks that do not pair up. Scanning goes on regardless: an opening mark
that never closes within its paragraph (and is not reopened by the next paragraph, the convention
for a quote that runs over paragraphs) or a closing mark with nothing open becomes one `Stray`, and
every other quote of the document is still found. Nothing here is quadratic: one pass over the
marks and line breaks of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Marks by family: a quote opened with one family's mark is closed by that family's closing mark.
_OPEN = {"“": "double", "„": "double", "«": "angle", "‘": "single", '"': "straight", "”": "double"}
_CLOSE = {"double": "”", "angle": "»", "single": "’", "straight": '"'}
_EVENTS = re.compile(r'[“”„"«»‘’]|\n+')
# Longer than this between marks is no quotation but a mark left open (a news quote, even one that
# runs over paragraphs, stays well under it); the text is scanned on from where it was opened.
MAX_QUOTE_CHARS = 6000
# Before an opening mark: start of text, white space, an opening bracket or dash, a colon.
_OPEN_BEFORE = re.compile(r"[\s(\[{—–\-:/]")


@dataclass
class Span:
    """A pair of marks: `open` and `close` are the marks' offsets; [start, end) the words between
    them, without the white space just inside the marks."""

    open: int
    close: int
    start: int
    end: int
    family: str
    reopened: list[int] = field(default_factory=list)  # marks that reopen it at a paragraph start


@dataclass
class Stray:
    """A mark that pairs with nothing: `offset` in the text, and why."""

    offset: int
    reason: str


def _can_open(text: str, i: int) -> bool:
    before_ok = i == 0 or bool(_OPEN_BEFORE.match(text[i - 1])) or text[i - 1] in "“‘«\"'"
    after = text[i + 1 : i + 2]
    return before_ok and after != "" and not after.isspace()


def _closes(text: str, i: int, family: str) -> bool:
    ch = text[i]
    after = text[i + 1 : i + 2]
    if family == "single":
        # ’ is also the apostrophe (Russia’s): it closes only when no letter follows
        return ch == "’" and not after.isalpha()
    if family == "straight":
        return ch == '"' and i > 0 and not text[i - 1].isspace()
    if family == "double" and ch == "“":
        # a mistyped closer: “…,“ he said
        return i > 0 and not text[i - 1].isspace() and (after == "" or after.isspace())
    return ch == _CLOSE[family]


def _span(text: str, open_at: int, close_at: int, family: str, reopened: list[int]) -> Span | None:
    start, end = open_at + 1, close_at
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(open_at, close_at, start, end, family, list(reopened)) if end > start else None


def find_spans(text: str) -> tuple[list[Span], list[Stray]]:
    """Every quoted span of `text`, in order, and the marks that pair with nothing."""
    spans: list[Span] = []
    strays: list[Stray] = []
    open_at, family, reopened = -1, "", []
    skip = -1  # a paragraph's reopening mark, already accounted for
    for m in _EVENTS.finditer(text):
        i, ch = m.start(), m.group()
        if i == skip:
            continue
        if ch.startswith("\n"):
            if open_at < 0:
                continue
            nxt = m.end()
            while nxt < len(text) and text[nxt] in " \t":
                nxt += 1
            if nxt < len(text) and _OPEN.get(text[nxt]) == family:
                reopened.append(nxt)  # the quote goes on in the next paragraph
                skip = nxt
                continue
            strays.append(Stray(open_at, "opening mark never closed in its paragraph"))
            open_at, reopened = -1, []
            continue
        if open_at >= 0:
            if i - open_at > MAX_QUOTE_CHARS:
                strays.append(Stray(open_at, f"opening mark not closed within {MAX_QUOTE_CHARS} characters"))
                open_at, reopened = -1, []
            elif family in ("double", "straight", "angle") and ch in "‘’":
                continue  # a quote inside the quote, or an apostrophe
            elif family == "single" and ch not in "‘’":
                continue  # double marks inside single ones belong to the inner text
            elif _closes(text, i, family):
                span = _span(text, open_at, i, family, reopened)
                if span is not None:
                    spans.append(span)
                open_at, reopened = -1, []
                continue
            elif ch in _OPEN and _OPEN[ch] == family and _can_open(text, i):
                strays.append(Stray(open_at, "opening mark followed by another before it closed"))
                open_at, reopened = i, []
                continue
            else:
                continue
        if ch in _OPEN and _can_open(text, i):
            if ch == "”" and not text[i + 1 : i + 2].isalpha():
                strays.append(Stray(i, "closing mark with nothing open"))
                continue  # a ” opens a quote only when a word follows it at once (”During …)
            open_at, family, reopened = i, _OPEN[ch], []
        elif ch in '”»"':
            strays.append(Stray(i, "closing mark with nothing open"))
    if open_at >= 0:
        strays.append(Stray(open_at, "opening mark never closed"))
    return spans, strays

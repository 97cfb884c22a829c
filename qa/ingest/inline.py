"""Cutting photo captions and credits out of a paragraph, and setting inline headlines apart.

Some scrapes glue several articles into one long line: "… economic prosperity.” Yerevan Says Armenian
Soldier Wounded Along Border With Azerbaijan An Armenian soldier on combat duty near the border with
Azerbaijan (file photo). An Armenian soldier has reportedly been shot …". Here the headline becomes a
paragraph of its own and the caption goes. Nothing is glued: where something is cut out, the paragraph is
split there, so every piece is a run of characters that stood together in the source.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from . import rules

# A "sentence" ending in a caption mark that is longer than this is a body sentence we misread.
_CAPTION_MAX_WORDS = 45
_CAPTION_MAX_CHARS = 400  # checked first, so a long run without sentence ends is never re-counted
# A headline glued before a sentence is a run of capitalised words; never look further than this.
_RUN_MAX_WORDS = 30
_HEADLINE_MIN_WORDS = 3
# A run of capitalised words this long is Title Case even without a capitalised small word in it.
_LONG_HEADLINE_WORDS = 6
# Headlines glued into running text without a caption are looked for in paragraphs this long only:
# a digest's glued line is thousands of words, an article paragraph rarely a hundred.
_LONG_PARAGRAPH_WORDS = 150
# The sentence after a glued headline usually names again, further on, the people it starts with.
_REPEAT_WINDOW = 600
_OPENERS = "\"“‘'«(["
_SENTENCE_GAP = re.compile(r"[.!?…][\"'”’»)\]]*\s+")
_WORD = re.compile(r"\S+")


def split_inline(para: str) -> list[str]:
    """The pieces of paragraph `para` (each a substring of it, in order) once captions and credits are cut out.

    An inline headline, and a repost credit ("Reposted … with permission from X"), become pieces of
    their own; a caption sentence is cut; a paragraph that is only a caption gives no piece at all.
    """
    if not any(c.isalnum() for c in para):
        return []
    starts = sentence_starts(para)
    cuts: list[tuple[int, int]] = []
    breaks: list[int] = []
    for m in rules.CAPTION_END.finditer(para):
        s = _caption_start(starts, m)
        if s is None or (cuts and s < cuts[-1][1]) or m.end() - s > _CAPTION_MAX_CHARS:
            continue
        if len(para[s : m.end()].split()) > _CAPTION_MAX_WORDS:
            continue
        head_end = headline_end(para, s, m.start(), loose=True)
        if head_end is not None:
            breaks.append(s)
            cuts.append((head_end, m.end()))
        elif not m.group("stray"):
            # a lone stray stop may be a scraping slip in a body sentence: only after a headline is it a caption
            cuts.append((s, m.end()))
    if len(para.split()) >= _LONG_PARAGRAPH_WORDS:
        breaks += _glued_headlines(para, starts, cuts)
    credit = rules.REPOST.search(para)
    if credit:
        breaks.append(starts[bisect_right(starts, credit.start()) - 1])
    return _pieces(para, cuts, breaks)


def sentence_starts(para: str) -> list[int]:
    """Offsets where a sentence of `para` starts: 0, and after each sentence end before a capital or digit."""
    starts = [0]
    for m in _SENTENCE_GAP.finditer(para):
        nxt = para[m.end() : m.end() + 2].lstrip(_OPENERS)[:1]
        if nxt and (nxt.isupper() or nxt.isdigit()) and not _abbreviation(para, m.start()):
            starts.append(m.end())
    return starts


def _abbreviation(para: str, stop: int) -> bool:
    """Whether the full stop at `stop` ends an abbreviation ("Oct.", "U.S.") rather than a sentence."""
    if para[stop] != ".":
        return False
    before = para[max(0, stop - 12) : stop].split()
    word = before[-1].lstrip(_OPENERS) if before else ""
    return word.lower() in rules.ABBREVIATIONS or bool(rules.INITIALS.fullmatch(word))


def _caption_start(starts: list[int], m) -> int | None:
    """Where the caption sentence that ends at match `m` starts."""
    i = bisect_right(starts, m.start()) - 1
    if starts[i] == m.start():
        # a credit standing after a full stop, "… in Baku. (Photo by …)", credits the sentence before it
        if i == 0:
            return None if m.group("credit") is None else 0
        i -= 1
    return starts[i]


def _glued_headlines(para: str, starts: list[int], cuts: list[tuple[int, int]]) -> list[int]:
    """Paragraph breaks around Title-Case headlines glued between two sentences of `para`."""
    breaks = []
    cut_starts = [a for a, _ in cuts]  # cuts are in order and do not overlap
    for s in starts:
        i = bisect_right(cut_starts, s) - 1
        if i >= 0 and s < cuts[i][1]:
            continue  # inside a caption that is cut anyway
        end = headline_end(para, s, len(para), loose=False)
        if end is not None:
            breaks += [s, end]
    return breaks


def _pieces(para: str, cuts: list[tuple[int, int]], breaks: list[int]) -> list[str]:
    """`para` without the `cuts`, split at every cut and every break; blank pieces dropped."""
    edges: list[tuple[int, int]] = []  # (start, end) of the runs of text between cuts
    pos = 0
    for a, b in sorted(cuts):
        if a < pos:
            continue  # overlaps the cut before it
        edges.append((pos, a))
        pos = b
    edges.append((pos, len(para)))
    marks = sorted(set(breaks))
    pieces, m = [], 0
    for a, b in edges:
        while m < len(marks) and marks[m] <= a:
            m += 1
        inner = []
        while m < len(marks) and marks[m] < b:
            inner.append(marks[m])
            m += 1
        for x, y in zip([a] + inner, inner + [b]):
            piece = para[x:y].strip()
            if any(c.isalnum() for c in piece):
                pieces.append(piece)
    return pieces


# --- headlines glued to a sentence -------------------------------------------------------------


def _capitalised(word: str) -> bool:
    first = word.lstrip(_OPENERS)[:1]
    return bool(first) and (first.isupper() or first.isdigit())


def _ends_sentence(word: str) -> bool:
    core = word.rstrip("\"'”’»)]")
    return core.endswith(("!", "?", "…")) or (
        core.endswith(".") and core[:-1].lower() not in rules.ABBREVIATIONS and not rules.INITIALS.fullmatch(core[:-1])
    )


def headline_end(para: str, s: int, limit: int, *, loose: bool) -> int | None:
    """Where a Title-Case headline glued before a sentence at offset `s` ends (the sentence's start), or None.

    The headline is a run of capitalised words; the sentence after it starts with capitalised words too
    ("… With Azerbaijan An Armenian soldier …"). It starts where a phrase begins that the text repeats
    soon after (captions and first sentences name the same people), else at a determiner. `loose`
    (a caption follows, so something headline-like is expected) also accepts the last word of the run.
    """
    words = []
    for m in _WORD.finditer(para, s, limit):
        words.append(m)
        if len(words) > _RUN_MAX_WORDS:
            break
    run = 0
    while run < len(words) and _capitalised(words[run].group()) and not _ends_sentence(words[run].group()):
        run += 1
    if run <= _HEADLINE_MIN_WORDS or run > _RUN_MAX_WORDS:
        return None
    texts = [w.group() for w in words]
    for k in range(_HEADLINE_MIN_WORDS, run):
        if k + 1 < len(words) and _title_case(texts[:k]):
            phrase = para[words[k].start() : words[k + 1].end()]
            after = words[k + 1].end()
            if para.find(phrase, after, after + _REPEAT_WINDOW) >= 0:
                return words[k].start()
    for k in range(run - 1, _HEADLINE_MIN_WORDS - 1, -1):
        if texts[k] in rules.DETERMINERS and _title_case(texts[:k]):
            return words[k].start()
    if loose and _title_case(texts[: run - 1]):
        return words[run - 1].start()
    return None


def _title_case(words: list[str]) -> bool:
    """Whether capitalised `words` read as a Title-Case headline rather than a name or a sentence subject."""
    if len(words) < _HEADLINE_MIN_WORDS or words[-1].lower() in rules.TITLE_SMALL_WORDS:
        return False
    small = any(w[:1].isupper() and w.lower() in rules.TITLE_SMALL_WORDS for w in words[1:])
    return small or len(words) >= _LONG_HEADLINE_WORDS

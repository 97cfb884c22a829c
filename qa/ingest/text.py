"""Cleaning a scraped .txt/.md page down to its article prose, line by line."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from . import rules
from .inline import split_inline
from .metadata import Metadata, front_matter, signature, take_metadata

# Fewer words than this is a label, a headline or a dateline, not a sentence of the article.
_PROSE_MIN_WORDS = 8
# Form labels and share bars are printed over and over; a long line repeated is still quoted text.
_REPEATS = 3
_REPEATED_MAX_CHARS = 120
_HEADLINE_MIN_WORDS, _HEADLINE_MAX_WORDS = 2, 25
_NOT_HEADLINE_ENDS = (".", "!", "?", ":", ";", "…", ",")
_TEASER_MIN_CHARS = 80
# The page lists other articles after an end-of-article header only once the story itself was seen.
_PROSE_BEFORE_END = 3
# Hard-wrapped files are wrapped at some width up to this; longer lines are whole paragraphs.
_MAX_WRAP_WIDTH = 100
_MIN_WRAPPED_LINES = 3
# A line filled to this share of the wrap width was broken by the wrap, not by the writer.
_WRAP_FILL = 0.6
# A tag cloud is a few words, mostly section words: at least this many, and at least one word in this many.
_TAG_MIN_WORDS = 3
_TAG_MIN_SECTION_WORDS = 2
_TAG_WORDS_PER_SECTION_WORD = 3
# A photo caption set as a line of its own between two body paragraphs is at least this long.
_CAPTION_MIN_WORDS = 8
# A signature is the name, then at most the writer's place or role ("Halden, Norway"), a few words.
_SIGNATURE_LINES = 2
_SIGNATURE_PLACE_MAX_WORDS = 6


@dataclass
class _Para:
    text: str
    index: int  # line number in the input, to know whether the next line touches this one
    header: bool  # before the article body
    tail: int = 0  # length of its last line as printed, to recognise a hard wrap
    first: int = 0  # line number of its first line


@dataclass
class Cleaned:
    """A cleaned page: its text, its metadata, and where feed time stamps stood that cleaning dropped."""

    text: str
    meta: Metadata
    # offsets in `text` of paragraphs that a bare time stamp ("16:24,") stood above: they are no text,
    # but in a digest they mark where a feed item starts
    stamps: tuple[int, ...] = ()


def clean_text(raw: str) -> tuple[str, Metadata]:
    """Article prose of a scraped .txt/.md page, paragraphs separated by a blank line, and its metadata.

    Lines are kept whole or dropped (hard-wrapped lines are rejoined, odd spaces made plain), so every
    kept sentence reads as the page printed it; only photo captions and credits are cut out of a line,
    and the line is split where they were (see `inline.split_inline`).
    """
    cleaned = clean_page(raw)
    return cleaned.text, cleaned.meta


def clean_page(raw: str) -> Cleaned:
    """`clean_text`, plus where the dropped time stamps stood (for `digest.split_articles`)."""
    body, meta = front_matter(raw.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [normalise_line(line) for line in body.split("\n")]
    counts = Counter(line for line in lines if line)
    reasons = [drop_reason(line, counts) if line else None for line in lines]
    dropped = [reason is not None for reason in reasons]
    wrap = _wrap_width(lines)
    nxt = lines[1:] + [""]
    prose = [not dropped[i] and is_prose(line, wrap, nxt[i]) for i, line in enumerate(lines)]
    for i in _caption_lines(lines, dropped, prose):
        dropped[i] = True

    # the article ends where the page starts listing other articles, once some prose was seen
    end = next(
        (i for i, line in enumerate(lines) if rules.END_OF_ARTICLE.match(line) and sum(prose[:i]) >= _PROSE_BEFORE_END),
        len(lines),
    )
    body_lines = [i for i in range(end) if prose[i]]
    first, last = (body_lines[0], body_lines[-1]) if body_lines else (end, -1)

    kept, title = _keep_lines(lines[:end], dropped, range(first, last + 1), wrap, meta)
    meta.fill(author=_signed_by(kept, last))
    headline = next((p.text for p in kept if p.header and _headline_like(p.text)), "")
    meta.fill(title=_without_outlet(title or headline, meta.source))
    stamp_lines = [i for i in range(end) if reasons[i] == "time"]
    return _assemble(kept, stamp_lines, meta)


def _signed_by(kept: list[_Para], last_body: int) -> str:
    """The signature under a letter or column ("Ingrid Solberg", then maybe "Halden, Norway"): a
    name line right after the last paragraph of prose, with at most one short line after it. The
    lines stay text, as they are printed; the name also becomes the author (a byline wins)."""
    tail = [p for p in kept if p.first > last_body]
    if not 1 <= len(tail) <= _SIGNATURE_LINES or len(tail[-1].text.split()) > _SIGNATURE_PLACE_MAX_WORDS:
        return ""
    return signature(tail[0].text)


def _assemble(kept: list[_Para], stamp_lines: list[int], meta: Metadata) -> Cleaned:
    """The text of the kept paragraphs, each cut into its pieces, and the offsets of the stamped ones."""
    pieces: list[str] = []
    stamps: list[int] = []
    offset, pending, s = 0, False, 0
    for para in kept:
        while s < len(stamp_lines) and stamp_lines[s] < para.first:
            pending, s = True, s + 1
        for piece in split_inline(para.text):
            if pending:
                stamps.append(offset)
                pending = False
            credit = rules.REPOST.match(piece)
            if credit:
                meta.fill(source=credit.group("outlet"))
            pieces.append(piece)
            offset += len(piece) + len("\n\n")
    return Cleaned("\n\n".join(pieces), meta, tuple(stamps))


def _without_outlet(title: str, source: str) -> str:
    """ "Harbour reopens – Coastal Times" is titled "Harbour reopens" when Coastal Times is the outlet."""
    if source and title:
        return re.sub(rf"\s+[|–—-]\s+{re.escape(source)}$", "", title)
    return title


def _caption_lines(lines: list[str], dropped: list[bool], prose: list[bool]) -> list[int]:
    """Lines that are photo captions standing between two body paragraphs.

    A caption has no full stop and ends in where and when the picture was taken ("… in Granada, Spain
    on Oct. 6"); a subheading is short and a headline stands between articles, not inside prose.
    """
    shown = [i for i, line in enumerate(lines) if line and not dropped[i]]
    found = []
    for before, i, after in zip(shown, shown[1:], shown[2:]):
        line = lines[i]
        if (
            prose[before]
            and prose[after]
            and not prose[i]
            and len(line.split()) >= _CAPTION_MIN_WORDS
            and not _ends_sentence(line)
            and rules.CAPTION_DATE_END.search(line)
        ):
            found.append(i)
    return found


def _keep_lines(
    lines: list[str], dropped: list[bool], body: range, wrap: int, meta: Metadata
) -> tuple[list[_Para], str]:
    """The paragraphs of the page, and the title its "# " heading or breadcrumb gives ("" if none).

    Metadata lines before and after the `body` (where pages print bylines, tags and sources) go
    into `meta` instead of the text.
    """
    kept: list[_Para] = []
    crumb_title = md_title = ""
    for i, line in enumerate(lines):
        if not line or dropped[i]:
            continue
        if rules.BREADCRUMB.match(line):
            tail = rules.CRUMB_SEP.split(line)[-1].strip()
            if len(tail.split()) >= _HEADLINE_MIN_WORDS and not tail.endswith(("…", "...")):
                crumb_title = crumb_title or tail
            continue
        if i not in body and (_is_tag_line(line) or take_metadata(line, meta)):
            continue
        heading = rules.MD_HEADING.match(line)
        if heading:
            line = heading.group("text")
            if len(heading.group("hashes")) == 1:
                md_title = md_title or line
        if _is_teaser(line):
            # a teaser's own headline sits just above it
            above = kept[-1] if kept else None
            if above and above.index == i - 1 and _headline_like(above.text):
                if above.text not in (crumb_title, md_title):
                    kept.pop()
            continue
        if kept and kept[-1].text == line:
            continue  # the same headline printed twice in a row
        if kept and not heading and _continues(kept[-1], line, i, wrap):
            kept[-1].text = _join(kept[-1].text, line)
            kept[-1].index, kept[-1].tail = i, len(line)
            continue
        kept.append(_Para(line, i, i < body.start, len(line), first=i))
    return kept, md_title or crumb_title


# --- single lines --------------------------------------------------------------------------------


def normalise_line(line: str) -> str:
    # odd spaces (no-break, thin) and invisible marks break exact matching of answers and quotes
    return rules.SPACES.sub(" ", rules.INVISIBLE.sub("", line)).strip()


def drop_reason(line: str, counts: Counter) -> str | None:
    """Why `line` is page boilerplate wherever it stands, or None if it may be article text."""
    if not any(c.isalnum() for c in line):
        return "rule"  # "---", "* * *", a lone bullet: layout, nothing to quote
    if rules.APPEAL.search(line):
        return "appeal"
    if len(line.split()) <= rules.FURNITURE_MAX_WORDS and rules.FURNITURE.match(line):
        return "furniture"
    if rules.LABELLED.match(line):
        return "labels"
    words = len(line.split())
    if words <= rules.CREDIT_MAX_WORDS and rules.CREDIT_LINE.match(line):
        return "credit"
    if words <= rules.READ_MORE_MAX_WORDS and rules.READ_MORE.match(line):
        return "read more"
    if rules.CAPTION_END.search(line) and not split_inline(line):
        return "caption"
    if rules.TIME_ONLY.match(line):
        return "time"
    if rules.END_OF_ARTICLE.match(line):
        return "section label"
    if counts[line] >= _REPEATS and len(line) < _REPEATED_MAX_CHARS:
        return "repeated"
    return None


def _ends_sentence(line: str) -> bool:
    # a closing quote or bracket ends a sentence only after a full stop: ‘Still Speaking Languages’ does not
    return line.rstrip(rules.CLOSERS).endswith(rules.SENTENCE_ENDS)


def is_prose(line: str, wrap: int = 0, next_line: str = "") -> bool:
    """A sentence-like line: where the article body starts and ends."""
    if len(line.split()) < _PROSE_MIN_WORDS:
        return False
    if _ends_sentence(line):
        return True
    # a hard-wrapped body line runs on into the next one
    return bool(next_line) and (next_line[:1].islower() or bool(wrap and len(line) >= _WRAP_FILL * wrap))


def _is_tag_line(line: str) -> bool:
    """A run of capitalised category words with no sentence punctuation."""
    if rules.SENTENCE_MARKS.search(line):
        return False
    words = [w for w in rules.TAG_SEP.split(line) if w]
    if len(words) < _TAG_MIN_WORDS or not all(w[0].isupper() or w[0].isdigit() for w in words):
        return False
    sections = sum(w.lower() in rules.SECTION_WORDS for w in words)
    return sections >= _TAG_MIN_SECTION_WORDS and sections * _TAG_WORDS_PER_SECTION_WORD >= len(words)


def _headline_like(line: str) -> bool:
    words = len(line.split())
    return _HEADLINE_MIN_WORDS <= words <= _HEADLINE_MAX_WORDS and not line.endswith(_NOT_HEADLINE_ENDS)


def _is_teaser(line: str) -> bool:
    """A cut-off preview of another article: a long line that ends in an ellipsis."""
    return len(line) > _TEASER_MIN_CHARS and line.endswith(("…", "..."))


# --- hard-wrapped text ---------------------------------------------------------------------------


def _wrap_width(lines: list[str]) -> int:
    """The width a hard-wrapped file was wrapped at, or 0 when lines are whole paragraphs."""
    lengths = [len(line) for line in lines if line]
    if not lengths or max(lengths) > _MAX_WRAP_WIDTH:
        return 0
    # wrapped text has blocks of several lines, most of them filled close to the width
    inner = [len(a) for a, b in zip(lines, lines[1:]) if a and b]
    if len(inner) < _MIN_WRAPPED_LINES or sum(n >= _WRAP_FILL * max(lengths) for n in inner) * 2 < len(inner):
        return 0
    return max(lengths)


def _continues(prev: _Para, line: str, i: int, wrap: int) -> bool:
    """Whether `line` is the rest of the paragraph above it (a hard line break, not a new paragraph)."""
    if prev.index != i - 1:
        return False  # a blank or dropped line between them
    if wrap and prev.tail >= _WRAP_FILL * wrap:
        return True
    # a sentence running on: no closing punctuation above, lowercase start below
    return not _ends_sentence(prev.text) and line[:1].islower()


def _join(prev: str, line: str) -> str:
    if rules.HYPHENATED_END.search(prev) and line[:1].islower():
        return prev + line  # a word hyphenated across the break
    return prev + " " + line

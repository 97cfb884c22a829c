"""Digests: one file holding many articles (from several outlets), cut back into its articles.

A digest is recognised by its layout, never by its topic. Between two articles a digest prints a
*boundary*: the lines between the last paragraph of one article's text and the first of the next
one's. In that gap stand the end of the previous article (a signature, a credit, an "Author:" line:
its *trailer*) and the head of the next (its headline, then dateline, time stamp, byline or date
lines: its *header*). The headline is the last headline-like line of the gap that only metadata
lines follow.

Boundary signals are *strong* when only a page of many items prints them: an outlet named before or
after a headline ("Asbarez: …", "… – EurAsian Times"), a dateline ("YEREVAN, OCTOBER 31,
ARMENPRESS."), a feed time stamp ("13:44, 8 November 2023", "16:24,"), "As delivered by …", a byline or
"Author:" line, a "Source:" line, a repost credit, an "Outlet | Title | Date" line. A file is a digest
only when at least two boundaries carry a strong signal; only then does a bare headline followed by
prose (a *weak* boundary) split too. Every article must hold real prose, else it joins the article
before it: so a single article, whatever its subheadings or teasers, is never split.

Each article's text is `text[start:end]` of the file's cleaned text, so a quote's offsets in an
article become offsets in the file by adding `start`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date as _date
from typing import Iterable

from ..lexicon import JOB_TITLE_WORDS, MONTH_WORDS
from ..records import Document
from . import rules
from .metadata import Metadata, find_date, self_named_outlet, signature, take_metadata

_MIN_STRONG_BOUNDARIES = 2
# Headlines and metadata lines are short; longer paragraphs are never read as either.
_LINE_MAX_CHARS = 300
_HEAD_MIN_WORDS, _HEAD_MAX_WORDS = 2, 25
_NOT_HEAD_ENDS = (".", ",", ";", ":", "…")
# A bare headline (no outlet, no dateline) splits a digest only when it is at least this long:
# shorter ones are subheadings ("Baku criticises Moscow").
_WEAK_HEAD_MIN_WORDS = 5
# A paragraph that ends a sentence and has this many words is article text; so is any paragraph
# this long, even when the scraper lost its final stop.
_TEXT_MIN_WORDS = 3
_RUN_ON_WORDS = 30
# Real prose: an article with less joins its neighbour.
_PART_MIN_WORDS = 40
_PART_MIN_SENTENCES = 2
_OUTLET_MAX_WORDS = 4
_LINK_LINE_MAX_WORDS = 3  # "Link: https://…", "Read it at https://…"
_NAME_MIN_WORDS, _NAME_MAX_WORDS = 2, 4
# An outlet named before or after headlines this many times in one file is an outlet, not a speaker.
_OUTLET_REPEATS = 2
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*(?=\s|$)")
_PARAGRAPH = re.compile(r"[^\n]+")
_OPENERS = "\"“‘'«(["
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&/.-]{1,9}")
_CAMEL = re.compile(r"\w*[a-z][A-Z0-9]\w*")  # "EurAsian", "France24": a brand, not a word

_BODY, _HEAD, _META, _CONT, _OTHER = "body", "head", "meta", "cont", "other"


@dataclass
class Article:
    """One article of a digest: its text is `text[start:end]` of the file's text."""

    start: int
    end: int
    title: str = ""
    source: str = ""
    author: str = ""
    date: str = ""
    url: str = ""


@dataclass
class _Line:
    """A paragraph of the file's text, and what its layout says."""

    start: int
    end: int
    kind: str = _OTHER
    strong: bool = False  # a signal only a page of many items prints
    meta: Metadata = field(default_factory=Metadata)
    day: tuple[int, int] | None = None  # (month, day) of a dateline or stamp that gives no year
    text_start: int = 0  # where the article text starts: after a dateline
    credit: bool = False  # a repost credit, which names the outlet of what it closes
    stamp: bool = False  # a feed time stamp, which dates the item after it even when printed above its headline
    dropped_stamp: bool = False  # cleaning dropped a time stamp ("16:24,") that stood above it


@dataclass
class _Boundary:
    head: int | None  # index of the headline line, if any
    body: int  # index of the first text line
    trailer: range  # lines that end the article before
    strong: bool


# --- public ----------------------------------------------------------------------------------------


def split_articles(doc: Document, stamps: Iterable[int] = ()) -> list[Document]:
    """The articles of digest `doc` as documents of their own, or `[doc]` when it is a single article
    (its outlet read from its own reporting when nothing else named one: `metadata.self_named_outlet`).

    `stamps` are offsets in `doc.text` of paragraphs a dropped feed time stamp stood above (see
    `text.clean_page`). Article n (from 1) gets id "<doc id>#n", `file_id` = doc.id and `offset` = where
    its text starts in doc.text. The file's own title, outlet and date describe the digest, not its
    articles: they are not passed on.
    """
    articles = find_articles(doc.text, stamps)
    if not articles:
        # a single article, whose own reporting may name its outlet ("… told POLITICO"); a digest's
        # articles are each read for it in _articles, not the file as a whole
        return [doc if doc.source else replace(doc, source=self_named_outlet(doc.text))]
    return [
        replace(
            doc,
            id=f"{doc.id}#{n}",
            text=doc.text[a.start : a.end],
            title=a.title or f"{doc.title} #{n}",
            source=a.source,
            date=a.date,
            author=a.author,
            url=a.url,
            file_id=doc.id,
            offset=a.start,
        )
        for n, a in enumerate(articles, start=1)
    ]


def find_articles(text: str, stamps: Iterable[int] = ()) -> list[Article]:
    """The articles of `text` in order, or [] when it is no digest (fewer than two strong boundaries)."""
    lines = _lines(text, stamps)
    boundaries = _boundaries(lines)
    if sum(b.strong for b in boundaries) < _MIN_STRONG_BOUNDARIES:
        return []
    drafts = _merge_short(text, _articles(text, lines, boundaries))
    if len(drafts) < 2:
        return []
    _share_credits(drafts)
    _complete_years(drafts, lines)
    return [d.article for d in drafts]


# --- reading the lines -------------------------------------------------------------------------------


def _lines(text: str, stamps: Iterable[int]) -> list[_Line]:
    """Every non-blank line of `text` (a paragraph of cleaned text), exactly located and classified."""
    spans = []
    for m in _PARAGRAPH.finditer(text):
        stripped = m.group().strip()
        if stripped:
            start = m.start() + m.group().index(stripped)
            spans.append((start, start + len(stripped)))
    outlets = _named_outlets(text[a:b] for a, b in spans if b - a <= _LINE_MAX_CHARS)
    lines = [_classify(text[a:b], a, b, outlets) for a, b in spans]
    starts = [line.start for line in lines]
    for offset in stamps:
        i = bisect_left(starts, offset)
        if i < len(lines) and starts[i] == offset:
            lines[i].dropped_stamp = True
    return lines


def _named_outlets(short_lines: Iterable[str]) -> Counter:
    """How often each name stands as an outlet label before or after a headline in the file."""
    names: Counter = Counter()
    for line in short_lines:
        for pattern in (rules.OUTLET_PREFIX, rules.OUTLET_SUFFIX):
            m = pattern.match(line)
            if m:
                names[m.group("outlet")] += 1
    return names


def _classify(line: str, start: int, end: int, outlets: Counter) -> _Line:
    """A metadata line, a headline (maybe naming its outlet), a paragraph of text, or something else."""
    info = _Line(start, end, text_start=start)
    short = len(line) <= _LINE_MAX_CHARS
    if short and (_meta_line(line, info) or _labelled_headline(line, info, outlets)):
        return info
    words = len(line.split())
    ends = line.rstrip(rules.CLOSERS).endswith(rules.SENTENCE_ENDS)
    if (ends and words >= _TEXT_MIN_WORDS) or words >= _RUN_ON_WORDS:
        info.kind = _BODY
        _dateline(line, info)
    elif _HEAD_MIN_WORDS <= words <= _HEAD_MAX_WORDS and _starts_upper(line) and not line.endswith(_NOT_HEAD_ENDS):
        info.kind = _HEAD
        info.meta.title = rules.WEEKDAY_PREFIX.sub("", line)
    elif line[:1].islower():
        info.kind = _CONT  # the rest of a metadata line above ("… Brucker" / "to the Permanent Council")
    return info


def _starts_upper(line: str) -> bool:
    first = line.lstrip(_OPENERS)[:1]
    return first.isupper() or first.isdigit()


def _meta_line(line: str, info: _Line) -> bool:
    """Read a time stamp, "As delivered by", repost credit, byline, "Source:", URL or date line into `info`."""
    info.kind, info.strong = _META, True
    if rules.TIME_STAMP.match(line) and _stamp(line, info):
        info.stamp = True
        return True
    delivered = rules.AS_DELIVERED.match(line)
    if delivered:
        info.meta.author = _speaker(delivered.group("who"))
        return True
    credit = rules.REPOST.match(line)
    if credit:
        info.meta.source, info.credit = _outlet_name(credit.group("outlet")), True
        return True
    link = rules.URL_IN_LINE.search(line)
    if link and len(line.split()) <= _LINK_LINE_MAX_WORDS:
        info.meta.url = link.group()  # "https://…", "Link: https://…"
    elif not take_metadata(line, info.meta):
        info.kind, info.strong = _OTHER, False
        return False
    info.meta.date = info.meta.date or _url_date(info.meta.url)
    # a date alone may head any article; a byline, "Source:" line or a date with a clock time is a feed's
    info.strong = bool(info.meta.source or info.meta.author or info.meta.url or rules.CLOCK.search(line))
    return True


def _stamp(line: str, info: _Line) -> bool:
    """A feed time stamp, alone or with a date ("16:24,", "13:44, 8 November 2023")."""
    stamp = rules.TIME_STAMP.match(line)
    if stamp is None:
        return False
    rest = line[stamp.end() :].strip(" ,.;|-–—")
    if not rest:
        return True
    iso, m = find_date(rest)
    if m and not rest[: m.start()].strip(" ,") and not rest[m.end() :].strip(" ,."):
        info.meta.date = iso
        return True
    day = _month_day(rest)
    if day and day[2] == len(rest):
        info.day = day[:2]
        return True
    return False


def _labelled_headline(line: str, info: _Line, outlets: Counter) -> bool:
    """A headline that names its outlet: "Asbarez: …", "… – EurAsian Times", "Outlet | Title | Date"."""
    monitor = rules.MONITOR_HEADER.match(line)
    if monitor and _monitor_header(monitor, info):
        return True
    for pattern in (rules.OUTLET_PREFIX, rules.OUTLET_SUFFIX):
        m = pattern.match(line)
        if not m:
            continue
        title = m.group("title")
        words = len(title.split())
        outlet = _outlet_name(m.group("outlet"), outlets)
        if outlet and _HEAD_MIN_WORDS <= words <= _HEAD_MAX_WORDS and not title.endswith(_NOT_HEAD_ENDS):
            info.kind, info.strong = _HEAD, True
            info.meta.title, info.meta.source = rules.WEEKDAY_PREFIX.sub("", title), outlet
            return True
    return False


def _monitor_header(m: re.Match, info: _Line) -> bool:
    """ "Outlet | Title | Date" (in any order): one field a date, the shorter other one the outlet."""
    fields = [m.group(k).strip() for k in ("a", "b", "c")]
    dated = [(f, find_date(f)) for f in fields]
    dates = [(f, iso) for f, (iso, dm) in dated if iso and dm is not None and len(f) - len(dm.group()) <= len(f) // 2]
    if len(dates) != 1:
        return False
    outlet, title = sorted((f for f in fields if f != dates[0][0]), key=len)
    if len(outlet.split()) > _OUTLET_MAX_WORDS:
        return False
    info.kind, info.strong = _HEAD, True
    info.meta.title, info.meta.source, info.meta.date = title, _outlet_name(outlet), dates[0][1]
    return True


def _dateline(line: str, info: _Line) -> None:
    """A wire dateline opening a paragraph: outlet, date (or month and day), and where the text starts."""
    head = line[: rules.DATELINE_SCAN]
    m = rules.DATELINE.match(head) or rules.DATELINE_NO_DATE.match(head)
    if not m:
        return
    info.strong = True
    agency = m.groupdict().get("agency") or m.group("agency2") or ""
    info.meta.source = _outlet_name(agency.strip()) if agency else ""
    if m.groupdict().get("month"):
        month, day = MONTH_WORDS[m.group("month").lower().rstrip(".")], int(m.group("day"))
        if m.group("year"):
            info.meta.date = _iso(int(m.group("year")), month, day)
        else:
            info.day = (month, day)
    if m.end() < len(line):
        info.text_start = info.start + m.end()


# --- names -----------------------------------------------------------------------------------------


def _outlet_name(raw: str, outlets: Counter | None = None) -> str:
    """The outlet a label names ("AW Letter to the Editor" → "Armenian Weekly"), or "" if it is no outlet.

    Structure alone cannot tell "Asbarez: …" from "Pashinyan: …" (a quote headline), so a label counts
    as an outlet when it looks like one (an acronym, a brand spelling, an outlet word such as "Times" or
    "Press", a wire agency), or when the file uses it as a label more than once. Without `outlets`
    (a dateline, a credit, a "Source:" line) the layout itself says it is an outlet.
    """
    name = rules.SECTION_LABEL.sub("", raw.strip()).strip(" :–—-|")
    words = name.split()
    if not words or len(words) > _OUTLET_MAX_WORDS or name.lower() in rules.NOT_OUTLET:
        return ""
    if not all(w[:1].isupper() or w[:1].isdigit() or w in ("of", "the", "and", "de") for w in words):
        return ""
    if outlets is not None and not (
        _ACRONYM.fullmatch(name)
        or any(_CAMEL.fullmatch(w) or rules.OUTLET_WORDS.search(w) for w in words)
        or name.lower() in rules.WIRE_AGENCIES
        or outlets[raw] >= _OUTLET_REPEATS
    ):
        return ""
    if name in rules.OUTLET_ALIASES:
        return rules.OUTLET_ALIASES[name]
    # "ARMENPRESS", "REUTERS" in a dateline: the outlet's name, set in capitals
    return name.title() if name.isalpha() and name.isupper() and len(name) > len("AFP ") else name


def _speaker(who: str) -> str:
    """The name in "Deputy Chief of Mission Katherine Brucker to the Permanent Council, Vienna"."""
    who = rules.DELIVERED_TAIL.split(who, maxsplit=1)[0].strip(" ,")
    words = who.split()
    titles = [i for i, w in enumerate(words) if w.lower().strip(",") in JOB_TITLE_WORDS]
    name = words[titles[-1] + 1 :] if titles else words
    return " ".join(name) if _NAME_MIN_WORDS <= len(name) <= _NAME_MAX_WORDS else who


# --- dates -----------------------------------------------------------------------------------------


def _iso(year: int, month: int, day: int) -> str:
    try:
        return _date(year, month, day).isoformat()
    except ValueError:  # "February 30" names no real day
        return ""


def _month_day(text: str) -> tuple[int, int, int] | None:
    """(month, day, end) of the first month-and-day without a year in `text`."""
    for pattern in rules.MONTH_DAY:
        m = pattern.search(text)
        if m:
            return MONTH_WORDS[m.group("month").lower().rstrip(".")], int(m.group("day")), m.end()
    return None


def _url_date(url: str) -> str:
    m = rules.URL_DATE.search(url)
    return _iso(int(m.group("year")), int(m.group("month")), int(m.group("day"))) if m else ""


# --- boundaries and articles -----------------------------------------------------------------------


@dataclass
class _Draft:
    article: Article
    day: tuple[int, int] | None  # a dateline's month and day, when it gave no year
    strong: bool  # whether a strong signal starts it
    credit: str = ""  # the outlet a repost credit at its end names


def _boundaries(lines: list[_Line]) -> list[_Boundary]:
    """Where articles start: before the first text line, and at every gap that holds a headline or a strong signal."""
    found: list[_Boundary] = []
    previous = -1
    for j, line in enumerate(lines):
        if line.kind != _BODY:
            continue
        gap = range(previous + 1, j)
        previous = j
        head = _headline(lines, gap)
        strong = any(lines[i].strong or lines[i].dropped_stamp for i in [*gap, j])
        weak = head is not None and len(lines[head].meta.title.split()) >= _WEAK_HEAD_MIN_WORDS
        if not found or strong or weak:
            # without a headline the gap's lines close the article before (a credit, a "Source:" line)
            trailer = range(gap.start, head if head is not None else (gap.start if not found else j))
            found.append(_Boundary(head, j, trailer, strong))
    return found


def _headline(lines: list[_Line], gap: range) -> int | None:
    """The last headline-like line of `gap` that only metadata lines follow, or None."""
    for i in reversed(gap):
        if lines[i].kind == _HEAD:
            return i
        if lines[i].kind not in (_META, _CONT):
            return None
    return None


def _articles(text: str, lines: list[_Line], boundaries: list[_Boundary]) -> list[_Draft]:
    last_text = max(i for i, line in enumerate(lines) if line.kind == _BODY)
    drafts = []
    for n, b in enumerate(boundaries):
        after = boundaries[n + 1].trailer if n + 1 < len(boundaries) else range(last_text + 1, len(lines))
        end = lines[_last_of_text(lines, after)].end
        start = min(lines[b.body].text_start, end)
        header = [i for i in b.trailer if lines[i].stamp] + list(range(b.trailer.stop, b.body))
        meta = Metadata()
        day = None
        for i in [*header, b.body]:
            _fill(meta, lines[i].meta)
            day = day or lines[i].day
        credit = ""
        for i in after:
            line = lines[i]
            if line.stamp:
                continue  # it dates the next item
            if line.kind == _META:
                _fill(meta, line.meta)
                credit = credit or (line.meta.source if line.credit else "")
            elif line.kind == _HEAD and not meta.author:
                meta.fill(author=signature(text[line.start : line.end]))
        meta.fill(source=self_named_outlet(text[start:end]))  # "… told POLITICO": the article's own outlet
        article = Article(start, end, meta.title, meta.source, meta.author, meta.date, meta.url)
        drafts.append(_Draft(article, day, b.strong, credit))
    return drafts


def _last_of_text(lines: list[_Line], trailer: range) -> int:
    """The last line of an article's text: its last paragraph, or the signature lines printed under it.

    A letter's or column's closing lines ("Hazel Barsamian" / "Scottsdale, Arizona") stay text, as they
    do in a single article; the metadata lines after them (credits, "Author:", "Source:") do not.
    """
    last = trailer.start - 1
    for i in trailer:
        if lines[i].kind == _META:
            break
        last = i
    return last


def _fill(meta: Metadata, other: Metadata) -> None:
    meta.fill(title=other.title, source=other.source, author=other.author, date=other.date, url=other.url)


def _real_prose(text: str) -> bool:
    return len(text.split()) >= _PART_MIN_WORDS and len(_SENTENCE_END.findall(text)) >= _PART_MIN_SENTENCES


def _merge_short(text: str, drafts: list[_Draft]) -> list[_Draft]:
    """Articles with too little prose joined to the article before them (the first one: to the one after).

    A short first part that no strong signal starts is the digest's masthead or introduction ("Good
    morning. Three stories this week."), not an article: it goes into no article.
    """
    kept: list[_Draft] = []
    carry: _Draft | None = None
    for d in drafts:
        if carry is not None:
            d.article.start, carry = carry.article.start, None
        if _real_prose(text[d.article.start : d.article.end]):
            kept.append(d)
        elif kept:
            kept[-1].article.end = d.article.end
        elif d.strong:
            carry = d
    return kept


def _share_credits(drafts: list[_Draft]) -> None:
    """A repost credit ("… with permission from RFE/RL") also names the outlet of the articles it closes.

    A block of reposted articles is credited once, at its end; the articles before it, back to the
    last strong boundary, were joined to it without any signal of their own.
    """
    for i, d in enumerate(drafts):
        if not d.credit:
            continue
        d.article.source = d.article.source or d.credit
        j = i
        while j > 0 and not drafts[j].strong and not drafts[j - 1].article.source:
            j -= 1
            drafts[j].article.source = d.credit


def _complete_years(drafts: list[_Draft], lines: list[_Line]) -> None:
    """Give a dateline or stamp without a year ("YEREVAN, OCTOBER 31, ARMENPRESS.") the year that puts it
    nearest the closest full date printed by the file's layout (a date line, stamp, dateline, byline).

    Dates in the prose are not used: articles cite past events ("April 15, 1915"). Without any layout
    date in the file the article stays undated.
    """
    anchors = [(line.start, line.meta.date) for line in lines if line.meta.date]
    for d in drafts:
        if d.article.date or not d.day or not anchors:
            continue
        _, ref = min(anchors, key=lambda a: abs(a[0] - d.article.start))
        ref_day = _date.fromisoformat(ref)
        month, day = d.day
        candidates = [iso for y in (ref_day.year - 1, ref_day.year, ref_day.year + 1) if (iso := _iso(y, month, day))]
        if candidates:
            d.article.date = min(candidates, key=lambda iso: abs((_date.fromisoformat(iso) - ref_day).days))

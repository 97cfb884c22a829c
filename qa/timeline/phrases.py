"""Date phrases in a sentence, and the date each one names.

A phrase is found by its words ("on Oct. 5", "between 19 and 20 September", "in late October", "in
2020", "on Saturday", "last month", "the same day") and placed on the calendar with what the text
gives: a year in the phrase, else the article's own date (a month and day take its year, a weekday
the day it names, as `qa.answer.dates` does for short answers), else the date of an earlier sentence
("the same day"). What the text does not give stays unknown: a day without a year is "--10-05", a
weekday in an undated article has no date at all. Nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..answer.dates import resolve_relative_date
from ..lexicon import MONTH_NUMBERS
from .records import DAY, MONTH, RANGE, YEAR, EventDate

# Capitalised month names only: "may" and "march" are also words
_M = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|March|Mar\.|April|Apr\.|May|June?|July?|Aug(?:ust|\.)?"
    r"|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)(?![a-z])"
)
_D = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d)"
_Y = r"(?:1[6-9]\d\d|20\d\d)(?!\d)"
_DASH = r"\s*(?:–|—|-|to|through|until|and)\s*"
_PART = r"(?:(?P<part>(?i:early|mid|late|the end of|end of|the start of|the beginning of|later in|earlier in))[\s-]+)?"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"

# Most specific first: a range before a day, a day before a month, a month before a year.
PATTERNS: list[tuple[str, re.Pattern]] = [
    (
        "range_md",
        re.compile(
            rf"(?:between\s+|from\s+)?(?P<m1>{_M})\s+(?P<d1>{_D}){_DASH}(?:(?P<m2>{_M})\s+)?(?P<d2>{_D})(?:,?\s+(?P<y>{_Y}))?"
        ),
    ),
    (
        "range_dm",
        re.compile(
            rf"(?:between\s+|from\s+)?(?P<d1>{_D})(?:\s+(?P<m1>{_M}))?{_DASH}(?P<d2>{_D})\s+(?:of\s+)?(?P<m2>{_M})(?:,?\s+(?P<y>{_Y}))?"
        ),
    ),
    ("md", re.compile(rf"(?:{_WEEKDAY},?\s+)?(?P<m>{_M})\s+(?P<d>{_D})(?:,?\s+(?P<y>{_Y}))?")),
    ("dm", re.compile(rf"(?:{_WEEKDAY},?\s+)?(?P<d>{_D})\s+(?:of\s+)?(?P<m>{_M})(?:,?\s+(?P<y>{_Y}))?")),
    ("month", re.compile(rf"{_PART}(?P<m>{_M})(?:\s+(?:of\s+)?(?P<y>{_Y}))?")),
    ("year", re.compile(rf"(?<![\d$€£.,/:-])(?P<y>{_Y})(?![\d%s]|[.,]\d)")),
    ("weekday", re.compile(rf"(?:(?P<which>last|next|this|on)\s+)?(?P<wd>{_WEEKDAY})")),
    (
        "relday",
        re.compile(
            r"\b(?P<rel>the day before yesterday|the day after tomorrow|yesterday|today|tomorrow|tonight)\b",
            re.IGNORECASE,
        ),
    ),
    ("relmonth", re.compile(r"\b(?P<rel>(?:earlier |later )?(?:last|this|next) (?:month|year))\b", re.IGNORECASE)),
    (
        "anaphor",
        re.compile(
            r"\b(?P<rel>the same day|that same day|that day|the next day|the following day|"
            r"the day before|the previous day|the same month|that month)\b",
            re.IGNORECASE,
        ),
    ),
]
_FUTURE = re.compile(
    r"\b(?:will|shall|ahead of|scheduled|planned|plans to|is to|are to|expected to|set to|"
    r"upcoming|due to (?:meet|hold|take|be)|next)\b",
    re.IGNORECASE,
)
# How far after the article's date a month-and-day without a year may lie before it is read as the
# year before (a January story about "Dec. 28" means the December just gone): qa.answer.dates' rule.
FUTURE_MONTHS = 6


@dataclass(frozen=True)
class Phrase:
    """A date phrase found in a sentence: its kind (a PATTERNS name), where it is (sentence offsets)
    and what the regular expression read from it."""

    kind: str
    start: int
    end: int
    groups: dict

    @property
    def relative(self) -> bool:
        return self.kind in ("weekday", "relday", "relmonth", "anaphor")


def find_phrases(text: str) -> list[Phrase]:
    """Every date phrase in `text`, longest first where two overlap, in order of position."""
    found: list[Phrase] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            a, b = m.span()
            if any(a < e and s < b for s, e in taken):
                continue
            groups = {k: v for k, v in m.groupdict().items() if v}
            if kind == "month" and groups["m"] in ("May", "March") and not _month_word(text, a, b):
                continue  # "May" at a sentence start is more often the verb
            found.append(Phrase(kind, a, b, groups))
            taken.append((a, b))
    return sorted(found, key=lambda p: p.start)


def _month_word(text: str, a: int, b: int) -> bool:
    """A bare "May" or "March" names a month after "in", "since", "by", "until", "of" or before a year."""
    before = text[max(0, a - 8) : a].lower()
    return bool(re.search(r"\b(?:in|since|by|until|of|early|late|mid|last|next|this)\s*$", before)) or bool(
        re.match(rf"\s+{_Y}", text[b:])
    )


def _month(name: str) -> int:
    return MONTH_NUMBERS[name.lower()[:3]]


def _day(text: str) -> int:
    return int(re.findall(r"\d+", text)[0])


def _valid(y: int | None, m: int, d: int) -> bool:
    try:
        date(y or 2000, m, d)  # 2000 is a leap year: "29 February" without a year stays possible
        return True
    except ValueError:
        return False


def _year_for(anchor: date | None, month: int, day: int = 1, future: bool = False) -> int | None:
    """The year an article dated `anchor` means by a month (and day) without one: its own, or the
    year before when that would put the day more than FUTURE_MONTHS ahead of the article."""
    if anchor is None:
        return None
    try:
        found = date(anchor.year, month, min(day, 28))
    except ValueError:
        return anchor.year
    if not future and found > anchor + timedelta(days=int(30.5 * FUTURE_MONTHS)):
        return anchor.year - 1
    return anchor.year


def _iso(y: int | None, m: int, d: int | None = None) -> str:
    head = f"{y:04d}" if y else "-"
    return f"{head}-{m:02d}-{d:02d}" if d else f"{head}-{m:02d}"


def resolve(
    phrase: Phrase, sentence: str, anchor: str, previous: EventDate | None = None, offset: int = 0
) -> EventDate:
    """The date `phrase` names in `sentence`, an article dated `anchor` (ISO or ""), after
    `previous` (the date of an earlier sentence of the article, for "the same day"). `offset`:
    where the sentence starts in its document (the returned offsets are the document's)."""
    words = sentence[phrase.start : phrase.end]
    where: dict[str, Any] = dict(phrase=words, start=offset + phrase.start, end=offset + phrase.end)
    try:
        day0 = date.fromisoformat(anchor) if anchor else None
    except ValueError:
        day0 = None
    g = phrase.groups
    future = bool(_FUTURE.search(sentence))
    from_article = "article date"
    if phrase.kind in ("md", "dm"):
        m, d = _month(g["m"]), _day(g["d"])
        y = int(g["y"]) if g.get("y") else _year_for(day0, m, d, future)
        if not _valid(y, m, d):
            return EventDate(**where)
        basis = "sentence" if g.get("y") else (from_article if y else "sentence")
        return EventDate(DAY, _iso(y, m, d), basis=basis, **where)
    if phrase.kind in ("range_md", "range_dm"):
        m1 = _month(g.get("m1") or g["m2"])
        m2 = _month(g.get("m2") or g["m1"])
        d1, d2 = _day(g["d1"]), _day(g["d2"])
        y = int(g["y"]) if g.get("y") else _year_for(day0, m1, d1, future)
        y1 = y - 1 if y and m1 > m2 else y  # "December 30 to January 2, 2024"
        if not (_valid(y1, m1, d1) and _valid(y, m2, d2)) or (m1, d1) == (m2, d2):
            return EventDate(**where)
        basis = "sentence" if g.get("y") or not y else from_article
        return EventDate(RANGE, f"{_iso(y1, m1, d1)}/{_iso(y, m2, d2)}", basis=basis, **where)
    if phrase.kind == "month":
        m = _month(g["m"])
        y = int(g["y"]) if g.get("y") else _year_for(day0, m, 1, future)
        basis = "sentence" if g.get("y") or not y else from_article
        return EventDate(MONTH, _iso(y, m), basis=basis, part=_part(g.get("part", "")), **where)
    if phrase.kind == "year":
        return EventDate(YEAR, g["y"], basis="sentence", **where)
    if phrase.kind in ("weekday", "relday"):
        if day0 is None:
            return EventDate(**where)  # a weekday of an undated article: no date at all
        found = resolve_relative_date(words, anchor, sentence)
        return EventDate(DAY, found, basis=from_article, **where) if found else EventDate(**where)
    if phrase.kind == "relmonth":
        return _relative_month(g["rel"].lower(), day0, where)
    if phrase.kind == "anaphor":
        return _anaphor(g["rel"].lower(), previous, where)
    return EventDate(**where)


def _part(word: str) -> str:
    word = word.lower()
    if word in ("early", "the start of", "the beginning of", "earlier in"):
        return "early"
    if word in ("late", "the end of", "end of", "later in"):
        return "late"
    return "mid" if word == "mid" else ""


def _relative_month(rel: str, day0: date | None, where: dict) -> EventDate:
    """ "last month", "this month", "earlier this month", "next year" … from the article's date."""
    if day0 is None:
        return EventDate(**where)
    step = -1 if "last" in rel else 1 if "next" in rel else 0
    part = "early" if rel.startswith("earlier") else "late" if rel.startswith("later") else ""
    if rel.endswith("year"):
        return EventDate(YEAR, str(day0.year + step), basis="article date", **where)
    month = day0.month + step
    year = day0.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return EventDate(MONTH, _iso(year, month), basis="article date", part=part, **where)


def _anaphor(rel: str, previous: EventDate | None, where: dict) -> EventDate:
    """ "The same day" is the day an earlier sentence named; "the next day" the one after it."""
    if previous is None or not previous.value:
        return EventDate(**where)
    if "month" in rel:
        if previous.kind in (DAY, MONTH) and previous.value[:7].count("-") >= 1:
            head = previous.value[:7] if not previous.value.startswith("--") else previous.value[:4]
            return EventDate(MONTH, head, basis="earlier sentence", **where)
        return EventDate(**where)
    if previous.kind != DAY:
        return EventDate(**where)
    if "same" in rel or rel == "that day":
        return EventDate(DAY, previous.value, basis="earlier sentence", **where)
    if previous.value.startswith("--"):
        return EventDate(**where)  # the day after an unknown year's day could cross a year end
    step = 1 if rel in ("the next day", "the following day") else -1
    day = date.fromisoformat(previous.value) + timedelta(days=step)
    return EventDate(DAY, day.isoformat(), basis="earlier sentence", **where)

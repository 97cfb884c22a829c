"""Relative dates in a short answer ("on Saturday", "Oct. 4", "yesterday") placed on the calendar
against the article's own date, so a reader learns which Saturday. The raw phrase is always kept:
the resolved date is shown beside it, never instead of it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from ..lexicon import MONTH_NUMBERS

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
_MONTH_DAY = (
    re.compile(rf"^{_MONTH}\s+{_DAY}{_YEAR}$", re.I),
    re.compile(rf"^{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}$", re.I),
)
_WEEKDAY = re.compile(r"^(?P<which>last|this|next|on)?\s*(?P<weekday>" + "|".join(_WEEKDAYS) + r")$", re.I)
_SHIFTS = {
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this evening": 0,
    "yesterday": -1,
    "tomorrow": 1,
    "the day before yesterday": -2,
    "the day after tomorrow": 2,
}
# News reports mostly in the past: a bare weekday ("on Saturday") is the latest such day on or
# before the article's date; only "next" looks forward. A month and day without a year ("Oct. 4")
# takes the article's year, unless that lands this far after the article: then the year before
# (a January story about "Dec. 28" means the December just gone).
FUTURE_MONTHS_LIMIT = 6
DAYS_PER_MONTH = 30.5
# ...unless the sentence speaks of what is still to come ("ahead of the convention on Saturday"):
# then the weekday is the next one on or after the article's date.
_FUTURE = re.compile(
    r"\b(?:will|shall|ahead of|scheduled|is due|are due|upcoming|planned|plans to|is to|are to|"
    r"expected to|set to|next)\b",
    re.I,
)
_LEAD = re.compile(r"^(?:on|in|at|from|since|by|until|the)\s+", re.I)


def resolve_relative_date(phrase: str, anchor: str, context: str = "") -> str | None:
    """The ISO date `phrase` means in an article dated `anchor` (ISO), or None when it names no
    single day relative to it (a full date with a year needs no resolving and is left alone).
    `context` is the sentence around the phrase: it tells a coming weekday from a past one."""
    try:
        day0 = date.fromisoformat(anchor)
    except (TypeError, ValueError):
        return None
    text = " ".join(phrase.split()).strip(" .,;:").casefold()
    text = _LEAD.sub("", text, count=1) if not text.startswith("the day") else text
    if text in _SHIFTS:
        return (day0 + timedelta(days=_SHIFTS[text])).isoformat()
    m = _WEEKDAY.match(text)
    if m:
        which = (m.group("which") or "").casefold()
        if which in ("", "on") and _FUTURE.search(context):
            which = "coming"
        return _weekday(day0, _WEEKDAYS.index(m.group("weekday").casefold()), which)
    m = _MONTH_DAY[0].match(text) or _MONTH_DAY[1].match(text)
    if m and not m.group("year"):
        return _month_day(day0, MONTH_NUMBERS[m.group("month").casefold()[:3]], int(m.group("day")))
    return None


def _weekday(day0: date, weekday: int, which: str) -> str:
    back = (day0.weekday() - weekday) % 7
    ahead = (weekday - day0.weekday()) % 7
    if which == "coming":
        return (day0 + timedelta(days=ahead)).isoformat()
    if which == "next":
        return (day0 + timedelta(days=ahead or 7)).isoformat()
    if which == "last" and back == 0:
        back = 7
    return (day0 - timedelta(days=back)).isoformat()


def _month_day(day0: date, month: int, day: int) -> str | None:
    try:
        found = date(day0.year, month, day)
    except ValueError:
        return None
    if found > day0 + timedelta(days=DAYS_PER_MONTH * FUTURE_MONTHS_LIMIT):
        try:
            found = date(day0.year - 1, month, day)
        except ValueError:
            return None
    return found.isoformat()

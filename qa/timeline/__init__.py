"""The timeline of a story: dated events about a topic, each the exact sentence that reports it, its
date as the sentence gives it, and the other articles that report the same event.

    phrases.py  date phrases and the dates they name ("on Oct. 5", "in late October", "the same day")
    events.py   which phrase dates the sentence's event (spaCy's dependency parse)
    build.py    candidates by topic, merging reports of one event, verified entries
    records.py  EventDate, TimelineEntry, Timeline
"""

from .build import build_timeline, compatible, in_range
from .records import DAY, MONTH, RANGE, REPORTED, YEAR, EventDate, Timeline, TimelineEntry

__all__ = [
    "DAY",
    "EventDate",
    "MONTH",
    "RANGE",
    "REPORTED",
    "Timeline",
    "TimelineEntry",
    "YEAR",
    "build_timeline",
    "compatible",
    "in_range",
]

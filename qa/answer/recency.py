"""Questions about the present ("this week", "recently", "now"): the articles of the days before the
question was asked are searched too, and answer alone when they cover the question.

A news collection keeps old stories beside new ones: "Which movie is at the top of the box office this
week?" is answered by this week's article, not by a box-office report of another year that uses the
same words. The day a question is asked (`asked_on`, ISO) is the caller's: the CLI and the app give
today, an evaluation set the date of each question. Without one, or without a present-tense cue in
the question, nothing changes.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Mapping

from ..records import Document

# Words that tie a question to the time it is asked. "Now" alone counts: "Which country is now
# bankrupt?" asks about the present, and an article that says so of another year is a distractor.
_PRESENT = re.compile(
    r"\b(?:this (?:week|weekend|month|year)|last (?:week|weekend)|past (?:week|few days)|recently|recent|"
    r"latest|currently|current|right now|now|today|yesterday|so far|as of)\b",
    re.IGNORECASE,
)
# The days before the asked day whose articles count as "this week": a week, and two days more for a
# story first reported before the week it is asked about. Not fitted: no question set with dates is
# trained on (realtimeqa-dev only tests it).
RECENT_DAYS = 9


def today() -> str:
    """The day a question asked now is asked on (ISO): what the CLI and the app pass as `asked_on`."""
    return date.today().isoformat()


def asks_about_now(question: str) -> bool:
    return bool(_PRESENT.search(question))


def recent_window(asked_on: str) -> tuple[str, str]:
    """(first, last) ISO day of the articles that count as recent for a question asked on `asked_on`."""
    day = date.fromisoformat(asked_on[:10])
    return (day - timedelta(days=RECENT_DAYS)).isoformat(), day.isoformat()


def recent_documents(
    documents: Mapping[str, Document], asked_on: str | None, question: str, allowed_docs: set[str] | None = None
) -> set[str] | None:
    """The ids of the articles dated in the recent window, when the question asks about the present and
    the day it is asked is known; None otherwise. An article with a partial or no date is not recent."""
    if not asked_on or not asks_about_now(question):
        return None
    first, last = recent_window(asked_on)
    return {
        i
        for i, d in documents.items()
        if len(d.date or "") == 10 and first <= d.date <= last and (allowed_docs is None or i in allowed_docs)
    }

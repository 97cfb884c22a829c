"""The baseline the quote finder is measured against: what one would write with regular
expressions alone. Every “…” or "…" pair within a paragraph is a quotation; its speaker is the run
of capitalised words next to a reporting verb just after it (“…,” Pashinian said / said Pashinian)
or just before it (Pashinian said: “…”). No parse, no pronouns, no speech filter."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lexicon import BASELINE_REPORTING_VERBS

_PAIR = re.compile(r"[“\"]([^“”\"\n]+)[”\"]")
_VERBS = "(?:" + "|".join(BASELINE_REPORTING_VERBS) + ")"
_NAME = r"([A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+){0,3})"
_AFTER = re.compile(rf"[,.]?\s*(?:{_NAME}\s+{_VERBS}|{_VERBS}\s+{_NAME})\b")
_BEFORE = re.compile(rf"{_NAME}\s+{_VERBS}\b[^“\"\n]{{0,40}}$")


@dataclass
class BaselineQuote:
    doc_id: str
    text: str
    start: int
    end: int
    speaker: str = ""
    speaker_start: int | None = None
    speaker_end: int | None = None
    speech: bool = True


def baseline_quotations(doc) -> list[BaselineQuote]:
    out = []
    text = doc.text
    for m in _PAIR.finditer(text):
        q = BaselineQuote(doc.id, m.group(1), m.start(1), m.end(1))
        after = _AFTER.match(text, m.end())
        before = _BEFORE.search(text, max(0, m.start() - 120), m.start())
        for found in (after, before):
            if found:
                g = 1 if found.group(1) else 2
                if found.re is _BEFORE:
                    g = 1
                q.speaker, q.speaker_start, q.speaker_end = found.group(g), found.start(g), found.end(g)
                break
        out.append(q)
    return out

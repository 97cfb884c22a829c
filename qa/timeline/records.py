"""Records of the timeline: an event's date as the text gives it, an entry (the sentence that reports
the event, with every other report of it), and the timeline. Plain dataclasses that go to JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..lexicon import MONTH_NAMES
from ..records import Quote

DAY, RANGE, MONTH, YEAR = "day", "range", "month", "year"
# Where a date comes from: the sentence's own words; the article's date (the year of "Oct. 5", the
# day of "on Saturday"); an earlier sentence ("the same day"); or nothing in the words, so the entry
# says when it was reported.
SENTENCE, ARTICLE_DATE, EARLIER, REPORTED = "sentence", "article date", "earlier sentence", "reported"
_PART_DAY = {"early": 1, "": 1, "mid": 11, "late": 21}


@dataclass(frozen=True)
class EventDate:
    """When an event happened, exactly as far as the text says.

    `value` is ISO 8601: "2023-10-05"; "--10-05" when no year is stated (and the article has no date
    to take it from); "2023-10" or "--10" for a month ("late October": `part` "late"); "2023" for a
    year; "2023-09-19/2023-09-20" for a range. "" when the words name no date the text can place
    ("on Saturday" in an undated article). `phrase`, `start`, `end`: the words in the document."""

    kind: str = ""
    value: str = ""
    basis: str = ""
    part: str = ""
    phrase: str = ""
    start: int | None = None
    end: int | None = None

    @property
    def placed(self) -> bool:
        return bool(self.value)

    @property
    def year_known(self) -> bool:
        return bool(self.value) and not self.value.startswith("-")

    def sort_key(self) -> tuple:
        """Known years first, in date order (a year before its months, a month at the day its part
        names); then dates without a year by month and day; then what cannot be placed."""
        if not self.value:
            return (2, 0, 0, 0, 0)
        y, m, d = _split(self.value.split("/")[0])
        if self.kind == MONTH:
            d = _PART_DAY.get(self.part, 1)
        rank = {YEAR: 0, DAY: 1, RANGE: 1, MONTH: 2}.get(self.kind, 3)
        return (0 if self.year_known else 1, int(y or 0), m, d, rank)

    def label(self) -> str:
        """The date in words: "5 October 2023", "late October 2023", "16–23 October 2023", "2020",
        "5 October (year not stated)", "reported on 4 October 2023"."""
        if not self.value:
            return f"“{self.phrase}” (no date given)" if self.phrase else "no date given"
        if self.kind == RANGE:
            text = _range_label(*self.value.split("/"))
        else:
            text = _label(self.value, self.part)
        if self.basis == REPORTED:
            return f"reported on {text}"
        return text if self.year_known else f"{text} (year not stated)"

    def to_dict(self) -> dict:
        return {**asdict(self), "label": self.label()}

    @classmethod
    def from_dict(cls, d: dict) -> "EventDate":
        return cls(**{k: d[k] for k in ("kind", "value", "basis", "part", "phrase", "start", "end") if k in d})


def _split(iso: str) -> tuple[str, int, int]:
    """("2023" or "", month, day) of 2023-10-05, --10-05, 2023-10, --10 (0 for what is missing)."""
    if iso.startswith("--"):
        parts = iso[2:].split("-")
        return "", int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    parts = iso.split("-")
    return parts[0], int(parts[1]) if len(parts) > 1 else 0, int(parts[2]) if len(parts) > 2 else 0


def _label(iso: str, part: str = "") -> str:
    y, m, d = _split(iso)
    if not m:
        return y
    words = [str(d)] if d else ([part] if part else [])
    words.append(MONTH_NAMES[m - 1])
    if y:
        words.append(y)
    return " ".join(words)


def _range_label(a: str, b: str) -> str:
    (ya, ma, da), (yb, mb, db) = _split(a), _split(b)
    if ya == yb and ma == mb:
        return " ".join(x for x in (f"{da}–{db}", MONTH_NAMES[ma - 1], ya) if x)
    if ya == yb:
        return " ".join(x for x in (f"{da} {MONTH_NAMES[ma - 1]} – {db} {MONTH_NAMES[mb - 1]}", ya) if x)
    return f"{_label(a)} – {_label(b)}"


@dataclass
class TimelineEntry:
    """One event: `quote` is the sentence that dates it (exact, verified, with the date phrase at
    short_start:short_end), and its `also_in` the other sentences that report the same event, each
    with its own "when" (the date that sentence gives)."""

    n: int
    when: EventDate
    quote: Quote
    score: float = 0.0

    @property
    def also_reported_by(self) -> list[str]:
        return self.quote.also_reported_by

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "when": self.when.to_dict(),
            "score": round(self.score, 4),
            **{k: v for k, v in self.quote.to_dict().items() if k not in ("n", "score")},
        }

    @classmethod
    def from_dict(cls, d: dict) -> "TimelineEntry":
        return cls(
            int(d["n"]),
            EventDate.from_dict(d["when"]),
            Quote.from_dict({**d, "score": d.get("score", 0.0)}),
            float(d.get("score", 0.0)),
        )


@dataclass
class Timeline:
    """Dated events about a topic: `entries` in date order (dates without a year after the others),
    `undated` the events whose date nothing in the text gives."""

    topic: str = ""
    entries: list[TimelineEntry] = field(default_factory=list)
    undated: list[TimelineEntry] = field(default_factory=list)

    @property
    def all(self) -> list[TimelineEntry]:
        return self.entries + self.undated

    def to_dict(self) -> dict:
        return {
            "topic": self.topic,
            "entries": [e.to_dict() for e in self.entries],
            "undated": [e.to_dict() for e in self.undated],
        }

"""Scoring the timeline (Assistant.timeline) against a timeline set: JSON Lines, one event a line,

    {"id": "t07", "topic": "…", "date": "2023-09-19", "event": "Azerbaijan launches its offensive",
     "reports": [{"doc_id": "…", "text": "<the exact sentence>", "date": "--09-19"}, …]}

`date` is the event's date as fully as any report states it (ISO: 2023-09-19, --11-18 without a
stated year, 2023-10 or --10 for a month, 2020 for a year, a/b for a range); each report's `date` is
what that sentence gives by itself ("" when nothing). The set's events are asked once per topic.

An entry (the sentence it quotes, and every report it lists under "also reported by") matches an
event when one of its sentences overlaps one of the event's reports. It is dated right when its date
is the event's date or the date that matched report gives. Metrics:

    event_recall       events some entry matches and dates right
    exact_date_recall  events some entry matches with exactly the event's date
    precision          placed entries that match an event not matched before, dated right
    duplicates         placed entries that repeat an event an earlier entry already has
    traceable          placed entries whose date phrase is the document's characters at its offsets
                       (or that say "reported on" the article's own date)
    fidelity           entries and reports whose text is their document's exact characters
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import QuestionSetError

MIN_OVERLAP = 0.5  # of the shorter of two sentence spans: the same sentence, cut a little differently
_DATE = re.compile(r"^(?:\d{4}(?:-\d{2}(?:-\d{2})?)?|--\d{2}(?:-\d{2})?)$")
METRIC_ORDER = (
    "event_recall",
    "exact_date_recall",
    "precision",
    "duplicates",
    "traceable",
    "fidelity",
    "entries",
    "undated",
    "events",
)


@dataclass
class GoldReport:
    doc_id: str
    text: str
    date: str
    start: int
    end: int


@dataclass
class GoldEvent:
    line: int
    id: str
    topic: str
    date: str
    event: str
    reports: list[GoldReport] = field(default_factory=list)


def is_timeline_set(path: str | Path) -> bool:
    """A JSON Lines file whose first record has "event", "date" and "reports"."""
    from .sets import first_record

    return {"event", "date", "reports"} <= set(first_record(path) or {})


def _valid_date(value: str) -> bool:
    parts = value.split("/")
    return 1 <= len(parts) <= 2 and all(_DATE.match(p) for p in parts)


def load_timeline_set(path: str | Path, documents: dict) -> list[GoldEvent]:
    """The gold events, each report placed in its document; QuestionSetError names file, line and field."""
    from .sets import json_lines

    out = []
    for n, row in json_lines(Path(path)):
        for key in ("id", "topic", "date", "event"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise QuestionSetError(path, f'field "{key}" must be a non-empty string', n)
        if not _valid_date(row["date"]):
            raise QuestionSetError(
                path,
                f'field "date": {row["date"]!r} is not an ISO date (2023-09-19, --11-18, 2023-10, --10, 2020 or a/b)',
                n,
            )
        reports = row.get("reports")
        if not isinstance(reports, list) or not reports:
            raise QuestionSetError(path, 'field "reports" must be a non-empty list', n)
        event = GoldEvent(n, row["id"], row["topic"].strip(), row["date"], row["event"])
        for i, rep in enumerate(reports):
            event.reports.append(_report(path, n, i, rep, documents))
        out.append(event)
    if not out:
        raise QuestionSetError(path, "no events in the set")
    return out


def _report(path, n: int, i: int, rep, documents: dict) -> GoldReport:
    where = f"reports[{i}]"
    if not isinstance(rep, dict) or not isinstance(rep.get("doc_id"), str) or not isinstance(rep.get("text"), str):
        raise QuestionSetError(path, f'{where} must be {{"doc_id", "text", "date"}}', n)
    doc = documents.get(rep["doc_id"])
    if doc is None:
        raise QuestionSetError(path, f"{where}: doc_id {rep['doc_id']!r} is not in the corpus", n)
    start = doc.text.find(rep["text"]) if rep["text"] else -1
    if start < 0:
        raise QuestionSetError(path, f'{where}: "text" is not in {rep["doc_id"]}', n)
    date = rep.get("date") or ""
    if date and not _valid_date(date):
        raise QuestionSetError(path, f'{where}: "date" {date!r} is not an ISO date', n)
    return GoldReport(rep["doc_id"], rep["text"], date, start, start + len(rep["text"]))


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return max(0, inter) / max(1, min(a[1] - a[0], b[1] - b[0]))


def _sentences(entry) -> list[tuple[str, int, int, str]]:
    """(doc_id, start, end, date value) of the entry's sentence and of every report it lists."""
    q = entry.quote
    out = [(q.doc_id, q.start, q.end, entry.when.value)]
    for other in q.also_in:
        out.append(
            (other["doc_id"], int(other["start"]), int(other["end"]), (other.get("when") or {}).get("value", ""))
        )
    return out


def _matches(entry, event: GoldEvent) -> tuple[bool, bool]:
    """(the entry reports this event, and dates it right)."""
    hit, right = False, False
    for doc_id, s, e, _ in _sentences(entry):
        for rep in event.reports:
            if rep.doc_id == doc_id and _overlap((s, e), (rep.start, rep.end)) >= MIN_OVERLAP:
                hit = True
                right = right or entry.when.value in {event.date, rep.date} - {""}
    return hit, right


def _traceable(entry, documents: dict) -> bool:
    when = entry.when
    doc = documents.get(entry.quote.doc_id)
    if doc is None:
        return False
    if when.basis == "reported":
        return when.value == doc.date
    return when.start is not None and doc.text[when.start : when.end] == when.phrase and bool(when.phrase)


def _faithful(entry, documents: dict) -> tuple[int, int]:
    """(texts checked, texts that are their document's characters at their offsets)."""
    checked = ok = 0
    q = entry.quote
    for doc_id, s, e, text in [(q.doc_id, q.start, q.end, q.text)] + [
        (o["doc_id"], int(o["start"]), int(o["end"]), o["text"]) for o in q.also_in
    ]:
        checked += 1
        doc = documents.get(doc_id)
        ok += bool(doc is not None and doc.text[s:e] == text)
    return checked, ok


def score_timeline(events: list[GoldEvent], timelines: dict, documents: dict) -> dict:
    """The metrics of `timelines` ({topic: Timeline}) against the gold `events` (module docstring)."""
    recalled, exact, misses = set(), set(), []
    precise = duplicates = traceable = checked = faithful = 0
    placed, undated, off_gold, wrong_date = [], [], [], []
    for topic, timeline in timelines.items():
        gold = [g for g in events if g.topic == topic]
        seen: set[str] = set()
        for entry in timeline.entries:
            placed.append(entry)
            matched = [(g, *_matches(entry, g)) for g in gold]
            hits = [(g, right) for g, hit, right in matched if hit]
            rights = [g for g, right in hits if right]
            for g in rights:
                recalled.add(g.id)
                if entry.when.value == g.date:
                    exact.add(g.id)
            new = [g for g in rights if g.id not in seen]
            if new:
                precise += 1
            elif rights:
                duplicates += 1
            elif hits:
                wrong_date.append(_row(entry, [g.id for g, _ in hits]))
            else:
                off_gold.append(_row(entry, []))
            seen.update(g.id for g in rights)
            traceable += _traceable(entry, documents)
        for entry in timeline.undated:
            undated.append(_row(entry, [g.id for g in gold if _matches(entry, g)[0]]))
        for entry in timeline.entries + timeline.undated:
            c, ok = _faithful(entry, documents)
            checked, faithful = checked + c, faithful + ok
    for g in events:
        if g.id not in recalled:
            misses.append({"id": g.id, "date": g.date, "event": g.event})
    n = len(placed)
    return {
        "events": len(events),
        "entries": n,
        "undated": len(undated),
        "event_recall": len(recalled) / len(events) if events else 0.0,
        "exact_date_recall": len(exact) / len(events) if events else 0.0,
        "precision": precise / n if n else 0.0,
        "duplicates": duplicates,
        "traceable": traceable / n if n else 1.0,
        "fidelity": faithful / checked if checked else 1.0,
        "misses": misses,
        "wrong_date": wrong_date,
        "off_gold": off_gold,
        "undated_entries": undated,
    }


def _row(entry, ids: list[str]) -> dict:
    return {
        "n": entry.n,
        "date": entry.when.value,
        "label": entry.when.label(),
        "doc_id": entry.quote.doc_id,
        "text": entry.quote.text[:110],
        "events": ids,
    }


def format_timeline_report(result: dict) -> str:
    """A table of the metrics, then the misses and the entries that matched no event."""
    lines = ["| metric | timeline |", "|---|---:|"]
    for m in METRIC_ORDER:
        v = result[m]
        lines.append(f"| {m} | {v:.3f} |" if isinstance(v, float) else f"| {m} | {v} |")
    lines.append("")
    for kind in ("misses", "wrong_date", "off_gold"):
        for row in result[kind]:
            lines.append(f"  {kind}: {json.dumps(row, ensure_ascii=False)}")
    return "\n".join(lines)


def default_corpus(set_path: str | Path) -> list[Path]:
    """The shipped corpus of the checkout the set lies in (bench/questions/timeline.jsonl → corpus/)."""
    root = Path(set_path).resolve().parent.parent.parent
    return [root / "corpus"] if (root / "corpus").is_dir() else []


def evaluate_timeline_set(
    set_path: str | Path, corpora: list[str | Path] | None = None, *, config=None, index_dir: str | Path | None = None
) -> tuple[dict, list[str]]:
    """Build (or reuse from the cache) the index of `corpora` (default: `default_corpus`), ask each topic
    of the set for its timeline and score it. Returns (metrics, problems)."""
    from ..api import Assistant, load_documents

    corpora = [Path(c) for c in (corpora or default_corpus(set_path))]
    if not corpora:
        raise QuestionSetError(set_path, "no corpus: give --corpus, or keep the set in a checkout's bench/questions/")
    loaded = load_documents(corpora)
    documents = {d.id: d for d in loaded.documents}
    events = load_timeline_set(set_path, documents)
    assistant = Assistant.cached(loaded.documents, config, index_dir=index_dir)
    timelines = {}
    for topic in dict.fromkeys(g.topic for g in events):
        timelines[topic] = assistant.timeline(topic, n=200)
    return score_timeline(events, timelines, documents), [str(p) for p in loaded.problems]

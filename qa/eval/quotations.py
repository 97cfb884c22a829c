"""Scoring the quote finder against a quote set: JSON Lines, one quotation a line,
`{"doc_id", "quote", "speaker"}` (speaker null when the article does not say who), with optional
`"not_speech": true` for scare quotes and titles (they must not be found as speech), `"start"` (where
the quote's text begins, when it occurs more than once) and `"also"` (other names the article uses
for the same speaker, e.g. "the country’s foreign ministry").

Metrics: extraction precision, recall and F1 (a found quotation counts when it and a gold quotation
overlap by at least 80% of the longer of the two), speaker_accuracy (of the matched quotations whose
speaker the gold names, the share given that speaker, after spelling variants are grouped),
attributed_rate, wrong_speaker_rate (of the matched quotations, the share given a speaker other than
the gold one, or any speaker when the gold has none), not_speech_kept_out, fidelity (the share of
all quotations, and of their speaker mentions, that are their document's exact characters) and
crashes (documents whose extraction failed), over the whole corpus given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import QuestionSetError
from ..records import Quotation

MIN_OVERLAP = 0.8  # of the longer span: what the issue asks of a found quotation


@dataclass
class GoldQuote:
    line: int
    doc_id: str
    quote: str
    speaker: str | None
    not_speech: bool
    start: int
    end: int
    also: list[str] = field(default_factory=list)


def is_quote_set(path: str | Path) -> bool:
    """A JSON Lines file whose first record has "quote" and "doc_id" and no "question"."""
    from .sets import first_record

    first = first_record(path) or {}
    return "quote" in first and "doc_id" in first and "question" not in first


def load_quote_set(path: str | Path, documents: dict) -> list[GoldQuote]:
    """The gold quotations, each placed in its document; QuestionSetError names file, line and field."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QuestionSetError(path, f"not JSON ({exc.msg})", n) from None
            out.append(_gold(path, n, row, documents))
    if not out:
        raise QuestionSetError(path, "no quotations in the set")
    return out


def _gold(path, n: int, row, documents: dict) -> GoldQuote:
    if not isinstance(row, dict):
        raise QuestionSetError(path, "a line must be a JSON object", n)
    for key in ("doc_id", "quote"):
        if not isinstance(row.get(key), str) or not row.get(key):
            raise QuestionSetError(path, f'field "{key}" must be a non-empty string', n)
    if "speaker" not in row or not (row["speaker"] is None or isinstance(row["speaker"], str)):
        raise QuestionSetError(path, 'field "speaker" must be a name or null', n)
    doc = documents.get(row["doc_id"])
    if doc is None:
        raise QuestionSetError(path, f"doc_id {row['doc_id']!r} is not in the corpus", n)
    start = row.get("start")
    if start is None:
        start = doc.text.find(row["quote"])
    if not isinstance(start, int) or start < 0 or doc.text[start : start + len(row["quote"])] != row["quote"]:
        raise QuestionSetError(path, f'field "quote" is not in {row["doc_id"]} (at "start" when given)', n)
    return GoldQuote(
        n,
        row["doc_id"],
        row["quote"],
        row["speaker"],
        bool(row.get("not_speech")),
        start,
        start + len(row["quote"]),
        list(row.get("also") or []),
    )


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return max(0, inter) / max(a[1] - a[0], b[1] - b[0], 1)


def match(found: list[Quotation], gold: list[GoldQuote]) -> list[tuple[Quotation, GoldQuote]]:
    """One-to-one pairs of a found quotation and a gold one overlapping by MIN_OVERLAP, best first."""
    pairs = []
    for q in found:
        for g in gold:
            if q.doc_id == g.doc_id:
                o = _overlap((q.start, q.end), (g.start, g.end))
                if o >= MIN_OVERLAP:
                    pairs.append((o, q, g))
    used_q: set[int] = set()
    used_g: set[int] = set()
    out = []
    for o, q, g in sorted(pairs, key=lambda p: -p[0]):
        if id(q) not in used_q and id(g) not in used_g:
            used_q.add(id(q))
            used_g.add(id(g))
            out.append((q, g))
    return out


def score_quotes(quotations: list, gold: list[GoldQuote], documents: dict, same_speaker, crashes: int) -> dict:
    """The metrics of quotations extracted from `documents` against `gold` (see the module docstring)."""
    gold_docs = {g.doc_id for g in gold}
    speech_found = [q for q in quotations if q.speech and q.doc_id in gold_docs]
    speech_gold = [g for g in gold if not g.not_speech]
    pairs = match(speech_found, gold)
    good = [(q, g) for q, g in pairs if not g.not_speech]
    tp = len(good)
    precision = tp / len(speech_found) if speech_found else 0.0
    recall = tp / len(speech_gold) if speech_gold else 0.0
    named = [(q, g) for q, g in good if g.speaker]

    def right(q, g) -> bool:
        return bool(q.speaker) and any(same_speaker(q.speaker, name) for name in [g.speaker, *g.also])

    wrong = [(q, g) for q, g in good if q.speaker and not (g.speaker and right(q, g))]
    not_speech = [g for g in gold if g.not_speech]
    kept_out = [g for g in not_speech if not any(gg is g for _, gg in pairs)]
    faithful = sum(_faithful(q, documents[q.doc_id]) for q in quotations)
    return {
        "gold_quotes": len(speech_gold),
        "found_quotes": len(speech_found),
        "matched": tp,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "speaker_accuracy": sum(right(q, g) for q, g in named) / len(named) if named else 0.0,
        "attributed_rate": sum(bool(q.speaker) for q, _ in good) / tp if tp else 0.0,
        "wrong_speaker_rate": len(wrong) / tp if tp else 0.0,
        "not_speech_kept_out": len(kept_out) / len(not_speech) if not_speech else 1.0,
        "fidelity": faithful / len(quotations) if quotations else 1.0,
        "documents": len(documents),
        "quotations_in_corpus": len(quotations),
        "crashes": crashes,
        "misses": [_row(g) for g in speech_gold if not any(gg is g for _, gg in good)],
        "wrong": [dict(_row(g), found=q.speaker) for q, g in wrong],
        "unattributed": [_row(g) for q, g in named if not q.speaker],
        "false_positives": [
            {"doc_id": q.doc_id, "quote": q.text[:120]} for q in speech_found if not any(qq is q for qq, g in good)
        ],
    }


def _faithful(q, doc) -> bool:
    ok = doc.text[q.start : q.end] == q.text
    if q.speaker:
        ok = ok and q.speaker_start is not None and doc.text[q.speaker_start : q.speaker_end] == q.speaker
    return ok


def _row(g: GoldQuote) -> dict:
    return {"line": g.line, "doc_id": g.doc_id, "quote": g.quote[:120], "speaker": g.speaker}


METRIC_ORDER = (
    "precision",
    "recall",
    "f1",
    "speaker_accuracy",
    "attributed_rate",
    "wrong_speaker_rate",
    "not_speech_kept_out",
    "fidelity",
    "crashes",
)


def format_quote_report(results: dict[str, dict]) -> str:
    """A table: one row a metric, one column an extractor (ours first)."""
    names = list(results)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for m in METRIC_ORDER:
        cells = [f"{r[m]:.3f}" if isinstance(r[m], float) else str(r[m]) for r in results.values()]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    first = results[names[0]]
    lines.append("")
    lines.append(
        f"{first['gold_quotes']} gold quotations of speech (and {first['documents']} documents, "
        f"{first['quotations_in_corpus']} quotations found in them by {names[0]})"
    )
    for kind in ("misses", "wrong", "unattributed", "false_positives"):
        for row in first[kind]:
            lines.append(f"  {kind[:-1] if kind.endswith('s') else kind}: {json.dumps(row, ensure_ascii=False)}")
    return "\n".join(lines)


def default_corpora(set_path: str | Path) -> list[Path]:
    """The shipped corpus and the articles written for the set: `corpus/` and `bench/quotes_articles/`
    of the checkout the set lies in (bench/questions/quotes.jsonl)."""
    root = Path(set_path).resolve().parent.parent.parent
    return [p for p in (root / "corpus", root / "bench" / "quotes_articles") if p.is_dir()]


def evaluate_quote_set(
    set_path: str | Path, corpora: list[str | Path] | None = None
) -> tuple[dict[str, dict], list[str]]:
    """Score the quote finder and the regex baseline on the set; the documents are loaded from each
    of `corpora` (default: `default_corpora`). Returns ({extractor: metrics}, problems)."""
    from ..api import load_documents, quotations_of, same_speaker
    from .quotation_baseline import baseline_quotations

    corpora = [Path(c) for c in (corpora or default_corpora(set_path))]
    documents, problems = {}, []
    for root in corpora:
        loaded = load_documents([root])
        problems += [str(p) for p in loaded.problems]
        documents.update({d.id: d for d in loaded.documents})
    gold = load_quote_set(set_path, documents)
    crashes = 0
    quotations, notes = quotations_of(list(documents.values()))
    crashes = sum(1 for p in notes if "quotations not extracted" in p)
    ours = score_quotes(quotations, gold, documents, same_speaker, crashes)
    base = [q for d in documents.values() for q in baseline_quotations(d)]
    baseline = score_quotes(base, gold, documents, same_speaker, 0)
    return {"quote finder": ours, "regex baseline": baseline}, problems + notes

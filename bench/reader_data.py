"""Training data for the reader, from the pipeline's own candidates.

    python bench/reader_data.py [--sets xquad-en,covid-qa,shipped,conversations] [--limit N] [--out DIR]

For every question of a set, the candidate sentences `ask` really weighs (every sentence of the
retrieved chunks, `Assistant.candidates`) are written with their text, their article's title, the
hand-set signals and a label:

- positive: the sentence holds a gold answer (or most of a long one) and stands in a gold source;
- negative: every other candidate (hard negatives: the pipeline ranked them there);
- leave-source-out: the question asked again with its sources masked out of retrieval; every
  candidate is a negative, and the question should be refused.

Each question carries its fold (0..4), from a hash of its source article, so that no article is
seen on both sides of a fold; a conversation's turns share their dialogue's fold. realtimeqa-dev is
never collected here: it is never trained on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Config, user_cache_dir  # noqa: E402

DATA = Path(os.environ.get("QA_BENCH_DATA") or ROOT.parent / "shared" / "data")
FOLDS = 5
SETS = {
    "xquad-en": (DATA / "xquad-en" / "questions.jsonl", DATA / "xquad-en" / "corpus.jsonl"),
    "covid-qa": (DATA / "covid-qa" / "questions.jsonl", DATA / "covid-qa" / "corpus.jsonl"),
    "shipped": (ROOT / "bench" / "questions" / "shipped.jsonl", ROOT / "corpus"),
    "conversations": (ROOT / "bench" / "questions" / "conversations.jsonl", ROOT / "corpus"),
}
# A long answer (covid-qa's run to ~10 words and over sentence ends) counts as held by a sentence
# that holds this share of it.
ANSWER_SHARE = 0.5


def default_out() -> Path:
    return user_cache_dir() / "reader-data"


def fold_of(key: str) -> int:
    return hashlib.sha256(key.encode()).digest()[0] % FOLDS


def answer_spans(text: str, answers: list[str]) -> list[tuple[int, int]]:
    """Every place a gold answer occurs in `text` (case-insensitive)."""
    low, spans = text.casefold(), []
    for a in answers:
        a = a.casefold().strip()
        if not a:
            continue
        at = low.find(a)
        while at >= 0:
            spans.append((at, at + len(a)))
            at = low.find(a, at + 1)
    return spans


def holds_answer(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    for s, e in spans:
        overlap = min(end, e) - max(start, s)
        if overlap > 0 and (overlap >= ANSWER_SHARE * (e - s) or overlap >= 0.8 * (end - start)):
            return True
    return False


def in_sources(doc, sources: list[str]) -> bool:
    return doc.id in sources or (doc.file_id or doc.id) in sources


def candidate_rows(assistant, question: str, answers: list[str], sources: list[str], exclude=None) -> list[dict]:
    cands = assistant.candidates(question, exclude_docs=exclude)
    docs = assistant.index.documents
    rows = []
    spans_of: dict[str, list] = {}
    for c in sorted(cands, key=lambda c: -c.score):
        doc = docs[c.doc_id]
        label = 0
        if answers and exclude is None and in_sources(doc, sources):
            if c.doc_id not in spans_of:
                spans_of[c.doc_id] = answer_spans(doc.text, answers)
            label = int(holds_answer(c.start, c.end, spans_of[c.doc_id]))
        rows.append(
            {
                "doc_id": c.doc_id,
                "start": c.start,
                "end": c.end,
                "row": c.row,
                "text": doc.text[c.start : c.end],
                "title": doc.title or "",
                "semantic": round(c.semantic, 5),
                "lexical": round(c.lexical, 5),
                "retrieval": round(c.retrieval, 5),
                "type_fit": c.type_fit,
                "headline": c.headline,
                "score": round(c.score, 5),
                "short": c.short is not None,
                "label": label,
            }
        )
    return rows


def article_key(assistant, q: dict) -> str:
    """The article a question is about: its first source, or for a digest file (the shipped set) the
    article cut from it whose text holds the answer."""
    sources = q.get("sources") or []
    for d in assistant.index.documents.values():
        if (d.file_id or d.id) in sources and d.file_id and answer_spans(d.text, q.get("answers") or []):
            return d.id
    return sources[0] if sources else q["id"]


def questions_of(name: str, path: Path) -> list[dict]:
    """One flat list of questions; a conversation's follow-ups are asked as resolved by the gold
    turn before them is not available, so each turn is asked with the questions before it joined."""
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    if name != "conversations":
        return rows
    flat = []
    for dialogue in rows:
        for i, turn in enumerate(dialogue["turns"]):
            flat.append(
                {
                    "id": f"{dialogue['id']}#{i}",
                    "question": turn["question"],
                    "answers": turn["answers"],
                    "sources": turn["sources"],
                    "dialogue": dialogue["id"],
                    "turn": i,
                    "history": [t["question"] for t in dialogue["turns"][:i]],
                }
            )
    return flat


def collect(name: str, out: Path, limit: int | None, config: Config) -> None:
    from tqdm import tqdm

    from qa.api import Assistant, load_documents

    qpath, cpath = SETS[name]
    documents = list(load_documents([cpath]).documents)
    assistant = Assistant.cached(documents, config, show_progress_bar=True)
    questions = questions_of(name, qpath)
    if limit:
        questions = [questions[i * len(questions) // limit] for i in range(min(limit, len(questions)))]
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{name}.jsonl.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for q in tqdm(questions, desc=name, file=sys.stderr):
            key = q["dialogue"] if name == "conversations" else article_key(assistant, q)
            asked = q["question"]
            if q.get("history"):  # a follow-up: the conversation's last question gives its subject
                asked = f"{q['history'][-1]} {asked}"
            row = {
                "set": name,
                "id": q["id"],
                "question": q["question"],
                "asked": asked,
                "answers": q["answers"],
                "sources": q["sources"],
                "fold": fold_of(key),
                "history": q.get("history", []),
            }
            if q["answers"]:
                row["own"] = candidate_rows(assistant, asked, q["answers"], q["sources"])
                row["lso"] = candidate_rows(assistant, asked, [], q["sources"], exclude=q["sources"])
            else:
                row["lso"] = candidate_rows(assistant, asked, [], q["sources"])
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, out / f"{name}.jsonl")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, from {', '.join(SETS)}")
    ap.add_argument("--limit", type=int, default=None, help="questions per set, spread over it (default: all)")
    ap.add_argument("--out", type=Path, default=None, help="folder for the JSONL files (default: the user cache)")
    args = ap.parse_args(argv)
    names = [n for n in args.sets.split(",") if n]
    unknown = [n for n in names if n not in SETS]
    if unknown:
        ap.error(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(SETS)}")
    # the hand-set ranking's candidates, whatever reader is configured: the reader is trained on them,
    # and a reader's own ordering here would make its training data depend on the model it replaces
    config = Config.from_env().replace(reader="off")
    for name in names:
        collect(name, args.out or default_out(), args.limit, config)
    return 0


if __name__ == "__main__":
    sys.exit(main())

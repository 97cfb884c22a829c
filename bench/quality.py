"""Answer quality against two baselines, on xquad-en, covid-qa and the shipped corpus.

    python bench/quality.py [--limit N] [--sets xquad-en,covid-qa,shipped] [--out bench/quality.md]

Each set runs three answerers in one run, over the same documents and the same questions:
our default configuration, BM25 (bm25s) and the common chunk recipe (LangChain-style 1,000-
character chunks with 200 overlap, the same MiniLM, FAISS flat); see bench/baselines.py.
It prints one table of every metric with the ratio of ours to the better baseline, and writes
the same table as markdown (for docs/benchmarks.md). --reports DIR also writes each set's full report.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import doc_tables  # noqa: E402
from baselines import Bm25Baseline, ChunkRecipe, Passages  # noqa: E402

from qa.config import Config  # noqa: E402
from qa.eval import (  # noqa: E402
    LOWER_IS_BETTER,
    METRICS,
    EvalReport,
    check_sources,
    evaluate,
    format_value,
    load_questions,
    stderr_progress,
    text_table,
    write_report,
)

# beside the checkout; QA_BENCH_DATA points elsewhere (a git worktree lives one level deeper)
DATA = Path(os.environ.get("QA_BENCH_DATA") or ROOT.parent / "shared" / "data")
SETS = {
    "xquad-en": (DATA / "xquad-en" / "questions.jsonl", DATA / "xquad-en" / "corpus.jsonl"),
    "covid-qa": (DATA / "covid-qa" / "questions.jsonl", DATA / "covid-qa" / "corpus.jsonl"),
    "shipped": (ROOT / "bench" / "questions" / "shipped.jsonl", ROOT / "corpus"),
    # follow-ups asked with the turns before them; ours only (the baselines read no history)
    "conversations": (ROOT / "bench" / "questions" / "conversations.jsonl", ROOT / "corpus"),
    # never trained or fitted on: the test of generalisation (no licence: read from ../shared only)
    "realtimeqa-dev": (DATA / "realtimeqa-dev" / "questions.jsonl", DATA / "realtimeqa-dev" / "corpus.jsonl"),
}
DEFAULT_OUT = str(ROOT / "bench" / "quality.md")
TRAINED_ON = ("xquad-en", "covid-qa", "shipped", "conversations")
OURS_ONLY = ("conversations",)  # the reader's training sets: figures are out-of-fold
OURS, BM25, RECIPE = "ours", "bm25", "chunk-recipe"
COLUMNS = {OURS: "ours (default)", BM25: "BM25 (bm25s)", RECIPE: "chunk recipe"}


class FoldRouter:
    """Ours, with each question answered by the reader of its fold: the model, fusion and threshold
    trained and fitted without that question's article (bench/train_reader.py's folds)."""

    def __init__(self, assistant, folds: Path, fold_of: dict[str, int]):
        self.fold_of = fold_of
        self.assistants = {f: assistant.with_config(reader=str(folds / f"fold{f}")) for f in set(fold_of.values())}
        self.config = assistant.config.replace(reader=f"{folds}/fold<n>")

    def ask(self, question: str, k: int | None = None, **extra):
        history = extra.get("history")
        key = history[0].question if history else question  # a dialogue's turns share its fold
        return self.assistants[self.fold_of.get(key, 0)].ask(question, k, **extra)


def question_folds(assistant, qset) -> dict[str, int]:
    """Each question's fold, as bench/reader_data.py assigned it (by article; a dialogue by its id)."""
    from reader_data import article_key, fold_of

    out = {}
    for q in qset.questions:
        if q.dialogue:
            if q.turn == 0:
                out[q.question] = fold_of(q.dialogue)
            continue
        out.setdefault(
            q.question,
            fold_of(article_key(assistant, {"id": q.id, "sources": list(q.sources), "answers": list(q.answers)})),
        )
    return out


def trained_folds_only(qset, folds: dict[str, int], reader_folds: Path):
    """The questions whose fold has a model in `reader_folds` (all of them once every fold is trained)."""
    import dataclasses

    have = {f for f in set(folds.values()) if (reader_folds / f"fold{f}" / "reader-int8.onnx").is_file()}
    first = {}
    for q in qset.questions:  # a follow-up goes with its dialogue's first turn
        if q.turn == 0:
            first[q.dialogue or q.id] = q.question
    keep = [q for q in qset.questions if folds.get(first.get(q.dialogue, q.question), -1) in have]
    if len(keep) < len(qset.questions):
        print(
            f"   out-of-fold: {len(keep)} of {len(qset.questions)} questions (folds {sorted(have)} trained)",
            file=sys.stderr,
        )
    return dataclasses.replace(qset, questions=keep)


def run_set(
    name: str,
    limit: int | None,
    config: Config,
    progress: bool,
    leave_source_out: bool = False,
    reader_folds: Path | None = None,
) -> EvalReport:
    """Our default configuration and both baselines on one question set (leave-source-out: ours
    only, since only it can mask documents out of retrieval). With `reader_folds`, ours answers
    each question of a set the reader was trained on with that question's fold model."""
    # qa.api loads torch and faiss: only when a set is run, so --help stays quick
    from qa.api import Assistant, cache_root, load_documents

    questions_path, corpus_path = SETS[name]
    qset = load_questions(questions_path).limited(limit)
    documents = list(load_documents([corpus_path]).documents)
    check_sources(qset, documents)
    print(f"\n== {name}: {len(qset.questions)} questions, {len(documents)} documents", file=sys.stderr)
    t0 = time.time()
    assistant = Assistant.cached(
        documents, config, progress=stderr_progress if progress else _quiet, show_progress_bar=progress or None
    )
    passages = Passages(documents)
    ours = assistant
    if reader_folds is not None and name in TRAINED_ON:
        folds = question_folds(assistant, qset)
        qset = trained_folds_only(qset, folds, reader_folds)
        ours = FoldRouter(assistant, reader_folds, folds)
    answerers = {
        OURS: ours,
        BM25: Bm25Baseline(passages=passages),
        # the same model's vectors of our chunks and sentences: the recipe does not embed them again
        RECIPE: ChunkRecipe(
            passages=passages,
            embedder=assistant.embedder,
            cache_dir=cache_root() / "baselines",
            known=assistant.text_vectors(),
        ),
    }
    print(f"   indexes ready in {time.time() - t0:.0f} s", file=sys.stderr)
    info = {**assistant.info(), "passages": len(passages.passages)}
    if leave_source_out or name in OURS_ONLY:
        return evaluate(qset, {OURS: ours}, documents, progress=progress, index=info, leave_source_out=leave_source_out)
    return evaluate(qset, answerers, documents, progress=progress, index=info)


def _quiet(message: str, fraction: float) -> None:
    pass


def ratio(metric: str, ours, baselines: list) -> str:
    """Ours divided by the better baseline (higher is better, except latency and quote length)."""
    values = [b for b in baselines if b is not None]
    if ours is None or not values:
        return "n/a"
    better = min(values) if metric in LOWER_IS_BETTER else max(values)
    if better == 0:
        return "n/a"  # e.g. short answers, which the baselines never give
    return f"{ours / better:.2f}×"


def table_rows(reports: dict[str, EvalReport]) -> list[list[str]]:
    rows = []
    for name, report in reports.items():
        m = report.metrics
        for metric in METRICS:
            ours, bm25, recipe = m[OURS][metric], m.get(BM25, {}).get(metric), m.get(RECIPE, {}).get(metric)
            rows.append(
                [
                    name,
                    metric,
                    format_value(metric, ours),
                    format_value(metric, bm25),
                    format_value(metric, recipe),
                    ratio(metric, ours, [bm25, recipe]),
                ]
            )
    return rows


LSO_METRICS = ("answer_at_1", "answer_at_5", "abstain_recall", "false_abstain_rate", "abstain_precision")


def lso_markdown(reports: dict[str, EvalReport], limit: int | None, seconds: float) -> str:
    """The leave-source-out table: each answerable question asked as it is and again without its
    sources (an unanswerable copy); the set's own unanswerable questions count as unanswerable too."""
    lines = [
        "# Refusing what the collection lacks: leave-source-out",
        "",
        f"`python bench/quality.py --leave-source-out{f' --limit {limit}' if limit else ''}` — "
        f"{time.strftime('%Y-%m-%d')}, {seconds / 60:.0f} min. abstain_recall: share of the copies asked without "
        "their sources (and of the set's unanswerable questions) that were refused; false_abstain_rate: share of "
        "answerable questions refused.",
        "",
        "| set | questions asked | " + " | ".join(LSO_METRICS) + " |",
        "|---|---:|" + "---:|" * len(LSO_METRICS),
    ]
    for name, r in reports.items():
        m = r.metrics[OURS]
        lines.append(
            f"| {name} | {len(r.question_set.questions)} | "
            + " | ".join(format_value(k, m[k]) for k in LSO_METRICS)
            + " |"
        )
    return "\n".join(lines) + "\n"


HEADER = ["set", "metric", COLUMNS[OURS], COLUMNS[BM25], COLUMNS[RECIPE], "ours ÷ better baseline"]


def markdown(reports: dict[str, EvalReport], limit: int | None, seconds: float) -> str:
    sizes = ", ".join(
        f"{name} {len(r.question_set.questions)} questions ({r.question_set.answerable} answerable) over {r.documents} documents"
        for name, r in reports.items()
    )
    lines = [
        "# Answer quality against baselines",
        "",
        f"`python bench/quality.py{f' --limit {limit}' if limit else ''}` — {sizes}. "
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()} CPU with {os.cpu_count()} cores, {seconds / 60:.0f} min. "
        "Metrics are those of `qa eval` (defined in qa/eval/metrics.py); latency is answer time per question, "
        "after start-up, on this machine.",
        "",
        "- **ours**: the default configuration (hybrid retrieval, sentence-level quotes).",
        "- **BM25**: bm25s over LangChain-style 1,000-character chunks (200 overlap); the quote is each top chunk's "
        "sentence with the most rare question words.",
        "- **chunk recipe**: the same chunks, all-MiniLM-L6-v2, FAISS flat; the quote is each top chunk's sentence "
        "most similar to the question.",
        "- Ratio: ours ÷ the better of the two baselines on that metric (for latency and quote length, lower is better, "
        "so the better baseline is the lower one). n/a: the metric does not apply to the set or the answerer "
        "(e.g. baselines give no short answers; xquad-en and covid-qa have no unanswerable questions).",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|---|---|" + "---:|" * (len(HEADER) - 2),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(reports)]
    bad = [p for r in reports.values() for p in r.fidelity]
    lines += [
        "",
        f"Quote fidelity problems: {len(bad)}."
        if bad
        else "Every quote of every answerer equals its document's text at its offsets.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="questions per set, spread over the set (default: all)")
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, from {', '.join(SETS)}")
    ap.add_argument("--out", default=DEFAULT_OUT, help="markdown table to write")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the aggregate metrics as JSON here")
    ap.add_argument(
        "--reports", default=None, help="write each set's report.json/report.md/chart.png under this folder"
    )
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    ap.add_argument(
        "--reader-folds",
        type=Path,
        default=None,
        help="bench/train_reader.py's fold models (its data folder's work/): answer each question of "
        f"{', '.join(TRAINED_ON)} with the model that was not trained on it (out-of-fold figures)",
    )
    ap.add_argument(
        "--leave-source-out",
        action="store_true",
        help="ours only: also ask each answerable question without its sources (should be refused); "
        "writes bench/abstain.md unless --out says otherwise",
    )
    doc_tables.add_arguments(ap)
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    unknown = [n for n in names if n not in SETS]
    if unknown:
        ap.error(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(SETS)}")

    lso = args.leave_source_out
    docs = doc_tables.from_args(ap, args, "quality/leave-source-out" if lso else "quality", argv, args.out)
    t0 = time.time()
    config = Config.from_env()  # QA_EMBEDDER=onnx and other QA_* settings measure a variant
    reports = {name: run_set(name, args.limit, config, not args.quiet, lso, args.reader_folds) for name in names}
    seconds = time.time() - t0
    if lso:
        md = lso_markdown(reports, args.limit, seconds)
        out = Path(args.out if args.out != DEFAULT_OUT else ROOT / "bench" / "abstain.md")
        out.write_text(md, encoding="utf-8")
        print(md)
        if docs:
            docs.write(md)
        if args.reports:
            for name, r in reports.items():
                write_report(r, Path(args.reports) / name)
        return 1 if any(r.fidelity for r in reports.values()) else 0

    print()
    print("\n".join(text_table(HEADER, table_rows(reports))))
    for name, r in reports.items():
        for w in r.warnings:
            print(f"warning ({name}): {w}", file=sys.stderr)
    md = markdown(reports, args.limit, seconds)
    Path(args.out).write_text(md, encoding="utf-8")
    print(f"\nwrote {args.out}", file=sys.stderr)
    if docs:
        docs.write(md)
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps({n: r.metrics for n, r in reports.items()}, indent=2), encoding="utf-8"
        )
    if args.reports:
        for name, r in reports.items():
            write_report(r, Path(args.reports) / name)
    fidelity = sum(len(r.fidelity) for r in reports.values())
    if fidelity:
        print(f"QUOTE FIDELITY BUG: {fidelity} quote(s) do not match their documents", file=sys.stderr)
    return 1 if fidelity else 0


if __name__ == "__main__":
    sys.exit(main())

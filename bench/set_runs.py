"""What bench/embed_once.py and bench/vector_precision.py share: each swaps part of a cached index in
memory and asks every question of each evaluation set again, so both open the sets the same way and
take the same command-line options."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

import doc_tables
from quality import SETS

from qa.config import Config
from qa.eval import check_sources, evaluate, load_questions


def open_set(name: str, limit: int | None):
    """(questions, documents, assistant) of evaluation set `name`, on the index bench/quality.py caches."""
    from qa.api import Assistant, load_documents

    questions_path, corpus_path = SETS[name]
    qset = load_questions(questions_path).limited(limit)
    documents = list(load_documents([corpus_path]).documents)
    check_sources(qset, documents)
    return qset, documents, Assistant.cached(documents, Config(), progress=lambda m, f: None)


def main_over_sets(
    argv,
    description: str,
    script: str,
    run_set: Callable[[str, int | None], dict],
    markdown: Callable[[dict, str], str],
    table: str | None = None,
) -> int:
    """Parse --sets/--limit/--out, run `run_set` on each set, print (and write) `markdown` of the results;
    with `table`, also rewrite that table of docs/benchmarks.md (--docs, --no-docs)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sets", default="xquad-en,covid-qa,shipped", help=f"comma-separated, of {', '.join(SETS)}")
    parser.add_argument("--limit", type=int, help="questions per set (default: all)")
    parser.add_argument("--out", help="also write the table here")
    if table:
        doc_tables.add_arguments(parser)
    args = parser.parse_args(argv)
    docs = doc_tables.from_args(parser, args, table, argv, args.out) if table else None
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in names if s not in SETS]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(SETS)}")
    res = {name: run_set(name, args.limit) for name in names}
    md = markdown(res, f"python bench/{script} " + " ".join(argv if argv is not None else sys.argv[1:]))
    print(md)
    if args.out:
        Path(args.out).write_text(md, encoding="utf-8")
    if docs:
        docs.write(md)
    return 0


def evaluate_variant(name: str, variant: str, qset, documents, assistant, metrics) -> dict:
    """`metrics` of every question of `qset` asked of `assistant` as it stands (one variant's swap)."""
    t0 = time.time()
    report = evaluate(qset, {variant: assistant}, documents, progress=False)
    found = {m: report.metrics[variant].get(m) for m in metrics}
    print(f"{name} {variant}: {found} ({time.time() - t0:.0f} s)", file=sys.stderr)
    return found


def metric_cells(found: dict, metrics) -> str:
    """The Markdown cells of `metrics`, three decimals, "n/a" where a metric does not apply."""
    return " | ".join(f"{found[m]:.3f}" if found[m] is not None else "n/a" for m in metrics)

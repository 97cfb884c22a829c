"""Are sentence vectors worth embedding? Answers with and without the sentence cosine in ranking.

An index embeds every sentence (the question's cosine to each candidate sentence is the largest of
the hand-set weights) and every chunk (for retrieval). #25 asked whether one set could go. Sentence
vectors derived into chunk vectors are measured by bench/embed_once.py; this measures the other way:
chunk vectors only, so the sentence cosine drops out of the ranking (its weight set to zero: without
a reader nothing takes its place; the refusal's features are left as they are).

    python bench/sentence_vectors.py --sets xquad-en,covid-qa,shipped,realtimeqa-dev

The indexes are those bench/quality.py caches. Prints a Markdown table.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from set_runs import evaluate_variant, main_over_sets, metric_cells, open_set  # noqa: E402

from qa.answer import candidates  # noqa: E402

METRICS = ("answer_at_1", "answer_at_5", "source_hit_at_1", "false_abstain_rate")
VARIANTS = ("both vector sets", "chunk vectors only")


def run_set(name: str, limit: int | None) -> dict:
    qset, documents, assistant = open_set(name, limit)
    weight = candidates.WEIGHTS["semantic"]
    results = {}
    try:
        for variant in VARIANTS:
            candidates.WEIGHTS["semantic"] = weight if variant == VARIANTS[0] else 0.0
            results[variant] = evaluate_variant(name, variant, qset, documents, assistant, METRICS)
    finally:
        candidates.WEIGHTS["semantic"] = weight
    return results


def markdown(res: dict[str, dict], command: str) -> str:
    lines = [
        f"`{command}`: ranking with and without the sentence cosine.",
        "",
        "| set | variant | " + " | ".join(METRICS) + " |",
        "|---|---|" + "---:|" * len(METRICS),
    ]
    for name, r in res.items():
        for variant in VARIANTS:
            lines.append(f"| {name} | {variant} | {metric_cells(r[variant], METRICS)} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    return main_over_sets(argv, __doc__.splitlines()[0], "sentence_vectors.py", run_set, markdown)


if __name__ == "__main__":
    sys.exit(main())

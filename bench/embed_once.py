"""Embed each text once? Chunk vectors derived from sentence vectors, against embedded ones.

A build embeds every sentence (for quoting) and every chunk (for retrieval): on news about half the
embedding time goes to chunks whose sentences were just embedded. This measures what retrieval
and answers lose when a chunk's vector is instead the normalised mean of its sentences' vectors
(plain, or weighted by each sentence's length in characters), on the same index: only the FAISS
chunk index is swapped, in memory, and nothing is written.

    python bench/embed_once.py                      # xquad-en, covid-qa and the shipped news set
    python bench/embed_once.py --sets shipped --limit 50 --out embed_once.md

The indexes are those bench/quality.py caches (built on first use). Prints a Markdown table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from set_runs import evaluate_variant, main_over_sets, metric_cells, open_set  # noqa: E402

METRICS = ("source_hit_at_1", "source_hit_at_5", "mrr_at_10", "answer_at_1", "answer_at_5")
VARIANTS = ("embedded", "mean", "length-weighted")


def derived_vectors(index, weighted: bool) -> np.ndarray:
    """One unit vector per searched chunk: the (length-weighted) mean of its sentences' vectors."""
    dim = index.sentence_vectors.shape[1]
    out = np.zeros((len(index.chunks), dim), dtype=np.float32)
    for i, chunk in enumerate(index.chunks):
        rows = [index.sentence_row(chunk.doc_id, s, e) for s, e in chunk.sentences]
        rows = [r for r in rows if r is not None]
        if not rows:
            continue
        weights = np.array([(e - s) if weighted else 1 for s, e in chunk.sentences][: len(rows)], dtype=np.float32)
        vec = (index.sentence_vectors[rows] * weights[:, None]).sum(axis=0)
        out[i] = vec / (np.linalg.norm(vec) or 1.0)
    return out


def swap_dense(index, vectors: np.ndarray) -> None:
    import faiss

    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(vectors)
    index.use_dense(dense)


def run_set(name: str, limit: int | None) -> dict:
    qset, documents, assistant = open_set(name, limit)
    index = assistant.index
    embedded = index.chunk_vectors().copy()
    results: dict[str, dict] = {"chunks": len(index.chunks), "sentences": len(index.sentence_rows)}
    for variant in VARIANTS:
        if variant == "embedded":
            swap_dense(index, embedded)
        else:
            derived = derived_vectors(index, weighted=variant == "length-weighted")
            results[f"{variant}_cosine"] = float(np.mean(np.sum(embedded * derived, axis=1)))
            swap_dense(index, derived)
        results[variant] = evaluate_variant(name, variant, qset, documents, assistant, METRICS)
    swap_dense(index, embedded)
    return results


def markdown(res: dict[str, dict], command: str) -> str:
    lines = [
        f"`{command}`: chunk vectors embedded, or derived from the index's own sentence vectors.",
        "",
        "| set | chunks | variant | cosine to embedded | " + " | ".join(METRICS) + " |",
        "|---|---:|---|---:|" + "---:|" * len(METRICS),
    ]
    for name, r in res.items():
        for variant in VARIANTS:
            cos = "1.000" if variant == "embedded" else f"{r[f'{variant}_cosine']:.3f}"
            vals = metric_cells(r[variant], METRICS)
            lines.append(f"| {name} | {r['chunks']:,} | {variant} | {cos} | {vals} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    return main_over_sets(argv, __doc__.splitlines()[0], "embed_once.py", run_set, markdown, table="embed_once")


if __name__ == "__main__":
    sys.exit(main())

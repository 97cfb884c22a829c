"""What would smaller vectors cost? Sentence and chunk vectors at float16 or int8, against float32.

Sentence vectors are the largest file of an index (7.6 GB of float32 at a million chunks, memory-
mapped, so disk and page cache rather than resident memory). Issue #13 asks what keeping them as
float16, or as int8 with FAISS's scalar quantiser, would cost in answers. This measures it on the
same index: the sentence vectors are replaced, in memory, by their float16 or int8 round trip (what
a store of that type would hand back), and the FAISS chunk index by a scalar-quantised one of the
same type. Nothing is written.

    python bench/vector_precision.py                   # xquad-en, covid-qa and the shipped news set
    python bench/vector_precision.py --sets shipped --out precision.md

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

METRICS = ("source_hit_at_1", "source_hit_at_5", "answer_at_1", "answer_at_5", "abstain_recall", "false_abstain_rate")
VARIANTS = ("float32", "float16", "int8")
BYTES_PER_VALUE = {"float32": 4, "float16": 2, "int8": 1}


def quantizer(variant: str, dim: int):
    """FAISS's scalar quantiser of that type, trained on nothing it needs (fp16 has no ranges; int8 is
    trained on the vectors it is given, per dimension, as an index built that way would be)."""
    import faiss

    kind = {"float16": faiss.ScalarQuantizer.QT_fp16, "int8": faiss.ScalarQuantizer.QT_8bit}[variant]
    return faiss.IndexScalarQuantizer(dim, kind, faiss.METRIC_INNER_PRODUCT)


def round_trip(vectors: np.ndarray, variant: str) -> np.ndarray:
    """The vectors as a store of that type would give them back (float32 again)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if variant == "float32":
        return vectors
    if variant == "float16":
        return vectors.astype(np.float16).astype(np.float32)
    sq = quantizer(variant, vectors.shape[1])
    sq.train(vectors)
    return sq.sa_decode(sq.sa_encode(vectors))


def swap(index, sentences: np.ndarray, chunks: np.ndarray, variant: str) -> None:
    import faiss

    dim = chunks.shape[1]
    dense = faiss.IndexFlatIP(dim) if variant == "float32" else quantizer(variant, dim)
    if not dense.is_trained:
        dense.train(chunks)
    dense.add(chunks)
    index.use_dense(dense)
    index.sentence_vectors = round_trip(sentences, variant)


def run_set(name: str, limit: int | None) -> dict:
    qset, documents, assistant = open_set(name, limit)
    index = assistant.index
    sentences, chunks = np.asarray(index.sentence_vectors, dtype=np.float32).copy(), index.chunk_vectors().copy()
    if index.sentence_vectors.dtype != np.float32:  # a store of float16 (writer.SENTENCE_VECTOR_DTYPE): the
        # float32 baseline is the model's own vectors of the same sentences, embedded again
        sentences = assistant.embedder.encode([index.sentence_text(r) for r in range(len(sentences))])
    results: dict = {"chunks": len(index.chunks), "sentences": len(sentences)}
    for variant in VARIANTS:
        swap(index, sentences, chunks, variant)
        back = np.asarray(index.sentence_vectors)
        results[f"{variant}_cosine"] = float(
            np.min(np.sum(sentences * back, axis=1) / np.maximum(np.linalg.norm(back, axis=1), 1e-12))
        )
        results[variant] = evaluate_variant(name, variant, qset, documents, assistant, METRICS)
    swap(index, sentences, chunks, "float32")
    return results


def markdown(res: dict[str, dict], command: str) -> str:
    lines = [
        f"`{command}`: sentence and chunk vectors stored as float32, float16 or int8 (round trip in memory).",
        "",
        "| set | sentences | vectors | bytes a value | min cosine to float32 | " + " | ".join(METRICS) + " |",
        "|---|---:|---|---:|---:|" + "---:|" * len(METRICS),
    ]
    for name, r in res.items():
        for variant in VARIANTS:
            vals = metric_cells(r[variant], METRICS)
            lines.append(
                f"| {name} | {r['sentences']:,} | {variant} | {BYTES_PER_VALUE[variant]} "
                f"| {r[f'{variant}_cosine']:.6f} | {vals} |"
            )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    return main_over_sets(
        argv, __doc__.splitlines()[0], "vector_precision.py", run_set, markdown, table="vector_precision"
    )


if __name__ == "__main__":
    sys.exit(main())

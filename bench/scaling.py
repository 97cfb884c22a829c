"""The measured inputs of docs/scaling.md: per-worker ingest throughput and record sizes, on the shipped corpus.

    python bench/scaling.py [--index-dir DIR] [--repeat N]

Embeds the index's chunk texts and sentence texts again with one torch thread (one worker's share of a
CPU) and with all threads, and prints chunks per second (a chunk's cost includes its sentences, which
are embedded too), with the sizes per chunk of every index file, as one JSON object. Build the index
first (`qa index`). Figures depend on the machine and its load; docs/scaling.md says where they came from.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default="index")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    import torch

    from qa.config import Config
    from qa.embed import Embedder
    from qa.store import files_dir, load_index

    config = Config()
    index = load_index(args.index_dir, config)
    chunks = [c.text for c in index.chunks]
    sentences = [index.sentence_text(r) for r in range(len(index.sentence_rows))]
    embedder = Embedder(config.model, config.batch_size, "torch")  # torch threads are what this measures
    embedder.encode(chunks[:8])  # warm-up: first call allocates
    rates = {}
    for threads in (1, os.cpu_count() or 1):
        torch.set_num_threads(threads)
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            embedder.encode(chunks)
            embedder.encode(sentences)
        rates[threads] = len(chunks) * args.repeat / (time.perf_counter() - t0)
    where = files_dir(args.index_dir, index.manifest)
    n = len(chunks)
    print(
        json.dumps(
            {
                "chunks": n,
                "sentences": len(sentences),
                "sentences_per_chunk": round(len(sentences) / n, 2),
                "mean_chunk_chars": round(sum(map(len, chunks)) / n, 1),
                "chunks_per_s_one_thread": round(rates[1], 1),
                f"chunks_per_s_{os.cpu_count()}_threads": round(rates[os.cpu_count() or 1], 1),
                "bytes_per_chunk": {
                    name: round(_bytes(where / name) / n, 1)
                    for name in (
                        "chunk_spans.npy",
                        "chunk_rows.npy",
                        "texts.bin",
                        "chunks.faiss",
                        "sentences.npy",
                        "sentence_vectors.npy",
                        "bm25",
                    )
                },
                "cpu": os.cpu_count(),
                "load_average": os.getloadavg()[0],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

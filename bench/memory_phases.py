"""Resident memory of one `qa index` build, phase by phase: where bench/memory.py's peak comes from.

    python bench/memory_phases.py CORPUS [--hash-embedder]

Prints the process's current and peak RSS (VmRSS, VmHWM) when each pass of indexing/writer.py starts
and ends, every few seconds in between, and around the load that follows the build. With
--hash-embedder the model is replaced by a hash of each text (unit vectors, same dimension): the
figures are then those of the pipeline's own state (documents, chunks, copy tables, vectors on
their way to disk) without torch's, and a 10 MB corpus takes a few minutes instead of half an hour.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSES = ("write_documents", "chunk_and_dedupe", "embed_sentences", "embed_chunks", "write_groups")
EVERY_SECONDS = 5  # between progress lines inside a pass
DIM = 384  # all-MiniLM-L6-v2's


class HashEmbedder:
    """Unit vectors seeded by each text's CRC: as many bytes as the model's, none of its memory."""

    def __init__(self, *args, **kwargs):
        self.dim = DIM

    def encode(self, texts, show_progress_bar=None) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = np.random.default_rng(zlib.crc32(text.encode("utf-8", "surrogatepass"))).standard_normal(DIM)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _mb() -> dict[str, int]:
    found = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) // 1024
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--hash-embedder", action="store_true", help="embed with a hash instead of the model")
    a = ap.parse_args()
    from qa.api import load_documents
    from qa.config import Config
    from qa.indexing import build, writer

    t0, last = time.time(), [0.0]

    def say(what: str) -> None:
        m = _mb()
        print(f"{time.time() - t0:7.1f} s  rss {m['VmRSS']:5d} MB  peak {m['VmHWM']:5d} MB  {what}", flush=True)

    def progress(message: str, fraction: float) -> None:
        if time.time() - last[0] > EVERY_SECONDS:
            last[0] = time.time()
            say(message)

    def traced(name, fn):
        def run(*args, **kwargs):
            say(f"start {name}")
            out = fn(*args, **kwargs)
            say(f"end {name}")
            return out

        return run

    for name in PASSES:
        setattr(writer, name, traced(name, getattr(writer, name)))
    build.load_index = traced("load_index", build.load_index)
    if a.hash_embedder:
        build.Embedder = HashEmbedder
    documents = load_documents([a.corpus]).documents
    say(f"{len(documents)} documents read")
    with tempfile.TemporaryDirectory(prefix="qa-phases-") as tmp:
        build.build_index(documents, Path(tmp) / "index", Config(), progress=progress)
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())

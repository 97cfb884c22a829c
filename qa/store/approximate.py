"""Dense search that stays fast at a million chunks (issue #13, point 5): above a size threshold the
flat FAISS index of a generation is replaced by an inverted-file index (IVF) over the same vectors.

IVF keeps every vector as it is (IndexIVFFlat: no compression), so the scores it returns are the
exact inner products; only which chunks it looks at is approximate (the `nprobe` lists nearest to
the question). How often that misses one of the exact top 10 is measured when the index is written,
on a sample of the index's own sentence vectors (real text, the kind of vector a question is), and
recorded in the manifest ("dense": {"recall_at_10": …}); bench/scale.py measures it on real questions.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# Flat search costs time linear in the chunks (bench/scale.py: ~40 ms at 100k chunks, ~170 ms at 1M
# on an idle core, issue #13); IVF pays a training pass at build time and a recall cost, so it is
# used only where flat search would miss the 100 ms target.
APPROXIMATE_ABOVE = 250_000
# Lists ~ 4 sqrt(n) (FAISS's guideline is 4..16 sqrt(n)); probing 1/64 of them searches ~1.5% of
# the vectors, the recall measured at 1M (bench/scale.py) is what set it.
LISTS_PER_SQRT = 4
PROBE_SHARE = 64
TRAIN_PER_LIST = 64  # training vectors per list: FAISS warns below 39
RECALL_SAMPLE = 1000  # sentence vectors used as queries for the recorded recall
RECALL_AT = 10
SEED = 0


def ivf_layout(n: int) -> tuple[int, int]:
    """(lists, probes) for `n` vectors."""
    lists = max(1, int(LISTS_PER_SQRT * np.sqrt(n)))
    return lists, max(1, lists // PROBE_SHARE)


def approximate_dense(folder: Path, dense_name: str, sentence_vectors: np.ndarray) -> dict:
    """Replace `folder/dense_name` (a flat index) by an IVF index over its vectors when it holds more
    than APPROXIMATE_ABOVE; returns what the manifest records about the dense index."""
    import faiss

    # memory-mapped: a build below the threshold only reads the count, not every chunk vector
    flat = faiss.read_index(str(folder / dense_name), faiss.IO_FLAG_MMAP_IFC)
    if flat.ntotal <= APPROXIMATE_ABOVE:
        return {"index": "flat", "recall_at_10": 1.0}
    vectors = flat.reconstruct_n(0, flat.ntotal)
    lists, probes = ivf_layout(flat.ntotal)
    rng = np.random.default_rng(SEED)
    train = vectors[np.sort(rng.choice(len(vectors), min(len(vectors), lists * TRAIN_PER_LIST), replace=False))]
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(flat.d), flat.d, lists, faiss.METRIC_INNER_PRODUCT)
    ivf.train(train)
    ivf.add(vectors)
    del vectors
    ivf.nprobe = probes
    ivf.make_direct_map()  # reconstruct(i): a rebuild reuses chunk vectors by position
    rows = np.sort(rng.choice(len(sentence_vectors), min(len(sentence_vectors), RECALL_SAMPLE), replace=False))
    recall = recall_at(flat, ivf, np.ascontiguousarray(sentence_vectors[rows], dtype=np.float32))
    # a new file, not the flat one overwritten: the generation may share that file (a hard link)
    tmp = folder / f"{dense_name}.ivf"
    faiss.write_index(ivf, str(tmp))
    os.replace(tmp, folder / dense_name)
    return {
        "index": "ivf-flat",
        "lists": lists,
        "probes": probes,
        "recall_at_10": round(recall, 4),
        "recall_queries": f"{len(rows)} sentence vectors of the index",
    }


def recall_at(exact, approximate, queries: np.ndarray, k: int = RECALL_AT) -> float:
    """Share of the exact top-k that the approximate index returns for the same queries."""
    _, truth = exact.search(queries, k)
    _, found = approximate.search(queries, k)
    hits = sum(len(set(t) & set(f)) for t, f in zip(truth.tolist(), found.tolist()))
    return hits / max(1, truth.size)


def search_parameters(dense, allowed: np.ndarray):
    """FAISS parameters that restrict a search to the chunk positions `allowed` (a filter). An IVF
    index probes every list then: the allowed chunks may lie outside the few lists nearest the
    question, and a filter must not come back short; that search costs what a flat one does."""
    import faiss

    selector = faiss.IDSelectorBatch(allowed)
    # faiss's stubs omit the keyword constructor its Python layer adds (which also keeps `selector`
    # alive as long as the parameters; setting the attribute afterwards would not)
    if isinstance(dense, faiss.IndexIVF):
        return faiss.SearchParametersIVF(sel=selector, nprobe=dense.nlist)  # type: ignore[call-arg]
    return faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]

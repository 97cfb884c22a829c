"""Building an index: chunk, find wire copies, embed (only text not seen before), extract quotations,
and write a generation of the store (qa/store/ keeps the format, reads it and searches it). One build
path serves every store, so the FAISS folder and Milvus, built plainly or on Ray, hold the same
chunks, wire copies and quotations.

    build.py        the one build path, its targets (the FAISS folder; milvus.py), the lazy embedder
    writer.py       one generation's files written in bounded memory (three passes)
    milvus.py       the Milvus store as a target: the documents whose rows changed, from a generation
    dedupe.py       wire copies and repeats: each sentence's first copy, documents that copy one story
    minhash.py      MinHash signatures (datasketch's scheme) for dedupe.py's near-duplicate paragraphs
    parts.py        chunks and vectors computed elsewhere (the Ray pipeline)
    distributed.py  the Ray Data pipeline of `qa index --ray` (the only module that imports Ray)
    cache.py        indexes of evaluated corpora, kept in the user cache folder
"""

from .build import (
    LazyEmbedder,
    Progress,
    Target,
    add_documents,
    add_to_store,
    build,
    build_from_parts,
    build_index,
    build_store,
    ensure_index,
    no_progress,
    remove_documents,
    remove_from_store,
    target_for,
)
from .cache import cache_root, cached_index_dir, corpus_key, ensure_cached_index

__all__ = [
    "LazyEmbedder",
    "Progress",
    "Target",
    "add_documents",
    "add_to_store",
    "build",
    "build_from_parts",
    "build_index",
    "build_store",
    "cache_root",
    "cached_index_dir",
    "corpus_key",
    "ensure_cached_index",
    "ensure_index",
    "no_progress",
    "remove_documents",
    "remove_from_store",
    "target_for",
]

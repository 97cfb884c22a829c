"""Building an index: chunk, find wire copies, embed (only text not seen before), extract quotations,
and write a generation of the store (qa/store/ keeps the format, reads it and searches it).

    build.py        a build from documents: the steps, the embedder loaded on first use
    writer.py       one generation's files written in bounded memory (three passes)
    dedupe.py       wire copies and repeats: each sentence's first copy, documents that copy one story
    minhash.py      MinHash signatures (datasketch's scheme) for dedupe.py's near-duplicate paragraphs
    parts.py        chunks and vectors computed elsewhere (the Ray pipeline)
    distributed.py  the Ray Data pipeline of `qa index --ray` (the only module that imports Ray)
    cache.py        indexes of evaluated corpora, kept in the user cache folder
"""

from .build import Progress, add_documents, build_index, ensure_index, remove_documents
from .cache import cache_root, cached_index_dir, corpus_key, ensure_cached_index

__all__ = [
    "Progress", "add_documents", "build_index", "cache_root", "cached_index_dir", "corpus_key", "ensure_cached_index",
    "ensure_index", "remove_documents",
]

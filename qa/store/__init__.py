"""The index on disk: manifest, build, load and the evaluation cache. FAISS (dense) and bm25s
(lexical) over chunks, with sentence vectors beside them; nothing is pickled.

Layout of an index directory:

    manifest.json          format version, package and library versions, model, chunking, documents
    documents.jsonl        the cleaned documents, one JSON object a line (quotes are cut from these)
    chunks.jsonl           chunks with their sentence offsets
    chunks.faiss           faiss.IndexFlatIP over unit-length chunk vectors
    sentences.npy          int64 rows (document number, start, end), one per sentence
    sentence_vectors.npy   float32 unit vectors, one per sentence row
    bm25/                  bm25s index (JSON params + .npy arrays)
"""

from .build import Progress, add_documents, build_index, ensure_index, remove_documents
from .cache import cache_root, cached_index_dir, corpus_key, ensure_cached_index
from .index import Index, load_index
from .lexical import bm25_scores
from .manifest import FORMAT_VERSION, MANIFEST, is_current, read_manifest, settings_of

__all__ = [
    "FORMAT_VERSION", "MANIFEST", "Index", "Progress", "add_documents", "bm25_scores", "build_index",
    "cache_root", "cached_index_dir", "corpus_key", "ensure_cached_index", "ensure_index", "is_current",
    "load_index", "read_manifest", "remove_documents", "settings_of",
]

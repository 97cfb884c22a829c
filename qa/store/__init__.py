"""The index on disk: manifest, build, load and the evaluation cache. FAISS (dense) and bm25s
(lexical) over chunks, with sentence vectors beside them; nothing is pickled.

Layout of an index folder (a stable folder: `Index.path`; builds switch what is inside it):

    manifest.json          format version, package and library versions, model, chunking, documents,
                           and "generation": the folder below that holds the files it describes
    gen-<time>-<pid>-<hex>/
      documents.json       every document's fields but its text (format 3; tables.py has the columns)
      texts.bin            the cleaned texts, UTF-8, read a document at a time (quotes are cut from these)
      text_offsets.npy     where each document's text starts in texts.bin
      chunk_*.npy          chunks as columns: document, offsets, tokens, and their sentence rows
      duplicate_chunk_*.npy  the same for chunks made only of wire copies
      sentence_doc_at.npy  each document's first sentence row
      chunks.faiss         faiss.IndexFlatIP over unit-length chunk vectors
      sentences.npy        int64 rows (document number, start, end), one per sentence
      sentence_vectors.npy float16 unit vectors, one per sentence row (float32 before; both load)
      bm25/                bm25s index (JSON params + .npy arrays)
    .lock                  taken by a build while it writes and switches
    .tmp-*                 a generation or manifest being written (a killed build's are removed by the next)

A build writes and fsyncs a new generation, then replaces manifest.json in one `os.replace`: a reader
sees the old index or the new one, and a build killed at any instant leaves one of them loadable
(build.py has the steps). An index written before generations (the files beside manifest.json, no
"generation") still loads, and its first rebuild converts it; so does an index of format 2, whose
documents and chunks are JSONL (documents.jsonl, chunks.jsonl), read whole into the same tables.
"""

from .index import Index, load_index
from .lexical import bm25_scores
from .manifest import (
    FORMAT_VERSION, MANIFEST, document_record, files_dir, is_current, read_manifest, recorded, settings_of,
)

__all__ = [
    "FORMAT_VERSION", "MANIFEST", "Index", "bm25_scores", "document_record", "files_dir",
    "is_current", "load_index", "read_manifest", "recorded", "settings_of",
]

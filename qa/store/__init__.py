"""The index on disk and in a store: the format (manifest, columns, generations), and the backends that
read and search it. qa/indexing/ builds what this package reads; nothing here imports it.

    backend.py      the `Store` interface everything above reads, and `open_store` (faiss or milvus:URI)
    contents.py     what every store holds, read the same way (documents, chunks, sentence rows, copies)
    faiss_store.py  the FAISS folder (`FaissStore`): `load_index`, FAISS and bm25s searches
    milvus.py       the Milvus store: its collections, and Milvus's searches
    manifest.py     what built an index (format, versions, model, settings, documents)
    generations.py  the atomic switch from one generation of files to the next (`publish`, `sync_tree`)
    tables.py       documents and chunks as columns
    quotations.py   quotations.jsonl
    lexical.py      bm25s, and the top-n of a score array
    approximate.py  IVF above a size threshold, and filtered FAISS searches

Layout of an index folder (a stable folder: `FaissStore.path`; builds switch what is inside it):

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
      sentence_canonical.npy  each sentence row's first copy; duplicates.json the documents that copy one story
      quotations.jsonl     the direct quotations (qa/quotations), with the extractor's version
      bm25/                bm25s index (JSON params + .npy arrays)
    .lock                  taken by a build while it writes and switches
    .tmp-*                 a generation or manifest being written (a killed build's are removed by the next)

A build writes and fsyncs a new generation, then replaces manifest.json in one `os.replace`: a reader
sees the old index or the new one, and a build killed at any instant leaves one of them loadable
(generations.py has the steps). An index written before generations (the files beside manifest.json,
no "generation") still loads, and its first rebuild converts it; so does an index of format 2, whose
documents and chunks are JSONL (documents.jsonl, chunks.jsonl), read whole into the same tables.

The hooks bench/ may use besides the `Assistant` (it lays out synthetic indexes and swaps vectors to
measure them): `publish` and `sync_tree`, the file names of faiss_store.py, `write_tables` and
`write_documents_table`, `build_bm25`/`build_bm25_ids`, `approximate_dense`, `make_manifest`,
`load_index`/`open_store`, and `FaissStore.use_dense`; qa.indexing.writer's `VectorWriter`. Nothing private.
"""

from .backend import Store, is_milvus, milvus_uri, open_store
from .faiss_store import FaissStore, load_index
from .generations import publish, sync_tree
from .lexical import bm25_scores
from .manifest import (
    FORMAT_VERSION,
    MANIFEST,
    document_record,
    files_dir,
    is_current,
    read_manifest,
    recorded,
    settings_of,
    with_embedder_of,
)

__all__ = [
    "FORMAT_VERSION",
    "MANIFEST",
    "FaissStore",
    "Store",
    "bm25_scores",
    "document_record",
    "files_dir",
    "is_current",
    "is_milvus",
    "load_index",
    "milvus_uri",
    "open_store",
    "publish",
    "read_manifest",
    "recorded",
    "settings_of",
    "sync_tree",
    "with_embedder_of",
]

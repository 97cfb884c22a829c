"""Writing one generation's files in bounded memory, with wire copies embedded once.

Three passes over the documents, none of which holds the whole corpus's vectors or texts twice:

1. chunk a batch of documents at a time (or take an unchanged document's chunks from the previous
   index), find each sentence's canonical copy (dedupe.py), and write the chunks out as they come:
   a chunk holding at least one canonical sentence goes to chunks.jsonl (FAISS and BM25 index it),
   a chunk made only of copies to duplicate_chunks.jsonl (its sentences stay quotable, as
   corroboration, but it is neither embedded nor searched);
2. embed the sentences a batch at a time, appended to sentence_vectors.npy with plain writes: a copy
   takes its canonical row's vector, a text the previous index embedded takes that vector (found by a
   64-bit key of the text in a sorted array, not a dict of texts), and only the rest meets the model;
3. the same for the indexed chunks, appended to chunks.faiss (faiss's IndexFlatIP file, written here
   rather than by faiss, which would hold every chunk vector, twice while its array doubles).

So exact copies are never embedded twice, near copies take the first copy's vector, and the memory a
build needs beyond the documents themselves is a batch of texts and vectors and a few integer arrays
per sentence and chunk. Vectors already on disk (the previous index's, or this build's for a copy) are
read back a row at a time with `pread`, never through a memory map: every page a map touches counts
as the process's resident memory, so mapping the vectors would make the build's peak grow with the
corpus after all.
"""

from __future__ import annotations

import io
import json
import os
import struct
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Protocol

import numpy as np

from ..chunk import chunk_documents
from ..config import Config
from ..nlp import tokenize
from ..progress import BuildProgress
from ..records import Chunk, Document
from ..store.backend import Store
from ..store.faiss_store import (
    BM25,
    CHUNKS,
    DENSE,
    DOCUMENTS,
    DUPLICATE_CHUNKS,
    DUPLICATES,
    SENTENCE_CANONICAL,
    SENTENCE_VECTORS,
    SENTENCES,
)
from ..store.lexical import EMPTY_TOKEN, build_bm25_ids
from ..store.manifest import same_vectors, settings_of, unchanged_ids
from .dedupe import Deduper, text_key

# Documents are chunked this many characters at a time: spaCy's working memory and the chunks of one
# batch stay bounded whatever the corpus holds (one batch of the 100 MB benchmark is 1% of it).
DOC_BATCH_CHARS = 1_000_000
# Texts embedded (and written) at a time: the model sorts a batch by length, so a larger batch pads
# less, while its vectors and token tensors stay a few megabytes.
EMBED_BATCH = 1024


@dataclass
class Layout:
    """What pass 1 leaves for the embedding passes."""

    rows: np.ndarray  # (n, 3) document number, start, end of every sentence
    canonical: np.ndarray  # (n,) canonical row of every sentence
    # (m, 4) document number, start, end of every indexed chunk, and the row of its one sentence
    # when it holds just one (-1 otherwise): such a chunk's vector is that sentence's
    kept: np.ndarray
    token_ids: list = field(default_factory=list)  # array('i') of BM25 token ids per indexed chunk
    vocab: dict = field(default_factory=dict)
    duplicate_chunks: int = 0
    groups: list = field(default_factory=list)


# Sentence vectors are stored as float16: half the largest file of an index (3.8 GB instead of 7.6 GB
# at a million chunks) and half the pages a question reads, for no measured change in answers on
# xquad-en, covid-qa or the shipped news set (bench/vector_precision.md: unit vectors lose about 1e-7
# of cosine). They are read back as float32; chunk vectors stay float32 inside FAISS.
SENTENCE_VECTOR_DTYPE = "<f2"
_VECTOR_DTYPES = ("<f4", "<f2")


class _Rows:
    """Rows of a (n, dim) float32 or float16 matrix stored in a file from `offset` on, read one at a
    time with pread (see the module's note) and returned as float32."""

    def __init__(self, path: str | Path, offset: int, dim: int, descr: str = "<f4"):
        self._fh = open(path, "rb")
        self.offset, self.dim, self.descr = offset, dim, descr
        self._row_bytes = np.dtype(descr).itemsize * dim

    def __getitem__(self, row: int) -> np.ndarray:
        raw = os.pread(self._fh.fileno(), self._row_bytes, self.offset + int(row) * self._row_bytes)
        return np.frombuffer(raw, dtype=self.descr).astype(np.float32)

    def close(self) -> None:
        self._fh.close()


class RowReader(_Rows):
    """Rows of a (n, dim) float32 or float16 .npy file (an index written before float16 has float32)."""

    def __init__(self, path: str | Path):
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read(fh)
            offset = fh.tell()
        if dtype.str not in _VECTOR_DTYPES or len(shape) != 2:
            raise ValueError(f"{path}: not a float32 or float16 matrix")
        super().__init__(path, offset, int(shape[1]), dtype.str)


class _Appender:
    """A file written front to back after its header: rows already written can be read back."""

    def _open(self, path: Path, header: bytes) -> None:
        self._out = open(path, "wb")
        self._out.write(header)
        self._out.flush()

    def append(self, vectors: np.ndarray) -> None:
        self._out.write(np.ascontiguousarray(vectors, dtype=self.descr).tobytes())  # type: ignore[attr-defined]
        self._out.flush()  # so that pread sees it

    def close(self) -> None:
        self._out.close()
        super().close()  # type: ignore[misc]


class VectorWriter(_Appender, RowReader):
    """A (n, dim) .npy of `descr` (float16 by default: sentence vectors) written a batch at a time."""

    def __init__(self, path: Path, n: int, dim: int, descr: str = SENTENCE_VECTOR_DTYPE):
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False, "shape": (n, dim)})
        self._open(path, header.getvalue())
        RowReader.__init__(self, path)


# faiss's own serialisation of an IndexFlatIP (faiss/impl/index_write.cpp): "IxFI", d (int32), ntotal
# (int64), two unused int64 that faiss writes as 1 << 20, is_trained (uint8), the metric (int32,
# 0 = inner product), then the vectors: their number of floats (uint64) and the floats. Written here so
# that a build never holds the chunk vectors (faiss grows its own array by doubling: 2-3 times them at
# once); tests/test_store.py checks the bytes against faiss.write_index, so a faiss that writes
# otherwise fails there, not in a user's index.
_FLAT_IP_HEADER = struct.Struct("<4siqqqBiQ")
_FAISS_UNUSED = 1 << 20
_METRIC_INNER_PRODUCT = 0


class FlatIPWriter(_Appender, _Rows):
    """chunks.faiss (a faiss.IndexFlatIP of n rows) written a batch at a time."""

    def __init__(self, path: Path, n: int, dim: int):
        header = _FLAT_IP_HEADER.pack(b"IxFI", dim, n, _FAISS_UNUSED, _FAISS_UNUSED, 1, _METRIC_INNER_PRODUCT, n * dim)
        self._open(path, header)
        _Rows.__init__(self, path, _FLAT_IP_HEADER.size, dim)


def _rows_of(vectors) -> "RowReader | np.ndarray":
    """A row reader for an index's sentence vectors: pread on the file behind a memory map (vectors
    in memory, a Milvus store's, are read as they are)."""
    return RowReader(vectors.filename) if isinstance(vectors, np.memmap) and vectors.filename else vectors


class VectorSource(Protocol):
    """Vectors a build takes instead of embedding, by a 64-bit key of their exact text (`text_key`)."""

    def sentence(self, key: int) -> np.ndarray | None: ...

    def chunk(self, key: int) -> np.ndarray | None: ...


class PriorVectors:
    """Vectors the previous store holds, found by a 64-bit key of their exact text (sorted arrays:
    16 bytes per text instead of a dict holding every text and vector)."""

    def __init__(self, previous: Store | None, config: Config):
        self.previous = previous if previous is not None and same_vectors(previous.manifest, config) else None
        self.sentence_keys, self.sentence_rows = _empty(), _empty()
        self.chunk_keys, self.chunk_ids = _empty(), _empty()
        self._vectors = None
        if self.previous is None:
            return
        self._vectors = _rows_of(self.previous.sentence_vectors)
        canonical = self.previous.sentence_canonical
        # only a row that was embedded for its own text: a copy holds its canonical row's vector
        own = np.flatnonzero(canonical == np.arange(len(canonical)))
        keys = np.fromiter((text_key(self.previous.sentence_text(int(r))) for r in own), np.int64, len(own))
        self.sentence_keys, self.sentence_rows = _sorted_map(keys, own)
        keys = np.fromiter((text_key(c.text) for c in self.previous.chunks), np.int64, len(self.previous.chunks))
        self.chunk_keys, self.chunk_ids = _sorted_map(keys, np.arange(len(keys)))

    def sentence(self, key: int) -> np.ndarray | None:
        row = _find(self.sentence_keys, self.sentence_rows, key)
        if row < 0:
            return None
        assert self._vectors is not None  # a key was found, so there was a previous store
        return np.asarray(self._vectors[row], dtype=np.float32)

    def chunk(self, key: int) -> np.ndarray | None:
        i = _find(self.chunk_keys, self.chunk_ids, key)
        if i < 0:
            return None
        assert self.previous is not None  # a key was found, so there was a previous store
        return self.previous.chunk_vector(int(i))


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _sorted_map(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    return keys[order], np.asarray(values, dtype=np.int64)[order]


def _find(keys: np.ndarray, values: np.ndarray, key: int) -> int:
    i = int(np.searchsorted(keys, key))
    return int(values[i]) if i < len(keys) and keys[i] == key else -1


def reusable_chunks(documents: list[Document], config: Config, previous: Store | None) -> dict[str, list[Chunk]]:
    """Chunks of the documents unchanged since `previous` (same text, same chunking settings)."""
    if previous is None or previous.manifest.get("settings") != settings_of(config):
        return {}
    unchanged = unchanged_ids(previous.manifest, documents)
    out: dict[str, list[Chunk]] = {}
    for c in list(previous.chunks) + list(previous.duplicate_chunks):
        if c.doc_id in unchanged:
            out.setdefault(c.doc_id, []).append(c)
    for chunks in out.values():
        chunks.sort(key=lambda c: (c.start, c.end))
    return out


def _batches(documents: list[Document]) -> Iterator[list[tuple[int, Document]]]:
    batch: list[tuple[int, Document]] = []
    size = 0
    for number, doc in enumerate(documents):
        if batch and size + len(doc.text) > DOC_BATCH_CHARS:
            yield batch
            batch, size = [], 0
        batch.append((number, doc))
        size += len(doc.text)
    if batch:
        yield batch


def write_documents(folder: Path, documents: list[Document]) -> None:
    with open(folder / DOCUMENTS, "w", encoding="utf-8") as fh:
        for d in documents:
            fh.write(json.dumps({k: v for k, v in d.to_dict().items() if k != "sha256"}, ensure_ascii=False) + "\n")


def chunk_and_dedupe(
    folder: Path, documents: list[Document], config: Config, reusable: dict[str, list[Chunk]], progress: BuildProgress
) -> Layout:
    """Pass 1: chunks and sentence rows of every document, their copies found, chunks written. The
    chunks of the documents in `reusable` are taken from there (unchanged since the previous store, or
    made by the Ray pipeline); the others are chunked here."""
    deduper = Deduper()
    rows, kept = array("q"), array("q")
    layout = Layout(rows=_empty(), canonical=_empty(), kept=_empty())
    progress.stage("chunking", "Splitting sentences and chunking")
    with (
        open(folder / CHUNKS, "w", encoding="utf-8") as kept_fh,
        open(folder / DUPLICATE_CHUNKS, "w", encoding="utf-8") as dup_fh,
    ):
        for batch in _batches(documents):
            fresh = [d for _, d in batch if d.id not in reusable]
            number_of = {d.id: n for n, d in batch}
            new: dict[str, list[Chunk]] = {}
            # with nothing new to split, spaCy is never loaded (seconds): dropping documents stays quick
            for c in chunk_documents(fresh, config.chunk_tokens, config.chunk_overlap_tokens) if fresh else ():
                new.setdefault(c.doc_id, []).append(c)
                progress.advance(number_of[c.doc_id])  # chunks come in document order: those before are done
            for number, doc in batch:
                chunks = reusable.get(doc.id) or new.get(doc.id, [])
                spans = sorted({s for c in chunks for s in c.sentences})
                first = len(deduper)
                deduper.add_document(number, doc.text, spans)
                row_of = {span: first + i for i, span in enumerate(spans)}
                for s, e in spans:
                    rows.extend((number, s, e))
                for c in chunks:
                    line = json.dumps(c.to_dict(), ensure_ascii=False) + "\n"
                    if any(deduper.canonical[row_of[s]] == row_of[s] for s in c.sentences):
                        kept_fh.write(line)
                        kept.extend((number, c.start, c.end, row_of[c.sentences[0]] if len(c.sentences) == 1 else -1))
                        ids = array("i", (layout.vocab.setdefault(t, len(layout.vocab)) for t in tokenize(c.text)))
                        layout.token_ids.append(
                            ids or array("i", [layout.vocab.setdefault(EMPTY_TOKEN, len(layout.vocab))])
                        )
                    else:
                        dup_fh.write(line)
                        layout.duplicate_chunks += 1
            progress.advance(batch[-1][0] + 1)
    layout.rows = np.frombuffer(rows, dtype=np.int64).reshape(-1, 3).copy()
    layout.kept = np.frombuffer(kept, dtype=np.int64).reshape(-1, 4).copy()
    layout.canonical = deduper.canonical_array()
    layout.groups = deduper.document_groups([d.id for d in documents])
    return layout


class EmbedCount:
    """Texts sent to the model, by kind (the manifest records them: a copy never adds to them)."""

    def __init__(self):
        self.sentences = 0
        self.chunks = 0


def _documents_done(rows: np.ndarray, b: int, total: int) -> int:
    """How many documents have all their rows (sentences or chunks, in document order) before row b."""
    return int(rows[b, 0]) if b < len(rows) else total


def embed_sentences(
    folder: Path,
    documents: list[Document],
    layout: Layout,
    embedder,
    prior: VectorSource,
    counter: EmbedCount,
    progress: BuildProgress,
    show: bool | None,
) -> None:
    """Pass 2: every sentence's vector, appended to sentence_vectors.npy a batch at a time."""
    n = len(layout.rows)
    out = VectorWriter(folder / SENTENCE_VECTORS, n, embedder.dim)
    progress.stage("sentences", f"Embedding {n:,} sentences")
    try:
        for a in range(0, n, EMBED_BATCH):
            b = min(n, a + EMBED_BATCH)
            out.append(_sentence_batch(documents, layout, a, b, embedder, prior, counter, out, show))
            progress.advance(_documents_done(layout.rows, b, len(documents)))
        progress.advance(len(documents))
    finally:
        out.close()
    np.save(folder / SENTENCES, layout.rows, allow_pickle=False)
    np.save(folder / SENTENCE_CANONICAL, layout.canonical, allow_pickle=False)


def _sentence_batch(
    documents,
    layout: Layout,
    a: int,
    b: int,
    embedder,
    prior: VectorSource,
    counter: EmbedCount,
    written: RowReader,
    show: bool | None,
) -> np.ndarray:
    """Vectors of sentence rows a..b: the previous index's, the model's, or (a copy) its first copy's."""
    vecs = np.zeros((b - a, embedder.dim), dtype=np.float32)
    missing: dict[int, int] = {}  # text key -> row to embed
    texts: dict[int, str] = {}
    for r in range(a, b):
        if layout.canonical[r] != r:
            continue
        d, s, e = layout.rows[r].tolist()
        text = documents[d].text[s:e]
        key = text_key(text)
        vec = prior.sentence(key)
        if vec is not None:
            vecs[r - a] = vec
        else:
            missing[key] = r  # a canonical row's text is its own: no other canonical row has it
            texts[key] = text
    if missing:
        keys = list(missing)
        counter.sentences += len(keys)
        for k, v in zip(keys, embedder.encode([texts[k] for k in keys], show_progress_bar=show)):
            vecs[missing[k] - a] = v
    for r in np.flatnonzero(layout.canonical[a:b] != np.arange(a, b)).tolist():
        first = int(layout.canonical[r + a])  # comes before its copies: in this batch or written
        vecs[r] = vecs[first - a] if first >= a else written[first]
    return vecs


def embed_chunks(
    folder: Path,
    documents: list[Document],
    layout: Layout,
    embedder,
    prior: VectorSource,
    counter: EmbedCount,
    progress: BuildProgress,
    show: bool | None,
) -> None:
    """Pass 3: the indexed chunks' vectors, appended to chunks.faiss a batch at a time; then BM25 written."""
    m = len(layout.kept)
    progress.stage("chunks", f"Embedding {m:,} chunks")
    dense = FlatIPWriter(folder / DENSE, m, embedder.dim)
    sentence_vectors = RowReader(folder / SENTENCE_VECTORS)
    seen: dict[int, int] = {}  # text key -> position of the first indexed chunk with that text
    for a in range(0, m, EMBED_BATCH):
        b = min(m, a + EMBED_BATCH)
        vecs = np.zeros((b - a, embedder.dim), dtype=np.float32)
        missing: dict[int, list[int]] = {}
        texts: dict[int, str] = {}
        later: list[tuple[int, int]] = []  # (batch position, earlier position in this batch)
        for i in range(a, b):
            d, s, e, one = layout.kept[i].tolist()
            if one >= 0:  # a one-sentence chunk: the sentence's vector (written in pass 2)
                vecs[i - a] = sentence_vectors[one]
                continue
            text = documents[d].text[s:e]
            key = text_key(text)
            if key in seen:
                j = seen[key]
                if j < a:
                    vecs[i - a] = dense[j]
                else:
                    later.append((i - a, j - a))
                continue
            seen[key] = i
            vec = prior.chunk(key)
            if vec is not None:
                vecs[i - a] = vec
            else:
                missing.setdefault(key, []).append(i - a)
                texts[key] = text
        if missing:
            keys = list(missing)
            counter.chunks += len(keys)
            for k, v in zip(keys, embedder.encode([texts[k] for k in keys], show_progress_bar=show)):
                vecs[missing[k]] = v
        for i, j in later:
            vecs[i] = vecs[j]
        dense.append(vecs)
        progress.advance(_documents_done(layout.kept, b, len(documents)))
    progress.advance(len(documents))
    dense.close()
    sentence_vectors.close()
    build_bm25_ids(layout.token_ids, layout.vocab).save(str(folder / BM25), show_progress=False)


def write_groups(folder: Path, layout: Layout) -> None:
    """duplicates.json: the documents that copy one story, and how the copies were found."""
    from . import dedupe

    copies = int((layout.canonical != np.arange(len(layout.canonical))).sum())
    record = {
        "documents": layout.groups,
        "copied_sentences": copies,
        "unindexed_chunks": layout.duplicate_chunks,
        "method": {
            "minhash": {"num_perm": dedupe.NUM_PERM, "seed": dedupe.SEED, "bands": dedupe.BANDS, "rows": dedupe.ROWS},
            "paragraph_shingle_words": dedupe.PARAGRAPH_SHINGLE,
            "sentence_jaccard": dedupe.SENTENCE_JACCARD,
            "document_share": dedupe.DOCUMENT_SHARE,
        },
    }
    (folder / DUPLICATES).write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")

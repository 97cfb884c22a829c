"""Documents and chunks as columns (format 3): what an index loads in milliseconds at a million chunks.

Parsing JSONL into a Python object per document and per chunk was most of the load time and about
half the resident memory at 300k chunks (issue #13). A generation instead holds:

    documents.json         one JSON list of every document's fields except its text (small)
    texts.bin              every document's text, UTF-8, one after another
    text_offsets.npy       (documents + 1,) int64 byte offsets of each text in texts.bin
    chunk_spans.npy        (chunks, 4) int64: document number, start, end, tokens
    chunk_rows.npy         int64 sentence rows (sentences.npy) of every chunk, one chunk after another
    chunk_rows_at.npy      (chunks + 1,) int64: where each chunk's rows start in chunk_rows.npy
    sentence_doc_at.npy    (documents + 1,) int64: each document's first row in sentences.npy
    duplicate_chunk_*.npy  the same three for the chunks made only of copies (qa/indexing/dedupe.py)

A document's text is read (pread on a descriptor opened at load, so a build that replaces the
generation meanwhile does not pull it away) and decoded only when something reads `Document.text`;
a chunk is made from its columns when it is indexed. Nothing here is computed on the first question.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..records import Chunk, Document

DOCUMENT_META, TEXTS, TEXT_OFFSETS = "documents.json", "texts.bin", "text_offsets.npy"
SENTENCE_DOC_AT = "sentence_doc_at.npy"
CHUNK_TABLE, DUPLICATE_TABLE = "chunk", "duplicate_chunk"  # prefixes of the three chunk columns
# Decoded texts kept: the candidates of one question come from at most a few dozen documents, and a
# rebuild walks the chunks document by document, so a small cache serves both.
TEXTS_CACHED = 64


def _table_files(prefix: str) -> tuple[str, str, str]:
    return f"{prefix}_spans.npy", f"{prefix}_rows.npy", f"{prefix}_rows_at.npy"


TABLE_FILES = (
    DOCUMENT_META,
    TEXTS,
    TEXT_OFFSETS,
    SENTENCE_DOC_AT,
    *_table_files(CHUNK_TABLE),
    *_table_files(DUPLICATE_TABLE),
)


# --- writing ------------------------------------------------------------------------------------


def write_documents_table(folder: Path, documents: Sequence[Document]) -> None:
    """documents.json, texts.bin and text_offsets.npy, a document at a time."""
    offsets = np.zeros(len(documents) + 1, dtype=np.int64)
    meta = []
    with open(folder / TEXTS, "wb") as fh:
        for i, d in enumerate(documents):
            data = d.text.encode("utf-8")
            fh.write(data)
            offsets[i + 1] = offsets[i] + len(data)
            meta.append({k: v for k, v in d.to_dict().items() if k not in ("text", "sha256")})
    np.save(folder / TEXT_OFFSETS, offsets, allow_pickle=False)
    (folder / DOCUMENT_META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def chunk_columns(
    chunks, doc_number: Mapping[str, int], rows: np.ndarray, doc_at: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(spans, rows, rows_at) of `chunks`; each chunk sentence is found among its document's rows."""
    spans = np.zeros((len(chunks), 4), dtype=np.int64)
    rows_at = np.zeros(len(chunks) + 1, dtype=np.int64)
    found: list[np.ndarray] = []
    for i, c in enumerate(chunks):
        d = doc_number[c.doc_id]
        spans[i] = (d, c.start, c.end, c.n_tokens)
        mine = find_rows(rows, doc_at, d, [s for s, _ in c.sentences], [e for _, e in c.sentences])
        if (mine < 0).any():
            raise ValueError(f"chunk {c.id}: a sentence is not among the index's sentence rows")
        found.append(mine)
        rows_at[i + 1] = rows_at[i] + len(mine)
    return spans, (np.concatenate(found) if found else np.zeros(0, dtype=np.int64)), rows_at


def sentence_doc_at(rows: np.ndarray, documents: int) -> np.ndarray:
    """First row of each document (and the row count last): rows are sorted by document number."""
    return np.searchsorted(np.ascontiguousarray(rows[:, 0]), np.arange(documents + 1), side="left").astype(np.int64)


def find_rows(rows: np.ndarray, doc_at: np.ndarray, d: int, starts, ends) -> np.ndarray:
    """Rows of document `d` with these (start, end) spans, -1 where there is none (a document's rows
    are sorted by start, then end)."""
    lo, hi = int(doc_at[d]), int(doc_at[d + 1])
    mine = np.asarray(rows[lo:hi])
    keys = mine[:, 1] * (1 << 32) + mine[:, 2]  # offsets are far below 2**32
    want = np.asarray(starts, dtype=np.int64) * (1 << 32) + np.asarray(ends, dtype=np.int64)
    at = np.searchsorted(keys, want)
    ok = (at < len(keys)) & (keys[np.minimum(at, len(keys) - 1)] == want) if len(keys) else np.zeros(len(want), bool)
    return np.where(ok, at + lo, -1).astype(np.int64)


def write_chunk_table(folder: Path, prefix: str, chunks, doc_number, rows, doc_at) -> None:
    for name, column in zip(_table_files(prefix), chunk_columns(chunks, doc_number, rows, doc_at)):
        np.save(folder / name, column, allow_pickle=False)


def write_tables(folder: Path, documents: Sequence[Document]) -> None:
    """The columns of one generation from its documents and the JSONL files the build wrote
    (chunks.jsonl and duplicate_chunks.jsonl read a line at a time; they and documents.jsonl are then
    removed: the loader reads only the columns)."""
    from .faiss_store import CHUNKS, DOCUMENTS, DUPLICATE_CHUNKS, SENTENCES

    rows = np.load(folder / SENTENCES, allow_pickle=False, mmap_mode="r")
    doc_at = sentence_doc_at(rows, len(documents))
    np.save(folder / SENTENCE_DOC_AT, doc_at, allow_pickle=False)
    doc_number = {d.id: i for i, d in enumerate(documents)}
    for prefix, path in ((CHUNK_TABLE, folder / CHUNKS), (DUPLICATE_TABLE, folder / DUPLICATE_CHUNKS)):
        chunks = list(_read_chunks(path)) if path.is_file() else []
        write_chunk_table(folder, prefix, chunks, doc_number, rows, doc_at)
        path.unlink(missing_ok=True)
    write_documents_table(folder, documents)
    (folder / DOCUMENTS).unlink(missing_ok=True)


def _read_chunks(path: Path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield Chunk.from_dict(json.loads(line))


# --- reading ------------------------------------------------------------------------------------


class TextStore:
    """Documents' texts in texts.bin, read and decoded one document at a time, a few kept."""

    def __init__(self, folder: Path):
        self._offsets = np.load(folder / TEXT_OFFSETS, allow_pickle=False)
        self._fh = open(folder / TEXTS, "rb")  # noqa: SIM115 (lives as long as the index)
        size = os.fstat(self._fh.fileno()).st_size
        if len(self._offsets) == 0 or int(self._offsets[-1]) != size:
            raise ValueError(f"{folder / TEXTS}: {size} bytes, the offsets say {int(self._offsets[-1])}")
        self._cache: OrderedDict[int, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def text(self, number: int) -> str:
        found = self._cache.get(number)
        if found is not None:
            self._cache.move_to_end(number)
            return found
        a, b = int(self._offsets[number]), int(self._offsets[number + 1])
        text = os.pread(self._fh.fileno(), b - a, a).decode("utf-8")
        self._cache[number] = text
        if len(self._cache) > TEXTS_CACHED:
            self._cache.popitem(last=False)
        return text


class InMemoryTexts:
    """The same for texts already in memory (an index read from JSONL, format 2)."""

    def __init__(self, texts: list[str]):
        self._texts = texts

    def __len__(self) -> int:
        return len(self._texts)

    def text(self, number: int) -> str:
        return self._texts[number]


class StoredDocument(Document):
    """A document whose text is read from the index when first asked for (Document's fields otherwise)."""

    _texts: TextStore | InMemoryTexts
    _number: int

    def __init__(self, texts, number: int, fields: dict):
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_texts", texts)
        object.__setattr__(self, "_number", number)
        self.__post_init__()

    @property
    def text(self) -> str:  # noqa: D401 (a field of Document, read lazily)
        return self._texts.text(self._number)

    def __eq__(self, other):
        if not isinstance(other, Document):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in Document.__dataclass_fields__)

    def __hash__(self):
        return hash(tuple(getattr(self, f) for f in Document.__dataclass_fields__))


class DocumentTable(Mapping):
    """Documents by id, in index order; each made when looked up, its text read when read."""

    def __init__(self, meta: list[dict], texts):
        if len(meta) != len(texts):
            raise ValueError("documents and texts differ in number")
        self._meta = meta
        self._texts = texts
        self.ids = [m["id"] for m in meta]
        self.number = {d: i for i, d in enumerate(self.ids)}

    def __getitem__(self, doc_id: str) -> Document:
        n = self.number[doc_id]
        return StoredDocument(self._texts, n, self._meta[n])

    def __contains__(self, doc_id) -> bool:
        return doc_id in self.number

    def __iter__(self):
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def text(self, number: int) -> str:
        return self._texts.text(number)


class ChunkTable(Sequence):
    """Chunks in index order, each made from its columns when indexed."""

    def __init__(
        self,
        spans: np.ndarray,
        chunk_rows: np.ndarray,
        rows_at: np.ndarray,
        sentence_rows: np.ndarray,
        documents: DocumentTable,
    ):
        if len(rows_at) != len(spans) + 1:
            raise ValueError("chunk columns differ in length")
        self.spans, self.rows_at, self.rows = spans, rows_at, chunk_rows
        self._sentence_rows = sentence_rows
        self._documents = documents

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        d, start, end, tokens = (int(x) for x in self.spans[i])
        doc_id = self._documents.ids[d]
        mine = self.sentence_rows_of(i)
        sentences = tuple((int(s), int(e)) for s, e in np.asarray(self._sentence_rows[mine, 1:]).tolist())
        text = self._documents.text(d)[start:end]
        return Chunk(Chunk.make_id(doc_id, start, end), doc_id, start, end, text, sentences, tokens)

    def sentence_rows_of(self, i: int) -> np.ndarray:
        return np.asarray(self.rows[int(self.rows_at[i]) : int(self.rows_at[i + 1])])

    def doc_numbers(self) -> np.ndarray:
        return np.asarray(self.spans[:, 0])


def mapped(path: Path) -> np.ndarray:
    """A .npy file memory-mapped read-only, as a plain ndarray: indexing an `np.memmap` runs its
    Python-level `__getitem__` for every element, which cost about 10 ms of a question's 50 ms at
    100k chunks (tens of thousands of single-row lookups); the view keeps the map alive."""
    return np.load(path, allow_pickle=False, mmap_mode="r").view(np.ndarray)


def read_chunk_table(folder: Path, prefix: str, sentence_rows, documents: DocumentTable) -> ChunkTable:
    spans, rows, rows_at = (mapped(folder / name) for name in _table_files(prefix))
    return ChunkTable(spans, rows, rows_at, sentence_rows, documents)


def read_documents(folder: Path) -> DocumentTable:
    meta = json.loads((folder / DOCUMENT_META).read_text(encoding="utf-8"))
    return DocumentTable(meta, TextStore(folder))


def tables_from_records(documents: list[Document], chunks: list[Chunk], duplicates: list[Chunk], rows: np.ndarray):
    """The same tables in memory, from records read out of JSONL (an index of format 2)."""
    table = DocumentTable(
        [{k: v for k, v in d.to_dict().items() if k not in ("text", "sha256")} for d in documents],
        InMemoryTexts([d.text for d in documents]),
    )
    doc_at = sentence_doc_at(rows, len(documents))
    made = [ChunkTable(*chunk_columns(cs, table.number, rows, doc_at), rows, table) for cs in (chunks, duplicates)]
    return table, made[0], made[1], doc_at

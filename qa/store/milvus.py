"""The Milvus store backend: documents, chunks, sentence vectors, wire copies and quotations in Milvus
collections, dense and BM25 search run by Milvus (`search`, and `hybrid_search` for reciprocal rank
fusion).

`MilvusClient(uri)`: a local path ending in `.db` is Milvus Lite (a server process pymilvus starts
for that file; what the tests use), `http://host:19530` a Milvus Standalone or Distributed server.

Collections (one set per URI; every one needs a vector field, so those without a real one carry a
2-dimensional placeholder):

    qa_meta              the manifest (model, settings, counts), whether the last write completed, and
                         the wire-copy record (duplicates.json of the FAISS folder) in parts
    qa_documents         each document as JSON, split into parts of at most PART_CHARS, with its order
                         (seq) and a digest of all the rows it has in the store
    qa_chunks            the searched chunks: id, document, offsets, sentences; `dense` (the chunk's unit
                         vector, FLAT/IP), `lexical` (its qa.nlp tokens) analysed by Milvus, turned into
                         `sparse` by Milvus's BM25 function
    qa_duplicate_chunks  chunks made only of wire copies: quotable, never searched
    qa_sentences         every sentence's offsets, unit vector and first copy (`canonical`)
    qa_quotations        each document's quotations as JSON, in parts

What the collections hold is written by qa/indexing/ (milvus.py there): the same generation a FAISS
build writes, so both stores hold the same chunks, copies and quotations. The answer stage reads them
from memory, as with the FAISS folder (`open_milvus` loads them once, into the tables of tables.py);
searches go to Milvus.

BM25 gets qa.nlp's tokens (lower-cased, stemmed, stopwords out), joined by spaces, not raw text: Milvus
Lite offers only its `standard` tokenizer (no English stemmer), and feeding both backends the same
tokens keeps their lexical rankings alike. Milvus Lite returns BM25 scores negated (best first, most
negative); the server returns them positive. Both are read by order: `_ranked` makes them positive
and decreasing, and fusion only ever compares scores within one result list.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..config import Config
from ..errors import ConfigError, IndexIncompatibleError, IndexMissingError
from ..nlp import tokenize
from ..records import Chunk, Document, Quotation
from .contents import Contents
from .manifest import check_compatible, document_record
from .quotations import EXTRACTOR_VERSION
from .tables import ChunkTable, tables_from_records

META, DOCUMENTS, CHUNKS, DUPLICATE_CHUNKS, SENTENCES, QUOTATIONS = (
    "qa_meta",
    "qa_documents",
    "qa_chunks",
    "qa_duplicate_chunks",
    "qa_sentences",
    "qa_quotations",
)
COLLECTIONS = (META, DOCUMENTS, CHUNKS, DUPLICATE_CHUNKS, SENTENCES, QUOTATIONS)
PER_DOCUMENT = (DOCUMENTS, CHUNKS, DUPLICATE_CHUNKS, SENTENCES, QUOTATIONS)
# The collections above. 1: before wire copies and quotations were stored (such a store is refused,
# and `qa index` replaces it).
LAYOUT = 2
# VARCHAR fields hold at most 65,535 bytes; JSON is stored as ASCII (so bytes = characters), split into
# parts below that.
VARCHAR_MAX = 65_535
PART_CHARS = 60_000
ID_MAX = 8_192  # document ids are paths relative to the corpus folder (plus "#n" for digest articles)
DIGEST_CHARS = 64  # a SHA-256 in hex
PLACEHOLDER_DIM = 2  # the smallest vector Milvus accepts, for collections without a real one
INSERT_BATCH = 256  # rows per insert: 256 × 384 floats stays far below the 64 MB gRPC message limit
READ_BATCH = 1_000  # rows per query_iterator page
FILTER_BATCH = 500  # document ids per delete filter
MAX_TOPK = 16_384  # Milvus refuses a larger limit
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults (the faiss backend), not Milvus's (1.2, 0.75)
RRF_K = 60  # as qa.retrieve.RRF_K
MANIFEST_KEY, DUPLICATES_KEY = "manifest", "duplicates#"  # qa_meta rows: the manifest, the copy record's parts


def connect(uri: str):
    """A `MilvusClient` for `uri`; ConfigError or IndexMissingError saying what to do when there is none."""
    import logging

    # pymilvus logs routine fallbacks (e.g. Milvus Lite's "failed to get mvccTs") as warnings on
    # stderr; failures reach us as exceptions, which are reported as one-line errors
    logging.getLogger("pymilvus").setLevel(logging.ERROR)
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise ConfigError(
            'store: milvus needs pymilvus and milvus-lite; install them with pip install "qa-assistant[milvus]"'
        ) from None
    if "://" not in uri and not uri.endswith(".db"):
        raise ConfigError(
            f"store: milvus:{uri} is neither a Milvus Lite file (a path ending in .db) nor http://host:19530"
        )
    if "://" not in uri and not Path(uri).parent.is_dir():
        raise ConfigError(f"store: milvus:{uri}: the folder {Path(uri).parent} does not exist; create it first")
    try:
        return MilvusClient(uri)
    except Exception as exc:  # pymilvus raises its own exception types for connection failures
        raise IndexMissingError(
            f"store: cannot reach Milvus at {uri} ({_reason(exc)}); start it or check the URI"
        ) from None


def _reason(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc).splitlines()[0]


def _quote(value: str) -> str:
    """A string literal of Milvus's filter language."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _in(field: str, values: Iterable[str]) -> str:
    return f"{field} in [{', '.join(_quote(v) for v in values)}]"


def lexical_text(tokens: list[str]) -> str:
    """The tokens as Milvus's standard tokenizer will split them back: it splits at apostrophes, so
    they go ("don't" → "dont")."""
    return " ".join(t.replace("'", "") for t in tokens)


def _parts(body: str) -> list[str]:
    return [body[i : i + PART_CHARS] for i in range(0, len(body), PART_CHARS)] or [""]


# --- schema -------------------------------------------------------------------------------------------


def create_collections(client, dim: int) -> None:
    from pymilvus import DataType, Function, FunctionType

    def schema(pk_length: int, *fields):
        s = client.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("pk", DataType.VARCHAR, max_length=pk_length, is_primary=True)
        for name, kind, kwargs in fields:
            s.add_field(name, kind, **kwargs)
        return s

    def flat(field: str):
        params = client.prepare_index_params()
        params.add_index(field, index_type="FLAT", metric_type="IP")
        return params

    doc_id = ("doc_id", DataType.VARCHAR, {"max_length": ID_MAX})
    body = ("body", DataType.VARCHAR, {"max_length": VARCHAR_MAX})
    offsets: list[tuple[str, Any, dict]] = [("start", DataType.INT64, {}), ("end", DataType.INT64, {})]
    placeholder = ("v", DataType.FLOAT_VECTOR, {"dim": PLACEHOLDER_DIM})
    plain = {
        META: schema(64, body, placeholder),
        DOCUMENTS: schema(
            ID_MAX + 16,
            doc_id,
            ("seq", DataType.INT64, {}),
            ("part", DataType.INT64, {}),
            body,
            ("digest", DataType.VARCHAR, {"max_length": DIGEST_CHARS}),
            placeholder,
        ),
        DUPLICATE_CHUNKS: schema(ID_MAX + 64, doc_id, *offsets, body, placeholder),
        QUOTATIONS: schema(ID_MAX + 16, doc_id, ("part", DataType.INT64, {}), body, placeholder),
    }
    for name, s in plain.items():
        client.create_collection(name, schema=s, index_params=flat("v"), consistency_level="Strong")

    chunks = schema(
        ID_MAX + 64,
        doc_id,
        *offsets,
        body,
        (
            "lexical",
            DataType.VARCHAR,
            {"max_length": VARCHAR_MAX, "enable_analyzer": True, "analyzer_params": {"tokenizer": "standard"}},
        ),
        ("dense", DataType.FLOAT_VECTOR, {"dim": dim}),
        ("sparse", DataType.SPARSE_FLOAT_VECTOR, {}),
    )
    chunks.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["lexical"], output_field_names=["sparse"]
        )
    )
    params = flat("dense")
    params.add_index(
        "sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": BM25_K1, "bm25_b": BM25_B}
    )
    client.create_collection(CHUNKS, schema=chunks, index_params=params, consistency_level="Strong")

    sents = schema(
        ID_MAX + 64,
        doc_id,
        *offsets,
        ("vector", DataType.FLOAT_VECTOR, {"dim": dim}),
        ("canonical", DataType.VARCHAR, {"max_length": ID_MAX + 64}),
    )
    client.create_collection(SENTENCES, schema=sents, index_params=flat("vector"), consistency_level="Strong")


def drop_collections(client) -> None:
    """Every collection of a qa store, whatever its layout."""
    for name in COLLECTIONS:
        if client.has_collection(name):
            client.drop_collection(name)


def read_meta(client) -> dict | None:
    """The manifest of the store at the client (any layout: check "layout"), or None when it has none."""
    if not client.has_collection(META):
        return None
    client.load_collection(META)
    rows = client.query(META, filter=f"pk == {_quote(MANIFEST_KEY)}", output_fields=["body"])
    return json.loads(rows[0]["body"]) if rows else None


def _has_layout(client, meta: dict | None) -> bool:
    return meta is not None and meta.get("layout") == LAYOUT and all(client.has_collection(n) for n in COLLECTIONS)


def write_meta(client, manifest: dict, *, complete: bool, duplicates: dict | None = None) -> None:
    """The manifest (settings and counts, never the document list) marked complete or not; with
    `duplicates`, the wire-copy record too (in parts: it grows with the corpus)."""
    rows, held = [], (read_meta(client) or {}).get("duplicate_parts", 0)
    if duplicates is None:
        manifest = {**manifest, "duplicate_parts": held}
    else:
        parts = _parts(json.dumps(duplicates, ensure_ascii=True))
        stale = [f"{DUPLICATES_KEY}{n}" for n in range(len(parts), held)]
        if stale:
            client.delete(META, filter=_in("pk", stale))
        rows = [{"pk": f"{DUPLICATES_KEY}{n}", "body": p, "v": [0.0] * PLACEHOLDER_DIM} for n, p in enumerate(parts)]
        manifest = {**manifest, "duplicate_parts": len(parts)}
    body = json.dumps(
        {k: v for k, v in manifest.items() if k not in ("documents", "generation")}
        | {"backend": "milvus", "layout": LAYOUT, "extractor": EXTRACTOR_VERSION, "complete": complete},
        ensure_ascii=True,
    )
    if len(body) > VARCHAR_MAX:  # the manifest holds settings and counts, never the document list
        raise ValueError("manifest too large for one Milvus field")
    client.upsert(META, rows + [{"pk": MANIFEST_KEY, "body": body, "v": [0.0] * PLACEHOLDER_DIM}])


# --- writing: a generation's documents, each with all its rows ----------------------------------------


def _insert(client, name: str, rows: list[dict]) -> None:
    for i in range(0, len(rows), INSERT_BATCH):
        client.insert(name, rows[i : i + INSERT_BATCH])


class Rows:
    """A written generation (a FAISS folder just built, store/faiss_store.py) cut into the rows each of its
    documents has in Milvus, with a digest of them: a document whose digest the store already holds
    needs no writing."""

    def __init__(self, generation: Contents):
        self.g = generation
        self._chunks_at = np.searchsorted(generation.chunks.doc_numbers(), np.arange(len(generation.doc_ids) + 1))
        dup = generation.duplicate_chunks
        self._dups_at = (
            np.searchsorted(dup.doc_numbers(), np.arange(len(generation.doc_ids) + 1))
            if isinstance(dup, ChunkTable) and len(dup)
            else np.zeros(len(generation.doc_ids) + 1, dtype=np.int64)
        )
        self._quotations: dict[str, list[Quotation]] = {}
        for q in generation.quotations or []:
            self._quotations.setdefault(q.doc_id, []).append(q)

    def _sentence_pk(self, row: int) -> str:
        d, s, e = np.asarray(self.g.sentence_rows[row]).tolist()
        return f"{self.g.doc_ids[d]}#{s}-{e}"

    def _canonical(self, row: int) -> str:
        first = int(self.g.sentence_canonical[row])
        return "" if first == row else self._sentence_pk(first)

    def _sentence_range(self, number: int) -> range:
        return range(int(self.g.sentence_doc_at[number]), int(self.g.sentence_doc_at[number + 1]))

    def _chunk_range(self, number: int, duplicates: bool = False) -> range:
        at = self._dups_at if duplicates else self._chunks_at
        return range(int(at[number]), int(at[number + 1]))

    def _quotations_of(self, doc_id: str) -> str:
        return json.dumps([q.to_dict() for q in self._quotations.get(doc_id, [])], ensure_ascii=True)

    def digest(self, number: int) -> str:
        """SHA-256 of everything the document's rows hold but vectors (the same text and model give the
        same vectors): its fields, its chunks, which are searched, its sentences' first copies, its quotations."""
        doc = self.g.documents[self.g.doc_ids[number]]
        chunks = [
            [c.start, c.end, c.sentences, c.n_tokens] for c in (self.g.chunks[i] for i in self._chunk_range(number))
        ]
        dups = [
            [c.start, c.end, c.sentences] for c in (self.g.duplicate_chunks[i] for i in self._chunk_range(number, True))
        ]
        record = {
            "document": {k: v for k, v in doc.to_dict().items() if k != "text"},
            "chunks": chunks,
            "duplicate_chunks": dups,
            "canonical": [self._canonical(r) for r in self._sentence_range(number)],
            "quotations": self._quotations_of(doc.id),
        }
        return hashlib.sha256(json.dumps(record, ensure_ascii=True, default=list).encode()).hexdigest()

    def document_rows(self, number: int, digest: str) -> list[dict]:
        doc = self.g.documents[self.g.doc_ids[number]]
        body = json.dumps({k: v for k, v in doc.to_dict().items() if k != "sha256"}, ensure_ascii=True)
        return [
            {
                "pk": f"{doc.id}#part{n}",
                "doc_id": doc.id,
                "seq": number,
                "part": n,
                "body": part,
                "digest": digest,
                "v": [0.0] * PLACEHOLDER_DIM,
            }
            for n, part in enumerate(_parts(body))
        ]

    def insert(self, client, numbers: Sequence[int], digests: dict[int, str]) -> None:
        """Every row of the documents `numbers` (each document's number is its place in the order);
        the document rows last: a document row says its chunks, sentences and quotations are all there."""
        g = self.g
        _insert(
            client,
            CHUNKS,
            [
                {
                    "pk": c.id,
                    "doc_id": c.doc_id,
                    "start": c.start,
                    "end": c.end,
                    "body": _chunk_body(c),
                    "lexical": lexical_text(tokenize(c.text)),
                    "dense": g.chunk_vector(i).tolist(),
                }
                for n in numbers
                for i in self._chunk_range(n)
                for c in (g.chunks[i],)
            ],
        )
        _insert(
            client,
            DUPLICATE_CHUNKS,
            [
                {
                    "pk": c.id,
                    "doc_id": c.doc_id,
                    "start": c.start,
                    "end": c.end,
                    "body": _chunk_body(c),
                    "v": [0.0] * PLACEHOLDER_DIM,
                }
                for n in numbers
                for i in self._chunk_range(n, True)
                for c in (g.duplicate_chunks[i],)
            ],
        )
        _insert(
            client,
            SENTENCES,
            [
                {
                    "pk": self._sentence_pk(r),
                    "doc_id": g.doc_ids[n],
                    "start": int(g.sentence_rows[r, 1]),
                    "end": int(g.sentence_rows[r, 2]),
                    "vector": np.asarray(g.sentence_vectors[r], dtype=np.float32).tolist(),
                    "canonical": self._canonical(r),
                }
                for n in numbers
                for r in self._sentence_range(n)
            ],
        )
        _insert(
            client,
            QUOTATIONS,
            [
                {
                    "pk": f"{g.doc_ids[n]}#part{p}",
                    "doc_id": g.doc_ids[n],
                    "part": p,
                    "body": body,
                    "v": [0.0] * PLACEHOLDER_DIM,
                }
                for n in numbers
                if g.doc_ids[n] in self._quotations
                for p, body in enumerate(_parts(self._quotations_of(g.doc_ids[n])))
            ],
        )
        _insert(client, DOCUMENTS, [r for n in numbers for r in self.document_rows(n, digests[n])])

    def renumber(self, client, numbers: Sequence[int], digests: dict[int, str]) -> None:
        """Move documents whose other rows are unchanged to their new place in the order."""
        rows = [r for n in numbers for r in self.document_rows(n, digests[n])]
        for i in range(0, len(rows), INSERT_BATCH):
            client.upsert(DOCUMENTS, rows[i : i + INSERT_BATCH])


def _chunk_body(c: Chunk) -> str:
    return json.dumps({"sentences": [list(s) for s in c.sentences], "n_tokens": c.n_tokens})


def delete_documents(client, ids: Sequence[str]) -> None:
    # documents first, so an interrupted removal never leaves a document without its rows
    for name in PER_DOCUMENT:
        for i in range(0, len(ids), FILTER_BATCH):
            client.delete(name, filter=_in("doc_id", ids[i : i + FILTER_BATCH]))


def flush(client) -> None:
    for name in PER_DOCUMENT:
        client.flush(name)


# --- reading -------------------------------------------------------------------------------------------


def _rows(client, name: str, fields: list[str]) -> list[dict]:
    client.load_collection(name)
    it = client.query_iterator(name, batch_size=READ_BATCH, filter="", output_fields=fields)
    out: list[dict] = []
    try:
        while True:
            page = it.next()
            if not page:
                return out
            out.extend(page)
    finally:
        it.close()


def stored_ids(client) -> list[str]:
    """The document ids of whatever store is at the client (any model, settings or layout), or []."""
    try:
        if read_meta(client) is None or not client.has_collection(DOCUMENTS):
            return []
        return sorted({r["doc_id"] for r in _rows(client, DOCUMENTS, ["doc_id"])})
    except Exception:  # a damaged or foreign store is replaced by a full build: nothing to list
        return []


def stored_digests(client) -> dict[str, tuple[int, str]]:
    """Document id -> (seq, digest) of every document row in the store."""
    return {r["doc_id"]: (r["seq"], r["digest"]) for r in _rows(client, DOCUMENTS, ["doc_id", "seq", "digest"])}


def open_milvus(uri: str, config: Config) -> "MilvusStore":
    """The Milvus store at `uri`, loaded for answering; IndexMissingError when it has none."""
    client = connect(uri)
    meta = read_meta(client)
    if meta is None:
        raise IndexMissingError(f"no index in Milvus at {uri}: run `qa index --store milvus:{uri}` to build it")
    check_compatible(meta, config, f"milvus:{uri}")
    if not _has_layout(client, meta):
        raise IndexIncompatibleError(
            f"milvus:{uri}: the store was written by an older version of qa; "
            f"run `qa index --store milvus:{uri}` to rebuild it"
        )
    if not meta.get("complete"):
        raise IndexIncompatibleError(
            f"milvus:{uri}: the last index build did not finish; run `qa index --store milvus:{uri}`"
        )
    return load_milvus(client, uri)


def open_previous_milvus(client, uri: str) -> "MilvusStore | None":
    """The store at the client when a build can build on it (complete, this layout), else None."""
    meta = read_meta(client)
    if meta is None or not _has_layout(client, meta) or not meta.get("complete"):
        return None
    return load_milvus(client, uri)


def _documents(client) -> list[Document]:
    parts: dict[str, list] = {}
    seq: dict[str, int] = {}
    for r in _rows(client, DOCUMENTS, ["doc_id", "seq", "part", "body"]):
        parts.setdefault(r["doc_id"], []).append((r["part"], r["body"]))
        seq[r["doc_id"]] = r["seq"]
    order = sorted(parts, key=lambda i: (seq[i], i))
    return [Document(**json.loads("".join(b for _, b in sorted(parts[i])))) for i in order]


def _chunks(client, name: str, documents: dict[str, Document], number: dict[str, int]) -> list[Chunk]:
    chunks = []
    for r in _rows(client, name, ["pk", "doc_id", "start", "end", "body"]):
        if r["doc_id"] not in documents:  # a write interrupted before its document rows
            continue
        body = json.loads(r["body"])
        chunks.append(
            Chunk(
                id=r["pk"],
                doc_id=r["doc_id"],
                start=r["start"],
                end=r["end"],
                text=documents[r["doc_id"]].text[r["start"] : r["end"]],
                sentences=tuple(tuple(s) for s in body["sentences"]),
                n_tokens=body["n_tokens"],
            )
        )
    chunks.sort(key=lambda c: (number[c.doc_id], c.start, c.end))
    return chunks


def _quotations(client, meta: dict, number: dict[str, int]) -> list[Quotation] | None:
    if meta.get("extractor") != EXTRACTOR_VERSION:
        return None
    parts: dict[str, list] = {}
    for r in _rows(client, QUOTATIONS, ["doc_id", "part", "body"]):
        if r["doc_id"] in number:
            parts.setdefault(r["doc_id"], []).append((r["part"], r["body"]))
    return [
        Quotation.from_dict(q)
        for d in sorted(parts, key=lambda d: number[d])
        for q in json.loads("".join(b for _, b in sorted(parts[d])))
    ]


def _duplicates(client, meta: dict) -> dict:
    keys = [f"{DUPLICATES_KEY}{n}" for n in range(meta.get("duplicate_parts", 0))]
    if not keys:
        return {}
    rows = {r["pk"]: r["body"] for r in client.query(META, filter=_in("pk", keys), output_fields=["pk", "body"])}
    return json.loads("".join(rows[k] for k in keys))


def load_milvus(client, uri: str) -> "MilvusStore":
    meta = read_meta(client)
    if meta is None:
        raise IndexMissingError(f"milvus:{uri} holds no index; run `qa index` to build one")
    docs = _documents(client)
    documents = {d.id: d for d in docs}
    number = {d.id: n for n, d in enumerate(docs)}
    chunks, dups = (_chunks(client, name, documents, number) for name in (CHUNKS, DUPLICATE_CHUNKS))
    sents = [
        r
        for r in _rows(client, SENTENCES, ["pk", "doc_id", "start", "end", "vector", "canonical"])
        if r["doc_id"] in number
    ]
    sents.sort(key=lambda r: (number[r["doc_id"]], r["start"], r["end"]))
    row_of = {r["pk"]: i for i, r in enumerate(sents)}
    canonical = np.asarray(
        [row_of.get(r["canonical"], i) if r["canonical"] else i for i, r in enumerate(sents)], dtype=np.int64
    )
    dim = meta["model"]["dim"]
    rows = np.asarray([(number[r["doc_id"]], r["start"], r["end"]) for r in sents], dtype=np.int64).reshape(-1, 3)
    vectors = np.asarray([r["vector"] for r in sents], dtype=np.float32).reshape(-1, dim)
    table, chunk_table, dup_table, doc_at = tables_from_records(docs, chunks, dups, rows)
    manifest = {**meta, "documents": [document_record(d) for d in docs]}
    return MilvusStore(
        uri=uri,
        client=client,
        manifest=manifest,
        documents=table,
        chunks=chunk_table,
        duplicate_chunks=dup_table,
        sentence_rows=rows,
        sentence_vectors=vectors,
        sentence_canonical=canonical,
        sentence_doc_at=doc_at,
        duplicates=_duplicates(client, meta),
        quotations=_quotations(client, meta, number),
    )


class MilvusStore(Contents):
    """A Milvus store, loaded for answering (store/contents.py holds what it reads, as the FAISS folder
    reads it; the searches are Milvus's)."""

    def __init__(
        self,
        *,
        uri,
        client,
        manifest,
        documents,
        chunks,
        duplicate_chunks,
        sentence_rows,
        sentence_vectors,
        sentence_canonical,
        sentence_doc_at,
        duplicates,
        quotations,
    ):
        self.uri, self.client, self.manifest = uri, client, manifest
        self.path = f"milvus:{uri}"
        self.documents, self.chunks, self.duplicate_chunks = documents, chunks, duplicate_chunks
        self.doc_ids = list(documents.ids)
        self.sentence_rows, self.sentence_vectors = sentence_rows, sentence_vectors
        self.sentence_canonical, self.sentence_doc_at = sentence_canonical, sentence_doc_at
        self.duplicates, self.quotations = duplicates, quotations
        self.removed: list[str] = []
        self.quote_problems: list[str] = []
        self._find_copies()
        self._pks = [c.id for c in chunks]
        self._position = {pk: i for i, pk in enumerate(self._pks)}
        self._df: tuple[dict[str, int], int] | None = None
        self._chunk_vectors: np.ndarray | None = None

    def token_df(self) -> tuple[dict[str, int], int]:
        if self._df is None:
            df = Counter(t for c in self.chunks for t in set(tokenize(c.text)))
            self._df = (dict(df), len(self.chunks))
        return self._df

    def chunk_vectors(self) -> np.ndarray:
        if self._chunk_vectors is None:
            dim = self.manifest["model"]["dim"]
            found = {r["pk"]: r["dense"] for r in _rows(self.client, CHUNKS, ["pk", "dense"])}
            self._chunk_vectors = np.asarray([found[pk] for pk in self._pks], dtype=np.float32).reshape(-1, dim)
        return self._chunk_vectors

    def chunk_vector(self, position: int) -> np.ndarray:
        return self.chunk_vectors()[int(position)]

    # --- searches --------------------------------------------------------------------------------

    def _filter(self, allowed: np.ndarray | None) -> str | None:
        """The filter expression letting through the chunk positions `allowed` ("" for all, None for
        none): whole documents by id, the chunks of partly allowed documents (a wire copy's first
        copy, found for another document) by their own id."""
        if allowed is None:
            return ""
        if not len(allowed):
            return None
        numbers = self.chunks.doc_numbers()
        allowed = np.asarray(allowed, dtype=np.int64)
        wanted = np.bincount(numbers[allowed], minlength=len(self.doc_ids))
        whole = wanted == np.bincount(numbers, minlength=len(self.doc_ids))
        parts = []
        docs = [self.doc_ids[d] for d in np.flatnonzero(whole & (wanted > 0)).tolist()]
        if docs:
            parts.append(_in("doc_id", docs))
        partial = [self._pks[i] for i in allowed.tolist() if not whole[numbers[i]]]
        if partial:
            parts.append(_in("pk", partial))
        return " or ".join(parts)

    def _ranked(self, hits, positive_only: bool) -> dict[int, float]:
        """Milvus hits (best first) as {chunk position: score}; BM25 scores that come negated (Milvus
        Lite) are turned positive, keeping their order."""
        pairs = [(self._position.get(h.get("pk", h.get("id"))), float(h["distance"])) for h in hits]
        pairs = [(i, s) for i, s in pairs if i is not None]
        if pairs and all(s <= 0 for _, s in pairs) and positive_only:
            pairs = [(i, -s) for i, s in pairs]
        return {i: s for i, s in pairs if s > 0 or not positive_only}

    def search_dense(self, vector: np.ndarray, n: int, allowed: np.ndarray | None) -> dict[int, float]:
        flt = self._filter(allowed)
        if flt is None or not self.chunks:
            return {}
        res = self.client.search(
            CHUNKS,
            data=[np.asarray(vector, dtype=np.float32).tolist()],
            anns_field="dense",
            limit=min(n, len(self.chunks), MAX_TOPK),
            filter=flt,
            output_fields=["pk"],
            search_params={"metric_type": "IP"},
        )
        return self._ranked(res[0], positive_only=False)

    def search_lexical(self, tokens: list[str], n: int, allowed: np.ndarray | None) -> dict[int, float]:
        flt, text = self._filter(allowed), lexical_text(tokens)
        if flt is None or not text.strip() or not self.chunks:
            return {}
        res = self.client.search(
            CHUNKS,
            data=[text],
            anns_field="sparse",
            limit=min(n, len(self.chunks), MAX_TOPK),
            filter=flt,
            output_fields=["pk"],
            search_params={"metric_type": "BM25"},
        )
        return self._ranked(res[0], positive_only=True)

    def search_hybrid(
        self, vector: np.ndarray, tokens: list[str], n: int, k: int, allowed: np.ndarray | None
    ) -> dict[int, float] | None:
        from pymilvus import AnnSearchRequest, RRFRanker

        flt, text = self._filter(allowed), lexical_text(tokens)
        if flt is None or not self.chunks:
            return {}
        limit = min(n, len(self.chunks), MAX_TOPK)
        requests = [
            AnnSearchRequest(
                [np.asarray(vector, dtype=np.float32).tolist()], "dense", {"metric_type": "IP"}, limit, expr=flt or None
            )
        ]
        if text.strip():
            requests.append(AnnSearchRequest([text], "sparse", {"metric_type": "BM25"}, limit, expr=flt or None))
        res = self.client.hybrid_search(CHUNKS, requests, RRFRanker(RRF_K), limit=min(k, limit), output_fields=["pk"])
        return self._ranked(res[0], positive_only=False)

"""The Milvus store backend: documents, chunks and sentence vectors in Milvus collections, dense and
BM25 search run by Milvus (`search`, and `hybrid_search` for reciprocal rank fusion).

`MilvusClient(uri)`: a local path ending in `.db` is Milvus Lite (a server process pymilvus starts
for that file; what the tests use), `http://host:19530` a Milvus Standalone or Distributed server.

Collections (one set per URI; every one needs a vector field, so the two without a real one carry
a 2-dimensional placeholder):

    qa_meta       the manifest (model, settings), and whether the last write completed
    qa_documents  each document as JSON, split into parts of at most PART_CHARS, with its order (seq)
    qa_chunks     chunk id, document, offsets, sentences; `dense` (the chunk's unit vector, FLAT/IP),
                  `lexical` (its qa.nlp tokens) analysed by Milvus, turned into `sparse` by Milvus's
                  BM25 function
    qa_sentences  every sentence's offsets and unit vector

The answer stage reads documents, chunks and sentence vectors from memory, as with the FAISS folder:
`open_milvus` loads them once. Searches go to Milvus.

BM25 gets qa.nlp's tokens (lower-cased, stemmed, stopwords out), joined by spaces, not raw text: Milvus
Lite offers only its `standard` tokenizer (no English stemmer), and feeding both backends the same
tokens keeps their lexical rankings alike. Milvus Lite returns BM25 scores negated (best first, most
negative); the server returns them positive. Both are read by order: `_ranked` makes them positive
and decreasing, and fusion only ever compares scores within one result list.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable

import numpy as np

from ..config import Config
from ..errors import ConfigError, EmptyCorpusError, IndexIncompatibleError, IndexMissingError
from ..nlp import tokenize
from ..records import Chunk, Document
from ..indexing.build import _LazyEmbedder, _noop
from ..indexing.parts import Built, compute_parts
from .manifest import check_compatible, document_record, make_manifest, settings_of

META, DOCUMENTS, CHUNKS, SENTENCES = "qa_meta", "qa_documents", "qa_chunks", "qa_sentences"
COLLECTIONS = (META, DOCUMENTS, CHUNKS, SENTENCES)
# VARCHAR fields hold at most 65,535 bytes; documents are stored as ASCII JSON (so bytes = characters)
# split into parts below that.
VARCHAR_MAX = 65_535
PART_CHARS = 60_000
ID_MAX = 8_192  # document ids are paths relative to the corpus folder (plus "#n" for digest articles)
PLACEHOLDER_DIM = 2  # the smallest vector Milvus accepts, for collections without a real one
INSERT_BATCH = 256  # rows per insert: 256 × 384 floats stays far below the 64 MB gRPC message limit
READ_BATCH = 1_000  # rows per query_iterator page
FILTER_BATCH = 500  # document ids per delete filter
MAX_TOPK = 16_384  # Milvus refuses a larger limit
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults (the faiss backend), not Milvus's (1.2, 0.75)
RRF_K = 60  # as qa.retrieve.RRF_K


def _client(uri: str):
    import logging

    # pymilvus logs routine fallbacks (e.g. Milvus Lite's "failed to get mvccTs") as warnings on
    # stderr; failures reach us as exceptions, which are reported as one-line errors
    logging.getLogger("pymilvus").setLevel(logging.ERROR)
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise ConfigError('store: milvus needs pymilvus and milvus-lite; install them with pip install "qa-assistant[milvus]"') from None
    if "://" not in uri and not uri.endswith(".db"):
        raise ConfigError(f"store: milvus:{uri} is neither a Milvus Lite file (a path ending in .db) nor http://host:19530")
    if "://" not in uri and not Path(uri).parent.is_dir():
        raise ConfigError(f"store: milvus:{uri}: the folder {Path(uri).parent} does not exist; create it first")
    try:
        return MilvusClient(uri)
    except Exception as exc:  # pymilvus raises its own exception types for connection failures
        raise IndexMissingError(f"store: cannot reach Milvus at {uri} ({_reason(exc)}); start it or check the URI") from None


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


# --- schema -------------------------------------------------------------------------------------------


def _create(client, dim: int) -> None:
    from pymilvus import DataType, Function, FunctionType

    def schema():
        return client.create_schema(auto_id=False, enable_dynamic_field=False)

    def placeholder(s):
        s.add_field("v", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)

    def flat(field: str):
        params = client.prepare_index_params()
        params.add_index(field, index_type="FLAT", metric_type="IP")
        return params

    meta = schema()
    meta.add_field("pk", DataType.VARCHAR, max_length=64, is_primary=True)
    meta.add_field("body", DataType.VARCHAR, max_length=VARCHAR_MAX)
    placeholder(meta)
    client.create_collection(META, schema=meta, index_params=flat("v"), consistency_level="Strong")

    docs = schema()
    docs.add_field("pk", DataType.VARCHAR, max_length=ID_MAX + 16, is_primary=True)
    docs.add_field("doc_id", DataType.VARCHAR, max_length=ID_MAX)
    docs.add_field("seq", DataType.INT64)
    docs.add_field("part", DataType.INT64)
    docs.add_field("body", DataType.VARCHAR, max_length=VARCHAR_MAX)
    placeholder(docs)
    client.create_collection(DOCUMENTS, schema=docs, index_params=flat("v"), consistency_level="Strong")

    chunks = schema()
    chunks.add_field("pk", DataType.VARCHAR, max_length=ID_MAX + 64, is_primary=True)
    chunks.add_field("doc_id", DataType.VARCHAR, max_length=ID_MAX)
    chunks.add_field("start", DataType.INT64)
    chunks.add_field("end", DataType.INT64)
    chunks.add_field("body", DataType.VARCHAR, max_length=VARCHAR_MAX)
    chunks.add_field("lexical", DataType.VARCHAR, max_length=VARCHAR_MAX, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})
    chunks.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    chunks.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    chunks.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["lexical"], output_field_names=["sparse"]))
    params = flat("dense")
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})
    client.create_collection(CHUNKS, schema=chunks, index_params=params, consistency_level="Strong")

    sents = schema()
    sents.add_field("pk", DataType.VARCHAR, max_length=ID_MAX + 64, is_primary=True)
    sents.add_field("doc_id", DataType.VARCHAR, max_length=ID_MAX)
    sents.add_field("start", DataType.INT64)
    sents.add_field("end", DataType.INT64)
    sents.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    client.create_collection(SENTENCES, schema=sents, index_params=flat("vector"), consistency_level="Strong")


def _drop(client) -> None:
    for name in COLLECTIONS:
        if client.has_collection(name):
            client.drop_collection(name)


def _read_meta(client) -> dict | None:
    if not all(client.has_collection(n) for n in COLLECTIONS):
        return None
    client.load_collection(META)
    rows = client.query(META, filter='pk == "manifest"', output_fields=["body"])
    return json.loads(rows[0]["body"]) if rows else None


def _write_meta(client, meta: dict) -> None:
    body = json.dumps(meta, ensure_ascii=True)
    if len(body) > VARCHAR_MAX:  # the manifest holds settings, never the document list
        raise ValueError("manifest too large for one Milvus field")
    client.upsert(META, [{"pk": "manifest", "body": body, "v": [0.0] * PLACEHOLDER_DIM}])


# --- writing -------------------------------------------------------------------------------------------


def _insert(client, name: str, rows: list[dict]) -> None:
    for i in range(0, len(rows), INSERT_BATCH):
        client.insert(name, rows[i : i + INSERT_BATCH])


def _document_rows(doc: Document, seq: int) -> list[dict]:
    body = json.dumps({k: v for k, v in doc.to_dict().items() if k != "sha256"}, ensure_ascii=True)
    parts = [body[i : i + PART_CHARS] for i in range(0, len(body), PART_CHARS)] or [""]
    return [
        {"pk": f"{doc.id}#part{n}", "doc_id": doc.id, "seq": seq, "part": n, "body": part, "v": [0.0] * PLACEHOLDER_DIM}
        for n, part in enumerate(parts)
    ]


def _write(client, documents: list[Document], built: Built, first_seq: int, progress) -> None:
    """Insert `documents` (numbered from `first_seq` on) with the chunks and vectors `built` holds for them."""
    progress(f"Writing {len(built.chunks)} chunks to Milvus", 0.9)
    chunk_rows = [
        {
            "pk": c.id, "doc_id": c.doc_id, "start": c.start, "end": c.end,
            "body": json.dumps({"sentences": [list(s) for s in c.sentences], "n_tokens": c.n_tokens}),
            "lexical": lexical_text(tokenize(c.text)), "dense": v.tolist(),
        }
        for c, v in zip(built.chunks, built.chunk_vectors)
    ]
    _insert(client, CHUNKS, chunk_rows)
    sent_rows = [
        {"pk": f"{documents[d].id}#{s}-{e}", "doc_id": documents[d].id, "start": s, "end": e, "vector": v.tolist()}
        for (d, s, e), v in zip(built.rows.tolist(), built.sentence_vectors)
    ]
    _insert(client, SENTENCES, sent_rows)
    # documents last: a document row says its chunks and sentences are all there
    _insert(client, DOCUMENTS, [r for i, d in enumerate(documents) for r in _document_rows(d, first_seq + i)])


def _delete(client, ids: list[str]) -> None:
    # documents first, so an interrupted removal never leaves a document without its chunks
    for name in (DOCUMENTS, CHUNKS, SENTENCES):
        for i in range(0, len(ids), FILTER_BATCH):
            client.delete(name, filter=_in("doc_id", ids[i : i + FILTER_BATCH]))


def _meta_for(config: Config, dim: int, complete: bool) -> dict:
    manifest = make_manifest([], config, dim, {}, 0.0)
    manifest.pop("documents")
    return {**manifest, "backend": "milvus", "complete": complete}


def write_milvus(client, documents: list[Document], built: Built, config: Config, dim: int, *,
                 gone: list[str] = (), first_seq: int = 0, progress=_noop) -> None:
    """Apply one change: remove the documents `gone`, insert `documents`; the manifest says "incomplete"
    until both are done, so a store left by a killed write is refused, never read half-written."""
    _write_meta(client, _meta_for(config, dim, complete=False))
    if gone:
        _delete(client, list(gone))
    if documents:
        _write(client, documents, built, first_seq, progress)
    for name in (DOCUMENTS, CHUNKS, SENTENCES):
        client.flush(name)
    _write_meta(client, _meta_for(config, dim, complete=True))


def sync_milvus(documents: list[Document], uri: str, config: Config, *, rebuild: bool = False, progress=_noop,
                show_progress_bar: bool | None = None) -> "MilvusIndex":
    """Make the Milvus store at `uri` hold exactly `documents`: unchanged documents stay, changed and new
    ones are embedded (known text reuses its vectors), missing ones are removed."""
    if not documents:
        raise EmptyCorpusError("no documents to index: add .txt, .md, .html or .jsonl files to the corpus")
    client = _client(uri)
    previous = _open_previous(client, uri, config) if not rebuild else None
    if previous is None:
        removed = _stored_ids(client)
        _drop(client)
        embedder = _LazyEmbedder(config, None)
        built = compute_parts(documents, config, embedder, None, progress, show_progress_bar)
        _create(client, embedder.dim)
        write_milvus(client, documents, built, config, embedder.dim, progress=progress)
        index = _load(client, uri)
        index.removed = [i for i in removed if i not in index.documents]
        progress("Index ready", 1.0)
        return index
    wanted = {d.id: d for d in documents}
    removed = [i for i in previous.documents if i not in wanted]
    # text or metadata (new front matter, an outlet an ingest rule now finds): either changes the citations
    changed = [i for i, d in previous.documents.items() if i in wanted and document_record(wanted[i]) != document_record(d)]
    fresh = [d for d in documents if d.id not in previous.documents or d.id in changed]
    if not removed and not fresh:
        return previous
    index = previous._apply(client, fresh, removed + changed, config, progress, show_progress_bar)
    index.removed = removed
    return index


# --- reading -------------------------------------------------------------------------------------------


def _stored_ids(client) -> list[str]:
    """The document ids of whatever store is at the client (any model or settings), or []."""
    try:
        if _read_meta(client) is None:
            return []
        return sorted({r["doc_id"] for r in _rows(client, DOCUMENTS, ["doc_id"])})
    except Exception:  # a damaged or foreign store is replaced by a full build: nothing to list
        return []


def _open_previous(client, uri: str, config: Config) -> "MilvusIndex | None":
    """The store at `uri` when a sync can build on it (complete, same settings), else None."""
    meta = _read_meta(client)
    if meta is None or not meta.get("complete") or meta.get("settings") != settings_of(config):
        return None
    return _load(client, uri)


def open_milvus(uri: str, config: Config) -> "MilvusIndex":
    """The Milvus store at `uri`, loaded for answering; IndexMissingError when it has none."""
    client = _client(uri)
    meta = _read_meta(client)
    if meta is None:
        raise IndexMissingError(f"no index in Milvus at {uri}: run `qa index --store milvus:{uri}` to build it")
    check_compatible(meta, config, f"milvus:{uri}")
    if not meta.get("complete"):
        raise IndexIncompatibleError(f"milvus:{uri}: the last index build did not finish; run `qa index --store milvus:{uri}`")
    return _load(client, uri)


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


def _load(client, uri: str) -> "MilvusIndex":
    meta = _read_meta(client)
    parts: dict[str, list] = {}
    seq: dict[str, int] = {}
    for r in _rows(client, DOCUMENTS, ["doc_id", "seq", "part", "body"]):
        parts.setdefault(r["doc_id"], []).append((r["part"], r["body"]))
        seq[r["doc_id"]] = r["seq"]
    order = sorted(parts, key=lambda i: (seq[i], i))
    docs = [Document(**json.loads("".join(b for _, b in sorted(parts[i])))) for i in order]
    documents = {d.id: d for d in docs}
    number = {d.id: n for n, d in enumerate(docs)}
    chunks = []
    for r in _rows(client, CHUNKS, ["pk", "doc_id", "start", "end", "body"]):
        if r["doc_id"] not in documents:  # a write interrupted before its document rows
            continue
        body = json.loads(r["body"])
        chunks.append(Chunk(id=r["pk"], doc_id=r["doc_id"], start=r["start"], end=r["end"],
                            text=documents[r["doc_id"]].text[r["start"] : r["end"]],
                            sentences=tuple(tuple(s) for s in body["sentences"]), n_tokens=body["n_tokens"]))
    chunks.sort(key=lambda c: (number[c.doc_id], c.start, c.end))
    sents = [r for r in _rows(client, SENTENCES, ["doc_id", "start", "end", "vector"]) if r["doc_id"] in number]
    sents.sort(key=lambda r: (number[r["doc_id"]], r["start"], r["end"]))
    dim = meta["model"]["dim"]
    rows = np.asarray([(number[r["doc_id"]], r["start"], r["end"]) for r in sents], dtype=np.int64).reshape(-1, 3)
    vectors = np.asarray([r["vector"] for r in sents], dtype=np.float32).reshape(-1, dim)
    manifest = {**meta, "documents": [document_record(d) for d in docs], "counts": {"documents": len(docs), "chunks": len(chunks), "sentences": len(rows)}}
    return MilvusIndex(uri=uri, client=client, manifest=manifest, documents=documents, chunks=chunks,
                       sentence_rows=rows, sentence_vectors=vectors, doc_ids=[d.id for d in docs],
                       seq=max(seq.values(), default=-1) + 1)


class MilvusIndex:
    """A Milvus store, loaded for answering (see backend.Store and backend.SearchingStore)."""

    def __init__(self, *, uri, client, manifest, documents, chunks, sentence_rows, sentence_vectors, doc_ids, seq):
        self.uri, self.client, self.manifest = uri, client, manifest
        self.path = f"milvus:{uri}"
        self.documents: dict[str, Document] = documents
        self.chunks: list[Chunk] = chunks
        self.sentence_rows, self.sentence_vectors, self.doc_ids = sentence_rows, sentence_vectors, doc_ids
        self.removed: list[str] = []
        self._next_seq = seq
        self._position = {c.id: i for i, c in enumerate(chunks)}
        self._sentence_lookup = {(doc_ids[d], s, e): i for i, (d, s, e) in enumerate(sentence_rows.tolist())}
        self._df: tuple[dict[str, int], int] | None = None
        # Milvus keeps every copy of a wire story as its own text (no copy groups, unlike the FAISS
        # folder's dedupe.py): each sentence is its own first copy
        self.sentence_canonical = np.arange(len(sentence_rows), dtype=np.int64)

    # --- the data the answer stage reads ------------------------------------------------------

    @property
    def model(self) -> str:
        return self.manifest["model"]["name"]

    def sentence_row(self, doc_id: str, start: int, end: int) -> int | None:
        return self._sentence_lookup.get((doc_id, start, end))

    def sentence_text(self, row: int) -> str:
        d, s, e = self.sentence_rows[row].tolist()
        return self.documents[self.doc_ids[d]].text[s:e]

    def copies(self, row: int) -> list[int]:
        return [row]

    def chunks_with_copies_in(self, allowed_docs: set[str]) -> list[int]:
        return []

    def token_df(self) -> tuple[dict[str, int], int]:
        if self._df is None:
            df = Counter(t for c in self.chunks for t in set(tokenize(c.text)))
            self._df = (dict(df), len(self.chunks))
        return self._df

    def chunk_vectors(self) -> np.ndarray:
        dim = self.manifest["model"]["dim"]
        found = {r["pk"]: r["dense"] for r in _rows(self.client, CHUNKS, ["pk", "dense"])}
        return np.asarray([found[c.id] for c in self.chunks], dtype=np.float32).reshape(-1, dim)

    def text_vectors(self) -> dict[str, np.ndarray]:
        known = {c.text: v for c, v in zip(self.chunks, self.chunk_vectors())}
        for row, v in enumerate(self.sentence_vectors):
            known[self.sentence_text(row)] = v
        return known

    def stats(self) -> dict:
        return {"documents": len(self.documents), "chunks": len(self.chunks), "model": self.model}

    # --- searches --------------------------------------------------------------------------------

    def _filter(self, allowed: np.ndarray | None) -> str | None:
        """Milvus filters by document: the positions filters allow are whole documents' chunks."""
        if allowed is None:
            return ""
        docs = sorted({self.chunks[int(i)].doc_id for i in allowed})
        return _in("doc_id", docs) if docs else None

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
        res = self.client.search(CHUNKS, data=[np.asarray(vector, dtype=np.float32).tolist()], anns_field="dense",
                                 limit=min(n, len(self.chunks), MAX_TOPK), filter=flt, output_fields=["pk"],
                                 search_params={"metric_type": "IP"})
        return self._ranked(res[0], positive_only=False)

    def search_lexical(self, tokens: list[str], n: int, allowed: np.ndarray | None) -> dict[int, float]:
        flt, text = self._filter(allowed), lexical_text(tokens)
        if flt is None or not text.strip() or not self.chunks:
            return {}
        res = self.client.search(CHUNKS, data=[text], anns_field="sparse", limit=min(n, len(self.chunks), MAX_TOPK),
                                 filter=flt, output_fields=["pk"], search_params={"metric_type": "BM25"})
        return self._ranked(res[0], positive_only=True)

    def search_hybrid(self, vector: np.ndarray, tokens: list[str], n: int, k: int,
                      allowed: np.ndarray | None) -> dict[int, float]:
        from pymilvus import AnnSearchRequest, RRFRanker

        flt, text = self._filter(allowed), lexical_text(tokens)
        if flt is None or not self.chunks:
            return {}
        limit = min(n, len(self.chunks), MAX_TOPK)
        requests = [AnnSearchRequest([np.asarray(vector, dtype=np.float32).tolist()], "dense",
                                     {"metric_type": "IP"}, limit, expr=flt or None)]
        if text.strip():
            requests.append(AnnSearchRequest([text], "sparse", {"metric_type": "BM25"}, limit, expr=flt or None))
        res = self.client.hybrid_search(CHUNKS, requests, RRFRanker(RRF_K), limit=min(k, limit), output_fields=["pk"])
        return self._ranked(res[0], positive_only=False)

    # --- changes ---------------------------------------------------------------------------------

    def _apply(self, client, fresh: list[Document], gone: list[str], config: Config, progress,
               show_progress_bar=None) -> "MilvusIndex":
        dim = self.manifest["model"]["dim"]
        embedder = _LazyEmbedder(config, dim)
        # `self` seeds the vector cache: text seen before (a changed document's unchanged sentences) is not re-embedded
        built = compute_parts(fresh, config, embedder, self, progress, show_progress_bar) if fresh else None
        write_milvus(client, fresh, built, config, dim, gone=gone, first_seq=self._next_seq, progress=progress)
        progress("Index ready", 1.0)
        return _load(client, self.uri)

    def add(self, documents: list[Document], config: Config, *, progress=_noop) -> "MilvusIndex":
        """Add (or replace, by id) documents; a replaced document moves to the end, as in the FAISS folder."""
        ids = [d.id for d in documents]
        return self._apply(self.client, list(documents), [i for i in ids if i in self.documents], config, progress)

    def remove(self, ids: list[str], config: Config, *, progress=_noop) -> tuple["MilvusIndex", list[str]]:
        gone = sorted(set(ids) & set(self.documents))
        if not gone:
            return self, []
        if len(gone) == len(self.documents):
            raise EmptyCorpusError("no documents to index: removing them all would leave the store empty")
        return self._apply(self.client, [], gone, config, progress), gone

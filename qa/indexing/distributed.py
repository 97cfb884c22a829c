"""Distributed ingest on Ray (`qa index --ray auto|ADDRESS`, `pip install "qa-assistant[ray]"`).

One Ray Data pipeline reads, cleans and chunks the files (tasks), then embeds every chunk and sentence
on embedding actors that each hold one model (`map_batches` with an actor class), streaming the
results back to the driver as `Parts` (parts.py). The driver then builds the chosen store (the FAISS
folder or Milvus) through the one build path (build.py), which takes its chunks and vectors from the
parts: wire copies and quotations are found as in any build. Documents, chunks and sentence rows come
out exactly as a plain build makes them (same functions, same order); vectors are the same model's,
batched differently.

Only this module imports Ray, and only `qa index --ray` imports this module.
"""

from __future__ import annotations

import json
import logging
import time
from itertools import groupby
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..config import Config
from ..errors import ConfigError
from ..ingest import MAX_FILE_MB, IngestResult, load_file_safely, walk_files
from ..ingest.problems import problem
from ..records import Chunk, Document
from .build import no_progress
from .parts import Parts

FILES_PER_TASK = 64  # files a read/chunk task takes: enough to amortise spaCy, small enough to spread
DOCS_PER_EMBED_BATCH = 64  # documents an embedding actor encodes in one call to the model
PROGRESS_SECONDS = 5  # a progress line every few seconds, not one per document
RAY_SHARE = 0.85  # of the progress shown: the pipeline's; the build on the driver (build.py) takes the rest


def connect(address: str) -> dict:
    """Join the Ray cluster at `address` ("auto": the running one, else a new local one); returns its
    resources. A session already started (ray.init in a test or notebook) is used as it is."""
    try:
        import ray
    except ImportError:
        raise ConfigError(
            'ray: distributed ingest needs Ray; install it with pip install "qa-assistant[ray]"'
        ) from None

    # Ray Data's own progress report repeats every few seconds at INFO; ours says the same in one line
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    if not ray.is_initialized():
        try:
            ray.init(
                address=None if address == "auto" else address,
                logging_level=logging.ERROR,
                log_to_driver=False,
                include_dashboard=False,
            )
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise ConfigError(
                f"ray: cannot join the Ray cluster at {address!r} ({exc}); start it with `ray start --head`, "
                "or pass --ray auto for a local one"
            ) from None
    return ray.cluster_resources()


# --- the pipeline's steps (they run in Ray workers) ----------------------------------------------------


def _read_and_chunk(batch: dict, chunk_tokens: int, overlap_tokens: int, max_file_mb: float) -> dict:
    """Read, clean and chunk a batch of files: one output row per document or per problem."""
    from ..chunk import chunk_document, split_sentences_many

    out: dict[str, list] = {"order": [], "sub": [], "doc": [], "chunks": [], "problem": []}

    def emit(order: int, sub: int, doc: str = "", chunks: str = "", problem_: str = "") -> None:
        for key, value in zip(out, (order, sub, doc, chunks, problem_)):
            out[key].append(value)

    docs: list = []
    where: list = []
    for order, root, path in zip(batch["order"], batch["root"], batch["path"]):
        loaded, problems = load_file_safely(Path(path), Path(root), max_file_mb)
        for p in problems:
            emit(int(order), -1, problem_=json.dumps([p.path, p.reason, getattr(p, "kind", ""), p.line]))
        docs.extend(loaded)
        where.extend((int(order), sub) for sub in range(len(loaded)))
    # sentence splitting batched over the task's documents, as chunk_documents does
    for d, sents, (order, sub) in zip(docs, split_sentences_many(d.text for d in docs), where):
        chunks = [c.to_dict() for c in chunk_document(d, chunk_tokens, overlap_tokens, sents)]
        emit(order, sub, json.dumps(d.to_dict(), ensure_ascii=False), json.dumps(chunks, ensure_ascii=False))
    return out


class EmbeddingActor:
    """Holds one model; embeds every chunk and sentence of a batch of documents in one call."""

    def __init__(self, model: str, batch_size: int, backend: str):
        from ..embed import Embedder

        if backend == "torch":
            import torch

            torch.set_num_threads(1)  # one CPU per actor: actors, not threads, are the unit of scale
        self.embedder = Embedder(model, batch_size, backend)

    def __call__(self, batch: dict) -> dict:
        texts: dict[str, int] = {}
        plans: list = []
        for doc_json, chunks_json in zip(batch["doc"], batch["chunks"]):
            if not doc_json:
                plans.append(([], []))
                continue
            text = json.loads(doc_json)["text"]
            chunks = json.loads(chunks_json)
            sents = sorted({(s, e) for c in chunks for s, e in c["sentences"]})
            wanted = [c["text"] for c in chunks] + [text[s:e] for s, e in sents]
            for t in wanted:
                texts.setdefault(t, len(texts))
            plans.append((wanted, sents))
        vectors = self.embedder.encode(list(texts)) if texts else np.zeros((0, 1), dtype=np.float32)
        out = dict(batch)
        out["vectors"] = [
            vectors[[texts[t] for t in wanted]].astype(np.float32).tobytes() if wanted else b"" for wanted, _ in plans
        ]
        out["sentences"] = [json.dumps(sents) for _, sents in plans]
        return out


# --- the driver ----------------------------------------------------------------------------------------


def ray_ingest(
    paths: Sequence[str | Path],
    config: Config,
    address: str = "auto",
    *,
    actors: int | None = None,
    progress=no_progress,
    max_file_mb: float | None = None,
) -> tuple[IngestResult, Parts]:
    """Read, clean, chunk and embed the files under `paths` on Ray; returns what a plain load would
    have read (documents and problems) and what a build would have computed (chunks and vectors)."""
    resources = connect(address)  # first: without Ray installed, it says how to install it
    import ray

    roots = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    result = IngestResult()
    files = [
        {"order": i, "root": str(root), "path": str(path)} for i, (root, path) in enumerate(walk_files(roots, result))
    ]
    cpus = int(resources.get("CPU", 1))
    gpus = int(resources.get("GPU", 0))
    # Ray Data fuses the read/chunk step into the embedding actors (same resources), so an actor per CPU
    # (or per GPU) keeps every one busy
    actors = actors or (gpus if gpus else max(1, cpus))
    progress(f"Ray: {len(files)} files, {actors} embedding actor(s) on {cpus} CPU(s), {gpus} GPU(s)", 0.05)
    ds: Any = (
        ray.data.from_items(files, override_num_blocks=max(1, -(-len(files) // FILES_PER_TASK))) if files else None
    )
    rows = []
    if ds is not None:
        ds = ds.map_batches(
            _read_and_chunk,
            batch_size=FILES_PER_TASK,
            num_cpus=1,
            fn_kwargs={
                "chunk_tokens": config.chunk_tokens,
                "overlap_tokens": config.chunk_overlap_tokens,
                "max_file_mb": max_file_mb or MAX_FILE_MB,
            },
        ).map_batches(
            EmbeddingActor,
            batch_size=DOCS_PER_EMBED_BATCH,
            concurrency=actors,
            num_gpus=1 if gpus else 0,
            num_cpus=0 if gpus else 1,
            fn_constructor_kwargs={"model": config.model, "batch_size": config.batch_size, "backend": config.embedder},
        )
        t0 = last = time.time()
        files_done: set[int] = set()
        for row in ds.iter_rows():
            rows.append(row)
            files_done.add(row["order"])
            if time.time() - last > PROGRESS_SECONDS:
                last = time.time()
                progress(
                    f"Ray: {len(files_done)}/{len(files)} files read, chunked and embedded "
                    f"({len(rows) / (last - t0):.1f} documents/s)",
                    0.1 + (RAY_SHARE - 0.1) * len(files_done) / len(files),
                )
        progress(f"Ray: {len(files)} files in {time.time() - t0:.0f} s", RAY_SHARE)
    return _assemble(rows, result, roots)


def _assemble(rows: list[dict], result: IngestResult, paths: list[Path]) -> tuple[IngestResult, Parts]:
    """Put the streamed rows back in file order and add them to `result` a file at a time, as
    load_corpus does (each id gets one holder, as load_corpus decides); gather every kept document's
    chunks and vectors."""
    rows.sort(key=lambda r: (r["order"], r["sub"]))
    row_of: dict[int, dict] = {}  # id() of each document read -> its row
    for _, in_file in groupby(rows, key=lambda r: r["order"]):
        docs, problems = [], []
        for r in in_file:
            if r["problem"]:
                path, reason, kind, line = json.loads(r["problem"])
                problems.append(problem(path, reason, kind, line))
                continue
            fields = json.loads(r["doc"])
            fields.pop("sha256", None)
            docs.append(Document(**fields))
            row_of[id(docs[-1])] = r
        result.add(docs, problems)
    result.finish(paths)
    chunks: dict[str, list[Chunk]] = {}
    texts: list[str] = []
    vectors: list[np.ndarray] = []
    for doc in result.documents:
        r = row_of[id(doc)]
        chunks[doc.id] = [Chunk.from_dict(c) for c in json.loads(r["chunks"])]
        texts.extend(c.text for c in chunks[doc.id])
        texts.extend(doc.text[s:e] for s, e in json.loads(r["sentences"]))
        vectors.append(np.frombuffer(r["vectors"], dtype=np.float32))
    flat = np.concatenate(vectors) if vectors else np.zeros(0, dtype=np.float32)
    dim = len(flat) // len(texts) if texts else 0
    return result, Parts.collect(chunks, texts, flat, dim)

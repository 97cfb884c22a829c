"""The FAISS store at synthetic scales (issue #13): load time, resident memory and `ask` latency at
100k and 1M chunks.

    python bench/scale.py [--chunks 100000 1000000] [--questions 100] [--keep DIR] [--json F] [--out F]

A synthetic index is the covid-qa index (cached by bench/quality.py or `qa eval`) and perturbed copies
of its documents: longer words respelled at the same length (BM25 sees a vocabulary of its own) and
the real chunk and sentence vectors plus noise (cosine ~0.95 to the original), never random vectors
alone (bench/perf.py's `synthetic_index`). Each index is measured in a fresh process, so its memory
is the index's and the libraries', nothing left over from building it:

- RSS before loading (libraries, model and spaCy loaded), after loading, after the first question,
  and after all questions; seconds to load and to answer the first question;
- hybrid `ask` p50/p95 over the questions after the first (real covid-qa questions);
- recall@10 of the dense index against exact (flat) search over the same vectors: 1.0 for a flat
  index, the approximate index's own figure otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

RECALL_AT = 10  # the recall@10 against flat search
RECALL_QUERIES = 200
# Above this many chunks the synthetic index is written a copy at a time (synthetic_columns): the
# in-memory path (perf.synthetic_index, through the index writer) would hold ~8 GB of vectors at 1M.
IN_MEMORY_CHUNKS = 200_000  # questions whose top-10 is compared (all of them embedded once)


def rss_mb() -> float:
    """Resident set size of this process now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def covid_questions(limit: int) -> list[str]:
    from perf import DATA

    from qa.eval import load_questions

    questions = [q.question for q in load_questions(DATA / "covid-qa" / "questions.jsonl").questions]
    step = max(1, len(questions) // limit)
    return questions[::step][:limit]


def covid_source(config):
    """The cached covid-qa index (bench/perf.py's `cached_covid_index`)."""
    from perf import cached_covid_index

    index = cached_covid_index(config)
    if index is None:
        raise SystemExit("no cached covid-qa index: run bench/quality.py --sets covid-qa first")
    return index


class _Columns:
    """The columns of a synthetic index, grown one copied document at a time (bounded memory: the
    vectors go straight to FAISS and to sentence_vectors.npy, never all held at once)."""

    def __init__(self, folder: Path, sentences: int, dim: int):
        import faiss

        from qa.indexing.writer import VectorWriter

        self.dense = faiss.IndexFlatIP(dim)
        self.vectors = VectorWriter(folder / "sentence_vectors.npy", sentences, dim)
        self.spans, self.rows, self.chunk_rows, self.rows_at = [], [], [], [0]
        self.token_ids, self.vocab = [], {}
        self.n_rows = 0

    def add(self, number: int, text: str, chunks, rows: np.ndarray, base: int, cvecs, svecs) -> None:
        """Document `number`: its chunks (each with its source sentence rows) and its source sentence
        rows, which start at row `base` of the source."""
        from array import array

        from qa.nlp import tokenize
        from qa.store.lexical import EMPTY_TOKEN

        first = self.n_rows
        self.rows.append(np.column_stack([np.full(len(rows), number), rows[:, 1:]]))
        for c, mine in chunks:
            self.spans.append((number, c.start, c.end, c.n_tokens))
            self.chunk_rows.append(mine - base + first)
            self.rows_at.append(self.rows_at[-1] + len(mine))
            ids = array("i", (self.vocab.setdefault(t, len(self.vocab)) for t in tokenize(text[c.start : c.end])))
            self.token_ids.append(ids or array("i", [self.vocab.setdefault(EMPTY_TOKEN, len(self.vocab))]))
        self.n_rows += len(rows)
        if len(cvecs):
            self.dense.add(cvecs)
        self.vectors.append(svecs)

    def save(self, folder: Path, documents) -> None:
        import faiss

        from qa.store.lexical import build_bm25_ids
        from qa.store.tables import SENTENCE_DOC_AT, sentence_doc_at, write_documents_table

        self.vectors.close()
        rows = np.concatenate(self.rows).astype(np.int64)
        np.save(folder / "sentences.npy", rows, allow_pickle=False)
        np.save(folder / SENTENCE_DOC_AT, sentence_doc_at(rows, len(documents)), allow_pickle=False)
        empty = (np.zeros((0, 4), np.int64), np.zeros(0, np.int64), np.zeros(1, np.int64))
        for prefix, (spans, chunk_rows, rows_at) in (
            ("chunk", (np.array(self.spans, np.int64), np.concatenate(self.chunk_rows), np.array(self.rows_at))),
            ("duplicate_chunk", empty),
        ):
            np.save(folder / f"{prefix}_spans.npy", spans, allow_pickle=False)
            np.save(folder / f"{prefix}_rows.npy", np.asarray(chunk_rows, np.int64), allow_pickle=False)
            np.save(folder / f"{prefix}_rows_at.npy", np.asarray(rows_at, np.int64), allow_pickle=False)
        write_documents_table(folder, documents)
        faiss.write_index(self.dense, str(folder / "chunks.faiss"))
        build_bm25_ids(self.token_ids, self.vocab).save(str(folder / "bm25"), show_progress=False)


def synthetic_columns(source, copies: int, target: Path, config, seed: int = 0) -> None:
    """bench/perf.py's `synthetic_index` written straight into the column format, a copy at a time:
    at a million chunks the records and vectors of the whole index never sit in memory at once."""
    from perf import VECTOR_NOISE, noisy, perturbed_copy

    from qa.records import Document
    from qa.store import publish, sync_tree
    from qa.store.approximate import approximate_dense
    from qa.store.manifest import make_manifest

    rng = np.random.default_rng(seed)
    srows = np.asarray(source.sentence_rows)
    base_cvecs = source.chunk_vectors()
    by_doc: dict[int, list[int]] = {}
    for i, d in enumerate(source.chunks.doc_numbers().tolist()):
        by_doc.setdefault(d, []).append(i)
    documents: list[Document] = []

    def write(folder: Path) -> dict:
        cols = _Columns(folder, copies * len(srows), base_cvecs.shape[1])
        for copy in range(copies):
            for n, doc_id in enumerate(source.doc_ids):
                d = source.documents[doc_id]
                text = d.text if copy == 0 else perturbed_copy(d.text, rng)
                new_id = doc_id if copy == 0 else f"{doc_id}~{copy}"
                fields = {k: v for k, v in d.to_dict().items() if k not in ("sha256", "text")}
                documents.append(
                    Document(
                        **{
                            **fields,
                            "id": new_id,
                            "text": text,
                            "file_id": f"{d.file_id}~{copy}" if d.file_id and copy else d.file_id,
                        }
                    )
                )
                lo, hi = int(source.sentence_doc_at[n]), int(source.sentence_doc_at[n + 1])
                mine = by_doc.get(n, [])
                noise = 0.0 if copy == 0 else VECTOR_NOISE
                cols.add(
                    len(documents) - 1,
                    text,
                    [(source.chunks[i], source.chunks.sentence_rows_of(i)) for i in mine],
                    srows[lo:hi],
                    lo,
                    noisy(base_cvecs[mine], noise, rng),
                    noisy(np.asarray(source.sentence_vectors[lo:hi]), noise, rng),
                )
            print(f"copy {copy + 1}/{copies}", file=sys.stderr, flush=True)
        cols.save(folder, documents)
        dense = approximate_dense(folder, "chunks.faiss", np.load(folder / "sentence_vectors.npy", mmap_mode="r"))
        sync_tree(folder)
        counts = {"documents": len(documents), "chunks": len(cols.spans), "sentences": cols.n_rows}
        return {**make_manifest(documents, config, base_cvecs.shape[1], counts, 0.0), "dense": dense}

    ids = [doc_id if copy == 0 else f"{doc_id}~{copy}" for copy in range(copies) for doc_id in source.doc_ids]
    publish(Path(target), ids, write)


def approximate_existing(target: Path) -> dict:
    """A new generation of the index at `target` whose dense index is made approximate (IVF) by the
    store's own rule; the other files are hard links to the current generation's (no copy)."""
    from qa.store import publish, sync_tree
    from qa.store.approximate import approximate_dense
    from qa.store.manifest import files_dir, read_manifest

    manifest = read_manifest(target)
    current = files_dir(target, manifest)
    t0 = time.perf_counter()

    def write(folder: Path) -> dict:
        for f in current.rglob("*"):
            if f.is_file():
                (folder / f.relative_to(current)).parent.mkdir(parents=True, exist_ok=True)
                os.link(f, folder / f.relative_to(current))
        dense = approximate_dense(folder, "chunks.faiss", np.load(folder / "sentence_vectors.npy", mmap_mode="r"))
        sync_tree(folder)
        return {**{k: v for k, v in manifest.items() if k != "generation"}, "dense": dense}

    publish(target, [d["id"] for d in manifest["documents"]], write)
    return {"approximate_s": time.perf_counter() - t0}


def build(chunks: int, target: Path) -> dict:
    """A synthetic index of at least `chunks` chunks at `target` (bench/perf.py's copies of covid-qa)."""
    from perf import synthetic_index

    from qa.config import Config

    config = Config.from_env({"QA_EMBEDDER": "torch"})
    source = covid_source(config)
    copies = math.ceil(chunks / len(source.chunks))
    t0 = time.perf_counter()
    if chunks > IN_MEMORY_CHUNKS:
        synthetic_columns(source, copies, target, config)
    else:
        synthetic_index(source, copies, target, config)
    counts = json.loads((target / "manifest.json").read_text())["counts"]
    return {"copies": copies, **counts, "build_s": time.perf_counter() - t0}


def recall_vs_flat(index, vectors: np.ndarray) -> float:
    """Share of the exact top-10 (inner product over the index's own vectors) the dense index returns."""
    import faiss

    dense = index.dense
    if isinstance(dense, faiss.IndexFlat):
        return 1.0
    flat = faiss.IndexFlatIP(dense.d)
    flat.add(index.chunk_vectors())
    _, exact = flat.search(vectors, RECALL_AT)
    _, approx = dense.search(vectors, RECALL_AT)
    hits = sum(len(set(a) & set(b)) for a, b in zip(exact.tolist(), approx.tolist()))
    return hits / exact.size


def measure(index_dir: Path, n_questions: int) -> dict:
    """Load the index at `index_dir` in this (fresh) process and time questions on it."""
    from qa.answer.entities import EntityCache
    from qa.api import Assistant
    from qa.config import Config
    from qa.embed import Embedder

    config = Config.from_env({"QA_EMBEDDER": "torch"})
    questions = covid_questions(max(n_questions, RECALL_QUERIES))
    embedder = Embedder(config.model, config.batch_size, config.embedder)
    vectors = embedder.encode(questions[:RECALL_QUERIES])  # model loaded: its memory is not the index's
    entities = EntityCache()
    entities.warm_up()
    out = {"rss_before_load_mb": rss_mb()}
    t0 = time.perf_counter()
    from qa.store.backend import open_store

    # loading is opening the store and everything the assistant sets up before its first question
    assistant = Assistant(open_store(index_dir, config), config, embedder, entities)
    index = assistant.index
    out["load_s"] = time.perf_counter() - t0
    out["rss_after_load_mb"] = rss_mb()
    times, encode = [], []
    for q in questions[:n_questions]:
        t0 = time.perf_counter()
        assistant.ask(q)
        times.append(time.perf_counter() - t0)
        if len(times) == 1:
            out["first_question_s"] = times[0]
            out["rss_after_first_mb"] = rss_mb()
        # the question's embedding alone: on a shared machine it is most of `ask` and none of the store's
        t0 = time.perf_counter()
        embedder.encode([q])
        encode.append(time.perf_counter() - t0)
    out["rss_after_questions_mb"] = rss_mb()
    ms, enc = np.array(times[1:]) * 1000, np.array(encode[1:]) * 1000
    out.update(
        {
            "questions": len(times),
            "p50_ms": float(np.percentile(ms, 50)),
            "p95_ms": float(np.percentile(ms, 95)),
            "encode_p50_ms": float(np.percentile(enc, 50)),
            "encode_p95_ms": float(np.percentile(enc, 95)),
            # each question's ask less its own embedding: retrieval and answering, what the store decides
            "rest_p50_ms": float(np.percentile(ms - enc, 50)),
            "rest_p95_ms": float(np.percentile(ms - enc, 95)),
            "chunks": len(index.chunks),
            "dense": type(index.dense).__name__,
            "recall_at_10": recall_vs_flat(index, vectors),
        }
    )
    return out


def measure_in_child(index_dir: Path, n_questions: int) -> dict:
    run = subprocess.run(
        [sys.executable, __file__, "--measure", str(index_dir), "--questions", str(n_questions)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if run.returncode != 0:
        raise RuntimeError(f"measuring {index_dir} failed: {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def markdown(results: list[dict], command: str) -> str:
    lines = [
        f"`{command}` — {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "| chunks | sentences | dense | load | RSS before load | after load | after 1st question | after all "
        "| 1st question | ask p50 | ask p95 | encode p50 | encode p95 | ask − encode p50 | p95 | recall@10 vs flat |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['chunks']:,} | {r['sentences']:,} | {r['dense']} | {r['load_s']:.2f} s | {r['rss_before_load_mb']:,.0f} MB "
            f"| {r['rss_after_load_mb']:,.0f} MB | {r['rss_after_first_mb']:,.0f} MB | {r['rss_after_questions_mb']:,.0f} MB "
            f"| {r['first_question_s'] * 1000:,.0f} ms | {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms "
            f"| {r['encode_p50_ms']:.0f} ms | {r['encode_p95_ms']:.0f} ms | {r['rest_p50_ms']:.0f} ms | {r['rest_p95_ms']:.0f} ms "
            f"| {r['recall_at_10']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chunks", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--questions", type=int, default=100, help="covid-qa questions asked of each index")
    ap.add_argument("--keep", default=None, help="folder to build the indexes in and keep (default: a temporary one)")
    ap.add_argument("--index", default=None, help="measure this existing synthetic index instead of building")
    ap.add_argument(
        "--approximate",
        action="store_true",
        help="with --index: first make its dense index approximate (a new generation, IVF)",
    )
    ap.add_argument("--measure", default=None, help=argparse.SUPPRESS)  # the child process
    ap.add_argument("--json", dest="json_out", default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.questions)))
        return 0
    import shutil
    import tempfile

    work = Path(args.keep or tempfile.mkdtemp(prefix="qa-scale-"))
    results = []
    try:
        for n in args.chunks:
            target = Path(args.index) if args.index else work / f"scale-{n}"
            info = build(n, target) if not args.index else approximate_existing(target) if args.approximate else {}
            print(f"built {json.dumps(info)}", file=sys.stderr)
            r = {**info, **measure_in_child(target, args.questions)}
            r["sentences"] = (
                r.get("sentences") or json.loads((target / "manifest.json").read_text())["counts"]["sentences"]
            )
            print(json.dumps(r), file=sys.stderr)
            results.append(r)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    command = "python bench/scale.py " + " ".join(argv if argv is not None else sys.argv[1:])
    md = markdown(results, command.strip())
    if args.out:
        Path(args.out).write_text(md, encoding="utf-8")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())

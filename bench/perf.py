"""Speed on one machine, each figure a ratio to a baseline measured in the same run.

    python bench/perf.py [--embedders default,torch,onnx] [--repeat 3] [--scale-copies 3] [--queries 40]
                         [--ingest-corpus PATH] [--ingest-workers 1,2] [--ingest-only]
                         [--out bench/perf.md] [--json bench/perf.json]

"default" runs with no QA_EMBEDDER: what a new user gets (onnx). Figures:
- cold `qa ask` (a new process answering one question) vs `python -c "import torch, sentence_transformers"`;
- `qa serve` time until it answers HTTP, and until it answers a first question (/ask), vs the same import
  (the median of `--repeat` starts, each figure);
- ingest: `qa index --rebuild` of a corpus (chunks per second, start-up included) with each of
  `--ingest-workers` (QA_WORKERS, qa/parallel.py) vs raw fp32 `SentenceTransformer.encode` of the same
  chunk texts (model already loaded), with the wall time and the load average around each run;
- query p50/p95 at ~10k chunks (a synthetic index: the covid-qa index and perturbed copies of its
  documents, with the real vectors plus noise) vs "encode the question + FAISS flat top-10" over the
  same chunk vectors, in the same process;
- re-indexing after one document changed (`qa index` in a new process) vs the same import.

Absolute times on a shared machine are noisy; the ratios are what to compare. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import doc_tables  # noqa: E402

DATA = Path(os.environ.get("QA_BENCH_DATA") or ROOT.parent / "shared" / "data")
QUESTION = "Where were the October 5 talks supposed to be held?"
IMPORT_BASELINE = "import torch, sentence_transformers"
SERVE_TIMEOUT_S = 300  # give up on a server that never answers (a loaded machine takes tens of seconds)
# Noise added to copied vectors: cosine ~0.95 to the original (1/sqrt(1 + dim * sigma^2) at dim 384),
# so copies are near neighbours of their originals, as reworded articles would be, not duplicates.
VECTOR_NOISE = 0.0168
WORD_SWAP_SHARE = 0.15  # share of longer words respelled in a copied document


DEFAULT = "default"  # an --embedders name: no QA_EMBEDDER at all, the configuration a new user has


def _env(embedder: str, cache: Path | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QA_EMBEDDER": embedder}
    if embedder == DEFAULT:
        del env["QA_EMBEDDER"]
    if cache is not None:
        env["QA_CACHE_DIR"] = str(cache)
    return env


def _timed(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} … failed: {run.stderr.strip()[-400:]}")
    return seconds


def _median(cmd: list[str], env: dict, repeat: int) -> float:
    return statistics.median(_timed(cmd, env) for _ in range(repeat))


def _config(embedder: str):
    from qa.config import Config

    return Config() if embedder == DEFAULT else Config(embedder=embedder)


def _qa(*args: str) -> list[str]:
    return [sys.executable, "-m", "qa.cli", *args]


# --- start-up ---------------------------------------------------------------------------------


def import_baseline(repeat: int) -> float:
    return _median([sys.executable, "-c", IMPORT_BASELINE], dict(os.environ), repeat)


def cold_ask(index_dir: Path, embedder: str, repeat: int) -> float:
    return _median(_qa("ask", QUESTION, "--index-dir", str(index_dir)), _env(embedder), repeat)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(proc: subprocess.Popen, port: int, t0: float, timeout: float = SERVE_TIMEOUT_S) -> float:
    """Seconds from `t0` until the server `proc` started answers HTTP on loopback `port`."""
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"qa serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                if resp.status < 500:
                    return time.perf_counter() - t0
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            time.sleep(0.1)
    raise RuntimeError("qa serve did not answer in time")


def serve_time(index_dir: Path, embedder: str) -> tuple[float, float]:
    """Seconds from starting `qa serve` to its first HTTP answer, and to its answer to a first question
    asked through /ask as soon as it answers HTTP (the question waits while the index opens)."""
    from gradio_client import Client  # imported before the clock starts: the server's time only

    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        _qa("serve", "--port", str(port), "--index-dir", str(index_dir)),
        env=_env(embedder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        http = wait_for_http(proc, port, t0)
        record = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(question=QUESTION, api_name="/ask")
        answered = time.perf_counter() - t0
        if not record.get("quotes"):
            raise RuntimeError(f"qa serve's first answer holds no quote: {record.get('answer')!r}")
        return http, answered
    finally:
        stop(proc)


def serve_times(index_dir: Path, embedder: str, repeat: int) -> tuple[float, float]:
    """The medians of `repeat` runs of `serve_time` (one server start is as noisy as any cold start)."""
    runs = [serve_time(index_dir, embedder) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server child, and kill it if it has not exited 20 s later."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- ingest and re-index ----------------------------------------------------------------------


def ingest(corpus: Path, work: Path, embedder: str, workers: int | None = None) -> dict:
    """`qa index --rebuild` of `corpus` in a new process: chunks per second, start-up included; with
    `workers` processes (None: the default, the machine's cores). The load average (1 min) is read
    before and after: on a shared machine it says how much else ran."""
    index_dir = work / f"ingest-{embedder}-{workers or 'default'}"
    env = _env(embedder) if workers is None else {**_env(embedder), "QA_WORKERS": str(workers)}
    load = os.getloadavg()[0]
    seconds = _timed(_qa("index", str(corpus), "--index-dir", str(index_dir), "--rebuild"), env)
    manifest = json.loads((index_dir / "manifest.json").read_text())
    return {
        "seconds": seconds,
        "chunks": manifest["counts"]["chunks"],
        "sentences": manifest["counts"]["sentences"],
        "index_dir": str(index_dir),
        "workers": workers,
        "load_before": load,
        "load_after": os.getloadavg()[0],
    }


def raw_encode_rate(index_dir: Path, embedder: str) -> float:
    """Chunks per second of fp32 `SentenceTransformer.encode` on the chunk texts of the index that
    `embedder` built (model loaded)."""
    from qa.embed import Embedder
    from qa.store import load_index

    texts = [c.text for c in load_index(index_dir, _config(embedder)).chunks]
    model = Embedder("all-MiniLM-L6-v2", 32, "torch").model  # the SentenceTransformer itself
    model.encode(texts[:8], batch_size=32)  # first call pays one-off set-up
    t0 = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    return len(texts) / (time.perf_counter() - t0)


def reindex_one(corpus: Path, work: Path, embedder: str, repeat: int) -> float:
    """Median seconds for `qa index` after one document of an indexed corpus changed (each run
    changes it again)."""
    folder = work / f"reindex-{embedder}"
    shutil.copytree(corpus, folder / "corpus")
    index_dir = folder / "index"
    _timed(_qa("index", str(folder / "corpus"), "--index-dir", str(index_dir)), _env(embedder))
    times = []
    for _ in range(repeat):
        change_one_document(folder / "corpus")
        times.append(_timed(_qa("index", str(folder / "corpus"), "--index-dir", str(index_dir)), _env(embedder)))
    return statistics.median(times)


# A process that already holds the model and spaCy (the app after an upload, a script calling the
# API): builds once, then times `Assistant.build` after each change. Prints the median seconds.
_WARM_REINDEX = """
import statistics, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from perf import change_one_document
from qa.api import Assistant
corpus, index_dir = Path(sys.argv[1]), Path(sys.argv[2])
Assistant.from_corpus([corpus], index_dir)
times = []
for _ in range(int(sys.argv[4])):
    change_one_document(corpus)
    t0 = time.perf_counter()
    Assistant.from_corpus([corpus], index_dir)
    times.append(time.perf_counter() - t0)
print(statistics.median(times))
"""


def reindex_one_warm(corpus: Path, work: Path, embedder: str, repeat: int) -> float:
    """Median seconds to re-index after one document changed, in a process that has indexed before."""
    folder = work / f"reindex-warm-{embedder}"
    shutil.copytree(corpus, folder / "corpus")
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            _WARM_REINDEX,
            str(folder / "corpus"),
            str(folder / "index"),
            str(Path(__file__).parent),
            str(repeat),
        ],
        env=_env(embedder),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if run.returncode != 0:
        raise RuntimeError(f"warm re-index failed: {run.stderr.strip()[-400:]}")
    return float(run.stdout.strip().splitlines()[-1])


CORRECTION = " A correction was added to this article today."


def change_one_document(corpus: Path) -> None:
    """Add a sentence inside the body of the first .txt article. Not at the end of the file: a saved
    page ends in boilerplate that cleaning drops, so text appended there changes nothing indexed."""
    from qa.api import load_documents

    first = sorted(corpus.glob("*.txt"))[0]
    raw = first.read_text(encoding="utf-8")
    before = {d.id: d.text for d in load_documents([corpus]).documents}
    body = next(text for doc_id, text in before.items() if doc_id.startswith(first.name))
    line = max(body.splitlines(), key=len)  # a body paragraph, found as it stands in the file
    first.write_text(raw.replace(line, line + CORRECTION, 1), encoding="utf-8")
    after = {d.id: d.text for d in load_documents([corpus]).documents}
    changed = [doc_id for doc_id in after if after[doc_id] != before.get(doc_id)]
    if len(changed) != 1:
        raise SystemExit(f"perf: changing {first.name} changed {len(changed)} indexed documents, not one")


# --- query latency at scale -------------------------------------------------------------------


def _respell(word: str) -> str:
    """The same length (offsets hold), other letters: reverse the inner letters, or rotate them."""
    inner = word[1:-1]
    new = inner[::-1] if inner[::-1] != inner else inner[1:] + inner[:1]
    return word[0] + new + word[-1]


def perturbed_copy(text: str, rng: np.random.Generator) -> str:
    """`text` with a share of its longer words respelled at the same length, so chunk and sentence
    offsets carry over while BM25 sees a vocabulary of its own."""
    import re

    return re.sub(r"[A-Za-z]{5,}", lambda m: _respell(m.group()) if rng.random() < WORD_SWAP_SHARE else m.group(), text)


def synthetic_index(source, copies: int, target: Path, config, seed: int = 0):
    """The `source` index and `copies - 1` perturbed copies of every document, with the source's
    real vectors plus noise (renormalised), written as one index at `target`."""
    from assemble import assemble_index

    from qa.records import Chunk, Document

    rng = np.random.default_rng(seed)
    docs, chunks, rows, cvecs, svecs = [], [], [], [], []
    base_cvecs = source.chunk_vectors()
    by_doc: dict[str, list[int]] = {}
    for i, c in enumerate(source.chunks):
        by_doc.setdefault(c.doc_id, []).append(i)
    srows = source.sentence_rows
    for copy in range(copies):
        for n, doc_id in enumerate(source.doc_ids):
            d = source.documents[doc_id]
            text = d.text if copy == 0 else perturbed_copy(d.text, rng)
            new_id = doc_id if copy == 0 else f"{doc_id}~{copy}"
            fields = {k: v for k, v in d.to_dict().items() if k != "sha256"}
            docs.append(
                Document(
                    **{
                        **fields,
                        "id": new_id,
                        "text": text,
                        "file_id": f"{d.file_id}~{copy}" if d.file_id and copy else d.file_id,
                    }
                )
            )
            for i in by_doc.get(doc_id, []):
                c = source.chunks[i]
                chunks.append(
                    Chunk(
                        Chunk.make_id(new_id, c.start, c.end),
                        new_id,
                        c.start,
                        c.end,
                        text[c.start : c.end],
                        c.sentences,
                        c.n_tokens,
                    )
                )
            mine = np.flatnonzero(srows[:, 0] == n)
            rows.append(np.column_stack([np.full(len(mine), len(docs) - 1), srows[mine, 1:]]))
            noise = 0.0 if copy == 0 else VECTOR_NOISE
            cvecs.append(noisy(base_cvecs[by_doc.get(doc_id, [])], noise, rng))
            svecs.append(noisy(source.sentence_vectors[mine], noise, rng))
    return assemble_index(
        docs, chunks, np.concatenate(rows), np.concatenate(cvecs), np.concatenate(svecs), target, config
    )


def noisy(vectors: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    if sigma == 0 or len(vectors) == 0:
        return vectors.astype(np.float32)
    out = vectors + rng.normal(0.0, sigma, vectors.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def query_latency(index_dir: Path, questions: list[str], embedder: str) -> dict:
    """p50/p95 of `ask` vs encode + FAISS flat top-10 over the same chunk vectors, same process."""
    import faiss

    from qa.api import Assistant
    from qa.config import Config

    config = Config.from_env({"QA_EMBEDDER": embedder})
    assistant = Assistant.load(index_dir, config)
    flat = faiss.IndexFlatIP(assistant.index.dense.d)
    flat.add(assistant.index.chunk_vectors())
    assistant.ask(questions[0])  # warm-up: first-call set-up is start-up time, measured above
    ours, base = [], []
    for q in questions:
        t0 = time.perf_counter()
        assistant.ask(q)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        flat.search(assistant.embed([q]), 10)
        base.append(time.perf_counter() - t0)
    pct = lambda xs, p: float(np.percentile(np.array(xs) * 1000, p))  # noqa: E731
    return {
        "chunks": len(assistant.index.chunks),
        "questions": len(questions),
        "p50_ms": pct(ours, 50),
        "p95_ms": pct(ours, 95),
        "base_p50_ms": pct(base, 50),
        "base_p95_ms": pct(base, 95),
    }


def cached_covid_index(config):
    """The cached covid-qa index: this format's (bench/quality.py), else any readable one with the same
    documents and model (an index of the previous format still loads; its vectors are the same); None
    when there is none."""
    from qa.api import load_documents
    from qa.indexing import cache_root, cached_index_dir
    from qa.store import load_index
    from qa.store.manifest import same_vectors

    documents = list(load_documents([DATA / "covid-qa" / "corpus.jsonl"]).documents)
    wanted = [(d.id, d.sha256) for d in documents]
    for folder in [cached_index_dir(documents, config)] + sorted(cache_root().glob("index-*")):
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            continue
        if same_vectors(manifest, config) and [(d["id"], d["sha256"]) for d in manifest["documents"]] == wanted:
            try:
                return load_index(folder, config)
            except Exception:  # noqa: BLE001 (an unreadable cached index: try the next)
                continue
    return None


def scale_source(embedder: str, build: bool):
    """The covid-qa index (cached in $QA_CACHE_DIR by `qa eval`/bench/quality.py) and its questions;
    None when it is not cached and `build` is false (building it takes many minutes)."""
    from qa.api import Assistant, load_documents
    from qa.eval import load_questions

    config = _config(embedder)
    index = cached_covid_index(config)
    if index is None and not build:
        return None
    if index is None:
        index = Assistant.cached(list(load_documents([DATA / "covid-qa" / "corpus.jsonl"]).documents), config).index
    questions = [q.question for q in load_questions(DATA / "covid-qa" / "questions.jsonl").questions]
    return index, questions, config


# --- report -----------------------------------------------------------------------------------


def run(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="qa-perf-"))
    corpus = ROOT / "corpus"
    ingest_corpus = Path(args.ingest_corpus) if args.ingest_corpus else DATA / "xquad-en" / "corpus.jsonl"
    if not ingest_corpus.exists():
        ingest_corpus = corpus
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "import_baseline_s": import_baseline(args.repeat),
        "embedders": {},
    }
    print(f"import baseline {results['import_baseline_s']:.2f} s", file=sys.stderr)
    try:
        for embedder in args.embedders:
            r: dict = {}
            if not args.ingest_only:
                shipped = work / f"shipped-{embedder}"
                _timed(_qa("index", str(corpus), "--index-dir", str(shipped)), _env(embedder))
                r["cold_ask_s"] = cold_ask(shipped, embedder, args.repeat)
                r["serve_s"], r["serve_answer_s"] = serve_times(shipped, embedder, args.repeat)
            runs = [ingest(ingest_corpus, work, embedder, w) for w in args.ingest_workers]
            rate = raw_encode_rate(Path(runs[0]["index_dir"]), embedder)
            for run_ in runs:
                run_["raw_encode_chunks_per_s"] = rate
                print(f"{embedder} ingest: {json.dumps(run_)}", file=sys.stderr)
            r["ingest"], r["ingest_runs"] = runs[-1], runs
            if args.ingest_only:
                results["embedders"][embedder] = r
                continue
            r["reindex_one_s"] = reindex_one(corpus, work, embedder, args.repeat)
            r["reindex_one_warm_s"] = reindex_one_warm(corpus, work, embedder, args.repeat)
            print(f"{embedder}: {json.dumps(r)}", file=sys.stderr)
            found = scale_source(embedder, args.build_scale_source) if args.scale_copies else None
            if found is None and args.scale_copies:
                print(
                    f"{embedder}: no cached covid-qa index; query figures skipped (--build-scale-source)",
                    file=sys.stderr,
                )
            if found is not None:
                source, questions, config = found
                big = synthetic_index(source, args.scale_copies, work / f"scale-{embedder}", config)
                step = max(1, len(questions) // args.queries)
                r["query"] = query_latency(big.path, questions[::step][: args.queries], embedder)
                print(f"{embedder} query: {json.dumps(r['query'])}", file=sys.stderr)
            results["embedders"][embedder] = r
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def markdown(res: dict, command: str) -> str:
    base = res["import_baseline_s"]
    lines = [
        f"`{command}` — {res['machine']}, {res['date']}. Baseline times are measured in the same run; "
        "the ratio is the figure divided by its baseline (lower is better, except throughput).",
        "",
        "| embedder | figure | value | baseline | baseline value | ratio |",
        "|---|---|---:|---|---:|---:|",
    ]
    for name, r in res["embedders"].items():
        rows = []
        if "cold_ask_s" in r:
            rows += [
                (
                    "cold `qa ask`",
                    f"{r['cold_ask_s']:.2f} s",
                    f"`{IMPORT_BASELINE}`",
                    f"{base:.2f} s",
                    r["cold_ask_s"] / base,
                ),
                (
                    "`qa serve` to first HTTP answer",
                    f"{r['serve_s']:.2f} s",
                    f"`{IMPORT_BASELINE}`",
                    f"{base:.2f} s",
                    r["serve_s"] / base,
                ),
            ]
        if "serve_answer_s" in r:
            rows.append(
                (
                    "`qa serve` to its first answer (/ask asked once HTTP answers)",
                    f"{r['serve_answer_s']:.2f} s",
                    f"`{IMPORT_BASELINE}`",
                    f"{base:.2f} s",
                    r["serve_answer_s"] / base,
                )
            )
        for ing in r.get("ingest_runs", [r["ingest"]]):
            rate = ing["chunks"] / ing["seconds"]
            workers = ing.get("workers") or "default"
            load = f", load {ing['load_before']:.1f}→{ing['load_after']:.1f}" if "load_before" in ing else ""
            rows.append(
                (
                    f"`qa index --rebuild`, {workers} worker(s), {ing['chunks']} chunks + {ing['sentences']} "
                    f"sentences (start-up included; wall {ing['seconds'] / 60:.1f} min{load})",
                    f"{rate:.1f} chunks/s",
                    "raw fp32 `encode` of the same chunks",
                    f"{ing['raw_encode_chunks_per_s']:.1f} chunks/s",
                    rate / ing["raw_encode_chunks_per_s"],
                )
            )
        if "reindex_one_s" in r:
            rows.append(
                (
                    "re-index after one document changed (`qa index`)",
                    f"{r['reindex_one_s']:.2f} s",
                    f"`{IMPORT_BASELINE}`",
                    f"{base:.2f} s",
                    r["reindex_one_s"] / base,
                )
            )
        if "reindex_one_warm_s" in r:
            rows.append(
                (
                    "re-index after one document changed, in a process that indexed before (app, API)",
                    f"{r['reindex_one_warm_s']:.2f} s",
                    f"`{IMPORT_BASELINE}`",
                    f"{base:.2f} s",
                    r["reindex_one_warm_s"] / base,
                )
            )
        if "query" in r:
            q = r["query"]
            rows += [
                (
                    f"`ask` p50 at {q['chunks']:,} chunks",
                    f"{q['p50_ms']:.0f} ms",
                    "encode + FAISS flat top-10 p50",
                    f"{q['base_p50_ms']:.0f} ms",
                    q["p50_ms"] / q["base_p50_ms"],
                ),
                (
                    f"`ask` p95 at {q['chunks']:,} chunks",
                    f"{q['p95_ms']:.0f} ms",
                    "encode + FAISS flat top-10 p95",
                    f"{q['base_p95_ms']:.0f} ms",
                    q["p95_ms"] / q["base_p95_ms"],
                ),
            ]
        lines += [f"| {name} | {a} | {b} | {c} | {d} | {e:.2f}× |" for a, b, c, d, e in rows]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--embedders",
        default="default,torch",
        help="comma-separated backends to measure; default: no QA_EMBEDDER (onnx)",
    )
    ap.add_argument("--repeat", type=int, default=3, help="runs of each cold start (the median is kept)")
    ap.add_argument("--ingest-corpus", default=None, help="corpus for the ingest figure (default: xquad-en's)")
    ap.add_argument(
        "--ingest-workers",
        default="1,2",
        help="comma-separated worker counts the ingest figure is "
        "measured with (QA_WORKERS; 'default': the machine's cores) [default: 1,2]",
    )
    ap.add_argument("--ingest-only", action="store_true", help="measure the ingest figures only")
    ap.add_argument(
        "--scale-copies",
        type=int,
        default=3,
        help="copies of covid-qa in the query-latency index (3: ~12.7k chunks; 0 skips it)",
    )
    ap.add_argument(
        "--build-scale-source",
        action="store_true",
        help="build the covid-qa index when it is not cached (many minutes); otherwise skip the query figures",
    )
    ap.add_argument("--queries", type=int, default=40, help="covid-qa questions timed at scale")
    ap.add_argument("--out", default=str(ROOT / "bench" / "perf.md"))
    ap.add_argument("--json", dest="json_out", default=str(ROOT / "bench" / "perf.json"))
    doc_tables.add_arguments(ap)
    args = ap.parse_args(argv)
    # an --ingest-only run has no table in docs/benchmarks.md (its figures are prose there)
    docs = None if args.ingest_only else doc_tables.from_args(ap, args, "perf", argv, args.out)
    args.embedders = [e.strip() for e in args.embedders.split(",") if e.strip()]
    args.ingest_workers = [
        None if w.strip() == DEFAULT else int(w) for w in args.ingest_workers.split(",") if w.strip()
    ]
    command = "python bench/perf.py" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    res = run(args)
    md = markdown(res, command.strip())
    Path(args.out).write_text(md, encoding="utf-8")
    Path(args.json_out).write_text(json.dumps(res, indent=2), encoding="utf-8")
    print(md)
    if docs:
        docs.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())

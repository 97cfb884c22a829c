"""Serving under load: `qa serve` on loopback, N gradio_client users asking M questions each, all at once.

Reports errors, throughput and latency p50/p95 of the whole round trip, against the same questions
asked one after another through the Python API in this process: the rate and latency one user gets
with no HTTP and no queue. A bounded test: the server's queue admits at most QUEUE_MAX waiting
requests (qa/web/page.py), and every user waits for each answer before asking the next.

    python bench/serve_load.py                       # 20 users x 20 questions, the shipped corpus
    python bench/serve_load.py --users 5 --questions 4 --json load.json --out load.md

Questions come from bench/questions/shipped.jsonl, in turn, so users ask different questions at once.
The index is --index-dir (default index/, built from corpus/ when missing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import doc_tables  # noqa: E402
from perf import free_port, stop, wait_for_http  # noqa: E402

from qa.eval import percentile  # noqa: E402

QUESTIONS = ROOT / "bench" / "questions" / "shipped.jsonl"
K = 3  # quotes per answer, as a reader of the app would ask
START_TIMEOUT_S = 300  # a loaded machine takes tens of seconds to import torch and open the index


def load_questions(path: Path = QUESTIONS) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ensure_index(index_dir: Path) -> None:
    from qa.api import Assistant
    from qa.errors import IndexMissingError

    try:
        Assistant.load(index_dir)
    except IndexMissingError:
        print(f"building {index_dir} from corpus/", file=sys.stderr)
        Assistant.from_corpus([ROOT / "corpus"], index_dir)


def _ms(seconds: list[float], p: float) -> float:
    """The p-th percentile in milliseconds, as `qa eval` computes latency; NaN when nothing was timed."""
    value = percentile(seconds, p)
    return float("nan") if value is None else 1000 * value


def sequential_baseline(index_dir: Path, questions: list[str]) -> dict:
    """The same questions through the Python API, one after another, in this process."""
    from qa.api import Assistant

    assistant = Assistant.load(index_dir)
    assistant.ask(questions[0], K)  # warm: NER and lookups load on first use, the server warmed up too
    times = []
    t0 = time.perf_counter()
    for q in questions:
        t = time.perf_counter()
        assistant.ask(q, K)
        times.append(time.perf_counter() - t)
    wall = time.perf_counter() - t0
    return {"rate_qps": len(questions) / wall, "p50_ms": _ms(times, 50), "p95_ms": _ms(times, 95)}


def one_user(url: str, questions: list[str]) -> tuple[list[float], list[str], int]:
    """(latencies in seconds, error messages, answers that hold quotes or refuse) for one client."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    times, errors, well_formed = [], [], 0
    for q in questions:
        t = time.perf_counter()
        try:
            record = client.predict(question=q, k=K, api_name="/ask")
        except Exception as exc:  # noqa: BLE001 - every failure is a result to report, not a crash
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200])
            continue
        times.append(time.perf_counter() - t)
        well_formed += bool(record.get("quotes")) or bool(record.get("abstained"))
    return times, errors, well_formed


def make_plan(questions: list[str], users: int, per_user: int) -> list[list[str]]:
    """Each user's questions: the set in turn, so users ask different questions at the same moment."""
    return [[questions[(u * per_user + i) % len(questions)] for i in range(per_user)] for u in range(users)]


def load_test(url: str, questions: list[str], users: int, per_user: int) -> dict:
    plan = make_plan(questions, users, per_user)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        results = list(pool.map(lambda qs: one_user(url, qs), plan))
    wall = time.perf_counter() - t0
    times = [t for r in results for t in r[0]]
    errors = [e for r in results for e in r[1]]
    return {
        "users": users,
        "questions_per_user": per_user,
        "asked": users * per_user,
        "answered": len(times),
        "well_formed": sum(r[2] for r in results),
        "errors": len(errors),
        "error_samples": errors[:5],
        "wall_s": wall,
        "throughput_qps": len(times) / wall if wall else 0.0,
        "p50_ms": _ms(times, 50),
        "p95_ms": _ms(times, 95),
    }


def run(args) -> dict:
    index_dir = Path(args.index_dir)
    ensure_index(index_dir)
    questions = load_questions()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-m", "qa.cli", "serve", "--port", str(port), "--index-dir", str(index_dir)]
    t0 = time.perf_counter()
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        started = wait_for_http(server, port, t0, START_TIMEOUT_S)
        load = load_test(f"http://127.0.0.1:{port}/", questions, args.users, args.questions)
    finally:
        stop(server)
    # the same questions, as many, one after another
    baseline = sequential_baseline(
        index_dir, [q for qs in make_plan(questions, args.users, args.questions) for q in qs]
    )
    return {
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "server_start_s": started,
        "load": load,
        "baseline": baseline,
        "command": "python bench/serve_load.py " + " ".join(sys.argv[1:]),
    }


def markdown(res: dict) -> str:
    load, base = res["load"], res["baseline"]
    rows = [
        ("errors", f"{load['errors']} of {load['asked']}", "—", "—", "—"),
        (
            "throughput",
            f"{load['throughput_qps']:.1f} questions/s",
            "one user, Python API, in process",
            f"{base['rate_qps']:.1f} questions/s",
            f"{load['throughput_qps'] / base['rate_qps']:.2f}×",
        ),
        (
            "latency p50",
            f"{load['p50_ms']:.0f} ms",
            "the same, p50",
            f"{base['p50_ms']:.0f} ms",
            f"{load['p50_ms'] / base['p50_ms']:.1f}×",
        ),
        (
            "latency p95",
            f"{load['p95_ms']:.0f} ms",
            "the same, p95",
            f"{base['p95_ms']:.0f} ms",
            f"{load['p95_ms'] / base['p95_ms']:.1f}×",
        ),
    ]
    head = (
        f"`{res['command']}` — {load['users']} users × {load['questions_per_user']} questions over loopback "
        f"({res['machine']}, {res['created']}); the server answered HTTP {res['server_start_s']:.1f} s after "
        "it started. Latency is each question's whole round trip through gradio_client, queue included.\n\n"
    )
    table = ["| figure | under load | baseline | baseline value | ratio |", "|---|---:|---|---:|---:|"]
    table += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    return head + "\n".join(table) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=20, help="questions per user")
    parser.add_argument("--index-dir", default=str(ROOT / "index"))
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--out", help="write the Markdown table here")
    doc_tables.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.users < 1 or args.questions < 1:
        parser.error("--users and --questions must be at least 1")
    docs = doc_tables.from_args(parser, args, "serve_load", argv, args.out)
    res = run(args)
    md = markdown(res)
    print(md)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    if args.out:
        Path(args.out).write_text(md, encoding="utf-8")
    if docs:
        docs.write(md)
    return 1 if res["load"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

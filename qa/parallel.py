"""Ingest on every core: a pool of worker processes that find quotations and embed texts while the
building process splits sentences and chunks.

One build's CPU work is, per MB of news on the 2-core machine, roughly: quotations (spaCy's full
pipeline) a third, sentence and chunk embedding (onnx) most of the rest, sentence splitting and
chunking a few per cent. Built serially, one stage waits for the other, and onnxruntime's two threads
per text of a few dozen word pieces are mostly waiting on each other. Here:

- `workers` processes are started (spawned: no forked copy of a loaded model or of threads), each with
  spaCy and its own onnx session of ONE thread: for a text run alone, one thread is faster than two
  (120 against 91 sentences/s on this machine) and the cores are used by running texts side by side;
- the build submits every document to be searched for quotations at once, then splits and chunks in
  its own process while the workers search; the vectors are asked for afterwards, in the same
  batches as the serial build, each split into tasks of `EMBED_TASK` texts;
- the pool's queue is first come, first served, so every worker is busy from the first quotation to
  the last vector, and the building process only waits.

Nothing changes what is computed: each text is still embedded alone (onnx_embed.py explains why a
text's vector must not depend on its batch-mates), one thread gives the same bits as two (tested), and
quotations are found per document and collected in document order. So a parallel build writes the
same files as a serial one (tests/test_parallel_ingest.py).

The pool is used only when it pays: for the onnx embedder's vectors (torch batches texts, so its
vectors depend on their batch) and for at least `MIN_POOL_CHARS` of new text; a one-document
re-index never waits for workers to start. Memory stays bounded as in the serial build: a task is a
few documents or `EMBED_TASK` texts, and each worker holds one model and one spaCy pipeline.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Callable, Iterator

import numpy as np

from .errors import QAError
from .records import Document

# Fresh text (characters) below which a build runs in one process: starting a worker (spawn, spaCy,
# the onnx session) costs 2-4 s on a loaded 2-core machine, about what 100k characters of serial work
# take, so a pool pays from about twice that.
MIN_POOL_CHARS = 200_000
# Texts per embedding task: large enough that sending them and their vectors between processes costs
# little (a few ms against ~0.5 s of work), small enough that the last task of a batch of
# writer.EMBED_BATCH texts leaves the other workers idle only briefly.
EMBED_TASK = 32
# Characters of documents per quotation task: a few news articles, so the tasks finish in order at an
# even pace and one very long document is one task of its own.
QUOTE_TASK_CHARS = 50_000


class WorkerError(QAError):
    """A worker process of a parallel build died (killed, or out of memory)."""


def worthwhile(workers: int, embedder: str, fresh_chars: int) -> bool:
    """Whether a build with this much new text should use a pool of `workers` processes."""
    return workers > 1 and embedder == "onnx" and fresh_chars >= MIN_POOL_CHARS


# --- in the worker processes -----------------------------------------------------------------------

_model = None


def _start(model: str) -> None:
    """A worker's start: its onnx session, one thread (see the module's note). spaCy loads on first use."""
    global _model
    # Ctrl-C reaches the whole process group: the building process stops the build and its workers,
    # which would otherwise each print a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from .embed import resolve_model_path
    from .onnx_embed import OnnxModel

    _model = OnnxModel(model, resolve_model_path(model), threads=1)


def _embed(texts: list[str]) -> np.ndarray:
    assert _model is not None, "a worker embeds only after its initializer loaded the model"
    return _model.encode(texts)


def _quotations(documents: list[Document]) -> list[tuple[list, list[str]]]:
    """(quotations, problems) of each document, found as the serial build finds them."""
    from .quotations.stored import extract_all

    return [extract_all([doc]) for doc in documents]


# --- in the building process -----------------------------------------------------------------------


def _tasks(documents: list[Document]) -> list[list[Document]]:
    tasks: list[list] = [[]]
    size = 0
    for doc in documents:
        if tasks[-1] and size + len(doc.text) > QUOTE_TASK_CHARS:
            tasks.append([])
            size = 0
        tasks[-1].append(doc)
        size += len(doc.text)
    return [t for t in tasks if t]


class IngestPool:
    """`workers` processes for one build; use as a context manager (the workers end with it)."""

    def __init__(self, workers: int, model: str):
        import multiprocessing

        self._pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start, initargs=(model,)
        )

    def __enter__(self) -> "IngestPool":
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def quotations(self, documents: list[Document], previous: dict) -> "QuotationJob":
        """Start finding the quotations of `documents` (reusing `previous`'s, as `extract_all` does)."""
        return QuotationJob(self, documents, previous)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of `texts` (at least one), one row each, computed by the workers a task at a time."""
        futures = [self._submit(_embed, list(texts[a : a + EMBED_TASK])) for a in range(0, len(texts), EMBED_TASK)]
        return np.concatenate([_result(f) for f in futures])

    def _submit(self, fn, *args) -> Future:
        try:
            return self._pool.submit(fn, *args)
        except BrokenProcessPool as exc:
            raise _broken(exc) from None


class QuotationJob:
    """The quotations of a build's documents, found by the pool while the build goes on."""

    def __init__(self, pool: IngestPool, documents: list[Document], previous: dict):
        self.total = len(documents)
        self._reused: dict[int, list] = {}
        todo: list[Document] = []
        self._numbers: list[int] = []  # document number of each document in `todo`
        for n, doc in enumerate(documents):
            old = previous.get(doc.id)
            if old is not None and old[0] == doc.text:
                self._reused[n] = list(old[1])
            else:
                todo.append(doc)
                self._numbers.append(n)
        self._jobs = [(len(task), pool._submit(_quotations, task)) for task in _tasks(todo)]

    def result(self, done: Callable[[int], None] | None = None) -> tuple[list, list[str]]:
        """(quotations, problems) in document order, as `extract_all` gives them; `done(n)` is told
        as the first n documents are in."""
        found: dict[int, tuple[list, list[str]]] = {}
        at = 0
        for size, future in self._jobs:
            for n, pair in zip(self._numbers[at : at + size], _result(future)):
                found[n] = pair
            at += size
            if done is not None:
                done(self._numbers[at - 1] + 1)
        out: list = []
        problems: list[str] = []
        for n in range(self.total):
            if n in self._reused:
                out.extend(self._reused[n])
            else:
                out.extend(found[n][0])
                problems.extend(found[n][1])
        if done is not None:
            done(self.total)
        return out, problems


def _result(future: Future):
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise _broken(exc) from None


def _broken(exc: BaseException) -> WorkerError:
    return WorkerError(
        f"a worker process of the index build died ({exc}); nothing was changed. Run again "
        "with fewer workers (--workers, QA_WORKERS), or --workers 1 to build in one process"
    )


@contextmanager
def ingest_pool(config, fresh: list[Document]) -> Iterator[IngestPool | None]:
    """A pool for a build whose new documents are `fresh`, or None when one process does better."""
    if not worthwhile(config.workers, config.embedder, sum(len(d.text) for d in fresh)):
        yield None
        return
    with IngestPool(config.workers, config.model) as pool:
        yield pool

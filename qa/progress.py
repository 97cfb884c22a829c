"""Progress a person can plan by: what a build is doing, how many documents of the total it has done,
and about how long it has left.

The library reports progress through one callback, `progress(message, fraction)` (the `Progress` the
Assistant passes down). During an index build `BuildProgress` makes those calls: the message names the
stage, the documents done and the time left ("Embedding 1,180 sentences: 812/1,668 documents, about
3 min left"), and the fraction is the share of the build's estimated work done, not of its stages, so
a bar drawn from it moves at an even pace. The time left is the work still to do at the rate measured
so far. The faces only show the calls: the CLI as a bar on a terminal, the app as its status text, and
`throttled` thins them out for faces that print a line per call into a log or pipe.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Collection, Sequence

import numpy as np

from .records import Document

Progress = Callable[[str, float], None]

# A stage's cost per character of a document whose work is not reused, relative to embedding its
# sentences with the onnx embedder. Measured as CPU seconds on xquad-en (189k characters) and the
# shipped news set (43k) on the 2-core machine: quotations 7-39 s per MB (news quotes more), spaCy's
# sentences and chunking 1.2-1.4, onnx sentence embedding ~48, chunk embedding ~56 (onnxruntime runs two
# threads, spaCy one). Only the shares matter: the rate itself is measured as the build goes.
STAGE_COST = {"quotations": 0.5, "chunking": 0.05, "sentences": 1.0, "chunks": 1.15}
EMBEDDING_STAGES = ("sentences", "chunks")
# torch's fp32 embedding against onnx int8: 8.2 against 18.4 chunks per second (bench/perf.md)
EMBEDDER_COST = {"onnx": 1.0, "torch": 2.2}
# A document found unchanged costs this share of a new one: its chunks, vectors and quotations are
# looked up, not computed.
REUSED_SHARE = 0.02
# No estimate of the time left before the build has measured its rate for this long: the first
# documents also pay for loading spaCy and the model.
MIN_MEASURED_S = 2.0
# Within a stage, a call at most this often (a bar redraws at this pace; a log keeps fewer).
REPORT_INTERVAL_S = 0.5
# `throttled`: a line at most this often within one stage, besides its first and last.
LINE_INTERVAL_S = 10.0


def time_left(seconds: float) -> str:
    """'about 40 s left', 'about 3 min left', 'about 1 h 20 min left'."""
    if seconds < 60:
        return f"about {max(5, int(round(seconds / 5)) * 5)} s left"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60} min left"


class BuildProgress:
    """The progress calls of one index build over `documents`, of which those in `fresh` need their
    text split, embedded and searched for quotations (the rest are reused from the previous index)."""

    def __init__(
        self,
        progress: Progress,
        documents: Sequence[Document],
        fresh: Collection[str],
        embedder: str = "onnx",
        clock: Callable[[], float] = time.monotonic,
    ):
        self._progress, self._clock = progress, clock
        self.total = len(documents)
        cost = [len(d.text) * (1.0 if d.id in fresh else REUSED_SHARE) for d in documents]
        self._cum = np.concatenate([[0.0], np.cumsum(cost, dtype=np.float64)])
        factor = EMBEDDER_COST.get(embedder, 1.0)
        self._cost = {k: v * (factor if k in EMBEDDING_STAGES else 1.0) for k, v in STAGE_COST.items()}
        self._work = max(sum(self._cost.values()) * float(self._cum[-1]), 1e-9)
        self._before = 0.0  # work of the stages already finished
        self._stage, self._label, self._done = "", "", 0
        self._first: tuple[float, float] | None = None  # (time, work) of the first document done
        self._last_call = float("-inf")

    def stage(self, key: str, label: str) -> None:
        """Start stage `key` (one of STAGE_COST), shown as `label`, at 0 documents of the total."""
        if self._stage:
            self._before += self._cost[self._stage] * float(self._cum[-1])
        self._stage, self._label, self._done = key, label, 0
        self.advance(0)

    def advance(self, done: int) -> None:
        """`done` documents of the total are through the current stage."""
        self._done = done = min(max(done, self._done), self.total)
        now, work = self._clock(), self.work_done()
        if done and self._first is None:
            self._first = (now, work)
        if done not in (0, self.total) and now - self._last_call < REPORT_INTERVAL_S:
            return
        self._last_call = now
        message = f"{self._label}: {done:,}/{self.total:,} documents"
        left = self.seconds_left(now, work)
        self._progress(message + (f", {time_left(left)}" if left is not None else ""), work / self._work)

    def note(self, message: str) -> None:
        """A step without documents (writing the indexes), at the work done so far."""
        self._progress(message, self.work_done() / self._work)

    def work_done(self) -> float:
        if not self._stage:
            return 0.0
        return self._before + self._cost[self._stage] * float(self._cum[self._done])

    def seconds_left(self, now: float, work: float) -> float | None:
        """The work still to do at the rate measured since the first document was done; None until
        that rate has been measured for MIN_MEASURED_S."""
        if self._first is None:
            return None
        t0, w0 = self._first
        if now - t0 < MIN_MEASURED_S or work <= w0 or work >= self._work * (1 - 1e-9):  # (float sums)
            return None
        return (self._work - work) * (now - t0) / (work - w0)


def throttled(
    show: Progress, interval: float = LINE_INTERVAL_S, clock: Callable[[], float] = time.monotonic
) -> Progress:
    """`show` called for each stage's first and last call and at most every `interval` seconds in
    between: for a face that prints a line per call (a log, a pipe), where a bar would redraw. A
    stage is the message up to its first colon."""
    state: dict[str, Any] = {"stage": None, "at": float("-inf"), "pending": None}

    def report(message: str, fraction: float) -> None:
        stage, now = message.split(":", 1)[0], clock()
        if stage != state["stage"]:
            if state["pending"] is not None:  # the previous stage's last count
                show(*state["pending"])
        elif now - state["at"] < interval:
            state["pending"] = (message, fraction)
            return
        state.update(stage=stage, at=now, pending=None)
        show(message, fraction)

    return report

"""The fit step of bench/abstain.py: signals from cached candidates, a logistic regression on the
tuning halves, and the held-out figures of the fitted decision beside the current one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np
from tune import load_news, load_set

from qa.answer.candidates import Candidate
from qa.answer.coverage import COVER_INTERCEPT, COVER_WEIGHTS, SIGNALS, signals
from qa.config import Config
from qa.eval.metrics import contains_answer

MAX_REFUSED = 0.05  # answerable questions the threshold may refuse on any tuning half (the target: at most 5%)
HITS_ONLY = False  # fit on answerable questions whose best sentence holds a gold answer (see fit_weights)
C = 1.0  # the regression's inverse regularisation (sklearn's default)


def _cands(rows: list[dict]) -> list[Candidate]:
    out = []
    for r in rows:
        c = Candidate(**{k: v for k, v in r.items() if k != "short"})
        c.short = tuple(r["short"]) if r["short"] else None
        out.append(c)
    return out


def _hit(assistant, cands: list[Candidate], answers) -> bool:
    """The best candidate sentence holds a gold answer (a proxy for answer_at_1)."""
    if not cands or not answers:
        return False
    b = max(cands, key=lambda c: c.score)
    return contains_answer(assistant.documents[b.doc_id].text[b.start : b.end], answers)


OTHER = {"xquad-en": "covid-qa", "covid-qa": "xquad-en"}


def load_rows(cache: Path, extra: Callable | None = None) -> list[dict]:
    """One row per (question, mode): set, mode (own / lso / cross), id, held_out, label, signals, hit;
    `extra(question row, mode, assistant asked, candidates)` adds its own fields to each row."""
    config = Config()
    other = OTHER
    names = {p.stem.removesuffix("-cross") for p in cache.glob("*.jsonl")}
    names |= {other[n] for n in names if f"{n}-cross" in {p.stem for p in cache.glob("*.jsonl")}}
    assistants = {n: (load_news(config) if n == "shipped" else load_set(n, config))[0] for n in sorted(names)}
    rows = []
    for path in sorted(cache.glob("*.jsonl")):
        name = path.stem.removesuffix("-cross")
        for line in open(path, encoding="utf-8"):
            try:
                q = json.loads(line)
            except json.JSONDecodeError:  # the last line of a collect run that was stopped
                continue
            for mode in ("own", "lso", "cross"):
                if mode not in q:
                    continue
                asker = assistants[other[name]] if mode == "cross" else assistants[name]
                cands = _cands(q[mode])
                rows.append(
                    {
                        "set": name,
                        "mode": mode,
                        "id": q["id"],
                        "held_out": q["held_out"],
                        "label": int(mode == "own"),
                        "signals": signals(q["question"], cands, asker.index, asker.idf),
                        "hit": mode == "own" and _hit(asker, cands, q.get("answers")),
                        **(extra(q, mode, asker, cands) if extra else {}),
                    }
                )
    return rows


def _matrix(rows) -> np.ndarray:
    return np.array([[r["signals"][s] for s in SIGNALS] for r in rows], dtype=np.float64).reshape(-1, len(SIGNALS))


def fit_weights(rows: list[dict]):
    """Logistic regression on the tuning rows; each set (and each mode in it) weighs the same."""
    from sklearn.linear_model import LogisticRegression

    # an answerable question whose best sentence misses the answer says little about what an
    # answer looks like; the fit learns from the ones it answers and from the look-alikes
    tuning = [r for r in rows if not r["held_out"] and (r["mode"] != "own" or r["hit"] or not HITS_ONLY)]
    groups: dict[tuple, int] = {}
    for r in tuning:
        groups[(r["set"], r["mode"])] = groups.get((r["set"], r["mode"]), 0) + 1
    weight = np.array([1.0 / groups[(r["set"], r["mode"])] for r in tuning])
    model = LogisticRegression(C=C, max_iter=2000).fit(
        _matrix(tuning), [r["label"] for r in tuning], sample_weight=weight * len(tuning) / weight.sum()
    )
    return dict(zip(SIGNALS, (float(w) for w in model.coef_[0]))), float(model.intercept_[0])


def _score(rows, weights, intercept) -> np.ndarray:
    X = _matrix(rows)
    return 1 / (1 + np.exp(-(X @ np.array([weights[s] for s in SIGNALS]) + intercept)))


def choose_threshold(rows, scores) -> float:
    """The highest threshold refusing at most MAX_REFUSED of the answerable questions of every tuning half."""
    lows = []
    for name in {r["set"] for r in rows}:
        own = [s for r, s in zip(rows, scores) if r["set"] == name and r["mode"] == "own" and not r["held_out"]]
        if own:
            lows.append(float(np.quantile(own, MAX_REFUSED)))
    return min(lows, default=0.5)


def figures(rows, scores, threshold: float, held: bool) -> list[str]:
    out = []
    for name in sorted({r["set"] for r in rows}):
        pick = [(r, s) for r, s in zip(rows, scores) if r["set"] == name and r["held_out"] == held]
        own = [(r, s) for r, s in pick if r["mode"] == "own"]
        lso = [s for r, s in pick if r["mode"] == "lso"]
        cross = [s for r, s in pick if r["mode"] == "cross"]
        refused = np.mean([s < threshold for _r, s in own]) if own else float("nan")
        hits_kept = np.mean([r["hit"] and s >= threshold for r, s in own]) if own else float("nan")
        hits_all = np.mean([r["hit"] for r, _s in own]) if own else float("nan")
        out.append(
            f"{name:9s} {'held-out' if held else 'tuning  '} lso abstain_recall {np.mean([s < threshold for s in lso]):.3f} "
            f"(n={len(lso)}) false_abstain {refused:.3f} (n={len(own)}) best-sentence hit {hits_all:.3f}→{hits_kept:.3f}"
            + (f" cross-corpus recall {np.mean([s < threshold for s in cross]):.3f} (n={len(cross)})" if cross else "")
        )
    return out


def fit(cache: Path) -> None:
    rows = load_rows(cache)
    support = np.array([r["signals"]["support"] for r in rows])
    print(f"current decision (support < min_score {Config().min_score}):")
    for held in (False, True):
        print("\n".join(figures(rows, support, Config().min_score, held)))
    weights, intercept = fit_weights(rows)
    scores = _score(rows, weights, intercept)
    threshold = choose_threshold(rows, scores)
    print(
        "\nfitted weights:", json.dumps({k: round(v, 3) for k, v in weights.items()}), "intercept", round(intercept, 3)
    )
    print(f"threshold (≤ {MAX_REFUSED:.0%} answerable refused on every tuning half): {threshold:.3f}")
    for held in (False, True):
        print("\n".join(figures(rows, scores, threshold, held)))
    if any(COVER_WEIGHTS.values()):
        shipped = _score(rows, COVER_WEIGHTS, COVER_INTERCEPT)
        print(f"\nshipped constants (qa/answer/coverage.py) at min_score {Config().min_score}:")
        for held in (False, True):
            print("\n".join(figures(rows, shipped, Config().min_score, held)))

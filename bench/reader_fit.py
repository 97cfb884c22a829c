"""What is fitted on the reader's out-of-fold scores: how its logit joins the hand-set score in
ranking (`fusion`), whether the collection answers at all (`refusal`), and the refusal threshold.

Each fold's values are fitted on the other folds' out-of-fold scores only, so a fold's questions are
judged by a model, weights and threshold that never saw them; the shipped values are fitted on all
folds. Used by bench/train_reader.py.
"""

from __future__ import annotations

import numpy as np

# The threshold refuses at most this share of each training set's answerable questions (asked with
# their sources): the ceiling is 3% on every set, and a fold's held-out share wanders.
REFUSE_SHARE = 0.025
THRESHOLD_SETS = ("xquad-en", "covid-qa", "shipped")
SCORED_KEY = "own"


def support(cands: list[dict]) -> float:
    """qa.answer.compose.confidence over the collected candidates (their hand-set score)."""
    if not cands:
        return 0.0
    return (max(c["score"] for c in cands) + max(c["semantic"] for c in cands) + max(c["lexical"] for c in cands)) / 3


def _lr(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=1000).fit(x, y)


def fusion_rows(rows: list[dict], scores: dict) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for r in rows:
        s = scores.get((r["set"], r["id"]))
        if s is None or not r.get("own"):
            continue
        for c, z in zip(r["own"], s["own"]):
            xs.append([z, c["score"]])
            ys.append(c["label"])
    return np.array(xs, dtype=np.float64).reshape(-1, 2), np.array(ys)


def refusal_rows(rows: list[dict], scores: dict) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One row per question and mode: (best logit, support) → answerable (own 1, leave-source-out 0)."""
    xs, ys, sets = [], [], []
    for r in rows:
        s = scores.get((r["set"], r["id"]))
        if s is None:
            continue
        for mode, label in (("own", 1), ("lso", 0)):
            if r.get(mode) is None or s.get(mode) is None:
                continue
            best = max(s[mode]) if s[mode] else -10.0
            xs.append([best, support(r[mode])])
            ys.append(label)
            sets.append(r["set"])
    return np.array(xs, dtype=np.float64).reshape(-1, 2), np.array(ys), sets


def fit(rows: list[dict], scores: dict) -> dict:
    """fusion, refusal and threshold from these rows' out-of-fold scores."""
    fx, fy = fusion_rows(rows, scores)
    fusion = _lr(fx, fy)
    rx, ry, sets = refusal_rows(rows, scores)
    refusal = _lr(rx, ry)
    z = refusal.decision_function(rx)
    p = 1 / (1 + np.exp(-z))
    cuts = []
    for name in THRESHOLD_SETS:
        own = np.array([pi for pi, yi, si in zip(p, ry, sets) if yi == 1 and si == name])
        if len(own):
            cuts.append(float(np.quantile(own, REFUSE_SHARE)))
    threshold = min(cuts) if cuts else 0.5
    return {
        "fusion": {
            "bias": float(fusion.intercept_[0]),
            "reader": float(fusion.coef_[0][0]),
            "hand": float(fusion.coef_[0][1]),
        },
        "refusal": {
            "bias": float(refusal.intercept_[0]),
            "best": float(refusal.coef_[0][0]),
            "support": float(refusal.coef_[0][1]),
        },
        "threshold": threshold,
    }


def per_fold(rows: list[dict], scores: dict, folds: int) -> dict[int, dict]:
    """Each fold's values, fitted on the other folds' scores. A fold scored when no other fold is
    (one fold model trained) is fitted on its own scores: three weights and a threshold, said so
    in its values as "fitted_on_itself"."""
    scored = {r["fold"] for r in rows if (r["set"], r["id"]) in scores}
    out = {}
    for f in sorted(scored):
        others = [r for r in rows if r["fold"] != f and r["fold"] in scored]
        out[f] = (
            fit(others, scores)
            if others
            else {**fit([r for r in rows if r["fold"] == f], scores), "fitted_on_itself": True}
        )
    return out


def _sigmoid(z: float) -> float:
    return float(1 / (1 + np.exp(-z)))


def evaluate(rows: list[dict], scores: dict, values: dict[int, dict]) -> dict[str, dict]:
    """Out-of-fold figures per set, each question judged with its own fold's model and fits:
    the share whose first sentence holds the answer (hand-set score, reader alone, fused), the
    answerable questions refused, and the leave-source-out copies refused."""
    out: dict[str, dict] = {}
    for r in rows:
        s, v = scores.get((r["set"], r["id"])), values.get(r["fold"])
        if s is None or v is None:
            continue
        fig = out.setdefault(
            r["set"],
            {
                "questions": 0,
                "hand_at_1": 0,
                "reader_at_1": 0,
                "fused_at_1": 0,
                "refused": 0,
                "lso": 0,
                "lso_refused": 0,
            },
        )
        f, ref, t = v["fusion"], v["refusal"], v["threshold"]

        def confidence(mode):
            best = max(s[mode]) if s[mode] else -10.0
            return _sigmoid(ref["bias"] + ref["best"] * best + ref["support"] * support(r[mode]))

        if r.get("own") and s.get("own"):
            own = r["own"][: len(s["own"])]
            fig["questions"] += 1
            fig["hand_at_1"] += own[0]["label"]
            fig["reader_at_1"] += own[int(np.argmax(s["own"]))]["label"]
            fused = [f["bias"] + f["reader"] * z + f["hand"] * c["score"] for z, c in zip(s["own"], own)]
            fig["fused_at_1"] += own[int(np.argmax(fused))]["label"]
            fig["refused"] += confidence("own") < t
        if r.get("lso") is not None and s.get("lso") is not None:
            fig["lso"] += 1
            fig["lso_refused"] += confidence("lso") < t
    for fig in out.values():
        n, m = max(fig["questions"], 1), max(fig["lso"], 1)
        for key in ("hand_at_1", "reader_at_1", "fused_at_1", "refused"):
            fig[key] = round(fig[key] / n, 3)
        fig["lso_refused"] = round(fig["lso_refused"] / m, 3)
    return out

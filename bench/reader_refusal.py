"""Could the reader's logits decide refusals? A question-level classifier, with and without them.

    python bench/reader_refusal.py --oof ~/.cache/qa/reader-data/work/oof-all.jsonl [--coverage]

Issue #23 asks for the coverage decision to use the reader. Rounds 1, 5 and 6 fitted the reader's best
logit beside the coverage signals in one logistic fit and found no gain (docs/reader.md); this asks
the question more widely. Every question of the training sets is asked with its sources (answerable)
and with them masked out (leave-source-out: should be refused), each with its collected candidates
(bench/reader_data.py) and the fold models' out-of-fold logits (bench/train_reader.py --oof). Two
feature sets, the hand-set signals of the leading candidates alone and the same with the reader's
logits, each in a logistic fit and a gradient-boosted one, fitted on four folds (split by article)
and judged on the fifth. A classifier's worth for refusal is the share of leave-source-out copies it
refuses at a fixed share of answerable questions refused, so each set is read at 3% and 5% (the
issue's ceilings; the threshold is chosen on the held-out predictions themselves, which favours every
row alike and so compares them fairly, but is not a threshold one could ship). With `--coverage` the
hand-set signals are the coverage decision's own (qa/answer/coverage.py, computed from the collected
candidates over the cached index), and the shipped decision's weights are read the same way; a
second table then asks what would ship, one threshold for every set: the gradient-boosted trees with
the reader, their threshold chosen on the training folds alone (nested), against the shipped weights
at Config.min_score, with each set's ROC AUC. The reader's logits are those of the `--read` leading
candidates (Config.reader_top, what it reads at answer time).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from reader_data import FOLDS, default_out  # noqa: E402
from train_reader import PRIOR_WEIGHT, SCORED, collected_indexes  # noqa: E402

from qa.config import Config  # noqa: E402

SETS = ("xquad-en", "covid-qa", "shipped", "conversations")
SHARES = (0.03, 0.05)  # answerable questions refused: the ceiling on every set, and with LSO
FIT_SHARE = 0.03  # what a threshold chosen on training folds may refuse of any set's answerable questions
TOP = 5  # the leading values of each signal a classifier sees
NONE = -10.0  # a missing logit: below any the reader gives
SIGNAL_DIGITS = 9  # far below any difference that means something, far above floating-point noise


def _top(values: list[float], n: int, fill: float) -> list[float]:
    return (sorted(values, reverse=True) + [fill] * n)[:n]


def features(cands: list[dict], logits: list[float] | None, read: int = SCORED) -> list[float]:
    """The hand-set signals of the leading candidates (their scores, semantic and lexical matches, the
    first one's retrieval and answer-type fit, how many articles the first five come from), and with
    `logits` the reader's: its leading logits, the gap between the first two, the best fused with the
    hand-set score, and its logit for the hand-set first sentence."""
    c = cands[:SCORED]
    first = c[0] if c else {"retrieval": 0.0, "type_fit": 0.0}
    out = _top([x["score"] for x in c], TOP, 0.0) + _top([x["semantic"] for x in c], 3, 0.0)
    out += _top([x["lexical"] for x in c], 3, 0.0)
    out += [first["retrieval"], first["type_fit"], float(len({x["doc_id"] for x in c[:TOP]}))]
    return out + (reader_features(c, logits, read) if logits is not None else [])


def reader_features(cands: list[dict], logits: list[float], read: int) -> list[float]:
    """The reader's logits for the first `read` candidates (at answer time it reads Config.reader_top)."""
    cands, logits = cands[:read], logits[:read]
    lead = _top(logits, TOP, NONE)
    # the hand-set score at the weight the reader was trained beside (train_reader's residual training)
    fused = [z + PRIOR_WEIGHT * x["score"] for z, x in zip(logits, cands)] or [NONE]
    return lead + [lead[0] - lead[1], max(fused), logits[0] if logits else NONE]


def attach_coverage(rows: list[dict]) -> None:
    """Each row's `cover_own` and `cover_lso`: the coverage decision's signals (in COVER_WEIGHTS' order)
    for its collected candidates, and `covers_own`/`covers_lso`, the shipped decision's probability."""
    from qa.answer.candidates import Candidate, IdfTable
    from qa.answer.coverage import COVER_WEIGHTS, covers, signals

    indexes = collected_indexes(rows)
    idfs = {id(index): IdfTable(index) for index in indexes.values()}  # type: ignore[arg-type]
    fields = ("doc_id", "start", "end", "row", "retrieval", "semantic", "lexical", "type_fit", "headline")
    for r in rows:
        index = indexes[r["set"]]
        for mode in ("own", "lso"):
            cands = [Candidate(**{f: c[f] for f in fields}, score=c["score"]) for c in r.get(mode) or []]
            for k, c in zip(cands, r.get(mode) or []):
                k.short = (0, 0) if c["short"] else None  # only whether there is one is collected
            values = signals(r["asked"], cands, index, idfs[id(index)])  # type: ignore[arg-type]
            # rounded: the signals sum over sets, whose order (string hashing is salted) moves their
            # last bits from one process to the next, and that is enough to move a tree's bins
            r[f"cover_{mode}"] = [round(values[name], SIGNAL_DIGITS) for name in COVER_WEIGHTS]
            r[f"covers_{mode}"] = covers(values)


def table(rows: list[dict], scores: dict, with_reader: bool, read: int = SCORED):
    """One row per question and mode with reader scores: its features, answerable (1) or not (0), its
    fold and set, and the shipped coverage decision's probability (NaN without `attach_coverage`)."""
    xs, ys, folds, sets, shipped = [], [], [], [], []
    for r in rows:
        s = scores.get((r["set"], r["id"]))
        if s is None:
            continue
        for mode, label in (("own", 1), ("lso", 0)):
            if r.get(mode) and s.get(mode):
                hand = r[f"cover_{mode}"] if f"cover_{mode}" in r else features(r[mode], None)
                xs.append(hand + (reader_features(r[mode], s[mode], read) if with_reader else []))
                ys.append(label)
                folds.append(r["fold"])
                sets.append(r["set"])
                shipped.append(r.get(f"covers_{mode}", np.nan))
    return np.array(xs), np.array(ys), np.array(folds), np.array(sets), np.array(shipped)


def classifier(kind: str):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0)


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: np.ndarray, kind: str) -> np.ndarray:
    p = np.zeros(len(y))
    for f in sorted(set(folds.tolist())):
        held = folds == f
        p[held] = classifier(kind).fit(x[~held], y[~held]).predict_proba(x[held])[:, 1]
    return p


def refused_at(p: np.ndarray, y: np.ndarray, sets: np.ndarray, share: float) -> dict[str, float]:
    """Per set, the leave-source-out copies refused when the threshold refuses `share` of its answerable."""
    out = {}
    for name in SETS:
        answerable, lso = (sets == name) & (y == 1), (sets == name) & (y == 0)
        if answerable.any() and lso.any():
            out[name] = round(float((p[lso] < np.quantile(p[answerable], share)).mean()), 3)
    return out


def threshold_at(p: np.ndarray, y: np.ndarray, sets: np.ndarray, share: float) -> float:
    """The highest threshold (refused: p below it) that refuses at most `share` of every set's answerable."""
    t = 1.0
    for name in sorted(set(sets[y == 1].tolist())):
        answerable = np.sort(p[(sets == name) & (y == 1)])
        k = int(np.floor(share * len(answerable)))  # at most k of them lie below answerable[k]
        t = min(t, float(answerable[k]) if k < len(answerable) else 1.0)
    return t


def fit_refusal(x: np.ndarray, y: np.ndarray, folds: np.ndarray, sets: np.ndarray, share: float):
    """Trees fitted on every row given, and their threshold chosen on these rows alone: from out-of-fold
    predictions over their folds, the highest refusing at most `share` of each set's answerable."""
    t = threshold_at(out_of_fold(x, y, folds, "gradient boosting"), y, sets, share)
    return classifier("gradient boosting").fit(x, y), t


def nested(x: np.ndarray, y: np.ndarray, folds: np.ndarray, sets: np.ndarray, share: float) -> np.ndarray:
    """Whether each row is refused when its fold is judged by trees and a threshold fitted on the other
    folds alone (fit_refusal): what a shipped decision would do on articles it never saw."""
    refused = np.zeros(len(y), dtype=bool)
    for f in sorted(set(folds.tolist())):
        held = folds == f
        clf, t = fit_refusal(x[~held], y[~held], folds[~held], sets[~held], share)
        refused[held] = clf.predict_proba(x[held])[:, 1] < t
    return refused


def refusal_cells(refused: np.ndarray, y: np.ndarray, sets: np.ndarray) -> str:
    """Per set, the share of answerable questions refused / of leave-source-out copies refused, as cells."""
    return " | ".join(
        f"{refused[(sets == n) & (y == 1)].mean():.3f} / {refused[(sets == n) & (y == 0)].mean():.3f}" for n in SETS
    )


def mean_answerable_refused(refused: np.ndarray, y: np.ndarray, sets: np.ndarray) -> float:
    """The mean over the sets of the share of their answerable questions refused."""
    return float(np.mean([refused[(sets == n) & (y == 1)].mean() for n in sorted(set(sets.tolist()))]))


def matched_threshold(p: np.ndarray, y: np.ndarray, sets: np.ndarray, want: float) -> float:
    """The highest threshold whose mean over the sets of answerable questions refused is at most `want`."""
    best = 0.0
    for t in np.unique(p):
        # the tolerance: a mean of shares equal to `want` may differ from it in the last bit
        if mean_answerable_refused(p < t, y, sets) <= want + 1e-12:
            best = float(t)
    return best


def sets_beaten(refused: np.ndarray, base: np.ndarray, y: np.ndarray, sets: np.ndarray) -> int:
    """On how many sets `refused` does better than `base` (fewer answerable questions refused or more
    leave-source-out copies, and neither worse) when it does worse on none; 0 when it does worse on one."""
    better = 0
    for n in SETS:
        a, lso = (sets == n) & (y == 1), (sets == n) & (y == 0)
        fewer, more = base[a].mean() - refused[a].mean(), refused[lso].mean() - base[lso].mean()
        if fewer < 0 or more < 0:
            return 0
        better += bool(fewer > 0 or more > 0)
    return better


def most_sets_beaten(p: np.ndarray, shipped: np.ndarray, base: np.ndarray, y: np.ndarray, sets: np.ndarray):
    """The most sets on which any decision from the trees' probability `p` beats `base` (sets_beaten):
    one threshold of the trees, or a threshold of each with "either refuses" or "both refuse"; with
    the first decision that does (refused, and how it is made)."""
    grid = np.round(np.arange(0.02, 0.4001, 0.01), 2)
    decisions = [(p < t, f"trees < {t}") for t in grid]
    for a in grid:
        decisions += [((shipped < a) | (p < b), f"weights < {a} or trees < {b}") for b in grid]
        decisions += [((shipped < a) & (p < b), f"weights < {a} and trees < {b}") for b in grid]
    return max(((sets_beaten(r, base, y, sets), r, how) for r, how in decisions), key=lambda d: d[0])


def one_threshold(
    x: np.ndarray, y: np.ndarray, folds: np.ndarray, sets: np.ndarray, shipped: np.ndarray, p: np.ndarray
) -> None:
    """A shipped decision has one threshold for every collection, not one per set: the trees with the
    reader (`p`, their out-of-fold probabilities over the table x, y, folds, sets) against the shipped
    weights at Config.min_score, each cell answerable refused / leave-source-out refused, and each set's
    ROC AUC (how well a decision orders its questions, whatever the threshold)."""
    from sklearn.metrics import roc_auc_score

    min_score = Config().min_score
    hand = shipped < min_score
    matched = p < matched_threshold(p, y, sets, mean_answerable_refused(hand, y, sets))
    print("\none threshold for every set: answerable refused / leave-source-out refused")
    print("| decision | threshold | " + " | ".join(SETS) + " |")
    print("|---|---|" + "---|" * len(SETS))
    for label, how, refused in (
        ("coverage, the shipped weights", f"min_score {min_score}", hand),
        (
            "trees with the reader",
            f"training folds, <= {FIT_SHARE:.0%} of each set",
            nested(x, y, folds, sets, FIT_SHARE),
        ),
        ("trees with the reader", "held-out, the shipped weights' mean refused", matched),
    ):
        print(f"| {label} | {how} | {refusal_cells(refused, y, sets)} |")
    for label, score in (("coverage, the shipped weights", shipped), ("trees with the reader", p)):
        aucs = " | ".join(f"{roc_auc_score(y[sets == n], score[sets == n]):.3f}" for n in SETS)
        print(f"| {label} | ROC AUC | {aucs} |")
    beaten, refused, how = most_sets_beaten(p, shipped, hand, y, sets)
    print(
        f"\nthe most sets of {len(SETS)} on which a threshold of the trees (or of both, either or both refusing) "
        f"does better than the shipped weights, doing worse on none, thresholds read in-sample: {beaten}"
    )
    if beaten:
        print(f"| {how} | in-sample | {refusal_cells(refused, y, sets)} |")


def table_row(signals: str, kind: str, share: float, got: dict[str, float]) -> str:
    cells = " | ".join(f"{got[name]:.3f}" if name in got else "n/a" for name in SETS)
    return f"| {signals} | {kind} | {share:.0%} | {cells} |"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--oof", type=Path, required=True, help="bench/train_reader.py's out-of-fold scores")
    ap.add_argument("--data", type=Path, default=None, help="bench/reader_data.py's folder (default: user cache)")
    ap.add_argument("--coverage", action="store_true", help="the coverage decision's signals as the hand-set ones")
    ap.add_argument("--read", type=int, default=Config().reader_top, help="leading candidates whose logits count")
    args = ap.parse_args(argv)
    data = args.data or default_out()
    rows = [json.loads(line) for name in SETS for line in open(data / f"{name}.jsonl", encoding="utf-8")]
    scores = {(s["set"], s["id"]): s for s in map(json.loads, open(args.oof, encoding="utf-8"))}
    scored = sorted({s["fold"] for s in scores.values()})
    if len(scored) < 2:
        sys.exit(f"{args.oof}: scores of {len(scored)} fold(s); out-of-fold fits need two or more of {FOLDS}")
    print(f"folds {scored}; leave-source-out copies refused at the share of answerable questions refused")
    print("| signals | classifier | refused | " + " | ".join(SETS) + " |")
    print("|---|---|---:|" + "---:|" * len(SETS))
    if args.coverage:
        attach_coverage(rows)
        _, y, _, sets, shipped = table(rows, scores, False)
        for share in SHARES:
            print(table_row("coverage", "the shipped weights", share, refused_at(shipped, y, sets, share)))
    for with_reader in (False, True):
        x, y, folds, sets, shipped = table(rows, scores, with_reader, args.read)
        label = ("coverage" if args.coverage else "hand-set") + (" with the reader" if with_reader else "")
        for kind in ("logistic", "gradient boosting"):
            p = out_of_fold(x, y, folds, kind)
            for share in SHARES:
                print(table_row(label, kind, share, refused_at(p, y, sets, share)))
    if args.coverage:  # the last table and fit: the coverage signals with the reader, gradient-boosted
        one_threshold(x, y, folds, sets, shipped, p)
    return 0


if __name__ == "__main__":
    sys.exit(main())

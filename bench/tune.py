"""Fit the sentence-signal weights and the abstention threshold of qa/answer.py, with a held-out check.

    python bench/tune.py [--limit N]

Questions of xquad-en and covid-qa are split by their source document (a hash of its id) into a
tuning half and a held-out half, so no article is seen on both sides. A logistic regression over
the signals of every candidate sentence ("does it hold a gold answer?") gives the weights; the
threshold is set on the tuning half so that at most 5% of answerable questions are refused, and
cross-corpus questions (covid-qa asked of xquad-en's articles and the reverse) measure how often
it refuses what it should. The held-out figures are printed next to the tuning ones.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answer.candidates import SIGNALS, WEIGHTS, features  # noqa: E402
from qa.api import Assistant, load_documents  # noqa: E402
from qa.config import Config  # noqa: E402
from qa.eval.metrics import contains_answer  # noqa: E402

# the shared data folder beside the checkout; QA_BENCH_DATA points elsewhere (e.g. from a git worktree)
DATA = Path(os.environ.get("QA_BENCH_DATA") or ROOT.parent / "shared" / "data")
REFUSE_PERCENT = 2  # leave room under the 5% budget for refusing answerable questions


FLOORS = (0.0, 0.5, 0.6, 0.7, 0.8)
FLOOR_COST = 0.015  # answer_at_5 a floor may cost on any tuning half before it is too high
NEWS = ROOT / "bench" / "questions" / "shipped.jsonl"


def held_out(doc_id: str) -> bool:
    return hashlib.sha256(doc_id.encode()).digest()[0] % 2 == 1


def news_held_out(question: dict) -> bool:
    # one digest file holds three quarters of the news questions, so the news set is split by
    # question rather than by source file (its articles still differ between the halves)
    return held_out(question["id"])


def load_news(config: Config):
    docs = load_documents([ROOT / "corpus"]).documents
    assistant = Assistant.cached(docs, config)
    questions = [json.loads(line) for line in open(NEWS, encoding="utf-8") if line.strip()]
    return assistant, questions


def load_set(name: str, config: Config):
    docs = load_documents([DATA / name / "corpus.jsonl"]).documents
    assistant = Assistant.cached(docs, config, show_progress_bar=True)  # the index bench/quality.py uses
    questions = [json.loads(line) for line in open(DATA / name / "questions.jsonl", encoding="utf-8")]
    return assistant, questions


def candidates_for(assistant: Assistant, question: str):
    """The very candidates `ask` scores (qa.answer.candidates.find_candidates), not a copy of its steps."""
    return assistant.candidates(question)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="questions per set (0: all)")
    ap.add_argument("--abstain-only", action="store_true", help="skip the weight fit")
    ap.add_argument("--floor-only", action="store_true", help="only the citation floor (quote_floor)")
    args = ap.parse_args()
    config = Config()
    sets = {name: load_set(name, config) for name in ("xquad-en", "covid-qa")}
    calibrate_floor({**sets, "shipped": load_news(config)}, args.limit)
    if args.floor_only:
        return
    if not args.abstain_only:
        fit_weights(sets, args.limit)
    calibrate_abstention(sets, args.limit)


def fit_weights(sets, limit: int) -> None:
    """Fit the signal weights on the tuning half; compare with the current ones on both halves."""
    rows = []  # (set, held_out, features, labels)
    for name, (assistant, questions) in sets.items():
        qs = questions[:limit] if limit else questions
        for q in qs:
            cands = candidates_for(assistant, q["question"])
            docs = assistant.documents
            y = np.array([contains_answer(docs[c.doc_id].text[c.start : c.end], q["answers"]) for c in cands])
            rows.append((name, held_out(q["sources"][0]), features(cands), y))

    from sklearn.linear_model import LogisticRegression

    X = np.vstack([r[2] for r in rows if not r[1]])
    Y = np.concatenate([r[3] for r in rows if not r[1]])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(X, Y)
    w = model.coef_[0]
    print(
        "weights:",
        {s: round(float(v), 3) for s, v in zip(SIGNALS, w)},
        "intercept",
        round(float(model.intercept_[0]), 3),
    )
    scale = np.abs(w).sum()
    print("normalised:", {s: round(float(v / scale), 3) for s, v in zip(SIGNALS, w)})

    def at1(weights, subset):
        hit = n = 0
        for name, ho, F, y in rows:
            if ho != subset[1] or name != subset[0]:
                continue
            n += 1
            if len(F):
                hit += bool(y[int(np.argmax(F @ weights))])
        return hit / max(n, 1), n

    current = np.array([WEIGHTS[s] for s in SIGNALS])
    for name in sets:
        for ho in (False, True):
            cur, n = at1(current, (name, ho))
            fit, _ = at1(w, (name, ho))
            oracle = np.mean([r[3].any() for r in rows if r[0] == name and r[1] == ho])
            print(
                f"{name:9s} {'held-out' if ho else 'tuning  '} n={n:5d} best-sentence@1 current={cur:.3f} fitted={fit:.3f} (any candidate holds it: {oracle:.3f})"
            )


def calibrate_floor(sets, limit: int) -> None:
    """citation_precision and answer_at_5 per quote floor, on each set's tuning and held-out half.

    Each question is asked once without a floor; a floor keeps the quotes scoring at least that
    share of the first one, which is what `select_quotes` does, so every floor is read off one run."""
    from qa.eval.metrics import answer_hit, citation_precision

    rows = []  # (set, held_out, floor, citation_precision, answer_at_5)
    for name, (assistant, questions) in sets.items():
        asker = assistant.with_config(quote_floor=0.0, min_score=-1e9)
        for q in questions[:limit] if limit else questions:
            if not q["answers"]:
                continue
            ho = news_held_out(q) if name == "shipped" else held_out(q["sources"][0])
            answer = asker.ask(q["question"])
            for f in FLOORS:
                kept = [x for x in answer.quotes if x.score >= f * answer.quotes[0].score] if answer.quotes else []
                floored = dataclasses.replace(answer, quotes=kept)  # the full answer stays for the next floor
                rows.append(
                    (
                        name,
                        ho,
                        f,
                        citation_precision(floored, q["sources"]) or 0.0,
                        answer_hit(floored, q["answers"], 5),
                    )
                )
    table = {}
    for name, ho, f, cp, a5 in rows:
        table.setdefault((name, ho, f), []).append((cp, a5))
    means = {k: tuple(float(np.mean(col)) for col in zip(*v)) for k, v in table.items()}
    ok = [f for f in FLOORS if all(means[(n, False, 0.0)][1] - means[(n, False, f)][1] <= FLOOR_COST for n in sets)]
    print(
        f"quote_floor: highest floor costing at most {FLOOR_COST} answer_at_5 on every tuning half: {max(ok)} "
        f"(current {Config().quote_floor})"
    )
    for (name, ho, f), (cp, a5) in sorted(means.items()):
        print(
            f"{name:9s} {'held-out' if ho else 'tuning  '} floor {f:.1f}: citation_precision {cp:.3f} answer_at_5 {a5:.3f}"
        )


def calibrate_abstention(sets, limit: int) -> None:
    """Answer confidence on answerable questions and on questions asked of the other corpus."""
    names = list(sets)
    scores = {True: ([], []), False: ([], [])}  # held_out -> (answerable, unanswerable)
    for name in names:
        assistant, questions = sets[name]
        other = sets[names[1 - names.index(name)]][0].with_config(min_score=-1e9)
        own = assistant.with_config(min_score=-1e9)
        qs = questions[:limit] if limit else questions
        for q in qs:
            ho = held_out(q["sources"][0])
            a, b = own.ask(q["question"]), other.ask(q["question"])
            scores[ho][0].append(a.confidence)
            scores[ho][1].append(b.confidence)
    pos, neg = (np.array(x) for x in scores[False])
    threshold = float(np.percentile(pos, REFUSE_PERCENT))
    print(
        f"min_score for at most {REFUSE_PERCENT}% refused answerable questions (tuning half): {threshold:.3f} (current {Config().min_score})"
    )
    for ho, th in ((False, Config().min_score), (True, Config().min_score), (True, round(threshold, 2))):
        pos, neg = (np.array(x) for x in scores[ho])
        print(
            f"{'held-out' if ho else 'tuning  '} at min_score={th}: answerable refused {np.mean(pos < th):.3f} (n={len(pos)}), "
            f"cross-corpus abstain recall {np.mean(neg < th):.3f} (n={len(neg)})"
        )


if __name__ == "__main__":
    main()

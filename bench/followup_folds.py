"""Follow-ups read in context, fitted and scored out of fold by dialogue.

    python bench/followup_folds.py [--index-dir DIR] [--seed 23] [--folds 5]

A follow-up is searched as its rewrite (qa/answer/followup.py's rules) and also as typed, alone and
after the previous question (followup.readings); each reading's weight in a sentence's score is what
this script fits. Dialogues are split into folds by
id (shuffled with a fixed seed): for each fold, the weights that give the best answer_at_1 on the
other folds' dialogues are chosen from the grid and that fold is scored with them. The package ships
followup.READING_WEIGHTS (docs/benchmarks.md says why they are what they are).

Every configuration of the grid answers every dialogue once (a dialogue's answers do not depend on
the other dialogues); the folds then only choose among stored results. "rules only" is the grid's
all-zero point: the rewrite alone (the rules as they stand, no readings). answer_at_1 counts every
answerable turn (first turns too, as bench/quality.py does: they do not move); follow-ups apart.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from followup import assistant_of, load_dialogues  # noqa: E402  (bench/followup.py)

from qa.answer import followup  # noqa: E402
from qa.api import Assistant  # noqa: E402
from qa.eval.metrics import contains_answer  # noqa: E402
from qa.records import Turn  # noqa: E402

SEED = 23
FOLDS = 5
# each reading's weights tried (followup.readings names them), and the penalty of the sentence just quoted
GRID = {
    "typed": (0.0, 0.2, 0.3, 0.4),
    "previous question": (0.0, 0.2, 0.3, 0.4),
}
BASE = {"typed": 0.0, "previous question": 0.0}  # the code before


def fold_of(dialogues: list[dict], folds: int, seed: int) -> dict[str, int]:
    """Each dialogue id's fold: ids shuffled with `seed`, dealt round."""
    ids = sorted(d["id"] for d in dialogues)
    random.Random(seed).shuffle(ids)
    return {d: i % folds for i, d in enumerate(ids)}


def answer_all(assistant: Assistant, dialogues: list[dict], weights: dict[str, float]) -> dict[tuple[str, int], dict]:
    """Every turn of every dialogue asked with the turns before it, the readings weighted so."""
    followup.READING_WEIGHTS = weights  # the bench sets what it fits; the product reads its constant
    out = {}
    for d in dialogues:
        history: list[Turn] = []
        for i, t in enumerate(d["turns"]):
            answer = assistant.ask(t["question"], 10, history=history)
            history.append(Turn(t["question"], answer))
            texts = [q.text for q in answer.quotes]
            gold = t["answers"]
            out[(d["id"], i)] = {
                "answerable": bool(gold),
                "a1": bool(gold) and bool(texts) and contains_answer(texts[0], gold),
                "a5": bool(gold) and any(contains_answer(x, gold) for x in texts[:5]),
                "refused": answer.abstained,
                "resolved": answer.resolved_question,
            }
    return out


def score(results: dict, ids: set[str], follow_ups_only: bool = False) -> tuple[int, int]:
    """(answered first, answerable) over the turns of dialogues `ids`."""
    rows = [r for (d, i), r in results.items() if d in ids and r["answerable"] and (i > 0 or not follow_ups_only)]
    return sum(r["a1"] for r in rows), len(rows)


def refusals(results: dict, ids: set[str]) -> tuple[int, int, int, int]:
    """(unanswerable refused, unanswerable, answerable refused, answerable) over dialogues `ids`' follow-ups."""
    rows = [r for (d, i), r in results.items() if d in ids and i > 0]
    no = [r for r in rows if not r["answerable"]]
    yes = [r for r in rows if r["answerable"]]
    return sum(r["refused"] for r in no), len(no), sum(r["refused"] for r in yes), len(yes)


def choose(grid: dict, ids: set[str]):
    """The grid point with the best answer_at_1 on `ids`; ties go to the smaller total weight (the
    rewrite alone first), then to the order of the grid."""
    return max(grid, key=lambda key: (score(grid[key], ids)[0], -sum(key)))  # ties: the smallest change


def pct(a: int, n: int) -> str:
    return f"{a / n:.3f} ({a}/{n})" if n else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", default=None, help="an index of corpus/ (default: built in the cache)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"shuffles the dialogue ids into folds (default {SEED})")
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--json", default=None, help="also write every grid point's per-turn results here")
    args = parser.parse_args()
    assistant = assistant_of(args.index_dir)
    shipped_weights = dict(followup.READING_WEIGHTS)
    dialogues = load_dialogues()
    folds = fold_of(dialogues, args.folds, args.seed)
    t0 = time.time()
    grid = {}
    for key in itertools.product(*GRID.values()):
        weights = dict(zip(GRID, key))
        grid[key] = answer_all(assistant, dialogues, weights)
        print(f"   {weights}: answer_at_1 {pct(*score(grid[key], set(folds)))}", file=sys.stderr, flush=True)

    cmd = "python bench/followup_folds.py"
    print(f"`{cmd} --seed {args.seed} --folds {args.folds}` — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, ")
    print(f"{len(dialogues)} dialogues, {time.time() - t0:.0f} s for {len(grid)} grid points.\n")
    print(
        f"| fold | dialogues | weights fitted on the other folds ({', '.join(GRID)}) | "
        "answer_at_1 rules only | answer_at_1 fitted | follow-ups rules only | follow-ups fitted |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|")
    base = tuple(BASE[k] for k in GRID)
    oof: dict = {}
    for f in range(args.folds):
        test = {d for d, g in folds.items() if g == f}
        chosen = choose(grid, set(folds) - test)
        oof.update({k: v for k, v in grid[chosen].items() if k[0] in test})
        print(
            f"| {f} | {len(test)} | {', '.join(f'{w:.2f}' for w in chosen)} | {pct(*score(grid[base], test))} | "
            f"{pct(*score(grid[chosen], test))} | {pct(*score(grid[base], test, True))} | "
            f"{pct(*score(grid[chosen], test, True))} |"
        )
    everyone = set(folds)
    print(
        f"| all (out of fold) | {len(everyone)} | per fold | {pct(*score(grid[base], everyone))} | "
        f"{pct(*score(oof, everyone))} | {pct(*score(grid[base], everyone, True))} | {pct(*score(oof, everyone, True))} |"
    )
    shipped = choose(grid, everyone)
    nb, nu, yb, yu = refusals(grid[base], everyone)
    no, nn, yo, yn = refusals(oof, everyone)
    print(
        f"\nFitted on all folds: {dict(zip(GRID, shipped))}; the package ships {shipped_weights} "
        f"(in-sample answer_at_1 {pct(*score(grid[shipped], everyone))}). Follow-ups: unanswerable refused "
        f"{nb}/{nu} → {no}/{nn} out of fold; answerable refused {yb}/{yu} → {yo}/{yn}."
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({",".join(map(str, k)): {f"{d}/{i}": r for (d, i), r in v.items()} for k, v in grid.items()}),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()

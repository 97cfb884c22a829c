"""The reader's claim test, relative: a claim's logit against an article sentence minus that sentence's
logit against itself, for held-out answering sentences restated, and with one fact changed.

    python bench/reader_claims.py --work ~/.cache/qa/reader-data/work      # every fold model on its fold
    python bench/reader_claims.py --model …/work/fold0/reader-int8.onnx --fold 0

For each question of xquad-en and covid-qa in a fold (which that fold's model was not trained on),
its first answering sentence is restated as bench/drafts.py does it (a light `paraphrase`, a form the
reader never trains on; and a `rewrite` of the question with its answer, for questions asking for
their subject) and with one fact changed (train_reader's `changed_claim`; the rewrite with another
question's answer). A useful reader flags the changed facts and neither restatement. With `--work`,
the margin is also chosen out of fold: on the other folds' claims, the widest flagging at most
MAX_FLAGGED of the restatements, then applied to the held-out fold.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import drafts as support_bench  # noqa: E402
from reader_data import default_out  # noqa: E402
from train_reader import answers_by_set_of, attach_lead_ins, changed_claim, restated, second_text  # noqa: E402

from qa.answer.reader import MODEL_FILE, Reader, ReaderSettings  # noqa: E402
from qa.nlp import pipeline  # noqa: E402

RELATIVE_CUTS = (-0.5, -1.0, -2.0, -3.0, -4.0, -6.0)
ABSOLUTE_CUTS = (-8.0, -6.0, -4.0, -2.0, 0.0)
CUT_RANGE = (-15.0, 5.0)  # where an out-of-fold cut is looked for (logits run from about -12 to 4)
SEED = 7
SUPPORTED, CHANGED = ("paraphrase", "rewrite"), ("changed", "changed rewrite")
# The share of restatements a margin may flag: the ceiling for supported claims flagged
# (bench/drafts.py calibrates support_min to the same 3%)
MAX_FLAGGED = 0.03


def restatements(row: dict, sentence: str, pool: dict, nlp, rng: random.Random) -> dict[str, str | None]:
    out = {
        "paraphrase": support_bench.paraphrase(sentence, nlp),
        "changed": changed_claim(sentence, row["answers"], pool[row["set"]], rng),
    }
    out["rewrite"], out["changed rewrite"] = restated(row["question"], row["answers"], pool[row["set"]], nlp, rng)
    return out


def margins(model: Reader, rows: list[dict], fold: int) -> dict[str, dict[str, list[float]]]:
    """Each claim's logit with its sentence: "relative" to the sentence's own, and "absolute"."""
    pool, rng, nlp = answers_by_set_of(rows), random.Random(SEED + fold), pipeline()
    out: dict[str, dict[str, list[float]]] = {m: {k: [] for k in SUPPORTED + CHANGED} for m in ("relative", "absolute")}
    for r in rows:
        first = next((c for c in r.get("own") or [] if c["label"]), None)
        if r["fold"] != fold or first is None:
            continue
        second = second_text(first)
        own = float(model.logits(first["text"], [second])[0])
        for kind, claim in restatements(r, first["text"], pool, nlp, rng).items():
            if claim:
                z = float(model.logits(claim, [second])[0])
                out["relative"][kind].append(z - own)
                out["absolute"][kind].append(z)
    return out


def flagged(found: dict[str, list[float]], cut: float) -> dict[str, float | None]:
    return {k: float(np.mean(np.array(v) < cut)) if v else None for k, v in found.items()}


def chosen_cut(found: dict[str, list[float]]) -> float:
    """The highest cut (the most changed facts flagged) below which at most MAX_FLAGGED of each kind of
    restatement falls."""
    for cut in np.arange(CUT_RANGE[1], CUT_RANGE[0] - 0.01, -0.1):
        if all(np.mean(np.array(found[k]) < cut) <= MAX_FLAGGED for k in SUPPORTED if found[k]):
            return float(round(cut, 1))
    return CUT_RANGE[0]


def out_of_fold(by_fold: dict[int, dict[str, list[float]]]) -> tuple[dict[str, float], dict[int, float]]:
    """Each fold's claims judged at the cut chosen on the other folds' claims."""
    hits: dict[str, list[bool]] = {k: [] for k in SUPPORTED + CHANGED}
    chosen = {}
    for f, found in by_fold.items():
        others: dict[str, list[float]] = {k: [] for k in hits}
        for g, theirs in by_fold.items():
            if g != f:
                for k in hits:
                    others[k] += theirs[k]
        chosen[f] = cut = chosen_cut(others)
        for k in hits:
            hits[k] += [x < cut for x in found[k]]
    return {k: float(np.mean(v)) for k, v in hits.items() if v}, chosen


def report(mode: str, by_fold: dict[int, dict[str, list[float]]], cuts) -> None:
    found = {k: [x for f in by_fold.values() for x in f[k]] for k in SUPPORTED + CHANGED}
    print(f"\n{mode}: a claim is flagged when its logit with the sentence is below the cut")
    print("| cut | " + " | ".join(f"{k} flagged (n={len(v)})" for k, v in found.items()) + " |")
    print("|---:|" + "---:|" * len(found))
    for cut in cuts:
        shares = flagged(found, cut)
        print(f"| {cut} | " + " | ".join("–" if v is None else f"{v:.0%}" for v in shares.values()) + " |")
    if len(by_fold) > 1:
        shares, chosen = out_of_fold(by_fold)
        print(
            f"cut chosen on the other folds (flagging at most {MAX_FLAGGED:.0%} of each restatement): "
            + ", ".join(f"fold {f} {c:.1f}" for f, c in chosen.items())
        )
        print("out of fold: " + ", ".join(f"{k} flagged {v:.0%}" for k, v in shares.items()))
        print(f"chosen on all folds: {chosen_cut(found):.1f}")


def fold_models(work: Path) -> dict[int, Path]:
    """train_reader's fold models in `work` (foldN/reader-int8.onnx), by the fold each was not trained on."""
    return {f: p for f in range(10) if (p := work / f"fold{f}" / MODEL_FILE).is_file()}


def fold_margins(models: dict[int, Path], data: Path) -> dict[int, dict[str, dict[str, list[float]]]]:
    """Each model (by the fold it was not trained on) on that held-out fold's claims."""
    rows = [
        json.loads(line) for name in ("xquad-en", "covid-qa") for line in open(data / f"{name}.jsonl", encoding="utf-8")
    ]
    by_fold = {}
    for fold, path in models.items():
        settings = ReaderSettings(path.parent)  # the model read as its card says (context, length)
        attach_lead_ins(rows, settings.context_chars)
        by_fold[fold] = margins(settings.model, rows, fold)
    return by_fold


def support_fit(by_fold: dict[int, dict[str, dict[str, list[float]]]]) -> dict:
    """What a shipped card's `support` holds: the measure that flags more changed facts (out of fold
    when two or more fold models were trained, else on the one fold's claims), its cut chosen on every
    fold's claims, and the shares it flags."""
    best: dict = {}
    for measure in ("absolute", "relative"):
        per = {f: v[measure] for f, v in by_fold.items()}
        found = {k: [x for f in per.values() for x in f[k]] for k in SUPPORTED + CHANGED}
        cut = chosen_cut(found)
        if len(per) > 1:
            shares, _ = out_of_fold(per)
        else:
            shares = {k: v for k, v in flagged(found, cut).items() if v is not None}
        caught = float(np.mean([shares[k] for k in CHANGED if k in shares]))
        if not best or caught > best["changed_flagged"]:
            best = {
                "measure": measure,
                "cut": cut,
                "changed_flagged": round(caught, 3),
                "flagged": {k: round(v, 3) for k, v in shares.items()},
                "cut_chosen_out_of_fold": len(per) > 1,
                "folds": sorted(per),
                "restatements_flagged_at_most": MAX_FLAGGED,
            }
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=None, help="a fold model (reader-int8.onnx)")
    ap.add_argument("--fold", type=int, default=None, help="the fold that --model was NOT trained on")
    ap.add_argument("--work", type=Path, default=None, help="train_reader's work folder: every foldN model on fold N")
    ap.add_argument("--data", type=Path, default=None, help="bench/reader_data.py's folder (default: user cache)")
    ap.add_argument(
        "--card", type=Path, default=None, help="with --work: record the fitted `support` in this reader.json"
    )
    args = ap.parse_args(argv)
    if (args.work is None) == (args.model is None) or (args.model is not None and args.fold is None):
        ap.error("name either --work, or --model with --fold")
    data = args.data or default_out()
    if args.model and args.model.name != MODEL_FILE:
        ap.error(f"--model: name a trained reader's {MODEL_FILE} (its folder holds its card), not {args.model.name}")
    models = {args.fold: args.model} if args.model else fold_models(args.work)
    if not models:
        ap.error(f"--work: no fold{{N}}/{MODEL_FILE} in {args.work}")
    by_fold = fold_margins(models, data)
    report(
        "relative (the claim's logit less the sentence's own)",
        {f: v["relative"] for f, v in by_fold.items()},
        RELATIVE_CUTS,
    )
    report("absolute", {f: v["absolute"] for f, v in by_fold.items()}, ABSOLUTE_CUTS)
    fitted = support_fit(by_fold)
    print("\nsupport fit: " + json.dumps(fitted))
    if args.card:
        card = json.loads(args.card.read_text(encoding="utf-8"))
        args.card.write_text(json.dumps({**card, "support": fitted}, indent=1) + "\n", encoding="utf-8")
        print(f"wrote `support` into {args.card}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The reader's claim test, relative: a claim's logit against an article sentence minus that sentence's
logit against itself, for held-out answering sentences restated three ways.

    python bench/reader_claims.py --model ~/.cache/qa/reader-data/work/fold0/reader-int8.onnx --fold 0

For each question of xquad-en and covid-qa in `--fold` (which the model must not have been trained on),
its first answering sentence is restated as bench/drafts.py does it (a light `paraphrase`; for xquad-en
a person's `rewrite` of the question with its answer) and with one fact changed (train_reader's
`changed_claim`). A useful reader flags the changed facts and neither restatement.
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
from train_reader import answers_by_set_of, attach_lead_ins, changed_claim, second_text  # noqa: E402

from qa.answer.reader import MODEL_FILE, Reader, ReaderSettings  # noqa: E402
from qa.nlp import pipeline  # noqa: E402

MARGINS = (0.5, 1.0, 2.0, 3.0)
SEED = 7


def restatements(row: dict, sentence: str, pool: dict, nlp, rng: random.Random) -> dict[str, str | None]:
    out = {
        "paraphrase": support_bench.paraphrase(sentence, nlp),
        "changed": changed_claim(sentence, row["answers"], pool[row["set"]], rng),
    }
    if row["set"] == "xquad-en":
        out["rewrite"] = support_bench.rewrite(row["question"], row["answers"][0], nlp)
    return out


def margins(model: Reader, rows: list[dict], fold: int) -> dict[str, list[float]]:
    pool, rng, nlp = answers_by_set_of(rows), random.Random(SEED), pipeline()
    out: dict[str, list[float]] = {"paraphrase": [], "rewrite": [], "changed": []}
    for r in rows:
        first = next((c for c in r.get("own") or [] if c["label"]), None)
        if r["fold"] != fold or first is None:
            continue
        second = second_text(first)
        own = float(model.logits(first["text"], [second])[0])
        for kind, claim in restatements(r, first["text"], pool, nlp, rng).items():
            if claim:
                out[kind].append(float(model.logits(claim, [second])[0]) - own)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="a fold model (reader-int8.onnx)")
    ap.add_argument("--fold", type=int, required=True, help="the fold that model was NOT trained on")
    ap.add_argument("--data", type=Path, default=None, help="bench/reader_data.py's folder (default: user cache)")
    args = ap.parse_args(argv)
    data = args.data or default_out()
    rows = [
        json.loads(line) for name in ("xquad-en", "covid-qa") for line in open(data / f"{name}.jsonl", encoding="utf-8")
    ]
    if args.model.name != MODEL_FILE:
        ap.error(f"--model: name a trained reader's {MODEL_FILE} (its folder holds its card), not {args.model.name}")
    settings = ReaderSettings(args.model.parent)  # the model read as its card says (context, length)
    attach_lead_ins(rows, settings.context_chars)
    found = margins(settings.model, rows, args.fold)
    print(
        "| margin below the sentence's own logit | "
        + " | ".join(f"{k} flagged (n={len(v)})" for k, v in found.items())
        + " |"
    )
    for m in MARGINS:
        print(f"| {m} | " + " | ".join(f"{np.mean(np.array(v) < -m):.0%}" if v else "–" for v in found.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

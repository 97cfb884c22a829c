"""Fit the "does this answer it?" decision (qa/answer/coverage.py) on tuning halves, check it held out.

    python bench/abstain.py collect [--limit N] [--cache DIR]   # slow: retrieval for every question, twice
    python bench/abstain.py fit [--cache DIR]                    # fast: signals, fit, held-out figures

`collect` asks each question of xquad-en, covid-qa and the shipped news set twice through the
pipeline's own candidate search (Assistant.candidates): as it is (answerable), and with its own
source documents masked out of retrieval (leave-source-out: the rest of the collection is the
same kind of text without the answer, so the right reply is a refusal). It also asks some
questions of the other corpus (cross-corpus: covid-qa asked of xquad-en's articles and the
reverse). The candidates are cached as JSON so `fit` can be run again without retrieval.

`fit` turns each question's candidates into the signals of qa.answer.coverage, fits a logistic
regression on the tuning halves only (bench/tune.py's split: by source article; the news set by
question), sets the threshold on the tuning halves, and prints held-out figures next to the
current decision's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tune import held_out, load_news, load_set, news_held_out  # noqa: E402

from qa.config import Config, user_cache_dir  # noqa: E402

SETS = ("xquad-en", "covid-qa", "shipped")
CROSS = {"xquad-en": "covid-qa", "covid-qa": "xquad-en"}  # questions of the key asked of the value's articles
CACHE = user_cache_dir() / "abstain-cands"  # $QA_CACHE_DIR or ~/.cache/qa; --cache to put it elsewhere
_FIELDS = (
    "doc_id",
    "start",
    "end",
    "row",
    "retrieval",
    "semantic",
    "lexical",
    "type_fit",
    "headline",
    "score",
    "short",
)


def is_held_out(name: str, q: dict) -> bool:
    return news_held_out(q) if name == "shipped" else held_out(q["sources"][0])


def spread(items: list, limit: int) -> list:
    """At most `limit` items spread evenly over the list (as `qa eval --limit` picks them)."""
    if not limit or limit >= len(items):
        return items
    return [items[i * len(items) // limit] for i in range(limit)]


def dump_cands(cands) -> list[dict]:
    return [{f: getattr(c, f) for f in _FIELDS} for c in cands]


def collect(limit: int, cross_limit: int, cache: Path, names=SETS) -> None:
    from tqdm import tqdm

    config = Config()
    needed = set(names) | {CROSS[n] for n in names if n in CROSS}
    loaded = {name: (load_news(config) if name == "shipped" else load_set(name, config)) for name in needed}
    cache.mkdir(parents=True, exist_ok=True)
    for name in names:
        assistant, questions = loaded[name]
        out = cache / f"{name}.jsonl"
        with open(out, "w", encoding="utf-8") as f:
            for q in tqdm(spread(questions, limit), desc=name, file=sys.stderr):
                row = {
                    "set": name,
                    "id": q["id"],
                    "question": q["question"],
                    "answers": q["answers"],
                    "held_out": is_held_out(name, q),
                }
                if q["answers"]:
                    row["own"] = dump_cands(assistant.candidates(q["question"]))
                    row["lso"] = dump_cands(assistant.candidates(q["question"], exclude_docs=q["sources"]))
                else:  # an unanswerable question of the set itself: asked as it is, it should be refused
                    row["lso"] = dump_cands(assistant.candidates(q["question"]))
                f.write(json.dumps(row) + "\n")
        if name in CROSS:
            other = loaded[CROSS[name]][0]
            with open(cache / f"{name}-cross.jsonl", "w", encoding="utf-8") as f:
                for q in tqdm(spread(questions, cross_limit), desc=f"{name} cross", file=sys.stderr):
                    f.write(
                        json.dumps(
                            {
                                "set": name,
                                "id": q["id"],
                                "question": q["question"],
                                "held_out": is_held_out(name, q),
                                "cross": dump_cands(other.candidates(q["question"])),
                            }
                        )
                        + "\n"
                    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=["collect", "fit"])
    ap.add_argument("--limit", type=int, default=500, help="questions per set for collect (0: all)")
    ap.add_argument("--cross-limit", type=int, default=250, help="cross-corpus questions per set")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--sets", default=",".join(SETS), help="collect: which sets")
    args = ap.parse_args()
    if args.step == "collect":
        collect(args.limit, args.cross_limit, args.cache, [s for s in args.sets.split(",") if s])
    else:
        from abstain_fit import fit

        fit(args.cache)


if __name__ == "__main__":
    main()

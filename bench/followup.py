"""Follow-up questions measured: the conversation set asked three ways on the shipped corpus.

    python bench/followup.py [--index-dir DIR]

- alone: each follow-up asked as a new question (no history);
- questions only: history as the earlier question texts (the API before answer records; the
  previous question is glued onto a short follow-up, references resolve against questions only);
- turns: history as the earlier turns with their Answer records (the default of the app and `qa chat`).

Figures are given for the tuning half (odd dialogue ids, on which the rules and the context prior
were set) and the held-out half (even ids) apart. First turns have no history: they are the same
in all three.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.api import Assistant  # noqa: E402
from qa.eval.metrics import contains_answer  # noqa: E402
from qa.records import Turn  # noqa: E402

SET = ROOT / "bench" / "questions" / "conversations.jsonl"
MODES = ("alone", "questions only", "turns")


def run(assistant: Assistant, dialogues: list[dict], mode: str) -> dict:
    a1 = a5 = n = refused = unanswerable = 0
    for d in dialogues:
        history: list = []
        for i, t in enumerate(d["turns"]):
            given = [] if mode == "alone" else [h.question for h in history] if mode == "questions only" else history
            answer = assistant.ask(t["question"], 10, history=given)
            history.append(Turn(t["question"], answer))
            if i == 0:
                continue
            if not t["answers"]:
                unanswerable += 1
                refused += answer.abstained
                continue
            texts = [q.text for q in answer.quotes]
            n += 1
            a1 += bool(texts) and contains_answer(texts[0], t["answers"])
            a5 += any(contains_answer(x, t["answers"]) for x in texts[:5])
    return {"a1": a1, "a5": a5, "n": n, "refused": refused, "unanswerable": unanswerable}


def row(name: str, mode: str, m: dict) -> str:
    return (
        f"| {name} ({m['n']} + {m['unanswerable']}) | {mode} | {m['a1'] / m['n']:.3f} | {m['a5'] / m['n']:.3f} | "
        f"{m['refused'] / max(m['unanswerable'], 1):.3f} |"
    )


def assistant_of(index_dir: str | None) -> Assistant:
    """The index in `index_dir`, else one of corpus/ built in the cache."""
    if index_dir:
        return Assistant.load(index_dir)
    from qa.api import load_documents

    return Assistant.cached(load_documents([ROOT / "corpus"]).documents)


def load_dialogues() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", default=None, help="an index of corpus/ (default: built in the cache)")
    args = parser.parse_args()
    assistant = assistant_of(args.index_dir)
    dialogues = load_dialogues()
    halves = {
        "tuning (odd ids)": [d for d in dialogues if int(d["id"][1:]) % 2],
        "held-out (even ids)": [d for d in dialogues if not int(d["id"][1:]) % 2],
    }
    print("| half | history | follow-up answer_at_1 | answer_at_5 | abstain_recall (unanswerable follow-ups) |")
    print("|---|---|---:|---:|---:|")
    total = {mode: {} for mode in MODES}
    for name, ds in halves.items():
        for mode in MODES:
            m = run(assistant, ds, mode)
            total[mode] = {k: total[mode].get(k, 0) + v for k, v in m.items()}
            print(row(name, mode, m), flush=True)
    for mode in MODES:
        print(row("all", mode, total[mode]), flush=True)


if __name__ == "__main__":
    main()

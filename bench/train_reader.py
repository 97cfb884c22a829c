"""Train the reader (qa/answer/reader.py) from the pipeline's own candidates, with out-of-fold scores.

    python bench/reader_data.py            # once: the candidates of every question (see its doc)
    python bench/train_reader.py [--folds 5] [--steps N] [--data DIR] [--oof FILE]
    python bench/train_reader.py --refit --card    # the fits again, from the kept --oof scores, into the card

The model is all-MiniLM-L6-v2 read as a cross-encoder: question and sentence (with its title and the
start of the sentence before it, `--context`) in one input, mean-pooled, a linear head giving a logit.
Its word-piece embeddings and its lower `--frozen` layers (none by default) stay as packaged; the
layers above and the head are trained. What stays is run once per training pair (as int8 ONNX,
exactly as it runs when shipped) and its output kept, so a training step runs only the trained
layers: about 1.7 s for 32 pairs with all six trained, on 2 quiet cores (18 minutes a model with its
scoring; five fold models and the final one in under two hours).

For each of `--folds` folds (split by source article, see bench/reader_data.py) a model is trained
on the other folds and scores the held-out questions' leading candidates (own and leave-source-out):
those out-of-fold scores are what every figure reported for xquad-en, covid-qa, shipped and the
conversations rests on. Then one model is trained on everything with the same recipe and written
to qa/models/reader/ with its card. Seeds are fixed: the same data gives the same weights.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import reader_fit  # noqa: E402
from reader_data import FOLDS, default_out  # noqa: E402

from qa.answer.reader import (  # noqa: E402
    CARD_FILE,
    MAX_TOKENS,
    MODEL_FILE,
    Reader,
    encode_pairs,
    pair_text,
    tokenizer,
)

SEED = 13
# Steps of BATCH pairs per model: the loss stops falling near 600 (round 2), about 6 minutes a model
# on this 2-core machine with the top two layers trained (17 with all six and the sentence before)
STEPS = 600
# Of MiniLM's 6 layers, those kept as packaged (`--frozen`); the layers above them and the head are
# trained. Rounds 1-4 kept four; training all six (about twice the cost a step) answered more on every
# set out of fold (docs/reader.md, rounds 5 and 6).
FROZEN = 0
# Characters of the sentence before each candidate the reader reads with it (`--context`; 0: none, the
# recipe of rounds 1-5): "It cost 1.9 billion crowns" is the bridge's cost only to a reader that sees
# the sentence before name the bridge. A sentence names its subject early; 120 characters (about 25
# word pieces) hold the subject of most, and every word piece more costs every training step.
CONTEXT_CHARS = 120
# Pairs drawn per question: the answering sentences, the negatives the pipeline ranked highest (what
# the reader must tell apart), one more from further down, and the best of the leave-source-out copy
# (look-alikes from other articles: what teaches refusal).
MAX_POSITIVES, HARD_NEGATIVES, EASY_NEGATIVES, LSO_NEGATIVES = 2, 4, 1, 2
SCORED = 24  # leading candidates (by the hand-set score) the reader scores at answer time
BATCH, LR, HEAD_LR, WARMUP = 32, 1.5e-4, 1e-3, 0.06
# The loss: a softmax over each group's pairs with its answering sentence as the target (ranking is
# what the reader is for, and a group's pairs differ in one thing at a time), plus this share of
# binary cross-entropy on every pair, which keeps the logit's level meaningful across questions
# (the refusal reads the best logit as evidence on its own).
POINTWISE_SHARE = 0.5
# Residual training: during training the hand-set score joins the logit (times a learnt weight
# starting at PRIOR_WEIGHT), so the reader learns what the hand-set ranking gets wrong rather than
# relearning what it already gets right; at answer time bench/reader_fit.py fits how the two join.
RESIDUAL = os.environ.get("QA_READER_RESIDUAL", "1") == "1"
PRIOR_WEIGHT = 10.0  # about the spread that makes the hand-set score alone a fair softmax over candidates
SETS = ("xquad-en", "covid-qa", "shipped", "conversations")
# Claim pairs of a second form besides each answering sentence against itself: the question restated
# with its answer (round 7). Rounds 1-6 knew only the sentence itself as support, so the reader read
# any rewording as a changed fact and could not judge a draft (docs/reader.md, draft support).
CLAIM_REWRITES = os.environ.get("QA_READER_REWRITES", "1") == "1"


@dataclass
class Pair:
    question: str
    second: str
    label: int
    fold: int
    set: str
    group: int = 0  # the pairs of one question (or one claim and its changed copy), ranked against each other
    prior: float = 0.0  # the hand-set score of the candidate (0 for a claim pair): see RESIDUAL


def load_rows(data: Path, sets=SETS) -> list[dict]:
    rows = []
    for name in sets:
        path = data / f"{name}.jsonl"
        if not path.is_file():  # one command rebuilds the reader: the candidates first, once
            import reader_data

            reader_data.main(["--sets", name, "--out", str(data)])
        rows += [json.loads(line) for line in open(path, encoding="utf-8")]
    return rows


def question_text(row: dict) -> str:
    return row["asked"]


def collected_indexes(rows: list[dict]) -> dict[str, object]:
    """Each set's index: the cached one bench/reader_data.py collected its candidates from, checked to
    still hold every candidate's sentence at the row it was collected at (a candidate names its sentence
    by that row)."""
    from reader_data import SETS as SOURCES

    from qa.api import Assistant, load_documents
    from qa.config import Config

    config = Config.from_env().replace(reader="off")  # reader_data.py's settings
    by_corpus: dict[str, object] = {}
    by_set: dict[str, object] = {}
    for r in rows:
        corpus = str(SOURCES[r["set"]][1])
        if corpus not in by_corpus:
            documents = list(load_documents([corpus]).documents)
            by_corpus[corpus] = Assistant.cached(documents, config, show_progress_bar=True).index
        index = by_set[r["set"]] = by_corpus[corpus]
        for c in (r.get("own") or []) + (r.get("lso") or []):
            d, s, e = index.sentence_rows[c["row"]].tolist()  # type: ignore[attr-defined]
            if (index.doc_ids[d], s, e) != (c["doc_id"], c["start"], c["end"]):  # type: ignore[attr-defined]
                sys.exit(
                    f"{r['set']}: the index differs from the one its candidates were collected from; "
                    "run python bench/reader_data.py again"
                )
    return by_set


def attach_lead_ins(rows: list[dict], chars: int) -> None:
    """Each candidate's `before`: the start of the sentence before it in its article (candidates.lead_in),
    from the same index bench/reader_data.py collected the candidates from (collected_indexes)."""
    from qa.answer.candidates import lead_in

    if chars <= 0:
        return
    indexes = collected_indexes(rows)
    for r in rows:
        for c in (r.get("own") or []) + (r.get("lso") or []):
            c["before"] = lead_in(indexes[r["set"]], c["row"], chars)  # type: ignore[arg-type]


def second_text(c: dict) -> str:
    """A collected candidate as the reader reads it (candidates.reader_text, from the collected fields)."""
    return pair_text(c["text"], c["title"], c.get("before", ""))


def build_pairs(rows: list[dict], rng: random.Random) -> list[Pair]:
    pairs = []
    answers_by_set = answers_by_set_of(rows)
    for n, r in enumerate(rows):
        q = question_text(r)

        def add(c, label, first=q, group=3 * n, prior=None):
            prior = c["score"] if prior is None else prior
            pairs.append(Pair(first, second_text(c), label, r["fold"], r["set"], group, prior))

        own = r.get("own") or []
        positives = [c for c in own if c["label"]][:MAX_POSITIVES]
        for c in positives:
            add(c, 1)
        negatives = [c for c in own if not c["label"]]
        for c in negatives[:HARD_NEGATIVES]:
            add(c, 0)
        rest = negatives[HARD_NEGATIVES:]
        for c in rng.sample(rest, min(EASY_NEGATIVES, len(rest))):
            add(c, 0)
        for c in (r.get("lso") or [])[:LSO_NEGATIVES]:
            add(c, 0)
        for c in positives[:1]:
            claim = changed_claim(c["text"], r["answers"], answers_by_set[r["set"]], rng)
            if claim is not None:  # the sentence backs itself, not itself with one fact changed
                add(c, 1, first=c["text"], group=3 * n + 1, prior=0.0)
                add(c, 0, first=claim, group=3 * n + 1, prior=0.0)
            if CLAIM_REWRITES and r.get("rewrite") and r.get("rewrite_changed"):
                # the question restated with its answer backs the sentence, with another answer not:
                # what tells a writer's rewording (allowed) from a changed fact (flagged)
                add(c, 1, first=r["rewrite"], group=3 * n + 2, prior=0.0)
                add(c, 0, first=r["rewrite_changed"], group=3 * n + 2, prior=0.0)
    return pairs


def attach_rewrites(rows: list[dict], rng: random.Random) -> None:
    """Each question turned into a statement with its answer and with another answer (`restated`):
    claim pairs for training (build_pairs)."""
    from qa.nlp import pipeline

    nlp, pool = pipeline(), answers_by_set_of(rows)
    for r in rows:
        if not r.get("history"):
            r["rewrite"], r["rewrite_changed"] = restated(r["question"], r["answers"], pool[r["set"]], nlp, rng)


def restated(
    question: str, answers: list[str], pool: list[str], nlp, rng: random.Random
) -> tuple[str | None, str | None]:
    """The question turned into a statement with its answer (bench/drafts.py's `rewrite`, for questions
    asking for their subject), and the same with another answer of the same kind from `pool`: a
    restatement that the answering sentence backs, and one it does not. (None, None) for a question of
    another shape or an answer too long to restate."""
    import drafts as support_bench

    answer = next((a for a in answers if 0 < len(a) <= 40), None)
    if answer is None:
        return None, None
    rewrite = support_bench.rewrite(question, answer, nlp)
    same = [b for b in pool if _kind(b) == _kind(answer) and b.casefold() != answer.casefold()]
    if not (rewrite and same):
        return rewrite, None
    return rewrite, support_bench.rewrite(question, rng.choice(same), nlp)


def answers_by_set_of(rows: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["set"], []).extend(a for a in r["answers"] if 0 < len(a) <= 40)
    return out


def _kind(text: str) -> str:
    """What an answer is, coarsely: a number, a name, or words. A changed fact keeps its kind, so the
    claim stays fluent and only what it says differs."""
    if any(ch.isdigit() for ch in text):
        return "number"
    return "name" if text[:1].isupper() else "words"


def changed_claim(sentence: str, answers: list[str], pool: list[str], rng: random.Random) -> str | None:
    """`sentence` with its gold answer replaced by another question's answer of the same kind: a claim
    with one fact changed (a number, a name, a place), which the sentence does not support."""
    low = sentence.casefold()
    for a in sorted(answers, key=len):
        at = low.find(a.casefold())
        if at < 0 or len(a) > 40:
            continue
        same = [b for b in pool if _kind(b) == _kind(a) and b.casefold() not in low and b.casefold() != a.casefold()]
        if not same:
            return None
        other = rng.choice(same)
        return sentence[:at] + other + sentence[at + len(a) :]
    return None


# --- the model -------------------------------------------------------------------------------------


def load_bert(layers: int | None = None):
    from transformers import AutoConfig, AutoModel

    from qa.config import DEFAULT_MODEL
    from qa.embed import resolve_model_path

    path = resolve_model_path(DEFAULT_MODEL)
    config = AutoConfig.from_pretrained(path)
    if layers is not None:
        config.num_hidden_layers = layers
    return AutoModel.from_pretrained(path, config=config, attn_implementation="eager")


def additive_mask(mask):
    import torch

    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def make_top(bert, frozen: int = FROZEN):
    import torch

    class Top(torch.nn.Module):
        """The trained part: MiniLM's layers above the `frozen` ones, mean pooling, a linear head."""

        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList(bert.encoder.layer[frozen:])
            self.head = torch.nn.Linear(bert.config.hidden_size, 1)
            self.prior_weight = torch.nn.Parameter(
                torch.tensor(PRIOR_WEIGHT if RESIDUAL else 0.0), requires_grad=RESIDUAL
            )

        def forward(self, hidden, mask):
            ext = additive_mask(mask)
            for layer in self.layers:
                out = layer(hidden, ext)
                hidden = out[0] if isinstance(out, tuple) else out
            m = mask[:, :, None].float()
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return self.head(pooled).squeeze(-1)

    return Top()


def make_full(bert, top, frozen: int = FROZEN):
    import torch

    bottom = make_bottom(bert, frozen)

    class Full(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bottom, self.top = bottom, top

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.top(self.bottom(input_ids, attention_mask, token_type_ids), attention_mask)

    return Full()


def make_bottom(bert, frozen: int = FROZEN):
    import torch

    class Bottom(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
            ext = additive_mask(attention_mask)
            for layer in self.bert.encoder.layer[:frozen]:
                out = layer(hidden, ext)
                hidden = out[0] if isinstance(out, tuple) else out
            return hidden

    return Bottom()


def export_int8(module, target: Path, output: str) -> Path:
    """`module` (input_ids, attention_mask, token_type_ids) → ONNX → int8 per-channel, written atomically."""
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        dummy = torch.ones((2, 8), dtype=torch.long)
        mask = torch.ones((2, 8), dtype=torch.long)
        mask[1, 5:] = 0
        names = ["input_ids", "attention_mask", "token_type_ids"]
        axes = {n: {0: "batch", 1: "tokens"} for n in names}
        axes[output] = {0: "batch"} if output == "logit" else {0: "batch", 1: "tokens"}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module.eval(),
                (dummy, mask, torch.zeros_like(dummy)),
                str(fp32),
                input_names=names,
                output_names=[output],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        tmp_target = target.with_name(f".{target.name}.tmp")
        # per-channel MatMul weights, as the embedder's export; the word-piece table (Gather) in int8
        # too, which takes the file from ~60 MB to ~23 MB
        quantize_dynamic(
            str(fp32),
            str(tmp_target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Gather"],
        )
        os.replace(tmp_target, target)
    return target


# --- cached lower layers ---------------------------------------------------------------------------


def bottom_states(pairs: list[Pair], bottom_path: Path) -> list[np.ndarray]:
    """The frozen layers' output for every pair, as float16 (tokens × hidden), run as int8 ONNX."""
    import onnxruntime as ort
    from tqdm import tqdm

    session = ort.InferenceSession(str(bottom_path), providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}  # embeddings alone (no frozen layer) take no mask
    tok = tokenizer(MAX_TOKENS)
    states: list[np.ndarray] = [None] * len(pairs)  # type: ignore[list-item]
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].question) + len(pairs[i].second))
    for at in tqdm(range(0, len(order), 64), desc="frozen layers", file=sys.stderr):
        rows = order[at : at + 64]
        feed = encode_pairs(tok, [(pairs[i].question, pairs[i].second) for i in rows])
        (hidden,) = session.run(None, {k: v for k, v in feed.items() if k in names})
        for j, i in enumerate(rows):
            n = int(feed["attention_mask"][j].sum())
            states[i] = hidden[j, :n].astype(np.float16)
    return states


def cached_states(pairs: list[Pair], work: Path, frozen: int = FROZEN) -> list[np.ndarray]:
    """bottom_states, kept in `work` (.npy and offsets, keyed by the pairs and layers) for a second run."""
    import hashlib

    key = hashlib.sha256(json.dumps([[p.question, p.second] for p in pairs]).encode()).hexdigest()[:16]
    key = f"{key}-f{frozen}"
    data, offsets = work / f"states-{key}.npy", work / f"states-{key}.offsets.npy"
    if data.is_file() and offsets.is_file():
        flat, ends = np.load(data, mmap_mode="r"), np.load(offsets)
        return [np.asarray(flat[s:e]) for s, e in zip(np.r_[0, ends[:-1]], ends)]
    bottom_path = export_int8(make_bottom(load_bert(), frozen), work / f"bottom-f{frozen}-int8.onnx", "hidden")
    states = bottom_states(pairs, bottom_path)
    np.save(offsets, np.cumsum([len(x) for x in states]))
    np.save(data, np.concatenate(states))
    return states


def train_top(pairs: list[Pair], states: list[np.ndarray], steps: int, seed: int, frozen: int = FROZEN):
    """The top layers and head, trained on `pairs` (see POINTWISE_SHARE), AdamW with linear decay."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    bert = load_bert()
    top = make_top(bert, frozen)
    opt = torch.optim.AdamW(
        [
            {"params": top.layers.parameters(), "lr": LR},
            {"params": list(top.head.parameters()) + [top.prior_weight], "lr": HEAD_LR},
        ],
        weight_decay=0.01,
    )
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, int(WARMUP * steps))) * max(0.0, 1 - s / steps)
    )
    positives = sum(p.label for p in pairs)
    pos_weight = torch.tensor((len(pairs) - positives) / max(positives, 1))
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault(p.group, []).append(i)
    keys: list[int] = []
    top.train()
    t0, losses = time.time(), []
    for step in range(steps):
        batch, members = [], []
        while len(batch) < BATCH:
            if not keys:
                keys = list(groups)
                rng.shuffle(keys)
            g = groups[keys.pop()]
            members.append(range(len(batch), len(batch) + len(g)))
            batch += g
        logits = top(*_padded(batch, states)) + top.prior_weight * torch.tensor([pairs[i].prior for i in batch])
        labels = torch.tensor([float(pairs[i].label) for i in batch])
        loss = POINTWISE_SHARE * torch.nn.functional.binary_cross_entropy_with_logits(
            logits, labels, pos_weight=pos_weight
        )
        listwise = [
            torch.logsumexp(logits[list(m)], 0) - logits[list(m)][labels[list(m)] > 0].max()
            for m in members
            if labels[list(m)].sum() > 0 and len(m) > 1
        ]
        if listwise:
            loss = loss + torch.stack(listwise).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(float(loss.detach()))
        if (step + 1) % 50 == 0:
            print(
                f"  step {step + 1}/{steps}  loss {np.mean(losses[-50:]):.4f}  prior weight "
                f"{float(top.prior_weight):.2f}  {time.time() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    top.eval()
    return bert, top


def _padded(batch: list[int], states: list[np.ndarray]):
    import torch

    width = max(len(states[i]) for i in batch)
    hidden = np.zeros((len(batch), width, states[batch[0]].shape[1]), dtype=np.float32)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for j, i in enumerate(batch):
        hidden[j, : len(states[i])] = states[i]
        mask[j, : len(states[i])] = 1
    return torch.from_numpy(hidden), torch.from_numpy(mask)


# --- scoring held-out candidates -------------------------------------------------------------------


def score_rows(reader: Reader, rows: list[dict]) -> list[dict]:
    """The reader's logits for the SCORED leading candidates of each row, own and leave-source-out."""
    out = []
    for r in rows:
        scored = {"set": r["set"], "id": r["id"], "fold": r["fold"]}
        for mode in ("own", "lso"):
            cands = (r.get(mode) or [])[:SCORED]
            if r.get(mode) is not None:
                scored[mode] = [
                    round(float(x), 4) for x in reader.logits(question_text(r), [second_text(c) for c in cands])
                ]
        out.append(scored)
    return out


def fold_list(value: str) -> list[int]:
    """`--fold`: comma-separated fold numbers, each one of the FOLDS folds reader_data.py assigns."""
    try:
        folds = [int(x) for x in value.split(",")]
    except ValueError:
        folds = []
    if not folds or any(not 0 <= f < FOLDS for f in folds):
        raise argparse.ArgumentTypeError(f"{value!r}: give fold numbers from 0 to {FOLDS - 1}, comma-separated")
    return folds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=None, help="bench/reader_data.py's folder (default: user cache)")
    ap.add_argument("--folds", type=int, default=FOLDS, help="out-of-fold models to train first (0: none)")
    ap.add_argument("--steps", type=int, default=STEPS, help="training steps of BATCH pairs per model")
    ap.add_argument("--oof", type=Path, default=None, help="where to write the out-of-fold scores (JSONL)")
    ap.add_argument(
        "--out",
        type=Path,
        default=ROOT / "qa" / "models" / "reader" / MODEL_FILE,
        help="the model trained on every fold (default: the one the package ships; a folder is what QA_READER names)",
    )
    ap.add_argument("--sets", default=",".join(SETS), help="training sets (bench/reader_data.py's files)")
    ap.add_argument("--skip-final", action="store_true", help="only the out-of-fold models")
    ap.add_argument("--work", type=Path, default=None, help="fold models and kept states (default: DATA/work)")
    ap.add_argument(
        "--fold",
        type=fold_list,
        default=None,
        help="train and score only these out-of-fold models (comma-separated, e.g. 1,2); the other folds' "
        "scores already in --oof are kept",
    )
    ap.add_argument("--frozen", type=int, default=FROZEN, choices=range(7), help="MiniLM layers kept as packaged (0-6)")
    ap.add_argument(
        "--context",
        type=int,
        default=CONTEXT_CHARS,
        help=f"characters before each sentence read with it (default {CONTEXT_CHARS}; 0: none)",
    )
    ap.add_argument("--refit", action="store_true", help="no training: fit and report from the --oof scores")
    ap.add_argument(
        "--card",
        action="store_true",
        help="with --refit: write the fits into the card beside --out, whose model stays as trained "
        "(the final model does not depend on the fold scores, so this equals a full run's card)",
    )
    args = ap.parse_args(argv)
    if args.card and not args.refit:
        ap.error("--card goes with --refit (a full run writes the card itself)")
    if args.card and not args.out.is_file():
        ap.error(f"--card: no model at --out {args.out}; its card is written beside it")
    data = args.data or default_out()
    work = args.work or data / "work"
    rows = load_rows(data, [n for n in args.sets.split(",") if n])
    attach_lead_ins(rows, args.context)
    rng = random.Random(SEED)
    if CLAIM_REWRITES:
        attach_rewrites(rows, random.Random(SEED + 100))
    pairs = build_pairs(rows, rng)
    print(f"{len(rows)} questions, {len(pairs)} pairs ({sum(p.label for p in pairs)} positive)", file=sys.stderr)

    states = cached_states(pairs, work, args.frozen) if not args.refit else []
    oof_path = args.oof or data / "oof.jsonl"
    figures, fitted = {}, {}
    if args.folds and not args.refit:
        folds = list(range(args.folds)) if args.fold is None else args.fold
        # written beside and moved into place at the end: a run stopped halfway, or one that trains
        # only some folds, leaves the other folds' scores as they were
        kept = [] if args.fold is None or not oof_path.is_file() else open(oof_path, encoding="utf-8").readlines()
        tmp = oof_path.with_name(f".{oof_path.name}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(line for line in kept if json.loads(line)["fold"] not in folds)
            for fold in folds:
                train = [i for i, p in enumerate(pairs) if p.fold != fold]
                print(f"fold {fold}: {len(train)} pairs", file=sys.stderr)
                bert, top = train_top(
                    [pairs[i] for i in train], [states[i] for i in train], args.steps, SEED + fold, args.frozen
                )
                path = export_int8(make_full(bert, top, args.frozen), work / f"fold{fold}" / MODEL_FILE, "logit")
                held = [r for r in rows if r["fold"] == fold]
                for scored in score_rows(Reader(path), held):
                    f.write(json.dumps(scored) + "\n")
        os.replace(tmp, oof_path)
    if oof_path.is_file():
        scores = {(s["set"], s["id"]): s for s in map(json.loads, open(oof_path, encoding="utf-8"))}
        folds = max(r["fold"] for r in rows) + 1
        values = reader_fit.per_fold(rows, scores, folds)
        for fold, fold_values in values.items():
            (work / f"fold{fold}").mkdir(parents=True, exist_ok=True)
            # what the fold model reads, as the final one's card says
            card = {**fold_values, "max_tokens": MAX_TOKENS, "context_chars": args.context}
            (work / f"fold{fold}" / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        fitted = reader_fit.fit(rows, scores)
        fitted["scored_folds"] = sorted(values)  # the folds whose models' held-out scores these rest on
        figures = reader_fit.evaluate(rows, scores, values)
        print(json.dumps({"figures": figures, "fitted": fitted}, indent=1), file=sys.stderr)
        fitted["support"] = claim_fit(work, data)
    if not args.skip_final and not args.refit:
        bert, top = train_top(pairs, states, args.steps, SEED, args.frozen)
        export_int8(make_full(bert, top, args.frozen), args.out, "logit")
        write_card(args, rows, pairs, figures, fitted)
        print(f"wrote {args.out}", file=sys.stderr)
    elif args.card:
        if not fitted:
            ap.error(f"--card: no out-of-fold scores at {oof_path}; name them with --oof")
        write_card(args, rows, pairs, figures, fitted)
        print(f"wrote {args.out.parent / CARD_FILE}", file=sys.stderr)
    return 0


def claim_fit(work: Path, data: Path) -> dict | None:
    """How the reader judges a draft's claims (bench/reader_claims.py), fitted on the fold models'
    held-out claims; None when no fold model was trained."""
    import reader_claims

    by_fold = reader_claims.fold_margins(reader_claims.fold_models(work), data)
    if not by_fold:
        return None
    fitted = reader_claims.support_fit(by_fold)
    print(f"claims: {json.dumps(fitted)}", file=sys.stderr)
    return fitted


def write_card(args, rows: list[dict], pairs: list[Pair], figures: dict, fitted: dict) -> None:
    import onnxruntime
    import torch
    import transformers

    trained = "all 6 layers" if args.frozen == 0 else f"top {6 - args.frozen} of 6 layers"
    card = {
        "model": f"all-MiniLM-L6-v2 cross-encoder ({trained} and a linear head fine-tuned), int8 ONNX",
        "file": args.out.name,
        "max_tokens": MAX_TOKENS,
        "context_chars": args.context,
        "frozen_layers": args.frozen,
        "residual": RESIDUAL,
        "steps": args.steps,
        "batch": BATCH,
        "learning_rate": LR,
        "seed": SEED,
        "training_sets": {name: sum(r["set"] == name for r in rows) for name in SETS},
        "pairs": len(pairs),
        "positives": sum(p.label for p in pairs),
        "licences": {
            "xquad-en": "CC BY-SA 4.0",
            "covid-qa": "Apache-2.0",
            "shipped": "this project",
            "conversations": "this project",
            "all-MiniLM-L6-v2": "Apache-2.0",
        },
        "never_trained_on": ["realtimeqa-dev"],
        "out_of_fold": figures,
        **fitted,
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
        "rebuild": "python bench/reader_data.py && python bench/train_reader.py",
    }
    (args.out.parent / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

"""The reader: a small cross-encoder, trained here, that reads a question and a candidate sentence
together and gives the probability that the sentence answers the question.

It is all-MiniLM-L6-v2 fine-tuned (all six layers since round 6) on the pipeline's own candidates of xquad-en,
covid-qa and the project's question sets (`python bench/train_reader.py`, docs/reader.md), exported
to int8 ONNX and run with onnxruntime: no download, no torch at run time. The model trained on every
fold ships in qa/models/reader/ and is on by default (`Config.reader` "shipped"); "off" turns it off,
and a folder names another trained model. Its input is one pair, as BERT reads pairs:

    [CLS] question [SEP] sentence | article title « the sentence before it [SEP]

cut to `MAX_TOKENS` word pieces (the question and the sentence first; the sentence before, then the
title, are what give way). The sentence before is there for a sentence that names its subject only
as "it" or "the company", which the one before names: a model's card says how many of its first
characters the model was trained with (`context_chars`; a model without it reads none).
"""

from __future__ import annotations

import atexit
import json
import threading
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ConfigError

MODEL_FILE = "reader-int8.onnx"  # the names inside a reader folder
CARD_FILE = "reader.json"
# A reader's confidence is shifted so that its calibrated threshold sits where the coverage
# decision's does (Config.min_score's default): one threshold setting serves both.
CENTRE = 0.21
# Word pieces per pair. A news sentence is ~30 of them, a question ~15, a title ~12, the start of the
# sentence before ~25 (80 on average over the training pairs, 11% cut); covid-qa's sentences run
# longer, and their tails matter less than the price of every extra position.
MAX_TOKENS = 112
# ...and what a model's card that names none was trained with (rounds 1-5, before the sentence before).
UNNAMED_MAX_TOKENS = 96
TITLE_MARK = " | "
BEFORE_MARK = " « "
BATCH = 32


def pair_text(sentence: str, title: str = "", before: str = "") -> str:
    """The second segment of the reader's input: the sentence, then its article's title, then the
    start of the sentence before it. The sentence comes first: cutting a long pair cuts the others."""
    text = " ".join(sentence.split())
    title = " ".join((title or "").split())
    before = " ".join((before or "").split())
    if title:
        text += TITLE_MARK + title
    if before:
        text += BEFORE_MARK + before
    return text


def cut_words(text: str, chars: int) -> str:
    """The first `chars` characters of `text`, whitespace folded, ending at a word's end."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    cut = text[: chars + 1].rsplit(" ", 1)[0]
    return cut if len(cut) <= chars else ""


def tokenizer(max_tokens: int = MAX_TOKENS):
    """The embedding model's own word-piece tokenizer (the reader shares its vocabulary), set to cut
    pairs to `max_tokens`, the longer segment first."""
    from tokenizers import Tokenizer

    from ..config import DEFAULT_MODEL
    from ..embed import resolve_model_path

    path = Path(resolve_model_path(DEFAULT_MODEL)) / "tokenizer.json"
    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=max_tokens, strategy="longest_first")
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def encode(tok, question: str, seconds: Sequence[str]) -> dict[str, np.ndarray]:
    """The model's inputs for `question` paired with each text of `seconds`."""
    return encode_pairs(tok, [(question, s) for s in seconds])


def encode_pairs(tok, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """The model's inputs for each (first, second) pair, padded to the longest."""
    encodings = tok.encode_batch(list(pairs))
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


class Reader:
    """The shipped reader model, run with onnxruntime. `logits` is thread-safe (onnxruntime's run is)."""

    def __init__(self, path: Path | str, max_tokens: int = MAX_TOKENS):
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise ConfigError(
                f"reader: the model file {path} is missing; train one with `python bench/train_reader.py` "
                "or set QA_READER=off"
            )
        options = ort.SessionOptions()
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.tok = tokenizer(max_tokens)
        self.path = path

    def logits(self, question: str, seconds: Sequence[str]) -> np.ndarray:
        """One logit per text of `seconds` (use `pair_text` to build them); batched by length."""
        return self.pair_logits([(question, s) for s in seconds])

    def pair_logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One logit per (first, second) pair, each with its own first text; batched by length."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        order = np.argsort([len(a) + len(b) for a, b in pairs], kind="stable")
        out = np.zeros(len(pairs), dtype=np.float32)
        for at in range(0, len(pairs), BATCH):
            rows = order[at : at + BATCH]
            feed = encode_pairs(self.tok, [pairs[i] for i in rows])
            (logit,) = self.session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
            out[rows] = np.asarray(logit, dtype=np.float32).reshape(-1)
        return out

    def probabilities(self, question: str, seconds: Sequence[str]) -> np.ndarray:
        return sigmoid(self.logits(question, seconds))


_LOCK = threading.Lock()


class ReaderSettings:
    """A reader model with what was fitted on its scores (the `fusion` of its logit with the hand-set
    score, and the `refusal` decision), read from the folder's reader.json."""

    def __init__(self, folder: Path | str):
        folder = Path(folder)
        self.folder = folder
        card = _card(folder)
        self.model = Reader(folder / MODEL_FILE, int(card.get("max_tokens", UNNAMED_MAX_TOKENS)))
        fusion, refusal = card.get("fusion") or {}, card.get("refusal") or {}
        self.fusion = {k: float(fusion.get(k, v)) for k, v in DEFAULT_FUSION.items()}
        self.refusal = {k: float(refusal.get(k, v)) for k, v in DEFAULT_REFUSAL.items()}
        self.threshold = float(card.get("threshold", DEFAULT_THRESHOLD))
        # characters of the sentence before that the model was trained to read (0: none)
        self.context_chars = int(card.get("context_chars", 0))
        # how a claim is judged against a sentence (bench/reader_claims.py's fit on the fold models):
        # "absolute", the claim's logit with the sentence, or "relative", that less the sentence's
        # logit with itself; a model without the fit does not judge claims
        support = card.get("support") or {}
        self.support_measure: str | None = (
            support.get("measure") if support.get("measure") in SUPPORT_MEASURES else None
        )
        self.support_cut = float(support.get("cut", 0.0))

    def fused(self, reader_logit: float, hand: float) -> float:
        """The ranking score: the probability, from the reader and the hand-set score together, that
        the sentence answers."""
        f = self.fusion
        return float(sigmoid(np.float64(f["bias"] + f["reader"] * reader_logit + f["hand"] * hand)))

    def confidence(self, best_logit: float, support: float) -> float:
        """Whether the collection answers the question at all, what a refusal is decided on: the fitted
        probability, shifted so that the calibrated threshold sits at CENTRE."""
        r = self.refusal
        z = r["bias"] + r["best"] * best_logit + r["support"] * support
        return float(sigmoid(np.float64(z - _logit(self.threshold) + _logit(CENTRE))))


SUPPORT_MEASURES = ("absolute", "relative")
# Used only when a folder's reader.json lacks a fitted value (a model trained without folds):
# the reader's own logit alone, and a refusal at even odds.
DEFAULT_FUSION = {"bias": 0.0, "reader": 1.0, "hand": 0.0}
DEFAULT_REFUSAL = {"bias": 0.0, "best": 1.0, "support": 0.0}
DEFAULT_THRESHOLD = 0.5


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _card(folder: Path) -> dict:
    try:
        return json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


@lru_cache(maxsize=8)
def _settings(folder: str) -> ReaderSettings:
    return ReaderSettings(folder)


SHIPPED = "shipped"  # Config.reader's name for the model that ships in the package


def is_off(setting: str) -> bool:
    """Whether a `Config.reader` setting turns the reader off ("off", or nothing named)."""
    return setting == "off" or not setting


def shipped_folder() -> Path:
    """The reader that ships with the package (qa/models/reader/: its int8 ONNX and its card)."""
    return Path(__file__).resolve().parent.parent / "models" / "reader"


def reader_for(setting: str) -> ReaderSettings | None:
    """The reader a `Config.reader` setting names: "off" none (the hand-set ranking and coverage
    decision alone), "shipped" the package's own, else a folder holding reader-int8.onnx and
    reader.json."""
    if is_off(setting):
        return None
    folder = shipped_folder() if setting == SHIPPED else Path(setting).expanduser()
    with _LOCK:
        return _settings(str(folder))


def preload(setting: str) -> None:
    """Start loading the reader a setting names in a thread, while the caller loads the rest (its
    onnxruntime session takes 0.3-0.4 s, mostly outside the GIL). A load that fails here fails again,
    with its message, at the first question."""
    if is_off(setting):
        return

    def load() -> None:
        with suppress(Exception):
            reader_for(setting)

    thread = threading.Thread(target=load, name="qa-reader", daemon=True)
    thread.start()
    # a server opens a new Assistant after every change to the collection: keep only running loads
    _PRELOADS[:] = [t for t in _PRELOADS if t.is_alive()] + [thread]


# A process that ends while onnxruntime builds a session in a daemon thread is aborted by the C++
# runtime ("terminate called without an active exception"): an error at start-up must still end
# with its message and exit code, so the end of the process waits for the load.
_PRELOADS: list[threading.Thread] = []


@atexit.register
def _finish_preloads() -> None:
    for thread in _PRELOADS:
        thread.join()

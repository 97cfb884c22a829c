"""One configuration object: defaults here, overridden by `QA_*` environment variables and CLI flags.

`Config` holds the pipeline's settings; `Config.serve` (a `ServeConfig`) holds the web app's,
apart, so the library below the faces never reads a host or a password.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# How text becomes vectors: "onnx" (the default) runs an int8 ONNX export of the model with
# onnxruntime and never imports torch (exported once into the cache, by scripts/setup.sh on a fresh
# machine); "torch" runs it with sentence-transformers (fp32). An index is always read with the
# embedder that built it (its manifest says which), whatever is configured.
EMBEDDERS = ("torch", "onnx")
DEFAULT_EMBEDDER = "onnx"
RETRIEVAL_MODES = ("dense", "bm25", "hybrid")
FUSION_MODES = ("rrf", "score")
READER_SCOPES = ("sentence", "all")
READER_REFUSALS = ("hand", "reader")
# Where the index lives: "faiss" is the index folder (index_dir); "milvus:URI" is a Milvus
# collection set, URI a local file (Milvus Lite) or http(s)://host:19530 (a Milvus server).
STORE_CHOICES = ("faiss", "milvus:URI")
MODEL_MAX_TOKENS = 256  # the embedding model's window, in word pieces: a chunk never exceeds it
MIN_CHUNK_TOKENS = 16


def available_cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _is_ip_or_network(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_network(text, strict=False)
        return True
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeConfig:
    """Where and how the web app listens."""

    host: str = "127.0.0.1"
    port: int = 7860
    password: str = ""
    max_upload_mb: int = 20
    # peers whose X-Forwarded-For header names the client (comma-separated addresses or networks,
    # "*" for any): only a reverse proxy in front of the app; none by default (qa/web/auth.py)
    trusted_proxies: str = ""

    def __post_init__(self):
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port: {self.port} is outside 0..65535")
        if self.max_upload_mb < 1:
            raise ConfigError(f"max_upload_mb: must be a positive number, got {self.max_upload_mb}")
        for item in (v.strip() for v in self.trusted_proxies.split(",")):
            if item and item != "*" and not _is_ip_or_network(item):
                raise ConfigError(
                    f"trusted_proxies: {item!r} is no IP address or network; give addresses or "
                    "networks separated by commas (e.g. 127.0.0.1,10.0.0.0/8), or * for any"
                )


@dataclass(frozen=True)
class Config:
    corpus_dir: str = "corpus"
    index_dir: str = "index"
    model: str = DEFAULT_MODEL
    embedder: str = DEFAULT_EMBEDDER  # for new indexes; an existing one keeps its own (`qa index --rebuild` switches)
    store: str = "faiss"
    batch_size: int = 32
    # processes an index build runs on: quotations and vectors in worker processes while the build
    # splits and chunks (qa/parallel.py, docs/scaling.md); 1 builds in one process
    workers: int = field(default_factory=available_cores)
    # chunking: tokens counted with tiktoken; the model's window is the hard cap
    chunk_tokens: int = 160
    chunk_overlap_tokens: int = 32
    # retrieval
    retrieval: str = "hybrid"
    fusion: str = "score"
    dense_weight: float = 0.3  # share of the dense score in score fusion; BM25 carries names and numbers
    candidates: int = 20  # chunks whose sentences compete to be quoted
    # answering
    quotes: int = 5
    max_quote_chars: int = 400
    # a quote is shown (or cited under "See also") only when its score reaches this share of the
    # best quote's: fewer quotes rather than filler; set on the news set by bench/tune.py
    quote_floor: float = 0.6
    # abstain when coverage.covers() is below this: the highest threshold refusing at most 5% of the
    # answerable questions of every tuning half (bench/abstain.py fit; was 0.48 on the older mean score).
    # A reader's confidence is shifted so that its own calibrated threshold sits here too.
    min_score: float = 0.21
    # the reader (qa/answer/reader.py, docs/reader.md): "shipped", the model in qa/models/reader/;
    # "off", the hand-set ranking and coverage decision alone; or a folder with reader-int8.onnx and
    # reader.json (bench/train_reader.py). On by default since it earned the audit's bar out of fold
    # in the sentence scope (docs/reader.md, round 4).
    reader: str = "shipped"
    # leading candidates (by the hand-set score) the reader reads: its cost grows with each one. 12
    # answered as many questions out of fold as 24 at half the cost (docs/reader.md, round 4)
    reader_top: int = 12
    # what the reader decides: "sentence", which sentence of each article is quoted first (the
    # hand-set ranking keeps choosing the articles and their order); "all", the whole ranking
    reader_scope: str = "sentence"
    # what decides a refusal when a reader is on: "reader", its fitted confidence; "hand", the
    # coverage signals as without one
    reader_refusal: str = "hand"
    # `qa support`: a sentence backs a claim only if the reader also reads it as saying the same, at
    # the cut its card records (fitted so that at most 3% of restatements are flagged: docs/reader.md,
    # round 7); the support score alone backs a claim with one fact changed
    reader_support: bool = True
    # a follow-up to an answered turn abstains below this share of min_score: the turn before
    # showed the articles cover its subject, and what the follow-up adds is checked word by word
    # (coverage.adds_known_words); its resolved question, short and borrowing, scores lower than
    # a question typed in full (bench/followup.py)
    followup_min_share: float = 0.5
    # sources for a draft: a sentence is supported when its best sentence in the articles reaches
    # this support score (qa/drafts.py); calibrated by bench/drafts.py on tuning halves
    support_min: float = 0.51
    support_quotes: int = 2  # quotes cited per supported sentence, at most
    # adding articles from the web (`qa add`, `qa update`, the app's "Add by link"): the most time
    # and bytes one page may take, and whether addresses of this machine's own network may be
    # fetched (off: a server that fetches what it is told must not reach into its own network)
    fetch_timeout: float = 20.0
    fetch_max_mb: float = 5.0
    allow_private_urls: bool = False
    serve: ServeConfig = field(default_factory=ServeConfig)

    def __post_init__(self):
        if self.retrieval not in RETRIEVAL_MODES:
            raise ConfigError(f"retrieval: unknown mode {self.retrieval!r}; choose one of {', '.join(RETRIEVAL_MODES)}")
        if self.embedder not in EMBEDDERS:
            raise ConfigError(f"embedder: unknown backend {self.embedder!r}; choose one of {', '.join(EMBEDDERS)}")
        if self.reader_scope not in READER_SCOPES:
            raise ConfigError(
                f"reader_scope: unknown scope {self.reader_scope!r}; choose one of {', '.join(READER_SCOPES)}"
            )
        if self.reader_refusal not in READER_REFUSALS:
            raise ConfigError(
                f"reader_refusal: unknown choice {self.reader_refusal!r}; choose one of {', '.join(READER_REFUSALS)}"
            )
        if self.fusion not in FUSION_MODES:
            raise ConfigError(f"fusion: unknown mode {self.fusion!r}; choose one of {', '.join(FUSION_MODES)}")
        if not (self.store == "faiss" or (self.store.startswith("milvus:") and self.store[len("milvus:") :].strip())):
            raise ConfigError(f"store: unknown store {self.store!r}; choose one of {', '.join(STORE_CHOICES)}")
        if not MIN_CHUNK_TOKENS <= self.chunk_tokens <= MODEL_MAX_TOKENS:
            raise ConfigError(
                f"chunk_tokens: {self.chunk_tokens} is outside {MIN_CHUNK_TOKENS}..{MODEL_MAX_TOKENS} "
                f"(the model reads {MODEL_MAX_TOKENS} tokens at most)"
            )
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise ConfigError("chunk_overlap_tokens: must be at least 0 and smaller than chunk_tokens")
        if not 0.0 <= self.quote_floor <= 1.0:
            raise ConfigError(f"quote_floor: {self.quote_floor} is outside 0..1")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ConfigError(f"dense_weight: {self.dense_weight} is outside 0..1")
        if not 0.0 <= self.support_min <= 1.0:
            raise ConfigError(f"support_min: {self.support_min} is outside 0..1")
        for name in (
            "quotes",
            "candidates",
            "batch_size",
            "workers",
            "max_quote_chars",
            "support_quotes",
            "reader_top",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}: must be a positive number, got {getattr(self, name)}")
        for name in ("fetch_timeout", "fetch_max_mb"):
            if not 0 < getattr(self, name) < float("inf"):  # not `<= 0`: NaN is refused too
                raise ConfigError(f"{name}: must be a number more than 0, got {getattr(self, name)}")

    def replace(self, **changes: Any) -> "Config":
        """A copy with `changes` applied (serving settings included); None values are ignored so
        CLI flags can pass through."""
        changes = {k: v for k, v in changes.items() if v is not None}
        unknown = set(changes) - set(setting_names())
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}; valid: {', '.join(setting_names())}")
        serving = {k: changes.pop(k) for k in list(changes) if k in _SERVE_FIELDS}
        if serving:
            changes["serve"] = dataclasses.replace(self.serve, **serving)
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Config":
        """Defaults, then `QA_<SETTING>` variables, then `overrides` (CLI flags)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, default in _defaults().items():
            raw = environ.get(f"QA_{name.upper()}")
            if raw is not None:
                values[name] = _coerce(f"QA_{name.upper()}", raw, type(default))
        return cls().replace(**values).replace(**overrides)


def user_cache_dir() -> Path:
    """The user's cache folder for indexes of evaluated corpora and exported models:
    $QA_CACHE_DIR, else ~/.cache/qa."""
    return Path(os.environ.get("QA_CACHE_DIR") or Path.home() / ".cache" / "qa")


_SERVE_FIELDS = tuple(f.name for f in fields(ServeConfig))


def _defaults() -> dict[str, Any]:
    pipeline = {f.name: getattr(Config(), f.name) for f in fields(Config) if f.name != "serve"}
    return {**pipeline, **{name: getattr(ServeConfig(), name) for name in _SERVE_FIELDS}}


def setting_names() -> list[str]:
    """Every setting a flag or `QA_*` variable can set."""
    return list(_defaults())


def _coerce(name: str, raw: str, typ: type) -> Any:
    try:
        if typ is bool:
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return typ(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a {typ.__name__}, got {raw!r}") from None

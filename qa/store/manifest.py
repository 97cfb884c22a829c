"""The index's manifest: what built it (format, versions, model, settings), from which documents,
and which generation folder holds its files.

`<index>/manifest.json` is also the index's pointer: its "generation" names the folder inside the
index directory whose files it describes, and a build switches generations by replacing this one file
(see generations.py). A manifest without "generation" is an index written before generations existed: its
files lie beside it, and it still loads.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import sys
import time
from pathlib import Path

from ..chunk import SPLITTER_VERSION
from ..config import Config
from ..errors import IndexIncompatibleError, IndexMissingError
from ..records import Document
from ..version import __version__

FORMAT_VERSION = 3  # 2: quotations.jsonl (qa/quotations) in every generation; 3: documents and chunks as columns
JSONL_FORMAT = 2  # the last format with documents and chunks as JSONL: still read (store/faiss_store.py)
READABLE_FORMATS = (JSONL_FORMAT, FORMAT_VERSION)
MANIFEST = "manifest.json"
GENERATION_PREFIX = "gen-"
# A generation is a plain folder name inside the index directory, never a path: a manifest that
# names "../elsewhere" must not make the loader read (or a build delete) anything outside the index.
_GENERATION = re.compile(r"gen-[A-Za-z0-9][A-Za-z0-9._-]*")

# The version of what counts as a wire copy (qa/indexing/dedupe.py): bump it when that changes, and
# indexes, which record it among their settings, rebuild. Here so that the store imports no builder.
DEDUPE_VERSION = 1


# The embedder of an index whose manifest names none: every index built before the setting existed,
# when torch was the only one. Its settings (and evaluation cache keys) name the embedder only when it
# is another, so those indexes stay current now that onnx is the configured default.
UNNAMED_EMBEDDER = "torch"


def settings_of(config: Config) -> dict:
    """The settings an index depends on: change any and it must be rebuilt."""
    settings = {
        "format_version": FORMAT_VERSION,
        "model": config.model,
        "chunk_tokens": config.chunk_tokens,
        "chunk_overlap_tokens": config.chunk_overlap_tokens,
        "splitter": SPLITTER_VERSION,
        "dedupe": DEDUPE_VERSION,
    }
    # named only when not the default, so that indexes (and cache keys) from before stay current
    if config.embedder != UNNAMED_EMBEDDER:
        settings["embedder"] = config.embedder
    return settings


def embedder_of(manifest: dict) -> str:
    return manifest.get("model", {}).get("embedder", UNNAMED_EMBEDDER)


def with_embedder_of(manifest: dict | None, config: Config) -> Config:
    """`config` with the embedder the index of `manifest` was built with (unchanged without one).

    int8 ONNX vectors are within cosine ~0.99 of torch's, not equal: a question embedded by one backend
    is never compared with passages embedded by the other, and a build without --rebuild extends an
    index with the embedder of its vectors. So changing the configured embedder (or its default) never
    makes an existing index fail; `qa index --rebuild` is what switches one."""
    if manifest is None or embedder_of(manifest) == config.embedder:
        return config
    return config.replace(embedder=embedder_of(manifest))


def same_vectors(manifest: dict, config: Config) -> bool:
    """True when the index's vectors came from the model and embedder `config` would use, so they
    may be reused by a build and compared with its query vectors."""
    return model_of(manifest) == config.model and embedder_of(manifest) == config.embedder


def library_versions() -> dict:
    return {
        "qa": __version__,
        "faiss": _installed_version("faiss", "faiss-cpu"),
        "sentence_transformers": _installed_version("sentence_transformers", "sentence-transformers"),
        "torch": _installed_version("torch", "torch"),
        "onnxruntime": _installed_version("onnxruntime", "onnxruntime"),
        "bm25s": _installed_version("bm25s", "bm25s"),
        "spacy": _installed_version("spacy", "spacy"),
        "tiktoken": _installed_version("tiktoken", "tiktoken"),
    }


def _installed_version(module: str, distribution: str) -> str:
    """A library's version without importing it: a rebuild that only drops documents never needs
    torch or spaCy, and importing them just to write their versions down costs seconds."""
    if module in sys.modules and hasattr(sys.modules[module], "__version__"):
        return str(sys.modules[module].__version__)
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def make_manifest(documents: list[Document], config: Config, dim: int, counts: dict, seconds: float) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(seconds, 2),
        "versions": library_versions(),
        "model": {"name": config.model, "dim": dim, "embedder": config.embedder},
        "chunking": {
            "max_tokens": config.chunk_tokens,
            "overlap_tokens": config.chunk_overlap_tokens,
            "tokenizer": "tiktoken cl100k_base",
            "sentences": "spaCy en_core_web_sm senter",
        },
        "settings": settings_of(config),
        "counts": counts,
        "documents": [document_record(d) for d in documents],
    }


def read_manifest(index_dir: str | Path) -> dict:
    """The manifest of the index at `index_dir`; IndexMissingError when there is none."""
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"no index at {index_dir}: run `qa index` to build it from corpus/")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexIncompatibleError(f"{path}: unreadable manifest ({exc}); run `qa index` to rebuild") from None
    if not isinstance(manifest, dict):
        raise IndexIncompatibleError(f"{path}: unreadable manifest (not a JSON object); run `qa index` to rebuild")
    generation = manifest.get("generation")
    if generation is not None and not (isinstance(generation, str) and _GENERATION.fullmatch(generation)):
        raise IndexIncompatibleError(
            f"{path}: generation {generation!r} is not a folder of this index; run `qa index` to rebuild"
        )
    return manifest


def generation_of(manifest: dict) -> str | None:
    """The generation folder the manifest points at; None for an index written before generations."""
    return manifest.get("generation")


def files_dir(index_dir: str | Path, manifest: dict) -> Path:
    """The folder holding the index's files: its current generation, or the index folder itself
    for an index written before generations."""
    generation = generation_of(manifest)
    return Path(index_dir) / generation if generation else Path(index_dir)


def check_compatible(manifest: dict, config: Config, index_dir: str | Path) -> None:
    fmt = manifest.get("format_version")
    if fmt not in READABLE_FORMATS:
        raise IndexIncompatibleError(
            f"{index_dir}: index format {fmt} but this version of qa reads formats {JSONL_FORMAT} and {FORMAT_VERSION}; "
            "run `qa index` to rebuild it"
        )
    built = manifest.get("model", {}).get("name")
    if built != config.model:
        raise IndexIncompatibleError(
            f"{index_dir}: index was built with model {built!r} but the configured model is {config.model!r}; "
            f"run `qa index` to rebuild it, or set QA_MODEL={built}"
        )
    # the embedder is not checked: the index is read with its own (with_embedder_of)


# What the manifest records of each document: its text (sha256) and the metadata its citations show.
# An index is current only when all of it matches: new front matter, or an ingest rule that finds an
# outlet, changes the citation without changing a character of the text.
RECORDED = ("id", "sha256", "title", "source", "date", "author", "url", "path")


def document_record(d: Document) -> dict:
    return {k: getattr(d, k) for k in RECORDED}


def recorded(entry: dict) -> dict:
    """A manifest's document entry in document_record's form (older manifests lack author and url)."""
    return {k: entry.get(k, "") for k in RECORDED}


def model_of(manifest: dict) -> str | None:
    return manifest.get("model", {}).get("name")


def unchanged_ids(manifest: dict, documents: list[Document]) -> set[str]:
    """Ids of `documents` that the index of `manifest` holds with the very same text (its recorded
    sha256): what a build can take from that index instead of chunking and embedding again."""
    held = {d["id"]: d.get("sha256") for d in manifest.get("documents", [])}
    return {d.id for d in documents if held.get(d.id) == d.sha256}


def is_current(manifest: dict, documents: list[Document], config: Config) -> bool:
    """True when the manifest was built from exactly these documents (text and metadata) with these settings."""
    return manifest.get("settings") == settings_of(config) and [recorded(d) for d in manifest.get("documents", [])] == [
        document_record(d) for d in documents
    ]

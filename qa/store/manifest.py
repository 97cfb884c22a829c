"""The index's manifest: what built it (format, versions, model, settings) and from which documents."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..chunk import SPLITTER_VERSION
from ..config import Config
from ..errors import IndexIncompatibleError, IndexMissingError
from ..records import Document
from ..version import __version__

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


def settings_of(config: Config) -> dict:
    """The settings an index depends on: change any and it must be rebuilt."""
    return {
        "format_version": FORMAT_VERSION,
        "model": config.model,
        "chunk_tokens": config.chunk_tokens,
        "chunk_overlap_tokens": config.chunk_overlap_tokens,
        "splitter": SPLITTER_VERSION,
    }


def library_versions() -> dict:
    import bm25s
    import faiss
    import sentence_transformers
    import spacy
    import tiktoken
    import torch

    return {
        "qa": __version__,
        "faiss": faiss.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "bm25s": bm25s.__version__,
        "spacy": spacy.__version__,
        "tiktoken": tiktoken.__version__,
    }


def make_manifest(documents: list[Document], config: Config, dim: int, counts: dict, seconds: float) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(seconds, 2),
        "versions": library_versions(),
        "model": {"name": config.model, "dim": dim},
        "chunking": {
            "max_tokens": config.chunk_tokens,
            "overlap_tokens": config.chunk_overlap_tokens,
            "tokenizer": "tiktoken cl100k_base",
            "sentences": "spaCy en_core_web_sm senter",
        },
        "settings": settings_of(config),
        "counts": counts,
        "documents": [
            {"id": d.id, "sha256": d.sha256, "title": d.title, "source": d.source, "date": d.date, "path": d.path}
            for d in documents
        ],
    }


def read_manifest(index_dir: str | Path) -> dict:
    """The manifest of the index at `index_dir`; IndexMissingError when there is none."""
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        raise IndexMissingError(f"no index at {index_dir}: run `qa index` to build it from corpus/")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexIncompatibleError(f"{path}: unreadable manifest ({exc}); run `qa index` to rebuild") from None


def check_compatible(manifest: dict, config: Config, index_dir: str | Path) -> None:
    fmt = manifest.get("format_version")
    if fmt != FORMAT_VERSION:
        raise IndexIncompatibleError(
            f"{index_dir}: index format {fmt} but this version of qa reads format {FORMAT_VERSION}; "
            "run `qa index` to rebuild it"
        )
    built = manifest.get("model", {}).get("name")
    if built != config.model:
        raise IndexIncompatibleError(
            f"{index_dir}: index was built with model {built!r} but the configured model is {config.model!r}; "
            f"run `qa index` to rebuild it, or set QA_MODEL={built}"
        )


def model_of(manifest: dict) -> str | None:
    return manifest.get("model", {}).get("name")


def is_current(manifest: dict, documents: list[Document], config: Config) -> bool:
    """True when the manifest was built from exactly these documents with these settings."""
    return manifest.get("settings") == settings_of(config) and [
        (d["id"], d["sha256"]) for d in manifest.get("documents", [])
    ] == [(d.id, d.sha256) for d in documents]

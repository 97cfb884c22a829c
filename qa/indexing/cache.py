"""Indexes of evaluated corpora, kept in a cache folder keyed by the documents and the settings.

A second evaluation of the same corpus loads its index; a changed corpus is built anew, seeded
with the vectors of the cached corpus that shares the most text with it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Sequence

from ..config import Config, user_cache_dir
from ..errors import IndexIncompatibleError, QAError
from ..records import Document
from ..store.backend import Store
from ..store.faiss_store import load_index
from ..store.manifest import MANIFEST, document_record, same_vectors, settings_of
from .build import Progress, build_index, ensure_index, no_progress


def cache_root() -> Path:
    """Where indexes of evaluated corpora are kept: $QA_CACHE_DIR, else ~/.cache/qa."""
    return user_cache_dir()


def corpus_key(documents: Sequence[Document], config: Config) -> str:
    """A hash of the documents (ids, SHA-256 of their text, their metadata) and the settings an index depends on."""
    payload = json.dumps(
        {"documents": [document_record(d) for d in documents], "settings": settings_of(config)}, sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def cached_index_dir(documents: Sequence[Document], config: Config, root: Path | None = None) -> Path:
    return (root or cache_root()) / f"index-{corpus_key(documents, config)}"


def _seed_index(root: Path, documents: Sequence[Document], config: Config) -> Path | None:
    """The cached index sharing the most document text with `documents` (same model), to reuse vectors from."""
    wanted = {d.sha256 for d in documents}
    best, best_shared = None, 0
    # every index folder keeps its manifest at the top, whether its files are in a generation
    # folder or (written before generations) beside it, so this finds both
    for manifest_path in root.glob(f"index-*/{MANIFEST}"):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not same_vectors(manifest, config):
            continue
        shared = len(wanted & {d.get("sha256") for d in manifest.get("documents", [])})
        if shared > best_shared:
            best, best_shared = manifest_path.parent, shared
    return best


def ensure_cached_index(
    documents: Sequence[Document],
    config: Config,
    index_dir: str | Path | None = None,
    *,
    progress: Progress = no_progress,
    show_progress_bar: bool | None = None,
    root: Path | None = None,
) -> Store:
    """The index of `documents`: reused from `index_dir` or the cache when unchanged, else built."""
    documents = list(documents)
    if index_dir is not None:
        return ensure_index(documents, index_dir, config, progress=progress, show_progress_bar=show_progress_bar)
    root = root or cache_root()
    path = cached_index_dir(documents, config, root)
    if (path / MANIFEST).is_file():
        return ensure_index(documents, path, config, progress=progress, show_progress_bar=show_progress_bar)
    previous = None
    seed = _seed_index(root, documents, config) if root.is_dir() else None
    if seed is not None:
        try:
            previous = load_index(seed, config)
        except QAError:
            previous = None
    try:
        return build_index(
            documents, path, config, previous=previous, progress=progress, show_progress_bar=show_progress_bar
        )
    except IndexIncompatibleError:
        return build_index(documents, path, config, progress=progress, show_progress_bar=show_progress_bar)

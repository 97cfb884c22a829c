"""Offline question answering over a local collection of articles, with exact, cited quotes.

Public names only: the faces (CLI, web app, evaluation runner, bench) use these.
"""

from .config import Config
from .records import Answer, Chunk, Document, Hit, Quote, Turn
from .version import __version__


def __getattr__(name):
    # The Assistant pulls in torch and faiss; import it only when asked for.
    if name in ("Assistant", "load_documents", "corpus_files"):
        from . import api

        return getattr(api, name)
    raise AttributeError(name)


__all__ = [
    "Answer",
    "Assistant",
    "Chunk",
    "Config",
    "Document",
    "Hit",
    "Quote",
    "Turn",
    "corpus_files",
    "load_documents",
    "__version__",
]

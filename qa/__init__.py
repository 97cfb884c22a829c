"""Offline question answering over a local collection of articles, with exact, cited quotes."""

__version__ = "0.1.0"

from .config import Config  # noqa: E402
from .records import Answer, Chunk, Document, Hit, Quote  # noqa: E402


def __getattr__(name):
    # Assistant pulls in torch and faiss; import it only when asked for.
    if name == "Assistant":
        from .assistant import Assistant

        return Assistant
    raise AttributeError(name)


__all__ = ["Answer", "Assistant", "Chunk", "Config", "Document", "Hit", "Quote", "__version__"]

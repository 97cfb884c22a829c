"""Wire copies and repeats: which sentences of a corpus say what an earlier sentence already says.

The same wire story runs under several outlets with light edits (another headline, a sentence added,
the outlet's boilerplate), and a digest repeats a paragraph it already printed. The index embeds one
copy and keeps the others as corroborating sources, so this module gives every sentence row its
*canonical* row: the first row, in index order, that says the same. A sentence is a copy when

- its text equals an earlier one once case and white space are folded (an exact copy, found by a
  hash: the model is uncased, so such copies have the very same vector), or
- its paragraph is a near-duplicate of an earlier paragraph, found with MinHash (datasketch's scheme,
  qa/indexing/minhash.py) and LSH banding over word shingles, and inside that paragraph one sentence
  has nearly all its words and exactly its numbers (a near copy).

Rows are fed document by document in index order (`add_document`), so a build can stream: a
canonical row always comes before its copies. Deterministic: fixed seed, fixed hashes, first row wins.
`document_groups` then names the documents that are copies of one story.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from typing import Sequence

import numpy as np

from . import minhash

# When what counts as a copy changes, bump DEDUPE_VERSION (qa/store/manifest.py, beside the other
# settings an index records): indexes rebuild.
# MinHash with a fixed seed, so the same corpus groups the same way in every run.
SEED = 20261126
# LSH banding: a paragraph's MinHash signature is cut into BANDS bands of ROWS values, and two
# paragraphs are candidates when any band agrees: probability 1 - (1 - J^ROWS)^BANDS for shingle
# overlap J. With 12 bands of 2 a wire paragraph with a sentence added and a word changed (J about 0.6)
# is found with probability 0.995, and at J = 0.5 with 0.97, while paragraphs that merely share a
# topic (J under 0.05) almost never meet. It is only a filter: the sentence comparison decides.
BANDS, ROWS = 12, 2
NUM_PERM = BANDS * ROWS
# The band tables are our own compact dicts (about 1.3 KB a paragraph) rather than datasketch's
# MinHashLSH, whose storage measured 6.6 KB a paragraph: 1.6 GB for the ~250,000 paragraphs of a
# 100 MB corpus. A bucket keeps at most this many paragraphs: a boilerplate paragraph printed by a
# thousand articles is compared with the first few copies, not with all of them.
MAX_BUCKET = 8
# Paragraphs are compared on word 3-shingles: a one-word edit touches only three shingles of a
# paragraph, while two different paragraphs about the same story rarely share three words in a row.
PARAGRAPH_SHINGLE = 3
# A paragraph of fewer words has too few shingles for a MinHash estimate (datelines, "Read more",
# bylines); its sentences are still caught when they are exact copies.
MIN_PARAGRAPH_WORDS = 8
# A sentence is a near copy of another when their word sets overlap this much (Jaccard; the same
# bar as the quote folding in qa/answer/excerpts.py) and they carry the same numbers: "12 killed" and
# "15 killed" report different things, however alike the words.
SENTENCE_JACCARD = 0.8
# Shorter sentences are compared only exactly: four words leave no room for a "light edit".
MIN_SENTENCE_WORDS = 4
# A document at least this share of whose sentences are copies of one earlier document is a copy of
# that story (a wire copy under another outlet); less is an article that quotes a paragraph or two.
DOCUMENT_SHARE = 0.5

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+")


def text_key(text: str) -> int:
    """A stable 64-bit key of `text` exactly as written (for reusing vectors across builds)."""
    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little", signed=True
    )


def _folded_key(words: list[str]) -> int:
    return text_key(" ".join(words))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def paragraphs(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs [i, j) of consecutive sentence spans with no line break between them (a paragraph)."""
    out, first = [], 0
    for i in range(1, len(spans)):
        if "\n" in text[spans[i - 1][1] : spans[i][0]]:
            out.append((first, i))
            first = i
    if spans:
        out.append((first, len(spans)))
    return out


class Deduper:
    """Canonical rows of sentence rows fed in index order, document by document."""

    def __init__(self) -> None:
        self._perms = minhash.permutations(NUM_PERM, SEED)
        self._bands: dict[int, int | list[int]] = {}  # hash of (band, values) -> paragraph number(s)
        self._exact: dict[int, int] = {}  # folded-text key -> first row with that text
        self.canonical = array("q")  # row -> canonical row
        self._doc = array("q")  # row -> document number
        # paragraph number -> (document number, first row, end row): where LSH candidates point
        self._paragraphs: list[tuple[int, int, int]] = []
        self._texts: dict[int, str] = {}  # document number -> text, for comparing with earlier rows
        self._spans = array("q")  # row -> start, end (flattened)

    def __len__(self) -> int:
        return len(self.canonical)

    def add_document(self, doc_number: int, text: str, spans: Sequence[tuple[int, int]]) -> None:
        """Give the next len(spans) rows (this document's sentences, in order) their canonical rows."""
        self._texts[doc_number] = text
        first_row = len(self.canonical)
        words = [_words(text[s:e]) for s, e in spans]
        for (s, e), w in zip(spans, words):
            row = len(self.canonical)
            self._doc.append(doc_number)
            self._spans.extend((s, e))
            earlier = self._exact.get(_folded_key(w))
            self.canonical.append(self.canonical[earlier] if earlier is not None else row)
            if earlier is None:
                self._exact[_folded_key(w)] = row
        for i, j in paragraphs(text, spans):
            self._paragraph(doc_number, first_row + i, first_row + j, words[i:j])

    def _paragraph(self, doc_number: int, start_row: int, end_row: int, words: list[list[str]]) -> None:
        """Match the sentences of one paragraph against earlier near-duplicate paragraphs, then make
        the paragraph findable by later ones."""
        flat = [w for ws in words for w in ws]
        if len(flat) < MIN_PARAGRAPH_WORDS:
            return
        shingles = {
            " ".join(flat[k : k + PARAGRAPH_SHINGLE]).encode("utf-8", "surrogatepass")
            for k in range(len(flat) - PARAGRAPH_SHINGLE + 1)
        }
        number = len(self._paragraphs)
        # paragraph numbers, earlier first
        candidates = sorted(self._query_insert(minhash.signature(shingles, self._perms), number))
        if candidates:
            earlier = [(r, set(w), _numbers(w)) for p in candidates for r, w in self._paragraph_rows(p)]
            for row, ws in zip(range(start_row, end_row), words):
                if self.canonical[row] == row:
                    self._match(row, set(ws), _numbers(ws), earlier)
        self._paragraphs.append((doc_number, start_row, end_row))

    def _query_insert(self, signature: np.ndarray, number: int) -> set[int]:
        """The earlier paragraphs that agree with `signature` in some band; files `number` under its bands."""
        found: set[int] = set()
        values = signature.tolist()
        for band in range(BANDS):
            # a tuple of ints hashes the same in every process (only str and bytes hashes are salted)
            key = hash((band, *values[band * ROWS : (band + 1) * ROWS]))
            held = self._bands.get(key)
            if held is None:
                self._bands[key] = number
            elif isinstance(held, int):
                found.add(held)
                self._bands[key] = [held, number]
            else:
                found.update(held)
                if len(held) < MAX_BUCKET:
                    held.append(number)
        return found

    def _paragraph_rows(self, number: int):
        doc, start, end = self._paragraphs[number]
        text = self._texts[doc]
        for r in range(start, end):
            yield r, _words(text[self._spans[2 * r] : self._spans[2 * r + 1]])

    def _match(self, row: int, words: set, numbers: tuple, earlier: list) -> None:
        """Point `row` at the earlier sentence it nearly copies, if any (best overlap, then earliest)."""
        if len(words) < MIN_SENTENCE_WORDS:
            return
        best, best_score = None, 0.0
        for r, ws, nums in earlier:
            if nums != numbers or len(ws) < MIN_SENTENCE_WORDS:
                continue
            score = len(words & ws) / len(words | ws)
            if score >= SENTENCE_JACCARD and (score > best_score or (score == best_score and r < best)):
                best, best_score = r, score
        if best is not None:
            self.canonical[row] = self.canonical[best]

    def canonical_array(self) -> np.ndarray:
        return np.frombuffer(self.canonical, dtype=np.int64).copy() if len(self.canonical) else np.zeros(0, np.int64)

    def document_groups(self, doc_ids: Sequence[str]) -> list[dict]:
        """Documents that are copies of one story: [{"canonical": id, "copies": [ids]}], the canonical
        being the first document that printed it."""
        return document_groups(self.canonical_array(), np.frombuffer(self._doc, dtype=np.int64), doc_ids)


def _numbers(words: list[str]) -> tuple:
    return tuple(sorted(w for w in words if _NUMBER.fullmatch(w)))


def document_groups(canonical: np.ndarray, row_docs: np.ndarray, doc_ids: Sequence[str]) -> list[dict]:
    """Group documents most (DOCUMENT_SHARE) of whose sentences copy one earlier document."""
    parent: dict[int, int] = {}
    if len(canonical):
        source_docs = row_docs[canonical]
        # rows come document by document, so each document's rows are one slice
        docs, firsts = np.unique(row_docs, return_index=True)
        ends = np.append(firsts[1:], len(row_docs))
        for d, a, b in zip(docs.tolist(), firsts.tolist(), ends.tolist()):
            others = source_docs[a:b][source_docs[a:b] != d]
            if not len(others):
                continue
            values, counts = np.unique(others, return_counts=True)
            top = int(np.argmax(counts))  # ties: the earliest document (np.unique sorts)
            if counts[top] >= DOCUMENT_SHARE * (b - a):
                parent[d] = int(values[top])
    groups: dict[int, list[int]] = {}
    for d in sorted(parent):
        root = d
        while root in parent:
            root = parent[root]
        groups.setdefault(root, []).append(d)
    return [
        {"canonical": doc_ids[root], "copies": [doc_ids[c] for c in copies]} for root, copies in sorted(groups.items())
    ]

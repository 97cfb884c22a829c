"""Chunking keeps exact offsets: text[start:end] is the chunk, and every sentence, always."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.chunk import chunk_document, count_tokens, split_sentences
from qa.records import Document

WORDS = st.sampled_from(
    [
        "Granada",
        "talks",
        "were",
        "held",
        "in",
        "Spain.",
        "Dr.",
        "Smith",
        "said",
        "“no”",
        "3.5%",
        "U.S.",
        "and",
        "\n",
        "\n\n",
        "  ",
        "Aliyev",
        "refused!",
        "Why?",
        "é",
        "—",
        "\t",
        "x" * 40,
        "1,000",
        "(AP)",
        "Ok.",
    ]
)
TEXTS = st.lists(WORDS, min_size=0, max_size=400).map(" ".join) | st.text(max_size=600)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, budget=st.integers(16, 120), overlap=st.integers(0, 15))
def test_offsets_are_exact(text, budget, overlap):
    doc = Document(id="d.txt", text=text)
    chunks = chunk_document(doc, budget, overlap)
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert c.text and not c.text[0].isspace() and not c.text[-1].isspace()
        for s, e in c.sentences:
            assert c.start <= s < e <= c.end
            assert doc.text[s:e].strip() == doc.text[s:e]
        assert c.sentences[0][0] == c.start and c.sentences[-1][1] == c.end
    # every non-space character is covered by some chunk
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_budget_is_respected_and_neighbours_overlap():
    text = " ".join(f"Sentence number {i} talks about the peace process in Granada." for i in range(60))
    doc = Document(id="d.txt", text=text)
    chunks = chunk_document(doc, 64, 16)
    assert len(chunks) > 5
    for c in chunks:
        assert count_tokens(c.text) <= 64 + 2  # joining spaces may add a token or two
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.end, "neighbouring chunks share their boundary sentences"
        assert b.start > a.start


def test_sentence_longer_than_budget_is_cut_at_words():
    text = "word " * 500
    chunks = chunk_document(Document(id="d", text=text.strip()), 32, 0)
    assert len(chunks) > 10
    assert all(c.n_tokens <= 32 for c in chunks)


def test_line_breaks_end_sentences():
    text = "Subscribe now\nThe talks were held in Granada. They failed."
    spans = [text[s:e] for s, e in split_sentences(text)]
    assert spans == ["Subscribe now", "The talks were held in Granada.", "They failed."]


def test_chunk_ids_are_deterministic():
    doc = Document(id="a/b.txt", text="One sentence. Two sentences here. Three.")
    assert [c.id for c in chunk_document(doc)] == [c.id for c in chunk_document(doc)]
    assert chunk_document(doc)[0].id == "a/b.txt#0-40"


# --- text no sentence splitter was made for: bounded pieces, bounded work -------------------------

import re  # noqa: E402

import qa.chunk as chunk_module  # noqa: E402
from qa.chunk import BATCH_CHARS, MAX_PIECE_CHARS, MAX_RUN_CHARS, MAX_SENTENCE_CHARS  # noqa: E402


def test_spacy_reads_bounded_pieces_in_bounded_batches(monkeypatch):
    seen = []
    real = chunk_module.sentence_docs

    def recording(texts, batch_size=256):
        texts = list(texts)
        seen.append([len(t) for t in texts])
        return real(texts, batch_size)

    monkeypatch.setattr(chunk_module, "sentence_docs", recording)
    line = "The ferry to Islay runs again from Tuesday, the council said. " * 8000  # one 500 KB line
    sentences = split_sentences(line)
    assert seen and all(max(batch) <= MAX_PIECE_CHARS and sum(batch) <= BATCH_CHARS for batch in seen)
    # pieces are cut where a sentence ends, so the recogniser's sentences are the ones it always saw
    assert {line[s:e] for s, e in sentences} == {"The ferry to Islay runs again from Tuesday, the council said."}


def test_a_sentence_without_stops_is_cut_at_whitespace_then_at_a_hard_limit():
    words = "lighthouse keepers counted gulls along the western shore " * 5000  # 290 KB, no full stop
    spans = split_sentences(words)
    assert len(spans) > 50 and all(e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    assert all(words[e : e + 1] in ("", " ") for s, e in spans)  # cut between words
    junk = "qwertyuiopasdfghjklzxcvbnm" * 20_000  # 520 KB, no space, no stop
    spans = split_sentences(junk)
    assert all(e - s <= MAX_SENTENCE_CHARS for s, e in spans) and len(spans) >= len(junk) // MAX_SENTENCE_CHARS
    assert "".join(junk[s:e] for s, e in spans) == junk  # hard cuts lose nothing


# Characters sent to tiktoken per character of text: a handful of passes (sentence, word, cut, piece;
# about 7 measured). The old cutter re-counted a growing piece word by word: ~n / budget passes.
ENCODED_PER_CHAR = 10


class _CountingEncoding:
    """tiktoken's encoding, counting the characters it is asked to encode."""

    def __init__(self, real):
        self.real, self.chars = real, 0

    def encode(self, text, **kwargs):
        self.chars += len(text)
        return self.real.encode(text, **kwargs)

    def decode_with_offsets(self, tokens):
        return self.real.decode_with_offsets(tokens)


def test_token_free_text_is_cheap_and_chunks_stay_within_budget(monkeypatch):
    counting = _CountingEncoding(chunk_module.encoding())
    monkeypatch.setattr(chunk_module, "encoding", lambda: counting)
    junk = "qwertyuiopasdfghjklzxcvbnm" * 20_000  # 520 KB that tiktoken reads as ~270,000 tokens
    wide = "港" * 30_000 + " end."  # a script written without spaces: several bytes a character
    for text, budget in ((junk, 160), (wide, 32)):
        counting.chars = 0
        chunks = chunk_document(Document(id="d", text=text), budget, 32)
        assert counting.chars <= ENCODED_PER_CHAR * len(text), (budget, counting.chars / len(text))
        for c in chunks:
            assert text[c.start : c.end] == c.text and c.n_tokens <= budget
            assert count_tokens(c.text) <= budget + 2
        if text is junk:  # cut between tokens, not words: the pieces cover it end to end
            pieces = sorted({span for c in chunks for span in c.sentences})  # chunks overlap: each piece once
            assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
            assert all(end == next_start for (_, end), (next_start, _) in zip(pieces, pieces[1:]))


def test_runs_of_punctuation_do_not_stall_the_tokenizer(monkeypatch):
    # spaCy strips "!" off a 10,000-character run one character at a time (~14 s); masked, it is one word
    seen = []
    real = chunk_module.sentence_docs

    def recording(texts, batch_size=256):
        texts = list(texts)
        seen.extend(texts)
        return real(texts, batch_size)

    monkeypatch.setattr(chunk_module, "sentence_docs", recording)
    for run in ("!" * 200_000, "'" * 200_000, "(" * 50_000 + " text " + ")" * 50_000):
        spans = split_sentences(run)
        assert spans and all(e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    # what spaCy read held no run of punctuation longer than MAX_RUN_CHARS for it to strip
    assert seen and not any(re.search(rf"[^\w\s]{{{MAX_RUN_CHARS + 1},}}", t) for t in seen)
    url = "See https://example.org/" + "a" * (MAX_RUN_CHARS * 2) + ". The ferry runs again."
    assert [url[s:e] for s, e in split_sentences(url)][-1] == "The ferry runs again."  # the stop still ends


def test_a_piece_spacy_fails_on_stays_one_stretch(monkeypatch):
    def failing(texts, batch_size=256):
        raise UnicodeEncodeError("utf-8", "x", 0, 1, "surrogates not allowed")

    monkeypatch.setattr(chunk_module, "sentence_docs", failing)
    text = "One sentence here. Another one there.\nA second line."
    assert [text[s:e] for s, e in split_sentences(text)] == ["One sentence here. Another one there.", "A second line."]

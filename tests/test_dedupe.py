"""Wire copies and repeats: one wire story under three outlets (another headline, a sentence added, a
word changed, boilerplate) and a digest that repeats a paragraph. The index embeds one copy, an
answer cites one and lists the others as also reported by, every copy's offsets hold, and unrelated
articles stay apart."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from qa.api import Assistant
from qa.config import Config
from qa.embed import Embedder
from qa.indexing import build_index, remove_documents
from qa.indexing.dedupe import Deduper, paragraphs
from qa.records import Document
from qa.render import format_answer_text
from qa.store import files_dir
from qa.web.html import esc, quote_card_html

P1 = [
    "Armenian and Azerbaijani negotiators met in Brussels on Tuesday to discuss a draft peace treaty.",
    "The talks were hosted by European Council President Charles Michel at the council's headquarters.",
    "Officials said the two sides agreed to set up a joint commission on border delimitation.",
]
P2 = [
    "The commission will hold its first session in the border town of Ijevan within a month.",
    "Both delegations described the meeting as constructive but warned that major differences remain.",
    "A further round of talks is planned for early December, according to a statement from Brussels.",
]
P3 = [
    "The European Union has offered to send additional monitors to the border region to support the commission.",
    "Azerbaijan's foreign ministry said it would consider the offer once the commission had met.",
    "Armenia welcomed the proposal and said its observers would cooperate fully with the mission.",
]
P4 = [
    "Relations between the neighbours have been tense since the autumn offensive in Nagorno-Karabakh.",
    "More than one hundred thousand people left the region for Armenia within a single week.",
    "Aid agencies said many of them were still living in temporary shelters near the city of Goris.",
]
ADDED = "Analysts in Yerevan cautioned that earlier commissions had stalled within weeks of being formed."
EDITED = P2[1].replace("constructive", "productive")  # a light edit: one word of fourteen
BOILERPLATE = "Sign up for the morning briefing to get the top stories delivered to your inbox every day."


def _text(headline: str, paragraphs: list[list[str]], tail: str = "") -> str:
    body = "\n\n".join(" ".join(p) for p in paragraphs)
    return f"{headline}\n\n{body}" + (f"\n\n{tail}" if tail else "")


WIRE = [
    Document(
        id="france24.md",
        title="Armenia and Azerbaijan agree on border commission",
        source="France24",
        date="2023-11-21",
        text=_text("Armenia and Azerbaijan agree on border commission", [P1, P2, P3, P4]),
    ),
    Document(
        id="euronews.md",
        title="Brussels talks bring a border deal closer",
        source="Euro News",
        date="2023-11-21",
        text=_text(
            "Brussels talks bring a border deal closer", [P1, [P2[0], EDITED, ADDED, P2[2]], P3, P4], BOILERPLATE
        ),
    ),
    Document(
        id="wire.md",
        title="Border commission set up after talks",
        source="<b>Wire</b> & Co",
        date="2023-11-22",
        text=_text("Border commission set up after talks", [P1, P2, P3, P4], BOILERPLATE),
    ),
]
# a digest file cut into its articles: the second article repeats the first one's paragraph
DIGEST_1 = (
    "Harvest news\n\nFarmers in the Ararat valley began picking apricots two weeks earlier than usual this "
    "year. The early harvest followed an unusually warm spring across the whole region. Growers expect "
    "prices at the Yerevan market to fall by a third."
)
DIGEST_2 = (
    "Market roundup\n\nTraders reported steady demand for dried fruit at the weekend fairs. Walnut prices "
    "rose slightly after a poor crop in the north. Honey sellers from Syunik drew the longest queues of "
    "the season.\n\n"
    "Farmers in the Ararat valley began picking apricots two weeks earlier than usual this year. The early "
    "harvest followed an unusually warm spring across the whole region. Growers expect prices at the "
    "Yerevan market to fall by a third."
)
DIGEST = [
    Document(
        id="digest.txt#1", title="Harvest news", source="Armenpress", text=DIGEST_1, file_id="digest.txt", offset=0
    ),
    Document(
        id="digest.txt#2",
        title="Market roundup",
        source="Asbarez",
        text=DIGEST_2,
        file_id="digest.txt",
        offset=len(DIGEST_1) + 2,
    ),
]
# unrelated articles, one of them on the same region and with some of the same words
UNRELATED = [
    Document(
        id="mining.md",
        title="Copper mine expands",
        source="Reuters",
        date="2023-11-20",
        text=_text(
            "Copper mine expands",
            [
                [
                    "The Zangezur copper mine near the Armenian border will double its output by 2025, its owner said.",
                    "The expansion was agreed with regional officials after talks in Yerevan on Tuesday.",
                    "Environmental groups warned that the border rivers are already polluted by tailings.",
                ]
            ],
        ),
    ),
    Document(
        id="penguins.md",
        title="Penguins",
        source="BBC",
        text=_text(
            "Penguins",
            [
                [
                    "Emperor penguins breed during the Antarctic winter on sea ice far from the open ocean.",
                    "Males incubate the eggs on their feet for about two months while the females feed at sea.",
                ]
            ],
        ),
    ),
]
DOCS = WIRE + DIGEST + UNRELATED


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The index, and every text the model was asked to embed while building it."""
    seen: list[str] = []
    real = Embedder.encode
    mp = pytest.MonkeyPatch()

    def spy(self, texts, **kw):
        seen.extend(texts)
        return real(self, texts, **kw)

    mp.setattr(Embedder, "encode", spy)
    try:
        path = tmp_path_factory.mktemp("dedupe") / "index"
        index = build_index(DOCS, path, Config())
    finally:
        mp.undo()
    return index, seen


@pytest.fixture(scope="module")
def assistant(built):
    return Assistant(built[0], Config())


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _rows_of(index, doc_id: str) -> list[int]:
    number = index.doc_ids.index(doc_id)
    return [r for r in range(len(index.sentence_rows)) if int(index.sentence_rows[r, 0]) == number]


def test_the_index_embeds_one_copy_of_the_wire_story(built):
    index, seen = built
    body = P1 + P2 + P3 + P4
    # every sentence of the story went to the model once, and no copy of it did
    for sentence in body:
        assert seen.count(sentence) == 1, sentence
    assert EDITED not in seen, "a near copy takes its first copy's vector"
    assert seen.count(BOILERPLATE) == 1, "an exact copy is embedded once"
    assert ADDED in seen
    assert (
        seen.count("Farmers in the Ararat valley began picking apricots two weeks earlier than usual this year.") == 1
    )
    assert len(seen) == len(set(seen)), "no text is embedded twice"
    counts = index.manifest["counts"]
    # the copies: the story's body twice more (Euro News with its edited sentence), the boilerplate
    # once more, and the digest's repeated paragraph (three sentences)
    assert counts["copied_sentences"] == 2 * len(body) + 1 + 3
    assert counts["embedded_sentences"] == counts["sentences"] - counts["copied_sentences"]
    sentence_texts = {index.sentence_text(r) for r in range(len(index.sentence_rows))}
    assert counts["embedded_sentences"] == len([t for t in seen if t in sentence_texts])
    # chunks made only of copies are neither embedded nor searched, and are kept for quoting
    # (here the second chunk of the third outlet: the first holds its own headline, and Euro News'
    # chunks hold its added sentence and the first copy of the boilerplate)
    assert [c.doc_id for c in index.duplicate_chunks] == ["wire.md"] and counts["unindexed_chunks"] == 1
    assert len(index.chunks) == 2 * 3 - 1 + 2 + 2
    assert index.dense.ntotal == len(index.chunks) == counts["chunks"]
    assert not {c.id for c in index.duplicate_chunks} & {c.id for c in index.chunks}
    for c in index.duplicate_chunks:
        rows = [index.sentence_row(c.doc_id, s, e) for s, e in c.sentences]
        assert all(index.sentence_canonical[r] != r for r in rows)
    # each copy's vector is its first copy's
    for r in _rows_of(index, "wire.md"):
        c = int(index.sentence_canonical[r])
        assert np.array_equal(index.sentence_vectors[r], index.sentence_vectors[c])


def test_copies_point_at_the_first_outlet_and_unrelated_articles_stay_apart(built):
    index, _ = built
    groups = index.duplicates["documents"]
    assert groups == [{"canonical": "france24.md", "copies": ["euronews.md", "wire.md"]}]
    first = set(_rows_of(index, "france24.md"))
    for doc_id in ("euronews.md", "wire.md"):
        for r in _rows_of(index, doc_id):
            text = index.sentence_text(r)
            if text in P1 + P2 + P3 + P4 or text == EDITED:
                assert int(index.sentence_canonical[r]) in first, text
            elif text != BOILERPLATE or doc_id == "euronews.md":
                assert int(index.sentence_canonical[r]) == r, text  # headlines and the added sentence are their own
    for doc_id in ("mining.md", "penguins.md", "france24.md", "digest.txt#1"):
        assert all(int(index.sentence_canonical[r]) == r for r in _rows_of(index, doc_id)), doc_id
    repeated = [r for r in _rows_of(index, "digest.txt#2") if int(index.sentence_canonical[r]) != r]
    assert len(repeated) == 3 and {int(index.doc_ids.index("digest.txt#1"))} == {
        int(index.sentence_rows[index.sentence_canonical[r], 0]) for r in repeated
    }
    # written as JSON and .npy beside the other files of the generation
    where = files_dir(index.path, index.manifest)
    assert json.loads((where / "duplicates.json").read_text())["documents"] == groups
    assert np.load(where / "sentence_canonical.npy", allow_pickle=False).dtype == np.int64


def test_an_answer_cites_one_copy_and_lists_the_others(assistant):
    docs = assistant.documents
    ans = assistant.ask("Where will the border commission hold its first session?")
    assert not ans.abstained
    first = ans.quotes[0]
    assert "Ijevan" in first.text and first.doc_id == "france24.md"
    assert not any(q.doc_id in ("euronews.md", "wire.md") and "Ijevan" in q.text for q in ans.quotes)
    assert first.also_reported_by == ["Euro News", "<b>Wire</b> & Co"]
    assert "Also reported by Euro News, <b>Wire</b> & Co." in ans.answer
    assert ans.to_dict()["quotes"][0]["also_reported_by"] == ["Euro News", "<b>Wire</b> & Co"]
    for other in first.also_in:
        # every corroborating copy is that document's exact characters, and says what the quote says
        assert docs[other["doc_id"]].text[other["start"] : other["end"]] == other["text"]
        assert len(_words(other["text"]) & _words(first.text)) / len(_words(other["text"]) | _words(first.text)) >= 0.8
    text = format_answer_text(ans, docs)
    assert (
        "also reported by Euro News, “Brussels talks bring a border deal closer”, 2023-11-21, file euronews.md" in text
    )
    card = quote_card_html(first, 0, docs[first.doc_id])
    assert "Also reported by" in card and esc("<b>Wire</b> & Co") in card and "<b>Wire</b>" not in card


def test_a_lightly_edited_copy_is_still_corroboration(assistant):
    docs = assistant.documents
    ans = assistant.ask("How did the delegations describe the meeting?")
    q = next(q for q in ans.quotes if "delegations described" in q.text)
    euro = next(a for a in q.also_in if a["doc_id"] == "euronews.md")
    assert "productive" in euro["text"] and docs["euronews.md"].text[euro["start"] : euro["end"]] == euro["text"]


def test_a_filter_finds_the_outlet_whose_copy_is_not_searched(assistant):
    ans = assistant.ask("Where will the border commission hold its first session?", sources=["<b>Wire</b> & Co"])
    assert not ans.abstained
    q = ans.quotes[0]
    assert q.doc_id == "wire.md" and "Ijevan" in q.text
    assert assistant.documents["wire.md"].text[q.start : q.end] == q.text


def test_a_digest_repeating_a_paragraph_is_quoted_once(assistant):
    ans = assistant.ask("When did farmers in the Ararat valley begin picking apricots?")
    quotes = [q for q in ans.quotes if "apricots" in q.text]
    assert len(quotes) == 1
    q = quotes[0]
    assert q.doc_id == "digest.txt#1"
    other = next(a for a in q.also_in if a["doc_id"] == "digest.txt#2")
    doc2 = assistant.documents["digest.txt#2"]
    assert doc2.text[other["start"] : other["end"]] == other["text"]
    # placed in the digest file as well
    assert other["file_id"] == "digest.txt" and other["file_start"] == doc2.offset + other["start"]


def test_removing_the_first_copy_promotes_the_next_and_embeds_only_its_own_edits(built, tmp_path):
    index, _ = built
    seen: list[str] = []
    real = Embedder.encode

    def spy(self, texts, **kw):
        seen.extend(texts)
        return real(self, texts, **kw)

    path = tmp_path / "index"
    first = build_index(DOCS, path, Config())
    mp = pytest.MonkeyPatch()
    mp.setattr(Embedder, "encode", spy)
    try:
        after, removed = remove_documents(first, ["france24.md"])
    finally:
        mp.undo()
    assert removed == ["france24.md"]
    assert after.duplicates["documents"] == [{"canonical": "euronews.md", "copies": ["wire.md"]}]
    # Euro News' own sentences now stand first; only the one it edited was never embedded as written
    assert [t for t in seen if t in P1 + P2 + P3 + P4 + [EDITED]] == [EDITED]


def test_deduper_rules():
    """Unit rules, no model: exact copies fold case and space; a changed number is another report;
    paragraphs are runs of sentences without a line break."""
    text_a = "One. Two three four five six seven eight nine ten.\nThe blast killed 12 people in the market on Monday."
    text_b = "ONE.  Two three four five six seven eight nine ten.\nThe blast killed 15 people in the market on Monday."

    def spans(text):
        out, pos = [], 0
        for part in re.split(r"(?<=\.)\s+", text):
            start = text.index(part, pos)
            out.append((start, start + len(part)))
            pos = start + len(part)
        return out

    assert paragraphs(text_a, spans(text_a)) == [(0, 2), (2, 3)]
    d = Deduper()
    d.add_document(0, text_a, spans(text_a))
    d.add_document(1, text_b, spans(text_b))
    canonical = d.canonical_array().tolist()
    assert canonical == [0, 1, 2, 0, 1, 5]


def test_minhash_signatures_equal_datasketch():
    """qa/indexing/minhash.py spells out datasketch's affine32 MinHash (to spare a re-index its scipy
    import): the signatures must be datasketch's, value for value, or copies would group differently."""
    from datasketch import MinHash

    from qa.indexing import minhash
    from qa.indexing.dedupe import NUM_PERM, SEED

    perms = minhash.permutations(NUM_PERM, SEED)
    shingle_sets = [
        {f"{a} {b} {c}".encode() for a, b, c in zip(P1[0].split(), P1[0].split()[1:], P1[0].split()[2:])},
        {"zebra migration".encode(), "\ud800 lone".encode("utf-8", "surrogatepass"), "Ереван".encode()},
        {bytes([i]) * 3 for i in range(256)},
        set(),
    ]
    for shingles in shingle_sets:
        theirs = MinHash(num_perm=NUM_PERM, seed=SEED)
        theirs.update_batch(list(shingles))
        ours = minhash.signature(shingles, perms)
        assert ours.dtype == np.uint32
        assert ours.tolist() == theirs.hashvalues.tolist()
    for seed in (1, 7, SEED):
        reference = MinHash(num_perm=64, seed=seed).permutations
        assert [x.tolist() for x in minhash.permutations(64, seed)] == [x.tolist() for x in reference]

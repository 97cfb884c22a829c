"""Documents and chunks stored as columns (format 3, qa/store/tables.py): texts read lazily are the
documents' own characters, the lookups made at load agree with the plain computation, and an index
of the JSONL format before it still loads and answers exactly as the columns do."""

import json
import shutil

import numpy as np
import pytest

from qa.api import Assistant, load_documents
from qa.config import Config
from qa.errors import IndexIncompatibleError
from qa.indexing import build_index
from qa.records import Document
from qa.store import FORMAT_VERSION, files_dir, load_index
from qa.store.tables import TABLE_FILES, ChunkTable, StoredDocument

from .conftest import CORPUS

QUESTIONS = [
    "Where were the October 5 talks supposed to be held?",
    "Who is Louis Bono?",
    "Why did Aliyev refuse to attend the talks in Granada?",
    "What did Pashinian say about the peace treaty?",
    "How many people live on the moon?",
]

WIRE = "The minister resigned on Tuesday after the vote. She said the decision was final. Talks resume in March."
COPIES = [
    Document(id="wire.txt", text=WIRE + " Reporting by the wire.", title="W", source="Wire"),
    Document(id="paper.txt", text="Local news. " + WIRE, title="P", source="Paper"),
    Document(
        id="other.txt", text="Bees pollinate flowers in spring. Honey is sold at markets.", title="O", source="Else"
    ),
]


def to_jsonl_format(path):
    """Rewrite the current generation as format 2 wrote it: documents and chunks as JSONL, no columns."""
    index = load_index(path)
    where = files_dir(path, json.loads((path / "manifest.json").read_text()))
    with open(where / "documents.jsonl", "w", encoding="utf-8") as fh:
        for d in index.documents.values():
            fh.write(json.dumps({k: v for k, v in d.to_dict().items() if k != "sha256"}) + "\n")
    for name, chunks in (("chunks.jsonl", index.chunks), ("duplicate_chunks.jsonl", index.duplicate_chunks)):
        with open(where / name, "w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(c.to_dict()) + "\n")
    for name in TABLE_FILES:
        (where / name).unlink()
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format_version"] = 2
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_texts_read_lazily_are_the_documents_characters(shipped_index_dir):
    index = load_index(shipped_index_dir)
    originals = {d.id: d for d in load_documents([CORPUS]).documents}
    assert list(index.documents) == index.doc_ids and sorted(index.documents) == sorted(originals)
    for doc_id, doc in index.documents.items():
        assert isinstance(doc, StoredDocument) and doc == originals[doc_id] and originals[doc_id] == doc
        assert doc.text == originals[doc_id].text and doc.sha256 == originals[doc_id].sha256
    assert isinstance(index.chunks, ChunkTable)
    for c in index.chunks:
        text = originals[c.doc_id].text
        assert c.text == text[c.start : c.end] and c.id == f"{c.doc_id}#{c.start}-{c.end}"
        assert all(c.start <= s < e <= c.end for s, e in c.sentences)
        assert [index.sentence_row(c.doc_id, s, e) is not None for s, e in c.sentences] == [True] * len(c.sentences)
    for row in range(len(index.sentence_rows)):
        d, s, e = index.sentence_rows[row].tolist()
        assert index.sentence_text(row) == originals[index.doc_ids[d]].text[s:e]
        assert index.sentence_row(index.doc_ids[d], s, e) == row
    assert index.sentence_row("no such document", 0, 5) is None
    assert index.sentence_row(index.doc_ids[0], 0, 10**6) is None


def test_an_index_of_the_jsonl_format_answers_as_the_columns_do(shipped_index_dir, tmp_path, config):
    path = tmp_path / "index"
    shutil.copytree(shipped_index_dir, path)
    columns = Assistant.load(path, config)
    before = [columns.ask(q).to_dict() for q in QUESTIONS]
    assert json.loads((path / "manifest.json").read_text())["format_version"] == FORMAT_VERSION == 3
    to_jsonl_format(path)
    old = Assistant.load(path, config)
    assert [c.to_dict() for c in old.index.chunks] == [c.to_dict() for c in columns.index.chunks]
    assert dict(old.documents) == dict(columns.documents)
    assert [old.ask(q).to_dict() for q in QUESTIONS] == before
    assert any(not a["abstained"] for a in before)


def test_formats_before_jsonl_are_refused_with_rebuild(shipped_index_dir, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(shipped_index_dir, path)
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["format_version"] = 1
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexIncompatibleError, match="rebuild"):
        load_index(path)


def test_a_damaged_text_file_is_refused(shipped_index_dir, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(shipped_index_dir, path)
    texts = files_dir(path, json.loads((path / "manifest.json").read_text())) / "texts.bin"
    texts.write_bytes(texts.read_bytes()[:-10])  # cut short: offsets no longer match
    with pytest.raises(IndexIncompatibleError, match="damaged"):
        load_index(path)


def test_copy_lookups_made_at_load_match_the_plain_computation(tmp_path):
    index = build_index(COPIES, tmp_path / "index", Config())
    canonical = np.asarray(index.sentence_canonical)
    assert (canonical != np.arange(len(canonical))).sum() >= 2, "the wire sentences are copies"
    for row in range(len(canonical)):
        assert index.copies(row) == [int(canonical[row])] + [
            r for r in range(len(canonical)) if canonical[r] == canonical[row] and r != canonical[row]
        ]
    rows = np.asarray(index.sentence_rows)
    for allowed in ({"paper.txt"}, {"other.txt"}, {"wire.txt", "paper.txt"}, set()):
        numbers = {index.doc_ids.index(d) for d in allowed}
        wanted = {
            int(canonical[r])
            for r in range(len(rows))
            if canonical[r] != r and (rows[r, 0] in numbers or rows[canonical[r], 0] in numbers)
        }
        plain = [
            i
            for i, c in enumerate(index.chunks)
            if any(index.sentence_row(c.doc_id, s, e) in wanted for s, e in c.sentences)
        ]
        assert index.chunks_with_copies_in(allowed) == plain
        assert index.chunks_of(allowed).tolist() == [i for i, c in enumerate(index.chunks) if c.doc_id in allowed]
    assert index.chunks_with_copies_in({"paper.txt"}), "the paper's copy is found through the wire's chunk"

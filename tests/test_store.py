"""The index on disk: manifest, generations switched atomically, crash leftovers, the layout
before generations, incremental reuse, and clear errors."""

import json
import shutil

import numpy as np
import pytest

import qa.store.faiss_store as index_module
from qa.config import Config
from qa.embed import Embedder
from qa.errors import IndexIncompatibleError, IndexMissingError
from qa.indexing import add_documents, build_index, ensure_index, remove_documents
from qa.records import Document
from qa.store import FORMAT_VERSION, files_dir, load_index

DOCS = [
    Document(id="a.txt", text="The summit was held in Granada. Leaders met on October 5.", title="A", source="X"),
    Document(id="b.txt", text="Vaccines train the immune system. Trials enrolled 3,000 people.", title="B"),
]


@pytest.fixture()
def built(tmp_path):
    path = tmp_path / "index"
    return path, build_index(DOCS, path, Config())


def test_manifest_records_what_built_it(built):
    path, idx = built
    m = json.loads((path / "manifest.json").read_text())
    assert m["format_version"] == FORMAT_VERSION
    assert m["model"] == {"name": "all-MiniLM-L6-v2", "dim": 384, "embedder": "onnx"}  # the default
    assert m["chunking"]["max_tokens"] == Config().chunk_tokens
    assert [d["id"] for d in m["documents"]] == ["a.txt", "b.txt"]
    assert m["documents"][0]["sha256"] == DOCS[0].sha256
    assert {"qa", "faiss", "sentence_transformers", "torch"} <= set(m["versions"])
    assert idx.dense.ntotal == len(idx.chunks) == m["counts"]["chunks"]
    assert len(idx.sentence_rows) == 4
    # the stable folder holds the manifest (the pointer) and one generation with the files
    assert idx.path == path and m["generation"].startswith("gen-")
    assert sorted(p.name for p in path.iterdir()) == [".lock", m["generation"], "manifest.json"]
    assert files_dir(path, m) == path / m["generation"] and (path / m["generation"] / "texts.bin").is_file()


def test_nothing_is_pickled(built):
    path, _ = built
    for npy in path.rglob("*.npy"):
        np.load(npy, allow_pickle=False)  # raises if an object array was written


def test_load_round_trip(built):
    path, idx = built
    again = load_index(path)
    assert again.documents == idx.documents
    assert [c.id for c in again.chunks] == [c.id for c in idx.chunks]
    for c in again.chunks:
        assert again.documents[c.doc_id].text[c.start : c.end] == c.text


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexMissingError, match="qa index"):
        load_index(tmp_path / "nowhere")


def test_other_model_or_format_is_refused(built):
    path, _ = built
    with pytest.raises(IndexIncompatibleError, match="rebuild"):
        load_index(path, Config(model="some-other-model"))
    m = json.loads((path / "manifest.json").read_text())
    m["format_version"] = 999
    (path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexIncompatibleError, match="format 999.*qa index"):
        load_index(path)


def _entries(path):
    return sorted(p.name for p in path.iterdir())


def test_failed_build_leaves_previous_index(built):
    path, _ = built
    before = _entries(path)

    def explode(message, fraction):
        if fraction > 0.5:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        build_index(DOCS + [Document(id="c.txt", text="Something new entirely.")], path, Config(), progress=explode)
    idx = load_index(path)
    assert sorted(idx.documents) == ["a.txt", "b.txt"]
    assert _entries(path) == before, "nothing is left behind"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_build_failing_while_writing_leaves_previous_index(built, monkeypatch):
    """A build that dies halfway through writing its files (here: the sentence rows, written after the
    sentence vectors were streamed out) changes nothing."""
    path, _ = built
    before, manifest = _entries(path), (path / "manifest.json").read_text()
    real_save = np.save

    def save(file, arr, **kw):
        if str(file).endswith("sentences.npy"):
            raise OSError(28, "No space left on device")
        return real_save(file, arr, **kw)

    monkeypatch.setattr(np, "save", save)
    with pytest.raises(OSError, match="No space"):
        build_index([DOCS[0]], path, Config())
    assert (path / "manifest.json").read_text() == manifest
    assert _entries(path) == before, "the half-written generation is removed"
    assert sorted(load_index(path).documents) == ["a.txt", "b.txt"]


def test_leftovers_of_a_killed_build_are_ignored_then_cleaned(built):
    """What SIGKILL can leave at each step: a half-written generation, a complete one never switched to,
    a pointer never put in place, and (from older versions of qa) a sibling build folder."""
    path, _ = built
    live = json.loads((path / "manifest.json").read_text())["generation"]
    (path / ".tmp-gen-20990101-000000-1-aaaaaa").mkdir()
    (path / ".tmp-gen-20990101-000000-1-aaaaaa" / "documents.jsonl").write_text('{"id": "half')
    shutil.copytree(path / live, path / "gen-20990101-000000-2-bbbbbb")
    (path / ".tmp-manifest.json").write_text('{"generation": "gen-2099')
    (path.parent / ".index.building-xyz").mkdir()
    assert sorted(load_index(path).documents) == ["a.txt", "b.txt"]  # readers follow the manifest only
    idx = build_index([DOCS[1]], path, Config())
    new = json.loads((path / "manifest.json").read_text())["generation"]
    assert new != live and _entries(path) == [".lock", new, "manifest.json"]
    assert not (path.parent / ".index.building-xyz").exists()
    assert sorted(idx.documents) == ["b.txt"] and idx.removed == ["a.txt"]


def _to_layout_before_generations(path):
    """Rewrite an index the way qa wrote it before generations: files beside a manifest without one
    (and documents and chunks as JSONL, format 2, as they were then)."""
    from .test_store_tables import to_jsonl_format

    to_jsonl_format(path)
    m = json.loads((path / "manifest.json").read_text())
    for f in (path / m.pop("generation")).iterdir():
        shutil.move(str(f), path / f.name)
    shutil.rmtree(files_dir(path, json.loads((path / "manifest.json").read_text())))
    (path / ".lock").unlink()
    (path / "manifest.json").write_text(json.dumps(m))


def test_index_written_before_generations_loads_and_its_first_rebuild_converts_it(built):
    path, idx = built
    _to_layout_before_generations(path)
    assert "documents.jsonl" in _entries(path) and not [n for n in _entries(path) if n.startswith("gen-")]
    old = load_index(path)
    assert old.documents == idx.documents and [c.id for c in old.chunks] == [c.id for c in idx.chunks]
    assert ensure_index(DOCS, path, Config()).documents == idx.documents  # unchanged: loaded as it is
    assert "documents.jsonl" in _entries(path)
    new = ensure_index([DOCS[0]], path, Config())
    m = json.loads((path / "manifest.json").read_text())
    assert _entries(path) == [".lock", m["generation"], "manifest.json"], "the old files are gone"
    assert sorted(new.documents) == ["a.txt"] and new.removed == ["b.txt"]


def test_a_manifest_naming_a_folder_outside_the_index_is_refused(built):
    path, _ = built
    m = json.loads((path / "manifest.json").read_text())
    for bad in ("../elsewhere", "/etc", "gen-../../x", 7):
        (path / "manifest.json").write_text(json.dumps({**m, "generation": bad}))
        with pytest.raises(IndexIncompatibleError, match="not a folder of this index"):
            load_index(path)


def test_a_reader_racing_a_build_reads_the_new_generation(built, monkeypatch):
    """Another process switches generations (and removes the old one) while we read: read again."""
    path, _ = built
    real_read = index_module._read
    raced = []

    def read(index_dir, manifest):
        if not raced:
            raced.append(manifest["generation"])
            build_index([DOCS[0]], path, Config())  # removes the generation `manifest` names
        return real_read(index_dir, manifest)

    monkeypatch.setattr(index_module, "_read", read)
    assert sorted(load_index(path).documents) == ["a.txt"]
    assert not (path / raced[0]).exists()


def test_removed_documents_are_reported_and_removing_embeds_nothing(built, monkeypatch):
    path, idx = built
    assert ensure_index(DOCS, path, Config()).removed == []  # unchanged: nothing removed
    monkeypatch.setattr(Embedder, "__init__", lambda *a, **k: pytest.fail("the model was loaded"))
    smaller, gone = remove_documents(idx, ["b.txt", "zzz.txt"])
    assert gone == ["b.txt"] and smaller.removed == ["b.txt"] and sorted(smaller.documents) == ["a.txt"]
    assert sorted(load_index(path).documents) == ["a.txt"]


def test_unchanged_text_is_not_embedded_again(built, monkeypatch):
    path, idx = built
    seen = []
    real = Embedder.encode

    def spy(self, texts, **kw):
        seen.extend(texts)
        return real(self, texts, **kw)

    monkeypatch.setattr(Embedder, "encode", spy)
    assert ensure_index(DOCS, path, Config()).manifest == idx.manifest  # unchanged: loaded, not rebuilt
    assert seen == []
    new = Document(id="c.txt", text="Penguins live in Antarctica.")
    idx2 = add_documents(idx, [new])
    assert sorted(idx2.documents) == ["a.txt", "b.txt", "c.txt"]
    assert seen == ["Penguins live in Antarctica."]  # one chunk that is also one sentence


def test_build_refuses_empty_corpus(tmp_path):
    from qa.errors import EmptyCorpusError

    with pytest.raises(EmptyCorpusError):
        build_index([], tmp_path / "index", Config())


@pytest.mark.parametrize("n", [0, 1, 2500])
def test_chunks_faiss_written_in_batches_is_byte_for_byte_what_faiss_writes(tmp_path, n):
    import faiss

    from qa.indexing.writer import FlatIPWriter

    vectors = np.random.default_rng(n).standard_normal((n, 384)).astype(np.float32)
    reference = faiss.IndexFlatIP(384)
    reference.add(vectors)
    faiss.write_index(reference, str(tmp_path / "reference.faiss"))
    out = FlatIPWriter(tmp_path / "streamed.faiss", n, 384)
    for a in range(0, n, 1000):
        out.append(vectors[a : a + 1000])
        assert np.array_equal(out[a], vectors[a])  # a row already written reads back (a repeated chunk's)
    out.close()
    assert (tmp_path / "streamed.faiss").read_bytes() == (tmp_path / "reference.faiss").read_bytes()
    assert faiss.read_index(str(tmp_path / "streamed.faiss")).ntotal == n


def test_built_vectors_are_the_models_vectors_of_each_text(built):
    path, idx = built
    model = Embedder()
    assert np.allclose(idx.chunk_vectors(), model.encode([c.text for c in idx.chunks]), atol=1e-5)
    texts = [idx.sentence_text(r) for r in range(len(idx.sentence_rows))]
    # stored as float16 (writer.SENTENCE_VECTOR_DTYPE): the model's vectors, rounded, nothing else
    assert idx.sentence_vectors.dtype == np.float16
    assert np.array_equal(np.asarray(idx.sentence_vectors), model.encode(texts).astype(np.float16))


def test_an_index_with_float32_sentence_vectors_loads_and_seeds_a_float16_rebuild(built):
    """Indexes built before float16 keep float32 sentence vectors: they still answer, and a rebuild
    after a change reuses their vectors (rounded) and writes float16."""
    path, idx = built
    model = Embedder()
    texts = [idx.sentence_text(r) for r in range(len(idx.sentence_rows))]
    exact = model.encode(texts)
    old = files_dir(path, json.loads((path / "manifest.json").read_text())) / "sentence_vectors.npy"
    old.unlink()  # a hard link of nothing else: write the float32 file an older build would have left
    np.save(old, exact, allow_pickle=False)
    older = load_index(path, Config())
    assert older.sentence_vectors.dtype == np.float32
    assert np.array_equal(np.asarray(older.sentence_vectors), exact)

    changed = [DOCS[0], Document(id=DOCS[1].id, text=DOCS[1].text + " A note was added later that day.")]
    new = build_index(changed, path, Config(), previous=older)
    assert new.sentence_vectors.dtype == np.float16
    kept = [r for r in range(len(new.sentence_rows)) if new.sentence_text(r) in texts]
    assert kept and new.manifest["counts"]["embedded_sentences"] == len(new.sentence_rows) - len(kept)
    for r in kept:
        assert np.array_equal(
            np.asarray(new.sentence_vectors[r]), exact[texts.index(new.sentence_text(r))].astype(np.float16)
        )

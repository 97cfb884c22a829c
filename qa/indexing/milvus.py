"""Writing the Milvus store: the one build path (build.py) writes a generation as it would for the
FAISS folder, into a staging folder, and the Milvus store takes from it every document whose rows
changed (by their digest, store/milvus.py), so both stores hold the same chunks, wire copies and
quotations. A change of one document rewrites that document's rows (and those of any document whose
copies it held), not the store.

A write marks the manifest incomplete, deletes, inserts (a document's own row last), flushes, and marks
it complete: a store left by a killed write is refused when opened, and replaced by the next build.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

from ..config import Config, user_cache_dir
from ..errors import QAError
from ..records import Document
from ..store import milvus
from ..store.faiss_store import load_index
from ..store.generations import publish
from ..store.manifest import same_vectors


class MilvusTarget:
    """The Milvus store at `uri` as a build's target (build.Target)."""

    def __init__(self, uri: str):
        self.uri = uri
        self.where = f"milvus:{uri}"
        self._client = None

    def client(self):
        if self._client is None:
            self._client = milvus.connect(self.uri)
        return self._client

    def manifest(self) -> dict | None:
        return milvus.read_meta(self.client())

    def previous(self, config: Config) -> milvus.MilvusStore | None:
        client = self.client()
        meta = milvus.read_meta(client)
        if meta is None or not same_vectors(meta, config):
            return None
        try:
            return milvus.open_previous_milvus(client, self.uri)
        except QAError:
            return None

    def publish(
        self, documents: list[Document], write: Callable[[Path], dict], config: Config, *, replace: bool, progress
    ) -> milvus.MilvusStore:
        client = self.client()
        before = milvus.stored_ids(client)
        root = user_cache_dir()
        root.mkdir(parents=True, exist_ok=True)
        # the generation is written where the evaluation cache lives: a Milvus server has no folder of its own
        with tempfile.TemporaryDirectory(prefix="qa-milvus-", dir=root) as staging:
            publish(Path(staging), [d.id for d in documents], write)
            generation = load_index(staging, config)
            _sync(client, generation, replace=replace, progress=progress)
        store = milvus.load_milvus(client, self.uri)
        kept = set(store.documents)
        store.removed = [i for i in before if i not in kept]
        return store


def _sync(client, generation, *, replace: bool, progress) -> None:
    """Make the store hold exactly the documents of `generation`, writing only those whose rows changed
    (all of them when `replace`: the collections are made anew)."""
    rows = milvus.Rows(generation)
    numbers = list(range(len(generation.doc_ids)))
    digests = {n: rows.digest(n) for n in numbers}
    if replace:
        milvus.drop_collections(client)
        milvus.create_collections(client, generation.manifest["model"]["dim"])
        fresh, moved, gone = numbers, [], []
    else:
        held = milvus.stored_digests(client)
        fresh = [n for n in numbers if held.get(generation.doc_ids[n], (None, None))[1] != digests[n]]
        written = set(fresh)
        moved = [n for n in numbers if n not in written and held[generation.doc_ids[n]][0] != n]
        wanted = set(generation.doc_ids)
        # a fresh document's id too: rows an interrupted write left without their document row go first
        gone = [i for i in held if i not in wanted] + [generation.doc_ids[n] for n in fresh]
    milvus.write_meta(client, generation.manifest, complete=False)
    if gone:
        milvus.delete_documents(client, gone)
    if fresh:
        progress(f"Writing {len(fresh)} document(s) to Milvus", 0.95)
        rows.insert(client, fresh, digests)
    if moved:
        rows.renumber(client, moved, digests)
    milvus.flush(client)
    milvus.write_meta(client, generation.manifest, complete=True, duplicates=generation.duplicates)

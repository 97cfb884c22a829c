"""Generations: how an index folder switches from one complete set of files to the next, atomically.

Layout of an index folder (the folder itself stays put; `FaissStore.path` is it):

    manifest.json          the manifest, and the pointer: its "generation" names the current generation
    gen-<time>-<pid>-<hex>/ one complete, fsynced set of index files (texts.bin, chunk_spans.npy, …)
    .lock                  held (flock) while a build writes and switches, so two builds never clean
                           up each other's work
    .tmp-*                 a generation or manifest being written; never read

`publish`, holding the lock: (1) removes what killed builds left (`.tmp-*`, generations the manifest
does not name); (2) has the new files written into `.tmp-gen-…/` (the writer calls `sync_tree` on it:
every file and folder fsynced), and renames it to `gen-…/`; (3) writes `.tmp-manifest.json` naming
that generation, fsyncs it, `os.replace`s it over `manifest.json` and fsyncs the index folder (the
switch); (4) removes the generation it replaced, or the files of an index written before generations
(the first build converts such an index).

So at every instant `manifest.json` is either the previous manifest, naming complete files, or the new
one, naming complete and durable files: a build killed at any point leaves a loadable index (the
previous one until the replace, the new one after it), and its leftovers go at the next build.
`publish` and `sync_tree` are the public hooks (qa/indexing/ writes through them, and so may bench/).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..errors import IndexIncompatibleError, IndexMissingError
from .faiss_store import (
    BM25,
    CHUNKS,
    DENSE,
    DOCUMENTS,
    DUPLICATE_CHUNKS,
    DUPLICATES,
    SENTENCE_CANONICAL,
    SENTENCE_VECTORS,
    SENTENCES,
)
from .manifest import GENERATION_PREFIX, MANIFEST, generation_of, read_manifest
from .quotations import QUOTATIONS

TMP_PREFIX = ".tmp-"
LOCK = ".lock"
# Files fsynced at once by `sync_tree`: enough for a generation's files to share journal commits; the
# threads only wait on the disk
SYNC_THREADS = 8
# The files an index written before generations keeps beside its manifest; removed once converted.
_LEGACY_FILES = (
    DOCUMENTS,
    CHUNKS,
    DENSE,
    SENTENCES,
    SENTENCE_VECTORS,
    BM25,
    DUPLICATE_CHUNKS,
    SENTENCE_CANONICAL,
    DUPLICATES,
    QUOTATIONS,
)


def publish(index_dir: str | Path, ids: Iterable[str], write: Callable[[Path], dict]) -> list[str]:
    """Write a new generation (`write` fills the folder it is given and returns the manifest) and
    switch `index_dir` to it; returns the ids of the documents the replaced index had that the new
    one, holding the documents `ids`, lacks."""
    index_dir, kept = Path(index_dir), set(ids)
    if not index_dir.is_dir():
        index_dir.mkdir(parents=True, exist_ok=True)
        _fsync_dir(index_dir.parent)  # a first build's folder must survive a crash like its files
    with _locked(index_dir):
        before = _current_manifest(index_dir)
        _clean(index_dir, before)  # what killed builds left behind
        generation = f"{GENERATION_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
        tmp = index_dir / f"{TMP_PREFIX}{generation}"
        try:
            tmp.mkdir()
            manifest = write(tmp)
            # a gen-* folder is always complete: the half-written one never carries that name
            os.replace(tmp, index_dir / generation)
            _fsync_dir(index_dir)
            _switch(index_dir, {**manifest, "generation": generation})
        except BaseException:
            with suppress(OSError):  # never hide why the build failed behind a failed clean-up
                _clean(index_dir, _current_manifest(index_dir))
            raise
        _clean(index_dir, _current_manifest(index_dir))  # the generation just replaced
        _clean_siblings(index_dir)
    return [d["id"] for d in (before or {}).get("documents", []) if d.get("id") not in kept]


def _switch(index_dir: Path, pointer: dict) -> None:
    """Point `index_dir` at a new generation: the one atomic step of a build."""
    tmp = index_dir / f"{TMP_PREFIX}{MANIFEST}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(pointer, indent=2, ensure_ascii=False))
        fh.flush()
        os.fsync(fh.fileno())
    _test_pause("QA_TEST_PAUSE_BEFORE_SWITCH")
    os.replace(tmp, index_dir / MANIFEST)
    _fsync_dir(index_dir)  # the rename itself is durable only once the folder is synced
    _test_pause("QA_TEST_PAUSE_AFTER_SWITCH")


def _test_pause(variable: str) -> None:
    """Test hook, read only here: tests/test_crash.py sets these (seconds) to widen the instants just
    before and just after the switch, so that its SIGKILLs land there for certain. Unset in real use."""
    seconds = os.environ.get(variable)
    if seconds:
        time.sleep(float(seconds))


def _current_manifest(index_dir: Path) -> dict | None:
    """The manifest `index_dir` holds now, or None when it has none or it is unreadable."""
    try:
        return read_manifest(index_dir)
    except (IndexMissingError, IndexIncompatibleError):
        return None


def _clean(index_dir: Path, current: dict | None) -> None:
    """Remove every generation `current` does not name and every temporary file; once the index has
    generations, also the files of the pre-generation layout. Only called with the lock held, so
    nothing removed here is another build's work in progress."""
    live = generation_of(current) if current is not None else None
    for entry in index_dir.iterdir():
        name = entry.name
        stale = (
            name.startswith(TMP_PREFIX)
            or (name.startswith(GENERATION_PREFIX) and name != live)
            or (live is not None and name in _LEGACY_FILES)
        )
        if not stale:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            try:
                entry.unlink()
            except OSError:
                pass


def _clean_siblings(index_dir: Path) -> None:
    """Remove the `.<name>.building-*` / `.<name>.old-*` folders that builds of earlier versions of
    qa left beside the index when killed (they built beside it and swapped folders)."""
    for pattern in (f".{index_dir.name}.building-*", f".{index_dir.name}.old-*"):
        for entry in index_dir.parent.glob(pattern):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    """Hold `index_dir/.lock` exclusively. flock is released by the kernel when its holder dies, so
    a killed build never leaves the index locked."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; builds of one index must not overlap there
        yield
        return
    with open(index_dir / LOCK, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def sync_tree(folder: Path) -> None:
    """fsync every file under `folder`, then every folder deepest first, so bytes and names are durable.

    The files are synced side by side (SYNC_THREADS): one at a time, each fsync waited for its own
    journal commit, ~0.1 s for a generation's two dozen files on this machine's ext4; together their
    commits are shared (~0.03 s). The GIL is free meanwhile."""
    paths = sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True)
    with ThreadPoolExecutor(SYNC_THREADS, thread_name_prefix="qa-fsync") as pool:  # threads start as needed
        list(pool.map(_fsync_file, [p for p in paths if p.is_file()]))  # list(): the first error is raised here
    for path in [p for p in paths if p.is_dir()] + [folder]:
        _fsync_dir(path)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; NTFS journals renames itself
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

"""What a build runs beside its own work, to start sooner: the tiktoken encoding loads in a thread
while spaCy loads (loaded once, whoever asks first), and a generation's files are fsynced side by side
(every file and folder still synced)."""

from __future__ import annotations

import os
import subprocess
import sys

from qa.store.generations import sync_tree

from .conftest import ROOT

_PRELOAD = """
import threading
from qa import chunk
chunk.preload_encoding()
assert any(t.name == "qa-tiktoken" for t in threading.enumerate()) or chunk._load_encoding.cache_info().currsize
first = chunk.encoding()  # waits for the thread's load rather than loading a second copy
assert chunk.encoding() is first and chunk._load_encoding.cache_info().misses == 1
chunk.preload_encoding()  # loaded: no second thread, no second load
assert chunk._load_encoding.cache_info().misses == 1
print(chunk.count_tokens("Where were the October 5 talks supposed to be held?"))
"""


def test_the_encoding_preloaded_in_a_thread_is_loaded_once_and_counts_as_before():
    from qa.chunk import count_tokens

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", _PRELOAD], env=env, capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # the thread prints nothing
    assert int(run.stdout) == count_tokens("Where were the October 5 talks supposed to be held?")


def test_sync_tree_fsyncs_every_file_and_folder(tmp_path, monkeypatch):
    folder = tmp_path / "gen"
    (folder / "bm25").mkdir(parents=True)
    files = [folder / f"part-{n}.npy" for n in range(20)] + [folder / "bm25" / "params.json"]
    for n, path in enumerate(files):
        path.write_bytes(bytes([n]) * (n + 1))
    synced: list[tuple[int, int]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        synced.append((st.st_dev, st.st_ino))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    sync_tree(folder)
    wanted = {(p.stat().st_dev, p.stat().st_ino) for p in [*files, folder, folder / "bm25"]}
    assert wanted <= set(synced)
    # the folders after the files they hold, deepest first
    where = {key: i for i, key in reversed(list(enumerate(synced)))}
    last_file = max(where[(p.stat().st_dev, p.stat().st_ino)] for p in files)
    sub, top = (where[(p.stat().st_dev, p.stat().st_ino)] for p in (folder / "bm25", folder))
    assert last_file < sub < top

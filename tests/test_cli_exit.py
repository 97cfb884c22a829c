"""The `qa` command ends without tearing the interpreter down (qa.cli.run), and still does what an exit
must: its output flushed into a pipe, atexit handlers run, the exit status kept, and a thread that
Python would wait for waited for."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT

# run() as the `qa` script runs it, with an atexit handler registered before and a marker printed after
_RUN = """
import atexit, sys, threading, time
from pathlib import Path
from qa.cli import run
atexit.register(lambda: print("atexit handler ran", flush=True))
if sys.argv[1] == "thread":
    def late(marker=Path(sys.argv[2])):
        time.sleep(0.5)
        marker.write_text("done")
    threading.Thread(target=late).start()
sys.argv = ["qa", *sys.argv[3:]]
run()
print("not reached: run() ends the process")
"""


def _run(*args, mode="plain", marker="unused"):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("QA_EMBEDDER", None)
    return subprocess.run(
        [sys.executable, "-c", _RUN, mode, str(marker), *args], env=env, capture_output=True, text=True, cwd=ROOT
    )


def test_a_command_ends_with_its_output_flushed_and_atexit_run(shipped_index_dir):
    done = _run("ask", "Where were the October 5 talks supposed to be held?", "--index-dir", str(shipped_index_dir))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "Granada" in done.stdout and lines[-1] == "atexit handler ran"  # the answer, block-buffered, came first
    assert "not reached" not in done.stdout


def test_a_failing_command_keeps_its_status_and_message(tmp_path):
    failed = _run("ask", "Who?", "--index-dir", str(tmp_path / "no-index"))
    assert failed.returncode == 1
    assert failed.stderr.startswith("Error: ") and "Traceback" not in failed.stderr
    assert failed.stdout.splitlines()[-1] == "atexit handler ran"
    usage = _run("no-such-command")
    assert usage.returncode == 2 and "No such command" in usage.stderr


def test_a_thread_python_waits_for_is_waited_for(tmp_path):
    marker = tmp_path / "written-by-the-thread"
    done = _run("--version", mode="thread", marker=marker)
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "done" and done.stdout.splitlines()[-1] == "atexit handler ran"

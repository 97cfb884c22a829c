"""Set-up byte-compiles the package (qa/bytecode.py), so that a start of `qa` reads compiled modules
even where PYTHONDONTWRITEBYTECODE keeps Python from caching them itself, and an edited module is
never run from its stale cache."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys

from .conftest import ROOT


def _copy_of_the_package(tmp_path):
    shutil.copytree(ROOT / "qa", tmp_path / "qa", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "qa"


def _python(args, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, cwd=tmp_path)


def test_set_up_compiles_every_module_and_a_start_reads_them(tmp_path):
    package = _copy_of_the_package(tmp_path)
    sources = sorted(package.rglob("*.py"))
    assert not list(package.rglob("*.pyc"))

    run = _python(["-m", "qa.bytecode"], tmp_path)
    assert run.returncode == 0 and run.stdout == run.stderr == "", run.stdout + run.stderr
    missing = [p for p in sources if not os.path.isfile(importlib.util.cache_from_source(str(p)))]
    assert not missing

    # -v names where each module's code came from: the CLI's modules all come from the caches written
    started = _python(["-v", "-c", "import qa.cli"], tmp_path)
    assert started.returncode == 0, started.stderr
    ours = [m for m in re.findall(r"^# code object from '?([^'\n]+)'?$", started.stderr, re.M) if str(package) in m]
    assert any(m.endswith(os.path.join("qa", "__pycache__", f"cli.{sys.implementation.cache_tag}.pyc")) for m in ours)
    assert not [m for m in ours if not m.endswith(".pyc")]  # a module compiled anew names its .py


def test_an_edited_module_is_not_run_from_its_old_cache(tmp_path):
    package = _copy_of_the_package(tmp_path)
    assert _python(["-m", "qa.bytecode"], tmp_path).returncode == 0
    errors = package / "errors.py"
    errors.write_text(errors.read_text(encoding="utf-8") + "\nEDITED_AFTER_SET_UP = 1\n", encoding="utf-8")
    run = _python(["-c", "import qa.errors; print(qa.errors.EDITED_AFTER_SET_UP)"], tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "1", run.stderr


def test_set_up_runs_it():
    script = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert ".venv/bin/python -m qa.bytecode" in script

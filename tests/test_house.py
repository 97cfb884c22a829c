"""The house rules of #24, kept by a scan of the source rather than by memory: the store does not
reach up into the quotation finder, no private name crosses a package or leaves for bench/, no code
tells a backend apart by probing its attributes, and no machine's own path is written down."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "qa"


def _sources(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py") if "__pycache__" not in p.parts)


def _package_of(path: Path) -> tuple[str, ...]:
    """The package a module of qa/ belongs to: ("qa",) for a top-level module, ("qa", "store") …"""
    return path.relative_to(ROOT).parent.parts


def _imported_package(path: Path, node: ast.ImportFrom) -> tuple[str, ...]:
    """The package `node` imports from, resolved against the module at `path`."""
    if node.level == 0:
        parts = tuple((node.module or "").split("."))
    else:
        base = _package_of(path)[: len(_package_of(path)) - (node.level - 1)]
        parts = base + tuple((node.module or "").split(".") if node.module else ())
    # a name imported from a module (qa.store.tables) belongs to its package (qa.store), unless the
    # module is a package's __init__ (qa.store) itself
    target = ROOT.joinpath(*parts)
    return parts if target.is_dir() else parts[:-1]


def test_the_store_does_not_import_the_quotation_finder():
    for path in _sources("qa/store"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert _imported_package(path, node)[:2] != ("qa", "quotations"), f"{path}: imports qa.quotations"


def test_no_private_name_crosses_a_package_or_leaves_for_bench():
    crossings = []
    for path in _sources("qa", "bench"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _imported_package(path, node)
            if source[:1] != ("qa",):
                continue  # a third-party or a bench module
            private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
            inside = path.is_relative_to(PACKAGE) and source == _package_of(path)
            if private and not inside:
                crossings.append(f"{path.relative_to(ROOT)}:{node.lineno} {'.'.join(source)} {private}")
    assert not crossings, "\n".join(crossings)


def test_no_backend_is_told_apart_by_probing_its_attributes():
    probes = []
    for path in _sources("qa", "bench"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("hasattr", "getattr")
            ):
                target = ast.unparse(node.args[0]) if node.args else ""
                if re.search(r"\b(index|store)\b", target):
                    probes.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert not probes, "\n".join(probes)


def test_no_machine_path_is_written_down():
    # a home folder or this machine's work folder; /tmp is where tests make their own folders
    machine = re.compile(r"""["'](?:/work/|/root/|/home/\w+|/Users/\w+|C:\\\\Users)""")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _sources("qa", "bench", "tests")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if machine.search(line) and path.name != "test_house.py"
    ]
    assert not found, found

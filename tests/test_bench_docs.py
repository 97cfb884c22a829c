"""bench/doc_tables.py: each bench script rewrites its own table in docs/benchmarks.md, and nothing else.

A real run of a bench script that updates a copy of the document is in tests/test_serve_load.py (it
starts a server, so it is marked slow); here the writer, its errors, a real result of bench/drafts.py
and a static check that every block of the document has a script that writes it."""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import sys
from datetime import datetime, timezone

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import doc_tables  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
DOC = """# Measured

Some text before, with `code` and a table:

| a | b |
|---|---|
| 1 | 2 |

<!-- table: alpha -->
| old | alpha |
|---|---|

*Command: `python bench/alpha.py`. Table last changed 2026-11-01 (commit 1234567).*
<!-- /table: alpha -->

Between the two, “curly quotes” and trailing spaces\x20\x20
<!-- table: beta/part -->
old beta
<!-- /table: beta/part -->
The end, no newline at the end of the file."""


def write_doc(tmp_path, text: str = DOC, name: str = "bench.md"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_the_writer_replaces_one_block_and_leaves_every_other_byte(tmp_path):
    path = write_doc(tmp_path)
    path.chmod(0o640)
    body = "# Alpha, measured\n\n`python bench/alpha.py --limit 3` — today.\n\n| new | alpha |\n|---|---:|\n| x | 1.000 |\n"
    doc_tables.write_table(path, "alpha", body, "python bench/alpha.py --limit 3", rev="abcdef1")
    new = path.read_bytes()
    old = DOC.encode("utf-8")
    start = old.index(b"<!-- table: alpha -->\n") + len(b"<!-- table: alpha -->\n")
    end = old.index(b"<!-- /table: alpha -->")
    assert new[:start] == old[:start]
    assert new.endswith(old[end:])
    block = new[start : len(new) - len(old[end:])].decode("utf-8")
    assert block.startswith("`python bench/alpha.py --limit 3` — today.\n\n| new | alpha |")  # its title dropped
    assert "| old | alpha |" not in block and "Table last changed" not in block
    assert "\n\n*Command: `python bench/alpha.py --limit 3`. Written by the script on " in block
    assert block.rstrip().endswith(" UTC at commit abcdef1.*")
    assert "old beta" in new.decode("utf-8")  # the other block is not touched
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["bench.md"]  # no temporary file left behind

    again = path.read_bytes()
    doc_tables.write_table(path, "alpha", body, "python bench/alpha.py --limit 3", rev="abcdef1")
    # written twice, the same but for the minute of the date line
    assert path.read_bytes().split(b"Written by")[0] == again.split(b"Written by")[0]


def test_the_stamp_holds_the_command_date_and_commit():
    when = datetime(2026, 12, 5, 9, 41, tzinfo=timezone.utc)
    assert doc_tables.stamp("python bench/perf.py --repeat 3", when, "161caab") == (
        "*Command: `python bench/perf.py --repeat 3`. Written by the script on 2026-12-05 09:41 UTC at commit 161caab.*"
    )
    assert doc_tables.stamp("python bench/perf.py", when, None).endswith("on 2026-12-05 09:41 UTC.*")
    assert doc_tables.command_line("quality/leave-source-out", ["--sets", "shipped", "--out", "a b.md"]) == (
        "python bench/quality.py --sets shipped --out 'a b.md'"
    )


def test_windows_line_endings_stay_windows_line_endings(tmp_path):
    path = write_doc(tmp_path, DOC.replace("\n", "\r\n"))
    doc_tables.write_table(path, "beta/part", "new\nbeta\n", "python bench/beta.py", rev=None)
    new = path.read_bytes()
    assert b"\r\nnew\r\nbeta\r\n\r\n*Command: `python bench/beta.py`." in new
    assert new.count(b"\n") == new.count(b"\r\n")
    assert new.startswith(DOC.replace("\n", "\r\n").split("old beta")[0].encode())


def test_the_real_document_changes_only_inside_the_block_written(tmp_path):
    copy = tmp_path / "benchmarks.md"
    shutil.copyfile(DOCS, copy)
    text = DOCS.read_text(encoding="utf-8")
    for table in doc_tables.markers(text):
        before = copy.read_text(encoding="utf-8")
        start, end = doc_tables.block_span(before, table)
        doc_tables.write_table(copy, table, f"| {table} |\n|---|\n", "python x", rev=None)
        after = copy.read_text(encoding="utf-8")
        assert after[:start] == before[:start] and after.endswith(before[end:])
        assert after[start:].startswith(f"| {table} |\n|---|\n\n*Command: `python x`.")
    assert doc_tables.markers(copy.read_text(encoding="utf-8")) == doc_tables.markers(text)


@pytest.mark.parametrize(
    "text, table, words",
    [
        (DOC, "gamma", ["no marker '<!-- table: gamma -->'", "markers there: alpha, beta/part"]),
        (
            DOC + "\n<!-- table: alpha -->\nx\n<!-- /table: alpha -->\n",
            "alpha",
            ["more than once", "lines 9, 14, 21, 23"],
        ),
        (DOC.replace("<!-- /table: beta/part -->", ""), "beta/part", ["no '<!-- /table: beta/part -->' after it"]),
        ("<!-- /table: alpha -->\n<!-- table: alpha -->\n", "alpha", ["no '<!-- /table: alpha -->' after it"]),
        ("no markers at all\n", "alpha", ["markers there: none"]),
    ],
)
def test_a_missing_doubled_or_unclosed_marker_is_a_one_line_error_naming_it(tmp_path, text, table, words):
    path = write_doc(tmp_path, text)
    with pytest.raises(doc_tables.MarkerError) as caught:
        doc_tables.write_table(path, table, "| x |\n", "python bench/x.py", rev=None)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message
    assert path.read_bytes() == text.encode("utf-8")  # nothing written
    assert [p.name for p in tmp_path.iterdir()] == ["bench.md"]


def _parser():
    parser = argparse.ArgumentParser(prog="bench/alpha.py")
    doc_tables.add_arguments(parser)
    return parser


def test_the_flags_check_the_block_before_the_run(tmp_path, capsys):
    path = write_doc(tmp_path)
    parser = _parser()
    target = doc_tables.from_args(parser, parser.parse_args(["--docs", str(path)]), "alpha", ["--limit", "3"])
    assert target == doc_tables.DocTable(path, "alpha", "python bench/alpha.py --limit 3")
    # by default a run updates docs/benchmarks.md, when its --out is the project's own
    for out in (None, ROOT / "bench" / "serve_load.md"):
        target = doc_tables.from_args(parser, parser.parse_args([]), "serve_load", [], out)
        assert target == doc_tables.DocTable(DOCS, "serve_load", "python bench/serve_load.py")
    # a scratch --out outside the checkout is a trial run: the document is left alone, unless --docs says
    assert doc_tables.from_args(parser, parser.parse_args([]), "serve_load", [], tmp_path / "x.md") is None
    assert "docs/benchmarks.md left alone" in capsys.readouterr().err
    explicit = doc_tables.from_args(parser, parser.parse_args(["--docs", str(path)]), "alpha", [], tmp_path / "x.md")
    assert explicit is not None and explicit.docs == path
    assert doc_tables.from_args(parser, parser.parse_args(["--no-docs"]), "gamma") is None
    with pytest.raises(SystemExit) as caught:
        doc_tables.from_args(parser, parser.parse_args(["--docs", str(path)]), "gamma")
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "no marker '<!-- table: gamma -->'" in err and "--no-docs" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        doc_tables.from_args(parser, parser.parse_args(["--docs", str(tmp_path / "missing.md")]), "alpha")
    assert "missing.md" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--docs", str(path), "--no-docs"])


def test_a_block_lost_during_the_run_is_a_one_line_error(tmp_path, capsys):
    path = write_doc(tmp_path)
    target = doc_tables.from_args(_parser(), _parser().parse_args(["--docs", str(path)]), "alpha")
    path.write_text("someone removed the markers\n", encoding="utf-8")
    with pytest.raises(SystemExit) as caught:
        target.write("| x |\n")
    assert str(caught.value).startswith(f"Error: could not update {path}: ") and "\n" not in str(caught.value)


def test_a_bench_script_stops_at_once_when_its_block_is_missing(tmp_path, capsys):
    import serve_load

    path = write_doc(tmp_path)
    with pytest.raises(SystemExit) as caught:
        serve_load.main(["--docs", str(path), "--index-dir", str(tmp_path / "no-index")])
    assert caught.value.code == 2
    assert "no marker '<!-- table: serve_load -->'" in capsys.readouterr().err
    assert not (tmp_path / "no-index").exists()  # it stopped before building or serving anything


def test_a_real_drafts_result_updates_its_two_blocks(tmp_path, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # bench/drafts.py sets it on import; undone after
    import drafts

    report = json.loads((ROOT / "bench" / "drafts.json").read_text(encoding="utf-8"))  # a real run's figures
    copy = tmp_path / "benchmarks.md"
    shutil.copyfile(DOCS, copy)
    parser = argparse.ArgumentParser()
    doc_tables.add_arguments(parser)
    args = parser.parse_args(["--docs", str(copy)])
    sections = drafts.doc_markdown(report)
    for table in ("drafts/held-out", "drafts/news"):
        doc_tables.from_args(parser, args, table, ["--summary-only"]).write(sections[table])
    text = copy.read_text(encoding="utf-8")
    start, end = doc_tables.block_span(text, "drafts/held-out")
    held = text[start:end]
    assert f"**{report['calibrated_support_min']}**" in held and "| verbatim | 179 | 179 | 1.000 |" in held
    assert "Command: `python bench/drafts.py --summary-only`." in held
    start, end = doc_tables.block_span(text, "drafts/news")
    cosine = report["news"]["rates"]["semantic"]
    row = (
        f"| meaning alone (cosine) | {cosine['threshold']:.3f} | {cosine['source_hit_at_1']:.3f} | "
        f"{cosine['unsupported_flagged']:.3f} | {cosine['supported_flagged']:.3f} |"
    )
    assert row in text[start:end]
    assert "Each half and set" not in text  # the per-half table stays in bench/drafts.md
    assert drafts.markdown(report) == (ROOT / "bench" / "drafts.md").read_text(encoding="utf-8")


def _tables_written(path) -> set[str]:
    """The table names a script passes to doc_tables.from_args (third argument) or to
    set_runs.main_over_sets (table=), read from its source."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        args = []
        if func == "from_args" and len(node.args) >= 3:
            args = [node.args[2]]
        elif func == "main_over_sets":
            args = [k.value for k in node.keywords if k.arg == "table"]
        for arg in args:
            names |= {c.value for c in ast.walk(arg) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return names


def _writes(path) -> bool:
    """Whether the source calls `<name>.write(...)`: a DocTable's write (not Path.write_text)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "write" for n in ast.walk(tree)
    )


def test_every_block_of_the_document_is_written_by_the_script_it_names():
    text = DOCS.read_text(encoding="utf-8")
    tables = doc_tables.markers(text)
    assert len(tables) == len(set(tables)) >= 9
    for table in tables:
        assert doc_tables.NAME.fullmatch(table), table
        script = ROOT / doc_tables.script_of(table)
        assert script.is_file(), f"block {table!r}: no script {script}"
        assert table in _tables_written(script), f"{script.name} never writes block {table!r}"
        assert _writes(script) or _writes(ROOT / "bench" / "set_runs.py")
        start, end = doc_tables.block_span(text, table)
        assert text[start:end].rstrip().split("\n")[-1].startswith("*Command: `"), table
    # and the other way: a script that writes a table has its block here (else it stops before its run)
    for script in (ROOT / "bench").glob("*.py"):
        for table in _tables_written(script):
            assert table in tables, f"{script.name} writes {table!r}, which docs/benchmarks.md lacks"
    assert _writes(ROOT / "bench" / "set_runs.py") and "from_args" in (ROOT / "bench" / "set_runs.py").read_text()


def test_the_listing_names_each_block_its_script_and_command(capsys):
    assert doc_tables.main([str(DOCS)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(doc_tables.markers(DOCS.read_text(encoding="utf-8")))
    # the command each block was last written with changes with every run; its script does not
    assert any(line.startswith("quality\tbench/quality.py\tpython bench/quality.py") for line in out)
    assert any(line.startswith("drafts/news\tbench/drafts.py\tpython bench/drafts.py") for line in out)

"""bench/serve_load.py: several gradio_client users at once against a real `qa serve` on loopback.
It asserts that every question comes back as a well-formed answer record, never how fast."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

import doc_tables  # noqa: E402
import serve_load  # noqa: E402


@pytest.mark.slow
def test_concurrent_users_all_get_answers(shipped_index_dir, tmp_path):
    out, table, docs = tmp_path / "load.json", tmp_path / "load.md", tmp_path / "benchmarks.md"
    shutil.copyfile(ROOT / "docs" / "benchmarks.md", docs)  # the run rewrites its table in this copy
    argv = [
        "--users",
        "4",
        "--questions",
        "3",
        "--index-dir",
        str(shipped_index_dir),
        "--json",
        str(out),
        "--out",
        str(table),
        "--docs",
        str(docs),
    ]
    code = serve_load.main(argv)
    res = json.loads(out.read_text(encoding="utf-8"))
    load = res["load"]
    assert code == 0, load["error_samples"]
    assert load["errors"] == 0 and load["answered"] == load["asked"] == 12
    assert load["well_formed"] == 12  # each holds quotes or says it cannot answer
    assert 0 < load["p50_ms"] <= load["p95_ms"] and load["throughput_qps"] > 0
    assert res["baseline"]["rate_qps"] > 0
    md = table.read_text(encoding="utf-8")
    assert "| errors | 0 of 12 |" in md and "| throughput |" in md and "| latency p95 |" in md
    text = docs.read_text(encoding="utf-8")
    start, end = doc_tables.block_span(text, "serve_load")
    assert text[start:end].startswith(md.rstrip("\n"))  # the table the run wrote, then its command line
    assert f"*Command: `{doc_tables.command_line('serve_load', argv)}`. Written by the script on " in text[start:end]
    old = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    old_start, old_end = doc_tables.block_span(old, "serve_load")
    assert text[:start] == old[:old_start] and text[end:] == old[old_end:]


def test_the_plan_spreads_questions_over_users():
    questions = serve_load.load_questions()
    assert len(questions) >= 80
    plan = serve_load.make_plan(questions, 4, 3)
    assert [len(qs) for qs in plan] == [3, 3, 3, 3]
    assert len({q for qs in plan for q in qs}) == 12  # users ask different questions at once
    wrapped = serve_load.make_plan(questions[:5], 3, 3)  # more asked than the set holds: it goes round
    assert [q for qs in wrapped for q in qs] == questions[:5] + questions[:4]

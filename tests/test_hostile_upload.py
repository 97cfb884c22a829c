"""Uploads under attack, through a real `qa serve` in a process of its own and a real browser (issue 26,
items 2, 3, 5 and 8): bad names, a JSONL line claiming an article's id, a zip bomb, Gradio's copies, and
a server that must see `qa remove` run beside it.

The server runs from a working folder that holds Gradio's upload folder, as a server started from /tmp
does: there Gradio refused every upload whose name starts with a dot, and the page showed only "Error".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import CORPUS
from .test_app_api import free_port, stop
from .test_app_browser import browser, open_tab  # noqa: F401 - the module's browser fixture
from .test_hostile_archive import bomb_docx

pytestmark = pytest.mark.browser

OCTOBER = "Where were the October 5 talks supposed to be held?"
FAKE_LINE = {
    "id": "000_f5edb748992077ea.txt",
    "source": "The Kyiv Independent",
    "text": "The talks between the leaders were held on Oct. 5 in Reykjavik, officials said on Monday.",
}
MB = 1024 * 1024


def _article(folder: Path, name: str, town: str, boats: int) -> Path:
    path = folder / name
    path.write_text(
        f"Harbour news from {town}\n\nThe harbour of {town} counted {boats:,} fishing boats on Monday, "
        f"the port office of {town} said in a statement.\n\nHarbour master Ilse Varga said the boats of "
        f"{town} came back early because of the storm.\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def server(shipped_index_dir, tmp_path_factory):
    """`qa serve` over a copy of the shipped index and corpus; yields (url, base folder, process)."""
    base = tmp_path_factory.mktemp("hostile_upload")
    cwd, corpus, index = base / "cwd", base / "corpus", base / "index"
    cwd.mkdir()
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(shipped_index_dir, index)
    port = free_port()
    env = dict(
        os.environ,
        QA_CORPUS_DIR=str(corpus),
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
        GRADIO_TEMP_DIR=str(cwd / "gradio-uploads"),
    )
    log = open(base / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "serve", "--port", str(port), "--index-dir", str(index)],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while proc.poll() is None and "Running on" not in (base / "server.log").read_text():
            time.sleep(0.5)
        assert proc.poll() is None, (base / "server.log").read_text()
        from gradio_client import Client

        Client(url, verbose=False).predict(OCTOBER, 1, api_name="/ask")  # the index is open, the models loaded
        yield url, base, proc
    finally:
        stop(proc)
        log.close()


@pytest.fixture
def page(browser, server):  # noqa: F811
    context, page = open_tab(browser, server[0], ready="__qaHandlers", tab="Ask", selector="#qa-question textarea")
    if not page.locator("#qa-upload").is_visible():  # "Add articles" opens by itself while the index opens
        page.click("#qa-add button, #qa-add .label-wrap")
    page.wait_for_selector("#qa-upload input[type=file]", state="attached")
    yield page
    context.close()


def upload(page, *files: Path, replace: str = "") -> str:
    """Upload `files` through the page; the report once it changed (the box is checked to be emptied)."""
    if replace or page.locator("#qa-replace").count():
        page.fill("#qa-replace textarea", replace)
    before = page.locator("#qa-upload-report").inner_text()
    page.set_input_files("#qa-upload input[type=file]", [str(f) for f in files])
    page.wait_for_function(
        "b => { const r = document.querySelector('#qa-upload-report');"
        " return r && r.innerText.trim() && r.innerText !== b; }",
        arg=before,
    )
    # emptied after the attempt, so the next upload does not carry this one along
    page.wait_for_function("() => !document.querySelector('#qa-upload .file-preview, #qa-upload table')")
    return page.locator("#qa-upload-report").inner_text()


def ask(url: str, question: str, k: int = 5) -> dict:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question, k, api_name="/ask")


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


def test_names_with_dots_and_backslashes_are_saved_safely_and_the_box_is_emptied(page, server, tmp_path):
    url, base, _proc = server
    files = tmp_path / "files"
    files.mkdir()
    hidden = _article(files, ".hidden.txt", "Quellmoor", 1111)
    windows = _article(files, "..\\..\\x.txt", "Vikhavn", 2222)
    plain = _article(files, "plain.txt", "Nordvik", 3333)
    first = upload(page, hidden)
    assert "Error" not in first and "Added 1 article: hidden.txt" in first and ".hidden.txt → hidden.txt" in first
    second = upload(page, windows)
    assert "Error" not in second and "Added 1 article: x.txt" in second
    third = upload(page, plain)  # the files before did not ride along
    assert "Added 1 article: plain.txt" in third and "hidden" not in third and "x.txt" not in third
    saved = sorted(p.name for p in (base / "corpus" / "uploads").iterdir())
    assert saved == ["hidden.txt", "plain.txt", "x.txt"]
    assert "uploads/x.txt" in {
        q["doc_id"] for q in ask(url, "How many fishing boats did the harbour of Vikhavn count?")["quotes"]
    }
    # Gradio's copies of what was uploaded are gone once handled: only the corpus keeps the files
    leftovers = [p for p in (base / "cwd" / "gradio-uploads").rglob("*") if p.is_file()]
    assert not [p for p in leftovers if p.suffix == ".txt"], leftovers


def test_a_jsonl_line_cannot_take_an_articles_id_and_a_named_replacement_can(page, server, tmp_path):
    url, base, _proc = server
    notes = tmp_path / "notes.jsonl"
    notes.write_text(json.dumps(FAKE_LINE) + "\n", encoding="utf-8")
    report = upload(page, notes)
    assert "notes.jsonl:1: document id '000_f5edb748992077ea.txt' is already held by 000_f5edb748992077ea.txt" in report
    assert not (base / "corpus" / "uploads" / "notes.jsonl").exists()
    answer = ask(url, OCTOBER)
    assert "Reykjavik" not in json.dumps(answer)
    assert any("Granada" in q["text"] for q in answer["quotes"])

    # an upload of a name already in uploads/ is saved beside it, unless that name is given to be replaced
    _article(tmp_path, "plain.txt", "Sandvika", 4444)
    beside = upload(page, tmp_path / "plain.txt")
    assert "plain-2.txt" in beside
    _article(tmp_path, "plain.txt", "Kalvhamn", 5555)
    replaced = upload(page, tmp_path / "plain.txt", replace="plain.txt")
    assert "Replaced, as you asked: plain.txt" in replaced
    assert "Kalvhamn" in (base / "corpus" / "uploads" / "plain.txt").read_text()
    assert not (base / "corpus" / "uploads" / "plain-3.txt").exists()
    quotes = ask(url, "How many fishing boats did the harbour of Kalvhamn count?")["quotes"]
    assert quotes and quotes[0]["doc_id"] == "uploads/plain.txt" and "5,555" in quotes[0]["text"]
    old = ask(url, "How many fishing boats did the harbour of Nordvik count?")
    assert "3,333" not in json.dumps(old) and "Nordvik" not in json.dumps(old["quotes"])  # the replaced text is gone


def test_a_zip_bomb_is_refused_and_the_server_gives_its_memory_back(page, server, tmp_path):
    """The probe's 326 KB .docx of 190 MB XML took the server from 672 MB to 5.07 GB, and it kept 4.9 GB."""
    _url, _base, proc = server
    bomb = tmp_path / "report.docx"
    bomb.write_bytes(bomb_docx(190))
    assert bomb.stat().st_size < MB
    before = _rss_mb(proc.pid)
    report = upload(page, bomb)
    assert "report.docx: word/document.xml unpacks to 190 MB of XML" in report and "zip bomb" in report
    assert _rss_mb(proc.pid) - before < 200


def test_the_server_sees_an_outside_removal_and_an_upload_does_not_bring_it_back(page, server, tmp_path):
    url, base, _proc = server
    question = "How many fishing boats did the harbour of Quellmoor count?"
    assert ask(url, question)["quotes"][0]["doc_id"] == "uploads/hidden.txt"
    removed = subprocess.run(
        [sys.executable, "-m", "qa.cli", "remove", "uploads/hidden.txt", "--index-dir", str(base / "index")],
        capture_output=True,
        text=True,
        env=dict(os.environ, QA_CORPUS_DIR=str(base / "corpus")),
    )
    assert removed.returncode == 0, removed.stderr
    assert not any(q["doc_id"] == "uploads/hidden.txt" for q in ask(url, question)["quotes"])
    upload(page, _article(tmp_path, "later.txt", "Skjervik", 6666))
    assert not any(q["doc_id"] == "uploads/hidden.txt" for q in ask(url, question)["quotes"])
    assert (
        ask(url, "How many fishing boats did the harbour of Skjervik count?")["quotes"][0]["doc_id"]
        == "uploads/later.txt"
    )
    log = (base / "server.log").read_text()
    assert "was changed by another process; reloaded it" in log
    assert "Traceback" not in log

"""A hostile corpus: a real folder full of what people keep next to their articles, and what an
upload from anyone may hold. Every good file is indexed and answerable, every bad file is exactly one
line naming it (and its line), nothing hangs or crashes, and `qa index` stays within bounded memory
on megabytes of unusual text."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.ingest import load_corpus
from qa.ingest.problems import shown

from .conftest import ROOT
from .test_pdf_docx import GOOD_PDF, docx_bytes, encrypted_pdf, pdf_bytes

MB = 1_000_000
HARBOUR = (
    "Harbour reopens after the storm\n\n"
    "The harbour of Port Ellen reopened on Monday after the storm, the council said in a statement.\n\n"
    "Fishing boats returned to their moorings by the afternoon, and the ferry office opened again.\n"
)
ARTICLE_HTML = (
    "<html><head><title>Oban lighthouse</title></head><body><nav><a href='/'>Home</a></nav><article>"
    "<h1>Oban lighthouse</h1><p>The lighthouse keepers of Oban counted four hundred gulls along the "
    "western shore during the spring survey this year.</p><p>The survey is repeated every spring by "
    "volunteers from the town, who walk the whole shore in two days.</p></article></body></html>"
)
WIRE_LINE = {
    "id": "wire-1",
    "title": "Kelp harvest",
    "text": "The kelp harvest on Jura doubled this year, "
    "according to the growers' association. Prices held steady through the autumn.",
}
BIG_LINE = "Fishermen in Oban say the season was the worst in a decade. Prices at the market rose by a third. "

# good files: id -> a phrase of its text
GOOD = {
    "good/harbour.txt": "Port Ellen reopened on Monday",
    "good/bom.txt": "saved with a byte order mark",
    "good/café – notes.md": "The distillery on Islay",
    "good/page.html": "counted four hundred gulls",
    "wire-1": "kelp harvest on Jura doubled",
    "wire-2": "The pier at Craighouse",
    "good/report.pdf": "ferry (line 4) to Islay runs again",
    "good/notes.docx": "Lighthouse repairs in Oban",
    "good/big-line.txt": "the worst in a decade",
    "good/inside-link.txt": "Port Ellen reopened on Monday",  # a link that stays in the corpus is followed
    "sub/deeper/nested.txt": "The causeway to the island",
    # other encodings than UTF-8, read (issue 26): what Windows saves as "Unicode", Latin-1 and cp1252
    "good/utf16.txt": "A story in UTF-16 with a byte order mark.",
    "good/utf16be.md": "Big endian text about the harbour.",
    "u16": "A JSON line saved in UTF-16.",
    "good/latin1.txt": "Café crème in Port Ellen.",
    "good/cp1252.md": "He said “no” twice.",
    "good/nested.html": "The talks were held in Granada on Thursday",  # 10,000 elements deep
}


def _zip_bytes() -> bytes:
    zipped = tempfile.SpooledTemporaryFile()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("a.txt", "zipped text " * 50)
    zipped.seek(0)
    return zipped.read()


def _bad_bytes() -> dict[str, tuple[bytes, str]]:
    """Files that are bad for what they hold: name -> (content, pattern of their one problem line)."""
    return {**_bad_text_files(), **_bad_structured_files()}


def _bad_text_files() -> dict[str, tuple[bytes, str]]:
    """Text and HTML that is empty, binary, in another encoding, or holds no article."""
    utf8_not = r": not valid UTF-8 \(byte 0x[0-9a-f]{2} at offset \d+\); re-save the file as UTF-8$"
    return {
        "binary.txt": (bytes(range(256)) * 4, r": binary file \(it contains NUL bytes\)"),
        "empty.txt": (b"", r": empty file"),
        "spaces.md": (b"  \n\t\n   \n", r": empty file"),
        "crlf.txt": (b"\r\n\r\n\r\n", r": empty file"),
        "utf16-damaged.txt": (b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8", r": damaged UTF-16"),
        "utf16-nobom.txt": ("No byte order mark here.".encode("utf-16-le"), r": binary file"),
        "cyrillic-short.txt": ("Привет, мир".encode("cp1251"), r": encoding unclear: not UTF-8, and it reads as "),
        "greek-short.md": ("Καλημέρα κόσμε".encode("cp1253"), r": encoding unclear: not UTF-8, and it reads as "),
        "damaged-utf8.txt": ("Café “quoted”".encode() + b" and \xe9 here.", r":1" + utf8_not),
        "shift-jis.txt": ("港の記事です。".encode("shift_jis"), r":1" + utf8_not),
        "overlong.txt": (b"Slash \xc0\xaf here.", r":1" + utf8_not),
        "cesu-surrogate.txt": (b"Surrogate \xed\xa0\x80 bytes.", r":1" + utf8_not),
        "latin1.html": ("<p>Caf\xe9</p>".encode("latin-1"), r": no article text found"),  # read, but no article
        "png-renamed.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r": binary file"),
        "boilerplate.txt": (b"Subscribe\n* indicates required\nSkip to content\n", r": no article text left"),
        "rules-only.md": (b"---\n***\n* * *\n", r": no article text left"),
        "scripts.html": (
            b"<html><head><script>var a = 1;</script></head><body><script>alert(1)</script>"
            b"<noscript>Enable JavaScript.</noscript></body></html>",
            r": no article text found",
        ),
        "unclosed.html": (("<html><body>" + "<div><span>" * 10_000 + "hello").encode(), r": no article text found"),
        "empty-tags.html": (b"<html></html>", r": no article text found"),
        "zip-renamed.txt": (_zip_bytes(), r": binary file"),
    }


def _bad_structured_files() -> dict[str, tuple[bytes, str]]:
    """Bad JSONL lines, PDFs and Word files that are not what they say, unsupported types, bad names."""
    jsonl = lambda obj: (json.dumps(obj) + "\n").encode()  # noqa: E731
    return {
        "surrogate.jsonl": (
            b'{"id": "s", "text": "Broken \\ud800 here"}\n',
            r":1: field 'text' holds a lone surrogate \(\\ud800\) at character 8",
        ),
        "surrogate-title.jsonl": (
            b'{"id": "t", "title": "\\udfff", "text": "Fine text."}\n',
            r":1: field 'title' holds a lone surrogate",
        ),
        "surrogate-id.jsonl": (b'{"id": "a\\udc80", "text": "Fine text."}\n', r":1: field 'id' contains a lone"),
        "nul.jsonl": (b'{"id": "n", "text": "Null \\u0000 char"}\n', r":1: field 'text' holds a NUL character"),
        "control-id.jsonl": (
            b'{"id": "two\\nlines", "text": "Fine text."}\n',
            r":1: field 'id' contains a control character \(U\+000A\)",
        ),
        "long-id.jsonl": (jsonl({"id": "x" * 5000, "text": "Fine."}), r":1: field 'id' is 5000 characters long"),
        "text-number.jsonl": (jsonl({"id": "a", "text": 42}), r":1: field 'text' must be a string, not a number"),
        "text-object.jsonl": (jsonl({"id": "a", "text": {"p": 1}}), r":1: field 'text' must be a string, not an obj"),
        "id-bool.jsonl": (jsonl({"id": True, "text": "Yes."}), r":1: field 'id' must be a string"),
        "id-null.jsonl": (jsonl({"id": None, "text": "Yes."}), r":1: field 'id' must be a string, not null"),
        "title-list.jsonl": (jsonl({"id": "a", "text": "Yes.", "title": ["x"]}), r":1: field 'title' must be a str"),
        "no-text.jsonl": (jsonl({"id": "a"}), r":1: missing field 'text'"),
        "array.jsonl": (b'["id", "text"]\n', r":1: expected a JSON object with 'id' and 'text', got a list"),
        "null.jsonl": (b"null\n", r":1: expected a JSON object .* got null"),
        "truncated.jsonl": (b'{"id": "a", "text": "cut o\n', r":1: malformed JSON"),
        "deep.jsonl": (b'{"id": "d", "text": ' + b"[" * 200_000 + b"\n", r":1: (JSON nested too deeply|malformed)"),
        "all-bad.jsonl": (b"{\n[1]\n42\n", r": no usable line: all 3 lines are bad, the first at line 1"),
        "blank.jsonl": (b"\n  \n\n", r": empty file"),
        "zz-dup.jsonl": (jsonl(WIRE_LINE), r":1: duplicate document id 'wire-1' \(also in good/wire.jsonl:1\)"),
        "cut.pdf": (GOOD_PDF[: len(GOOD_PDF) // 2], r": truncated PDF"),
        "locked.pdf": (encrypted_pdf(GOOD_PDF, "secret"), r": password-protected PDF"),
        "scan.pdf": (pdf_bytes([[], [], []]), r": no text layer on any of its 3 page\(s\)"),
        "fake.pdf": (b"Plain text with a .pdf name.\n", r": not a PDF file"),
        "fake.docx": (b"Plain text with a .docx name.\n", r": not a Word .docx file \(not a zip"),
        "zip.docx": (_zip_bytes(), r": not a Word .docx file \(no word/document.xml\)"),
        "image.png": (b"\x89PNG\r\n\x1a\n", r": unsupported file type '.png'"),
        "archive.tar.gz": (b"\x1f\x8b\x08\x00", r": unsupported file type '.gz'"),
        "data.json": (b'{"id": 1}', r": unsupported file type '.json'"),
        "README": (b"Read me.\n", r": unsupported file type \(no extension\)"),
        "new\nline.txt": (HARBOUR.encode(), r"^new\\nline\.txt: file name contains a control character \(U\+000A\)"),
        "esc\x1b[31mred.txt": (HARBOUR.encode(), r"^esc\\x1b\[31mred\.txt: file name contains a control character"),
        "evil\u202etxt.md": (HARBOUR.encode(), r"^evil\\u202etxt\.md: file name contains a control character"),
    }


def _write_special(corpus: Path, outside: Path) -> dict[str, str]:
    """Links, loops, a FIFO, a socket, a device, an oversized sparse file, a name that is not UTF-8."""
    expected = {}

    def link(name: str, target: str, pattern: str):
        (corpus / name).symlink_to(target)
        expected[name] = pattern

    link("outside.txt", str(outside / "secret.txt"), r": symlink to '.*secret\.txt', outside the corpus folder")
    link("outside-dir", str(outside), r": symlink to '.*outside', outside the corpus folder")
    link("etc-passwd.txt", "/etc/passwd", r": symlink to '/etc/passwd', outside the corpus folder")
    link("loop-a.txt", "loop-b.txt", r": symlink loop")
    link("loop-b.txt", "loop-a.txt", r": symlink loop")
    link("self.txt", "self.txt", r": symlink loop")
    link("dangling.txt", "gone.txt", r": broken symlink: its target 'gone\.txt' does not exist")
    link("sub/up", "..", r": a second way into folder '\.' \(a link to it, or a loop\)")
    os.mkfifo(corpus / "pipe.txt")
    expected["pipe.txt"] = r": a FIFO \(named pipe\), not a file; skipped without opening it"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(corpus / "socket.txt"))
    expected["socket.txt"] = r": a socket, not a file"
    try:
        os.mknod(corpus / "null-device.txt", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        expected["null-device.txt"] = r": a character device, not a file"
    except (PermissionError, OSError):
        pass  # no device nodes without the privilege: the other special files still stand for it
    with open(corpus / "huge.txt", "wb") as fh:
        fh.truncate(60 * 1024 * 1024)  # sparse: refused by its size before a byte is read
    expected["huge.txt"] = r": file is 60\.0 MB, over the 50 MB limit"
    fd = os.open(bytes(corpus) + b"/latin1-name-\xe9.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, HARBOUR.encode())
    os.close(fd)
    expected["latin1-name-\\udce9.txt"] = r": file name contains bytes that are not UTF-8"
    return expected


def _write_good(corpus: Path) -> None:
    good = corpus / "good"
    good.mkdir(parents=True)
    (good / "harbour.txt").write_text(HARBOUR)
    (good / "bom.txt").write_bytes("\ufeffA file saved with a byte order mark, in Windows style.\r\n".encode())
    (good / "café – notes.md").write_text("The distillery on Islay opened a new warehouse for its casks in May.\n")
    (good / "page.html").write_text(ARTICLE_HTML)
    wire2 = {"id": "wire-2", "text": "The pier at Craighouse will be rebuilt next year with money from the council."}
    lines = [
        json.dumps(WIRE_LINE),
        '{"id": "x", "text": ',
        json.dumps({"id": "y", "text": 7}),
        json.dumps(wire2),
        json.dumps(WIRE_LINE),
        '{"id": "z", "text": "bad \\ud800"}',
    ]
    (good / "wire.jsonl").write_text("\n".join(lines) + "\n")
    (good / "report.pdf").write_bytes(GOOD_PDF)
    (good / "notes.docx").write_bytes(docx_bytes(["Lighthouse repairs in Oban will finish in May, the council said."]))
    (good / "big-line.txt").write_text((BIG_LINE * (2 * MB // len(BIG_LINE))).strip() + "\n")  # one 2 MB line
    (good / "inside-link.txt").symlink_to("harbour.txt")
    (corpus / "sub" / "deeper").mkdir(parents=True)
    (corpus / "sub" / "deeper" / "nested.txt").write_text("The causeway to the island floods at every spring tide.\n")
    (good / "utf16.txt").write_bytes("A story in UTF-16 with a byte order mark.\r\n".encode("utf-16"))
    (good / "utf16be.md").write_bytes(b"\xfe\xff" + "Big endian text about the harbour.".encode("utf-16-be"))
    (good / "utf16.jsonl").write_bytes('{"id": "u16", "text": "A JSON line saved in UTF-16."}\n'.encode("utf-16"))
    (good / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me in Port Ellen.".encode("latin-1"))
    (good / "cp1252.md").write_bytes("He said \u201cno\u201d twice.".encode("cp1252"))
    (good / "nested.html").write_text(
        "<html><body>" + "<div>" * 10_000 + "The talks were held in Granada on "
        "Thursday, both leaders said." + "</div>" * 10_000 + "</body></html>"
    )
    # hidden: skipped and counted, never read
    (corpus / ".hidden.txt").write_bytes(b"\x00 not even text")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (corpus / "sub" / ".draft.md").write_text(HARBOUR)


# problems of single lines of good/wire.jsonl (its other lines load)
WIRE_PROBLEMS = {
    2: r"malformed JSON",
    3: r"field 'text' must be a string, not a number",
    5: r"duplicate document id 'wire-1' \(also in good/wire.jsonl:1\)",
    6: r"field 'text' holds a lone surrogate",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(corpus folder, {problem path: pattern}) of a corpus with 11 good documents and 60-odd bad files."""
    base = tmp_path_factory.mktemp("hostile")
    corpus, outside = base / "corpus", base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("A secret outside the corpus folder, never to be indexed.\n")
    _write_good(corpus)
    expected = {}
    for name, (data, pattern) in _bad_bytes().items():
        (corpus / name).write_bytes(data)
        expected[shown(name)] = pattern  # a name with a control character is printed escaped
    expected.update(_write_special(corpus, outside))
    return corpus, expected


def test_every_bad_file_is_one_line_and_every_good_file_loads(hostile):
    corpus, expected = hostile
    assert len(expected) >= 50
    result = load_corpus([corpus])
    docs = {d.id: d for d in result.documents}
    assert sorted(docs) == sorted(GOOD)
    for doc_id, phrase in GOOD.items():
        assert phrase in docs[doc_id].text, doc_id
    assert result.skipped_hidden == 3  # .hidden.txt, .git/, sub/.draft.md
    messages = [str(p) for p in result.problems]
    assert all("\n" not in m and "\r" not in m and "\x1b" not in m for m in messages), messages
    by_file: dict[str, list[str]] = {}
    for p in result.problems:
        by_file.setdefault(p.path, []).append(str(p))
    wire = by_file.pop("good/wire.jsonl")
    assert sorted(int(m.split(":")[1]) for m in wire) == sorted(WIRE_PROBLEMS)  # one line per bad line
    for m in wire:
        assert re.search(WIRE_PROBLEMS[int(m.split(":")[1])], m), m
    assert sorted(by_file) == sorted(expected), set(by_file) ^ set(expected)
    for name, pattern in expected.items():
        [line] = by_file[name]  # exactly one line per bad file
        assert line.startswith(name) and re.search(pattern, line), (name, line)
    assert "secret" not in " ".join(d.text for d in docs.values())


@pytest.mark.slow
def test_good_files_are_indexed_answerable_and_summarised(hostile, tmp_path, config):
    from qa.api import Assistant
    from qa.render import quote_citation

    corpus, expected = hostile
    assistant, problems = Assistant.from_corpus([corpus], tmp_path / "index", config)
    assert len(problems) == len(expected) + len(WIRE_PROBLEMS)
    assert set(assistant.documents) == set(GOOD)
    for question, doc_id, phrase in [
        ("How many gulls did the lighthouse keepers of Oban count?", "good/page.html", "four hundred gulls"),
        ("What happened to the kelp harvest on Jura?", "wire-1", "doubled"),
        ("When does the ferry to Islay run again?", "good/report.pdf", "Tuesday"),
    ]:
        quote = assistant.ask(question, k=3).quotes[0]
        doc = assistant.documents[quote.doc_id]
        assert quote.doc_id == doc_id and phrase in quote.text, (question, quote)
        assert doc.text[quote.start : quote.end] == quote.text
    pdf_quote = assistant.ask("When does the ferry to Islay run again?", k=1).quotes[0]
    assert ", p. 3, " in quote_citation(pdf_quote, assistant.documents["good/report.pdf"])
    # `qa index` on the same corpus reuses that index, and ends with a grouped summary
    run = CliRunner().invoke(cli, ["index", str(corpus), "--index-dir", str(tmp_path / "index")])
    assert run.exit_code == 0, run.output
    summary = run.output.strip().splitlines()[-1]
    n = len(expected) + len(WIRE_PROBLEMS)
    assert re.match(rf"Skipped {n} file\(s\) or line\(s\), listed above: \d+ ", summary), summary
    for kind in ("not UTF-8 text", "symlink not followed", "not a regular file", "bad JSONL line", "bad file name"):
        assert kind in summary
    assert summary.endswith("; 3 hidden file(s) or folder(s) not read")
    assert f"Indexed {len(GOOD)} documents" in run.output and "Traceback" not in run.output


def _load_as_nobody(corpus: Path) -> dict:
    """load_corpus(corpus) in a forked child that has dropped root for user `nobody` (65534).

    A fork, not a new interpreter: the interpreter may live where `nobody` cannot reach it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            result = load_corpus([corpus], allow_empty=True)
            out = {"docs": [d.id for d in result.documents], "problems": [str(p) for p in result.problems]}
            os.write(write_end, json.dumps(out).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return json.loads(data)


def test_unreadable_files_and_folders_are_one_line_each():
    base = Path(tempfile.mkdtemp(prefix="qa-unreadable-"))  # not under pytest's private tmp: `nobody` reads it
    try:
        base.chmod(0o755)
        (base / "good.txt").write_text(HARBOUR)
        (base / "secret.txt").write_text(HARBOUR)
        (base / "locked").mkdir()
        (base / "locked" / "inside.txt").write_text(HARBOUR)
        (base / "secret.txt").chmod(0o000)
        (base / "locked").chmod(0o000)
        if os.geteuid() == 0:
            out = _load_as_nobody(base)
        else:
            if os.access(base / "secret.txt", os.R_OK):
                pytest.skip("this user reads files with mode 000 (a capability), so nothing is unreadable")
            result = load_corpus([base], allow_empty=True)
            out = {"docs": [d.id for d in result.documents], "problems": [str(p) for p in result.problems]}
        assert out["docs"] == ["good.txt"]
        assert sorted(out["problems"]) == [
            "locked/: folder permission denied; make it readable (chmod a+r) or remove it",
            "secret.txt: permission denied; make it readable (chmod a+r) or remove it",
        ]
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


def _write_big_unusual(corpus: Path) -> None:
    """About 7.5 MB that is accepted but unusual: each a single line, each repetitive, so the
    embedding stage meets few distinct texts and the run measures sentence splitting."""
    corpus.mkdir()

    def repeat(unit: str, size: int) -> str:
        return (unit * (size // len(unit) + 1))[:size].strip()

    # a table exported as one line of figures: about one token for every two characters
    table = "Port Ellen, 12, 7.5; Oban, 8, 3; Islay, 44, 0.2. "
    (corpus / "table.jsonl").write_text(json.dumps({"id": "table", "text": repeat(table, 4 * MB)}) + "\n")
    (corpus / "line.txt").write_text(repeat(BIG_LINE + "Some boats stayed in port for weeks. ", 2 * MB) + "\n")
    words = "lighthouse keepers counted gulls along the western shore while ferries waited "
    (corpus / "no-punctuation.txt").write_text(repeat(words, 1 * MB) + "\n")
    (corpus / "no-spaces.txt").write_text(repeat("qwertyuiopasdfghjklzxcvbnm" * 4, MB // 2) + "\n")


def measured_qa_index(corpus: Path, index: Path) -> subprocess.Popen:
    """`qa index corpus` run by a fresh interpreter that waits for it, so its RUSAGE_CHILDREN holds that
    run alone; its output starts with "<exit code> <peak RSS in kB>" (see `measured`)."""
    measure = (
        "import resource, subprocess, sys\n"
        "run = subprocess.run([sys.executable, '-m', 'qa.cli', 'index', sys.argv[1], '--index-dir', sys.argv[2]],"
        " capture_output=True, text=True)\n"
        "print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(run.stdout[-2000:], run.stderr[-2000:])\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", measure, str(corpus), str(index)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )


def measured(proc: subprocess.Popen) -> tuple[int, int, str]:
    """(exit code, peak RSS in kB, output) of a `measured_qa_index` run, once it ends."""
    out, _ = proc.communicate()
    code, max_rss_kb = map(int, out.split("\n", 1)[0].split())  # ru_maxrss is in kB on Linux
    return code, max_rss_kb, out


@pytest.fixture(scope="module", autouse=True)
def big_index_run(tmp_path_factory):
    """`qa index` on the big unusual texts, measured by a fresh interpreter that waits for it (so its
    RUSAGE_CHILDREN holds that run alone, no earlier test's subprocess). Started before this module's
    other tests and left to run beside them, as it takes the longest."""
    base = tmp_path_factory.mktemp("big")
    _write_big_unusual(base / "corpus")
    proc = measured_qa_index(base / "corpus", base / "index")
    yield proc
    if proc.poll() is None:  # the test did not get to wait for it
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_qa_index_memory_is_bounded_on_big_unusual_texts(big_index_run):
    """Before sentence splitting worked in bounded pieces, this corpus took `qa index` to a 4.3 GB peak
    (and ~9 MB of such text to 21.9 GB); now it stays near the ~1 GB of the model and torch themselves."""
    code, max_rss_kb, out = measured(big_index_run)
    assert code == 0, out
    assert "Indexed 4 documents" in out and "Skipped none" in out, out
    assert max_rss_kb < 2.5 * 1024 * 1024, f"qa index peaked at {max_rss_kb / 1024 / 1024:.2f} GB"

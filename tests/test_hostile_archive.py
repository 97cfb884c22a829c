"""Zip-based files read with limits (issue 26, item 3): a real Word zip bomb (a small .docx whose XML
unpacks to 190 MB) and its kin are refused with the reason before any parser opens them, and `qa index`
stays within bounded memory on them."""

from __future__ import annotations

import io
import resource
import shutil
import zipfile
from pathlib import Path

import pytest

from qa.ingest import load_corpus
from qa.ingest.archive import MAX_ENTRIES, MAX_RATIO, MAX_XML_MB

from .conftest import CORPUS
from .test_hostile_corpus import measured, measured_qa_index
from .test_pdf_docx import docx_bytes

MB = 1024 * 1024
PARAGRAPH = b"<w:p><w:r><w:t>The harbour was closed again.</w:t></w:r></w:p>"


def bomb_docx(xml_mb: int, body: bytes = PARAGRAPH) -> bytes:
    """A real .docx (python-docx's own parts) whose word/document.xml is `xml_mb` MB of valid paragraphs,
    written in pieces (the test never holds the XML): a few hundred KB on disk."""
    base = zipfile.ZipFile(io.BytesIO(docx_bytes(["Lighthouse repairs in Oban."])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in base.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, base.read(info.filename))
                continue
            head = base.read(info.filename).decode().partition("<w:body>")[0] + "<w:body>"
            member = zipfile.ZipInfo("word/document.xml")
            member.compress_type = zipfile.ZIP_DEFLATED
            with z.open(member, "w", force_zip64=True) as w:
                w.write(head.encode())
                block = body * 1000
                for _ in range(xml_mb * MB // len(block)):
                    w.write(block)
                w.write(b"<w:sectPr/></w:body></w:document>")
    return out.getvalue()


def _many_entries(n: int) -> bytes:
    base = zipfile.ZipFile(io.BytesIO(docx_bytes(["Lighthouse repairs in Oban."])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in base.infolist():
            z.writestr(info, base.read(info.filename))
        for i in range(n):
            z.writestr(f"customXml/item{i}.bin", b"")
    return out.getvalue()


def _problems(tmp_path: Path, files: dict[str, bytes]) -> dict[str, str]:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = load_corpus([tmp_path], allow_empty=True)
    return {p.path: p.reason for p in result.problems}


def test_bombs_are_refused_before_parsing_with_the_limit_they_break(tmp_path):
    ratio_bomb = bomb_docx(4)  # under the size limit, but 4 MB from a few KB
    found = _problems(
        tmp_path,
        {
            "bomb.docx": bomb_docx(190),
            "ratio.docx": ratio_bomb,
            "entries.docx": _many_entries(MAX_ENTRIES + 5),
            "fine.docx": docx_bytes(["Lighthouse repairs in Oban will finish in May, the council said."]),
        },
    )
    assert found["bomb.docx"] == (
        f"word/document.xml unpacks to 190 MB of XML, over the {MAX_XML_MB} MB limit for "
        "one part; refused before unpacking, as a zip bomb would be"
    )
    assert (
        found["ratio.docx"].startswith("word/document.xml unpacks ")
        and f"at most {MAX_RATIO} times" in found["ratio.docx"]
    )
    assert found["entries.docx"].startswith("a zip of ")
    assert (
        f"entries, over the {MAX_ENTRIES:,} a Word .docx file may have; refused before unpacking"
        in found["entries.docx"]
    )
    assert "fine.docx" not in found


def test_checking_a_bomb_costs_no_memory():
    """The check reads the zip's directory only: refusing a 190 MB bomb leaves the peak where it was."""
    from qa.errors import InputFileError
    from qa.ingest.word import read_docx

    data = bomb_docx(190)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InputFileError, match="zip bomb"):
        read_docx(data, "bomb.docx")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 50 * 1024  # kB


@pytest.fixture(scope="module")
def bomb_index_run(tmp_path_factory):
    """`qa index` on the bomb and one article, measured by a fresh interpreter that waits for it."""
    base = tmp_path_factory.mktemp("bomb")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "report.docx").write_bytes(bomb_docx(190))
    shutil.copy(CORPUS / "000_f5edb748992077ea.txt", corpus)
    proc = measured_qa_index(corpus, base / "index")
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_qa_index_on_a_bomb_stays_within_its_memory_target(bomb_index_run):
    """The probe: 4.9 GB peak on this file. The target: 1.5 GB for any single file, bombs included."""
    code, max_rss_kb, out = measured(bomb_index_run)
    assert code == 0, out
    assert "skipped report.docx: word/document.xml unpacks to 190 MB of XML" in out
    assert "Indexed 1 documents" in out
    assert max_rss_kb < 1.5 * 1024 * 1024, f"qa index peaked at {max_rss_kb / 1024 / 1024:.2f} GB"

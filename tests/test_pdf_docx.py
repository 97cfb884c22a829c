"""PDF and Word files: text with the page of every character, quotes cited with their page, and a
clear one-line problem for a scan, an encrypted, a truncated or a fake file (never an empty document)."""

from __future__ import annotations

import io
import re

import pytest

from qa.errors import InputFileError
from qa.ingest import load_corpus, load_file
from qa.records import Document, Quote
from qa.render import quote_citation

PAGE_ONE = ["Harbour report", "The harbour of Port Ellen reopened on Monday after the storm."]
PAGE_THREE = ["The mayor said the ferry (line 4) to Islay runs again from Tuesday.", "Tickets cost 12 pounds."]


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF written by hand: one page per list of lines, set in Helvetica with a text
    layer (`BT /F1 12 Tf (…) Tj ET`); an empty list is a page without text, as a scanned page is."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        shown = "".join(f"({esc(line)}) Tj 0 -16 Td " for line in lines)
        stream = f"BT /F1 12 Tf 72 720 Td {shown}ET" if lines else ""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def encrypted_pdf(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(paragraphs: list[str], title: str = "", table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "R. Reporter"
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


GOOD_PDF = pdf_bytes([PAGE_ONE, [], PAGE_THREE])  # page 2 is blank


def test_pdf_text_keeps_the_page_of_every_character(tmp_path):
    (tmp_path / "report.pdf").write_bytes(GOOD_PDF)
    [doc], problems = load_file(tmp_path / "report.pdf", tmp_path)
    assert problems == [] and doc.id == "report.pdf" and doc.title == "report"
    assert doc.text.startswith("Harbour report\nThe harbour of Port Ellen reopened on Monday after the storm.")
    assert len(doc.pages) == 3 and doc.pages[0] == 0
    for line in PAGE_ONE:
        assert doc.page_at(doc.text.index(line)) == 1
    for line in PAGE_THREE:
        at = doc.text.index(line)
        assert doc.page_at(at) == 3 and doc.page_at(at + len(line) - 1) == 3
        assert doc.text[at : at + len(line)] == line  # offsets are offsets in the stored text
    assert doc.page_at(len(doc.text) - 1) == 3


def test_page_at_without_pages_is_none_and_survives_a_json_round_trip():
    plain = Document(id="a.txt", text="Some text.")
    assert plain.pages == () and plain.page_at(0) is None
    paged = Document(id="b.pdf", text="one\n\ntwo", pages=(0, 5))
    stored = {k: v for k, v in paged.to_dict().items() if k != "sha256"}  # as documents.jsonl holds it
    stored["pages"] = list(stored["pages"])
    again = Document(**stored)
    assert again == paged and again.pages == (0, 5)
    assert [again.page_at(i) for i in (0, 4, 5, 7)] == [1, 1, 2, 2]


def test_encrypted_pdf_with_an_empty_password_opens(tmp_path):
    (tmp_path / "locked-for-print.pdf").write_bytes(encrypted_pdf(GOOD_PDF, ""))
    [doc], _ = load_file(tmp_path / "locked-for-print.pdf", tmp_path)
    assert "Port Ellen" in doc.text and len(doc.pages) == 3


def test_docx_paragraphs_tables_and_properties(tmp_path):
    data = docx_bytes(
        ["Ferry returns", "The ferry to Islay runs again.\nTickets cost 12 pounds.", "   ", "End."],
        title="Ferry news",
        table=[["Route", "Days"], ["Islay", "Daily"]],
    )
    (tmp_path / "news.docx").write_bytes(data)
    [doc], problems = load_file(tmp_path / "news.docx", tmp_path)
    assert problems == [] and doc.title == "Ferry news" and doc.author == "R. Reporter"
    assert doc.text == (
        "Ferry returns\n\nThe ferry to Islay runs again.\n\nTickets cost 12 pounds.\n\nEnd.\n\n"
        "Route\n\nDays\n\nIslay\n\nDaily"
    )
    assert doc.pages == () and doc.page_at(3) is None


BAD_FILES = {
    "scan.pdf": (pdf_bytes([[], []]), r"^scan.pdf: no text layer on any of its 2 page\(s\) .*run OCR"),
    "locked.pdf": (encrypted_pdf(GOOD_PDF, "secret"), r"^locked.pdf: password-protected PDF"),
    "cut.pdf": (GOOD_PDF[: len(GOOD_PDF) // 2], r"^cut.pdf: truncated PDF"),
    "fake.pdf": (b"Just some text saved as .pdf\n", r"^fake.pdf: not a PDF file"),
    "broken.pdf": (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n", r"^broken.pdf: damaged PDF"),
    "fake.docx": (b"Just some text saved as .docx\n", r"^fake.docx: not a Word .docx file \(not a zip"),
    "empty.docx": (docx_bytes(["", "  "]), r"^empty.docx: no text in the Word file"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_unusable_pdf_or_docx_is_one_clear_line(tmp_path, name):
    data, pattern = BAD_FILES[name]
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.pdf").write_bytes(GOOD_PDF)
    result = load_corpus([tmp_path])
    assert [d.id for d in result.documents] == ["good.pdf"]
    [problem] = result.problems
    assert isinstance(problem, InputFileError) and "\n" not in str(problem)
    assert problem.path == name
    assert re.search(pattern, str(problem)), str(problem)


def test_zip_that_is_no_word_file(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "archive.docx", "w") as z:
        z.writestr("notes.txt", "not a document")
    with pytest.raises(InputFileError, match=r"^archive.docx: not a Word .docx file \(no word/document.xml\)"):
        load_file(tmp_path / "archive.docx", tmp_path)


def test_citation_names_the_page_of_a_paged_document():
    doc = Document(id="r.pdf", text="one\n\ntwo three", pages=(0, 5), path="r.pdf", title="Report")
    quote = Quote(n=1, text="two three", doc_id="r.pdf", title="Report", source="", date="", start=5, end=14, score=1)
    assert quote_citation(quote, doc) == "outlet unknown, “Report”, file r.pdf, p. 2, characters 5–14"
    plain = Document(id="r.txt", text=doc.text, path="r.txt", title="Report")
    assert ", p. " not in quote_citation(quote, plain)
    assert ", p. " not in quote_citation(quote, None)


def test_pdf_quotes_are_cited_with_their_page_from_a_real_index(tmp_path, config):
    from qa.api import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.pdf").write_bytes(GOOD_PDF)
    (corpus / "news.docx").write_bytes(docx_bytes(["Lighthouse repairs in Oban will finish in May, the council said."]))
    Assistant.from_corpus([corpus], tmp_path / "index", config)
    assistant = Assistant.load(tmp_path / "index", config)  # pages come back from documents.jsonl
    [loaded], _ = load_file(corpus / "report.pdf", corpus)
    assert assistant.documents["report.pdf"] == loaded and len(loaded.pages) == 3
    answer = assistant.ask("When does the ferry to Islay run again?", k=1)
    [quote] = answer.quotes
    doc = assistant.documents[quote.doc_id]
    assert quote.doc_id == "report.pdf" and doc.text[quote.start : quote.end] == quote.text
    assert "Tuesday" in quote.text and ", p. 3, characters" in quote_citation(quote, doc)

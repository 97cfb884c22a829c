"""PDF files: the text layer of each page (pypdf), and where each page starts in the text.

The extracted text is the document's text, stored in the index like any other, so a quote's offsets
are checked against it and its page is `Document.page_at(start)`. Pages are joined by a blank line,
so a sentence never runs across a page break and every character has one page.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from contextlib import contextmanager
from typing import Mapping

from ..errors import InputFileError
from . import problems as P
from .metadata import Metadata
from .text import normalise_line

PAGE_SEPARATOR = "\n\n"
# A PDF starts with this marker, after at most a little junk (the standard allows 1 KB of it).
_PDF_MARKER = b"%PDF-"
_HEAD_BYTES = 1024
# Every PDF ends with this marker (the PDF standard); a file without it in its tail was cut off.
_EOF_MARKER = b"%%EOF"
_EOF_TAIL_BYTES = 2048
# Characters a text layer sometimes holds that no article has: control characters (broken font
# maps) and lone surrogates (a UTF-16 map cut in half). The text is ours to make, so they go:
# control characters become spaces and lone surrogates U+FFFD.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


@contextmanager
def _quiet():
    """pypdf warns (and logs) about every oddity of a damaged file; the one-line problem says enough."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def read_pdf(data: bytes, name: str) -> tuple[str, tuple[int, ...], Metadata]:
    """(text, start of each page in it, metadata) of PDF `data`; InputFileError naming `name` when the
    file is damaged, truncated, password-protected or has no text layer (a scan)."""
    if _PDF_MARKER not in data[:_HEAD_BYTES]:
        raise P.problem(name, "not a PDF file (it does not start with %PDF-); check the file", P.DAMAGED)
    if _EOF_MARKER not in data[-_EOF_TAIL_BYTES:]:
        raise P.problem(name, "truncated PDF (it does not end with %%EOF); download or export it again", P.DAMAGED)
    with _quiet():
        try:
            page_texts, meta = _extract(data, name)
        except InputFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds of errors on broken files
            reason = f"damaged PDF ({type(exc).__name__}: {exc})"[:300] + "; export or download it again"
            raise P.problem(name, reason, P.DAMAGED) from None
    text, pages = _join(page_texts)
    if not text:
        raise P.problem(
            name,
            f"no text layer on any of its {len(page_texts)} page(s) (a scanned or image-only PDF); "
            "run OCR on it (e.g. ocrmypdf) and add the result",
            P.EMPTY,
        )
    return text, pages, meta


def _extract(data: bytes, name: str) -> tuple[list[str], Metadata]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        # many PDFs are encrypted with an empty password only to restrict printing: those open
        try:
            opened = bool(reader.decrypt(""))
        except (DependencyError, NotImplementedError):
            opened = False
        if not opened:
            raise P.problem(name, "password-protected PDF; save or print it to an unprotected PDF", P.PROTECTED)
    texts = [_page_text(page) for page in reader.pages]
    info: Mapping = reader.metadata or {}
    meta = Metadata(title=_clean(str(info.get("/Title") or "")), author=_clean(str(info.get("/Author") or "")))
    return texts, meta


def _page_text(page) -> str:
    """A page's text layer: lines with odd spaces made plain and blank runs cut to one blank line."""
    raw = _SURROGATE.sub("\ufffd", _CONTROL.sub(" ", page.extract_text() or ""))
    lines = [normalise_line(line) for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _clean(value: str) -> str:
    return normalise_line(_SURROGATE.sub("\ufffd", _CONTROL.sub(" ", value)))


def _join(page_texts: list[str]) -> tuple[str, tuple[int, ...]]:
    """The pages' text joined by PAGE_SEPARATOR, and where each page starts (an empty page starts
    where the next one does, so every character belongs to the page it was printed on)."""
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for page in page_texts:
        if page and parts:
            offset += len(PAGE_SEPARATOR)
        starts.append(offset)
        if page:
            parts.append(page)
            offset += len(page)
    return PAGE_SEPARATOR.join(parts), tuple(starts)

"""Word files (.docx): the text of the body's paragraphs and table cells, in order (python-docx).

A .docx is written, not scraped, so nothing is dropped as boilerplate: each paragraph (and each line
of a paragraph with line breaks) becomes a paragraph of the text, separated by a blank line.
"""

from __future__ import annotations

import io
import re

from . import problems as P
from .archive import check_zip
from .metadata import Metadata
from .text import normalise_line

_BODY = "word/document.xml"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def read_docx(data: bytes, name: str) -> tuple[str, Metadata]:
    """(text, metadata) of .docx `data`; InputFileError naming `name` when it is no readable Word file."""
    _check_package(data, name)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = [p for block in document.iter_inner_content() for p in _block_paragraphs(block)]
        props = document.core_properties
        meta = Metadata(title=normalise_line(props.title or ""), author=normalise_line(props.author or ""))
    except Exception as exc:  # noqa: BLE001 - python-docx and lxml raise many kinds of errors on broken files
        reason = f"damaged Word file ({type(exc).__name__}: {exc})"[:300] + "; save it again from Word as .docx"
        raise P.problem(name, reason, P.DAMAGED) from None
    text = "\n\n".join(paragraphs)
    if not text:
        raise P.problem(name, "no text in the Word file (only images or empty paragraphs?); add the text", P.EMPTY)
    return text, meta


def _check_package(data: bytes, name: str) -> None:
    """A zip within the archive limits (archive.py) that holds word/document.xml."""
    infos = check_zip(data, name, "Word .docx file")
    if _BODY not in {i.filename for i in infos}:
        raise P.problem(name, f"not a Word .docx file (no {_BODY}); save it from Word as .docx", P.DAMAGED)


def _block_paragraphs(block) -> list[str]:
    """The paragraphs of a body block: a paragraph's lines, or the paragraphs of a table's cells."""
    if hasattr(block, "rows"):
        out: list[str] = []
        for row in block.rows:
            seen = set()  # a merged cell is returned once per grid column it spans
            for cell in row.cells:
                if cell._tc in seen:
                    continue
                seen.add(cell._tc)
                for inner in cell.iter_inner_content():
                    out += _block_paragraphs(inner)
        return out
    text = _CONTROL.sub(" ", block.text or "").replace("\r", "\n")
    return [line for line in (normalise_line(x) for x in text.split("\n")) if line]

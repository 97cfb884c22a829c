"""Quotations in the index: extracted while the index is built (reusing those of unchanged
documents), written as `quotations.jsonl` beside the other files of a generation, read back on load.

The file's first line is a header naming the extractor version; an index whose quotations came from
another version (or that has none) gets them extracted again when loaded, so an upgrade never serves
stale speakers. A document whose extraction fails is skipped with a problem line; the build goes on.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable

from ..records import Document
from .extract import extract_quotations
from .records import Quotation

QUOTATIONS = "quotations.jsonl"
# Raise when extraction changes what it finds: stored quotations of another version are redone.
EXTRACTOR_VERSION = 3  # 3: no blank speakers from names run on into blank lines
log = logging.getLogger(__name__)


def extract_all(
    documents: list[Document], previous: dict[str, tuple[str, list[Quotation]]] | None = None,
    done: Callable[[int], None] | None = None,
) -> tuple[list[Quotation], list[str]]:
    """Quotations of every document (those of a document whose text is unchanged since `previous`,
    doc id -> (text, quotations), are reused) and one line per problem; `done(n)` is told when the
    first n documents are done (a build's progress)."""
    previous = previous or {}
    out: list[Quotation] = []
    problems: list[str] = []
    for n, doc in enumerate(documents):
        if done is not None:
            done(n)
        old = previous.get(doc.id)
        if old is not None and old[0] == doc.text:
            out.extend(old[1])
            continue
        try:
            found, marks = extract_quotations(doc)
        except Exception as exc:  # one odd document never stops a build: it is reported and skipped
            problems.append(f"{doc.id}: quotations not extracted ({type(exc).__name__}: {exc})")
            log.warning(problems[-1])
            continue
        out.extend(found)
        problems.extend(marks)
    if done is not None:
        done(len(documents))
    return out, problems


def previous_quotations(documents: dict[str, Document], quotations: list[Quotation] | None):
    """The doc id -> (text, quotations) map a rebuild reuses."""
    if quotations is None:
        return {}
    by_doc: dict[str, list[Quotation]] = {d: [] for d in documents}
    for q in quotations:
        by_doc.setdefault(q.doc_id, []).append(q)
    return {d: (documents[d].text, qs) for d, qs in by_doc.items() if d in documents}


def write_quotations(folder: Path, quotations: list[Quotation]) -> None:
    with open(folder / QUOTATIONS, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"extractor": EXTRACTOR_VERSION, "quotations": len(quotations)}) + "\n")
        for q in quotations:
            fh.write(json.dumps(q.to_dict(), ensure_ascii=False) + "\n")


def read_quotations(folder: Path) -> list[Quotation] | None:
    """The stored quotations, or None when the file is missing or from another extractor version."""
    path = folder / QUOTATIONS
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as fh:
        header = json.loads(fh.readline() or "{}")
        if header.get("extractor") != EXTRACTOR_VERSION:
            return None
        return [Quotation.from_dict(json.loads(line)) for line in fh if line.strip()]

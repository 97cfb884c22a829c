"""Quotations of a whole collection, as an index build finds them (reusing those of unchanged
documents); qa/store/quotations.py stores them beside the other files of a generation.

A document whose extraction fails is skipped with a problem line; the build goes on.
"""

from __future__ import annotations

import logging
from typing import Callable, Mapping

from ..records import Document
from .extract import extract_quotations
from .records import Quotation

log = logging.getLogger(__name__)


def extract_all(
    documents: list[Document],
    previous: dict[str, tuple[str, list[Quotation]]] | None = None,
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


def previous_quotations(documents: Mapping[str, Document], quotations: list[Quotation] | None):
    """The doc id -> (text, quotations) map a rebuild reuses."""
    if quotations is None:
        return {}
    by_doc: dict[str, list[Quotation]] = {d: [] for d in documents}
    for q in quotations:
        by_doc.setdefault(q.doc_id, []).append(q)
    return {d: (documents[d].text, qs) for d, qs in by_doc.items() if d in documents}

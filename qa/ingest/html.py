"""Saved web pages: the article text trafilatura finds, then the same line rules as plain text."""

from __future__ import annotations

import re
from collections import Counter

from . import rules
from .metadata import Metadata
from .text import drop_reason, is_prose, normalise_line


def clean_html(raw: str) -> tuple[str, Metadata]:
    """Main text of an HTML page (via trafilatura), paragraphs separated by a blank line, and its metadata."""
    data = _extract(raw)
    if data is None:
        return "", Metadata()
    lines = [normalise_line(line) for line in (data.get("text") or "").split("\n")]
    counts = Counter(line for line in lines if line)
    paragraphs = [line for line in lines if line and drop_reason(line, counts) is None]
    if not any(is_prose(p) for p in paragraphs):
        return "", Metadata()  # trafilatura falls back to menus and link lists when a page has no article
    source = normalise_line(data.get("sitename") or "")
    title = normalise_line(data.get("title") or "")
    if source:
        # "Harbour reopens | Coastal Times": the outlet is already the source
        title = re.sub(rf"\s+[|–—-]\s+{re.escape(source)}$", "", title)
    date = data.get("date") or ""
    meta = Metadata(
        title=title,
        source=source,
        date=date[:10] if rules.ISO_DATE_START.match(date) else "",
        author=normalise_line(data.get("author") or ""),
        url=data.get("url") or "",
    )
    return "\n\n".join(paragraphs), meta


def _extract(raw: str) -> dict | None:
    """trafilatura's text and metadata of the page, or None when it finds none or cannot parse it."""
    # imported here: trafilatura (and lxml) load slowly and only HTML files need them
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            raw,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            # dates only from the page's markup and URL, not guessed from dates in the prose
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # lxml and trafilatura raise many kinds of errors on broken markup
        return None
    if doc is None:
        return None
    return doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)

"""Saved web pages: the article text trafilatura finds, then the same line rules as plain text."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

from . import rules
from .metadata import Metadata
from .text import drop_reason, is_prose, normalise_line


def clean_html(raw: str) -> tuple[str, Metadata]:
    """Main text of an HTML page (via trafilatura), paragraphs separated by a blank line, and its metadata.

    A page lxml cannot parse (nested thousands of elements deep: libxml2 stops at 256 levels) is read
    by `_flat_text` instead, which keeps no tree; its lines go through the same rules."""
    data = _extract(raw)
    if data is None:
        data = _flat_text(raw)
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


# what a page holds besides its text: never read as prose (menus, scripts, forms)
_SKIPPED = frozenset(
    "script style noscript template head nav header footer aside form select button svg iframe".split()
)
# elements that end a line of text
_BLOCKS = frozenset(
    """p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 article section main blockquote pre table tr td th
    figure figcaption hr title body html""".split()
)


class _FlatText(HTMLParser):
    """A page's text, line by line, from a stream of tags: no tree, so no depth limit and memory in
    proportion to the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skipping = 0  # open skipped elements around the current text
        self.in_title = False
        self.title = ""

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED and tag != "head":
            self.skipping += 1
        self.in_title = tag == "title"
        if tag in _BLOCKS:
            self.lines.append("")

    def handle_endtag(self, tag):
        if tag in _SKIPPED and tag != "head" and self.skipping:
            self.skipping -= 1
        if tag == "title":
            self.in_title = False
        if tag in _BLOCKS:
            self.lines.append("")

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif not self.skipping:
            self.lines[-1] += data


def _flat_text(raw: str) -> dict:
    parser = _FlatText()
    try:
        parser.feed(raw)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; whatever it still raises means no text
        return {}
    return {
        "text": "\n".join(" ".join(line.split()) for line in parser.lines if line.strip()),
        "title": " ".join(parser.title.split()),
    }

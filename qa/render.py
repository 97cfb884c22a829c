"""Plain-text and Markdown forms of an answer, shared by the command line and the browser app.

One citation format serves every face: outlet, “title”, date, then the URL or the file, and for a
quote the character offsets its text sits at. The Copy button, the Markdown export and `qa ask`
all build it here, so a quote is cited the same way wherever it is read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping

from .records import Answer, Document, Quote

if TYPE_CHECKING:  # the records of qa/support.py; render is read by the faces, which hold them
    from .support import DraftSupport

# A host, then no whitespace, quotes, angle brackets, backslash, backtick, control or invisible
# format characters: what could break out of an attribute or Markdown, or disguise where a link goes.
_URL_BAD = r"\s<>\"'`\\\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
_SAFE_URL = re.compile(rf"^https?://[^/?#{_URL_BAD}][^{_URL_BAD}]*$", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def safe_url(url: str) -> str:
    """`url` when it is a plain http(s) URL, else "" (no javascript:, data: or other schemes)."""
    url = (url or "").strip()
    return url if _SAFE_URL.match(url) else ""


def _meta(obj) -> tuple[str, str, str, str, str]:
    """(outlet, title, date, url, file) of a Quote, Document or also_in dict."""
    get = obj.get if isinstance(obj, Mapping) else lambda k, d="": getattr(obj, k, d)
    file = get("path", "") or get("file_id", "") or get("doc_id", "") or get("id", "")
    return get("source", "") or "", get("title", "") or "", get("date", "") or "", get("url", "") or "", file or ""


def _citation_parts(obj, document: Document | None) -> tuple[list[str], str, str]:
    """([outlet, “title”, date], the http(s) URL or "", the file) of a citation."""
    outlet, title, date, url, file = _meta(obj)
    if document is not None:
        url = url or document.url
        file = document.path or file
    url = safe_url(url)  # a javascript: or other odd "URL" is no citation: name the file instead
    return [outlet or "outlet unknown", f"“{title}”" if title else "", date], url, file


def citation(obj, document: Document | None = None) -> str:
    """Plain-text citation: outlet, “title”, date, and URL or file. An unknown outlet is said plainly;
    other missing parts are left out."""
    parts, url, file = _citation_parts(obj, document)
    return ", ".join(p for p in parts + [url or (f"file {file}" if file else "")] if p)


def md_citation(obj, document: Document | None = None) -> str:
    """The citation in Markdown: its text escaped, and an http(s) URL as an autolink `<…>`, which
    links to exactly that URL (no Markdown escape inside it). Only such a URL becomes a link."""
    parts, url, file = _citation_parts(obj, document)
    where = f"<{url}>" if url else md_escape(f"file {file}") if file else ""
    return ", ".join(p for p in [md_escape(x) for x in parts] + [where] if p)


def _place(quote: Quote) -> str:
    """Where a quote's text sits in its file (an article cut out of a digest file is placed in the file)."""
    if quote.file_id and quote.file_id != quote.doc_id:
        return f"characters {quote.file_start}–{quote.file_end}"
    return f"characters {quote.start}–{quote.end}"


def _other_place(other: Mapping) -> str:
    """Where another document prints a quote (an also_in entry), so that copy can be checked too."""
    if other.get("file_id") and other.get("file_id") != other.get("doc_id") and "file_start" in other:
        return f", characters {other['file_start']}–{other['file_end']}"  # an article of a digest: in its file
    if "start" in other and "end" in other:
        return f", characters {other['start']}–{other['end']}"
    return ""


def quote_citation(quote: Quote, document: Document | None = None) -> str:
    """The citation of a quote and where its text sits in its file, so it can be checked (and, for a
    paged document such as a PDF, the page its first character is printed on)."""
    page = document.page_at(quote.start) if document is not None else None
    return f"{citation(quote, document)}{f', p. {page}' if page else ''}, {_place(quote)}"


def copy_text(quote: Quote, document: Document | None = None) -> str:
    """What the Copy button puts on the clipboard: the quote in quotation marks, then its citation."""
    return f"“{quote.text}” — {citation(quote, document)}"


def short_answer_text(answer: Answer) -> str:
    """The short answer as shown: a relative date keeps its words and gains its day ("Saturday (2023-10-07)")."""
    if not answer.short_answer:
        return ""
    return f"{answer.short_answer} ({answer.short_answer_date})" if answer.short_answer_date else answer.short_answer


def format_answer_text(answer: Answer, documents: Mapping[str, Document] | None = None) -> str:
    """The answer and its numbered quotes as plain text (what `qa ask` prints)."""
    documents = documents or {}
    lines = [f"Short answer: {short_answer_text(answer)}"] if answer.short_answer else []
    lines += [answer.answer, ""]
    for q in answer.quotes:
        lines.append(f"[{q.n}] “{q.text}”")
        lines.append(f"    — {quote_citation(q, documents.get(q.doc_id))}")
        lines += [f"    also reported by {citation(other)}{_other_place(other)}" for other in q.also_in]
    if answer.closest:
        lines.append("Closest passages (they do not answer the question):")
        for q in answer.closest:
            lines.append(f"  - “{q.text}”")
            lines.append(f"    — {quote_citation(q, documents.get(q.doc_id))}")
    return "\n".join(lines).rstrip()


def md_escape(text: str) -> str:
    """Backslash-escape what would make Markdown build links, HTML or code: rendered, the text is exact."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def answer_markdown(answer: Answer, documents: Mapping[str, Document] | None = None) -> str:
    """A whole answer with its numbered sources, for pasting into notes or a draft."""
    documents = documents or {}
    lines = [f"# {md_escape(answer.question)}", ""]
    if answer.abstained or not answer.quotes:
        lines += [f"_{md_escape(answer.answer)}_", ""]
        return "\n".join(lines)
    if answer.short_answer:
        lines += [f"**Short answer:** {md_escape(short_answer_text(answer))}", ""]
    lines += [md_escape(answer.answer), "", "## Sources", ""]
    for q in answer.quotes:
        text = " ".join(md_escape(q.text).split("\n"))
        lines.append(f"**[{q.n}]** “{text}”  ")
        lines.append(f"— {md_citation(q, documents.get(q.doc_id))}, {_place(q)}")
        lines += [f"  (also reported by {md_citation(other)}{_other_place(other)})" for other in q.also_in]
        lines.append("")
    return "\n".join(lines)


# --- quotations (qa quotes, the app's Quotes tab) -----------------------------------------------

_MONTHS = ("January February March April May June July August September October November December").split()


def long_date(iso: str) -> str:
    """2023-11-18 → 18 November 2023 (anything else is returned as it is)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return iso or ""
    return f"{int(m.group(3))} {_MONTHS[int(m.group(2)) - 1]} {m.group(1)}"


def _quoted(text: str) -> str:
    """The words in quotation marks, with the comma before the attribution inside them unless the
    words end a sentence themselves."""
    return f"“{text}”" if re.search(r"[.?!…]$", text) else f"“{text},”"


def _who(fq) -> list[str]:
    return [fq.speaker, fq.title] if fq.speaker else ["speaker not named"]


def quotation_citation(fq) -> str:
    """“…,” Nikol Pashinian, Prime Minister of Armenia, quoted in Asbarez, 18 November 2023."""
    outlet = fq.source or (f"outlet unknown, “{fq.doc_title}”" if fq.doc_title else "outlet unknown")
    where = ", ".join(p for p in [f"quoted in {outlet}", long_date(fq.date)] if p)
    return f"{_quoted(fq.text)} " + ", ".join(p for p in _who(fq) + [where] if p)


def quotation_markdown(fq) -> str:
    """The citation in Markdown: the outlet links to the article when it has an http(s) URL."""
    url = safe_url(fq.url)
    outlet = md_escape(fq.source or "outlet unknown")
    if url:
        outlet = f"[{outlet}](<{url}>)"
    elif fq.doc_title:
        outlet = f"{outlet}, “{md_escape(fq.doc_title)}”"
    who = [f"**{md_escape(fq.speaker)}**", md_escape(fq.title)] if fq.speaker else ["_speaker not named_"]
    text = " ".join(md_escape(fq.text).split("\n"))
    where = ", ".join(p for p in [f"quoted in {outlet}", long_date(fq.date)] if p)
    return f"{_quoted(text)} " + ", ".join(p for p in who + [where] if p)


def quotations_text(found, documents: Mapping[str, Document] | None = None) -> str:
    """Numbered quotations with their citations and where the words sit (what `qa quotes` prints)."""
    lines = []
    for fq in found:
        lines.append(f"[{fq.n}] {quotation_citation(fq)}")
        place = f"characters {fq.file_start}–{fq.file_end}" if fq.file_id != fq.doc_id else f"characters {fq.start}–{fq.end}"
        lines.append(f"    — “{fq.doc_title}”, file {fq.file_id}, {place}" if fq.doc_title else f"    — file {fq.file_id}, {place}")
        lines += [f"    also in {citation(other)}" for other in fq.also_in]
    return "\n".join(lines)


def quotations_markdown(found) -> str:
    return "\n".join(f"{fq.n}. {quotation_markdown(fq)}" for fq in found) + ("\n" if found else "")


QUOTE_CSV_FIELDS = ("n", "text", "speaker", "title", "mention", "source", "date", "doc_title", "url", "doc_id",
                    "start", "end", "speaker_id")


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…) in a scraped
# quote would be a live link); such a cell gets a leading apostrophe, which spreadsheets show as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def quotations_csv(found) -> str:
    """One row a quotation; the words as the article has them, except that a cell a spreadsheet
    would run as a formula starts with an apostrophe."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(QUOTE_CSV_FIELDS)
    for fq in found:
        d = fq.to_dict()
        writer.writerow([_csv_cell(d[f]) for f in QUOTE_CSV_FIELDS])
    return out.getvalue()


# --- sources for a draft (Assistant.support) ----------------------------------------------------

NO_SUPPORT_HEADING = "No support in these articles"


def format_support_text(support: "DraftSupport", documents: Mapping[str, Document] | None = None) -> str:
    """The draft with `[n]` after each supported sentence, its numbered sources, and the sentences
    the articles do not support (what `qa support` prints)."""
    documents = documents or {}
    lines = [support.annotated().rstrip(), ""]
    if support.sources:
        lines += ["Sources", ""]
    for q in support.sources:
        lines.append(f"[{q.n}] “{q.text}”")
        lines.append(f"    — {quote_citation(q, documents.get(q.doc_id))}")
        lines += [f"    also in {citation(other)}" for other in q.also_in]
    if support.unsupported:
        lines += ["", f"{NO_SUPPORT_HEADING} ({len(support.unsupported)} of {len(support.sentences)} sentences):"]
        lines += [f"- “{s.text}”" for s in support.unsupported]
    return "\n".join(lines).rstrip()


def support_markdown(support: "DraftSupport", documents: Mapping[str, Document] | None = None) -> str:
    """The annotated draft in Markdown: the draft's text escaped, `[n]` markers, numbered sources
    cited as `answer_markdown` cites them (only an http(s) URL becomes a link), unsupported sentences listed."""
    documents = documents or {}
    lines = [support.annotated(escape=md_escape).rstrip(), ""]
    if support.sources:
        lines += ["## Sources", ""]
    for q in support.sources:
        text = " ".join(md_escape(q.text).split("\n"))
        lines.append(f"**[{q.n}]** “{text}”  ")
        lines.append(f"— {md_citation(q, documents.get(q.doc_id))}, {_place(q)}")
        lines += [f"  (also in {md_citation(other)})" for other in q.also_in]
        lines.append("")
    if support.unsupported:
        lines += [f"## {NO_SUPPORT_HEADING}", ""]
        lines += [f"- “{' '.join(md_escape(s.text).split())}”" for s in support.unsupported]
        lines.append("")
    return "\n".join(lines)
